"""The server's start-up warm-up (geomap/pages/_startup.py): what a first visitor finds ready."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geomap.analysis import coverage as coverage_analysis
from geomap.pages import _startup, coverage

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_warm_up_reports_its_steps():
    took = _startup.warm_up()
    assert {"imports", "store", "NGA", "labels", "streamlit"} <= set(took)
    assert all(seconds >= 0 for seconds in took.values())


def test_first_visitor_finds_the_unfiltered_view_ready(monkeypatch):
    # Nothing of this view is kept from earlier tests: the warm-up alone must build it.
    coverage._published_view.clear()
    _startup.warm_up()

    def counted_again(*args, **kwargs):
        msg = "the first page counted coverage again: the warm-up did not build its view"
        raise AssertionError(msg)

    monkeypatch.setattr(coverage_analysis, "published_coverage", counted_again)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Coverage — Nigeria"
    assert {m.label for m in at.metric} >= {"Units with at least one", "Population denominator"}
