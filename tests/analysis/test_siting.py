"""MCLP siting: brute force agrees on tiny instances; existing sites count as covering."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from _gaps_fixtures import at

from geomap.analysis import distance as ds
from geomap.analysis import siting


def _points(rng, n):
    lon = rng.uniform(0, 2, n)
    lat = rng.uniform(0, 1, n)
    return gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(n)], "population": rng.integers(100, 5000, n).astype(float)},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def _brute_force(demand, candidates, radius_km, k, covered):
    pairs = ds.pairs_within(demand, candidates, radius_km=radius_km)
    pop = demand["population"].to_numpy()
    cover = {j: set(pairs.loc[pairs["provider_pos"] == j, "point_pos"]) for j in range(len(candidates))}
    base = set(np.flatnonzero(covered))
    best = 0.0
    for combo in itertools.combinations(range(len(candidates)), k):
        got = set().union(*(cover[j] for j in combo)) - base
        best = max(best, float(pop[list(got)].sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    demand = _points(rng, 40)
    candidates = _points(rng, 9)
    existing = _points(rng, 1)
    covered = siting.covered_by_existing(demand, existing, radius_km=30)
    out = siting.mclp_sites(demand, radius_km=30, add=3, existing=existing, candidates=candidates)
    expect = _brute_force(demand, candidates, 30, 3, covered)
    assert expect > 0
    assert out["new_population_covered"].sum() == pytest.approx(expect)
    assert out.attrs["covered_after"] - out.attrs["covered_before"] == pytest.approx(expect)
    # greedy order inside the chosen set: gains never increase
    gains = out["new_population_covered"].to_numpy()
    assert (np.diff(gains) <= 1e-9).all()
    assert list(out["order"]) == list(range(1, len(out) + 1))


def test_existing_sites_count_as_covering():
    # big town B (10,000) next to an existing shelter; smaller town S (2,000) far away
    pts = [at(0, 0, 90, 0), at(0, 0, 90, 100)]
    demand = gpd.GeoDataFrame(
        {"name": ["B", "S"], "population": [10_000.0, 2_000.0]},
        geometry=gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]),
        crs="EPSG:4326",
    )
    e = at(0, 0, 90, 5)
    existing = gpd.GeoDataFrame(geometry=gpd.points_from_xy([e[0]], [e[1]]), crs="EPSG:4326")
    out = siting.mclp_sites(demand, radius_km=25, add=1, existing=existing)
    assert list(out["name"]) == ["S"]
    assert out["new_population_covered"].tolist() == [2000.0]
    assert out.attrs["covered_before"] == 10_000 and out.attrs["covered_after"] == 12_000
    assert out["cumulative_share_covered"].iloc[-1] == pytest.approx(1.0)
    # without the existing site, the big town wins
    out2 = siting.mclp_sites(demand, radius_km=25, add=1)
    assert list(out2["name"]) == ["B"]


def test_nothing_left_to_cover():
    d = gpd.GeoDataFrame({"population": [5.0]}, geometry=gpd.points_from_xy([0], [0]), crs="EPSG:4326")
    out = siting.mclp_sites(d, radius_km=10, add=2, existing=d)
    assert len(out) == 0 and out.attrs["status"] == "nothing to cover"


def test_bad_inputs():
    d = gpd.GeoDataFrame({"population": [5.0]}, geometry=gpd.points_from_xy([0], [0]), crs="EPSG:4326")
    with pytest.raises(ValueError, match="add must be"):
        siting.mclp_sites(d, radius_km=10, add=0)
    with pytest.raises(ValueError, match="radius_km"):
        siting.mclp_sites(d, radius_km=float("nan"), add=1)
