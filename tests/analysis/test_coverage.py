"""Coverage per unit, on a hand-checkable fixture."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geomap.analysis import coverage


@pytest.fixture()
def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["XA", "XB", "XC"],
            "name": ["Alpha", "Beta", "Gamma"],
            "population": [200_000.0, 50_000.0, np.nan],
            "population_year": pd.array([2006, 2006, pd.NA], dtype="Int64"),
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:4326",
    )


@pytest.fixture()
def directory() -> gpd.GeoDataFrame:
    rows = [
        # code, services, populations, capacity, confidential, status
        ("XA", ["shelter"], ["women"], 10, True, "placed"),
        ("XA", ["legal_aid"], [], None, False, "placed"),
        ("XA", ["shelter", "medical"], ["children"], 5, False, "placed"),
        ("XB", ["shelter"], ["women", "children"], 8, True, "placed"),
        ("XC", ["medical"], [], None, False, "placed"),
        (None, ["shelter"], [], 100, False, "flagged"),
    ]
    return gpd.GeoDataFrame(
        {
            "admin1_code": [r[0] for r in rows],
            "service_types": [r[1] for r in rows],
            "populations_served": [r[2] for r in rows],
            "capacity": [r[3] for r in rows],
            "confidential": [r[4] for r in rows],
            "status": [r[5] for r in rows],
        },
        geometry=[Point(0.5, 0.5)] * 6,
        crs="EPSG:4326",
    )


def test_counts_all_services(units, directory):
    table = coverage.coverage_by_unit(units, directory)
    assert table["code"].tolist() == ["XA", "XB", "XC"]
    assert table["providers"].tolist() == [3, 1, 1]
    # flagged rows are not counted; the sum equals the placed rows
    assert table["providers"].sum() == (directory["status"] == "placed").sum()
    assert table["confidential_providers"].tolist() == [1, 1, 0]
    assert table["capacity"].tolist() == [15.0, 8.0, 0.0]
    assert table.loc[0, "per_100k"] == pytest.approx(3 / 200_000 * 100_000)  # 1.5
    assert table.loc[1, "per_100k"] == pytest.approx(2.0)
    assert table.loc[0, "capacity_per_100k"] == pytest.approx(7.5)


def test_unknown_population_is_no_data_not_zero(units, directory):
    table = coverage.coverage_by_unit(units, directory)
    assert math.isnan(table.loc[2, "per_100k"])
    assert math.isnan(table.loc[2, "capacity_per_100k"])
    assert pd.isna(table.loc[2, "population_year"])


def test_service_filter(units, directory):
    table = coverage.coverage_by_unit(units, directory, services="shelter")
    assert table["providers"].tolist() == [2, 1, 0]
    table = coverage.coverage_by_unit(units, directory, services=["medical", "legal_aid"])
    assert table["providers"].tolist() == [2, 0, 1]


def test_population_filter_keeps_unrestricted_records(units, directory):
    table = coverage.coverage_by_unit(units, directory, populations=["children"])
    # XA: legal aid (no restriction) + shelter/medical for children; XB serves children; XC unrestricted
    assert table["providers"].tolist() == [2, 1, 1]


def test_unknown_codes_raise(units, directory):
    with pytest.raises(ValueError, match="unknown service type"):
        coverage.coverage_by_unit(units, directory, services=["spa"])
    with pytest.raises(ValueError, match="unknown population"):
        coverage.coverage_by_unit(units, directory, populations=["aliens"])


def test_summary(units, directory):
    table = coverage.coverage_by_unit(units, directory, services="legal_aid")
    s = coverage.coverage_summary(table)
    assert s["units"] == 3
    assert s["units_with_providers"] == 1
    assert s["units_without"] == ["Beta", "Gamma"]
    assert s["providers"] == 1
    assert s["population_year"] == 2006  # the one census year among units that have a population


def test_a_unit_listed_twice_gets_the_same_totals_in_both_rows(units, directory):
    twice = pd.concat([units, units.iloc[[0]].assign(name="Alpha again", population=400_000.0)], ignore_index=True)
    table = coverage.coverage_by_unit(twice, directory)
    assert table["code"].tolist() == ["XA", "XB", "XC", "XA"]
    assert table["name"].tolist() == ["Alpha", "Beta", "Gamma", "Alpha again"]
    assert table["providers"].tolist() == [3, 1, 1, 3]
    assert table["confidential_providers"].tolist() == [1, 1, 0, 1]
    assert table["capacity"].tolist() == [15.0, 8.0, 0.0, 15.0]
    # each row keeps its own population
    assert table["per_100k"].tolist()[0] == pytest.approx(1.5)
    assert table["per_100k"].tolist()[3] == pytest.approx(0.75)
    shelters = coverage.coverage_by_unit(twice, directory, services=["shelter"])
    assert shelters["providers"].tolist() == [2, 1, 0, 2]


def test_records_in_a_unit_not_listed_are_not_counted(units, directory):
    extra = directory.iloc[[0, 1]].copy()
    extra["admin1_code"] = ["ZZ", "XA-1"]  # placed in units this table does not list
    table = coverage.coverage_by_unit(units, pd.concat([directory, extra], ignore_index=True))
    assert table["code"].tolist() == ["XA", "XB", "XC"]
    assert table["providers"].tolist() == [3, 1, 1]
    assert table["confidential_providers"].tolist() == [1, 1, 0]
    assert table["capacity"].tolist() == [15.0, 8.0, 0.0]
    # only some units (a drill-down): the others' records are left out
    table = coverage.coverage_by_unit(units.iloc[[1]], directory)
    assert table["code"].tolist() == ["XB"] and table["providers"].tolist() == [1]


def _reference(units: pd.DataFrame, directory: pd.DataFrame, services=None, populations=None) -> pd.DataFrame:
    """The counts by a plain pandas groupby, with the filter written out row by row."""
    from geomap.directory import privacy, schema

    def kept(row) -> bool:
        if row["status"] != "placed":
            return False
        if services and not set(services) & set(schema.parse_service_types(row["service_types"])[0]):
            return False
        served = schema.parse_populations(row["populations_served"])[0]
        return not (populations and served and not set(populations) & set(served))

    rows = directory[[kept(r) for _, r in directory.iterrows()]]
    grouped = (
        pd.DataFrame(
            {
                "code": rows["admin1_code"],
                "providers": 1,
                # the publish gate's rule: a shelter without a readable "no" is confidential
                "confidential_providers": privacy.is_confidential(rows).astype(int).to_numpy(),
                "capacity": pd.to_numeric(rows["capacity"], errors="coerce"),
            }
        )
        .groupby("code")
        .sum()  # NaN capacities count as nothing
    )
    out = pd.DataFrame({"code": units["code"].astype(str), "name": units["name"].astype(str)}).reset_index(drop=True)
    out = out.merge(grouped, how="left", left_on="code", right_index=True)
    out["providers"] = out["providers"].fillna(0).astype(int)
    out["confidential_providers"] = out["confidential_providers"].fillna(0).astype(int)
    out["capacity"] = out["capacity"].fillna(0.0)
    return out


@pytest.mark.parametrize(
    ("services", "populations"),
    [(None, None), (["shelter"], None), (["medical", "legal_aid"], None), (None, ["women"]), (["shelter"], ["children"])],
)
def test_counts_match_a_pandas_groupby(services, populations):
    from geomap.directory import schema

    rng = np.random.default_rng(20240607)
    codes = ["U1", "U2", "U3", "U4", "U5"]
    # U2 listed twice, U5 with no record at all; records also in U9 (not listed) and nowhere
    units = pd.DataFrame(
        {
            "code": ["U1", "U2", "U3", "U2", "U4", "U5"],
            "name": ["One", "Two", "Three", "Two bis", "Four", "Five"],
            "population": [1e5, 2e5, np.nan, 5e4, 0.0, 3e5],
        }
    )
    n = 400
    service_codes = list(schema.SERVICE_TYPES)
    population_codes = list(schema.POPULATIONS)
    directory = pd.DataFrame(
        {
            "admin1_code": rng.choice([*codes[:4], "U9", None], size=n),
            "service_types": [
                list(rng.choice(service_codes, size=rng.integers(1, 4))) if rng.random() < 0.8
                else "; ".join(rng.choice(["Shelter", "refuge", "medical care", "legal aid"], size=2))
                for _ in range(n)
            ],
            "populations_served": [list(rng.choice(population_codes, size=rng.integers(0, 3))) for _ in range(n)],
            "capacity": rng.choice([5, 12, np.nan, "20", "n/a", None], size=n),
            "confidential": rng.choice([True, False, "yes", "no", None, "1"], size=n),
            "status": rng.choice(["placed", "placed", "placed", "flagged"], size=n),
        }
    )
    table = coverage.coverage_by_unit(units, directory, services=services, populations=populations)
    expected = _reference(units, directory, services, populations)
    assert table["providers"].sum() > 0
    pd.testing.assert_frame_equal(
        table[["code", "name", "providers", "confidential_providers", "capacity"]], expected, check_dtype=False
    )
    assert table.loc[1, "providers"] == table.loc[3, "providers"]  # U2, both rows
    assert table.loc[5, "providers"] == 0  # U5: nothing placed there
    pop = units["population"].where(units["population"] > 0)
    np.testing.assert_allclose(table["per_100k"], expected["providers"] / pop * 100_000)


@pytest.mark.parametrize(
    ("services", "populations", "placed_only"),
    [
        (None, None, True),
        (None, None, False),
        (["shelter"], None, True),
        (["medical", "legal_aid"], ["children"], True),
        (None, ["women"], False),
        ("shelter", "children", True),
    ],
)
def test_filter_mask_keeps_the_rows_filter_directory_keeps(directory, services, populations, placed_only):
    index = coverage.coverage_index(directory)
    mask = coverage.filter_mask(index, services=services, populations=populations, placed_only=placed_only)
    kept = coverage.filter_directory(directory, services=services, populations=populations, placed_only=placed_only)
    assert directory.index[mask].tolist() == kept.index.tolist()


def test_a_kept_index_gives_the_same_table(units, directory):
    index = coverage.coverage_index(directory)
    for services in (None, ["shelter"], ["medical"]):
        with_index = coverage.coverage_by_unit(units, directory, services=services, index=index)
        pd.testing.assert_frame_equal(with_index, coverage.coverage_by_unit(units, directory, services=services))


def test_an_index_of_another_directory_is_refused(units, directory):
    index = coverage.coverage_index(directory.iloc[:3])
    with pytest.raises(ValueError, match="coverage index has 3 rows but the directory 6"):
        coverage.coverage_by_unit(units, directory, index=index)
    with pytest.raises(ValueError, match="unknown service type"):
        coverage.filter_mask(index, services=["haircut"])


def test_index_of_a_directory_without_optional_columns():
    bare = pd.DataFrame({"admin1_code": ["XA", None], "service_types": [["shelter"], "Legal aid"]})
    index = coverage.coverage_index(bare)
    assert index.placed.tolist() == [True, True]  # no status column: every row counts
    assert index.services["legal_aid"].tolist() == [False, True]  # synonyms parsed once
    assert index.no_population.tolist() == [True, True]
    # the publish gate's rule: a shelter without a readable "no" is confidential
    assert index.confidential.tolist() == [True, False]
    assert np.isnan(index.capacity).all()
    assert index.unit.tolist() == ["XA", None]
