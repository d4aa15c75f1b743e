"""Coverage page: providers per admin unit, as a map and a sortable table."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import NamedTuple

import pandas as pd
import shapely
import streamlit as st

from geomap import boundaries, i18n
from geomap.analysis import coverage
from geomap.directory import disclosure, privacy, schema
from geomap.i18n import _
from geomap.layers import coverage_map, live
from geomap.pages import _live_map, _state, _url, _widgets
from geomap.settings import get_settings

__all__ = ["render", "warm_up"]

_MAP_KEY = "cov_map"
_ALL_UNITS = "(all units)"
#: The page's view in the URL: /coverage?country=MX&service=shelter,legal_aid&measure=per_100k
URL_PARAMS = (
    _url.Param("service", "cov_services", "list", tuple(schema.SERVICE_TYPES)),
    _url.Param("population", "cov_populations", "list", tuple(schema.POPULATIONS)),
    _url.Param("measure", "cov_measure", "str", tuple(coverage.MEASURES)),
)


@st.cache_data(show_spinner=False, max_entries=16)
def _display_geometry(country: str, units_digest: str, _units):
    # Simplified map shapes: computed once per boundary set, not on every rerun.
    return coverage_map.display_geometry(_units)


@st.cache_resource(show_spinner=False, max_entries=16)
def _base_page(
    country: str, units_digest: str, directory_key: str, role: str, boundary_source: str, lang: str, _units, _view, *,
    day: str, rules: tuple[int, int],
) -> tuple[str, str]:
    # The map without a filter state, as a page, and its digest (the component's base id):
    # built once per boundary set, directory and role, whatever the filters. Two immutable
    # strings, so shared as they are (st.cache_data would unpickle a copy on every rerun).
    # Its popups and attribution are in ``lang``, and their stale notes count days to ``day``
    # under the settings' ``rules``: all three are part of the key.
    display = _display_geometry(country, units_digest, _units)
    base = coverage_map.coverage_base(_units, _view, boundary_source=boundary_source, role=role, display=display)
    html = live.page_html(base)
    return html, hashlib.blake2b(html.encode(), digest_size=12).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=32)
def _coverage_index(directory_key: str, which: str, _frame) -> coverage.CoverageIndex:
    # What counting and filtering read of the directory ("directory") or of a role's view,
    # parsed once per directory (read-only arrays, shared like the directory they come from).
    return coverage.coverage_index(_frame)


class _View(NamedTuple):
    """What a published table and its map update are built from (the key they are kept under)."""

    directory_key: str
    role: str
    lang: str
    services: tuple[str, ...]
    populations: tuple[str, ...]
    measure: str
    units_digest: str
    day: str  # verified shares count the days since a record was checked
    rules: tuple[int, int]  # the settings' disclosure k and days before a record is stale (see _day_and_rules)


@st.cache_resource(show_spinner=False, max_entries=64)
def _published_view(view_key: _View, _units, _directory, _on_map, *, _index, _role_view, _role_index) -> tuple[pd.DataFrame, dict, str]:
    # The table a role may see for these filters, its summary and the map's update (JSON), built
    # once per view and shared read-only: a filter put back, a country switched back to, or
    # another session on the same view is three lookups, not a count, disclosure bands, Babel
    # number formats, classification and shading again (~100 ms a run). Keyed by the directory
    # (its bytes, edits and stored change stamp), role, language, filters, units and day; the
    # frames themselves are never hashed.
    table = coverage.published_coverage(
        _units, _directory, role=view_key.role, services=list(view_key.services), populations=list(view_key.populations), index=_index
    )
    summary = coverage.public_summary(table)
    year = summary["population_year"]
    kept = coverage.filter_mask(_role_index, services=list(view_key.services), populations=list(view_key.populations))
    update = coverage_map.coverage_update(
        _units,
        table,
        _on_map,
        visible=_role_view.index[kept],
        measure=view_key.measure,
        measure_label=_(coverage.MEASURES[view_key.measure])
        + (" " + _("(population: {year} census)").format(year=year) if year and "100k" in view_key.measure else ""),
        caption=_filter_caption(list(view_key.services), list(view_key.populations)),
    )
    return table, summary, live.update_json(update)


def _day_and_rules() -> tuple[str, tuple[int, int]]:
    # Today, and the settings a published figure, band or popup follows: the disclosure k and
    # the days before a record is stale. Read once per run; they key the shared caches, so a
    # changed setting (environment or config file) takes effect at the next view, never leaving
    # figures banded by an old k.
    settings = get_settings()
    return date.today().isoformat(), (int(settings.disclosure_k), int(settings.stale_after_days))


def _map_base(
    ctx: _state.Context, key: str, units, on_map, *, units_digest: str, day: str, rules: tuple[int, int]
) -> tuple[str, str]:
    # The one call of the cached base page, shared by the page and its warm-up (same keys).
    return _base_page(
        ctx.country, units_digest, key, ctx.role, ctx.boundary_source, i18n.current().lang, units, on_map, day=day, rules=rules
    )


def warm_up(ctx: _state.Context) -> None:
    """Build what this page's first run for ``ctx`` takes from the shared caches.

    Called at server start for a new session's context (``geomap.pages._startup``), so the
    first visitor gets the directory's indexes, the map's base page and the unfiltered view
    (its table, summary and map update) ready-made. Builds
    nothing a session of ``ctx.role`` would not build itself.
    """
    key = _widgets.directory_key(ctx)
    full_index = _coverage_index(key, "directory", ctx.directory)
    role_index = _coverage_index(key, ctx.role, ctx.view)
    units_digest = _units_digest(ctx.units)
    day, rules = _day_and_rules()
    _map_base(ctx, key, ctx.units, ctx.view, units_digest=units_digest, day=day, rules=rules)
    # The view a new session opens on: every unit, no filter, the first measure.
    view = _View(key, ctx.role, i18n.current().lang, (), (), next(iter(coverage.MEASURES)), units_digest, day, rules)
    _published_view(view, ctx.units, ctx.directory, ctx.view, _index=full_index, _role_view=ctx.view, _role_index=role_index)


def _units_digest(units) -> str:
    return hashlib.sha256(b"".join(shapely.to_wkb(units.geometry.to_numpy()))).hexdigest()


def _filter_caption(services: list[str], populations: list[str]) -> str:
    # Under the legend: what the map shows (a screenshot of it says which filter was on).
    services_text = i18n.join(schema.label(c) for c in services) if services else _("all")
    populations_text = i18n.join(schema.label(c, vocabulary="population") for c in populations) if populations else _("all")
    return _("Services: {services}. Populations: {populations}.").format(services=services_text, populations=populations_text)


def _filter_note(services: list[str], populations: list[str]) -> str:
    parts = []
    either = _(" or ")
    if services:
        parts.append(either.join(schema.label(c) for c in services))
    if populations:
        parts.append(_("for {populations}").format(populations=either.join(schema.label(c, vocabulary="population") for c in populations)))
    return f" ({'; '.join(parts)})" if parts else ""


def _parent_label(code: str) -> str:
    return _("(all units)") if code == _ALL_UNITS else code


def render() -> None:
    """Draw the Coverage page."""
    ctx = _state.get_context()
    _url.seed("coverage", URL_PARAMS)
    st.title(_("Coverage — {country}").format(country=ctx.country_name))
    if _widgets.no_directory(ctx, page="coverage figures"):
        _url.write(ctx.country, URL_PARAMS)
        _live_map.forget(_MAP_KEY)  # no map in this run: the next one mounts a new component
        return
    if ctx.is_sample:
        st.info(_("Showing the bundled **fictional** sample directory.") + " " + _(schema.FICTIONAL_NOTICE), icon="ℹ️")
    _widgets.boundary_notice(ctx)
    # A full run that follows a visit to another page (the map component was unmounted) sends
    # the map whole again. A full run of this page (a country switch) and filter changes (a
    # fragment rerun) keep the component: it is sent a base it lacks, or just the new state.
    if not _state.same_page():
        _live_map.forget(_MAP_KEY)
    _coverage(ctx)


@st.fragment
def _coverage(ctx: _state.Context) -> None:
    # A fragment: changing a filter reruns only this part of the page (not the sidebar, the
    # navigation or the title). Anything that changes the context (country, sign-in, upload)
    # reruns the whole app, which calls this again with the new context.
    t = _state.activate_language()  # a fragment rerun runs without app.py: set its language again
    if _state.get_role() != ctx.role:  # a sign-in expired since the last full run
        st.rerun(scope="app")
    # The filters stand above the map, but their widgets are drawn after it: a keyed widget's
    # value is in the session state before its widget runs, and the map is what a filter change
    # waits for, so it is sent first (the browser renders the deltas in the order they come).
    controls = st.container()
    figures = st.container()
    key = _widgets.directory_key(ctx)
    full_index = _coverage_index(key, "directory", ctx.directory)
    options = list(schema.SERVICE_TYPES) + [c for c in coverage.categories_in(full_index) if c not in schema.SERVICE_TYPES]
    services = [c for c in st.session_state.get("cov_services", []) if c in options]
    populations = [c for c in st.session_state.get("cov_populations", []) if c in schema.POPULATIONS]
    measure = st.session_state.get("cov_measure")
    if measure not in coverage.MEASURES:
        measure = next(iter(coverage.MEASURES))
    units = ctx.units
    parents = boundaries.parent_codes(units)
    parent = st.session_state.get("cov_parent", _ALL_UNITS) if parents else _ALL_UNITS
    if parent != _ALL_UNITS and parent in parents:
        units = boundaries.children(units, parent)
    # The directory and the session's view are parsed once (per directory and role); a filter
    # change is then a few array operations.
    # Exact for partners; for the public, a unit's confidential count below k is a band (and so
    # is everything derived from it): see geomap.directory.disclosure.
    on_map = ctx.view
    if len(units) < len(ctx.units):
        on_map = on_map[on_map["admin1_code"].isin(set(units["code"]))]
    units_digest = _units_digest(units)
    day, rules = _day_and_rules()
    view = _View(key, ctx.role, i18n.current().lang, tuple(services), tuple(populations), measure, units_digest, day, rules)
    table, summary, update = _published_view(
        view, units, ctx.directory, on_map, _index=full_index, _role_view=ctx.view, _role_index=_coverage_index(key, ctx.role, ctx.view)
    )
    year = summary["population_year"]
    # The map is drawn once per base (shapes, every marker the session may see); a filter change
    # sends only the new shading, legend and the markers to show, applied in place.
    base_html, base_id = _map_base(ctx, key, units, on_map, units_digest=units_digest, day=day, rules=rules)
    _live_map.live_map(
        base_html,
        update,
        base_id=base_id,
        height=560,
        title=_("Coverage map of {country}").format(country=ctx.country_name),
        key=_MAP_KEY,
    )
    c1, c2, c3 = controls.columns([2, 2, 2])
    drawn = (
        _widgets.service_picker(c1, key="cov_services", options=options),
        _widgets.population_picker(c2, key="cov_populations"),
        c3.radio(_("Measure"), list(coverage.MEASURES), format_func=lambda m: _(coverage.MEASURES[m]), key="cov_measure", horizontal=False),
    )
    if parents:
        drawn += (
            controls.selectbox(
                _("Drill down into (level-1 unit)"),
                [_ALL_UNITS, *parents],
                format_func=_parent_label,
                key="cov_parent",
                help=_("Your boundary file is level 2: pick a level-1 unit to see only the units nested in it."),
            ),
        )
    if drawn != (services, populations, measure, *([parent] if parents else [])):
        st.rerun(scope="fragment")  # a value the state did not hold yet (first run of a widget)
    _url.write(ctx.country, URL_PARAMS)
    m1, m2, m3 = figures.columns(3)
    exact = privacy.can_see_confidential(ctx.role)
    m1.metric(
        _("Providers placed") if exact or not summary["banded"] else _("Providers shown exactly"),
        t.number(summary["providers"]),
        help=None if exact or not summary["banded"] else _(
            "Plus {band} confidential sites in each of the {n} banded unit(s).").format(band=disclosure.band_label(), n=t.number(summary["banded"])),
    )
    m2.metric(_("Units with at least one"), _("{n} of {total}").format(n=t.number(summary["units_with_providers"]), total=t.number(summary["units"])))
    m3.metric(_("Population denominator"), _("{year} census").format(year=year) if year else _("no data"))
    _widgets.sources(ctx, _("Population: {year} census").format(year=year) if year else _("Population: no census for these units"))
    _disclosure_notes(summary, exact=exact, services=services, populations=populations)
    # Collapsed by default, and drawn only while open: the interactive table is heavy for the
    # browser and would slow down the map's first paint and every filter change.
    box = st.expander(_("All {n} units (sortable table)").format(n=t.number(summary["units"])), key="cov_table_open", on_change="rerun")
    if box.open:
        with box:
            _widgets.unit_table(table)
    st.download_button(
        _("Download this table (CSV)"),
        # Built when clicked, not on every filter change (the page does not rerun for it).
        data=lambda: _widgets.csv_bytes(_widgets.headed(disclosure.export_table(table))),
        on_click="ignore",
        file_name=f"geomap_coverage_{ctx.country}.csv",
        mime="text/csv",
        key="cov_download",
    )


def _disclosure_notes(summary: dict, *, exact: bool, services: list[str], populations: list[str]) -> None:
    # The rule in force and the units without a provider (public: those without one shown,
    # whose band may hide a few confidential ones).
    t = i18n.current()
    if exact:
        st.caption(disclosure.caveat(exact=True))
    else:
        st.caption(_("Confidential providers are never drawn as markers.") + " " + disclosure.caveat() + " "
                   + _("Partners can sign in to see exact figures."))
    note = _filter_note(services, populations)
    without = summary["units_without"]
    names = lambda units: i18n.join(_widgets.md_text(t.isolate(n)) for n in units)  # noqa: E731
    if without and len(without) == summary["units"]:
        # Translators: {note} is empty or names the filter in brackets, e.g. " (Shelter; for Women)".
        st.markdown("**" + _("No provider{note} in any of the {n} units.").format(note=note, n=t.number(summary["units"])) + "**")
    elif without:
        st.markdown("**" + _("No provider{note} in {n} unit(s):").format(note=note, n=t.number(len(without))) + "** " + names(without))
    unknown = summary["units_unknown"]
    if unknown:
        st.markdown(
            "**" + _("No public provider{note}, and {band} confidential ones, in {n} unit(s):").format(
                note=note, band=disclosure.band_label(), n=t.number(len(unknown))) + "** " + names(unknown)
        )
