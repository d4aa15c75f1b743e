"""geomap.pages._widgets.directory_key: names everything the directory in use is built from."""

from __future__ import annotations

import hashlib

from streamlit.testing.v1 import AppTest


def _key_probe() -> None:
    """AppTest script: the key of this session's directory, appended to a list per run."""
    from types import SimpleNamespace

    import streamlit as st

    from geomap.pages import _widgets

    ctx = SimpleNamespace(country=st.session_state.get("geomap_country", "NGA"))
    st.session_state["keys"] = [*st.session_state.get("keys", []), _widgets.directory_key(ctx)]


def _upload(data: bytes = b"name\nFictional office\n", **changes) -> dict:
    """An upload as ``_state.set_upload`` keeps it (as tests/leaks/test_pages.py builds it)."""
    return {
        "name": "directory.csv",
        "data": data,
        "digest": hashlib.sha256(data).hexdigest(),
        "sheet": None,
        "mapping": (),
        "edits": (),
        **changes,
    }


def _boundaries(data: bytes = b"{}", country: str = "NGA") -> dict:
    return {"name": "units.geojson", "data": data, "digest": hashlib.sha256(data).hexdigest(), "country": country}


def _keys(states: list[dict]) -> list[str]:
    """The key after each of ``states`` (session-state entries set before a run; ``None`` removes)."""
    at = AppTest.from_function(_key_probe, default_timeout=60)
    for state in states:
        for name, value in state.items():
            if value is None:
                if name in at.session_state:
                    del at.session_state[name]
            else:
                at.session_state[name] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    return at.session_state["keys"]


def test_directory_key_changes_with_the_upload_edits():
    edit = ((3, (("latitude", "12.0000"), ("longitude", "8.5200"))),)
    other_edit = ((3, (("latitude", "12.0000"), ("longitude", "8.5300"))),)
    keys = _keys(
        [
            {"geomap_upload": _upload()},
            {"geomap_upload": _upload(edits=edit)},
            {"geomap_upload": _upload(edits=other_edit)},
            {"geomap_upload": _upload(edits=edit)},
            {"geomap_upload": _upload()},
        ]
    )
    assert keys[0] != keys[1] != keys[2]
    assert keys[1] == keys[3] and keys[0] == keys[4]  # a function of the state, not of time
    assert len(set(keys)) == 3


def test_directory_key_names_country_upload_sheet_mapping_and_boundaries():
    keys = _keys(
        [
            {},  # the sample
            {"geomap_country": "MEX"},
            {"geomap_country": "NGA", "geomap_upload": _upload()},
            {"geomap_upload": _upload(b"name\nAnother fictional office\n")},  # other bytes, same name
            {"geomap_upload": _upload(sheet="Sheet2")},
            {"geomap_upload": _upload(mapping=(("Nombre", "name"),))},
            {"geomap_upload": _upload(), "geomap_boundary_upload": _boundaries()},
            {"geomap_boundary_upload": _boundaries(b'{"type": "FeatureCollection"}')},
            {"geomap_upload": None, "geomap_boundary_upload": None},
        ]
    )
    assert len(set(keys[:8])) == 8, keys
    assert keys[8] == keys[0]  # back to the sample, bundled boundaries
    assert keys[0].startswith("NGA:") and keys[1].startswith("MEX:")
    # the key holds digests only: no file name, bytes or edit values
    assert not any("directory.csv" in k or "Fictional" in k for k in keys)
