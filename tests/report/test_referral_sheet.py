"""Tests for geomap.report.referral (the printable/CSV referral sheet). Fictional records only."""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from leaks._leakcheck import assert_no_leak
from shapely.geometry import Point

from geomap.analysis import referral as R
from geomap.report import referral as sheet

TODAY = date(2026, 6, 1)
CONF = {"lat": 12.3456789, "lon": 8.6543219}  # a fictional confidential shelter
START = R.start_from_point(12.0, 8.5)

@pytest.fixture(autouse=True)
def _no_disclosure_banding(monkeypatch):
    # These tests are about the referral's own redaction (bands, coarse grid, no details) on
    # fixtures with one confidential site per unit: k = 1 keeps those sites in the public
    # search. The disclosure rule (k = 3 leaves them out) is tested in tests/leaks/test_small_counts.py.
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "1")



def _directory() -> gpd.GeoDataFrame:
    def rec(id_, lat, lon, services, conf, **kw):
        base = {
            "id": id_, "name": f"Fictional provider {id_}", "organisation": f"Fictional org {id_}",
            "service_types": services, "populations_served": ["women", "children"], "languages": ["English", "Hausa"],
            "hours": "Mon-Fri 9-17", "open_24h": False, "accepting_referrals": True, "confidential": conf,
            "front_door_contact": None, "phone": f"+999 100 20{id_[-1]}", "email": f"{id_.lower()}@example.org",
            "address": f"{id_} Fictional Lane", "town": "Fictional town", "admin1_code": "NG-KN", "admin1_name": "Kano",
            "latitude": lat, "longitude": lon, "last_verified": date(2026, 3, 1), "referral_method": "Phone first",
            "status": "placed", "fictional": True, "geometry": Point(lon, lat),
        }
        base.update(kw)
        return base

    rows = [
        rec("A1", 12.1, 8.5, ["legal_aid"], False, last_verified=date(2024, 1, 1)),
        rec("A2", 12.2, 8.6, ["shelter"], False, phone="=HYPERLINK(\"x\")"),
        rec("S3", CONF["lat"], CONF["lon"], ["shelter"], True, front_door_contact="Fictional hotline 0800 111",
            phone="+999 777 4242", email="secret-shelter@example.org", address="9 Hidden Fictional Road"),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _published(role: str) -> pd.DataFrame:
    d = _directory()
    res = R.relax_filters(d, START, services=["legal_aid", "shelter"], populations=["women"], today=TODAY, role=role)
    return R.publish_referrals(res, role=role)


def test_public_html_sheet_hides_confidential_details():
    d = _directory()
    res = R.find_referrals(d, START, services=["legal_aid", "shelter"], today=TODAY, role="public")
    exact = res.set_index("id").loc["S3", "distance_km"]
    html = sheet.referral_sheet_html(R.publish_referrals(res, role="public"), role="public", country_name="Nigeria",
                                     directory_label="Test (fictional)", fictional=True)
    assert_no_leak(html, d, where="referral sheet HTML")
    for secret in ("+999 777 4242", "999 777 4242", "9 Hidden Fictional Road", "secret-shelter", "Fictional provider S3",
                   f"{exact:.1f}", f"{exact:.2f}"):
        assert secret not in html
    assert "Confidential shelter — contact via Fictional hotline 0800 111" in html
    assert "Confidential services" in html and "Kano" in html
    assert "Fictional provider A1" in html and "+999 100 201" in html
    assert "stale" in html  # A1 last verified 2024-01-01
    assert "Fictional sample data" in html


def test_public_csv_hides_confidential_details_and_neutralises():
    d = _directory()
    data = sheet.referral_sheet_csv(_published("public"), role="public")
    text = data.decode("utf-8-sig")
    assert_no_leak(text, d, where="referral CSV")
    exact = R.find_referrals(d, START, services=["shelter"], role="partner").set_index("id").loc["S3", "distance_km"]
    assert f"{exact:.1f}" not in text and f"{exact:.2f}" not in text
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    conf = table[table["group"] == R.GROUP_CONFIDENTIAL].iloc[0]
    assert conf["display_name"].startswith("Confidential shelter")
    assert conf["distance"].startswith("<") and conf["distance_km"] == ""
    assert conf["phone"] == "" and conf["address"] == ""
    assert table.loc[table["display_name"] == "Fictional provider A2", "phone"].iloc[0].startswith("'=")


def test_partner_sheet_shows_everything_with_notice():
    pub = _published("partner")
    html = sheet.referral_sheet_html(pub, role="partner")
    assert "9 Hidden Fictional Road" in html and "+999 777 4242" in html
    assert "PARTNER SHEET" in html
    csv = sheet.referral_sheet_csv(pub, role="partner", notice="FULL EXPORT: test").decode("utf-8-sig")
    assert csv.startswith("# FULL EXPORT: test")


def test_public_sheet_refuses_unpublished_or_partner_table():
    res = R.find_referrals(_directory(), START, services=["shelter"], today=TODAY, role="partner")
    with pytest.raises(ValueError, match="publish_referrals"):
        sheet.referral_sheet_html(res, role="public")
    with pytest.raises(ValueError, match="publish_referrals"):
        sheet.referral_sheet_csv(R.publish_referrals(res, role="partner"), role="public")


def test_relaxed_search_is_explained():
    d = _directory()
    res = R.relax_filters(d, START, services=["shelter"], populations=["lgbtqi"], today=TODAY)
    html = sheet.referral_sheet_html(R.publish_referrals(res, role="public"), role="public")
    assert R.RELAX_LABELS["populations"] in html
    assert "LGBTQI+" in html  # the request is restated


def test_search_summary_lines():
    lines = sheet.search_summary(_published("public"))
    assert lines[0] == "From: Point 12.00,8.50"
    assert lines[1] == "Services: Legal aid, Shelter"
    assert lines[2] == "For: Women"
