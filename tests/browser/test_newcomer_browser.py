"""Every page holds up for a newcomer (issue #17), in a real browser.

Links keep the view (country and the page's own choices) when opened in a fresh browser; every
page opens by its own path; legends and the attribution cover no unit; one empty state for a
country without a directory; the Kenya boundary note; stale badges on confidential records;
phone width (390 px); axe-core finds no serious or critical violation on any page.

axe-core comes from npm (``npm install --no-save --prefix tests/browser axe-core@4``, as
``.ci/run`` does); its ``axe.min.js`` is injected by Playwright, never fetched from a CDN.
Screenshots of every page at 1,400 and 390 px go to ``docs/screenshots/`` when
``GEOMAP_UPDATE_SCREENSHOT=1``.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from geomap.directory import schema

pytestmark = pytest.mark.browser

LOAD_MS = 120_000
AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REFERRAL_LINK = "/referral?country=MX&town=Guadalajara&service=shelter&n=5"
PAGES = {
    "coverage": "/coverage?country=MX",
    "gaps": "/gaps?country=MX",
    "referral": REFERRAL_LINK,
    "footprint": "/footprint?country=MX",
    "data": "/data?country=MX",
}


def _open(browser, app_url: str, path: str, *, width: int = 1400, height: int = 1000, **context_options):
    """A fresh browser context (a fresh browser, as a person opening a link) on ``path``."""
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block", **context_options)
    page = context.new_page()
    page.goto(f"{app_url}{path}", wait_until="domcontentloaded")
    page.get_by_text("Directory:").first.wait_for(timeout=LOAD_MS)
    _settle(page)
    return context, page


def _settle(page, ms: int = 1500) -> None:
    page.wait_for_function(
        "() => !(document.querySelector('[data-testid=stStatusWidget]')?.innerText || '').includes('Running')",
        timeout=LOAD_MS,
    )
    page.wait_for_timeout(ms)


def _params(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _title(page) -> str:
    return page.locator("h1").last.inner_text()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_opens_by_its_path_with_the_linked_country(browser, app_url, name):
    context, page = _open(browser, app_url, PAGES[name])
    try:
        assert "Page not found" not in page.content()
        assert "Mexico" in _title(page) or page.get_by_text("Country: Mexico").count(), _title(page)
        assert urlparse(page.url).path == f"/{name}"
        assert _params(page.url)["country"] == "MX"
    finally:
        context.close()


def test_root_shows_coverage_under_its_own_path(browser, app_url):
    context, page = _open(browser, app_url, "/?country=NG")
    try:
        page.wait_for_url(re.compile(r"/coverage\?"), timeout=LOAD_MS)
        assert _title(page) == "Coverage — Nigeria"
    finally:
        context.close()


def test_referral_link_in_a_fresh_browser_shows_mexico_and_the_search(browser, app_url):
    context, page = _open(browser, app_url, REFERRAL_LINK)
    try:
        page.get_by_text("Starting point:").wait_for(timeout=LOAD_MS)
        assert _title(page) == "Referral finder — Mexico"
        assert page.get_by_text(re.compile(r"Starting point: Guadalajara")).count()
        page.get_by_role("heading", name=re.compile("Nearest partners|Confidential services")).first.wait_for(timeout=LOAD_MS)
        assert "no town matching" not in page.content()
        params = _params(page.url)
        assert (params["country"], params["town"], params["service"], params["n"]) == ("MX", "Guadalajara", "shelter", "5")
    finally:
        context.close()


def test_coverage_choices_survive_a_fresh_browser(browser, app_url):
    context, page = _open(browser, app_url, "/coverage?country=MX")
    try:
        page.get_by_text("Providers per 100,000 people", exact=True).click()
        page.wait_for_url(re.compile(r"measure=per_100k"), timeout=LOAD_MS)
        link = page.url
    finally:
        context.close()
    context, page = _open(browser, app_url, link[link.index("/coverage"):])
    try:
        label = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=stRadio] input[type=radio]:checked')]"
            ".map(i => i.closest('label').innerText)"
        )
        assert len(label) == 1 and "Providers per 100,000 people" in label[0]
        assert _title(page) == "Coverage — Mexico"
    finally:
        context.close()


def test_copy_link_copies_the_view(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX", permissions=["clipboard-read", "clipboard-write"])
    try:
        button = page.get_by_role("button", name="Copy link", exact=True)
        assert button.get_attribute("title") == "Copy a link to this view"
        button.click()
        page.get_by_role("status").filter(has_text="Link copied").wait_for(timeout=10_000)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url and "country=MX" in copied
    finally:
        context.close()


def _map_frame(page):
    for _ in range(60):
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!document.querySelector('.geomap-legend')"):
                    return frame
            except Exception:  # noqa: BLE001, S112 - a frame swapped during a rerun
                continue
        page.wait_for_timeout(1000)
    pytest.fail("no map with a legend on the page")


#: Count drawn units and markers under an element on a 3 px grid (the element hidden meanwhile):
#: much finer than the placement's own sampling, so it checks it.
_UNDER = """(sel) => {
    const el = document.querySelector(sel);
    if (!el || el.style.display === "none") { return 0; }
    const r = el.getBoundingClientRect(); const keep = el.style.visibility; let n = 0;
    el.style.visibility = "hidden";
    for (let x = r.left; x < r.right; x += 3) { for (let y = r.top; y < r.bottom; y += 3) {
        const e = document.elementFromPoint(x, y);
        if (!e) { continue; }
        const drawn = (e.tagName.toLowerCase() === "path" && e.closest(".leaflet-overlay-pane")) || e.closest(".leaflet-marker-pane");
        if (drawn && !(e.getAttribute("class") || "").includes("geomap-context")) { n++; }
    } }
    el.style.visibility = keep;
    return n;
}"""


#: Drawn unit outlines lying partly outside the map's box (0 when the view holds every unit).
_UNITS_IN_VIEW = """() => {
    const box = document.querySelector(".leaflet-container").getBoundingClientRect(); let out = 0;
    for (const p of document.querySelectorAll(".leaflet-overlay-pane path")) {
        if ((p.getAttribute("class") || "").includes("geomap-context")) { continue; }
        const r = p.getBoundingClientRect();
        if (!r.width) { continue; }
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) { out++; }
    }
    return out;
}"""


@pytest.mark.parametrize("width", [1400, 390])
def test_mexico_legend_and_attribution_cover_no_state(browser, app_url, width):
    context, page = _open(browser, app_url, "/coverage?country=MX", width=width)
    try:
        frame = _map_frame(page)
        page.wait_for_timeout(1500)
        assert frame.evaluate(_UNDER, ".geomap-legend") == 0
        assert frame.evaluate(_UNDER, ".leaflet-control-attribution") == 0
        symbols = frame.locator(".geomap-legend .geomap-legend-sym").count()
        assert symbols >= 2  # provider markers and clusters are explained
        # The legend is shown (in a clear corner, or docked below the map at phone width) and
        # every state is inside the map's view.
        assert frame.locator(".geomap-legend").first.is_visible()
        assert frame.evaluate(_UNITS_IN_VIEW) == 0
        if width == 390:
            assert frame.locator(".geomap-dock .geomap-legend").count() == 1
    finally:
        context.close()


def test_kenya_coverage_says_the_2013_change_and_one_empty_state(browser, app_url):
    context, page = _open(browser, app_url, "/coverage?country=KE")
    try:
        assert _title(page) == "Coverage — Kenya"
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert "8 provinces were replaced by 47 counties in 2013" in text
        assert text.count("No directory of services is loaded for Kenya") == 1
    finally:
        context.close()


@pytest.mark.parametrize("name", ["gaps", "referral", "footprint"])
def test_country_without_a_directory_gets_one_empty_state(browser, app_url, name):
    context, page = _open(browser, app_url, f"/{name}?country=KEN")
    try:
        text = page.locator('[data-testid="stMain"]').inner_text()
        expected = "no project in Kenya" if name == "footprint" else "No directory of services is loaded for Kenya"
        assert text.count(expected) == 1, text[:800]
        assert "None" not in text.split() and "Reached 0 of" not in text and "no town matching" not in text
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        context.close()


def test_confidential_records_carry_the_stale_badge(browser, app_url):
    context, page = _open(browser, app_url, REFERRAL_LINK.replace("n=5", "n=10"))
    try:
        page.get_by_role("heading", name="Confidential services").wait_for(timeout=LOAD_MS)
        cards = page.locator('[data-testid="stVerticalBlock"]').filter(has_text="Last verified:")
        texts = [t for t in cards.all_inner_texts() if t.count("Last verified:") == 1]
        assert texts
        today = date.today()
        confidential_stale = 0
        for text in texts:
            when = re.search(r"Last verified: (\S+)", text).group(1)
            stale = schema.is_stale(None if when == "never" else when, today=today)
            assert ("stale record" in text) == stale, text
            confidential_stale += stale and "Confidential" in text
        assert confidential_stale >= 1
    finally:
        context.close()


def _axe(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '))"
    )
    return list(found)


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("width", [1400, 390])
def test_page_is_accessible_and_fits_the_screen(browser, app_url, name, width):
    if not AXE.is_file():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{AXE} is missing: npm install --no-save --prefix tests/browser axe-core@4")
        pytest.skip(f"{AXE} is missing: npm install --no-save --prefix tests/browser axe-core@4")
    context, page = _open(browser, app_url, PAGES[name], width=width, height=2400 if width > 500 else 2000)
    try:
        _settle(page, 4000)
        overflow = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=stMain]'); return m.scrollWidth - m.clientWidth; }"
        )
        assert overflow <= 1, f"{name} at {width} px scrolls sideways by {overflow} px"
        assert _axe(page) == []
        if os.environ.get("GEOMAP_UPDATE_SCREENSHOT") == "1":
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}_{width}.png"))
    finally:
        context.close()


def test_coverage_map_facts_are_a_table(browser, app_url):
    context, page = _open(browser, app_url, "/coverage?country=MX")
    try:
        page.get_by_text("All 32 units (sortable table)").click()
        grid = page.locator('[data-testid="stDataFrame"]')
        grid.first.wait_for(timeout=LOAD_MS)
        assert grid.count() >= 1
    finally:
        context.close()


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_referral_shows_each_persons_needs_at_a_glance(browser, app_url):
    two = "/referral?country=MX&town=Guadalajara&service=shelter,legal_aid&n=3"
    context, page = _open(browser, app_url, two)
    try:
        page.get_by_role("heading", name="Nearest partners").wait_for(timeout=LOAD_MS)
        text = _main_text(page)
        # the choice between "N for each need" and "N offering all", and cards grouped by need
        assert "3 nearest for each need" in text and "3 nearest offering all the needs" in text
        assert re.search(r"Shelter — \d+ found", text) and re.search(r"Legal aid — \d+ found", text)
        met = re.findall(r"Meets (\d) of 2 needs: ([^\n]+)", text)
        assert met and all(int(k) == len(needs.split(", ")) for k, needs in met), met
    finally:
        context.close()
    context, page = _open(browser, app_url, two + "&match=all")  # the other choice, from its link
    try:
        page.get_by_text(re.compile("Meets 2 of 2 needs")).first.wait_for(timeout=LOAD_MS)
        text = _main_text(page)
        assert re.findall(r"Meets (\d) of 2 needs", text) and set(re.findall(r"Meets (\d) of 2 needs", text)) == {"2"}
        assert not re.search(r"Shelter — \d+ found", text)  # one list: every card offers both
    finally:
        context.close()
    context, page = _open(browser, app_url, "/referral?country=MX&town=Guadalajara&service=shelter&n=5")
    try:
        page.get_by_role("heading", name="Nearest partners").wait_for(timeout=LOAD_MS)
        text = _main_text(page)
        assert "offering all the needs" not in text and "Meets" not in text  # one need: no choice to make
    finally:
        context.close()


def test_confidential_cards_are_told_apart_and_addresses_say_the_town_once(browser, app_url):
    context, page = _open(browser, app_url, "/referral?country=MX&town=Guadalajara&service=shelter&n=25")
    try:
        page.get_by_role("heading", name="Confidential services").wait_for(timeout=LOAD_MS)
        text = _main_text(page)
        heads = re.findall(r"^\d+\. (Confidential [^\n]+?) — (?:<|≥|\d)", text, flags=re.M)
        assert len(heads) >= 2
        assert len(set(heads)) == len(heads), heads  # no two confidential cards read the same
        assert any("— ref. " in h for h in heads)
        for where in re.findall(r"^Where: ([^\n]+)", text, flags=re.M):
            parts = [p.strip().casefold() for p in where.split(",")]
            assert len(parts) == len(set(parts)), where
    finally:
        context.close()


def test_referral_map_explains_every_symbol_with_a_short_credit(browser, app_url):
    context, page = _open(browser, app_url, REFERRAL_LINK)
    try:
        frame = _map_frame(page)
        legend = frame.locator(".geomap-legend").inner_text()
        for label in ("Starting point", "Partner (public location)", "Straight line to a partner"):
            assert label in legend
        credit = frame.locator(".leaflet-control-attribution").inner_text()
        assert "as shipped" not in credit and "licence" not in credit.lower() and len(credit) < 80, credit
        page.get_by_text("Sources", exact=True).click()
        assert "as shipped" in _main_text(page)  # the details are one click away, under the map
    finally:
        context.close()


def test_proposed_sites_are_numbered_and_labelled_with_settlement_and_state(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX&service=shelter&sites_shelter=3")
    try:
        page.get_by_role("heading", name="Where the next sites would help most").wait_for(timeout=LOAD_MS)
        frame = _map_frame(page)
        for _ in range(30):
            if frame.locator(".geomap-site-label").count() == 3:
                break
            page.wait_for_timeout(1000)
        labels = frame.locator(".geomap-site-label").all_inner_texts()
        assert len(labels) == 3, labels
        states = {"Nuevo León", "Jalisco", "Chihuahua", "Sonora", "Yucatán", "Ciudad de México", "México"}
        for number, text in zip(("1", "2", "3"), labels):
            assert text.startswith(number), text
            assert ", " in text and text.split(", ")[-1].strip(), text  # settlement, state
        assert any(text.split(", ")[-1].strip() in states or len(text.split(", ")[-1]) > 3 for text in labels)
        legend = frame.locator(".geomap-legend").inner_text()
        for label in ("Proposed site (number, settlement, state)", "Settlement beyond reach",
                      "Provider (public location)", "Nearby providers grouped"):
            assert label in legend, legend
    finally:
        context.close()


#: Column headers read from the grids' accessible tables; a raw field name would be snake_case.
_RAW = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.mark.parametrize("path", ["/gaps?country=MX&service=shelter&sites_shelter=2", "/footprint?country=MX",
                                  "/data?country=MX", "/records?country=MX"])
def test_tables_have_readable_headers(browser, app_url, path):
    context, page = _open(browser, app_url, path, height=3000)
    try:
        _settle(page, 3000)
        page.wait_for_function(  # the grids' accessible tables are filled after they draw
            "() => document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]').length > 0", timeout=LOAD_MS)
        grids = page.locator('[data-testid="stDataFrame"]')
        assert grids.count() >= 1
        headers = [h for g in grids.all() for h in g.locator("[role=columnheader]").all_inner_texts()]
        assert headers
        raw = [h for h in headers if _RAW.match(h.strip()) or h.strip() in {"c_absent", "officials_trained", "reached_unit"}]
        assert raw == [], raw
        text = _main_text(page)
        assert "c_absent" not in text and "reached_unit" not in text
    finally:
        context.close()


def test_data_page_gives_every_record_its_stale_badge(browser, app_url):
    context, page = _open(browser, app_url, "/data?country=MX", height=3000)
    try:
        # the grid's accessible table is hidden from the accessibility tree: read it by CSS
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')]"
            ".some(h => h.innerText.trim() === 'Last verified')", timeout=LOAD_MS)
        grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("[role=columnheader]", has_text="Last verified"))
        headers = grid.locator("[role=columnheader]").all_inner_texts()
        col = headers.index("Last verified")
        record = headers.index("Record")
        rows = grid.locator("[role=row]").all()[1:]
        seen_confidential = 0
        for row in rows:
            cells = row.locator("[role=gridcell]").all_inner_texts()
            if len(cells) <= col:
                continue
            when = cells[col].split(" · ")[0]
            stale = schema.is_stale(None if when == "never" else when)
            assert ("stale" in cells[col]) == stale, cells
            seen_confidential += cells[record].startswith("Confidential")
        assert seen_confidential >= 1  # a confidential record carries its date and badge too
    finally:
        context.close()


def test_a_new_cli_account_signs_in_without_a_restart_and_every_page_says_who(browser, app_url, app_home, store_vars):
    import subprocess
    import sys

    from browser.conftest import REPO, minimal_env

    env = {**minimal_env(app_home), **store_vars(app_home / "data")}  # the server's own store (either backend)
    subprocess.run([sys.executable, "-m", "geomap.cli", "users", "add", "newcomer-partner", "--role", "partner",
                    "--password-stdin"], input="fictional-passphrase-17\n", text=True, env=env, cwd=REPO,
                   check=True, capture_output=True)
    context, page = _open(browser, app_url, "/coverage?country=MX")
    try:
        page.get_by_text("Partner sign-in").click()
        page.get_by_label("User name").fill("newcomer-partner")
        page.get_by_role("textbox", name="Password").fill("fictional-passphrase-17")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Signed in as newcomer-partner", exact=False).first.wait_for(timeout=LOAD_MS)
        for title in ("Coverage", "Gaps", "Referral", "Footprint", "Data", "Records"):
            page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
            page.wait_for_url(f"**/{title.lower()}**", timeout=LOAD_MS)
            _settle(page, 800)
            note = page.locator('[data-testid="stMain"]').get_by_text("Signed in as newcomer-partner (partner)", exact=False)
            note.first.wait_for(timeout=LOAD_MS)  # drawn by this page's run (a loaded machine may take a while)
            assert "Signed in as newcomer-partner (partner)" in _main_text(page), title
    finally:
        context.close()
