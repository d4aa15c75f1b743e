"""Helpers the browser tests share: open the app, navigate inside a session, upload a file."""

from __future__ import annotations

from typing import Any

import pytest

#: Generous: the first session of a fresh server resolves the sample and builds caches.
LOAD_TIMEOUT_MS = 120_000
#: The streamlit-folium component's iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def open_app(context: Any, app_url: str):
    """A new page (a new Streamlit session) on the app, once the sidebar has drawn."""
    page = context.new_page()
    page.goto(f"{app_url}/", wait_until="domcontentloaded")
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


def go(page: Any, title: str) -> None:
    """Navigate inside the session (a reload would start a new Streamlit session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_timeout(500)
    # wait for the rerun to finish
    page.wait_for_function(
        "() => !(document.querySelector('[data-testid=stStatusWidget]')?.innerText || '').includes('Running')",
        timeout=LOAD_TIMEOUT_MS,
    )


def choose_upload(page: Any, filename: str, data: bytes) -> None:
    """Put a file in the Data page's directory uploader (not yet "used")."""
    go(page, "Data")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Upload a directory")
    uploader.locator('input[type="file"]').set_input_files({"name": filename, "mimeType": "text/csv", "buffer": data})
