"""The coverage map in a real browser: drawn, complete, and with no request leaving the machine.

Run with ``python -m pytest -m browser``; set ``GEOMAP_UPDATE_SCREENSHOT=1`` to rewrite
``docs/screenshot.png`` (the README's picture) from the app's default view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from browser._ui import LOAD_TIMEOUT_MS, coverage_map, live_map_frame, map_frames
from shapely.geometry import Point, box

from geomap.directory import schema
from geomap.layers import (
    add_basemap,
    choropleth_layer,
    legend_element,
    marker_layer,
    offline_map,
    standalone_html,
)

pytestmark = pytest.mark.browser

#: Nigeria (the default country) has 36 states and the Federal Capital Territory.
NIGERIA_ADMIN1 = 37

XSS_IMG = '<img src=x onerror="window.__geomap_xss=1">'
XSS_SCRIPT = "<script>window.__geomap_xss=2</script>"


def test_coverage_page_draws_every_state_with_no_outside_request(app_url, browser_context, screenshot_path):
    from playwright.sync_api import expect

    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/", wait_until="domcontentloaded")

    frame = coverage_map(page)  # the folium page inside the live-map component
    units = frame.locator("path.geomap-unit")
    units.first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    expect(units).to_have_count(NIGERIA_ADMIN1, timeout=30_000)
    expect(frame.locator(".geomap-legend")).to_be_visible()
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("Boundaries:")

    # A window tall enough to show the page's title, measures and the whole map in one picture.
    page.set_viewport_size({"width": 1280, "height": 1180})
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)  # let vector drawing and fonts settle for the picture
    screenshot_path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot_path))
    assert screenshot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert any(u.endswith("/app/static/vendor/leaflet/leaflet.js") for u in requests.urls), (
        "Leaflet was not loaded from the app's static/vendor folder"
    )
    assert requests.outside() == [], f"requests left the machine: {requests.outside()}"
    assert errors == [], f"JavaScript errors on the page: {errors}"


#: The map's state as its page holds it: each unit's id, fill and tooltip texts (as the
#: registered units layer has them) and how many markers the registered marker layer shows.
_MAP_STATE_JS = """() => {
  const layers = window.geomapLayers || {};
  const units = [];
  if (layers["geomap-units"]) {
    layers["geomap-units"].eachLayer((l) => {
      if (l.feature) units.push([String(l.feature.id), (l.feature.geomap && l.feature.geomap.t) || []]);
    });
  }
  const markers = layers["geomap-markers"] ? layers["geomap-markers"].getLayers().length : null;
  const fills = Array.from(document.querySelectorAll("path.geomap-unit"), (p) => p.getAttribute("fill"));
  return {units, markers, fills};
}"""

#: Marks the map document, its Leaflet map and unit shapes, and the legend as stale: an update
#: applied in place keeps the marks (the legend alone is drawn anew).
_PROBE_JS = """() => {
  window.__probe = 1;
  Object.values(window).filter((v) => v instanceof L.Map).forEach((m) => { m.__probe = 1; });
  document.querySelectorAll("path.geomap-unit").forEach((p) => { p.dataset.probe = "1"; });
  document.querySelectorAll(".geomap-legend").forEach((p) => { p.dataset.stale = "1"; });
  return document.querySelectorAll("path.geomap-unit[data-probe]").length;
}"""

_PROBED_JS = """() => ({
  window: window.__probe === 1,
  maps: Object.values(window).filter((v) => v instanceof L.Map).map((m) => m.__probe === 1),
  units: document.querySelectorAll("path.geomap-unit[data-probe]").length,
})"""


def _pick_service(page: Any, label: str) -> None:
    """Pick ``label`` in the "Service types" multiselect (retried while Streamlit redraws it)."""
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Service types")
    option = page.get_by_role("option", name=label, exact=True)
    chip = picker.get_by_role("button", name=f"Remove {label}", exact=True)  # the picked value's tag
    last: Exception | None = None
    for _ in range(20):
        try:
            picker.locator("input").first.click(timeout=5_000)
            option.wait_for(timeout=3_000)
            option.click(timeout=3_000)
            break
        except Exception as exc:  # noqa: BLE001 - Playwright's TimeoutError/Error: try again
            last = exc
            page.keyboard.press("Escape")
            if chip.count():  # the click went through before the error
                break
            page.wait_for_timeout(300)
    else:
        pytest.fail(f"could not pick {label!r} in the Service types filter: {last}")
    page.keyboard.press("Escape")
    chip.first.wait_for(timeout=LOAD_TIMEOUT_MS)


def _expected_nigeria(services: list[str] | None) -> tuple[dict[str, str], int]:
    """Per unit, the provider count its tooltip should show; and how many markers are shown."""
    from geomap import pipeline
    from geomap.analysis import coverage
    from geomap.directory import privacy

    units = pipeline.load_units("NGA")
    directory = pipeline.load_directory(pipeline.sample_directory_path("NGA"), units=units, country="NGA")
    # the public page shows the published text: exact, or a range where a unit holds fewer than
    # k confidential sites (geomap.directory.disclosure)
    table = coverage.published_coverage(units, directory, role=privacy.PUBLIC, services=services)
    counts = {str(code): str(n) for code, n in zip(table["code"], table["providers"], strict=True)}
    shown = coverage.filter_directory(privacy.view_for_role(directory, privacy.PUBLIC), services=services)
    located = int((shown.geometry.notna() & ~shown.geometry.is_empty).sum())
    return counts, located


def test_a_service_filter_reshades_the_same_map_in_place(app_url, browser_context):
    from playwright.sync_api import expect

    service = "shelter"
    label = schema.label(service)
    all_counts, all_markers = _expected_nigeria(None)
    picked_counts, picked_markers = _expected_nigeria([service])
    assert picked_counts != all_counts and 0 < picked_markers < all_markers, "the filter would change nothing"

    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
    frame = coverage_map(page)
    units = frame.locator("path.geomap-unit")
    units.first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    expect(units).to_have_count(NIGERIA_ADMIN1, timeout=30_000)
    expect(frame.locator(".geomap-legend")).to_contain_text("Services: all. Populations: all.")

    (inner,) = map_frames(page)
    component = live_map_frame(page)
    before = inner.evaluate(_MAP_STATE_JS)
    assert {uid: t[1] for uid, t in before["units"]} == all_counts  # the first state, as drawn
    assert before["markers"] == all_markers
    applied_before = int(component.evaluate("() => document.body.dataset.applied || '0'"))
    leaflet_loads = sum(u.endswith("/leaflet/leaflet.js") for u in requests.urls)
    assert inner.evaluate(_PROBE_JS) == NIGERIA_ADMIN1

    _pick_service(page, label)
    component.wait_for_function(
        "(n) => Number(document.body.dataset.applied || 0) > n", arg=applied_before, timeout=LOAD_TIMEOUT_MS
    )
    legend = frame.locator(".geomap-legend:not([data-stale])")
    expect(legend).to_contain_text(f"Services: {label}. Populations: all.", timeout=LOAD_TIMEOUT_MS)
    expect(frame.locator(".geomap-legend")).to_have_count(1)  # the old legend was removed

    # the same document, Leaflet map and shapes: updated, not redrawn
    assert not inner.is_detached(), "the map's frame was replaced: the map was redrawn, not updated"
    assert inner.evaluate(_PROBED_JS) == {"window": True, "maps": [True], "units": NIGERIA_ADMIN1}
    assert map_frames(page) == [inner]
    after = inner.evaluate(_MAP_STATE_JS)
    assert len(after["fills"]) == NIGERIA_ADMIN1
    assert after["fills"] != before["fills"], "no unit was re-shaded"
    assert {uid: t[1] for uid, t in after["units"]} == picked_counts  # the new tooltips
    assert after["markers"] == picked_markers
    assert sum(u.endswith("/leaflet/leaflet.js") for u in requests.urls) == leaflet_loads  # Leaflet not reloaded

    assert requests.outside() == [], f"requests left the machine: {requests.outside()}"
    assert errors == [], f"JavaScript errors on the page: {errors}"



def test_small_counts_are_banded_on_the_public_map(app_url, browser_context):
    """A unit with one or two confidential sites: its tooltip shows a range, never the count;
    the legend says that dashed units are banded."""
    from playwright.sync_api import expect

    from geomap import pipeline
    from geomap.analysis import coverage

    units = pipeline.load_units("NGA")
    directory = pipeline.load_directory(pipeline.sample_directory_path("NGA"), units=units, country="NGA")
    exact = coverage.coverage_by_unit(units, directory)
    small = exact[(exact["confidential_providers"] > 0) & (exact["confidential_providers"] < 3)]
    assert len(small), "the sample has no unit with one or two confidential sites"
    context, requests = browser_context
    page = context.new_page()
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
    frame = coverage_map(page)
    frame.locator("path.geomap-unit").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    expect(frame.locator(".geomap-legend")).to_contain_text("fewer than 3 confidential sites", timeout=LOAD_TIMEOUT_MS)
    (inner,) = map_frames(page)
    shown = {uid: t for uid, t in inner.evaluate(_MAP_STATE_JS)["units"]}
    for code, total in zip(small["code"], small["providers"], strict=True):
        text = shown[str(code)][1]
        assert "–" in text and text != f"{total:,}", (code, text)
    assert frame.locator(".geomap-legend-banded").count() == 1
    assert requests.outside() == [], f"requests left the machine: {requests.outside()}"


def test_the_table_download_follows_the_filter(app_url, browser_context, tmp_path: Path):
    """The CSV is built when the button is clicked (not on each rerun): it holds the filtered table."""
    import csv
    import io

    service = "shelter"
    counts, _markers = _expected_nigeria([service])
    context, requests = browser_context
    page = context.new_page()
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
    coverage_map(page).locator("path.geomap-unit").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    _pick_service(page, schema.label(service))
    coverage_map(page).locator(".geomap-legend").filter(has_text=f"Services: {schema.label(service)}.").wait_for(
        timeout=LOAD_TIMEOUT_MS
    )
    with page.expect_download(timeout=LOAD_TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download this table (CSV)").click()
    assert download.value.suggested_filename == "geomap_coverage_NGA.csv"
    target = tmp_path / "coverage.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    # The download is a table for people: its headers are the page's (English here); band text as on the map.
    assert {r["Code"]: r["Providers"] for r in rows} == counts
    assert requests.outside() == [], f"requests left the machine: {requests.outside()}"

def _hostile_map():
    """Three square units (one without a value) and two fictional providers with hostile names."""
    units = gpd.GeoDataFrame(
        {
            "code": ["T-1", "T-2", "T-3"],
            "name": ["Unit one", XSS_IMG, "Unit three"],
            "per_100k": [1.0, 4.0, float("nan")],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)],
        crs="EPSG:4326",
    )
    providers = gpd.GeoDataFrame(
        {
            "name": [XSS_SCRIPT, "Plain provider"],
            "display_name": [XSS_SCRIPT, "Plain provider"],
            "service_types": [["legal_aid"], ["medical"]],
            "phone": [XSS_IMG, ""],
            "confidential": [False, False],
            "fictional": [True, True],
        },
        geometry=[Point(0.5, 0.5), Point(1.5, 1.5)],
        crs="EPSG:4326",
    )
    m = offline_map(bounds=[[0, 0], [2, 2]], max_zoom=12)
    add_basemap(m, units, source="Synthetic test squares", vintage="test")
    layer = choropleth_layer(units, "per_100k", label="Providers per 100,000 people", k=2)
    layer.add_to(m)
    legend_element(layer.classification, title="Providers per 100,000 people", caption="Population: test").add_to(m)
    marker_layer(providers, cluster=True).add_to(m)
    return m


def test_standalone_map_opens_from_a_file_offline_and_escapes_text(browser_context, tmp_path: Path):
    from playwright.sync_api import expect

    path = tmp_path / "map.html"
    path.write_text(standalone_html(_hostile_map(), title="test map"), encoding="utf-8")
    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())

    expect(page.locator("path.geomap-unit")).to_have_count(3, timeout=30_000)
    expect(page.locator("path.geomap-provider")).to_have_count(2)
    expect(page.locator(".geomap-legend")).to_contain_text("no data")

    texts = []
    for i in range(2):
        page.locator("path.geomap-provider").nth(i).click()
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_have_count(1)  # the previous popup has faded out
        expect(popup).to_contain_text(schema.FICTIONAL_NOTICE)
        texts.append(popup.inner_text())
        assert page.locator(".leaflet-popup-content script, .leaflet-popup-content img").count() == 0
    hostile = [t for t in texts if XSS_SCRIPT in t]
    assert len(hostile) == 1, texts  # the name is shown as text, not run
    assert XSS_IMG in hostile[0]  # and so is the phone number

    page.mouse.click(5, 5)  # close the popup
    page.locator("path.geomap-unit").nth(1).hover()
    tooltip = page.locator(".leaflet-tooltip.foliumtooltip")
    expect(tooltip).to_contain_text(XSS_IMG)  # the unit's name, as text
    assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
    assert page.evaluate("window.__geomap_xss") is None
    assert [u for u in requests.urls if not u.startswith(("file:", "data:"))] == []
    assert errors == []
