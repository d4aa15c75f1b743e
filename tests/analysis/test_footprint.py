"""Footprint analysis on a hand-built, already-resolved project table (no file, no resolver)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geomap.analysis import footprint as F

UNITS = pd.DataFrame({"code": ["XA", "XB", "XC", "XD"], "name": ["Alpha", "Beta", "Gamma", "Delta"]})


def _projects() -> pd.DataFrame:
    """P1 covers A+B, P2 the whole country, P3 only C, P4 is flagged (no unit), P5 D in EUR."""
    rows = [
        # project, category, activity, funder, partner, status, start, end, budget, cur, reached, trained, codes, whole, row status
        ("P1", "training_technical_assistance", "training", "Donor 1", "Partner A", "completed", "2020-01-01", "2021-06-30", 100.0, "USD", 10.0, 10.0, ["XA", "XB"], False, "placed"),
        ("P2", "emergency_victim_assistance", "hotline", "Donor 2", "Partner B", "ongoing", "2022-03-01", None, 400.0, "USD", 40.0, np.nan, ["XA", "XB", "XC", "XD"], True, "placed"),
        ("P3", "training_technical_assistance", "training", "Donor 1", "Partner B", "completed", "2019-01-01", "2019-12-31", 30.0, "USD", np.nan, 5.0, ["XC"], False, "placed"),
        ("P4", "training_technical_assistance", "training", "Donor 1", "Partner A", "completed", "2020-01-01", "2020-12-31", 999.0, "USD", 999.0, 999.0, [], False, "flagged"),
    ]
    cols = ["project", "category", "activity_type", "funder", "implementing_partner", "project_status", "start_date",
            "end_date", "budget", "currency", "reached", "officials_trained", "unit_codes", "whole_country", "status"]
    df = pd.DataFrame(rows, columns=cols)
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    df["unit_codes"] = df["unit_codes"].astype(object)
    return df


def test_split_allocation_adds_up_and_counts_projects_per_unit():
    fp = F.footprint_by_unit(UNITS, F.filter_projects(_projects()))
    assert fp["code"].tolist() == ["XA", "XB", "XC", "XD"]
    # A: P1 (100/2) + P2 (400/4) = 150; C: P2 100 + P3 30 = 130; D: P2 only.
    assert fp["projects"].tolist() == [2, 2, 2, 1]
    assert fp["budget"].tolist() == [150.0, 150.0, 130.0, 100.0]
    assert fp["reached"].tolist() == [15.0, 15.0, 10.0, 10.0]
    assert fp["officials_trained"].tolist() == [5.0, 5.0, 5.0, 0.0]
    assert fp["budget"].sum() == pytest.approx(530.0)  # P1 + P2 + P3: nothing double-counted
    assert fp.attrs["currency"] == "USD"


def test_full_allocation_counts_whole_budget_in_each_unit():
    fp = F.footprint_by_unit(UNITS, F.filter_projects(_projects()), allocate="full")
    assert fp["budget"].tolist() == [500.0, 500.0, 430.0, 400.0]


def test_n_of_m_with_whole_country_and_multi_unit_projects():
    kept = F.filter_projects(_projects(), activity_types="training")  # P1 (A, B) and P3 (C)
    summary = F.footprint_summary(F.footprint_by_unit(UNITS, kept), kept)
    assert summary["headline"] == "reached 3 of 4 units"
    assert summary["units_not_reached"] == ["Delta"]
    assert summary["codes_not_reached"] == ["XD"]
    assert summary["projects"] == 2
    assert summary["budget"] == 130.0
    everything = F.filter_projects(_projects())
    s_all = F.footprint_summary(F.footprint_by_unit(UNITS, everything), everything)
    assert s_all["headline"] == "reached 4 of 4 units"
    assert s_all["whole_country_projects"] == 1
    assert s_all["projects"] == 3  # the flagged row is not a placed project


def test_filters_by_category_funder_partner_status_and_years():
    p = _projects()
    assert F.filter_projects(p, categories="Emergency victim assistance")["project"].tolist() == ["P2"]
    assert F.filter_projects(p, funders=["Donor 1"])["project"].tolist() == ["P1", "P3"]
    assert F.filter_projects(p, partners="Partner B")["project"].tolist() == ["P2", "P3"]
    assert F.filter_projects(p, statuses="ongoing")["project"].tolist() == ["P2"]
    # Active in 2021: P1 (2020-2021) only; P2 starts in 2022, P3 ended 2019.
    assert F.filter_projects(p, year_from=2021, year_to=2021)["project"].tolist() == ["P1"]
    # From 2022 on: P2 (no end date: active in its start year).
    assert F.filter_projects(p, year_from=2022)["project"].tolist() == ["P2"]
    assert F.filter_projects(p, year_to=2019)["project"].tolist() == ["P3"]
    assert F.filter_projects(p, placed_only=False, funders="Donor 1")["project"].tolist() == ["P1", "P3", "P4"]


def test_filter_errors_name_the_bad_value():
    with pytest.raises(ValueError, match="unknown category 'nope'"):
        F.filter_projects(_projects(), categories=["nope"])
    with pytest.raises(ValueError, match="year range 2024–2020 is empty"):
        F.filter_projects(_projects(), year_from=2024, year_to=2020)


def test_mixed_currencies_need_a_choice():
    p = _projects()
    p.loc[2, "currency"] = "EUR"
    with pytest.raises(ValueError, match="EUR, USD"):
        F.footprint_by_unit(UNITS, F.filter_projects(p))
    fp = F.footprint_by_unit(UNITS, F.filter_projects(p), currency="EUR")
    assert fp["budget"].tolist() == [0.0, 0.0, 30.0, 0.0]
    assert fp["projects"].tolist() == [2, 2, 2, 1]  # counts do not depend on the currency


def test_activity_by_year_spreads_over_active_years_and_fills_gaps():
    by_year = F.activity_by_year(_projects())
    assert by_year["year"].tolist() == [2019, 2020, 2021, 2022]
    assert by_year["projects"].tolist() == [1, 1, 1, 1]
    assert by_year["budget"].tolist() == [30.0, 50.0, 50.0, 400.0]
    assert by_year.attrs["undated"] == 0


def test_overlay_classifies_funded_against_served_units():
    kept = F.filter_projects(_projects(), activity_types="training")  # reaches A, B, C
    coverage = pd.DataFrame({"code": ["XA", "XB", "XC", "XD"], "providers": [2, 0, 1, 0]})
    out = F.footprint_overlay(F.footprint_by_unit(UNITS, kept), coverage)
    assert out["overlay"].tolist() == ["funded_served", "funded_unserved", "funded_served", "unfunded_unserved"]
    assert out["providers"].tolist() == [2, 0, 1, 0]
    # A unit missing from the coverage table is unserved, not an error.
    partial = F.footprint_overlay(F.footprint_by_unit(UNITS, kept), coverage.iloc[:1])
    assert partial["overlay"].tolist() == ["funded_served", "funded_unserved", "funded_unserved", "unfunded_unserved"]
    with pytest.raises(ValueError, match="no column 'gap_index'"):
        F.footprint_overlay(F.footprint_by_unit(UNITS, kept), coverage, measure="gap_index")


def test_overlay_with_coverage_by_unit():
    from geomap.analysis.coverage import coverage_by_unit

    directory = pd.DataFrame(
        {
            "admin1_code": ["XD", "XD", "XA"],
            "status": ["placed", "placed", "flagged"],
            "service_types": ["shelter", "medical", "shelter"],
            "populations_served": ["", "", ""],
            "confidential": [True, False, False],
            "capacity": [5, None, None],
        }
    )
    coverage = coverage_by_unit(UNITS, directory)
    kept = F.filter_projects(_projects(), activity_types="training")
    out = F.footprint_overlay(F.footprint_by_unit(UNITS, kept), coverage)
    assert out["overlay"].tolist() == ["funded_unserved", "funded_unserved", "funded_unserved", "unfunded_served"]


def test_footprint_table_columns():
    table = F.footprint_table(F.footprint_by_unit(UNITS, F.filter_projects(_projects(), activity_types="training")))
    assert table.columns.tolist() == ["code", "name", "projects", "budget", "currency", "reached", "officials_trained", "reached_unit"]
    assert table["reached_unit"].tolist() == ["yes", "yes", "yes", "no"]


def test_project_countries_reads_codes_and_names():
    raw = pd.DataFrame({"country": ["MEX", "Mexico", "mx", "NG", None, "Atlantis"]})
    got = F.project_countries(raw)
    assert dict(zip(got["country"], got["rows"])) == {"MEX": 3, "NGA": 1, "": 1, "Atlantis": 1}
    assert got["country"].iloc[0] == "MEX"
