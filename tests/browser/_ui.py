"""Helpers the browser tests share: open the app, navigate inside a session, upload a file."""

from __future__ import annotations

from typing import Any

import pytest

#: Generous: the first session of a fresh server resolves the sample and builds caches.
LOAD_TIMEOUT_MS = 120_000
#: The Coverage page's map component (``geomap.pages._live_map``). The folium page is drawn in
#: a nested ``<iframe srcdoc>`` inside it (see :func:`coverage_map`). The Referral and
#: Footprint pages still use streamlit-folium (``iframe[title="streamlit_folium.st_folium"]``).
LIVE_MAP_IFRAME = 'iframe[title="geomap.pages._live_map.live_map"]'
#: Whether a frame's document is a Leaflet map page.
IS_MAP_JS = "() => !!(window.L && window.L.Map)"


def coverage_map(page: Any):
    """The Coverage map's document (the inner frame of the live-map component), as a FrameLocator."""
    return page.frame_locator(LIVE_MAP_IFRAME).frame_locator("iframe")


def live_map_frame(page: Any) -> Any:
    """The live-map component's own frame (its document counts the updates applied in place)."""
    for frame in page.frames:
        if "geomap.pages._live_map.live_map" in frame.url:
            return frame
    pytest.fail(f"the Coverage map component is not on the page (frames: {[f.url for f in page.frames]})")


def map_frames(page: Any) -> list[Any]:
    """Every frame of ``page`` whose document has Leaflet loaded (skipping frames that went away)."""
    out = []
    for frame in page.frames:
        try:
            if frame.evaluate(IS_MAP_JS):
                out.append(frame)
        except Exception:  # noqa: BLE001, S112 - a frame detached while Streamlit redraws
            continue
    return out


def open_app(context: Any, app_url: str):
    """A new page (a new Streamlit session) on the app, once the sidebar has drawn."""
    page = context.new_page()
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
    page.wait_for_url("**/coverage**", timeout=LOAD_TIMEOUT_MS)  # "/" switches to /coverage
    page.get_by_text("Directory:").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    return page


def problems(page: Any) -> str:
    """Error boxes and exceptions on the page (for failure messages)."""
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlert"]')
    return " | ".join(boxes.all_inner_texts())


def click_when_ready(page: Any, name: str) -> None:
    """Click the button called ``name``, failing with what the page shows if it never appears."""
    button = page.get_by_role("button", name=name)
    try:
        button.wait_for(timeout=LOAD_TIMEOUT_MS)
    except Exception as exc:  # noqa: BLE001 - say what the page shows instead
        pytest.fail(f"button {name!r} never appeared; the page shows: {problems(page)!r} ({exc})")
    button.click()


#: The English page titles' paths (``st.Page(url_path=...)`` in app.py).
PAGE_PATHS = {"Coverage": "coverage", "Gaps": "gaps", "Referral": "referral", "Footprint": "footprint",
              "Data": "data", "Records": "records", "Admin": "admin"}


def _wait_idle(page: Any) -> None:
    """Wait for the session's run to finish (the status widget stops saying "Running")."""
    page.wait_for_function(
        "() => !(document.querySelector('[data-testid=stStatusWidget]')?.innerText || '').includes('Running')",
        timeout=LOAD_TIMEOUT_MS,
    )


def go(page: Any, title: str) -> None:
    """Navigate inside the session (a reload would start a new Streamlit session).

    The link is clicked again if the page's path has not changed after a while: a click that
    lands while Streamlit redraws the navigation can be lost (seen once in CI under load).
    """
    link = page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True)
    path = PAGE_PATHS.get(title)
    for attempt in range(3):
        link.click(timeout=LOAD_TIMEOUT_MS)
        if path is None:
            break
        try:
            page.wait_for_url(f"**/{path}**", timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - click again; the last attempt fails with the page's state
            if attempt == 2:
                pytest.fail(f"the {title} link did not open /{path} (at {page.url}); the page shows: {problems(page)!r}")
    page.wait_for_timeout(300)
    _wait_idle(page)


def choose_upload(page: Any, filename: str, data: bytes) -> None:
    """Put a file in the Data page's directory uploader (not yet "used")."""
    go(page, "Data")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Upload a directory")
    try:
        uploader.wait_for(timeout=LOAD_TIMEOUT_MS)
    except Exception as exc:  # noqa: BLE001 - say what the page shows instead
        pytest.fail(f"the Data page's uploader never appeared (at {page.url}); the page shows: {problems(page)!r} ({exc})")
    uploader.locator('input[type="file"]').set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": data}, timeout=LOAD_TIMEOUT_MS
    )


def pick_country(page: Any, name: str) -> None:
    """Pick ``name`` in the sidebar's country select (retried while the page redraws)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Country").first
    option = page.get_by_role("option").filter(has_text=name).first
    for _ in range(10):
        try:
            box.locator("input").click(timeout=5_000)
            page.keyboard.type(name[:5])
            option.click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - the page was redrawing: open the select again
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
    pytest.fail(f"could not pick {name} in the sidebar's country select")
