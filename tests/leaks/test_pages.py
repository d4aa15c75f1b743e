"""Rendered pages (Streamlit AppTest) hold no confidential detail in the public view.

Every element of the page is serialised — markdown, tables (their data), metrics, and the map
component's arguments (the whole Leaflet script) — and searched with ``assert_no_leak``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from leaks import _generated
from leaks._leakcheck import assert_no_leak, find_leaks
from leaks.conftest import load_case

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"

pytestmark = [pytest.mark.skipif(not APP.exists(), reason="app.py not present yet"),
              pytest.mark.store]  # the pages list and open the store's directories


def page_text(at) -> str:
    """Everything AppTest rendered, as searchable text (component args JSON-decoded)."""
    from google.protobuf.json_format import MessageToDict

    parts: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            d = MessageToDict(proto)
            # a component element's proto is the ComponentInstance itself (older trees wrap it)
            ci = d.get("componentInstance") or (d if "componentName" in d else {})
            if "jsonArgs" in ci:
                try:
                    parts.append(json.dumps(json.loads(ci.pop("jsonArgs")), ensure_ascii=False))
                except ValueError:
                    pass
            parts.append(json.dumps(d, ensure_ascii=False))
        value = getattr(node, "value", None) if type(node).__name__ in ("Dataframe", "Table") else None
        if isinstance(value, pd.DataFrame):
            parts.append(value.to_csv())
        for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _upload_state(data: bytes, name: str) -> dict:
    return {"name": name, "data": data, "digest": hashlib.sha256(data).hexdigest(), "sheet": None, "mapping": (), "edits": ()}


@pytest.fixture(scope="module")
def generated_csv() -> bytes:
    _label, units, _directory, _secrets = load_case("generated")
    raw = _generated.raw_directory(units)
    return raw.drop(columns=["source_file", "source_row"]).to_csv(index=False).encode("utf-8")


def _run(upload: dict | None = None, session=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    at.session_state["cov_table_open"] = True  # search the Coverage page's units table too
    if upload is not None:
        at.session_state["geomap_upload"] = upload
    if session is not None:
        at.session_state["geomap_auth"] = session
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_coverage_page_public_sample():
    _label, _units, directory, secrets = load_case("NGA")
    at = _run()
    text = page_text(at)
    assert "map_div" in text or "L.map" in text, "the map component's script was not captured"
    assert_no_leak(text, directory, where="Coverage page (NGA sample, public)", secrets=secrets)


def test_coverage_page_public_generated_upload(generated_csv):
    _label, _units, directory, secrets = load_case("generated")
    at = _run(_upload_state(generated_csv, "generated_fictional.csv"))
    text = page_text(at)
    assert "generated_fictional.csv" in text  # the upload is the directory in use
    assert "Fictional legal aid office 0001" in text  # its public records are drawn
    assert_no_leak(text, directory, where="Coverage page (1,000 confidential, public)", secrets=secrets)


def _page_script(module: str) -> None:
    """AppTest script: the shared sidebar, then one page module's render()."""
    import importlib

    from geomap.pages import _sidebar

    _sidebar.render()
    importlib.import_module(module).render()


PAGE_MODULES = ["geomap.pages.coverage", "geomap.pages.gaps", "geomap.pages.referral", "geomap.pages.footprint", "geomap.pages.data"]


@pytest.mark.parametrize("module", PAGE_MODULES)
def test_every_page_public_generated_upload(module, generated_csv):
    import importlib.util

    from streamlit.testing.v1 import AppTest

    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not present yet")
    _label, _units, directory, secrets = load_case("generated")
    at = AppTest.from_function(_page_script, args=(module,), default_timeout=300)
    at.session_state["cov_table_open"] = True  # the Coverage page's units table, drawn only while open
    at.session_state["geomap_upload"] = _upload_state(generated_csv, "generated_fictional.csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = page_text(at)
    assert "generated_fictional.csv" in text
    assert_no_leak(text, directory, where=f"{module} (1,000 confidential, public)", secrets=secrets)


def test_coverage_page_partner_shows_them():
    """Positive control: signed in as a partner, the same page does show confidential sites."""
    from geomap import auth

    _label, _units, directory, secrets = load_case("NGA")
    now = datetime.now(UTC)
    at = _run(session=auth.Session("fictional-partner", "partner", now + timedelta(hours=1), now))
    assert find_leaks(page_text(at), directory, secrets=secrets)
