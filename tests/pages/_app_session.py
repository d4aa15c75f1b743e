"""One app session in a process of its own, driven over stdin/stdout (JSON lines).

``python tests/pages/_app_session.py`` runs the Records page (and sidebar) in a Streamlit
``AppTest`` session on the store the environment points at, and answers each command line:

- ``{"sign_in": user, "password": pw}``  -> ``{"role": ...}``
- ``{"open": record_id}``                -> what the page shows of it (see :func:`shown`)
- ``{"edit": {field: value}}``           -> what the page shows after pressing Save
- ``{"verify": true}``                   -> what the page shows after "Mark verified today"

Each process has its own Streamlit caches and store connections, as a separate app server has.
"""

from __future__ import annotations

import json
import re
import sys

from streamlit.testing.v1 import AppTest


def _records_app() -> None:
    from geomap.pages import _sidebar, records

    records.render()
    _sidebar.render()


def shown(at: AppTest) -> dict:
    """The record's version and fields, the stale-record count, the main area's messages."""
    out: dict = {"errors": [e.value for e in at.main.error], "successes": [s.value for s in at.main.success],
                 "exceptions": [str(e.value) for e in at.exception]}
    for caption in at.caption:
        if m := re.match(r"Version (\d+);", caption.value):
            out["version"] = int(m.group(1))
        if m := re.match(r"(\d+) records not verified", caption.value):
            out["stale"] = int(m.group(1))
    for frame in at.dataframe:
        table = frame.value
        if list(table.columns[:2]) == ["field", "value"]:
            out["fields"] = dict(zip(table["field"], table["value"], strict=True))
    return out


def main() -> None:
    at = AppTest.from_function(_records_app, default_timeout=240)
    at.session_state["geomap_country"] = "NGA"
    at.run()
    for line in sys.stdin:
        cmd = json.loads(line)
        if "sign_in" in cmd:
            at.session_state["sign_in_open"] = True
            at.run()
            at.sidebar.text_input[0].input(cmd["sign_in"])
            at.sidebar.text_input[1].input(cmd["password"])
            at.sidebar.button[0].click().run()
            from geomap import auth

            answer = {"role": auth.current_role(at.session_state), **shown(at)}
        elif "open" in cmd:
            at.selectbox(key="records_record").set_value(cmd["open"]).run()
            answer = shown(at)
        elif "edit" in cmd:
            [(field, value)] = cmd["edit"].items()
            at.selectbox(key="records_field").set_value(field)
            at.text_input(key="records_value").input(value)
            [button] = [b for b in at.button if b.label in ("Save", "Propose the change")]
            button.click().run()
            answer = shown(at)
        elif "verify" in cmd:
            at.button(key="records_verify").click().run()
            answer = shown(at)
        else:
            answer = {"exceptions": [f"unknown command {cmd!r}"]}
        print(json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    main()
