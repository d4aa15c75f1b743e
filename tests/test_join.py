"""Tests of geomap.join.assign_units on small hand-drawn units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import MultiPolygon, Polygon, box

from geomap.join import assign_units, build_boundary_index, build_index, nearest_units


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    # Three units: A = [0,2]x[0,2], B = [2,4]x[0,2] (shares the x=2 edge with A),
    # C = two islands [10,11]x[10,11] and [12,13]x[10,11]; A has a hole [0.5,1]x[0.5,1].
    a = Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], holes=[[(0.5, 0.5), (1, 0.5), (1, 1), (0.5, 1)]])
    b = box(2, 0, 4, 2)
    c = MultiPolygon([box(10, 10, 11, 11), box(12, 10, 13, 11)])
    return gpd.GeoDataFrame({"code": ["A", "B", "C"]}, geometry=[a, b, c], crs="EPSG:4326")


def test_points_inside_outside_and_in_holes(units):
    lon = [1.5, 3.0, 10.5, 12.5, 11.5, 0.75, 50.0]
    lat = [1.5, 1.0, 10.5, 10.5, 10.5, 0.75, 50.0]
    # 11.5 lies between C's islands (inside its envelope, outside its polygons); 0.75 is in A's hole.
    assert assign_units(lon, lat, units).tolist() == [0, 1, 2, 2, -1, -1, -1]


def test_shared_border_goes_to_first_unit_and_outer_edge_counts(units):
    # (2, 1) lies on the A|B border -> A (first); (4, 1) on B's outer edge -> B; (0, 0) A's corner.
    got = assign_units([2.0, 4.0, 0.0], [1.0, 1.0, 0.0], units)
    assert got.tolist() == [0, 1, 0]
    # Reversed unit order: the shared-border point now goes to B, which comes first.
    rev = units.iloc[::-1].reset_index(drop=True)
    assert assign_units([2.0], [1.0], rev).tolist() == [1]  # B is position 1 of (C, B, A)


def test_missing_coordinates_and_dtype(units):
    got = assign_units(np.array([np.nan, 1.5, np.inf, 3.0]), np.array([1.0, np.nan, 1.0, 1.0]), units)
    assert got.dtype == np.int64
    assert got.tolist() == [-1, -1, -1, 1]


def test_empty_input_and_plain_geometry_list(units):
    assert assign_units([], [], units).tolist() == []
    geoms = list(units.geometry)
    assert assign_units([3.5], [0.5], geoms).tolist() == [1]


def test_missing_unit_geometry_never_matches():
    got = assign_units([0.5, 2.5], [0.5, 0.5], [None, box(0, 0, 1, 1), box(2, 0, 3, 1)])
    assert got.tolist() == [1, 2]


def test_reused_index_gives_the_same_answer(units):
    tree = build_index(units)
    lon, lat = [1.5, 3.0, 12.5], [1.5, 1.0, 10.5]
    assert assign_units(lon, lat, units, index=tree).tolist() == assign_units(lon, lat, units).tolist() == [0, 1, 2]


def test_points_given_by_the_caller_give_the_same_answer(units):
    lon = np.array([1.5, 3.0, np.nan, 12.5, 11.5, 2.0, 50.0])
    lat = np.array([1.5, 1.0, 1.0, 10.5, 10.5, 1.0, 50.0])
    ok = np.isfinite(lon)
    points = np.full(len(lon), None, dtype=object)
    points[ok] = shapely.points(lon[ok], lat[ok])
    got = assign_units(lon, lat, units, points=points)
    assert got.tolist() == assign_units(lon, lat, units).tolist() == [0, 1, -1, 2, -1, 0, -1]
    assert assign_units(lon[ok], lat[ok], units, points=points[ok]).tolist() == [0, 1, 2, -1, 0, -1]
    with pytest.raises(ValueError, match="one point per lon/lat, got 2 for 7"):
        assign_units(lon, lat, units, points=points[:2])


def test_errors_name_the_problem(units):
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        assign_units([1.0, 2.0], [1.0], units)
    with pytest.raises(ValueError, match="EPSG:4326"):
        assign_units([1.0], [1.0], units.to_crs("EPSG:3857"))
    with pytest.raises(ValueError, match="index holds 3 geometries but units has 2"):
        assign_units([1.0], [1.0], units.iloc[:2], index=build_index(units))
    with pytest.raises(ValueError, match=r"units\[1\] is 'x'"):
        assign_units([1.0], [1.0], [box(0, 0, 1, 1), "x"])


def test_agrees_with_geopandas_sjoin_on_random_points(units):
    rng = np.random.default_rng(7)
    lon = rng.uniform(-1, 14, 2000)
    lat = rng.uniform(-1, 12, 2000)
    got = assign_units(lon, lat, units)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(pts, units.reset_index(drop=True), predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    expected = joined["index_right"].fillna(-1).astype("int64").to_numpy()
    assert (got == expected).all()
    assert (got >= 0).sum() > 100  # the fixture is actually exercised


def _sindex_nearest(points, units):
    pos = np.full(len(points), -1, dtype="int64")
    dist = np.full(len(points), np.nan)
    ok = np.flatnonzero(~shapely.is_missing(points))
    (inp, tree), d = units.sindex.nearest(points[ok], return_distance=True, return_all=False)
    pos[ok[inp]], dist[ok[inp]] = tree, d
    return pos, dist


def test_nearest_units_from_boundary_segments_equal_the_units_query(units):
    rng = np.random.default_rng(11)
    xy = np.vstack([
        rng.uniform(-3, 16, (3000, 2)),
        rng.uniform(-1, 14, (500, 2)).round(0),  # on vertices and shared edges: ties
        [[2, -1], [2, 3], [11.5, 10.5], [0.75, 0.75], [0.5, 0.5], [1, 1], [5, 1], [-1, -1]],
    ])
    points = shapely.points(xy).astype(object)
    points[[3, 17]] = None
    points[25] = shapely.Point()
    index = build_boundary_index(units)
    assert len(index.unit_of) == 4 + 4 + 4 + 4 + 4  # A's shell and hole, B, C's two islands
    got = nearest_units(points, units, index=index)
    want = _sindex_nearest(points, units)
    assert got[0].tolist() == want[0].tolist()
    assert np.array_equal(got[1], want[1], equal_nan=True)
    assert nearest_units(points, units)[0].tolist() == want[0].tolist()  # no index: the units' query
    assert got[0][3] == -1 and np.isnan(got[1][3])
    assert got[0][-3:-1].tolist() == [0, 1] and got[1][-3] == 0  # A's hole edge; (5, 1) nearest B


def test_nearest_units_on_a_projected_country_layer():
    from geomap import boundaries
    from geomap.directory import resolve

    units = boundaries.load_boundaries("NGA")
    crs_m = resolve._aeqd(units)
    units_m = units.to_crs(crs_m)
    rng = np.random.default_rng(5)
    b = units.total_bounds
    xy = rng.uniform([b[0] - 2, b[1] - 2], [b[2] + 2, b[3] + 2], (3000, 2))
    points = np.asarray(gpd.GeoSeries(shapely.points(xy), crs="EPSG:4326").to_crs(crs_m).array, dtype=object)
    got = nearest_units(points, units_m, index=build_boundary_index(units_m))
    want = _sindex_nearest(points, units_m)
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()
    assert (want[1] > 0).sum() > 500 and (want[1] == 0).sum() > 500  # outside and inside both tested
