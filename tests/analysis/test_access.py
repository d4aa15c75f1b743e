"""2SFCA against a hand computation.

On the equator: demand a at 0 km (1,000 people), b at 30 km east (3,000), c at 85 km east
(2,000); providers p at 0 km (10 beds) and q at 40 km east (30 beds); radius 50 km.

Distances within 50 km: a-p 0, a-q 40, b-p 30, b-q 10, c-q 45 (c-p is 85: out).

Step 1 (supply-to-demand ratio per provider):
    R_p = 10 / (1000 + 3000)        = 0.0025
    R_q = 30 / (1000 + 3000 + 2000) = 0.005
Step 2 (sum of reachable ratios per demand point):
    A_a = R_p + R_q = 0.0075,  A_b = 0.0075,  A_c = R_q = 0.005
Per unit (XA holds a and b, XB holds c): 0.0075 * 1e5 = 750 and 500 beds per 100k; XC no data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from _gaps_fixtures import at, units

from geomap.analysis import access
from geomap.analysis import demand as dm


def _demand():
    pts = [at(0, 0, 90, 0.0), at(0, 0, 90, 30), at(0, 0, 90, 85)]
    return gpd.GeoDataFrame(
        {"population": [1000.0, 3000.0, 2000.0]},
        geometry=gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]),
        crs="EPSG:4326",
        index=["a", "b", "c"],
    )


def _providers(extra_capacity=None):
    pts = [at(0, 0, 90, 0.0), at(0, 0, 90, 40)]
    caps = [10.0, 30.0]
    if extra_capacity is not None:
        pts.append(at(0, 0, 90, 31))
        caps.append(extra_capacity)
    return gpd.GeoDataFrame(
        {"capacity": caps},
        geometry=gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]),
        crs="EPSG:4326",
    )


def test_two_step_fca_matches_hand_computation():
    a = access.two_step_fca(_demand(), _providers(), radius_km=50)
    assert a.loc["a"] == pytest.approx(0.0075)
    assert a.loc["b"] == pytest.approx(0.0075)
    assert a.loc["c"] == pytest.approx(0.005)


def test_provider_without_capacity_is_left_out_and_counted():
    a = access.two_step_fca(_demand(), _providers(extra_capacity=np.nan), radius_km=50)
    assert a.loc["a"] == pytest.approx(0.0075)
    assert a.attrs["providers_without_capacity"] == 1
    # assuming 6 beds for it: it reaches a (31 km), b (1 km), c (54 km: out) -> R = 6/4000
    b = access.two_step_fca(_demand(), _providers(extra_capacity=np.nan), radius_km=50, default_capacity=6)
    assert b.loc["a"] == pytest.approx(0.0075 + 6 / 4000)
    assert b.loc["c"] == pytest.approx(0.005)


def test_out_of_reach_is_zero_access():
    a = access.two_step_fca(_demand(), _providers(), radius_km=5)
    # radius 5 km: only a-p (0 km) -> R_p = 10/1000; b and c reach nothing
    assert a.loc["a"] == pytest.approx(0.01)
    assert a.loc["b"] == 0.0 and a.loc["c"] == 0.0


def test_access_by_unit_population_weighted():
    u = units()
    dp = dm.demand_points(u, _demand())
    a = access.two_step_fca(dp, _providers(), radius_km=50)
    by = access.access_by_unit(u, dp, a).set_index("code")
    assert by.loc["XA", "access_per_100k"] == pytest.approx(750.0)
    assert by.loc["XB", "access_per_100k"] == pytest.approx(500.0)
    assert np.isnan(by.loc["XC", "access_per_100k"])


def test_bad_radius():
    with pytest.raises(ValueError, match="radius_km"):
        access.two_step_fca(_demand(), _providers(), radius_km=-1)
