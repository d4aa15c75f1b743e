"""Gaps table and composite index, checked by hand on the three-unit fixture.

Shelter service, radius 50 km, threshold 2 per 100k:

=====  =========  ==========  ========  ============  ========  ========  =======
unit   providers  population  per_100k  share_within  c_absent  c_supply  c_reach
=====  =========  ==========  ========  ============  ========  ========  =======
XA     1          100,000     1.0       1.0           0         0.5       0
XB     0          unknown     NaN       0.0           1         NaN       1
XC     0          50,000      0.0       no settlem.   1         1         NaN
=====  =========  ==========  ========  ============  ========  ========  =======
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _gaps_fixtures import directory, settlements, units

from geomap.analysis import demand as dm
from geomap.analysis import gaps


@pytest.fixture
def measures():
    u = units()
    return gaps.unit_measures(u, directory(), dm.demand_points(u, settlements()), service="shelter", radius_km=50)


def test_unit_measures_columns_and_values(measures):
    m = measures.set_index("code")
    assert list(m["providers"]) == [1, 0, 0]
    assert m.loc["XA", "per_100k"] == pytest.approx(1.0)
    assert np.isnan(m.loc["XB", "per_100k"])  # unknown population: no data, not 0
    assert m.loc["XC", "per_100k"] == 0.0
    assert m.loc["XA", "capacity"] == 20.0 and np.isnan(m.loc["XB", "capacity"])
    assert m.loc["XA", "settlement_share"] == pytest.approx(0.04)
    assert measures.attrs == {"service": "shelter", "radius_km": 50.0, "population_model": gaps.SETTLEMENT_MODEL}


def test_default_radius_per_service():
    u = units()
    dp = dm.demand_points(u, settlements())
    med = gaps.unit_measures(u, directory(), dp, service="medical")
    assert med.attrs["radius_km"] == 25.0
    shel = gaps.unit_measures(u, directory(), dp, service="shelter")
    assert shel.attrs["radius_km"] == 50.0


def test_gap_index_components_flags_and_weights(measures):
    g = gaps.gap_index(measures, threshold_per_100k=2.0).set_index("code")
    assert g.loc["XA", "c_supply"] == pytest.approx(0.5)
    assert g.loc["XC", "c_supply"] == 1.0
    assert list(g.loc[["XA", "XB", "XC"], "c_absent"]) == [0.0, 1.0, 1.0]
    assert g.loc["XB", "c_reach"] == 1.0 and np.isnan(g.loc["XC", "c_reach"])
    assert g.loc["XA", "gap_index"] == pytest.approx((0 + 0.5 + 0) / 3)
    # a weighted component without data makes the index "no data", never a silent 0
    assert np.isnan(g.loc["XB", "gap_index"]) and np.isnan(g.loc["XC", "gap_index"])
    assert g.loc["XA", "gap_rank"] == 1 and pd.isna(g.loc["XB", "gap_rank"])
    assert bool(g.loc["XB", "lacks_service"]) and not bool(g.loc["XA", "lacks_service"])
    assert pd.isna(g.loc["XB", "below_threshold"]) and bool(g.loc["XA", "below_threshold"])
    assert bool(g.loc["XB", "mostly_beyond"]) and pd.isna(g.loc["XC", "mostly_beyond"])
    attrs = gaps.gap_index(measures).attrs
    assert attrs["weights"] == gaps.DEFAULT_WEIGHTS and set(attrs["components"]) == set(gaps.COMPONENTS)


def test_adjusting_weights_changes_ranking(measures):
    g = gaps.gap_index(measures, threshold_per_100k=2.0, weights={"absent": 1, "reach": 1})
    assert list(g["code"]) == ["XB", "XA", "XC"]  # sorted by index, no-data last
    assert list(g["gap_index"].iloc[:2]) == [1.0, 0.0]
    assert g.attrs["weights"] == {"absent": 1.0, "supply": 0.0, "reach": 1.0}
    g2 = gaps.gap_index(measures, threshold_per_100k=2.0, weights={"absent": 1, "supply": 1})
    assert g2.set_index("code").loc["XC", "gap_index"] == 1.0
    assert list(g2["gap_rank"].iloc[:1]) == [1] and g2["code"].iloc[0] == "XC"


@pytest.mark.parametrize(
    "weights,match",
    [({"absent": -1}, "non-negative"), ({"bogus": 1}, "unknown gap-index component"), ({"absent": 0}, "positive")],
)
def test_bad_weights_are_refused(measures, weights, match):
    with pytest.raises(ValueError, match=match):
        gaps.gap_index(measures, weights=weights)


def test_confidential_providers_count_in_aggregates():
    u = units()
    t = gaps.gap_table(u, directory(confidential=True), dm.demand_points(u, settlements()), service="shelter", radius_km=50)
    a = t.set_index("code").loc["XA"]
    assert a["providers"] == 1 and a["confidential_providers"] == 1 and a["share_within"] == 1.0


def test_admin2_units_keep_parent_code():
    import geopandas as gpd
    from shapely.geometry import box

    u2 = gpd.GeoDataFrame(
        {"code": ["XA-1", "XA-2"], "name": ["West", "East"], "parent_code": ["XA", "XA"], "level": [2, 2]},
        geometry=[box(-0.5, -0.5, 0.0, 0.5), box(0.0, -0.5, 0.5, 0.5)],
        crs="EPSG:4326",
    )
    t = gaps.gap_table(u2, directory(), dm.demand_points(u2, settlements()), service="shelter", radius_km=25)
    t = t.set_index("code")
    assert list(t["parent_code"]) == ["XA", "XA"]
    # the shelter sits on the shared edge at (0, 0) and is counted once, in one unit
    assert t["providers"].sum() == 1
    # s30 is east (XA-2) and beyond 25 km; s10 is due north on the edge line x=0
    assert t.loc["XA-2", "pop_beyond_km"] == 1000
