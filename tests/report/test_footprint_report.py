"""Footprint report section, document and standalone map."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geomap.analysis import footprint as F
from geomap.report import footprint as R


@pytest.fixture()
def units() -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"code": ["XA", "XB", "XC"], "name": ["Alpha", "Beta", "<Gamma & Co>"], "country": "XXX"},
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:4326",
    )
    gdf.attrs["source"] = "test boxes"
    return gdf


@pytest.fixture()
def projects() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "project": ["P1", "P2", "P3"],
            "category": ["training_technical_assistance", "emergency_victim_assistance", None],
            "activity_type": ["training", "hotline", "training"],
            "funder": ["Donor 1", "Donor 2", "Donor 1"],
            "implementing_partner": ["A", "B", "A"],
            "project_status": ["completed", "ongoing", "ongoing"],
            "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2021-01-01"]),
            "end_date": pd.to_datetime(["2020-12-31", "2022-12-31", None]),
            "budget": [100.0, 200.0, np.nan],
            "currency": ["USD", "USD", None],
            "reached": [10.0, 20.0, np.nan],
            "officials_trained": [10.0, np.nan, np.nan],
            "unit_codes": pd.Series([["XA"], ["XA", "XB"], []], dtype=object),
            "whole_country": [False, False, False],
            "status": ["placed", "placed", "flagged"],
            "source_file": "f.csv",
            "source_row": [2, 3, 4],
        }
    )
    df.attrs["issues"] = pd.DataFrame(
        {"source_file": ["f.csv"], "source_row": [4], "field": ["admin1_name"], "value": ["Atlantis"],
         "reason": ["unknown state name"], "status": ["flagged"]}
    )
    return df


def test_section_states_headline_missed_units_and_escapes(units, projects):
    fp = F.footprint_by_unit(units, F.filter_projects(projects))
    summary = F.footprint_summary(fp, F.filter_projects(projects))
    sec = R.footprint_section(fp, summary, by_year=F.activity_by_year(projects), filters={"activity_types": ["training"], "year_from": 2020})
    assert sec.title == "Donor footprint"
    assert "Reached 2 of 3 units" in sec.body
    assert "&lt;Gamma &amp; Co&gt;" in sec.body and "<Gamma" not in sec.body
    assert "activity: Training" in sec.body and "years: 2020–…" in sec.body
    assert "Activity per year" in sec.body


def test_document_is_self_contained_and_lists_problems(units, projects):
    cov = pd.DataFrame({"code": ["XA", "XB", "XC"], "providers": [0, 3, 0]})
    html = R.footprint_document(units, projects, country_name="Testland", coverage=cov, illustrative=True, fictional_directory=True)
    assert "Donor footprint — Testland" in html
    assert "Illustrative sample projects" in html
    assert "Fictional sample data" in html  # the overlay counts come from a fictional directory
    assert "Atlantis" in html and "1 flagged" in html
    assert "Funded project, but no provider" in html and "No funded project and no provider" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", html)


def test_map_marks_units_not_reached_and_unserved(units, projects):
    fp = F.footprint_overlay(F.footprint_by_unit(units, F.filter_projects(projects)), pd.DataFrame({"code": ["XA"], "providers": [1]}))
    html = R.footprint_map_html(units, fp, measure="budget", overlay=True)
    assert "Not reached" in html
    assert "Dashed red outline: no provider in the directory" in html
    assert "No provider:" in html  # the tooltip of the unserved-units outline
    assert "Budget (USD)" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", html)


def test_map_rejects_unknown_measure_and_overlay_without_providers(units, projects):
    fp = F.footprint_by_unit(units, F.filter_projects(projects))
    with pytest.raises(ValueError, match="unknown footprint measure 'beds'"):
        R.footprint_map(units, fp, measure="beds")
    with pytest.raises(ValueError, match="overlay needs"):
        R.footprint_map(units, fp, overlay=True)
