"""Tests for geomap.analysis.referral on a small hand-checkable fixture.

Providers sit along the Greenwich meridian north of a start point on the equator, so the
geodesic distances are meridian arcs: 1 degree of latitude from the equator is 110.574 km on
the WGS84 ellipsoid, and 1 degree of longitude along the equator is 111.320 km.
All records are fictional.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from geomap.analysis import referral as R

TODAY = date(2026, 6, 1)
GEOD = Geod(ellps="WGS84")
CONF_LAT, CONF_LON = 0.5123, 0.0456  # the confidential shelter's exact point (fictional)

@pytest.fixture(autouse=True)
def _no_disclosure_banding(monkeypatch):
    # These tests are about the referral's own redaction (bands, coarse grid, no details) on
    # fixtures with one confidential site per unit: k = 1 keeps those sites in the public
    # search. The disclosure rule (k = 3 leaves them out) is tested in tests/leaks/test_small_counts.py.
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "1")



def _row(id_, lat, lon, services, pops=("women",), *, langs=("English",), h24=False, accepting=True,
         confidential=False, verified="2026-01-15", status="placed", admin1="XA-A", front=None, phone=None):
    return {
        "id": id_,
        "name": f"Fictional provider {id_}",
        "organisation": f"Fictional org {id_}",
        "service_types": list(services),
        "populations_served": list(pops),
        "languages": list(langs),
        "open_24h": h24,
        "accepting_referrals": accepting,
        "confidential": confidential,
        "front_door_contact": front,
        "phone": phone or f"+000 555 01{id_[-1]}",
        "email": f"{id_.lower()}@example.org",
        "address": f"{id_} Fictional Street",
        "admin1_code": admin1,
        "admin1_name": "Alpha" if admin1 == "XA-A" else "Beta",
        "latitude": lat,
        "longitude": lon,
        "last_verified": date.fromisoformat(verified) if verified else None,
        "status": status,
        "geometry": Point(lon, lat) if lat is not None else None,
    }


@pytest.fixture
def directory() -> gpd.GeoDataFrame:
    rows = [
        _row("P1", 0.1, 0.0, ["legal_aid"], ["women"]),
        _row("P2", 0.3, 0.0, ["shelter"], ["women", "children"], langs=("English", "Hausa"), h24=True, confidential=False),
        _row("P3", CONF_LAT, CONF_LON, ["shelter"], ["women", "children"], confidential=True,
             front="Fictional hotline 0800-000", phone="+000 999 4242"),
        _row("P4", 1.0, 0.0, ["legal_aid", "case_management"], ["men"], accepting=False),
        _row("P5", 2.0, 0.0, ["shelter"], ["men"], verified="2020-01-01"),
        _row("P6", 0.05, 0.0, ["legal_aid"], ["women"], status="flagged"),
        _row("P7", None, None, ["legal_aid"], ["women"], admin1="XA-B"),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["XA-A", "XA-B"], "name": ["Alpha", "Beta"]},
        geometry=[box(-1, -1, 1, 3), box(1, -1, 3, 1)],
        crs="EPSG:4326",
    )


START = R.Start(0.0, 0.0, "Equator", "point", "0.00,0.00")


def test_meridian_distances_match_known_arc(directory):
    res = R.find_referrals(directory, START, services=["legal_aid"], today=TODAY, role="partner")
    assert list(res["id"]) == ["P1", "P4"]  # P6 is flagged, P7 has no location
    assert res["distance_km"].iloc[1] == pytest.approx(110.574, abs=0.01)
    assert res["distance_km"].iloc[0] == pytest.approx(11.057, abs=0.01)
    assert res.attrs["unlocated"] == 1
    assert list(res["rank"]) == [1, 2]


def test_equator_longitude_degree():
    d = gpd.GeoDataFrame([_row("Q1", 0.0, 1.0, ["medical"])], geometry="geometry", crs="EPSG:4326")
    res = R.find_referrals(d, START, services=["medical"], role="partner", today=TODAY)
    assert res["distance_km"].iloc[0] == pytest.approx(111.320, abs=0.01)


def test_ranking_partner_exact_order(directory):
    res = R.find_referrals(directory, START, services=["shelter"], today=TODAY, role="partner")
    assert list(res["id"]) == ["P2", "P3", "P5"]
    _, _, m = GEOD.inv(0.0, 0.0, CONF_LON, CONF_LAT)
    assert res.loc[res["id"] == "P3", "distance_km"].iloc[0] == pytest.approx(m / 1000, rel=1e-9)
    assert np.all(np.diff(res["distance_km"].to_numpy()) > 0)


def test_n_limits_and_match_any_covers_each_service(directory):
    res = R.find_referrals(directory, START, services=["legal_aid", "shelter"], n=1, today=TODAY, role="partner")
    assert list(res["id"]) == ["P1", "P2"]  # nearest legal aid and nearest shelter
    assert res.set_index("id").loc["P1", "matched_services"] == ["legal_aid"]


def test_match_all_and_relax(directory):
    res = R.find_referrals(directory, START, services=["legal_aid", "shelter"], match="all", today=TODAY)
    assert res.empty
    relaxed = R.relax_filters(directory, START, services=["legal_aid", "shelter"], match="all", n=1, today=TODAY)
    assert relaxed.attrs["relaxed"] == ["match_all"]
    assert set(relaxed["id"]) == {"P1", "P2"}


def test_population_language_24h_accepting_filters(directory):
    kw = {"today": TODAY, "role": "partner"}
    assert list(R.find_referrals(directory, START, services=["shelter"], populations=["men"], **kw)["id"]) == ["P5"]
    both = R.find_referrals(directory, START, services=["shelter"], populations=["women", "children"], **kw)
    assert list(both["id"]) == ["P2", "P3"]
    assert list(R.find_referrals(directory, START, services=["shelter"], language="HAUSA", **kw)["id"]) == ["P2"]
    assert list(R.find_referrals(directory, START, services=["shelter"], open_24h=True, **kw)["id"]) == ["P2"]
    legal = R.find_referrals(directory, START, services=["legal_aid"], accepting_only=True, **kw)
    assert list(legal["id"]) == ["P1"]


def test_relax_order_is_documented_order(directory):
    res = R.relax_filters(
        directory, START, services=["shelter"], populations=["lgbtqi"], language="French",
        open_24h=True, accepting_only=True, today=TODAY, role="partner",
    )
    assert res.attrs["relaxed"] == ["accepting_only", "open_24h", "language", "populations"]
    assert list(res["id"]) == ["P2", "P3", "P5"]


def test_relax_to_any_service_never_empty(directory):
    res = R.relax_filters(directory, START, services=["repatriation"], today=TODAY, role="partner")
    assert res.attrs["relaxed"] == ["services"]
    assert len(res) == 5  # the five located, unflagged providers


def test_strict_match_reports_nothing_relaxed(directory):
    res = R.relax_filters(directory, START, services=["legal_aid"], today=TODAY)
    assert res.attrs["relaxed"] == []


def test_stale_marking(directory):
    res = R.find_referrals(directory, START, services=["shelter"], today=TODAY, role="partner").set_index("id")
    assert bool(res.loc["P5", "stale"]) is True
    assert bool(res.loc["P2", "stale"]) is False


def test_unit_fallback_for_records_without_coordinates(directory, units):
    res = R.find_referrals(directory, START, services=["legal_aid"], units=units, today=TODAY, role="partner")
    row = res.set_index("id").loc["P7"]
    assert bool(row["location_approx"]) is True
    rep = units.geometry.iloc[1].representative_point()
    _, _, m = GEOD.inv(0.0, 0.0, rep.x, rep.y)
    assert row["distance_km"] == pytest.approx(m / 1000)


def test_publish_public_hides_confidential_detail(directory):
    res = R.find_referrals(directory, START, services=["shelter"], today=TODAY, role="public")
    pub = R.publish_referrals(res, role="public")
    assert list(pub["id"]) == ["P2", "P5", "P3"]  # confidential group last
    conf = pub.set_index("id").loc["P3"]
    assert conf["group"] == R.GROUP_CONFIDENTIAL
    assert conf["display_name"] == "Confidential shelter — contact via Fictional hotline 0800-000 — ref. P3"
    assert conf["distance"] == "< 100 km"  # snapped cell centre (0.625, 0.125) is ~70 km away
    assert conf["distance_km"] is None
    assert conf.geometry is None or conf.geometry.is_empty
    for col in ("address", "phone", "email", "latitude", "longitude", "name", "organisation"):
        assert conf[col] is None or pd.isna(conf[col])
    assert "coarse_km" not in pub.columns
    assert conf["admin1_name"] == "Alpha"
    table = R.referral_table(pub)
    text = table.to_csv(index=False)
    assert "+000 999 4242" not in text and "P3 Fictional Street" not in text
    assert f"{res.set_index('id').loc['P3', 'distance_km']:.1f}" not in text


def test_publish_partner_shows_everything(directory):
    res = R.find_referrals(directory, START, services=["shelter"], today=TODAY, role="partner")
    pub = R.publish_referrals(res, role="partner")
    assert list(pub["id"]) == ["P2", "P3", "P5"]
    row = pub.set_index("id").loc["P3"]
    assert row["phone"] == "+000 999 4242"
    assert row["distance"].endswith(" km") and not row["distance"].startswith("<")


def test_public_publish_refuses_partner_ranking(directory):
    res = R.find_referrals(directory, START, services=["shelter"], today=TODAY, role="partner")
    with pytest.raises(ValueError, match="role='public'"):
        R.publish_referrals(res, role="public")


def test_public_output_invariant_to_exact_site_within_grid_cell(directory):
    """Moving the confidential site inside its grid cell changes nothing a public user sees."""
    moved = directory.copy()
    i = moved.index[moved["id"] == "P3"][0]
    moved.loc[i, "latitude"], moved.loc[i, "longitude"] = 0.74, 0.01  # same 0.25-degree cell
    moved.loc[i, "geometry"] = Point(0.01, 0.74)
    starts = [START, R.Start(0.55, 0.05, "near", "point", "0.55,0.05"), R.Start(-0.4, 0.0, "s", "point", "-0.40,0.00")]
    for start in starts:
        a = R.publish_referrals(R.find_referrals(directory, start, services=["shelter"], n=2, today=TODAY), role="public")
        b = R.publish_referrals(R.find_referrals(moved, start, services=["shelter"], n=2, today=TODAY), role="public")
        cols = ["id", "group", "distance", "rank"]
        pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


def test_public_order_within_band_is_by_name_not_distance():
    rows = [
        _row("C1", 0.13, 0.0, ["shelter"], confidential=True, front="Zulu intake"),  # nearer
        _row("C2", 0.2, 0.2, ["shelter"], confidential=True, front="Alpha intake"),  # farther
    ]
    d = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    start = R.Start(0.13, 0.13, "s", "point", "0.13,0.13")
    pub = R.publish_referrals(R.find_referrals(d, start, services=["shelter"], today=TODAY), role="public")
    assert list(pub["distance"]) == ["< 10 km", "< 10 km"]  # both snap to cell centre (0.125, 0.125)
    assert list(pub["id"]) == ["C2", "C1"]


def test_validation_errors(directory):
    with pytest.raises(ValueError, match="unknown service"):
        R.find_referrals(directory, START, services=["spa"])
    with pytest.raises(ValueError, match="unknown population"):
        R.find_referrals(directory, START, services=["shelter"], populations=["aliens"])
    with pytest.raises(ValueError, match="n must be"):
        R.find_referrals(directory, START, services=["shelter"], n=0)
    with pytest.raises(ValueError, match="unknown role"):
        R.find_referrals(directory, START, services=["shelter"], role="admin")


def test_start_from_point_rounds_and_validates():
    s = R.start_from_point(12.34567, 8.98765)
    assert (s.lat, s.lon, s.value) == (12.35, 8.99, "12.35,8.99")
    with pytest.raises(ValueError, match="not a valid"):
        R.start_from_point(95, 0)


def test_start_from_unit_representative_point(units):
    s = R.start_from_unit(units, "xa-b")
    assert units.geometry.iloc[1].contains(Point(s.lon, s.lat))
    assert s.kind == "unit" and s.value == "XA-B"
    assert R.start_from_unit(units, "beta").value == "XA-B"
    with pytest.raises(ValueError, match="not found"):
        R.start_from_unit(units, "nowhere")


def test_start_from_provider_confidential_rules(directory):
    s = R.start_from_provider(directory, "P2", role="public")
    assert (s.lat, s.lon) == (0.3, 0.0)
    with pytest.raises(ValueError, match="public view"):
        R.start_from_provider(directory, "P3", role="public")
    conf = R.start_from_provider(directory, "P3", role="partner")
    assert conf.shareable is False
    q = R.ReferralQuery("org", "P3", services=("shelter",))
    params = R.share_params(q, conf)
    assert params == {"state": "XA-A", "service": "shelter", "n": "5"}
    with pytest.raises(ValueError, match="resolved Start"):
        R.share_params(q)


def test_start_from_town_uses_gazetteer():
    s = R.start_from_town("Kanno", "NGA")  # typo-tolerant
    assert s.kind == "town" and s.label.startswith("Kano")
    assert 11 < s.lat < 13 and 8 < s.lon < 9
    with pytest.raises(ValueError, match="no town"):
        R.start_from_town("Qwxzqwxz", "NGA")


def test_query_params_round_trip():
    q = R.ReferralQuery("town", "Kano", ("legal_aid", "shelter"), ("women", "children"), "Hausa", True, True, "all", 3)
    params = q.to_params()
    assert params == {
        "town": "Kano", "service": "legal_aid,shelter", "population": "women,children", "language": "Hausa",
        "h24": "1", "accepting": "1", "match": "all", "n": "3",
    }
    assert R.ReferralQuery.from_params(params) == q
    odd = R.ReferralQuery.from_params({"at": "1.00,2.00", "service": "shelter,<script>", "n": "999"})
    assert odd.services == ("shelter",) and odd.n == 50 and odd.start_kind == "point"


def test_resolve_start_kinds(directory, units):
    assert R.resolve_start(R.ReferralQuery("point", "1.234,5.678"), country="NGA").value == "1.23,5.68"
    assert R.resolve_start(R.ReferralQuery("unit", "XA-A"), country="NGA", units=units).kind == "unit"
    assert R.resolve_start(R.ReferralQuery("org", "P1"), country="NGA", directory=directory).lat == 0.1
    with pytest.raises(ValueError, match="no starting point"):
        R.resolve_start(R.ReferralQuery(), country="NGA")
    with pytest.raises(ValueError, match="LAT,LON"):
        R.resolve_start(R.ReferralQuery("point", "abc"), country="NGA")


def test_relax_per_service_keeps_strict_matches_of_other_services(directory):
    """Legal aid for children matches nothing, shelter for children does: shelters are not lost."""
    res = R.relax_filters(directory, START, services=["legal_aid", "shelter"], populations=["children"], n=1,
                          today=TODAY, role="partner")
    assert list(res["id"]) == ["P1", "P2"]  # P1: legal aid after dropping the population; P2: strict shelter
    assert res.attrs["relaxed_by_service"] == {"legal_aid": ["populations"], "shelter": []}
    assert res.attrs["relaxed"] == ["populations"]
    assert list(res["rank"]) == [1, 2]
    assert R.relaxation_notes(res) == [
        "Legal aid: no exact match, so the list included providers that do not list every chosen population."
    ]


def test_relax_reports_services_nobody_offers(directory):
    res = R.relax_filters(directory, START, services=["repatriation", "legal_aid"], n=1, today=TODAY)
    assert res.attrs["unmatched_services"] == ["repatriation"]
    assert list(res["id"]) == ["P1"]
    assert R.relaxation_notes(res) == ["No located provider offers Repatriation in this directory."]
    alone = R.relax_filters(directory, START, services=["repatriation"], today=TODAY)
    assert alone.attrs["unmatched_services"] == ["repatriation"]
    assert R.relaxation_notes(alone)[0].startswith("No provider matches the chosen services")


def test_combined_services_merge_matched_services():
    rows = [_row("M1", 0.1, 0.0, ["legal_aid", "shelter"]), _row("M2", 0.2, 0.0, ["shelter"])]
    d = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    res = R.relax_filters(d, START, services=["shelter", "legal_aid"], n=2, today=TODAY, role="partner")
    assert list(res["id"]) == ["M1", "M2"]
    assert res.set_index("id").loc["M1", "matched_services"] == ["shelter", "legal_aid"]


def test_unmatched_service_does_not_mark_matched_ones_relaxed(directory):
    res = R.relax_filters(directory, START, services=["repatriation", "legal_aid"], populations=["women"], n=1,
                          today=TODAY)
    assert res.attrs["relaxed"] == []
    assert R.relaxation_notes(res) == ["No located provider offers Repatriation in this directory."]


# ---------------------------------------------------------------- road travel time (offline)
def _road_osm(path):
    """A fictional road along the meridian: nodes every 0.1 degree of latitude from 0 to 0.6,
    maxspeed 60 km/h (about 11 minutes per 0.1 degree, 11.06 km)."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="geomap-test">']
    for i in range(7):
        xml.append(f'<node id="{i + 1}" version="1" lat="{i / 10:.7f}" lon="0.0000000"/>')
    xml.append('<way id="100" version="1">' + "".join(f'<nd ref="{i + 1}"/>' for i in range(7)))
    xml.append('<tag k="highway" v="primary"/><tag k="maxspeed" v="60"/></way></osm>')
    path.write_text("\n".join(xml), encoding="utf-8")
    return path


def test_travel_times_beside_distance_and_hidden_for_confidential(directory, tmp_path):
    from geomap.analysis import catchments

    graph = catchments.load_road_graph(_road_osm(tmp_path / "road.osm"), simplify=False)
    found = R.find_referrals(directory, START, services=["shelter", "legal_aid"], n=5, today=TODAY)
    timed = R.add_travel_times(found, graph, START)
    by_id = dict(zip(timed["id"], timed["travel_min"]))
    # at 60 km/h, minutes = km; osmnx measures edges on a sphere, within 1% of the ellipsoid
    assert by_id["P2"] == pytest.approx(GEOD.inv(0, 0, 0, 0.3)[2] / 1000, rel=0.01)
    assert by_id["P1"] == pytest.approx(GEOD.inv(0, 0, 0, 0.1)[2] / 1000, rel=0.01)
    # the confidential shelter snaps to the road near 0.5 degrees: a time exists for partners only
    assert np.isfinite(by_id["P3"])
    public = R.publish_referrals(timed, role="public")
    conf = public[public["group"] == R.GROUP_CONFIDENTIAL]
    assert len(conf) and conf["travel_min"].isna().all()
    assert public.loc[public["id"] == "P2", "travel_min"].iloc[0] == pytest.approx(by_id["P2"])
    assert "travel_min" in R.referral_table(public).columns
    partner = R.publish_referrals(
        R.add_travel_times(R.find_referrals(directory, START, services=["shelter"], n=5, today=TODAY, role="partner"), graph, START),
        role="partner",
    )
    assert np.isfinite(partner.loc[partner["id"] == "P3", "travel_min"].iloc[0])
