"""Siting on the grid: MCLP over aggregated cells puts the first site at the larger cluster."""

from __future__ import annotations

import numpy as np

from geomap.grids import io, siting

from ._rasters import degree_grid, units_halves, write_raster


def test_next_site_goes_to_the_largest_uncovered_cluster(tmp_path) -> None:
    n = 100
    t = degree_grid(n, res=0.01)
    arr = np.zeros((n, n))
    arr[10:20, 10:20] = 5.0  # 500 people in the north-west (around 10.15 E, 0.35 N)
    arr[70:80, 70:80] = 20.0  # 2,000 people in the south-east (around 10.75 E, -0.25 N)
    info = io.describe_raster(write_raster(tmp_path / "two.tif", arr, transform=t))
    sites = siting.grid_sites(info, units_halves(t, (n, n)), None, radius_km=15, add=2, factor=5)
    assert len(sites) == 2
    first = sites.geometry.iloc[0]
    assert abs(first.x - 10.75) < 0.1 and abs(first.y + 0.25) < 0.1
    assert sites["new_population_covered"].tolist() == [2000.0, 500.0]
    assert sites.attrs["population_model"] == "raster: two.tif (aggregated 5x5)"
