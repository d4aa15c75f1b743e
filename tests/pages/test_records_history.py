"""Records page: deleting and restoring a record, the directory over time, public freshness."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geomap import pipeline
from geomap import store as gs
from geomap.analysis import freshness
from geomap.settings import get_settings
from geomap.store import seed, users

NGA = seed.SAMPLE_NAMES["NGA"]
PW = "correct horse battery staple"


@pytest.fixture
def data_dir(tmp_path, monkeypatch, store_env) -> Path:
    store_env(monkeypatch, tmp_path / "data")  # a new store (a seeded PostGIS database on that backend)
    s = gs.open_store()
    users.add_user(s, "edna", PW, role=gs.EDITOR, rounds=4)
    s.close()
    return tmp_path / "data"


def _records_app() -> None:
    from geomap.pages import _sidebar, records

    records.render()
    _sidebar.render()


def _run(user: str | None = None) -> AppTest:
    at = AppTest.from_function(_records_app, default_timeout=240)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    if user is not None:
        at.session_state["sign_in_open"] = True
        at.run()
        at.sidebar.text_input[0].input(user)
        at.sidebar.text_input[1].input(PW)
        at.sidebar.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_editor_deletes_and_restores_a_record(data_dir):
    at = _run("edna")
    at.selectbox(key="records_record").set_value("NG-SAMPLE-0007").run()
    at.button(key="records_delete").click().run()
    assert not at.exception, [e.value for e in at.exception]
    s = gs.open_store()
    assert "NG-SAMPLE-0007" not in set(gs.read_directory(s, NGA)["id"])
    assert at.selectbox(key="records_deleted").value == "NG-SAMPLE-0007"
    at.button(key="records_restore").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "NG-SAMPLE-0007" in set(gs.read_directory(s, NGA)["id"])
    log = gs.history(s, NGA, "NG-SAMPLE-0007")
    assert log["last_action_type"].tolist()[-2:] == ["delete", "restore"] and set(log["updated_by"].iloc[-2:]) == {"edna"}
    s.close()


def test_directory_over_time_compared_per_unit(data_dir):
    s = gs.open_store()
    rec = gs.get_record(s, NGA, "NG-SAMPLE-0002")  # in Lagos
    gs.delete_record(s, NGA, "NG-SAMPLE-0002", expected_version=rec["version"], by="edna", role=gs.EDITOR)
    s.close()
    at = _run("edna")
    at.session_state["records_over_time_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the store was seeded today: 30 days ago it held nothing; today its placed records, less the deleted one
    s = gs.open_store()
    placed = int((gs.load_directory(s, NGA, units=pipeline.load_units("NGA"))["status"] == "placed").sum())
    s.close()
    assert any("0 providers on" in m.value and f"{placed} on" in m.value and f"{placed} added" in m.value
               for m in at.markdown), [m.value for m in at.markdown]
    at.date_input(key="records_since").set_value(date.today()).run()
    text = [m.value for m in at.markdown if "providers on" in m.value]
    assert text and "0 added, 0 removed" in text[0]  # both ends of day see the same state
    labels = {b.label for b in at.get("download_button")}
    assert "The change log (CSV)" in labels and any(label.startswith("The directory as of") for label in labels)


def test_public_freshness_table_is_the_published_one(data_dir):
    at = _run()
    s = gs.open_store()
    directory = gs.load_directory(s, NGA, units=pipeline.load_units("NGA"))
    s.close()
    published = freshness.published_freshness(pipeline.load_units("NGA"), directory, role="public",
                                              stale_after_days=get_settings().stale_after_days)
    [table] = [d.value for d in at.dataframe if "verified_recently" in d.value.columns]
    assert int(table["records"].sum()) == int(published["records"].sum()) < len(directory)
    assert "banded" in table.columns
    assert any("records shown exactly" in m.label for m in at.metric)


def _records_app_in_language() -> None:
    from geomap.pages import _sidebar, _state, records

    _state.activate_language()
    records.render()
    _sidebar.render()


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar"])
def test_history_says_the_stores_reasons_in_the_pages_language(data_dir, lang):
    """The store's own reasons (the seeding note, "verified") in the page's language; a typed one as typed."""
    from geomap import i18n

    s = gs.open_store()
    gs.verify_record(s, NGA, "NG-SAMPLE-0007", by="edna", role=gs.EDITOR)
    rec = gs.get_record(s, NGA, "NG-SAMPLE-0007")
    gs.update_record(s, NGA, "NG-SAMPLE-0007", {"capacity": "7"}, expected_version=rec["version"], by="edna",
                     role=gs.EDITOR, reason="beds counted on the visit")
    s.close()
    with i18n.use(lang):  # AppTest formats the selectboxes' options again in this process: in the page's language
        at = AppTest.from_function(_records_app_in_language, default_timeout=240)
        at.query_params["lang"] = lang
        at.session_state["geomap_country"] = "NGA"
        at.session_state["sign_in_open"] = True
        at.run()
        at.sidebar.text_input[0].input("edna")
        at.sidebar.text_input[1].input(PW)
        at.sidebar.button[0].click().run()
        at.selectbox(key="records_record").set_value("NG-SAMPLE-0007").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "reason" in d.value.columns)["reason"].tolist()
    expected = ["seeded from the bundled fictional sample", "verified", "beds counted on the visit"]
    from geomap.store import reasons

    assert list(dict.fromkeys(shown)) == [reasons.said(t, lang) for t in expected]
    if lang != "en":
        assert "verified" not in shown and "beds counted on the visit" in shown
