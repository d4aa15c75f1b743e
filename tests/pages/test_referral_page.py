"""Streamlit AppTest of the Referral page on a small fictional directory inside NG-KN.

The page gets its context from a stand-in for ``_state.get_context`` (set inside the script), so
the test does not depend on the bundled sample directory.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from leaks._leakcheck import assert_no_leak
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geomap import boundaries
from geomap.gazetteer import find_town

@pytest.fixture(autouse=True)
def _no_disclosure_banding(monkeypatch):
    # These tests are about the referral's own redaction (bands, coarse grid, no details) on
    # fixtures with one confidential site per unit: k = 1 keeps those sites in the public
    # search. The disclosure rule (k = 3 leaves them out) is tested in tests/leaks/test_small_counts.py.
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "1")



def _script(csv_path: str, role: str) -> None:
    import dataclasses

    import streamlit as st

    from geomap import pipeline
    from geomap.directory import privacy
    from geomap.pages import _state
    from geomap.pages import referral as page

    @st.cache_resource
    def load(path: str):
        units = pipeline.load_units("NGA")
        return units, pipeline.load_directory(path, units=units, country="NGA")

    units, directory = load(csv_path)
    known = {
        "country": "NGA", "country_name": "Nigeria", "units": units, "directory": directory,
        "view": privacy.view_for_role(directory, role), "role": role, "directory_label": "Test directory (fictional)",
        "is_sample": True, "boundary_source": "test boundaries", "boundary_notes": (),
    }
    # Any context field added later gets an empty value of its annotated kind.
    fields = dataclasses.fields(_state.Context)
    ctx = _state.Context(**{f.name: known.get(f.name, () if "tuple" in str(f.type) else "") for f in fields})
    original = _state.get_context
    _state.get_context = lambda: ctx  # restored below: other tests use the real one
    try:
        page.render()
    finally:
        _state.get_context = original


@pytest.fixture(scope="module")
def kano() -> tuple[float, float]:
    units = boundaries.load_boundaries("NGA")
    pt = units.loc[units["code"] == "NG-KN"].geometry.iloc[0].representative_point()
    return round(pt.y, 4), round(pt.x, 4)


@pytest.fixture(scope="module")
def directory_csv(tmp_path_factory, kano) -> Path:
    lat, lon = kano
    rows = [
        ("F1", "Fictional legal office", "legal aid", "women; men", lat + 0.02, lon, "no", "+999 100 201", "1 Fictional St", ""),
        ("F2", "Fictional open shelter", "shelter", "women; children", lat + 0.05, lon, "no", "+999 100 202", "2 Fictional St", ""),
        ("F3", "Fictional hidden shelter", "shelter", "women; children", lat + 0.1234567, lon + 0.0765432, "yes",
         "+999 777 4242", "9 Hidden Fictional Road", "Fictional hotline 0800 111"),
    ]
    df = pd.DataFrame(rows, columns=["id", "name", "service_types", "populations_served", "latitude", "longitude",
                                     "confidential", "phone", "address", "front_door_contact"])
    df["admin1_code"] = "NG-KN"
    df["languages"] = "English; Hausa"
    df["last_verified"] = ["2026-01-01", "2020-01-01", "2026-01-01"]
    df["fictional"] = "yes"
    path = tmp_path_factory.mktemp("ref") / "fictional.csv"
    df.to_csv(path, index=False)
    return path


def _all_text(at: AppTest) -> str:
    """Every element proto of the rendered page as text (includes the map component's HTML)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _run(csv: Path, role: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_function(_script, args=(str(csv), role), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_public_page_lists_partners_and_hides_confidential(directory_csv):
    at = _run(directory_csv, "public", {"town": "Kano", "service": "shelter,legal_aid", "population": "women"})
    md = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Kano (town)" in md
    assert "Fictional open shelter" in md and "stale record" in md
    assert "Confidential shelter — contact via Fictional hotline 0800 111" in md.replace("\\", "")
    assert [s.value for s in at.subheader] == ["Nearest partners", "Confidential services"]
    raw = pd.read_csv(directory_csv, dtype=str)
    text = _all_text(at)
    assert_no_leak(text, raw, where="Referral page (public)")
    assert "9 Hidden" not in text and "777 4242" not in text
    kano = find_town("Kano", "NGA").iloc[0]
    conf = raw.loc[raw["id"] == "F3"].iloc[0]
    _, _, metres = Geod(ellps="WGS84").inv(kano["longitude"], kano["latitude"], float(conf["longitude"]), float(conf["latitude"]))
    assert f"{metres / 1000:.1f} km" not in text  # the exact distance to the confidential shelter
    # the share URL holds the search only
    url = "&".join(f"{k}={v}" for k, v in at.query_params.items())
    assert_no_leak(url, raw, where="share URL")
    assert "F3" not in url
    assert {k: (v if isinstance(v, str) else v[0]) for k, v in at.query_params.items()} == {
            "country": "NG", "town": "Kano", "service": "shelter,legal_aid", "population": "women", "n": "5"}


def test_partner_page_shows_confidential_details_and_shares_state_only(directory_csv):
    at = _run(directory_csv, "partner", {"org": "F3", "service": "shelter"})
    md = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "Fictional hidden shelter" in md and "+999 777 4242" in md
    params = {k: (v if isinstance(v, str) else v[0]) for k, v in at.query_params.items()}
    assert params.get("state") == "NG-KN" and "org" not in params


def test_public_page_refuses_confidential_org_start(directory_csv):
    at = _run(directory_csv, "public", {"org": "F3", "service": "shelter"})
    assert any("cannot be a starting point in this view" in w.value for w in at.warning)
    assert any("Set a starting point" in i.value for i in at.info)
    assert_no_leak(_all_text(at), pd.read_csv(directory_csv, dtype=str), where="Referral page (org error)")


def test_relaxed_search_warns_instead_of_empty(directory_csv):
    at = _run(directory_csv, "public", {"state": "NG-KN", "service": "legal_aid", "population": "lgbtqi"})
    assert any("No provider matches every need" in w.value for w in at.warning)
    assert "Fictional legal office" in "\n".join(m.value for m in at.markdown)


def test_no_start_prompts(directory_csv):
    at = _run(directory_csv, "public", {})
    assert any("Set a starting point" in i.value for i in at.info)
