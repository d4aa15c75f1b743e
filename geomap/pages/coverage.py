"""Coverage page: providers per admin unit, as a map and a sortable table."""

from __future__ import annotations

import hashlib

import shapely
import streamlit as st
from streamlit_folium import st_folium

from geomap import boundaries
from geomap.analysis import coverage
from geomap.directory import privacy, schema
from geomap.layers import coverage_map
from geomap.pages import _state, _widgets

__all__ = ["render"]


@st.cache_data(show_spinner=False, max_entries=16)
def _display_geometry(country: str, units_digest: str, _units):
    # Simplified map shapes: computed once per boundary set, not on every rerun.
    return coverage_map.display_geometry(_units)


@st.cache_resource(show_spinner=False, max_entries=32)
def _bundled_arc_cache(country: str) -> dict:
    # Encoded borders of a country's bundled units (public data), shared by all sessions.
    return {}


def _arc_cache(country: str) -> dict:
    """Where the map keeps its encoded unit borders between reruns (a filter change re-sends
    the same shapes): shared for the bundled boundaries, this session's own for brought ones."""
    if not st.session_state.get(_state.K_BOUNDARY):
        return _bundled_arc_cache(country)
    cache = st.session_state.setdefault("cov_arc_cache", {})
    if len(cache) > 8:
        cache.clear()
    return cache


def _units_digest(units) -> str:
    return hashlib.sha256(b"".join(shapely.to_wkb(units.geometry.to_numpy()))).hexdigest()


@st.cache_data(show_spinner=False, max_entries=64)
def _coverage_table(country: str, directory_key: str, services: tuple[str, ...], populations: tuple[str, ...], _units, _directory, unit_codes: tuple[str, ...] = ()):
    return coverage.coverage_by_unit(_units, _directory, services=list(services) or None, populations=list(populations) or None)


def _filter_note(services: list[str], populations: list[str]) -> str:
    parts = []
    if services:
        parts.append(" or ".join(schema.label(c) for c in services))
    if populations:
        parts.append("for " + " or ".join(schema.label(c, vocabulary="population") for c in populations))
    return f" ({'; '.join(parts)})" if parts else ""


def render() -> None:
    """Draw the Coverage page."""
    ctx = _state.get_context()
    st.title(f"Coverage — {ctx.country_name}")
    if ctx.is_sample:
        st.info(f"Showing the bundled **fictional** sample directory. {schema.FICTIONAL_NOTICE}", icon="ℹ️")
    elif len(ctx.directory) == 0:
        st.info("No directory is loaded for this country. Upload one on the **Data** page.", icon="ℹ️")
    _coverage(ctx)


@st.fragment
def _coverage(ctx: _state.Context) -> None:
    # A fragment: changing a filter reruns only this part of the page (not the sidebar, the
    # navigation or the title). Anything that changes the context (country, sign-in, upload)
    # reruns the whole app, which calls this again with the new context.
    if _state.get_role() != ctx.role:  # a sign-in expired since the last full run
        st.rerun(scope="app")
    c1, c2, c3 = st.columns([2, 2, 2])
    services = _widgets.service_picker(c1, key="cov_services")
    populations = _widgets.population_picker(c2, key="cov_populations")
    measure = c3.radio(
        "Measure",
        list(coverage.MEASURES),
        format_func=coverage.MEASURES.get,
        key="cov_measure",
        horizontal=False,
    )

    units = ctx.units
    parents = boundaries.parent_codes(units)
    if parents:
        parent = st.selectbox(
            "Drill down into (level-1 unit)",
            ["(all units)", *parents],
            key="cov_parent",
            help="Your boundary file is level 2: pick a level-1 unit to see only the units nested in it.",
        )
        if parent != "(all units)":
            units = boundaries.children(units, parent)
    table = _coverage_table(
        ctx.country, _widgets.directory_key(ctx), tuple(services), tuple(populations), units, ctx.directory, tuple(units["code"])
    )
    summary = coverage.coverage_summary(table)
    year = summary["population_year"]
    m1, m2, m3 = st.columns(3)
    m1.metric("Providers placed", f"{summary['providers']:,}")
    m2.metric("Units with at least one", f"{summary['units_with_providers']} of {summary['units']}")
    m3.metric("Population denominator", f"{year} census" if year else "no data")

    shown = _widgets.filter_view(ctx.view, services=services, populations=populations)
    # The base map stays the same across filter changes; only the shading (with its legend) and
    # the markers are swapped in the component (no new iframe, no Leaflet reload).
    if len(units) < len(ctx.units):
        shown = shown[shown["admin1_code"].isin(set(units["code"]))]
    base, layers = coverage_map.coverage_layers(
        units,
        table,
        shown,
        measure=measure,
        measure_label=coverage.MEASURES[measure] + (f" (population: {year} census)" if year and "100k" in measure else ""),
        boundary_source=ctx.boundary_source,
        role=ctx.role,
        display=_display_geometry(ctx.country, _units_digest(units), units),
        arc_cache=_arc_cache(ctx.country),
    )
    st_folium(
        base,
        feature_group_to_add=layers,
        returned_objects=[],
        use_container_width=True,
        height=560,
        key=f"cov_map_{ctx.country}_{len(units)}",
    )
    st.caption(
        f"Boundaries: {ctx.boundary_source}. Vintage: {ctx.boundary_vintage}. Licence: {ctx.boundary_licence}. "
        + " ".join(ctx.boundary_notes)
    )
    hidden = int(table["confidential_providers"].sum())
    if hidden and not privacy.can_see_confidential(ctx.role):
        st.caption(
            f"{hidden} confidential provider(s) are counted in the map's shading but not drawn as markers. "
            "Partners can sign in to see them."
        )

    without = summary["units_without"]
    if without and len(without) == summary["units"]:
        st.markdown(f"**No provider{_filter_note(services, populations)} in any of the {summary['units']} units.**")
    elif without:
        st.markdown(
            f"**No provider{_filter_note(services, populations)} in {len(without)} unit(s):** "
            + ", ".join(_widgets.md_text(n) for n in without)
        )
    # Collapsed by default, and drawn only while open: the interactive table is heavy for the
    # browser and would slow down the map's first paint and every filter change.
    box = st.expander(f"All {summary['units']} units (sortable table)", key="cov_table_open", on_change="rerun")
    if box.open:
        with box:
            _widgets.unit_table(table)
    st.download_button(
        "Download this table (CSV)",
        data=_widgets.csv_bytes(table),
        file_name=f"geomap_coverage_{ctx.country}.csv",
        mime="text/csv",
        key="cov_download",
    )
