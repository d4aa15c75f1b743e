"""Donor footprint outputs: the report section and the full printable document.

The map is :mod:`geomap.layers.footprint_map` (re-exported here for callers).

Arranges results of :mod:`geomap.analysis.footprint` only; every figure comes from there. The
footprint holds aggregates per unit (project counts, budgets, people reached) and names of
fictional or user-given projects, never a provider's location: provider numbers enter only as
counts per unit (:func:`geomap.analysis.coverage.coverage_by_unit`), which are safe to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from geomap import i18n
from geomap import projects as P
from geomap.analysis import footprint as F
from geomap.directory import disclosure
from geomap.i18n import N_, _, ngettext
from geomap.layers.footprint_map import MEASURE_FORMATS, footprint_map, footprint_map_html
from geomap.report._template import Section, esc, page, table_html

__all__ = ["COLUMN_LABELS", "MEASURE_FORMATS", "ROW_STATUS_LABELS", "human_columns", "filters_text", "footprint_document", "footprint_map", "footprint_map_html", "footprint_section"]

#: Column headers of the footprint's human-facing tables (machine names stay in CSV exports).
COLUMN_LABELS: dict[str, str] = {
    "code": N_("Code"),
    "name": N_("Unit"),
    "projects": N_("Projects"),
    "budget": N_("Budget"),
    "currency": N_("Currency"),
    "reached": N_("People reached"),
    "officials_trained": N_("Officials trained"),
    "reached_unit": N_("Reached"),
    "providers": N_("Providers"),
    "overlay": N_("Funded / served"),
    "year": N_("Year"),
    "source_file": N_("File"),
    "source_row": N_("Row"),
    "field": N_("Field"),
    "value": N_("Value"),
    "reason": N_("Reason"),
    "status": N_("Status"),
}

#: A project row's outcome (the ``status`` of :func:`geomap.projects.project_issues`), for people.
ROW_STATUS_LABELS: dict[str, str] = {"placed": N_("placed"), "flagged": N_("flagged"), P.STATUS_ELSEWHERE: N_("elsewhere")}


def human_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` for people in the current language: its column headers (:data:`COLUMN_LABELS`),
    the problems of a project file (``reason``, messages) and the rows' outcomes (``status``)."""
    out = table.copy()
    if "reason" in out.columns:
        out["reason"] = pd.Series([i18n.render(v) for v in out["reason"].tolist()], index=out.index, dtype=object)
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda v: _(ROW_STATUS_LABELS[v]) if v in ROW_STATUS_LABELS else v)
    return out.rename(columns={c: _(COLUMN_LABELS[c]) for c in out.columns if c in COLUMN_LABELS})


def filters_text(filters: Mapping[str, Any] | None) -> str:
    """One line naming the filters in force (labels, not codes); ``"no filters"`` when none."""
    if not filters:
        return _("no filters")
    parts = []
    vocab = {"categories": "category", "activity_types": "activity_type", "statuses": "project_status"}
    names = {"categories": _("category"), "activity_types": _("activity"), "statuses": _("status"), "funders": _("funder"),
             "partners": _("partner")}
    for key, value in filters.items():
        if value in (None, [], (), ""):
            continue
        if key in ("year_from", "year_to"):
            continue
        values = [value] if isinstance(value, str) else list(value)
        if key in vocab:
            values = [P.project_label(v, vocabulary=vocab[key]) for v in values]
        parts.append(f"{names.get(key, key)}: {i18n.join(map(str, values))}")
    yf, yt = filters.get("year_from"), filters.get("year_to")
    if yf is not None or yt is not None:
        parts.append(_("years: {start}–{end}").format(start=yf if yf is not None else "…", end=yt if yt is not None else "…"))
    return i18n.join(parts, "; ") or _("no filters")


def footprint_section(
    footprint: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    by_year: pd.DataFrame | None = None,
    filters: Mapping[str, Any] | None = None,
    map_html: str | None = None,
    title: str | None = None,
) -> Section:
    """The footprint as one report section: headline, units not reached, table, timeline.

    Parameters
    ----------
    footprint
        :func:`geomap.analysis.footprint.footprint_by_unit` (or its overlay).
    summary
        :func:`geomap.analysis.footprint.footprint_summary` of it (with the projects).
    by_year
        :func:`geomap.analysis.footprint.activity_by_year`, shown as a table.
    filters
        The filters in force (keyword arguments of :func:`~geomap.analysis.footprint.filter_projects`).
    map_html
        A standalone map page (:func:`footprint_map_html`), embedded as an ``iframe``.
    """
    cur = footprint.attrs.get("currency")
    allocate = footprint.attrs.get("allocate", "split")
    t = i18n.current()
    headline = esc(_sentence(summary["headline"]))
    body = [f"<p><strong>{headline}</strong> <span class='meta'>({esc(filters_text(filters))})</span></p>"]
    if "projects" in summary:
        money = f"{t.number(summary['budget'], digits=0)} {esc(cur)}" if cur else _("no budget given")
        projects = ngettext("{n} project, {whole} of them country-wide", "{n} projects, {whole} of them country-wide",
                            summary["projects"]).format(n=t.number(summary["projects"]), whole=t.number(summary["whole_country_projects"]))
        # Translators: totals of the footprint: budget (number and currency), people reached, officials trained.
        rest = _("budget {money}; {reached} people reached; {trained} officials trained.").format(
            money=money, reached=t.number(summary["reached"], digits=0), trained=t.number(summary["officials_trained"], digits=0))
        body.append(f"<p>{esc(projects)}; {esc(rest)}</p>")
    missed = summary["units_not_reached"]
    body.append(
        "<p><strong>" + esc(_("Units not reached:")) + "</strong> "
        + (i18n.join(f"<bdi>{esc(n)}</bdi>" for n in missed) if missed else esc(_("none"))) + "</p>"
    )
    if map_html:
        map_title = _("Footprint map")
        body.append(f'<iframe class="map" title="{esc(map_title)}" srcdoc="{esc(map_html)}"></iframe>')
    table = F.footprint_table(footprint)
    table["reached_unit"] = table["reached_unit"].map({"yes": _("yes"), "no": _("not reached")})
    if "overlay" in table.columns:
        table["overlay"] = table["overlay"].map(lambda g: _(F.OVERLAY_GROUPS[g]) if g in F.OVERLAY_GROUPS else g)
    formats = {"budget": "{:,.0f}", "reached": "{:,.0f}", "officials_trained": "{:,.0f}", "providers": "{:,.0f}"}
    body.append(table_html(human_columns(table), formats={_(COLUMN_LABELS[k]): v for k, v in formats.items()}))
    allocation = _(F.ALLOCATIONS[allocate]) if allocate in F.ALLOCATIONS else allocate
    allocation_text = _("Budget and people reached of a project covering several units are {allocation}.").format(allocation=allocation)
    body.append(f"<p class='meta'>{esc(allocation_text)}</p>")
    if by_year is not None and len(by_year):
        body.append("<h3>" + esc(_("Activity per year")) + "</h3>")
        formats = {"year": "{}", "budget": "{:,.0f}", "reached": "{:,.0f}"}
        body.append(table_html(human_columns(by_year), formats={_(COLUMN_LABELS[k]): v for k, v in formats.items()}))
    return Section(title or _("Donor footprint"), "".join(body))


def _sentence(text: str) -> str:
    # First letter capitalised, the rest as written (str.capitalize would lower unit names).
    return text[:1].upper() + text[1:]


def footprint_document(
    units: gpd.GeoDataFrame,
    projects: pd.DataFrame,
    *,
    country_name: str,
    filters: Mapping[str, Any] | None = None,
    measure: str = "projects",
    allocate: str = "split",
    currency: str | None = None,
    coverage: pd.DataFrame | None = None,
    include_map: bool = True,
    boundary_source: str = "",
    illustrative: bool = False,
    fictional_directory: bool = False,
    sources: Iterable[str] = (),
    caveats: Iterable[str] = (),
    lang: str | None = None,
) -> str:
    """A self-contained, printable HTML footprint report for one country.

    Parameters
    ----------
    units
        Admin units of the country.
    projects
        Resolved projects (:func:`geomap.projects.resolve_projects`), unfiltered: ``filters``
        are applied here so the document states them.
    country_name
        For the title.
    filters
        Keyword arguments of :func:`geomap.analysis.footprint.filter_projects`.
    measure, allocate, currency
        See :func:`footprint_map` and :func:`geomap.analysis.footprint.footprint_by_unit`.
    coverage
        Provider counts per unit (:func:`geomap.analysis.coverage.coverage_by_unit`); adds the
        overlay (map outline and table columns).
    include_map
        Embed the standalone map.
    illustrative
        The projects are the bundled illustrative sample: say so at the top.
    fictional_directory
        The provider counts of the overlay come from a fictional sample directory.
    sources, caveats
        Extra lines for the document's end.
    lang
        The document's language (``en``, ``es``, ``fr``, ``ar``); by default the current one.
    """
    with i18n.use(lang):
        return _footprint_document(units, projects, country_name=country_name, filters=filters, measure=measure,
                                   allocate=allocate, currency=currency, coverage=coverage, include_map=include_map,
                                   boundary_source=boundary_source, illustrative=illustrative,
                                   fictional_directory=fictional_directory, sources=sources, caveats=caveats)


def _footprint_document(units, projects, *, country_name, filters, measure, allocate, currency, coverage, include_map,
                        boundary_source, illustrative, fictional_directory, sources, caveats) -> str:
    filters = dict(filters or {})
    kept = F.filter_projects(projects, **filters)
    fp = F.footprint_by_unit(units, kept, allocate=allocate, currency=currency)
    if coverage is not None:
        fp = F.footprint_overlay(fp, coverage)
    summary = F.footprint_summary(fp, kept)
    by_year = F.activity_by_year(kept, currency=fp.attrs.get("currency"))
    map_html = None
    if include_map:
        map_html = footprint_map_html(units, fp, measure=measure, overlay=coverage is not None, boundary_source=boundary_source)
    sections = []
    if illustrative:
        sections.append(Section(_("Illustrative data"), "<p class='notice'>" + esc(_(P.ILLUSTRATIVE_NOTICE)) + "</p>"))
    sections.append(footprint_section(fp, summary, by_year=by_year, filters=filters, map_html=map_html))
    acc = P.project_row_accounting(projects)
    issues = P.project_issues(projects)
    n = i18n.number
    rows_text = ngettext("{total} row read: {placed} placed, {flagged} flagged, {elsewhere} in other countries.",
                         "{total} rows read: {placed} placed, {flagged} flagged, {elsewhere} in other countries.", acc["total"])
    rows_html = "<p>" + esc(rows_text.format(total=n(acc["total"]), placed=n(acc["placed"]), flagged=n(acc["flagged"]),
                                             elsewhere=n(acc["elsewhere"]))) + "</p>"
    if len(issues):
        rows_html += table_html(human_columns(issues), max_rows=200)
    sections.append(Section(_("Rows and problems"), rows_html))
    sources = [*sources]
    if boundary_source:
        sources.append(_("Boundaries: {source}").format(source=boundary_source))
    caveats = [
        *caveats,
        _("A project covering the whole country counts in every unit."),
        _("Budget and people reached of multi-unit projects are {allocation}.").format(allocation=_(F.ALLOCATIONS[allocate])),
    ]
    if coverage is not None:
        caveats.append(_("Provider counts come from the directory in use; a unit without providers there may still have services not listed."))
        if coverage.attrs.get("view") == "public":
            caveats.append(_("In the overlay, a unit counts as served only by the providers shown exactly."))
    exact = coverage is not None and coverage.attrs.get("view") != "public"
    caveats.append(disclosure.caveat(k=None if coverage is None else coverage.attrs.get("disclosure_k"), exact=exact))
    return page(
        _("Donor footprint — {country}").format(country=country_name),
        sections,
        subtitle=_sentence(summary["headline"]),
        sources=sources,
        caveats=caveats,
        fictional=fictional_directory and coverage is not None,
    )
