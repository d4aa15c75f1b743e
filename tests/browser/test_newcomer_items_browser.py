"""Issue #17, items 7, 8 and 10, in a real browser (the items ``test_newcomer_browser`` leaves thin).

- item 7: whole people in the Footprint and Gaps tables, axis titles on the Footprint chart,
  Data-page sections numbered consecutively, one upload limit (the page text and every uploader
  say the same, from ``GEOMAP_MAX_UPLOAD_MB``), 2SFCA and MCLP explained where they appear;
- item 8: headline figures say what they count, and every unit whose settlement figures exceed
  its census population is explained on the page;
- item 10: Footprint follows the sidebar's one country, and the overlay's availability is said
  as text on the page, not only in a tooltip.
"""

from __future__ import annotations

import re

import pytest
from browser._ui import pick_country
from browser.conftest import serve_app
from test_newcomer_browser import LOAD_MS, _main_text, _open, _params, _settle, _title

pytestmark = pytest.mark.browser

#: A whole number of people as the grids give it (with or without thousands separators), or no figure.
_WHOLE = re.compile(r"^(\d{1,3}(,\d{3})*|\d+|no data|—|)$")


def _grid(page, header: str):
    """The data grid having a column called ``header`` (waits for its accessible table)."""
    page.wait_for_function(
        "(h) => [...document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')].some(e => e.innerText.trim() === h)",
        arg=header,
        timeout=LOAD_MS,
    )
    return (
        page.locator('[data-testid="stDataFrame"]')
        .filter(has=page.locator("[role=columnheader]", has_text=re.compile(f"^{re.escape(header)}$")))
        .first
    )


def _columns(grid, *headers: str) -> dict[str, list[str]]:
    """The cells of ``headers`` in ``grid``, row by row."""
    names = [h.strip() for h in grid.locator("[role=columnheader]").all_inner_texts()]
    idx = {h: names.index(h) for h in headers}
    out: dict[str, list[str]] = {h: [] for h in headers}
    for row in grid.locator("[role=row]").all()[1:]:
        cells = row.locator("[role=gridcell]").all_inner_texts()
        if len(cells) < len(names):
            continue
        for h, i in idx.items():
            out[h].append(cells[i].strip())
    return out


def _number(text: str) -> float:
    return float(text.replace(",", ""))


# ---------------------------------------------------------------- item 7


def test_footprint_counts_whole_people_and_its_chart_has_axis_titles(browser, app_url):
    # split equally (the default): a national project's people are shared among 32 states
    context, page = _open(browser, app_url, "/footprint?country=MX", height=3000)
    try:
        grid = _grid(page, "People reached")
        cells = _columns(grid, "Unit", "People reached", "Officials trained")
        assert len(cells["Unit"]) >= 10
        for col in ("People reached", "Officials trained"):
            odd = [c for c in cells[col] if not _WHOLE.match(c)]
            assert odd == [], (col, odd)
        assert any(c and c != "no data" and _number(c) > 0 for c in cells["People reached"])
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="People reached").inner_text()
        assert re.search(r"People reached\s+\d{1,3}(,\d{3})*\s*$", metric), metric

        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.wait_for(timeout=LOAD_MS)
        titles = chart.evaluate("c => [...c.querySelectorAll('.role-axis-title')].map(t => t.textContent)") or [chart.inner_text()]
        assert "Year" in " ".join(titles) and "Projects active" in " ".join(titles), titles
        page.locator('[data-testid="stRadio"]').filter(has_text="Timeline shows").get_by_text("People reached", exact=True).click()
        _settle(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=stVegaLiteChart]')?.innerText || '').includes('People reached')", timeout=LOAD_MS
        )
        text = chart.inner_text()
        assert "Year" in text and "Projects active" not in text
    finally:
        context.close()


def test_gaps_tables_count_whole_people(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX&service=shelter&sites_shelter=3", height=3000)
    try:
        page.get_by_role("heading", name="Where the next sites would help most").wait_for(timeout=LOAD_MS)
        _settle(page, 3000)
        sites = _columns(_grid(page, "People newly within reach"), "Site", "People newly within reach")
        assert sites["Site"] == ["1", "2", "3"], sites
        assert all(_WHOLE.match(c) and c for c in sites["People newly within reach"]), sites
        ranked = _columns(_grid(page, "People beyond reach"), "People beyond reach")["People beyond reach"]
        assert len(ranked) >= 10
        odd = [c for c in ranked if not _WHOLE.match(c)]
        assert odd == [], odd
        covered = re.search(r"Covered now: ([\d,]+) of ([\d,]+) people in settlements", _main_text(page))
        assert covered, _main_text(page)[:500]
    finally:
        context.close()


def test_gaps_explains_2sfca_and_mclp_where_they_appear(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX&service=shelter", height=3000)
    try:
        text = _main_text(page)
        assert "2SFCA" in text and "MCLP" in text
        why = page.get_by_text(re.compile(r"2SFCA \(two-step floating catchment area\)")).first
        assert why.is_visible()  # said on the page, not only in a tooltip
        assert "maximal covering location (MCLP)" in why.inner_text()
        assert "beds of each provider shared among the people within its reach" in why.inner_text()
    finally:
        context.close()


def test_data_page_sections_are_numbered_consecutively_and_state_the_uploaders_limit(browser, app_url):
    context, page = _open(browser, app_url, "/data?country=MX", height=3000)
    try:
        heads = [h.strip() for h in page.locator('[data-testid="stMain"] h2, [data-testid="stMain"] h3').all_inner_texts()]
        assert len(heads) >= 3, heads
        numbers = [int(m.group(1)) for h in heads if (m := re.match(r"^(\d+)[.)]\s", h))]
        assert numbers == list(range(1, len(numbers) + 1)), heads  # 1, 2, 3… with no gap (or none numbered)
        stated = re.search(r"Size limit: ([\d,]+) MB", _main_text(page))
        assert stated
        said = (
            page.locator('[data-testid="stFileUploader"]')
            .filter(has_text="Upload a directory")
            .locator('[data-testid="stFileUploaderDropzoneInstructions"]')
            .inner_text()
        )
        assert f"{stated.group(1)}MB per file" in said, (stated.group(0), said)
    finally:
        context.close()


def test_one_upload_limit_setting_drives_the_text_and_every_uploader(browser, tmp_path_factory, store_vars):
    workdir = tmp_path_factory.mktemp("limit")
    env = {**store_vars(workdir / "data"), "GEOMAP_MAX_UPLOAD_MB": "7"}
    with serve_app(workdir, env) as url:
        context, page = _open(browser, url, "/data?country=MX")
        try:
            assert "Size limit: 7 MB." in _main_text(page)
            page.get_by_text("Bring your own boundaries (optional)").click()
            _settle(page, 800)
            said = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').all_inner_texts()
            assert len(said) >= 2 and all("7MB per file" in s for s in said), said
        finally:
            context.close()
        context, page = _open(browser, url, "/footprint?country=MX")
        try:
            page.get_by_text("Use your own project file").click()
            page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').first.wait_for(timeout=LOAD_MS)
            said = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').all_inner_texts()
            assert said and all("7MB per file" in s for s in said), said
        finally:
            context.close()


# ---------------------------------------------------------------- item 8


def test_gaps_headlines_say_what_they_count_and_census_excess_is_explained(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX&service=shelter", height=3000)
    try:
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        people = [lab for lab in labels if "beyond" in lab]
        assert len(people) == 2 and all("settlement" in lab.lower() for lab in people), labels
        text = _main_text(page)
        assert "Population model: settlements: GeoNames places of 500+ people (part of the census population)." in text
        note = re.search(r"In (.+?) the people counted in GeoNames settlements exceed the census population", text)
        assert note, "no word on units whose settlement figures exceed their census"
        named = set(note.group(1).split(", "))

        page.get_by_text("How much of the census the settlements represent").click()
        share = "Settlement people, share of census (%)"
        cells = _columns(_grid(page, share), "Unit", share)
        shown = cells["Unit"]  # the rows the grid has drawn (it draws those in view)
        assert len(shown) >= 10 and "Baja California" in shown, shown
        over = {u for u, s in zip(shown, cells[share]) if s and s != "no data" and _number(s) > 100}
        assert over, cells
        assert over == named & set(shown), (over, named)  # every such unit named, and only those
        assert "Baja California" in named  # its people beyond reach exceed its census (issue #17)
    finally:
        context.close()


def test_coverage_headlines_say_what_they_count(browser, app_url):
    context, page = _open(browser, app_url, "/coverage?country=MX")
    try:
        # the map is sent first: the headline figures follow in the same run
        page.locator('[data-testid="stMetric"]').filter(has_text="Population denominator").wait_for(timeout=LOAD_MS)
        metrics = {m.split("\n")[0].strip(): m for m in page.locator('[data-testid="stMetric"]').all_inner_texts()}
        assert "Population denominator" in metrics, metrics
        assert re.search(r"\d{4} census", metrics["Population denominator"]), metrics
        assert any(k.startswith(("Providers placed", "Providers shown exactly")) for k in metrics), metrics
    finally:
        context.close()


# ---------------------------------------------------------------- item 10


def test_footprint_follows_the_sidebar_country(browser, app_url):
    context, page = _open(browser, app_url, "/footprint?country=MX")
    try:
        assert _title(page) == "Donor footprint — Mexico"
        text = _main_text(page)
        assert re.search(r"placed in Mexico", text) and re.search(r"Reached \d+ of 32 units", text), text[:800]
        pick_country(page, "Nigeria")
        page.wait_for_function("() => [...document.querySelectorAll('h1')].some(h => h.innerText.includes('Nigeria'))", timeout=LOAD_MS)
        _settle(page)
        assert _title(page) == "Donor footprint — Nigeria"
        text = _main_text(page)
        assert "placed in Nigeria" in text and re.search(r"Reached \d+ of 37 units", text), text[:800]
        assert "Mexico" not in text.split("Sources")[0].replace("Donor footprint — Nigeria", "")
        assert _params(page.url)["country"] == "NG"
    finally:
        context.close()


def test_footprint_overlay_says_on_the_page_whether_it_can_be_drawn(browser, app_url):
    # a country with projects but no directory: the checkbox is off and the reason is page text
    context, page = _open(browser, app_url, "/footprint?country=UA")
    try:
        assert _title(page) == "Donor footprint — Ukraine"
        box = page.get_by_role("checkbox", name="Overlay: providers per unit")
        assert box.is_disabled()
        reason = page.get_by_text("No directory of services is loaded for Ukraine: upload one on the Data page to overlay it.")
        assert reason.count() == 1 and reason.is_visible()
    finally:
        context.close()
    # a country with a directory: the overlay can be switched on, and it says what it found
    context, page = _open(browser, app_url, "/footprint?country=MX")
    try:
        box = page.get_by_role("checkbox", name="Overlay: providers per unit")
        assert box.is_enabled()
        assert "No directory of services is loaded" not in _main_text(page)
        page.get_by_text("Overlay: providers per unit").click()
        page.get_by_text("Neither a funded project nor a provider:").wait_for(timeout=LOAD_MS)
        page.wait_for_url(re.compile(r"overlay=(true|1)"), timeout=LOAD_MS)
    finally:
        context.close()


def test_gaps_ranked_table_shows_key_columns_first_at_1400_px(browser, app_url):
    context, page = _open(browser, app_url, "/gaps?country=MX&service=shelter", width=1400, height=3000)
    try:
        grid = _grid(page, "Gap index")
        headers = [h.strip() for h in grid.locator("[role=columnheader]").all_inner_texts()]
        assert headers[:3] == ["Rank", "Unit", "Gap index"], headers  # in view without scrolling sideways
        cells = _columns(grid, "Rank", "Gap index")
        ranks = [int(r) for r in cells["Rank"]]
        index = [float(v) for v in cells["Gap index"]]
        assert len(ranks) >= 10 and ranks == sorted(ranks)
        assert index == sorted(index, reverse=True)  # worst first
        box, wide = grid.bounding_box(), page.viewport_size["width"]
        assert box["x"] + box["width"] <= wide, (box, wide)
    finally:
        context.close()
