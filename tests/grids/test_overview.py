"""The coarse overview: classed distances, small, and blind to confidential sites for the public."""

from __future__ import annotations

import numpy as np

from geomap.directory import privacy
from geomap.grids import io, overview
from geomap.layers import grid as grid_layer

from ._rasters import degree_grid, providers_at, write_raster


def test_overview_is_small_classed_and_public_safe(tmp_path) -> None:
    n = 1000
    arr = np.ones((n, n), dtype="float32")
    arr[:, :100] = 0  # an empty strip: no people, no class
    info = io.describe_raster(write_raster(tmp_path / "p.tif", arr, transform=degree_grid(n, res=0.002)))
    prov = providers_at([(10.1, 0.0), (11.99, -1.49)], confidential=[False, True])
    ov = overview.distance_overview(info, prov, role=privacy.PUBLIC, max_side=100)
    assert ov.classes.shape == (100, 100)
    assert (ov.classes[:, :10] == 0).all() and (ov.classes[:, 10:] > 0).all()
    assert ov.confidential_left_out == 1
    # the far south-east corner is near the confidential site only: for the public it is far
    assert ov.classes[-1, -1] == 5
    partner = overview.distance_overview(info, prov, role=privacy.PARTNER, max_side=100)
    assert partner.classes[-1, -1] == 1 and partner.confidential_left_out == 0
    rgba = grid_layer.overview_rgba(ov)
    assert rgba.shape == (100, 100, 4) and (rgba[:, :10, 3] == 0).all()
    layer = grid_layer.grid_overview_layer(ov)
    assert layer.bounds[0][1] == 10.0
    assert grid_layer.band_labels(ov) == ["< 10 km", "10–25 km", "25–50 km", "50–100 km", "> 100 km"]


def test_overview_map_uses_local_assets_only(tmp_path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from geomap.layers import assets

    info = io.describe_raster(write_raster(tmp_path / "p.tif", np.ones((50, 50), dtype="float32"), transform=degree_grid(50)))
    ov = overview.distance_overview(info, providers_at([(10.2, 0.2)]), max_side=50)
    units = gpd.GeoDataFrame({"code": ["A"], "name": ["A"]}, geometry=[box(10, 0, 10.5, 0.5)], crs=4326)
    m = grid_layer.grid_overview_map(ov, units, boundary_source="test boundaries")
    html = m.get_root().render()
    assert "Distance to the nearest provider" in html and "raster: p.tif" in html
    assert assets.external_assets(m) == []
