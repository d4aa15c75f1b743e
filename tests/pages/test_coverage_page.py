"""The Coverage page (and the app's navigation) under Streamlit's AppTest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geomap.directory import schema
from i18n._english import english_in


def _app() -> None:
    from geomap.pages import coverage

    coverage.render()


def _run(country: str = "NGA", *, table: bool = True) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = country
    at.session_state["cov_table_open"] = table  # the units table is drawn only while open
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_app_opens_on_nigeria_sample():
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Coverage — Nigeria"
    assert any("fictional" in w.value for w in at.sidebar.warning)
    assert at.sidebar.selectbox(key="sidebar_country_en").value == "NGA"


def test_default_view_counts_and_table():
    at = _run()
    metrics = _metrics(at)
    # the public view: units with fewer than 3 confidential sites show a band (disclosure rule)
    assert metrics["Providers shown exactly"] == "127"
    assert metrics["Units with at least one"].endswith("of 37")
    assert metrics["Population denominator"] == "2006 census"
    assert any(schema.FICTIONAL_NOTICE in i.value for i in at.info)
    table = at.dataframe[0].value
    assert len(table) == 37
    assert sum(_low(t) for t in table["Providers"]) == 127
    assert (table["Banded (confidential sites fewer than k)"] == "yes").sum() == 35
    assert at.get("download_button")


def _low(text: str) -> int:
    """The lower end of a published count ("2–4" -> 2, "10" -> 10)."""
    return int(str(text).split("–")[0].replace(",", ""))


def test_partner_view_counts_exactly():
    from datetime import UTC, datetime, timedelta

    from geomap import auth

    now = datetime.now(UTC)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=180)
    at.session_state["geomap_auth"] = auth.Session("fictional-partner", "partner", now + timedelta(hours=1), now)
    at.session_state["cov_table_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Providers placed"] == "148"
    assert at.dataframe[0].value["Providers"].sum() == 148


def test_service_filter_and_measure_follow():
    at = _run()
    at.multiselect(key="cov_services").set_value(["shelter"]).run()
    assert not at.exception
    shelters = int(_metrics(at)["Providers shown exactly"])
    assert 0 < shelters < 127
    assert sum(_low(t) for t in at.dataframe[0].value["Providers"]) == shelters
    at.radio(key="cov_measure").set_value("per_100k").run()
    assert not at.exception
    assert "Per 100k" in at.dataframe[0].value.columns


def test_other_country_without_sample():
    at = _run("KEN")
    assert at.title[0].value == "Coverage — Kenya"
    assert [i.value for i in at.info if "No directory of services is loaded for Kenya" in i.value]
    assert len(at.info) == 1 and not at.dataframe and not at.metric  # one empty state, no empty table
    assert any("8 provinces were replaced by 47 counties in 2013" in w.value for w in at.warning)


def test_confidential_count_caption_in_public_view():
    at = _run()
    captions = " ".join(c.value for c in at.caption)
    assert "Disclosure control" in captions and "fewer than 3" in captions
    assert "Natural Earth" in " ".join(m.value for m in at.markdown)  # in "Sources" under the map


def _level2_geojson() -> bytes:
    import json

    from shapely.geometry import box, mapping

    feats = []
    # two fictional level-1 units in Nigeria, each split into two level-2 units (GADM columns)
    for parent, x0 in (("NGA.1_1", 7.0), ("NGA.2_1", 9.0)):
        for k, dx in enumerate((0.0, 0.5), start=1):
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"GID_1": parent, "NAME_1": f"Parent {parent}", "GID_2": f"{parent[:-2]}.{k}_1", "NAME_2": f"Child {parent} {k}"},
                    "geometry": mapping(box(x0 + dx, 9.0, x0 + dx + 0.5, 9.5)),
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode("utf-8")


def test_level2_boundaries_drill_down():
    import hashlib

    from geomap.pages import _state

    data = _level2_geojson()
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.session_state[_state.K_BOUNDARY] = {"name": "lga.geojson", "data": data, "digest": hashlib.sha256(data).hexdigest(), "country": "NGA"}
    at.session_state["cov_table_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe[0].value) == 4
    picker = at.selectbox(key="cov_parent")
    assert picker.options == ["(all units)", "NGA.1_1", "NGA.2_1"]
    picker.set_value("NGA.2_1").run()
    assert not at.exception
    assert at.dataframe[0].value["Code"].tolist() == ["NGA.2.1_1", "NGA.2.2_1"]


def test_units_without_a_provider_are_named():
    at = _run()
    at.multiselect(key="cov_services").set_value(["shelter"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    # public view: a state with no public shelter shows "0–2" (a band of confidential ones, which
    # may be none), so it is named as such, never as "no provider"
    missing = table.loc[table["Providers"] == "0–2", "Unit"].tolist()
    assert missing, "the fictional sample should leave some states without a public shelter"
    assert not any(m.value.startswith("**No provider") for m in at.markdown)
    line = next(m.value for m in at.markdown if m.value.startswith("**No public provider"))
    assert f"in {len(missing)} unit(s):**" in line
    assert "(Shelter)" in line and "fewer than 3 confidential" in line
    assert all(name in line for name in missing)


def _context_probe() -> None:
    import streamlit as st

    from geomap.pages import _state

    ctx = _state.get_context()
    again = _state.get_context()
    st.session_state["probe"] = st.session_state.get("probe", []) + [(id(ctx), again is ctx, ctx.country, ctx.role)]


def test_context_is_built_once_per_change_of_its_inputs():
    at = AppTest.from_function(_context_probe, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    at.run()  # nothing changed: the same context object
    at.session_state["geomap_country"] = "MEX"
    at.run()  # the country changed: a new one
    probe = at.session_state["probe"]
    assert [p[1] for p in probe] == [True, True, True]
    assert probe[0][0] == probe[1][0] != probe[2][0]
    assert [p[2] for p in probe] == ["NGA", "NGA", "MEX"]
    assert {p[3] for p in probe} == {"public"}


def test_units_table_is_drawn_only_while_open():
    at = _run(table=False)
    assert len(at.dataframe) == 0
    assert [e.label for e in at.expander] == ["Sources", "All 37 units (sortable table)"]
    at.session_state["cov_table_open"] = True
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 37


#: The Coverage map's component (geomap.pages._live_map).
LIVE_MAP = "geomap.pages._live_map.live_map"


def _component_args(at: AppTest) -> dict[str, dict]:
    """Every custom component AppTest rendered: ``{component name: its arguments}``."""
    from google.protobuf.json_format import MessageToDict

    found: dict[str, dict] = {}

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            d = MessageToDict(proto)
            # the element's proto is the ComponentInstance itself (older trees wrap it)
            ci = d.get("componentInstance") or (d if "componentName" in d else {})
            if "jsonArgs" in ci:
                assert ci["componentName"] not in found, f"two {ci['componentName']} components"
                found[ci["componentName"]] = json.loads(ci["jsonArgs"])
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else ():
            walk(child)

    walk(at._tree)
    return found


def _map_args(at: AppTest) -> dict:
    components = _component_args(at)
    assert LIVE_MAP in components, f"the live map is not on the page (components: {sorted(components)})"
    return components[LIVE_MAP]


def _base_html(args: dict) -> str:
    """The component's page without the state appended to it (see live.page_with_update).

    Fails if the page does not end by applying the update sent with it.
    """
    tail = f"<script>window.geomapApply({args['update']});</script></html>"
    assert args["html"].endswith(tail), "the page does not end by applying its own update"
    return args["html"][: -len(tail)]


def test_map_component_keeps_its_base_while_the_filters_change():
    at = _run(table=False)
    first = _map_args(at)
    assert {"html", "update", "base"} <= set(first)
    assert first["title"] == "Coverage map of Nigeria"
    update = json.loads(first["update"])
    assert set(update) == {"shade", "legend", "markers"}
    assert len(update["shade"]["f"]) == 37
    assert update["legend"]["caption"] == "Services: all. Populations: all."
    assert "geomap-units" in first["html"] and "geomap-markers" in first["html"]

    at.multiselect(key="cov_services").set_value(["shelter"]).run()
    assert not at.exception
    second = _map_args(at)
    assert second["base"] == first["base"]  # the same map: updated in place in the browser
    # the page itself is sent again only when the browser may lack it (else ""): the same one
    assert second["html"] == "" or _base_html(second) == _base_html(first)
    assert second["update"] != first["update"]
    shelters = json.loads(second["update"])
    assert shelters["legend"]["caption"] == "Services: Shelter. Populations: all."
    # unfiltered, every marker of the base is shown (null); filtered, some of them, by position
    assert update["markers"] is None
    markers = shelters["markers"]
    assert isinstance(markers, list) and markers and markers == sorted(set(markers))

    at.radio(key="cov_measure").set_value("per_100k").run()
    assert not at.exception
    third = _map_args(at)
    assert third["base"] == first["base"]
    assert third["html"] == "" or _base_html(third) == _base_html(first)
    assert third["update"] != second["update"]
    per_capita = json.loads(third["update"])
    assert per_capita["legend"]["title"] == "Providers per 100,000 people (population: 2006 census)"
    assert per_capita["markers"] == markers  # the measure does not choose the markers


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["name", "service_types", "admin1_name", "latitude", "longitude", "confidential", "notes"])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _upload_state(data: bytes, name: str, edits: tuple = ()) -> dict:
    # as tests/leaks/test_pages.py builds it (what _state.set_upload / add_edits keep)
    return {"name": name, "data": data, "digest": hashlib.sha256(data).hexdigest(), "sheet": None, "mapping": (), "edits": edits}


def test_an_edit_on_the_data_page_reaches_the_coverage_table_and_map():
    """The cached coverage table and base map are keyed by the edits too (never stale)."""
    data = _csv(
        [
            ["Fictional Lagos Test Office", "legal_aid", "Lagos", "6.5200", "3.3800", "no", "fictional record"],
            # no unit and a blank GPS fix: flagged until its coordinates are corrected
            ["Fictional Kano Test Shelter", "shelter", "", "0.0000", "0.0000", "no", "fictional record"],
        ]
    )
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.session_state["cov_table_open"] = True
    at.session_state["geomap_upload"] = _upload_state(data, "edit_test.csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Providers placed"] == "1"
    before = _map_args(at)
    assert "Fictional Kano Test Shelter" not in before["html"]

    # the Data page's "Re-check corrected rows" records the fix (source row 3: the second record)
    fixed = _upload_state(data, "edit_test.csv", edits=((3, (("latitude", "12.0000"), ("longitude", "8.5200"))),))
    at.session_state["geomap_upload"] = fixed
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Providers placed"] == "2"
    table = at.dataframe[0].value
    assert table.loc[table["Code"] == "NG-KN", "Providers"].tolist() == ["1"]  # no confidential record: no band
    after = _map_args(at)
    assert after["base"] != before["base"]  # a new directory: a new map
    assert "Fictional Kano Test Shelter" in after["html"]
    kano = [row for row in json.loads(after["update"])["shade"]["f"] if row[0] == "NG-KN"]
    assert len(kano) == 1 and kano[0][3][1] == "1"  # its tooltip counts the fixed record


def _app_in_language() -> None:
    from geomap.pages import _state, coverage

    _state.activate_language()
    coverage.render()


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_bundled_boundary_notes_in_the_sessions_language(lang):
    """The bundled layer's notes on Mexico's units (under Sources) are said in the session's language."""
    from geomap import boundaries, i18n

    at = AppTest.from_function(_app_in_language, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["geomap_country"] = "MEX"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    for note in boundaries.load_boundaries("MEX").attrs["notes"]:
        assert i18n.render(note, lang) in captions
        assert str(note) not in captions
    assert not english_in(" ".join(captions), lang)


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_brought_boundary_notes_in_the_sessions_language(lang):
    """A brought layer's notes (cached with it, in English) are said under Sources in the session's language."""
    import geopandas as gpd
    import shapely

    from geomap import i18n, pipeline
    from geomap.pages import _state

    gdf = gpd.GeoDataFrame({"ADM1_EN": ["Norte", "Sur", "Nada"], "ADM1_PCODE": ["MX01", "", "MX03"]},
                           geometry=[shapely.box(-118, 23, -86, 33), shapely.box(-118, 14, -86, 23), None], crs=4326)
    data = gdf.to_json().encode()
    at = AppTest.from_function(_app_in_language, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["geomap_country"] = "MEX"
    at.session_state[_state.K_BOUNDARY] = {"name": "two.geojson", "data": data, "digest": hashlib.sha256(data).hexdigest(), "country": "MEX"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    notes = pipeline.load_units("MEX", boundaries=data, filename="two.geojson").attrs["notes"]
    assert len(notes) == 2
    for note in notes:
        assert i18n.render(note, lang) in captions and str(note) not in captions
    assert not english_in(" ".join(captions), lang)


def test_a_changed_disclosure_k_takes_effect_without_a_restart(monkeypatch):
    # The published view and the map's base are shared caches: a k set in the environment (or
    # the config file) while the server runs must re-band the next view, not serve the old one.
    def banded(at: AppTest) -> int:
        return int((at.dataframe[0].value["Banded (confidential sites fewer than k)"] == "yes").sum())

    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "3")
    assert banded(_run()) == 35
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "50")  # every state holds fewer than 50 confidential sites
    assert banded(_run()) == 37
