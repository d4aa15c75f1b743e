"""Gaps page: who lives far from a service, where it is missing or thin, where sites would help most."""

from __future__ import annotations

import contextlib
import functools
import hashlib

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geomap import i18n, population
from geomap.analysis import catchments, distance, gaps, siting
from geomap.analysis import demand as demand_mod
from geomap.directory import disclosure, privacy, schema
from geomap.grids import cost, measures, overview
from geomap.grids import io as grid_io
from geomap.i18n import N_, _, ngettext
from geomap.io.sources import read_source
from geomap.layers import grid as grid_layer
from geomap.pages import _state, _url, _widgets
from geomap.report import gaps as report

__all__ = ["render"]

_MEASURES = {
    "gap_index": N_("Gap index (0 = no gap, 1 = worst)"),
    "share_within": N_("Share of settlement population within reach"),
    "mean_distance_km": N_("Population-weighted mean distance (km)"),
    "pop_beyond_km": N_("People beyond reach"),
    "per_100k": N_("Providers per 100,000 people"),
    "access_per_100k": N_("Beds within reach per 100,000 people (2SFCA)"),
}
_TABLE_COLUMNS = {
    "gap_rank": N_("Rank"), "name": N_("Unit"), "gap_index": N_("Gap index"), "providers": N_("Providers"),
    "pop_beyond_km": N_("People beyond reach"), "share_within": N_("% within reach"), "population": N_("Population (census)"),
    "per_100k": N_("Providers per 100k"), "mean_distance_km": N_("Mean distance (km)"),
    "access_per_100k": N_("Beds within reach per 100k (2SFCA)"), "settlement_share": N_("Settlement people, share of census (%)"),
    "c_absent": N_("Index part: no provider"), "c_supply": N_("Index part: too few per 100k"),
    "c_reach": N_("Index part: people beyond reach"), "parent_code": N_("Parent unit"),
    "grid_population": N_("People on the grid"), "grid_to_census": N_("Grid / census"),
}
#: The gap-index components as people read them (the weight sliders and the table).
_COMPONENT_LABELS = {"absent": N_("No provider"), "supply": N_("Too few per 100k"), "reach": N_("People beyond reach")}
_EXPLAIN = N_(
    "**2SFCA** (two-step floating catchment area): beds of each provider shared among the people "
    "within its reach, then summed for each settlement; a measure of capacity, not only distance. "
    "**Proposed sites** are chosen by maximal covering location (**MCLP**): the settlements where "
    "new sites would bring the most people within reach, existing sites counting as covering."
)
#: The proposed-sites table as people read it.
_SITE_COLUMNS = {
    "order": N_("Site"), "name": N_("Settlement"), "unit": N_("State"),
    "new_population_covered": N_("People newly within reach"), "share_after": N_("Share covered after (%)"),
}
#: The census-coverage table as people read it.
_CENSUS_COLUMNS = {
    "name": N_("Unit"), "settlement_share": N_("Settlement people, share of census (%)"),
    "settlement_population": N_("People in settlements"), "population": N_("Population (census)"),
    "settlements": N_("Settlements"), "code": N_("Code"),
}


def _component(key: str) -> str:
    """A gap-index component's name in the run's language."""
    return _(_COMPONENT_LABELS[key]) if key in _COMPONENT_LABELS else key


def _count(value) -> str:
    """A sum of people in the run's language ("no data" when missing)."""
    return i18n.number(None if pd.isna(value) else round(value), digits=0)


def _url_services() -> list[str]:
    return [v for v in st.query_params.get("service", "").split(",") if v in schema.SERVICE_TYPES]


def _url_params(services: list[str]) -> tuple[_url.Param, ...]:
    """The page's view in the URL: services, the map's measure and each service's reach (km)."""
    return (
        _url.Param("service", "gaps_services", "list", tuple(schema.SERVICE_TYPES)),
        _url.Param("measure", "gaps_measure", "str", tuple(_MEASURES)),
        *(_url.Param(f"radius_{s}", f"gaps_radius_{s}", "float") for s in services),
        *(_url.Param(f"sites_{s}", f"gaps_add_{s}", "int") for s in services),
    )


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest()[:16] if data else "none"


@st.cache_data(show_spinner=False, max_entries=16)
def _units_with_populations(units_key: str, pop_digest: str, _units, pop_bytes: bytes | None):
    if not pop_bytes:
        return _units
    return population.unit_populations(_units, pop_bytes, filename="populations.csv")


@st.cache_data(show_spinner=False, max_entries=16)
def _demand_points(country: str, units_key: str, demand_digest: str, _units, demand_bytes: bytes | None):
    points = demand_mod.read_demand_points(demand_bytes) if demand_bytes else demand_mod.load_settlements(country)
    return demand_mod.demand_points(_units, points)


@st.cache_data(show_spinner=False, max_entries=32)
def _service_gaps(
    key: str, service: str, radius_km: float, threshold: float, role: str, grid_key: str, _units, _directory, _demand, _reach=None
):
    # Per role: the public result leaves out (and bands) units with fewer than k confidential sites.
    return report.service_gaps(
        _units, _directory, _demand, service=service, radius_km=radius_km, threshold_per_100k=threshold, role=role, reach=_reach
    )


def _grid_controls():
    with st.expander(_("Population grid (optional: every person, from a raster of people per cell)"), expanded=False):
        tif = st.file_uploader(
            _("Population raster (GeoTIFF / COG of persons per cell: WorldPop, GHSL, GPW, HRSL)"), type=["tif", "tiff"],
            key="gaps_grid_upload",
        )
        fr = st.file_uploader(_("Friction surface (minutes per metre, GeoTIFF; optional)"), type=["tif", "tiff"], key="gaps_friction_upload")
        minutes = st.number_input(_("Travel-time budget (minutes)"), min_value=5.0, max_value=600.0, value=60.0, step=5.0, key="gaps_grid_minutes")
        st.caption(_("Without a raster, reach is measured from GeoNames settlements (part of the population)."))
    if tif is None:
        return None
    data = read_source(tif, what="population raster")
    friction = read_source(fr, what="friction surface") if fr else None
    return tif.name, data, friction, float(minutes)


def _grid_run(ctx, units, key: str, service: str, radius: float, grid):
    """Grid measures and the map overview for one service, kept in this session only."""
    name, data, fr, minutes = grid
    run_key = f"{key}:{service}:{radius:g}:{_digest(data)}:{_digest(fr)}:{minutes:g}:{ctx.role}"
    store = st.session_state.setdefault("gaps_grid_runs", {})
    if run_key in store:
        return store[run_key]
    n = len(measures.STAGES) if fr else len(measures.STAGES) - 1
    bar = st.progress(0.0, text=_("Population grid: reading the raster…"))

    def progress(stage: str, fraction: float) -> None:
        i = measures.STAGES.index(stage)
        bar.progress(min((i + fraction) / (n + 1), 1.0),
                     text=_("Population grid — {stage}: {share}").format(stage=_(stage), share=i18n.percent(fraction)))

    with contextlib.ExitStack() as uploads:
        info = uploads.enter_context(grid_io.open_upload(data, filename=name))
        friction = None
        if fr:  # read tile by tile while the upload stays open
            friction = cost.friction_raster(uploads.enter_context(grid_io.open_upload(fr, filename="friction surface")).path)
        directory = ctx.directory
        if not privacy.can_see_confidential(ctx.role):  # the disclosure rule: withheld sites shape no figure
            directory, _banded = gaps.public_inputs(units, directory, service=service)
        providers = distance.providers_offering(directory, service)
        table = measures.grid_measures(info, units, providers, radius_km=radius, friction=friction, minutes=minutes, progress=progress)
        bar.progress(n / (n + 1), text=_("Population grid — map overview"))
        ov = overview.distance_overview(info, providers, role=ctx.role)
    bar.progress(1.0, text=_("Population grid: done ({raster})").format(raster=i18n.isolate(info.label)))
    if len(store) >= 4:
        store.pop(next(iter(store)))
    store[run_key] = (table, ov)
    return table, ov


def _grid_for_service(ctx, units, key: str, service: str, radius: float, grid):
    """``(grid measures and overview, or None; a cache key of the grid inputs)``; errors shown, not raised."""
    if grid is None:
        return None, "none"
    try:
        out = _grid_run(ctx, units, key, service, radius, grid)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return None, "none"
    return out, f"{_digest(grid[1])}:{_digest(grid[2])}:{grid[3]:g}"


def _grid_summary(ctx, units, table: pd.DataFrame, ov, radius: float, service: str) -> None:
    st.subheader(_("Over every person: the population grid"))
    total = table["grid_population"].sum(min_count=1)
    beyond = table["pop_beyond_km"].sum(min_count=1)
    g1, g2, g3 = st.columns(3)
    g1.metric(_("People on the grid"), _count(total))
    g2.metric(_("Beyond {km} km").format(km=i18n.number(radius)), _count(beyond))
    if "pop_beyond_min" in table.columns:
        late = table["pop_beyond_min"].sum(min_count=1)
        g3.metric(_("Beyond {minutes} minutes").format(minutes=i18n.number(table["minutes"].iloc[0])), _count(late))
    st.caption(
        _("Population model: {model}. Every populated cell counts, in the unit that holds "
          "its centre; the reach columns of the table below are measured over the grid. The map is a coarse overview "
          "(a few hundred cells a side), never the full raster.").format(model=i18n.isolate(table.attrs.get("population_model", "")))
    )
    fmap = grid_layer.grid_overview_map(ov, units, boundary_source=ctx.boundary_source)
    st_folium(fmap, returned_objects=[], use_container_width=True, height=420, key=f"gaps_grid_map_{ctx.country}_{service}")


@st.cache_resource(show_spinner=False, max_entries=4)
def _road_graph(digest: str, name: str, _data: bytes):
    return catchments.load_road_graph(_data, filename=name)


@st.cache_data(show_spinner=False, max_entries=16)
def _road_catchments(key: str, service: str, graph_digest: str, minutes: float, role: str, _graph, _providers):
    # role in the key: a public session's providers leave out the withheld confidential sites
    return catchments.travel_time_catchments(_graph, _providers, minutes=minutes)


@st.cache_data(show_spinner=False, max_entries=32)
def _sites(key: str, service: str, radius_km: float, add: int, role: str, _demand, _providers):
    # role in the key: a public session's providers leave out the withheld confidential sites
    return siting.mclp_sites(_demand, radius_km=radius_km, add=add, existing=_providers)


def _controls(ctx):
    c1, c2 = st.columns([3, 2])
    st.session_state.setdefault("gaps_services", ["shelter"])
    services = c1.multiselect(_("Service(s)"), _widgets.service_options(ctx.directory), format_func=schema.label, key="gaps_services")
    measure = c2.selectbox(_("Map shows"), list(_MEASURES), format_func=lambda m: _(_MEASURES[m]), key="gaps_measure")
    radii: dict[str, float] = {}
    with st.expander(_("Reach, thresholds and gap-index weights"), expanded=False):
        cols = st.columns(max(len(services), 1))
        for col, s in zip(cols, services):
            st.session_state.setdefault(f"gaps_radius_{s}", float(distance.default_radius_km(s)))
            radii[s] = col.number_input(
                _("{service}: reach (km)").format(service=schema.label(s)), min_value=1.0, max_value=500.0, step=5.0, key=f"gaps_radius_{s}",
            )
        threshold = st.number_input(
            _("Threshold: providers per 100,000 people"), min_value=0.01, value=1.0, step=0.1, key="gaps_threshold"
        )
        st.caption(_("Gap index = weighted mean of the components below (each 0 = no gap … 1 = worst)."))
        wcols = st.columns(len(gaps.COMPONENTS))
        weights = {
            k: wc.slider(_("Weight: {component}").format(component=_component(k)), 0.0, 3.0, float(gaps.DEFAULT_WEIGHTS[k]), 0.5,
                         help=_(gaps.COMPONENTS[k]), key=f"gaps_w_{k}")
            for wc, k in zip(wcols, gaps.COMPONENTS)
        }
    with st.expander(_("Your own demand points or populations (optional)"), expanded=False):
        dem = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Demand points CSV (latitude, longitude, population)"), type=["csv"], key="gaps_demand_upload")
        pop = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Unit populations CSV (unit code or name, population[, year])"), type=["csv"], key="gaps_pop_upload")
    with st.expander(_("Road travel time (optional: needs a road network file)"), expanded=False):
        roads = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Road network (.osm XML or .graphml)"), type=["osm", "graphml", "xml"], key="gaps_roads")
        minutes = st.number_input(_("Travel-time budget (minutes)"), min_value=5.0, max_value=240.0, value=60.0, step=5.0, key="gaps_minutes")
    road = (roads.name, read_source(roads, what="road network"), float(minutes)) if roads else None
    demand_bytes = read_source(dem, what="demand points file") if dem else None
    pop_bytes = read_source(pop, what="population file") if pop else None
    return services, measure, radii, threshold, weights, demand_bytes, pop_bytes, road


def _table(table: pd.DataFrame) -> None:
    shown = table[[c for c in _TABLE_COLUMNS if c in table.columns]].copy()
    for c in ("share_within", "settlement_share"):
        if c in shown.columns:
            shown[c] = shown[c] * 100
    fmt = {
        "Population (census)": "{:,.0f}", "Providers per 100k": "{:.2f}", "% within reach": "{:.0f}",
        "People beyond reach": "{:,.0f}", "Mean distance (km)": "{:,.1f}", "Beds within reach per 100k (2SFCA)": "{:,.1f}",
        "Settlement people, share of census (%)": "{:.0f}",
        "Index part: no provider": "{:.0f}", "Index part: too few per 100k": "{:.2f}",
        "Index part: people beyond reach": "{:.2f}", "Gap index": "{:.2f}",
        "People on the grid": "{:,.0f}", "Grid / census": "{:.2f}",
    }
    shown = shown.rename(columns=_TABLE_COLUMNS)
    # A public table holds bands ("0–2", "fewer than 3") as text: number formats for numbers only.
    fmt = {c: f for c, f in fmt.items() if c in shown.columns and pd.api.types.is_numeric_dtype(shown[c])}
    shown = shown.rename(columns={v: _(v) for v in _TABLE_COLUMNS.values()})
    formats = {_(lab): functools.partial(i18n.format_like, f) for lab, f in fmt.items() if _(lab) in shown.columns}
    st.dataframe(shown.style.format(formats, na_rep=_("no data")), hide_index=True, width="stretch")


def _service_section(
    ctx, units, demand, *, key, service, radius, threshold, weights, measure, road, grid=None
) -> report.ServiceGaps | None:
    grid_out, grid_key = _grid_for_service(ctx, units, key, service, radius, grid)
    # A spinner while it works, then plain text (a finished status box looks like a control).
    with st.spinner(_("{service}: distances, catchments and 2SFCA…").format(service=schema.label(service))):
        reach = None if grid_out is None else grid_out[0]
        # the language in the key: a public table's banded cells ("fewer than 3", "12 or more") are text in it
        result = _service_gaps(f"{key}:{i18n.current().lang}", service, radius, threshold, ctx.role, grid_key, units, ctx.directory, demand, reach)
    if reach is not None:
        st.caption(_("{service}: computed for {n} settlements and the population grid.").format(service=schema.label(service), n=i18n.number(len(demand))))
    else:
        st.caption(_("{service}: computed for {n} settlements.").format(service=schema.label(service), n=i18n.number(len(demand))))
    try:
        table = gaps.gap_index(result.table, threshold_per_100k=threshold, weights=weights)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return
    result.table = table
    _headline_metrics(table, service, radius)
    _census_note(table)

    st.session_state.setdefault(f"gaps_add_{service}", 0)
    add = st.number_input(
        _("Propose new sites (how many)"), min_value=0, max_value=25, step=1, key=f"gaps_add_{service}",
        help=_("Maximal covering location (MCLP) over settlements: the sites that bring the most people within "
        "reach; existing sites count as covering."),
    )
    if add:
        with st.spinner(ngettext("Choosing {n} site…", "Choosing {n} sites…", int(add)).format(n=int(add))):
            result.sites = _sites(key, service, radius, int(add), ctx.role, demand, result.providers)
        st.caption(_("Proposed sites chosen (MCLP solver status: {status}).").format(status=result.sites.attrs.get("status")))

    road_catch = None
    if road is not None:
        name, data, minutes = road
        try:
            with st.spinner(_("Road travel time: {minutes} min catchments…").format(minutes=i18n.number(minutes))):
                graph = _road_graph(_digest(data), name, data)
                road_catch = _road_catchments(key, service, _digest(data), minutes, ctx.role, graph, result.providers)
            st.caption(ngettext("Road catchments for {n} provider", "Road catchments for {n} providers", len(road_catch)).format(n=i18n.number(len(road_catch))))
        except (ValueError, FileNotFoundError) as exc:
            st.error(i18n.error_text(exc))

    fmap = report.build_gaps_map(
        units, result, demand, role=ctx.role, view=distance.providers_offering(ctx.view, service), measure=measure, measure_label=_(_MEASURES[measure]),
        boundary_source=ctx.boundary_source, road_catchments=road_catch,
    )
    st_folium(fmap, returned_objects=[], use_container_width=True, height=560, key=f"gaps_map_{ctx.country}_{service}")
    if not privacy.can_see_confidential(ctx.role):
        st.caption(
            _("Catchments of confidential sites and distances to them are not drawn.") + " "
            + disclosure.caveat()
            + " " + _("Partners can sign in to see exact figures.")
        )
    st.caption(_(demand_mod.DEMAND_CAVEAT) + " " + demand_mod.outside_note(demand))
    _widgets.sources(ctx, _("Settlements: GeoNames (CC BY 4.0), places of 500 people or more"))
    if grid_out is not None:
        _grid_summary(ctx, units, table, grid_out[1], radius, service)

    st.subheader(_("Ranked gaps"))
    w = table.attrs["weights"]
    st.caption(_("Gap index weights: {weights}; threshold {threshold} providers per 100k. Units are ranked worst first.").format(
        weights=i18n.join(f"{_component(k)} {i18n.number(v)}" for k, v in w.items()), threshold=i18n.number(threshold)))
    parents = sorted({str(p) for p in table["parent_code"].dropna() if str(p)})
    if parents:  # admin-2 units brought by the user: drill down by admin-1 parent
        pick = st.selectbox(_("Units in"), ["", *parents], format_func=lambda c: c or _("All"), key=f"gaps_parent_{service}")
        _table(table if pick == "" else table[table["parent_code"].astype(str) == pick])
    else:
        _table(table)

    if result.sites is not None and len(result.sites):
        _sites_table(result.sites, units)

    _downloads(ctx, units, table, fmap, service)
    return result


def _headline_metrics(table: pd.DataFrame, service: str, radius: float) -> None:
    """The three headline figures over settlements or, when brought, the population grid."""
    # public: a banded unit with no provider shown may hold a few confidential ones
    banded = table["banded"].to_numpy(dtype=bool) if "banded" in table.columns else None
    none_shown = table["providers_known"] == 0 if "providers_known" in table.columns else table["lacks_service"].fillna(False).astype(bool)
    lacking = table.loc[none_shown, "name"].astype(str).tolist()
    beyond = table["pop_beyond_km"].sum(min_count=1)
    on_grid = "grid_population" in table.columns
    total = table["grid_population" if on_grid else "settlement_population"].sum(min_count=1)
    m1, m2, m3 = st.columns(3)
    exact = banded is not None and banded.any()
    m1.metric(
        (_("Units with no {service} shown exactly") if exact else _("Units with no {service}")).format(service=schema.label(service).lower()),
        _("{n} of {m}").format(n=i18n.number(len(lacking)), m=i18n.number(len(table))),
    )
    km = i18n.number(radius)
    share = i18n.percent(None if pd.isna(total) or not total else beyond / total)
    if on_grid:
        m2.metric(_("People on the grid beyond {km} km").format(km=km), _count(beyond),
                  help=_("Every populated cell of the population raster, counted in the unit holding its centre."))
        m3.metric(_("Share of the grid population beyond {km} km").format(km=km), share,
                  help=_("Of the {n} people on the population grid inside the units.").format(n=_count(total or 0)))
    else:
        m2.metric(_("People in settlements beyond {km} km").format(km=km), _count(beyond),
                  help=_("People living in the GeoNames settlements of 500+ people that are farther than the reach "
                         "from every provider; people outside those settlements are not counted."))
        m3.metric(_("Share of settlement people beyond {km} km").format(km=km), share,
                  help=_("Of the {n} people living in GeoNames settlements of this country, "
                         "not of the census population.").format(n=_count(total or 0)))
    if lacking:
        st.caption(_("No provider: {units}").format(units=i18n.join(i18n.isolate(u) for u in lacking)))
    st.caption(_("Population model: {model}.").format(model=_(str(table.attrs.get("population_model", gaps.SETTLEMENT_MODEL)))))


def _sites_table(s, units) -> None:
    """The proposed sites, numbered, with their settlement and state, and the coverage curve."""
    st.subheader(_("Where the next sites would help most"))
    a = s.attrs
    st.caption(_("Covered now: {covered} of {total} people in settlements.").format(
        covered=_count(a["covered_before"]), total=_count(a["total_population"])))
    names = dict(zip(units["code"].astype(str), units["name"].astype(str)))
    shown = pd.DataFrame(
        {
            "order": s["order"].to_numpy(),
            "name": s["name"].astype(str).to_numpy() if "name" in s.columns else "",
            "unit": s["unit_code"].astype(str).map(lambda c: names.get(c, c)).to_numpy() if "unit_code" in s.columns else "",
            "new_population_covered": s["new_population_covered"].round().astype("Int64").to_numpy(),
            "share_after": (s["cumulative_share_covered"] * 100).to_numpy(),
        }
    ).rename(columns={c: _(v) for c, v in _SITE_COLUMNS.items()})
    people, after = _(_SITE_COLUMNS["new_population_covered"]), _(_SITE_COLUMNS["share_after"])
    st.dataframe(shown.style.format({people: lambda v: i18n.number(v, digits=0), after: lambda v: i18n.number(v, digits=1)}),
                 hide_index=True)
    st.line_chart(shown.set_index(_(_SITE_COLUMNS["order"]))[after], height=200,
                  x_label=_("Sites added (in order)"), y_label=_("Settlement people within reach (%)"))


def _downloads(ctx, units, table: pd.DataFrame, fmap, service: str) -> None:
    """The gap table, the units with their measures and the map, to download."""
    exp = report.export_table(table)
    d1, d2, d3, d4 = st.columns(4)
    d1.download_button(_("Gap table (CSV)"), data=_widgets.csv_bytes(exp), file_name=f"geomap_gaps_{ctx.country}_{service}.csv",
                       mime="text/csv", key=f"gaps_csv_{service}")
    d2.download_button(_("Units + measures (GeoJSON)"), data=lambda: report.units_export_bytes(units, table, format="geojson"),
                       file_name=f"geomap_gaps_{ctx.country}_{service}.geojson", mime="application/geo+json",
                       key=f"gaps_geojson_{service}")
    d3.download_button(_("Units + measures (GeoPackage)"), data=lambda: report.units_export_bytes(units, table, format="gpkg"),
                       file_name=f"geomap_gaps_{ctx.country}_{service}.gpkg", mime="application/geopackage+sqlite3",
                       key=f"gaps_gpkg_{service}")
    d4.download_button(_("Map (HTML)"), data=lambda: _standalone(fmap), file_name=f"geomap_gaps_map_{ctx.country}_{service}.html",
                       mime="text/html", key=f"gaps_html_{service}")


def _census_note(table: pd.DataFrame) -> None:
    """Explain figures that exceed a unit's census population (settlements counted at another date)."""
    if "population" not in table.columns:
        return
    over = table[(table["settlement_population"] > table["population"]) & table["population"].notna()]
    if len(over):
        st.caption(
            _("In {units} the people counted in GeoNames settlements exceed the "
              "census population: settlement figures come from other years and sources than the census (and a "
              "settlement's population may include its surroundings), so settlement-based figures such as "
              "people beyond reach can be larger than the census.").format(units=i18n.join(i18n.isolate(u) for u in over["name"].astype(str)))
        )


def _in_language(lang: str, build):
    """``build()`` run in ``lang`` (a download is built when clicked, after the script run ended)."""
    with i18n.use(lang):
        return build()


def _standalone(fmap) -> bytes:
    from geomap.layers import assets

    return assets.standalone_html(fmap).encode("utf-8")


def render() -> None:
    """Draw the Gaps page."""
    ctx = _state.get_context()
    _url.seed("gaps", _url_params(st.session_state.get("gaps_services") or _url_services()))
    st.title(_("Gaps — {country}").format(country=ctx.country_name))
    if _widgets.no_directory(ctx, page="gaps"):
        _url.write(ctx.country)
        return
    if ctx.is_sample:
        st.info(_("Showing the bundled **fictional** sample directory.") + " " + _(schema.FICTIONAL_NOTICE), icon="ℹ️")
    _widgets.boundary_notice(ctx)
    services, measure, radii, threshold, weights, dem_bytes, pop_bytes, road = _controls(ctx)
    _url.write(ctx.country, _url_params(services))
    st.caption(_(_EXPLAIN))
    grid = _grid_controls()
    if not services:
        st.info(_("Pick at least one service."))
        return
    base_key = _widgets.directory_key(ctx)
    try:
        # the language in the key: the units carry their names in it (Natural Earth name_es, name_ar, …)
        units = _units_with_populations(f"{base_key}:{i18n.current().lang}", _digest(pop_bytes), ctx.units, pop_bytes)
        with st.spinner(_("Placing settlements in units…")):
            demand = _demand_points(ctx.country, base_key + _digest(pop_bytes), _digest(dem_bytes), units, dem_bytes)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return
    for note in units.attrs.get("population_notes", ()) if pop_bytes else ():
        st.caption(_("Population table: {note}").format(note=i18n.render(note)))
    key = f"{base_key}:{_digest(pop_bytes)}:{_digest(dem_bytes)}"
    tabs = st.tabs([schema.label(s) for s in services]) if len(services) > 1 else [st.container()]
    results = []
    for tab, service in zip(tabs, services):
        with tab:
            r = _service_section(ctx, units, demand, key=key, service=service, radius=radii[service],
                                 threshold=threshold, weights=weights, measure=measure, road=road, grid=grid)
            if r is not None:
                results.append(r)

    st.subheader(_("Report"))
    lang = i18n.current().lang  # the report is built when clicked: in this run's language
    st.download_button(
        _("Printable report (HTML, print to PDF)"),
        data=lambda: _in_language(lang, lambda: report.gaps_report(
            units, ctx.directory, demand, role=ctx.role, country_name=ctx.country_name,
            directory_label=ctx.directory_label, is_sample=ctx.is_sample, boundary_source=ctx.boundary_source,
            threshold_per_100k=threshold, weights=weights, results=results,
        )).encode("utf-8"),
        file_name=f"geomap_gaps_report_{ctx.country}.html",
        mime="text/html",
        key="gaps_report",
    )
    with st.expander(_("How much of the census the settlements represent")):
        cov = demand_mod.demand_coverage(units, demand).merge(units[["code", "name"]], on="code", how="left")
        cov["settlement_share"] = cov["settlement_share"] * 100
        shown = cov[list(_CENSUS_COLUMNS)].rename(columns={c: _(v) for c, v in _CENSUS_COLUMNS.items()})
        whole = lambda v: i18n.number(v, digits=0)  # noqa: E731
        st.dataframe(
            shown.style.format(
                {_("People in settlements"): whole, _("Population (census)"): whole,
                 _("Settlement people, share of census (%)"): whole},
                na_rep=_("no data"),
            ),
            hide_index=True,
        )
        st.caption(_(demand_mod.DEMAND_CAVEAT))
