"""Exact per-unit totals (exactextract), next to the census; the real WorldPop Accra clip."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from shapely.geometry import box

from geomap.grids import io, reach, zonal

from ._rasters import degree_grid, providers_at, write_raster


def test_a_border_through_cells_splits_them_exactly(tmp_path) -> None:
    t = degree_grid(4, res=1.0, west=0.0, north=2.0)
    info = io.describe_raster(write_raster(tmp_path / "p.tif", np.full((4, 4), 10.0), transform=t))
    # the border at x = 1.5 cuts the second column of cells in half
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"], "population": [100.0, np.nan]}, geometry=[box(0, -2, 1.5, 2), box(1.5, -2, 4, 2)], crs=4326
    )
    out = zonal.zonal_population(info, units).set_index("code")
    assert out.loc["A", "grid_population"] == pytest.approx(60.0)
    assert out.loc["B", "grid_population"] == pytest.approx(100.0)
    assert out.loc["A", "grid_to_census"] == pytest.approx(0.6)
    assert np.isnan(out.loc["B", "grid_to_census"])


@pytest.mark.realdata
def test_worldpop_accra_total_matches_a_direct_sum(realdata_dir) -> None:
    path = realdata_dir / "worldpop" / "GHA15adj_040213_accra_clip.tif"
    with rasterio.open(path) as src:
        arr = src.read(1)
        valid = arr != src.nodata
        expected = float(arr[valid].sum())
        bounds = src.bounds
    assert valid.sum() == 114_513
    info = io.describe_raster(path)
    units = gpd.GeoDataFrame({"code": ["ACC"]}, geometry=[box(bounds.left - 0.1, bounds.bottom - 0.1, bounds.right + 0.1, bounds.top + 0.1)], crs=4326)
    assert zonal.zonal_population(info, units)["grid_population"].iloc[0] == pytest.approx(expected, rel=1e-9)
    # the block-wise reach path sees the same people (nodata over the sea counts as none)
    out = reach.grid_reach(info, units, providers_at([(-0.187, 5.556)]), radius_km=10, block=100)
    assert out["grid_population"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert out["grid_cells"].iloc[0] == int((arr[valid] > 0).sum())
    assert 0 < out["pop_within_km"].iloc[0] < expected
