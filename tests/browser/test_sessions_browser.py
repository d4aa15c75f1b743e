"""Two browser sessions at once: one session's upload is never seen by the other.

Both sessions talk to the same Streamlit server process (as real users do). Session A uploads a
directory on the Data page; session B, open at the same time, must keep seeing the bundled
sample — in the sidebar, on the Data page and in the map. Then both upload different content
under the same file name: each must see only its own (cached loaders are keyed by content,
not by name). Run with ``python -m pytest -m browser``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from browser._ui import (
    LOAD_TIMEOUT_MS,
    click_when_ready,
    coverage_map,
    go,
    map_frames,
    open_app,
)

pytestmark = pytest.mark.browser

HEADER = ["name", "service_types", "admin1_name", "latitude", "longitude", "confidential", "notes"]


def _csv(name: str, lat: float, lon: float) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerow([name, "legal_aid", "Lagos", f"{lat:.4f}", f"{lon:.4f}", "no", "fictional record for a session test"])
    return buf.getvalue().encode("utf-8")










def _upload(page: Any, filename: str, data: bytes) -> None:
    go(page, "Data")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Upload a directory")
    uploader.locator('input[type="file"]').set_input_files({"name": filename, "mimeType": "text/csv", "buffer": data})
    click_when_ready(page, "Use this directory")
    page.locator('[data-testid="stSidebar"]').get_by_text(f"Uploaded: {filename}").wait_for(timeout=LOAD_TIMEOUT_MS)


def _sidebar(page: Any) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text(timeout=LOAD_TIMEOUT_MS)


#: Tooltip text of every layer on the frame's Leaflet maps (markers inside clusters included).
#: The markers are built by script from data (and shown or hidden by a filter), so their texts
#: live in Leaflet, not in the frame's HTML. The Coverage map page is folium's: its map is a
#: global ``map_<id>`` of the inner document, found among the window's values.
_LAYER_TEXTS_JS = """() => {
  const out = [];
  const seen = new Set();
  const maps = Object.values(window).filter((v) => v instanceof L.Map);
  const visit = (layer) => {
    if (seen.has(layer)) return;
    seen.add(layer);
    const tip = layer.getTooltip && layer.getTooltip();
    if (tip) {
      try {
        let c = tip._content;
        if (typeof c === "function") c = c(layer);
        out.push(typeof c === "string" ? c : (c && c.textContent) || "");
      } catch (e) { /* a group-level tooltip that needs a feature: not a marker */ }
    }
    if (layer.getLayers) layer.getLayers().forEach(visit);
  };
  maps.forEach((m) => m.eachLayer(visit));
  return out;
}"""


def _map_html(page: Any) -> str:
    """The HTML of every frame plus the text of every layer drawn on the Leaflet map."""
    coverage_map(page).locator("path.geomap-unit").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    parts = []
    for frame in page.frames:
        try:
            parts.append(frame.content())
        except Exception:  # noqa: BLE001, S112 - a frame navigating away
            continue
    layer_texts = []
    for frame in map_frames(page):
        try:
            layer_texts.extend(frame.evaluate(_LAYER_TEXTS_JS))
        except Exception:  # noqa: BLE001, S112 - a frame navigating away
            continue
    # Every directory here has located records: no marker text means the map was not searched.
    assert any(layer_texts), "no marker tooltip was found on the Coverage map: the search would prove nothing"
    parts.extend(layer_texts)
    return "\n".join(parts)


def test_one_sessions_upload_is_invisible_to_another(app_url, browser):
    ctx_a = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        a = open_app(ctx_a, app_url)
        b = open_app(ctx_b, app_url)
        assert "sample" in _sidebar(a).lower() and "sample" in _sidebar(b).lower()

        _upload(a, "session_a_directory.csv", _csv("Fictional Session A Office 7731", 6.52, 3.38))
        go(a, "Coverage")
        assert "Fictional Session A Office 7731" in _map_html(a)

        # B, open all along, still has the sample: sidebar, map and Data page
        go(b, "Coverage")
        assert "session_a_directory.csv" not in _sidebar(b)
        assert "Fictional Session A Office 7731" not in _map_html(b)
        go(b, "Data")
        b.get_by_text("Directory in use").first.wait_for(timeout=LOAD_TIMEOUT_MS)
        assert "session_a_directory.csv" not in b.content()

        # a brand-new session (C) starts from the sample too
        c = open_app(ctx_b, app_url)
        assert "session_a_directory.csv" not in _sidebar(c)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_same_file_name_different_content_stays_apart(app_url, browser):
    """Caches are keyed by content: two sessions uploading 'directory.csv' each see their own."""
    ctx_a = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        a = open_app(ctx_a, app_url)
        b = open_app(ctx_b, app_url)
        _upload(a, "directory.csv", _csv("Fictional Alpha Office 1111", 6.50, 3.36))
        _upload(b, "directory.csv", _csv("Fictional Beta Office 2222", 12.00, 8.52))
        go(a, "Coverage")
        go(b, "Coverage")
        html_a, html_b = _map_html(a), _map_html(b)
        assert "Fictional Alpha Office 1111" in html_a and "Fictional Beta Office 2222" not in html_a
        assert "Fictional Beta Office 2222" in html_b and "Fictional Alpha Office 1111" not in html_b
    finally:
        ctx_a.close()
        ctx_b.close()
