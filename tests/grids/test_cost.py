"""Travel time over friction: straight runs, a barrier that doubles a route, land cover + speeds."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from geomap.grids import cost, io, travel

from ._rasters import write_raster

CRS = "EPSG:32631"
T = from_origin(500_000, 1_010_000, 100, 100)  # 100 m cells, UTM 31N


def _grid(tmp_path, shape, pop=1.0):
    return io.describe_raster(write_raster(tmp_path / "pop.tif", np.full(shape, pop), transform=T, crs=CRS))


def _at(info, cells):
    t = info.affine
    pts = [Point(t.c + (c + 0.5) * t.a, t.f + (r + 0.5) * t.e) for r, c in cells]
    return gpd.GeoDataFrame({"name": ["Site (fictional)"] * len(cells)}, geometry=pts, crs=CRS).to_crs(4326)


def test_uniform_friction_straight_and_diagonal(tmp_path) -> None:
    info = _grid(tmp_path, (21, 41))
    friction = np.full((21, 41), 0.01)  # 0.01 min per metre: 1 minute per 100 m cell
    t = cost.travel_minutes(friction, info, _at(info, [(10, 0)]))
    assert t[10, 0] == 0
    assert t[10, 40] == pytest.approx(40.0)
    assert t[0, 10] == pytest.approx(10 * np.sqrt(2))


def test_a_barrier_that_doubles_the_route(tmp_path) -> None:
    # Origin and target 20 cells apart on row 0. A friction barrier of twice the friction over
    # the whole width doubles the route exactly. An impassable wall in column 10, rows 0-9,
    # forces the route round its end: two diagonal runs of 10 cells (8-connected moves).
    info = _grid(tmp_path, (30, 21))
    friction = np.full((30, 21), 0.01)
    origin = _at(info, [(0, 0)])
    straight = cost.travel_minutes(friction, info, origin)[0, 20]
    assert straight == pytest.approx(20.0)
    walled = friction.copy()
    walled[0:10, 10] = np.nan
    assert cost.travel_minutes(walled, info, origin)[0, 20] == pytest.approx(2 * 10 * np.sqrt(2))
    slow = friction * 2.0
    assert cost.travel_minutes(slow, info, origin)[0, 20] == pytest.approx(2 * straight)
    # a half-speed band across the second half of the route costs half a route more
    band = friction.copy()
    band[:, 11:] = 0.02
    assert cost.travel_minutes(band, info, origin)[0, 20] == pytest.approx(10 + 0.5 * 1 + 0.5 * 2 + 9 * 2)


def test_grid_travel_per_unit_counts_unreachable_people(tmp_path) -> None:
    info = _grid(tmp_path, (10, 20), pop=3.0)
    friction = np.full((10, 20), 0.01)
    friction[:, 10] = np.nan  # an uncrossable river down the middle
    t = info.affine
    units = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[box(t.c, t.f - 1000, t.c + 1000, t.f), box(t.c + 1000, t.f - 1000, t.c + 2000, t.f)], crs=CRS,
    ).to_crs(4326)
    out = travel.grid_travel(info, units, _at(info, [(5, 2)]), friction=friction, minutes=5, tile=8).set_index("code")
    assert out.loc["W", "grid_population"] == 300
    # W: cells within 5 one-minute steps of (5, 2), 8-connected geometry, computed by hand:
    r, c = np.mgrid[0:10, 0:10]
    dr, dc = np.abs(r - 5), np.abs(c - 2)
    minutes = np.minimum(dr, dc) * np.sqrt(2) + np.abs(dr - dc)
    assert out.loc["W", "pop_within_min"] == 3.0 * (minutes <= 5).sum()
    assert out.loc["E", "pop_within_min"] == 0
    assert out.loc["E", "unreachable_population"] == 300  # the river column is E's first column
    assert np.isnan(out.loc["E", "mean_minutes"])


def test_friction_from_landcover_and_a_speed_table(tmp_path) -> None:
    info = _grid(tmp_path, (5, 10))
    cover = np.full((5, 10), 30, dtype="uint8")  # grassland
    cover[:, 5] = 80  # water
    lc = io.describe_raster(write_raster(tmp_path / "lc.tif", cover, transform=T, crs=CRS))
    friction = cost.friction_from_landcover(lc.path, info, cost.SPEED_TABLES["walking"])
    assert friction[0, 0] == pytest.approx(60 / 4000)  # 4 km/h
    assert np.isnan(friction[:, 5]).all()
    speeds = tmp_path / "speeds.csv"
    speeds.write_text("class,speed_kmh\n30,6\n80,x\n")
    with pytest.raises(ValueError, match="row 3"):
        cost.read_speed_table(str(speeds))


def test_friction_on_another_grid_is_resampled_to_the_population_grid(tmp_path) -> None:
    info = _grid(tmp_path, (8, 8))
    coarse = from_origin(500_000, 1_010_000, 200, 200)
    path = write_raster(tmp_path / "fr.tif", np.full((4, 4), 0.02), transform=coarse, crs=CRS)
    f = cost.read_friction(str(path), info)
    assert f.shape == (8, 8)
    assert np.allclose(f, 0.02)
