"""Tests for geomap.gazetteer: GeoNames settlements (offline) and fuzzy town search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geomap import gazetteer


def test_settlements_columns_crs_and_country_spellings():
    ng = gazetteer.settlements("NGA")
    assert list(ng.columns) == ["geonameid", "name", "asciiname", "alternatenames", "population", "geometry"]
    assert ng.crs.to_epsg() == 4326
    assert len(ng) > 100
    assert len(gazetteer.settlements("NG")) == len(ng) == len(gazetteer.settlements("Nigeria"))
    # Nigeria's bounding box, loosely: every point is a lon/lat inside it
    assert ng.geometry.x.between(2, 15).all() and ng.geometry.y.between(4, 14).all()
    # largest first; unknown population is NaN, never a false zero
    pops = ng["population"].dropna().to_numpy()
    assert (np.diff(pops) <= 0).all()
    assert not (ng["population"] == 0).any()


def test_settlements_min_population_filters_and_returns_copies():
    big = gazetteer.settlements("MEX", min_population=100_000)
    assert len(big) > 0 and (big["population"] >= 100_000).all()
    assert len(big) < len(gazetteer.settlements("MEX"))
    big["name"] = "changed"
    assert (gazetteer.settlements("MEX", min_population=100_000)["name"] != "changed").all()
    with pytest.raises(ValueError, match="min_population"):
        gazetteer.settlements("MEX", min_population=-1)


def test_asciiname_strips_accents():
    mx = gazetteer.settlements("MEX")
    accented = mx[mx["name"].str.contains("é") & (mx["name"].str.len() == mx["name"].str.encode("latin-1", "ignore").str.len())].iloc[0]
    assert accented["asciiname"].isascii()
    assert accented["asciiname"] == accented["name"].translate(str.maketrans("áéíóúñüÁÉÍÓÚÑÜ", "aeiounuAEIOUNU"))


def test_unknown_country_is_an_actionable_error():
    with pytest.raises(ValueError, match="not recognised"):
        gazetteer.settlements("Atlantis")


def test_find_town_exact_accent_and_typo():
    mx = gazetteer.settlements("MEX")
    target = mx[mx["name"].str.contains("é")].iloc[0]  # the largest town with an accent
    plain = gazetteer.find_town(target["asciiname"].upper(), "MEX", limit=3)
    assert plain["name"].iloc[0] == target["name"] and plain["score"].iloc[0] == 100
    ng = gazetteer.settlements("NGA")
    town = ng.iloc[5]["name"]
    typo = town[:-1] + ("x" if town[-1] != "x" else "y")
    found = gazetteer.find_town(typo, "NG", limit=5)
    assert town in found["name"].tolist()
    assert list(found.columns[:5]) == ["name", "population", "latitude", "longitude", "score"]
    assert len(found) <= 5
    assert (found["score"].diff().dropna() <= 0).all()


def test_find_town_ranks_ties_by_population():
    mx = gazetteer.settlements("MEX")
    counts = mx["name"].value_counts()
    name = counts[counts >= 3].index[0]  # a name shared by several settlements
    found = gazetteer.find_town(name, "MEX", limit=10)
    exact = found[found["score"] == 100]
    assert len(exact) >= 3
    pops = exact["population"].fillna(-1).to_numpy()
    assert (np.diff(pops) <= 0).all()


def test_find_town_uses_alternate_names():
    ng = gazetteer.settlements("NGA")
    row = ng[ng["alternatenames"].str.len() > 0].iloc[0]
    alts = [a for a in row["alternatenames"].split("|") if a.isascii() and gazetteer.normalise_place(a) != gazetteer.normalise_place(row["name"])]
    if not alts:
        pytest.skip("first settlement with alternate names has no distinct ASCII one")
    found = gazetteer.find_town(alts[0], "NGA", limit=10)
    assert row["geonameid"] in found["geonameid"].tolist()


def test_find_town_nothing_found_and_blank():
    assert len(gazetteer.find_town("Qwertyuiopzzz", "NGA")) == 0
    empty = gazetteer.find_town("   ", "NGA")
    assert len(empty) == 0 and "score" in empty.columns


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  Ciudad de México ", "ciudad de mexico"), ("Akwa-Ibom", "akwa ibom"), (None, ""), (float("nan"), "")],
)
def test_normalise_place(text, expected):
    assert gazetteer.normalise_place(text) == expected


def test_country_iso2():
    assert gazetteer.country_iso2("mex") == "MX"
    assert gazetteer.country_iso2("NG") == "NG"
    assert isinstance(gazetteer.settlements("MX"), pd.DataFrame)


def test_find_towns_equals_find_town_for_each_name():
    """The batch search (one score matrix) gives exactly the per-name search's tables."""
    places = gazetteer.settlements("NGA")
    rng = np.random.default_rng(3)
    names = places["name"].iloc[rng.integers(0, len(places), 40)].tolist()
    typos = [n[:-1] + "x" if len(n) > 4 else n for n in names[:15]]
    queries = names + typos + ["Lagos", "lagos ", "Ikeja", "Abuja", "  ", "Qwertyuiopzzz", "Port Harcourt", "Kano"]
    batch = gazetteer.find_towns(queries, "NGA", limit=5)
    assert set(batch) == set(queries)
    for q in queries:
        one = gazetteer.find_town(q, "NGA", limit=5)
        pd.testing.assert_frame_equal(batch[q], one, check_dtype=True, obj=q)
    # ties (many places of one name) are ranked by population, then as find_town meets them
    common = ["San José", "Guadalupe", "Santa María", "Emiliano Zapata", "Benito Juarez", "el carmen"]
    batch = gazetteer.find_towns(common, "MEX", limit=10)
    for q in common:
        pd.testing.assert_frame_equal(batch[q], gazetteer.find_town(q, "MEX", limit=10), obj=q)


def test_best_towns_is_find_towns_first_row_and_ties():
    """Exactly spelt names skip the scoring; the answer is still find_town's top row and ties."""
    places = gazetteer.settlements("MEX")
    rng = np.random.default_rng(4)
    names = places["name"].iloc[rng.integers(0, len(places), 30)].tolist()
    queries = [*names, "San José", "Guadalupe", "santa maria", "Emiliano Zapata", "El Carmen", "Zzzxq", " ", names[0][:-1] + "x"]
    best = gazetteer.best_towns(queries, "MEX", limit=5)
    for q in queries:
        found = gazetteer.find_town(q, "MEX", limit=5)
        if len(found) == 0:
            assert best[q] is None, q
            continue
        top = found.iloc[0]
        ties = int((found["score"] == top["score"]).sum())
        assert best[q] == (top["name"], top["latitude"], top["longitude"], top["score"], ties), q


def _name_index_by_hand(places: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Every place's variants (name, ascii name, alternates) normalised now, first occurrence kept."""
    variants, owners = [], []
    for row, (name, ascii_name, alternates) in enumerate(zip(places["name"], places["asciiname"], places["alternatenames"], strict=True)):
        seen = dict.fromkeys(k for k in map(gazetteer.normalise_place, [name, ascii_name, *alternates.split("|")]) if k)
        variants += list(seen)
        owners += [row] * len(seen)
    return variants, np.asarray(owners, dtype="int64")


@pytest.mark.parametrize("country", ["NG", "MX", "LI"])
def test_name_index_read_from_the_cache_equals_normalising_now(country):
    # The name keys are normalised once, when the settlement table is cached; what is read back
    # must be exactly what normalising each place's names gives today.
    places = gazetteer.settlements(country)
    variants, owners = gazetteer._name_index(country)
    want_variants, want_owners = _name_index_by_hand(places)
    assert variants == want_variants
    assert np.array_equal(owners, want_owners)
    exact = gazetteer._exact_owners(country)
    groups = pd.DataFrame({"key": want_variants, "owner": want_owners}).groupby("key")["owner"]
    assert exact.keys() == dict(list(groups)).keys()
    for key, rows in groups:
        assert exact[key].tolist() == sorted(rows.tolist())


def test_without_a_writable_cache_the_json_gives_the_same_places(tmp_path, monkeypatch):
    cached = gazetteer.settlements("LI")
    cached_index = gazetteer._name_index("LI")

    def refuse(path):
        msg = f"read-only: {path}"
        raise OSError(msg)

    monkeypatch.setattr(gazetteer, "_build_settlement_table", refuse)
    monkeypatch.setattr(gazetteer, "cache_dir", lambda: tmp_path / "nowhere")
    for fn in (gazetteer._settlements_cached, gazetteer._name_index, gazetteer._exact_owners):
        fn.cache_clear()
    try:
        pd.testing.assert_frame_equal(pd.DataFrame(gazetteer.settlements("LI").to_wkb()), pd.DataFrame(cached.to_wkb()))
        variants, owners = gazetteer._name_index("LI")
        assert variants == cached_index[0] and np.array_equal(owners, cached_index[1])
    finally:
        for fn in (gazetteer._settlements_cached, gazetteer._name_index, gazetteer._exact_owners):
            fn.cache_clear()
