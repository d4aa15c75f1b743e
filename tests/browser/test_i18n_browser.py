"""Every page in Spanish, French and Arabic, in a real browser: no English labels, Arabic right to left.

A link opens in its language (``?lang=es``) and on its country (``?country=MX``):
``/coverage?country=MX&lang=es`` and so on for every page. For each page
and language the test reads the page as a person sees it and fails on any of the page's English
labels (those its catalog translates differently) still showing, checks the text direction, and
takes a screenshot: ``GEOMAP_UPDATE_SCREENSHOT=1`` writes them to ``docs/i18n/<page>_<lang>.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser._ui import LOAD_TIMEOUT_MS
from i18n._english import english_in

from geomap import i18n

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
#: url path -> (page title, English labels a person reads on that page, in the page's first view).
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "coverage": ("Coverage", (
        "Service types", "Populations served", "Measure", "Number of providers", "Providers per 100,000 people",
        "Providers placed", "Units with at least one", "Population denominator", "Download this table (CSV)",
        "All services", "Everyone", "Language", "Country", "Partner sign-in", "Gaps", "Referral", "Footprint",
    )),
    "gaps": ("Gaps", (
        "Service(s)", "Map shows", "Reach, thresholds and gap-index weights", "Your own demand points or populations (optional)",
        "Road travel time (optional: needs a road network file)",
        "Population grid (optional: every person, from a raster of people per cell)", "Ranked gaps", "Sources",
        "Gap table (CSV)", "Map (HTML)", "Printable report (HTML, print to PDF)", "How much of the census the settlements represent",
        "Language", "Country", "Partner sign-in",
    )),
    "referral": ("Referral", (
        "Start from", "Map click", "Town", "State", "My organisation", "Needs (service types)", "For (population)",
        "Open 24 hours", "Accepting referrals", "How many", "Road travel times (optional: a road network file)", "Sources",
        "Click the map below to set the starting point.", "Choose one or more services", "Anyone", "Any language",
        "Language", "Country", "Partner sign-in",
    )),
    "footprint": ("Footprint", (
        "Donor footprint", "Program category", "Activity type", "Units reached", "Projects", "People reached",
        "Map shows", "Multi-unit projects", "Activity per year", "Timeline shows", "Units not reached:",
        "Use your own project file", "Table (CSV)", "Report (HTML)",
    )),
    "data": ("Data", (
        "Bring a directory", "Upload a directory", "Use the bundled sample instead", "Bring your own boundaries (optional)",
        "Validation report: every row placed or flagged", "Rows in the file", "Placed", "Flagged", "Placed with a warning",
        "Placed by:", "Download the resolved directory", "Includes flagged rows with their reasons.",
        "Language", "Country", "Partner sign-in",
    )),
    "records": ("Records", (
        "Records", "Verification and freshness", "Verified in the last 12 months", "Owner", "Licence",
        "Sign in as a partner to see and propose changes to records, or as an editor to edit and verify them.",
        "Language", "Country", "Partner sign-in",
    )),
}
LANGS = ("es", "fr", "ar")


def _route(path: str) -> str:
    return path  # every page has its own path (the root redirects to /coverage)


def _shown_text(page) -> str:
    return page.locator('[data-testid="stApp"]').inner_text()


def _english_left(text: str, labels: tuple[str, ...], lang: str) -> list[str]:
    t = i18n.translator(lang)
    left = []
    for label in labels:
        if t.gettext(label) == label:
            continue  # the same word in this language (e.g. "Budget" in French)
        if re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", text):
            left.append(label)
    return left


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", list(PAGES))
def test_page_in_language(app_url, browser_context, tmp_path, path, lang):
    context, requests = browser_context
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(f"{app_url}/{_route(path)}?country=MX&lang={lang}", wait_until="domcontentloaded")
    t = i18n.translator(lang)
    title, labels = PAGES[path]
    # The sidebar's directory line and the navigation, in the language.
    page.get_by_text(t.gettext("Directory: {label}").split("{")[0].strip()).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_text(t.gettext(title), exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    page.locator("h1").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "() => !(document.querySelector('[data-testid=stStatusWidget]')?.innerText || '').includes('Running')",
        timeout=LOAD_TIMEOUT_MS,
    )
    page.wait_for_timeout(1500)
    text = _shown_text(page)
    assert "Traceback" not in text
    assert not page.locator('[data-testid="stException"]').count(), text[:2000]
    assert "?lang=" + lang in page.url or f"lang={lang}" in page.url  # the language stays in the address
    assert _english_left(text, labels, lang) == [], f"English labels on /{path} in {lang}"
    assert english_in(text, lang) == [], f"stored English notes (reasons, warnings, boundary notes) on /{path} in {lang}"
    assert "México" in text or "Mexique" in text or "المكسيك" in text  # the country, named in the language

    direction = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stMain]')).direction")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    sidebar_dir = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stSidebar]')).direction")
    assert sidebar_dir == direction

    out = REPO / "docs" / "i18n" if os.environ.get("GEOMAP_UPDATE_SCREENSHOT") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out / f"{path}_{lang}.png"))
    assert not [u for u in requests.outside()], "a request left the machine"


def test_coverage_in_spanish_names_states_and_numbers_in_spanish(app_url, browser_context):
    context, _requests = browser_context
    page = context.new_page()
    page.goto(f"{app_url}/?country=MX&lang=es", wait_until="domcontentloaded")
    page.get_by_text("Cobertura — México").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    page.get_by_text("Proveedores mostrados con exactitud").first.wait_for(timeout=LOAD_TIMEOUT_MS)  # public view: small confidential counts are banded (#20)
    assert "Las 32 unidades (tabla ordenable)" in _shown_text(page)  # counts and units in Spanish


def test_language_picker_switches_and_keeps_the_language_across_pages(app_url, browser_context):
    context, _requests = browser_context
    page = context.new_page()
    page.goto(f"{app_url}/?country=MX", wait_until="domcontentloaded")
    page.get_by_text("Directory:").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Language")
    option = page.get_by_role("option", name="Français", exact=True)
    for _ in range(20):  # retried while Streamlit redraws the sidebar
        try:
            picker.locator("input").first.click(timeout=5_000)
            option.click(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError/Error: try again
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
    page.get_by_text("Annuaire :").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    assert "lang=fr" in page.url
    link = page.locator('[data-testid="stSidebarNav"]').get_by_text("Empreinte", exact=True)
    for _ in range(20):  # the sidebar is inert while the language change reruns the app
        try:
            link.click(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: try again
            page.wait_for_timeout(500)
    page.get_by_text("Empreinte des bailleurs").first.wait_for(timeout=LOAD_TIMEOUT_MS)


@pytest.mark.parametrize("lang", LANGS)
def test_copy_link_button_speaks_the_language(app_url, browser_context, lang):
    """The "Copy link" button (drawn in the page by st.html, its texts and its status in the language)."""
    context, _requests = browser_context
    page = context.new_page()
    page.goto(f"{app_url}/coverage?country=MX&lang={lang}", wait_until="domcontentloaded")
    t = i18n.translator(lang)
    page.locator("h1").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    button = page.locator("[data-geomap-copy]")
    button.wait_for(timeout=LOAD_TIMEOUT_MS)
    assert button.inner_text().strip() == t.gettext("Copy link") != "Copy link"
    assert button.get_attribute("title") == t.gettext("Copy a link to this view")
    assert page.get_by_role("button", name=t.gettext("Copy link"), exact=True).count() == 1  # its name is what it shows
    assert button.get_attribute("data-done") == t.gettext("Link copied") != "Link copied"
    assert page.locator("iframe[srcdoc]").count() == 0  # no frame of its own
