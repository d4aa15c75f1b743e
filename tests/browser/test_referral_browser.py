"""The Referral page in a real browser: click the map, get a ranked list; nothing confidential leaks.

Runs the app on the bundled fictional Nigeria sample. Run with ``python -m pytest -m browser``.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from leaks._leakcheck import assert_no_leak

from geomap import pipeline
from geomap.layers import basemap

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOAD_TIMEOUT_MS = 120_000


def _frame_contents(page, attempts: int = 5) -> list[str]:
    """The HTML of every frame; retried while Streamlit swaps a frame during a rerun."""
    from playwright.sync_api import Error

    for _ in range(attempts):
        try:
            return [f.content() for f in page.frames]
        except Error:  # "Frame was detached": take the new one
            page.wait_for_timeout(1000)
    return [f.content() for f in page.frames]


def test_click_map_gives_ranked_list_without_leaks(app_url, browser_context, tmp_path):
    from playwright.sync_api import expect

    sample = pipeline.sample_directory_path("NGA")
    if sample is None:
        pytest.fail("the bundled Nigeria sample directory is missing")
    context, requests = browser_context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/referral?service=shelter&population=women", wait_until="domcontentloaded")

    expect(page.get_by_text("Click the map below to set the starting point.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    frame = page.frame_locator(MAP_IFRAME).first
    container = frame.locator(".leaflet-container")
    container.wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
    frame.locator(f"path.{basemap.CONTEXT_CLASS}").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    box = container.bounding_box()
    assert box is not None
    container.click(position={"x": box["width"] / 2, "y": box["height"] / 2})

    expect(page.get_by_text(re.compile(r"Starting point: Point"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name=re.compile("Nearest partners|Confidential services")).first).to_be_visible(
        timeout=60_000
    )
    cards = page.get_by_text(re.compile(r"^1\. "))
    expect(cards.first).to_be_visible()
    # the share URL now holds the (rounded) click and the search
    page.wait_for_function("() => window.location.search.includes('at=')", timeout=30_000)
    assert "service=shelter" in page.url and re.search(r"at=-?\d+\.\d{2}%2C-?\d+\.\d{2}(&|$)", page.url)

    raw = pd.read_csv(sample, dtype=str)
    # A phone that is also written in the record's own front-door contact is public by design.
    digits = raw["phone"].fillna("").str.replace(r"\D", "", regex=True)
    front = raw["front_door_contact"].fillna("").str.replace(r"\D", "", regex=True)
    raw.loc[[bool(d) and d in f for d, f in zip(digits, front)], "phone"] = None
    assert_no_leak(page.content(), raw, where="Referral page DOM")
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=60_000)  # the rerun has settled
    page.screenshot(path=str(tmp_path / "referral.png"), full_page=True)
    contents = _frame_contents(page)
    assert any(basemap.CONTEXT_CLASS in text for text in contents[1:]), "the map frame was not searched"
    for i, text in enumerate(contents):  # the page, the map component and any other frame
        assert_no_leak(text, raw, where=f"Referral page frame {i}")
    assert_no_leak(page.url, raw, where="share URL")
    assert requests.outside() == [], f"requests left the machine: {requests.outside()}"
    assert errors == [], f"JavaScript errors on the page: {errors}"
