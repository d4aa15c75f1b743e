"""The Data page under AppTest: upload, mapping, validation report, corrections, downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geomap.pages import _state
from i18n._english import PROBLEMS, english_in

UPLOAD = (
    "Nombre,Servicio,Estado,Latitud,Longitud,Confidencial\n"
    "Clínica Uno (fictional),atención médica,Jalisco,20.67,-103.35,no\n"
    "Albergue Dos (fictional),albergue,Distrito Federal,,,sí\n"
    "Oficina Tres (fictional),asesoría jurídica,Atlántida,,,no\n"
).encode("utf-8")


def _app() -> None:
    from geomap.pages import data

    data.render()


def _run_with_upload() -> AppTest:
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "MEX"
    at.run()
    # the upload is what the "Use this directory" button stores in this session
    import hashlib

    at.session_state[_state.K_UPLOAD] = {
        "name": "mine.csv",
        "data": UPLOAD,
        "digest": hashlib.sha256(UPLOAD).hexdigest(),
        "sheet": None,
        "mapping": (),
        "edits": (),
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_sample_report_adds_up():
    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    assert not at.exception
    m = _metrics(at)
    assert int(m["Placed"]) + int(m["Flagged"]) == int(m["Rows in the file"]) == 150


def test_upload_is_resolved_and_flagged_rows_listed():
    at = _run_with_upload()
    m = _metrics(at)
    assert (m["Rows in the file"], m["Placed"], m["Flagged"]) == ("3", "2", "1")
    editor = at.dataframe(key="review_editor")
    assert editor.value["source_row"].tolist() == [4]
    assert "Atlántida" in editor.value["reason"].iloc[0]


def test_correction_resolves_the_row():
    at = _run_with_upload()
    _state_upload = at.session_state[_state.K_UPLOAD]
    _state_upload["edits"] = ((4, (("admin1_name", "Jalisco"),)),)
    at.session_state[_state.K_UPLOAD] = _state_upload
    at.run()
    assert not at.exception
    m = _metrics(at)
    assert (m["Placed"], m["Flagged"]) == ("3", "0")
    assert any("Every row was placed" in s.value for s in at.success)  # and none carries a warning


def test_download_is_public_view():
    at = _run_with_upload()
    assert at.selectbox(key="export_format").value == "csv"
    captions = " ".join(c.value for c in at.caption)
    assert "Public view" in captions


WARNED = (
    "name,service_types,state,latitude,longitude\n"
    "Swapped Clinic (fictional),medical,Lagos,3.38,6.45\n"  # latitude and longitude swapped
    "Fuzzy House (fictional),Spa days,Anambara,,\n"  # fuzzy state, unknown category
    "Clean Office (fictional),legal aid,Kano,,\n"
    "Lost Row (fictional),PRO,Atlantis,,\n"
).encode("utf-8")


def _run_nigeria(data: bytes) -> AppTest:
    import hashlib

    at = AppTest.from_function(_app, default_timeout=180)
    at.session_state["geomap_country"] = "NGA"
    at.session_state[_state.K_UPLOAD] = {
        "name": "warned.csv", "data": data, "digest": hashlib.sha256(data).hexdigest(),
        "sheet": None, "mapping": (), "edits": (), "categories": (),
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_placed_rows_with_a_warning_are_listed_and_editable():
    at = _run_nigeria(WARNED)
    m = _metrics(at)
    assert (m["Rows in the file"], m["Placed"], m["Flagged"], m["Placed with a warning"]) == ("4", "3", "1", "2")
    editor = at.dataframe(key="review_editor")
    table = editor.value
    assert table["source_row"].tolist() == [2, 3, 5]  # the clean row 4 needs no look
    assert table["status"].tolist() == ["placed", "placed", "flagged"]
    assert "swapped" in table["reason"].iloc[0]
    assert "fuzzy" in table["reason"].iloc[1] and '"Spa days" not in geomap\'s categories' in table["reason"].iloc[1]


def test_a_placed_row_with_a_warning_is_re_resolved_in_place():
    at = _run_nigeria(WARNED)
    up = at.session_state[_state.K_UPLOAD]
    up["edits"] = ((3, (("admin1_name", "Anambra"), ("service_types", "shelter"))),)
    at.session_state[_state.K_UPLOAD] = up
    at.run()
    assert not at.exception
    assert _metrics(at)["Placed with a warning"] == "1"
    assert at.dataframe(key="review_editor").value["source_row"].tolist() == [2, 5]


def test_unknown_categories_are_counted_and_mapped_on_the_page():
    at = _run_nigeria(WARNED)
    captions = " ".join(c.value for c in at.caption)
    assert "Spa days: 1 row" in captions
    at.selectbox(key="cat_0").set_value("psychosocial")
    at.button(key="FormSubmitter:category_form-Apply the category mapping").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[_state.K_UPLOAD]["categories"] == (("Spa days", "psychosocial"),)
    assert "Spa days: 1 row" not in " ".join(c.value for c in at.caption)
    assert at.get("download_button")  # the mapping (columns and categories) can be saved and reused



def _app_in_language() -> None:
    from geomap.pages import _state, data

    _state.activate_language()
    data.render()


def _problem_page(lang: str) -> AppTest:
    import hashlib

    at = AppTest.from_function(_app_in_language, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["geomap_country"] = "MEX"
    at.session_state[_state.K_UPLOAD] = {
        "name": "problems.csv", "data": PROBLEMS, "digest": hashlib.sha256(PROBLEMS).hexdigest(),
        "sheet": None, "mapping": (), "edits": (),
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_reasons_and_warnings_in_the_sessions_language(lang):
    """A problem file's stored English notes are said in the session's language (review table, warnings)."""
    at = _problem_page(lang)
    reasons = at.dataframe(key="review_editor").value["reason"].tolist()
    assert len(reasons) == 11 and all(reasons)
    warnings = [w.value for w in at.warning]
    assert any("problems.csv" in w for w in warnings)
    shown = " ".join(reasons + warnings + [c.value for c in at.caption])
    assert not english_in(shown, lang), english_in(shown, lang)
    if lang == "ar":
        assert "؛ " in " ".join(reasons)


def test_english_session_shows_the_stored_reasons():
    at = _problem_page("en")
    reasons = at.dataframe(key="review_editor").value["reason"].tolist()
    assert "exact duplicate of row 3" in reasons
    assert any(w.value == "problems.csv: row 1 is a comment line and was skipped: # fictional sample: every row has something to say"
               for w in at.warning)


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar"])
def test_a_bad_boundary_upload_is_said_in_the_sessions_language(lang):
    """The error naming what is wrong with an uploaded boundary file is in the page's language."""
    points = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, ' \
             b'"geometry": {"type": "Point", "coordinates": [-103, 20]}}]}'
    at = AppTest.from_function(_app_in_language, default_timeout=180)
    at.query_params["lang"] = lang
    at.session_state["geomap_country"] = "MEX"
    at.run()
    at.file_uploader(key="boundary_upload").upload("points.geojson", points, "application/geo+json")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if "points.geojson" in e.value]
    assert len(errors) == 1, [e.value for e in at.error]
    if lang == "en":
        assert errors[0] == "points.geojson: boundaries must be polygons, found Point"
    else:
        assert not english_in(errors[0], lang) and "Point" in errors[0], errors[0]
