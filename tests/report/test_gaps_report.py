"""The printable gaps report and the exports, on the three-unit fixture (see tests/analysis)."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from _gaps_fixtures import settlements, units
from leaks._leakcheck import assert_no_leak

from geomap.analysis import demand as dm
from geomap.report import gaps as rg


def _directory() -> gpd.GeoDataFrame:
    """A confidential shelter (odd coordinates, away from unit edges) and a public one, both in XA."""
    return gpd.GeoDataFrame(
        {
            "id": ["C1", "O1"],
            "name": ["Fictional hidden refuge", "Fictional open refuge"],
            "service_types": pd.Series([["shelter"], ["shelter"]], dtype=object),
            "status": ["placed", "placed"],
            "confidential": [True, False],
            "capacity": [15.0, 5.0],
            "phone": ["+999 321 9876", "+999 100 100"],
            "address": ["7 Hidden Fictional Lane", "1 Open Fictional St"],
            "front_door_contact": ["Fictional hotline 0800", ""],
            "admin1_code": ["XA", "XA"],
            "fictional": [True, True],
        },
        geometry=gpd.points_from_xy([0.1234567, -0.2345678], [0.0765432, -0.3456789]),
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def result():
    """Exact figures (a partner's analysis)."""
    u = units()
    dp = dm.demand_points(u, settlements())
    return u, dp, rg.service_gaps(u, _directory(), dp, service="shelter", radius_km=50, threshold_per_100k=2.0, add_sites=1, role="partner")


@pytest.fixture(scope="module")
def public_result():
    """The public analysis: XA's lone confidential shelter is left out and XA banded."""
    u = units()
    dp = dm.demand_points(u, settlements())
    return u, dp, rg.service_gaps(u, _directory(), dp, service="shelter", radius_km=50, threshold_per_100k=2.0, add_sites=1)


def test_public_analysis_bands_a_lone_confidential_shelter(public_result, result):
    _u, _dp, pub = public_result
    exact = result[2].table.set_index("code")
    table = pub.table.set_index("code")
    assert int(exact.loc["XA", "providers"]) == 2
    assert table.loc["XA", "providers"] == "1–3" and table.loc["XA", "confidential_providers"] == "fewer than 3"
    assert not pub.nearest["nearest_confidential"].any()  # reach is computed without it
    with pytest.raises(ValueError, match="exact figures"):
        rg.gaps_report(result[0], _directory(), result[1], results=[result[2]], role="public")


def test_report_public_has_tables_sources_caveats_and_no_leak(public_result):
    u, dp, r = public_result
    html = rg.gaps_report(u, _directory(), dp, results=[r], country_name="Testland", is_sample=True,
                          directory_label="fixture (fictional)", boundary_source="fixture boxes")
    assert html.startswith("<!DOCTYPE html>")
    assert "Service gaps — Testland" in html and "Fictional sample data" in html
    for needle in ("Data sources", "Caveats", "census year 2020", "How the gap index is made",
                   "Where the next sites would help most", "settlements cover"):
        assert needle in html
    assert "no data" in html  # XB per 100k: population unknown, never 0 %
    assert "<script src=\"http" not in html  # maps are inlined (offline)
    assert_no_leak(html, _directory(), where="gaps report (public)")
    assert "Hidden Fictional Lane" not in html and "hidden refuge" not in html


def test_report_partner_draws_confidential_catchments(result, public_result):
    u, dp, r = result
    pub = rg.gaps_report(u, _directory(), dp, results=[public_result[2]], role="public")
    partner = rg.gaps_report(u, _directory(), dp, results=[r], role="partner")
    assert "Catchments of confidential sites" in pub and "Catchments of confidential sites" not in partner
    from geomap.analysis import catchments as C

    # one more catchment circle drawn for the partner
    assert len(C.visible_catchments(r.catchments, role="partner")) > len(C.visible_catchments(public_result[2].catchments, role="public"))


def test_export_table_and_geo_exports(result, tmp_path):
    u, _, r = result
    t = rg.export_table(r.table)
    assert {"code", "population", "providers", "per_100k", "pop_within_km", "share_within", "gap_rank",
            "beds_within_reach_per_100k"} <= set(t.columns)
    assert not {"latitude", "longitude", "geometry", "nearest_provider"} & set(t.columns)
    gj = rg.units_export_bytes(u, r.table, format="geojson")
    back = gpd.read_file(gj.decode())
    assert len(back) == 3 and back.set_index("code").loc["XA", "providers"] == 2
    path = tmp_path / "g.gpkg"
    path.write_bytes(rg.units_export_bytes(u, r.table, format="gpkg"))
    g2 = gpd.read_file(path).set_index("code")
    assert g2.loc["XA", "per_100k"] == pytest.approx(2.0)
    assert np.isnan(g2.loc["XB", "per_100k"])
    with pytest.raises(ValueError, match="not supported"):
        rg.units_export_bytes(u, r.table, format="shp")


def test_beyond_reach_redacts_for_public(result):
    _, dp, r = result
    pub = rg.beyond_reach(dp, r.nearest, radius_km=10, role="public")
    part = rg.beyond_reach(dp, r.nearest, radius_km=10, role="partner")
    assert list(pub.index) == list(part.index)
    conf_near = r.nearest.loc[pub.index, "nearest_confidential"].to_numpy()
    assert conf_near.any()
    assert pub.loc[conf_near, "distance_km"].isna().all()
    assert part.loc[conf_near, "distance_km"].notna().all()


def test_map_road_catchments_follow_role(result):
    from shapely.geometry import box

    u, dp, r = result
    roads = gpd.GeoDataFrame(
        {"id": ["C1", "O1"], "confidential": [True, False], "minutes": [30.0, 30.0]},
        geometry=[box(0.1111, 0.0555, 0.1333, 0.0777), box(-0.2444, -0.3555, -0.2222, -0.3333)],
        crs="EPSG:4326",
    )
    pub = rg.build_gaps_map(u, r, dp, role="public", road_catchments=roads).get_root().render()
    part = rg.build_gaps_map(u, r, dp, role="partner", road_catchments=roads).get_root().render()
    assert "0.1333" not in pub and "0.1333" in part
    assert "-0.2444" in pub


def test_map_numbers_and_labels_proposed_sites(result):
    u, dp, r = result
    assert r.sites is not None and len(r.sites) == 1
    page = rg.build_gaps_map(u, r, dp, role="partner").get_root().render()
    site = r.sites.iloc[0]
    state = dict(zip(u["code"].astype(str), u["name"].astype(str))).get(str(site["unit_code"]), str(site["unit_code"]))
    assert page.count("geomap-site-label") == 1  # a permanent label (a DivIcon), not only a tooltip
    label = page[page.index("geomap-site-label"):]
    assert label.index(f"Proposed site 1: {site['name']}, {state}") < 300  # its number, settlement and state
    assert "Proposed site (number, settlement, state)" in page  # and its legend entry
    assert "Nearby providers grouped" in page
