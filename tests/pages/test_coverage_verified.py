"""The Coverage page's "% verified in the last 12 months" measure (public: banded by the disclosure rule)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geomap import pipeline
from geomap.analysis import coverage


def _app() -> None:
    from geomap.pages import coverage as page

    page.render()


def test_verified_share_measure_on_the_map_and_in_the_table():
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.session_state["cov_table_open"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="cov_measure").set_value("verified_share").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    shown = table.set_index("Code")["% verified (12 months)"]
    units = pipeline.load_units("NGA")
    directory = pipeline.load_directory(pipeline.sample_directory_path("NGA"), units=units, country="NGA")
    public = coverage.published_coverage(units, directory, role="public").set_index("code")
    assert shown.to_dict() == public["verified_share"].to_dict()  # the banded text, never the exact share
    banded = public.index[public["banded"] & (public["verified_share"] != "no data")]
    assert len(banded) and all("–" in shown[c] for c in banded)
