"""HTML/JS in names and notes never runs: in the app's map popups/tooltips, tables and documents.

The payloads set ``window.__xss``; after everything that shows them has been opened, it must still
be undefined in the page and in every frame. Also: a broken upload ends in a message naming the
file, and the app stays usable. Run with ``python -m pytest -m browser``.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser._ui import (
    LOAD_TIMEOUT_MS,
    choose_upload,
    click_when_ready,
    coverage_map,
    go,
    map_frames,
    open_app,
)
from hostile import corpus

pytestmark = pytest.mark.browser


#: Opens every marker's popup and tooltip the way a click/hover would (content inserted into the DOM).
OPEN_ALL = """() => {
  let n = 0;
  const maps = Object.values(window).filter(v => v && window.L && v instanceof L.Map);
  for (const m of maps) {
    const seen = [];
    m.eachLayer(l => { seen.push(l); if (l.getLayers) { seen.push(...l.getLayers()); } });
    for (const x of seen) {
      if (!x.getLatLng) continue;
      const p = x.getPopup && x.getPopup();
      if (p) { L.popup().setLatLng(x.getLatLng()).setContent(p.getContent()).openOn(m); n++; }
      const t = x.getTooltip && x.getTooltip();
      if (t) { L.tooltip().setLatLng(x.getLatLng()).setContent(t.getContent()).addTo(m); n++; }
    }
  }
  return n;
}"""


def _xss_flags(page: Any) -> list[Any]:
    out = []
    for frame in page.frames:
        try:
            out.append(frame.evaluate("() => [window.__xss, window.__geomap_xss]"))
        except Exception:  # noqa: BLE001 - a detached frame
            continue
    return out












def test_payloads_in_names_and_notes_never_run(app_url, browser_context, tmp_path):
    context, _requests = browser_context
    page = open_app(context, app_url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    data = corpus.build_xss(tmp_path).read_bytes()
    choose_upload(page, "xss.csv", data)
    click_when_ready(page, "Use this directory")
    page.locator('[data-testid="stSidebar"]').get_by_text("Uploaded: xss.csv").wait_for(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # the Data page's tables and row report
    assert _xss_flags(page) and all(f == [None, None] for f in _xss_flags(page)), _xss_flags(page)

    go(page, "Coverage")
    frame = coverage_map(page)  # the folium page, nested in the live-map component's frame
    frame.locator(".leaflet-container").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    frame.locator("path.geomap-unit").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    leaflet = map_frames(page)
    assert len(leaflet) == 1, f"expected one Leaflet map frame, found {[f.url for f in leaflet]}"
    map_frame = leaflet[0]
    opened = map_frame.evaluate(OPEN_ALL)
    assert opened >= 2, "no marker popup/tooltip was opened: the test would prove nothing"
    page.wait_for_timeout(1000)  # an <img onerror> fires asynchronously
    # the payload is shown as text in the popup, and nothing ran
    popup_text = map_frame.locator(".leaflet-popup-content, .leaflet-tooltip").all_inner_texts()
    assert any("<script>window.__xss=1</script>" in t or "Fictional XSS Shelter" in t for t in popup_text), popup_text
    assert all(f == [None, None] for f in _xss_flags(page)), _xss_flags(page)
    assert dialogs == []


def test_documents_with_payloads_never_run(browser_context, tmp_path):
    """The referral sheet and the standalone map export, opened as files in the browser."""

    from geomap import pipeline
    from geomap.analysis import referral
    from geomap.directory import privacy
    from geomap.layers import assets, markers
    from geomap.report import referral as referral_report

    context, _requests = browser_context
    units = pipeline.load_units("NGA")
    d = pipeline.load_directory(corpus.build_xss(tmp_path), units=units, country="NGA")
    shown = referral.publish_referrals(
        referral.relax_filters(d, referral.start_from_point(6.6, 3.4), services=["legal_aid", "medical"], units=units), role="public"
    )
    sheet = tmp_path / "sheet.html"
    sheet.write_text(referral_report.referral_sheet_html(shown, role="public"), encoding="utf-8")
    m = assets.offline_map(location=[9, 8], zoom_start=6)
    markers.marker_layer(privacy.public_view(d), cluster=False).add_to(m)
    standalone = tmp_path / "map.html"
    standalone.write_text(assets.standalone_html(m), encoding="utf-8")

    page = context.new_page()
    for doc in (sheet, standalone):
        page.goto(doc.as_uri())
        page.wait_for_timeout(800)
        if doc is standalone:
            assert page.evaluate(OPEN_ALL) >= 2
            page.wait_for_timeout(800)
        assert "Fictional XSS Shelter" in page.content()
        assert all(f == [None, None] for f in _xss_flags(page)), (doc.name, _xss_flags(page))
    # control: the same payload inserted UNescaped does run here, so the checks above can fail
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__xss=9">')""")
    page.wait_for_timeout(800)
    assert page.evaluate("() => window.__xss") == 9


def test_broken_upload_names_the_file_and_the_app_stays_usable(app_url, browser_context, tmp_path):
    context, _requests = browser_context
    page = open_app(context, app_url)
    before = page.locator('[data-testid="stSidebar"]').inner_text()
    choose_upload(page, "empty.csv", b"")
    err = page.locator('[data-testid="stAlert"]').filter(has_text="empty.csv")
    err.first.wait_for(timeout=LOAD_TIMEOUT_MS)
    assert "empty" in err.first.inner_text()
    # nothing else lost: still the sample directory, and the Coverage map still draws
    assert "sample" in page.locator('[data-testid="stSidebar"]').inner_text().lower()
    assert "Directory:" in before
    go(page, "Coverage")
    coverage_map(page).locator("path.geomap-unit").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
