"""Travel time tile by tile: the same minutes as one whole-grid MCP_Geometric, serially and on Dask."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from geomap.grids import cost, execution, io, travel

from ._rasters import write_raster

CRS = "EPSG:32631"
T = from_origin(500_000, 1_010_000, 100, 100)  # 100 m cells, UTM 31N


def _at(cells):
    pts = [Point(T.c + (c + 0.5) * T.a, T.f + (r + 0.5) * T.e) for r, c in cells]
    return gpd.GeoDataFrame({"name": ["Site (fictional)"] * len(cells)}, geometry=pts, crs=CRS).to_crs(4326)


@pytest.fixture(scope="module")
def maze(tmp_path_factory):
    """A grid whose routes must wind: random friction, holes, and walls crossing several tiles."""
    tmp = tmp_path_factory.mktemp("maze")
    rng = np.random.default_rng(11)
    h, w = 90, 130
    info = io.describe_raster(write_raster(tmp / "pop.tif", rng.gamma(0.7, 4.0, (h, w)), transform=T, crs=CRS))
    friction = rng.uniform(0.005, 0.04, (h, w))
    friction[rng.random((h, w)) < 0.12] = np.nan
    friction[30, 0:120] = np.nan  # a wall open only at the east end
    friction[60, 10:130] = np.nan  # and one open only at the west end: a serpentine through every tile row
    friction[0:25, 70] = np.nan
    prov = _at([(5, 5), (80, 120), (45, 64)])
    return tmp, info, friction, prov


@pytest.mark.parametrize("tile", [8, 17, 40, 1024])
def test_tiles_give_the_minutes_of_one_whole_grid_mcp(maze, tile) -> None:
    _, info, friction, prov = maze
    whole = cost.travel_minutes(friction, info, prov)
    tiled = travel.tiled_minutes(friction, info, prov, tile=tile)
    assert np.array_equal(np.isfinite(whole), np.isfinite(tiled))
    fin = np.isfinite(whole)
    assert fin.sum() > 0.7 * fin.size
    np.testing.assert_allclose(tiled[fin], whole[fin], rtol=1e-12, atol=1e-12)


def test_a_route_that_leaves_a_tile_and_comes_back(tmp_path) -> None:
    # A U-shaped corridor: from the provider the only way to the top of the far column runs
    # down through two more tile rows, along the bottom and back up.
    h, w = 24, 12
    info = io.describe_raster(write_raster(tmp_path / "pop.tif", np.ones((h, w)), transform=T, crs=CRS))
    friction = np.full((h, w), np.nan)
    friction[:, 0] = 0.01  # down column 0 ...
    friction[h - 1, :] = 0.01  # ... along the bottom ...
    friction[:, w - 1] = 0.01  # ... and up column w-1
    prov = _at([(0, 0)])
    got = travel.tiled_minutes(friction, info, prov, tile=8)
    # 1 minute per 100 m cell: 23 cells down, 11 across, 23 up, each corner cut by a diagonal
    assert got[0, w - 1] == pytest.approx(23 + 11 + 23 - 2 * (2 - np.sqrt(2)))
    assert np.isinf(got[5, 5])


def test_grid_travel_counts_people_within_the_threshold(tmp_path) -> None:
    # A uniform grid around one provider: 3 people per cell, 1 minute per 100 m cell; the people
    # within 5 minutes are the cells whose 8-connected time (diagonals sqrt 2) is at most 5.
    h, w = 40, 40
    info = io.describe_raster(write_raster(tmp_path / "pop.tif", np.full((h, w), 3.0), transform=T, crs=CRS))
    units = gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(T.c, T.f - 4000, T.c + 4000, T.f)], crs=CRS).to_crs(4326)
    out = travel.grid_travel(info, units, _at([(20, 20)]), friction=np.full((h, w), 0.01), minutes=5, tile=16)
    r, c = np.mgrid[0:h, 0:w]
    dr, dc = np.abs(r - 20), np.abs(c - 20)
    minutes = np.minimum(dr, dc) * np.sqrt(2) + np.abs(dr - dc)
    assert out.loc[0, "pop_within_min"] == 3.0 * (minutes <= 5).sum()
    assert out.loc[0, "grid_population"] == 3.0 * h * w
    assert out.loc[0, "mean_minutes"] == pytest.approx(minutes.mean())
    assert out.attrs["tiles"] == 9 and out.attrs["tile_runs"] >= 9


def test_friction_from_files_is_read_tile_by_tile(tmp_path) -> None:
    # A land-cover raster on a coarser grid (200 m) and a friction raster: both read per tile
    # and resampled to the population grid give the whole-array answer.
    h, w = 20, 30
    info = io.describe_raster(write_raster(tmp_path / "pop.tif", np.ones((h, w)), transform=T, crs=CRS))
    cover = np.full((10, 15), 30, dtype="uint8")
    cover[:, 7] = 80  # water: impassable on foot
    cover[0, 7] = 30  # one ford
    lc = write_raster(tmp_path / "lc.tif", cover, transform=from_origin(500_000, 1_010_000, 200, 200), crs=CRS)
    spec = cost.friction_landcover(str(lc), cost.SPEED_TABLES["walking"])
    whole = cost.friction_from_landcover(str(lc), info, cost.SPEED_TABLES["walking"])
    np.testing.assert_array_equal(np.isnan(spec.read(info)), np.isnan(whole))
    prov = _at([(19, 0)])
    a = travel.tiled_minutes(spec, info, prov, tile=8)
    b = cost.travel_minutes(whole, info, prov)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert np.isfinite(a[19, 29])  # across the ford
    with pytest.raises(ValueError, match="nope.tif"):
        travel.tiled_minutes(cost.friction_raster(str(tmp_path / "nope.tif")), info, prov)


def test_travel_in_memory_and_on_dask_give_the_same_numbers(maze) -> None:
    tmp, info, friction, prov = maze
    path = write_raster(tmp / "friction.tif", np.where(np.isnan(friction), -1.0, friction), transform=T, crs=CRS, nodata=-1.0)
    units = gpd.GeoDataFrame(
        {"code": ["N", "S"]},
        geometry=[box(T.c, T.f - 4500, T.c + 13000, T.f), box(T.c, T.f - 9000, T.c + 13000, T.f - 4500)], crs=CRS,
    ).to_crs(4326)
    spec = cost.friction_raster(str(path))
    serial = travel.grid_travel(info, units, prov, friction=spec, minutes=30, tile=20)
    with execution.dask_client(workers=2, memory_limit="500MB") as client:
        on_dask = travel.grid_travel(info, units, prov, friction=spec, minutes=30, tile=20, client=client)
    cols = ["grid_population", "pop_within_min", "mean_minutes", "unreachable_population"]
    np.testing.assert_allclose(serial[cols].to_numpy(float), on_dask[cols].to_numpy(float), rtol=1e-12)
    assert 0 < serial["pop_within_min"].sum() < serial["grid_population"].sum()
    whole = cost.travel_minutes(friction, info, prov)
    pop = io.read_population(info.path)
    assert serial["pop_within_min"].sum() == pytest.approx(pop[whole <= 30].sum(), rel=1e-12)


def test_a_barrier_that_doubles_the_route_across_tiles(tmp_path) -> None:
    # As tests/grids/test_cost.py, with the route crossing three tiles: a wall in column 10,
    # rows 0-9, forces the 20-cell route round its end (two diagonal runs of 10 cells), and a
    # friction twice as high doubles it.
    info = io.describe_raster(write_raster(tmp_path / "pop.tif", np.ones((30, 21)), transform=T, crs=CRS))
    friction = np.full((30, 21), 0.01)
    origin = _at([(0, 0)])
    assert travel.tiled_minutes(friction, info, origin, tile=8)[0, 20] == pytest.approx(20.0)
    walled = friction.copy()
    walled[0:10, 10] = np.nan
    assert travel.tiled_minutes(walled, info, origin, tile=8)[0, 20] == pytest.approx(2 * 10 * np.sqrt(2))
    assert travel.tiled_minutes(friction * 2.0, info, origin, tile=8)[0, 20] == pytest.approx(40.0)
