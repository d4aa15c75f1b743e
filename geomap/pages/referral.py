"""Referral page: the nearest suitable partners from a starting point, and how to reach them.

Widgets and calls only: the search is :mod:`geomap.analysis.referral` (ranked for the session's
role, then published through :func:`~geomap.analysis.referral.publish_referrals`), the sheet
:mod:`geomap.report.referral`. The page URL holds the search only (start as a town, state,
rounded click or non-confidential organisation; services; filters) so it can be shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geomap import i18n
from geomap.analysis import referral
from geomap.directory import privacy, schema
from geomap.i18n import N_, _, ngettext
from geomap.io.sources import read_source
from geomap.layers import referral_map
from geomap.pages import _state, _url, _widgets
from geomap.report import referral as sheet

__all__ = ["render"]

_KINDS = {"point": N_("Map click"), "town": N_("Town"), "unit": N_("State"), "org": N_("My organisation")}
_K = "ref_"  # session_state key prefix of this page


@st.cache_data(show_spinner=False, max_entries=64)
def _search(
    key: str,
    start: tuple[float, float, str, str, str, bool, str | None],
    *,
    services: tuple[str, ...],
    populations: tuple[str, ...],
    language: str | None,
    open_24h: bool | None,
    accepting_only: bool,
    match: str,
    n: int,
    role: str,
    today: date,
    _directory: gpd.GeoDataFrame,
    _units: gpd.GeoDataFrame,
    graph_key: str = "",
    _graph=None,
) -> gpd.GeoDataFrame:
    results = referral.relax_filters(
        _directory,
        referral.Start(*start),
        services=list(services),
        populations=list(populations),
        language=language,
        open_24h=open_24h,
        accepting_only=accepting_only,
        match=match,
        n=n,
        today=today,
        units=_units,
        role=role,
    )
    if _graph is not None:
        results = referral.add_travel_times(results, _graph, referral.Start(*start))
    return referral.publish_referrals(results, role=role)


@st.cache_resource(show_spinner=False, max_entries=4)
def _road_graph(digest: str, name: str, _data: bytes):
    # keyed by content; a graph is read-only once built
    from geomap.analysis import catchments

    return catchments.load_road_graph(_data, filename=name)


def _road_graph_upload():
    """An optional road network for travel times; ``(key, graph)`` or ``("", None)``."""
    with st.expander(_("Road travel times (optional: a road network file)")):
        st.caption(_("An OpenStreetMap extract (.osm) or a GraphML road graph of the area. Distances stay straight-line; travel times are added beside them."))
        up = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Road network"), type=["osm", "graphml", "xml"], key=f"{_K}roads")
        if up is None:
            return "", None
        data = read_source(up, what="road network")
        digest = hashlib.sha256(data).hexdigest()
        try:
            return digest, _road_graph(digest, up.name, data)
        except (ValueError, OSError) as exc:
            st.error(_("{file}: {error}").format(file=up.name, error=i18n.error_text(exc)))
            return "", None


def _init_from_url(ctx: _state.Context) -> None:
    """Seed the widgets from the URL once per country (a shared link reproduces the search)."""
    if st.session_state.get(_K + "seeded") == ctx.country:
        return
    st.session_state[_K + "seeded"] = ctx.country
    q = referral.ReferralQuery.from_params(st.query_params.to_dict())
    if q.start_kind:
        st.session_state[_K + "kind"] = q.start_kind
        st.session_state[_K + {"point": "click", "town": "town", "unit": "state", "org": "org"}[q.start_kind]] = (
            q.start_value
        )
    st.session_state[_K + "services"] = list(q.services)
    st.session_state[_K + "populations"] = list(q.populations)
    st.session_state[_K + "language"] = q.language or ""
    st.session_state[_K + "h24"] = bool(q.open_24h)
    st.session_state[_K + "accepting"] = q.accepting_only
    st.session_state[_K + "match"] = q.match
    st.session_state[_K + "n"] = q.n


def _languages(view: pd.DataFrame) -> list[str]:
    if "languages" not in view.columns:
        return []
    seen: dict[str, str] = {}
    for v in view["languages"]:
        for item in schema.parse_list(v):
            seen.setdefault(schema.normalise_header(item), item)
    return sorted(seen.values(), key=str.casefold)


def _start_widgets(ctx: _state.Context, col) -> str:
    """Draw the start picker; returns the chosen start value (text) for the chosen kind."""
    kind = col.radio(_("Start from"), list(_KINDS), format_func=lambda k: _(_KINDS[k]), key=_K + "kind", horizontal=True)
    if kind == "point":
        value = st.session_state.get(_K + "click", "")
        col.caption(_("Clicked point: {point}").format(point=value) if value else _("Click the map below to set the starting point."))
        return value
    if kind == "town":
        return col.text_input(_("Town"), key=_K + "town", placeholder=_("e.g. a town name; spelling mistakes are fine"))
    if kind == "unit":
        codes = ctx.units["code"].astype(str).tolist()
        names = dict(zip(codes, ctx.units["name"].astype(str)))
        if st.session_state.get(_K + "state") not in codes:
            st.session_state.pop(_K + "state", None)
        return col.selectbox(_("State"), codes, format_func=lambda c: f"{names[c]} ({c})", key=_K + "state", index=None,
                             placeholder=_("Choose a state")) or ""
    view = ctx.view
    located = view.geometry.notna() & ~view.geometry.is_empty
    orgs = view[located & view["id"].notna()] if "id" in view.columns else view.iloc[0:0]
    ids = orgs["id"].astype(str).tolist()
    names = dict(zip(ids, orgs["display_name"].astype(str)))
    if st.session_state.get(_K + "org") not in ids and st.session_state.pop(_K + "org", None):
        col.warning(_("The organisation in this link cannot be a starting point in this view; choose another."))
    return col.selectbox(_("Organisation"), ids, format_func=lambda i: names.get(i, i), key=_K + "org", index=None,
                         placeholder=_("Choose your organisation")) or ""


@st.cache_resource(show_spinner=False, max_entries=8)
def _outline_features(key: str, _units: gpd.GeoDataFrame) -> dict:
    return referral_map.outline_features(_units)


def _referral_map(published: gpd.GeoDataFrame, start: referral.Start | None, ctx: _state.Context):
    """The offline map of the search (drawn by :func:`geomap.layers.referral_map.referral_map`)."""
    key = f"{len(ctx.units)}:{ctx.units.total_bounds.round(4).tolist()}:{ctx.units['code'].astype(str).str.cat()[:200]}"
    return referral_map.referral_map(
        published, start, ctx.units, role=ctx.role, outlines=_outline_features(key, ctx.units),
        boundary_source=ctx.boundary_source,
    )


def _needs_met(row: pd.Series, needs: list[str]) -> str:
    """"Meets 2 of 3 needs: Shelter, Legal aid" (with two needs or more; else empty)."""
    if len(needs) < 2:
        return ""
    offered = set(schema.parse_service_types(row.get("service_types"))[0])
    met = [schema.label(s) for s in needs if s in offered]
    return _("Meets {k} of {n} needs: {list}").format(k=len(met), n=len(needs), list=i18n.join(met) or "—")


def _card(row: pd.Series, needs: Sequence[str] = ()) -> None:
    with st.container(border=True):
        t = i18n.current()
        stale = " · ⚠️ " + _("**stale record**: not verified for over a year") if bool(row.get("stale")) else ""
        name = _widgets.md_text(t.isolate(row.get("display_name")))
        st.markdown(f"**{int(row['rank'])}. {name}** — {_widgets.md_text(row.get('distance'))}{stale}")
        met = _needs_met(row, list(needs))
        if met:
            st.markdown(f"**{_widgets.md_text(met)}**")
        services = i18n.join(schema.label(s) for s in schema.parse_service_types(row.get("service_types"))[0])
        pops = i18n.join(schema.label(p, vocabulary="population") for p in schema.parse_populations(row.get("populations_served"))[0])
        lines = [_("Services: {list}").format(list=services or _("not listed")), _("Serves: {list}").format(list=pops or _("not listed"))]
        langs = schema.format_list(row.get("languages"))
        if langs:
            lines.append(_("Languages: {list}").format(list=langs))
        hours = _("24 hours") if schema.parse_bool(row.get("open_24h")) else (row.get("hours") or "")
        if isinstance(hours, str) and hours:
            lines.append(_("Hours: {hours}").format(hours=hours))
        contact = [t.isolate(row.get(c)) for c in ("phone", "email", "website") if _present(row.get(c))]
        if contact:
            lines.append(_("Contact: {contact}").format(contact=" · ".join(contact)))
        elif _present(row.get("front_door_contact")) and str(row.get("front_door_contact")) not in str(row.get("display_name")):
            lines.append(_("Contact via: {contact}").format(contact=t.isolate(row.get("front_door_contact"))))
        if _present(row.get("referral_method")):
            lines.append(_("How to refer: {method}").format(method=row.get("referral_method")))
        accepting = schema.parse_bool(row.get("accepting_referrals"))
        if accepting is not None:
            lines.append(_("Accepting referrals") if accepting else _("Not accepting referrals at last check"))
        where: list[str] = []
        for c in ("address", "town", "admin1_name"):  # a part already said (the town in the address) once only
            part = str(row.get(c)).strip() if _present(row.get(c)) else ""
            if part and not any(part.casefold() in w.casefold() for w in where):
                where.append(part)
        if where:
            lines.append(_("Where: {place}").format(place=i18n.join(t.isolate(w) for w in where)))
        d = schema.parse_date(row.get("last_verified"))
        lines.append(_("Last verified: {date}").format(date=t.date(d, format="yyyy-MM-dd") if d else _("never")))
        st.markdown("  \n".join(_widgets.md_text(x) for x in lines))


def _need_groups(part: pd.DataFrame, services: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """One group per chosen need: the providers matching it (a provider may serve several)."""
    out = []
    for service in services:
        offered = part["service_types"].map(lambda v: schema.parse_service_types(v)[0])
        out.append((service, part[offered.map(lambda codes, s=service: s in codes).astype(bool)]))
    return out


def _result_groups(published: pd.DataFrame, services: list[str], *, full: bool, per_need: bool) -> None:
    """The cards, grouped by need (when searching per need), public before confidential ones."""
    groups = [referral.GROUP_NEAREST, referral.GROUP_CONFIDENTIAL] if not full else [None]
    for group in groups:
        part = published if group is None else published[published["group"] == group]
        if not len(part):
            continue
        st.subheader(_(group or referral.GROUP_NEAREST))
        if group == referral.GROUP_CONFIDENTIAL:
            st.caption(_("Distances are approximate bands; contact these services through their front-door contact."))
        if not per_need:
            for _i, row in part.iterrows():
                _card(row, services)
            continue
        for service, rows in _need_groups(part, services):
            st.markdown(ngettext("**{service}** — {n} found", "**{service}** — {n} found", len(rows)).format(
                service=schema.label(service), n=i18n.number(len(rows))))
            if not len(rows):
                st.caption(_("None offering {service} in this group.").format(service=schema.label(service).lower()))
            for _i, row in rows.iterrows():
                _card(row, services)


def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        if pd.isna(value) is True:
            return False
    except (TypeError, ValueError):
        pass
    return bool(str(value).strip())


def render() -> None:
    """Draw the Referral page."""
    ctx = _state.get_context()
    pending = st.session_state.pop(_K + "pending_click", None)
    _init_from_url(ctx)
    if pending:
        st.session_state[_K + "kind"] = "point"
        st.session_state[_K + "click"] = pending
    st.title(_("Referral finder — {country}").format(country=ctx.country_name))
    if _widgets.no_directory(ctx, page="partners"):
        _url.write(ctx.country)
        return
    _widgets.boundary_notice(ctx)
    if ctx.is_sample:
        st.info(_("Showing the bundled **fictional** sample directory.") + " " + _(schema.FICTIONAL_NOTICE), icon="ℹ️")
    full = privacy.can_see_confidential(ctx.role)
    if not full:
        st.caption(
            _("Public view: confidential shelters are listed with their state, a front-door contact and a "
            "distance band only, in a separate group; they are never drawn on the map.")
        )

    query, start = _query(ctx)
    graph_key, graph = _road_graph_upload()
    published = None
    if start is not None and query.services:
        published = _search(
            f"{_widgets.directory_key(ctx)}:{i18n.current().lang}",  # distances are text in the run's language
            (start.lat, start.lon, start.label, start.kind, start.value, start.shareable, start.share_unit),
            services=query.services, populations=query.populations, language=query.language,
            open_24h=query.open_24h, accepting_only=query.accepting_only, match=query.match, n=query.n,
            role=ctx.role, today=date.today(), _directory=ctx.directory, _units=ctx.units,
            graph_key=graph_key, _graph=graph,
        )
        _url.write(ctx.country, extra=referral.share_params(query, start))
    elif start is not None:
        _url.write(ctx.country, extra=referral.share_params(query, start))
        st.info(_("Choose at least one service type to see partners."))
    else:
        _url.write(ctx.country, extra=query.to_params() if query.start_kind != "org" else {})
        st.info(_("Set a starting point: click the map, type a town, choose a state or your organisation."))

    map_data = st_folium(
        _referral_map(published if published is not None else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), start, ctx),
        returned_objects=["last_clicked"],
        use_container_width=True,
        height=480,
        key=f"ref_map_{ctx.country}",
    )
    _widgets.sources(ctx, _("Towns: GeoNames (CC BY 4.0)"))
    clicked = (map_data or {}).get("last_clicked")
    if clicked:
        # A new click (the component keeps returning the last one on every rerun).
        pt = referral.start_from_point(clicked["lat"], clicked["lng"])
        if st.session_state.get(_K + "last_seen_click") != pt.value:
            st.session_state[_K + "last_seen_click"] = pt.value
            st.session_state[_K + "pending_click"] = pt.value
            st.rerun()

    if published is not None:
        _results(published, full, query)
        _downloads(published, ctx, full)


def _match_label(match: str, n: int) -> str:
    """The "Show" choice ``match`` ("any" or "all") for ``n`` results, in the run's language."""
    if match == "all":
        return ngettext("{n} nearest offering all the needs", "{n} nearest offering all the needs", n).format(n=i18n.number(n))
    return ngettext("{n} nearest for each need", "{n} nearest for each need", n).format(n=i18n.number(n))


def _query(ctx: _state.Context) -> tuple[referral.ReferralQuery, referral.Start | None]:
    """The search widgets: the query, and its starting point once one is set and found."""
    c1, c2 = st.columns([3, 2])
    value = _start_widgets(ctx, c1)
    kind = st.session_state.get(_K + "kind", "point")
    services = c2.multiselect(_("Needs (service types)"), _widgets.service_options(ctx.directory), format_func=schema.label,
                              key=_K + "services", placeholder=_("Choose one or more services"))
    populations = c2.multiselect(_("For (population)"), list(schema.POPULATIONS),
                                 format_func=lambda c: schema.label(c, vocabulary="population"), key=_K + "populations",
                                 placeholder=_("Anyone"))
    f1, f2, f3, f4 = st.columns(4)
    langs = ["", *_languages(ctx.view)]
    if st.session_state.get(_K + "language") not in langs:
        st.session_state[_K + "language"] = ""
    language = f1.selectbox(_("Language"), langs, format_func=lambda x: x or _("Any language"), key=_K + "language")
    open_24h = f2.checkbox(_("Open 24 hours"), key=_K + "h24")
    accepting = f3.checkbox(_("Accepting referrals"), key=_K + "accepting")
    st.session_state.setdefault(_K + "n", 5)
    n = int(f4.number_input(_("How many"), min_value=1, max_value=50, step=1, key=_K + "n"))
    st.session_state.setdefault(_K + "match", "any")
    # The choice means something only with two needs or more (one need: both read the same).
    match_all = len(services) > 1 and st.radio(
        _("Show"), ["any", "all"], key=_K + "match", horizontal=True,
        format_func=lambda m: _match_label(m, n),
        help=_("For each need: a list per chosen service. All the needs: only providers offering every chosen service."),
    ) == "all"

    query = referral.ReferralQuery(kind if value else "", value, tuple(services), tuple(populations), language or None,
                                   True if open_24h else None, bool(accepting), "all" if match_all else "any", n)
    start: referral.Start | None = None
    if value:
        try:
            start = referral.resolve_start(query, country=ctx.country, units=ctx.units, directory=ctx.directory, role=ctx.role)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
    if start is not None:
        st.markdown(_("Starting point: **{place}**").format(place=_widgets.md_text(i18n.isolate(start.label))))
    return query, start


def _results(published: gpd.GeoDataFrame, full: bool, query: referral.ReferralQuery) -> None:
    """The partners found, as cards by group (public: nearest, then confidential by band)."""
    notes = referral.relaxation_notes(published)
    if notes:
        st.warning(" ".join(notes))
    if len(published) == 0:
        st.warning(_("No provider in this directory has a usable location. Check the Data page."))
        return
    services = list(query.services)
    _result_groups(published, services, full=full, per_need=query.match != "all" and len(services) > 1)
    unlocated = published.attrs.get("unlocated") or 0
    if unlocated:
        st.caption(ngettext("{n} record without a usable location is not ranked.", "{n} records without a usable location are not ranked.",
                            int(unlocated)).format(n=i18n.number(int(unlocated))))
    st.caption(_("Distances are straight lines on the WGS84 ellipsoid, not road travel times."))


def _downloads(published: gpd.GeoDataFrame, ctx: _state.Context, full: bool) -> None:
    """The referral sheet (HTML) and list (CSV) of what this role may see."""
    if len(published) == 0:
        return
    notice = None
    if full:
        from geomap.cli import FULL_EXPORT_NOTICE

        notice = _(FULL_EXPORT_NOTICE)
    d1, d2 = st.columns(2)
    d1.download_button(
        _("Referral sheet (HTML, print to PDF)"),
        data=sheet.referral_sheet_html(published, lang=i18n.current().lang, role=ctx.role, country_name=ctx.country_name,
                                       directory_label=ctx.directory_label, fictional=ctx.is_sample,
                                       sources=[ctx.boundary_source, ctx.directory_label]).encode("utf-8"),
        file_name=f"geomap_referral_{ctx.country}.html",
        mime="text/html",
        key=_K + "dl_html",
    )
    d2.download_button(
        _("Referral list (CSV)"),
        data=sheet.referral_sheet_csv(published, role=ctx.role, notice=notice),
        file_name=f"geomap_referral_{ctx.country}.csv",
        mime="text/csv",
        key=_K + "dl_csv",
    )
    st.caption(_("Share this search: copy the page address. It holds the search only, never a confidential record."))
