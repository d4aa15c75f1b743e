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

from geomap import projects as P
from geomap.analysis import footprint as F
from geomap.layers.footprint_map import MEASURE_FORMATS, footprint_map, footprint_map_html
from geomap.report._template import Section, esc, page, table_html

__all__ = ["MEASURE_FORMATS", "filters_text", "footprint_document", "footprint_map", "footprint_map_html", "footprint_section"]

def filters_text(filters: Mapping[str, Any] | None) -> str:
    """One line naming the filters in force (labels, not codes); ``"no filters"`` when none."""
    if not filters:
        return "no filters"
    parts = []
    vocab = {"categories": "category", "activity_types": "activity_type", "statuses": "project_status"}
    names = {"categories": "category", "activity_types": "activity", "statuses": "status", "funders": "funder", "partners": "partner"}
    for key, value in filters.items():
        if value in (None, [], (), ""):
            continue
        if key in ("year_from", "year_to"):
            continue
        values = [value] if isinstance(value, str) else list(value)
        if key in vocab:
            values = [P.project_label(v, vocabulary=vocab[key]) for v in values]
        parts.append(f"{names.get(key, key)}: {', '.join(map(str, values))}")
    yf, yt = filters.get("year_from"), filters.get("year_to")
    if yf is not None or yt is not None:
        parts.append(f"years: {yf if yf is not None else '…'}–{yt if yt is not None else '…'}")
    return "; ".join(parts) or "no filters"


def footprint_section(
    footprint: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    by_year: pd.DataFrame | None = None,
    filters: Mapping[str, Any] | None = None,
    map_html: str | None = None,
    title: str = "Donor footprint",
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
    headline = esc(summary["headline"].capitalize())
    body = [f"<p><strong>{headline}</strong> <span class='meta'>({esc(filters_text(filters))})</span></p>"]
    if "projects" in summary:
        money = f"{summary['budget']:,.0f} {esc(cur)}" if cur else "no budget given"
        body.append(
            f"<p>{summary['projects']:,} project(s), {summary['whole_country_projects']:,} of them country-wide; "
            f"budget {money}; {summary['reached']:,.0f} people reached; "
            f"{summary['officials_trained']:,.0f} officials trained.</p>"
        )
    missed = summary["units_not_reached"]
    body.append(
        "<p><strong>Units not reached:</strong> " + (esc(", ".join(missed)) if missed else "none") + "</p>"
    )
    if map_html:
        body.append(f'<iframe class="map" title="Footprint map" srcdoc="{esc(map_html)}"></iframe>')
    table = F.footprint_table(footprint)
    table["reached_unit"] = table["reached_unit"].map({"yes": "yes", "no": "not reached"})
    if "overlay" in table.columns:
        table["overlay"] = table["overlay"].map(F.OVERLAY_GROUPS)
    body.append(table_html(table, formats={"budget": "{:,.0f}", "reached": "{:,.0f}", "officials_trained": "{:,.0f}", "providers": "{:,.0f}"}))
    body.append(f"<p class='meta'>Budget and people reached of a project covering several units are {esc(F.ALLOCATIONS.get(allocate, allocate))}.</p>")
    if by_year is not None and len(by_year):
        body.append("<h3>Activity per year</h3>")
        body.append(table_html(by_year, formats={"year": "{}", "budget": "{:,.0f}", "reached": "{:,.0f}"}))
    return Section(title, "".join(body))


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
    """
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
        sections.append(Section("Illustrative data", f"<p class='notice'>{esc(P.ILLUSTRATIVE_NOTICE)}</p>"))
    sections.append(footprint_section(fp, summary, by_year=by_year, filters=filters, map_html=map_html))
    acc = P.project_row_accounting(projects)
    issues = P.project_issues(projects)
    rows_html = (
        f"<p>{acc['total']:,} rows read: {acc['placed']:,} placed, {acc['flagged']:,} flagged, "
        f"{acc['elsewhere']:,} in other countries.</p>"
    )
    if len(issues):
        rows_html += table_html(issues, max_rows=200)
    sections.append(Section("Rows and problems", rows_html))
    sources = [*sources]
    if boundary_source:
        sources.append(f"Boundaries: {boundary_source}")
    caveats = [
        *caveats,
        "A project covering the whole country counts in every unit.",
        f"Budget and people reached of multi-unit projects are {F.ALLOCATIONS[allocate]}.",
    ]
    if coverage is not None:
        caveats.append("Provider counts come from the directory in use; a unit without providers there may still have services not listed.")
    return page(
        f"Donor footprint — {country_name}",
        sections,
        subtitle=summary["headline"].capitalize(),
        sources=sources,
        caveats=caveats,
        fictional=fictional_directory and coverage is not None,
    )
