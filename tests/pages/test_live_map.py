"""The live map component's Python side: the base page travels once per base."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

LIVE_MAP = "geomap.pages._live_map.live_map"


def _script() -> None:
    import json

    import streamlit as st

    from geomap.pages import _live_map

    if st.session_state.get("forget"):
        _live_map.forget("m")
    base = st.session_state.get("base", "b1")
    _live_map.live_map(f"<html><body>{base}</body></html>", json.dumps({"n": st.session_state.get("n", 0)}), base_id=base, key="m")


def _args(at: AppTest) -> dict:
    from google.protobuf.json_format import MessageToDict

    found = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            d = MessageToDict(proto)
            ci = d.get("componentInstance") or (d if "jsonArgs" in d else {})
            if ci.get("componentName") == LIVE_MAP:
                found.append(json.loads(ci["jsonArgs"]))
        for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
            walk(child)

    walk(at._tree)
    assert len(found) == 1, found
    return found[0]


def test_base_page_is_sent_once_per_base_and_again_when_forgotten_or_asked():
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    first = _args(at)
    assert first["base"] == "b1"
    assert first["html"].startswith("<html><body>b1</body>")
    assert first["html"].endswith('<script>window.geomapApply({"n": 0});</script></html>')

    at.session_state["n"] = 1
    at.run()
    second = _args(at)
    assert second["html"] == ""  # the browser has this base: only the update travels
    assert json.loads(second["update"]) == {"n": 1}

    at.session_state["base"] = "b2"
    at.run()
    assert _args(at)["html"].startswith("<html><body>b2</body>")  # a new base is sent

    at.run()
    assert _args(at)["html"] == ""
    at.session_state["forget"] = True
    at.run()
    assert _args(at)["html"].startswith("<html><body>b2</body>")  # a full run of the page
    at.session_state["forget"] = False

    at.run()
    assert _args(at)["html"] == ""
    # a re-mounted component lacks its base and asks for it (its value): sent once per request
    at.session_state["m"] = {"need": "b2", "n": 7}
    at.run()
    assert _args(at)["html"].startswith("<html><body>b2</body>")
    at.run()
    assert _args(at)["html"] == ""
    # a request for another base than the current one is not answered with this one
    at.session_state["m"] = {"need": "old", "n": 8}
    at.run()
    assert _args(at)["html"] == ""


def test_a_base_sent_lately_is_not_sent_again_the_component_keeps_it():
    # A country switch and back: the component keeps the last bases it showed (KEEP in
    # frontend/index.html), so going back to one sends only the update; an older one, or any
    # after forget(), is sent whole.
    at = AppTest.from_function(_script, default_timeout=60)
    for base in ("b1", "b2", "b3"):
        at.session_state["base"] = base
        at.run()
        assert _args(at)["html"].startswith(f"<html><body>{base}</body>")
    for base in ("b1", "b2", "b3", "b2"):  # the last three sent are kept
        at.session_state["base"] = base
        at.run()
        assert _args(at)["html"] == "", base
    at.session_state["base"] = "b4"
    at.run()
    assert _args(at)["html"].startswith("<html><body>b4</body>")
    at.session_state["base"] = "b1"  # now the fourth most recent: no longer kept
    at.run()
    assert _args(at)["html"].startswith("<html><body>b1</body>")
    at.session_state["base"] = "b4"
    at.session_state["forget"] = True  # the page shown after another page: everything again
    at.run()
    assert _args(at)["html"].startswith("<html><body>b4</body>")
