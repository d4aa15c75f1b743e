"""The coverage map in a real browser: drawn, complete, and with no request leaving the machine.

Run with ``python -m pytest -m browser``; set ``GEOMAP_UPDATE_SCREENSHOT=1`` to rewrite
``docs/screenshot.png`` (the README's picture) from the app's default view.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
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

#: The streamlit-folium component's iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Nigeria (the default country) has 36 states and the Federal Capital Territory.
NIGERIA_ADMIN1 = 37
LOAD_TIMEOUT_MS = 120_000

XSS_IMG = '<img src=x onerror="window.__geomap_xss=1">'
XSS_SCRIPT = "<script>window.__geomap_xss=2</script>"


def test_coverage_page_draws_every_state_with_no_outside_request(app_url, browser_context, screenshot_path):
    from playwright.sync_api import expect

    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/", wait_until="domcontentloaded")

    frame = page.frame_locator(MAP_IFRAME)
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
