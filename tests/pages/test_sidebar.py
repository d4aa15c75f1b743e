"""The shared sidebar (drawn after the page, see app.py) and the app-wide run settings."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_new_country_reaches_the_page_drawn_before_the_sidebar():
    at = _app()
    assert at.title[0].value == "Coverage — Nigeria"
    at.sidebar.selectbox(key="sidebar_country_en").set_value("MEX").run()
    assert not at.exception
    # the page runs before the picker: the callback must have switched the country already
    assert at.title[0].value == "Coverage — Mexico"
    assert at.metric[1].value.endswith("of 32")


def test_sign_in_form_is_drawn_only_while_its_box_is_open():
    at = _app()
    assert [t.label for t in at.sidebar.text_input] == []
    at.session_state["sign_in_open"] = True
    at.run()
    assert [t.label for t in at.sidebar.text_input] == ["User name", "Password"]


def test_sidebar_is_drawn_even_when_the_page_fails(monkeypatch):
    from geomap.pages import coverage

    def broken() -> None:
        msg = "page failed on purpose"
        raise RuntimeError(msg)

    monkeypatch.setattr(coverage, "render", broken)
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert any("page failed on purpose" in str(e.value) for e in at.exception)
    assert at.sidebar.selectbox(key="sidebar_country_en").value == "NGA"


def test_the_default_pages_switch_to_coverage_draws_the_sidebar_once(monkeypatch):
    """ "/" switches to /coverage: only the Coverage run draws the sidebar, so the first map is
    not queued behind a sidebar the next run draws again."""
    from geomap.pages import _sidebar

    pages: list[str] = []
    draw = _sidebar.render

    def counted() -> None:
        pages.append("drawn")
        draw()

    monkeypatch.setattr(_sidebar, "render", counted)
    at = _app()
    assert at.title[0].value == "Coverage — Nigeria"
    assert len(pages) == 1, f"the sidebar was drawn {len(pages)} times for one visit to /"
    assert at.sidebar.selectbox(key="sidebar_country_en").value == "NGA"


def test_long_lived_objects_are_frozen_after_the_first_run():
    _app()
    assert gc.get_freeze_count() > 0


def test_streamlit_settings_keep_the_server_quiet_and_offline():
    cfg = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # no source watching (it re-resolved every imported module after each run), no reruns on save
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["server"]["runOnSave"] is False
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["enableStaticServing"] is True



def test_signed_in_user_is_named_at_the_top_of_the_shared_sidebar(monkeypatch):
    from types import SimpleNamespace

    from geomap import auth

    monkeypatch.setattr(auth, "current_role", lambda state, *a, **k: "partner")
    monkeypatch.setattr(auth, "current_session", lambda state, *a, **k: SimpleNamespace(user="ana"))
    at = _app()
    assert [s.value for s in at.sidebar.success][:1] == [
        "Signed in as **ana** (partner): confidential records are shown."
    ]


def test_a_link_country_decides_the_view_and_the_url_keeps_it():
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.query_params["country"] = "MX"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Coverage — Mexico"
    assert at.sidebar.selectbox(key="sidebar_country_en").value == "MEX"
    assert at.query_params["country"] in ("MX", ["MX"])
    at.sidebar.selectbox(key="sidebar_country_en").set_value("KEN").run()
    assert at.title[0].value == "Coverage — Kenya"
    assert at.query_params["country"] in ("KE", ["KE"])
