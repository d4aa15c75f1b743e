"""Issue #19 in a real browser: a country switch swaps the map in place, and 10,000 providers render.

Run with ``python -m pytest -m browser -k speed``. No timing is asserted (the benchmarks measure
it: ``benchmarks/run.py --only browser``); these check the behaviour the figures rely on.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from browser._ui import LOAD_TIMEOUT_MS, coverage_map, live_map_frame, map_frames, pick_country
from browser.conftest import serve_app

from geomap.directory import schema

pytestmark = pytest.mark.browser

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
N_BIG = 10_000

#: The map page's own state: a mark left by the test (gone if the page was reloaded), the
#: maps and legends in it, the units drawn and the markers registered, with their extent.
_STATE_JS = """() => {
  const layer = (window.geomapLayers || {})["geomap-markers"];
  const lngs = layer ? layer.getLayers().map((m) => m.getLatLng().lng) : [];
  return {
    mark: window.__testMark || null,
    maps: document.querySelectorAll(".folium-map").length,
    legends: document.querySelectorAll(".geomap-legend").length,
    units: document.querySelectorAll("path.geomap-unit").length,
    markers: layer ? layer.getLayers().length : -1,
    west: lngs.length ? Math.min(...lngs) : null,
    east: lngs.length ? Math.max(...lngs) : null,
  };
}"""


def _wait_state(frame: Any, *, units: int) -> dict:
    frame.wait_for_function(f"() => document.querySelectorAll('path.geomap-unit').length === {units}"
                            " && document.querySelectorAll('.geomap-legend').length === 1", timeout=LOAD_TIMEOUT_MS)
    return frame.evaluate(_STATE_JS)


def test_a_country_switch_swaps_the_map_in_place(app_url, browser_context):
    from playwright.sync_api import expect

    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
    expect(coverage_map(page).locator("path.geomap-unit")).to_have_count(37, timeout=LOAD_TIMEOUT_MS)
    (frame,) = map_frames(page)
    frame.evaluate("() => { window.__testMark = 'drawn once'; }")
    before = _wait_state(frame, units=37)
    assert before["markers"] > 0 and before["west"] > 2  # Nigeria's providers (east of 2°E)
    leaflet_loads = sum(u.endswith("/leaflet/leaflet.js") for u in requests.urls)

    pick_country(page, "Mexico")
    mexico = _wait_state(frame, units=32)
    # The same document (the test's mark is still there): no new frame, no Leaflet reloaded.
    assert mexico["mark"] == "drawn once"
    assert map_frames(page) == [frame]
    assert sum(u.endswith("/leaflet/leaflet.js") for u in requests.urls) == leaflet_loads
    # One map, one legend, Mexico's providers only (all west of 80°W).
    assert (mexico["maps"], mexico["legends"]) == (1, 1)
    assert mexico["markers"] > 0 and mexico["east"] < -80
    counters = live_map_frame(page).evaluate("() => ({...document.body.dataset})")
    assert counters.get("drawn") == "1" and counters.get("swapped") == "1", counters

    pick_country(page, "Nigeria")
    back = _wait_state(frame, units=37)
    assert back["mark"] == "drawn once" and back["markers"] == before["markers"] and back["west"] > 2
    component = live_map_frame(page)
    assert component.evaluate("() => document.body.dataset.swapped") == "2"
    # Nigeria's map was kept when Mexico came in, and put back (no page parsed, nothing rebuilt).
    assert component.evaluate("() => document.body.dataset.restored") == "1"
    # A filter change still re-shades the swapped map in place (its geomapApply is the new base's).
    applied = int(component.evaluate("() => document.body.dataset.applied || '0'"))
    page.locator('[data-testid="stMultiSelect"] input').first.click()
    page.get_by_role("option", name=schema.label("shelter")).click()
    component.wait_for_function("(n) => Number(document.body.dataset.applied || 0) > n", arg=applied,
                                timeout=LOAD_TIMEOUT_MS)
    frame.wait_for_function(f"(n) => window.geomapLayers['geomap-markers'].getLayers().length < {back['markers']}",
                            arg=0, timeout=LOAD_TIMEOUT_MS)
    filtered = frame.evaluate(_STATE_JS)
    assert (filtered["mark"], filtered["units"], filtered["legends"]) == ("drawn once", 37, 1)
    assert 0 < filtered["markers"] < back["markers"]
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="module")
def big_app_url(chromium_path, tmp_path_factory):
    """The app on a store holding one directory of 10,000 fictional Nigerian providers (benchmarks' generator)."""
    sys.path.insert(0, str(BENCH))
    try:
        import bench_browser
    finally:
        sys.path.remove(str(BENCH))
    data_dir = tmp_path_factory.mktemp("big-data")
    info = bench_browser.big_directory_store(data_dir, N_BIG)
    with serve_app(tmp_path_factory.mktemp("big-home"), {"GEOMAP_DATA_DIR": str(data_dir)}) as url:
        yield url, info


def test_ten_thousand_providers_render_with_the_public_view_rules(big_app_url, browser_context):
    from playwright.sync_api import expect

    url, info = big_app_url
    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/", wait_until="domcontentloaded")
    inner = coverage_map(page)
    expect(inner.locator("path.geomap-unit")).to_have_count(37, timeout=LOAD_TIMEOUT_MS)
    inner.locator(".marker-cluster").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    (frame,) = map_frames(page)
    state = frame.evaluate(_STATE_JS)
    # Every public provider is a marker; confidential shelters are not drawn (public view).
    assert state["markers"] == info["rows"] - info["confidential"]
    # Clustered: the map shows a few hundred icons at most, and their counts add up to the
    # markers in view.
    icons = frame.evaluate("""() => {
      const els = Array.from(document.querySelectorAll('.marker-cluster'));
      return {n: els.length, sum: els.reduce((s, e) => s + Number(e.textContent || 0), 0),
              single: document.querySelectorAll('path.geomap-provider').length};
    }""")
    assert 0 < icons["n"] < 1_000
    assert icons["sum"] + icons["single"] <= state["markers"]
    assert icons["sum"] + icons["single"] > 0.5 * state["markers"]
    assert requests.outside() == []
    assert errors == [], f"JavaScript errors on the page: {errors}"
