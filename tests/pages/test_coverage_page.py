"""The Coverage page (and the app's navigation) under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geomap.directory import schema


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
    assert at.sidebar.selectbox(key="sidebar_country").value == "NGA"


def test_default_view_counts_and_table():
    at = _run()
    metrics = _metrics(at)
    assert metrics["Providers placed"] == "148"
    assert metrics["Units with at least one"].endswith("of 37")
    assert metrics["Population denominator"] == "2006 census"
    assert any(schema.FICTIONAL_NOTICE in i.value for i in at.info)
    table = at.dataframe[0].value
    assert len(table) == 37
    assert table["Providers"].sum() == 148
    assert at.get("download_button")


def test_service_filter_and_measure_follow():
    at = _run()
    at.multiselect(key="cov_services").set_value(["shelter"]).run()
    assert not at.exception
    shelters = int(_metrics(at)["Providers placed"])
    assert 0 < shelters < 148
    assert at.dataframe[0].value["Providers"].sum() == shelters
    at.radio(key="cov_measure").set_value("per_100k").run()
    assert not at.exception
    assert "Per 100k" in at.dataframe[0].value.columns


def test_other_country_without_sample():
    at = _run("KEN")
    assert at.title[0].value == "Coverage — Kenya"
    assert any("Upload one on the **Data** page" in i.value for i in at.info)
    assert at.dataframe[0].value["Providers"].sum() == 0
    n = len(at.dataframe[0].value)
    assert any(m.value == f"**No provider in any of the {n} units.**" for m in at.markdown)


def test_confidential_count_caption_in_public_view():
    at = _run()
    captions = " ".join(c.value for c in at.caption)
    assert "confidential provider(s) are counted" in captions
    assert "Natural Earth" in captions


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
    missing = table.loc[table["Providers"] == 0, "Unit"].tolist()
    assert missing, "the fictional sample should leave some states without a shelter"
    line = next(m.value for m in at.markdown if m.value.startswith("**No provider"))
    assert f"in {len(missing)} unit(s):**" in line
    assert "(Shelter)" in line
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
    assert [e.label for e in at.expander] == ["All 37 units (sortable table)"]
    at.session_state["cov_table_open"] = True
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 37
