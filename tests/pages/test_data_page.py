"""The Data page under AppTest: upload, mapping, validation report, corrections, downloads."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geomap.pages import _state

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
