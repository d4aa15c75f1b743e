"""The Footprint page under Streamlit's AppTest: sample, filters, overlay and an uploaded file."""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

UPLOAD = (
    b"Project,Partner,Funder,Category,Country,States,Start date,Budget,Currency\n"
    b"Fictional training,Partner Z,Donor Z,Training and technical assistance,MEX,MX-JAL; MX-NLE,2024-01-01,50,USD\n"
    b"Fictional hotline,Partner Z,Donor Z,Emergency victim assistance,MEX,Atlantis,2024-01-01,5,USD\n"
)


def _app() -> None:
    from geomap.pages import footprint

    footprint.render()


def _run(country: str = "MEX", upload: bytes | None = None) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = country
    if upload is not None:
        at.session_state["geomap_fp_upload"] = {"name": "mine.csv", "data": upload, "digest": hashlib.sha256(upload).hexdigest()}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_sample_headline_and_units_not_reached():
    at = _run("MEX")
    assert "Reached 29 of 32 units" in _subheaders(at)
    assert any("Illustrative sample projects" in i.value for i in at.info)
    text = _markdown(at)
    assert "**Units not reached:**" in text
    missed = next(line for line in text.splitlines() if line.startswith("**Units not reached:**"))
    assert missed.count(",") == 2  # three units
    assert {m.label: m.value for m in at.metric}["Units reached"] == "29 of 32"


def test_filters_change_the_footprint():
    at = _run("MEX")
    at.multiselect(key="fp_act").set_value(["shelter_support"]).run()
    assert not at.exception
    heads = _subheaders(at)
    assert any(h.startswith("Reached 3 of 32") for h in heads), heads
    at.multiselect(key="fp_act").set_value([]).run()
    at.multiselect(key="fp_cat").set_value(["training_technical_assistance"]).run()
    assert "Reached 29 of 32 units" in _subheaders(at)


def test_overlay_shows_units_with_neither_funding_nor_providers():
    at = _run("MEX")
    at.checkbox(key="fp_overlay").check().run()
    assert not at.exception
    assert "**Neither a funded project nor a provider:**" in _markdown(at)
    table = at.dataframe[-1].value
    assert {"Providers", "Funding and providers", "Reached"} <= set(table.columns)
    assert "reached_unit" not in table.columns and "officials_trained" not in table.columns
    unfunded = table.loc[table["Reached"] == "no", "Funding and providers"]
    assert len(unfunded) == 3
    assert set(unfunded) <= {"No funded project and no provider", "Providers, but no funded project"}
    # public view: providers carry the published text; served = at least one provider shown exactly
    low = table["Providers"].map(lambda t: int(str(t).split("–")[0].replace(",", "")))
    served = low > 0
    assert (table.loc[served & (table["Reached"] == "yes"), "Funding and providers"] == "Funded project and providers").all()
    assert table["Providers"].astype(str).str.contains("–").any()  # some units banded


def test_footprint_follows_the_app_country():
    at = _run("NGA")
    assert "Reached 37 of 37 units" in _subheaders(at)  # the sample's national research study
    assert not at.selectbox  # no second country picker: the sidebar's selection is the one


def test_country_without_projects_says_so_once():
    at = _run("KEN")
    text = " ".join(i.value for i in at.info)
    assert "no project in Kenya" in text and "Mexico" in text
    assert not any(h.startswith("Reached") for h in _subheaders(at))
    assert not at.metric


def test_uploaded_file_is_used_and_problems_listed():
    at = _run("MEX", upload=UPLOAD)
    assert "Reached 2 of 32 units" in _subheaders(at)
    assert any("mine.csv: 2 rows — 1 placed" in c.value for c in at.caption)
    issues = at.dataframe[0].value
    assert issues["Value"].tolist() == ["Atlantis"]
    assert not any("Illustrative sample projects" in i.value for i in at.info)


def test_measures_and_timeline_render():
    at = _run("MEX")
    for measure in ("budget", "reached", "officials_trained"):
        at.radio(key="fp_measure").set_value(measure).run()
        assert not at.exception
    at.radio(key="fp_timeline").set_value("budget").run()
    assert not at.exception
    at.radio(key="fp_allocate").set_value("full").run()
    assert not at.exception
    assert "Reached 29 of 32 units" in _subheaders(at)


def test_unrecognised_columns_can_be_named():
    odd = b"Initiative,Where it ran,Money\nFictional clinic support,Jalisco; Oaxaca,10\n"
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "MEX"
    at.session_state["geomap_fp_upload"] = {"name": "odd.csv", "data": odd, "digest": hashlib.sha256(odd).hexdigest()}
    at.run()
    assert any("no column names the admin-1 unit" in e.value for e in at.error)
    at.selectbox(key="fp_map_project").set_value("Initiative")
    at.selectbox(key="fp_map_names").set_value("Where it ran").run()
    at.button(key="fp_map_apply").click().run()
    assert not at.exception
    assert "Reached 2 of 32 units" in _subheaders(at)


def _app_in_language() -> None:
    from geomap.pages import _state, footprint

    _state.activate_language()
    footprint.render()


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_problems_of_the_project_file_in_the_sessions_language(lang):
    """The resolver's reasons (cached with the projects, in English) are said in the session's language."""
    from i18n._english import PROJECT_PROBLEMS, english_in

    at = AppTest.from_function(_app_in_language, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["geomap_country"] = "MEX"
    at.session_state["geomap_fp_upload"] = {"name": "mine.csv", "data": PROJECT_PROBLEMS,
                                            "digest": hashlib.sha256(PROJECT_PROBLEMS).hexdigest()}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    issues = at.dataframe[0].value
    reasons, statuses = issues.iloc[:, 4].tolist(), issues.iloc[:, 5].tolist()
    assert len(reasons) == 9 and all(reasons) and "'Narnia'" in " ".join(reasons)
    assert not english_in(" ".join(reasons), lang), english_in(" ".join(reasons), lang)
    assert "flagged" not in statuses and "placed" not in statuses


def test_problems_of_the_project_file_in_english_are_the_resolvers():
    at = _run("MEX", upload=UPLOAD)
    issues = at.dataframe[0].value
    assert issues["Reason"].str.startswith('admin1_name: "Atlantis" is not a state of the boundary layer').all()
    assert issues["Status"].tolist() == ["flagged"]


def test_a_file_named_xlsx_that_is_not_a_workbook_is_an_error_on_the_page():
    """Not a traceback: the page says the file is not a readable workbook (the sheet list is skipped)."""
    junk = b"Project,States\nFictional,Jalisco\n"  # a CSV saved under a workbook's name
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "MEX"
    at.session_state["geomap_fp_upload"] = {"name": "plan.xlsx", "data": junk, "digest": hashlib.sha256(junk).hexdigest()}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("plan.xlsx: not a readable .xlsx workbook" in e.value for e in at.error), [e.value for e in at.error]
