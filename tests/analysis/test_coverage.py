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
