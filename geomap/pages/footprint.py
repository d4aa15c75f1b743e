"""Footprint page: where a project portfolio reaches, which units it misses, against providers.

Widgets and calls only: reading and resolving come from :mod:`geomap.projects`, every number
from :mod:`geomap.analysis.footprint`, the map and report from :mod:`geomap.report.footprint`.
An uploaded project file lives in this session's ``st.session_state`` only.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geomap import i18n
from geomap import projects as P
from geomap.analysis import footprint as F
from geomap.directory import schema
from geomap.i18n import N_, _, ngettext
from geomap.io.sources import read_source
from geomap.layers.footprint_map import footprint_map, footprint_map_html
from geomap.pages import _state, _url, _widgets
from geomap.report.footprint import footprint_document

__all__ = ["K_PROJECTS", "render"]

#: session_state key of an uploaded project file: {"name", "data", "digest"}.
K_PROJECTS = "geomap_fp_upload"
#: session_state key of the column choices for the uploaded file: {"digest", "mapping"}.
K_MAPPING = "geomap_fp_mapping"
_TIMELINE = {"projects": N_("Projects active"), "budget": N_("Budget"), "reached": N_("People reached")}
#: The page's view in the URL (the country is the app's one selection).
URL_PARAMS = (
    _url.Param("category", "fp_cat", "list", tuple(P.PROGRAM_CATEGORIES)),
    _url.Param("activity", "fp_act", "list", tuple(P.ACTIVITY_TYPES)),
    _url.Param("status", "fp_status", "list", tuple(P.PROJECT_STATUSES)),
    _url.Param("measure", "fp_measure", "str", tuple(F.MEASURES)),
    _url.Param("overlay", "fp_overlay", "bool"),
)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=8)
def _read(data: bytes, name: str, digest: str, sheet: str | None = None, mapping: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    return P.read_projects(data, filename=name, sheet=sheet, mapping=dict(mapping) or None)


@st.cache_data(show_spinner=False, max_entries=8)
def _sheets(data: bytes, name: str, digest: str) -> list[str]:
    from geomap.directory import readers

    return readers.list_sheets(data, filename=name)


@st.cache_data(show_spinner=False, max_entries=8)
def _headers(data: bytes, name: str, digest: str, sheet: str | None = None) -> list[str]:
    from geomap.directory import readers

    return [str(c) for c in readers.read_table(data, filename=name, sheet=sheet).columns]


def _mapping_picker(data: bytes, name: str, digest: str, sheet: str | None) -> None:
    """Let the user name the project and unit columns when they were not recognised."""
    try:
        headers = _headers(data, name, digest, sheet)
    except ValueError:
        return
    st.markdown(_("Name the columns geomap did not recognise:"))
    c1, c2, c3 = st.columns(3)
    opts = ["", *headers]
    chosen = {
        "project": c1.selectbox(_("Project name column"), opts, key="fp_map_project"),
        "admin1_name": c2.selectbox(_("Admin-1 unit names column"), opts, key="fp_map_names"),
        "admin1_code": c3.selectbox(_("Admin-1 unit codes column"), opts, key="fp_map_codes"),
    }
    mapping = {h: f for f, h in chosen.items() if h}
    if mapping and st.button(_("Use these columns"), key="fp_map_apply"):
        st.session_state[K_MAPPING] = {"digest": digest, "mapping": tuple(sorted(mapping.items()))}
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=16)
def _resolve(country: str, digest: str, units_key: str, _raw: pd.DataFrame, _units) -> pd.DataFrame:
    return P.resolve_projects(_raw, _units, country=country)


@st.cache_data(show_spinner=False, max_entries=16)
def _countries(digest: str, _raw: pd.DataFrame) -> pd.DataFrame:
    return F.project_countries(_raw)


@st.cache_data(show_spinner=False, max_entries=64)
def _coverage(country: str, directory_key: str, role: str, lang: str, _units, _directory) -> pd.DataFrame:
    # lang in the key: banded cells are text in the run's language
    # Exact for partners; for the public, small counts of confidential sites are banded.
    from geomap.analysis.coverage import published_coverage

    return published_coverage(_units, _directory, role=role)


def _source() -> tuple[bytes, str, str, bool]:
    """The project file of this session: (bytes, name, digest, is_sample)."""
    up = st.session_state.get(K_PROJECTS)
    if up:
        return up["data"], up["name"], up["digest"], False
    data = P.SAMPLE_PROJECTS.read_bytes()
    return data, P.SAMPLE_PROJECTS.name, _digest(data), True


def _upload_panel() -> None:
    with st.expander(_("Use your own project file"), expanded=False):
        st.caption(
            _("CSV or XLSX, one row per project and country, 3W-style; HXL hashtags (#activity, "
              "#org+impl, #org+funder, #adm1+code, #date+start, #date+end, #reached, #status, "
              "#value+budget) are read when present. A units cell may list several units "
              "(\"MX-JAL; MX-NLE\") or say \"national\". The file stays in this browser session only.")
        )
        up = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Project file"), type=["csv", "xlsx", "txt"], key="fp_uploader")
        if up is not None:
            data = read_source(up, what="project file")
            digest = _digest(data)
            cur = st.session_state.get(K_PROJECTS)
            if not cur or cur["digest"] != digest:
                st.session_state[K_PROJECTS] = {"name": up.name, "data": data, "digest": digest}
        if st.session_state.get(K_PROJECTS) and st.button(_("Back to the illustrative sample"), key="fp_clear"):
            st.session_state.pop(K_PROJECTS, None)
            st.session_state.pop(K_MAPPING, None)
            st.rerun()


def _pick(container, label: str, options: list[str], *, key: str, fmt=None) -> list[str]:
    return container.multiselect(label, options, format_func=fmt or str, key=key, placeholder=_("All"))


#: The units table as people read it (the CSV keeps the field names).
_TABLE_LABELS = {
    "name": N_("Unit"), "reached_unit": N_("Reached"), "projects": N_("Projects"), "budget": N_("Budget"),
    "currency": N_("Currency"), "reached": N_("People reached"), "officials_trained": N_("Officials trained"),
    "providers": N_("Providers"), "overlay": N_("Funding and providers"), "code": N_("Code"),
}


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Key columns first, readable names, whole people (a share of a multi-unit project is rounded)."""
    out = table.copy()
    if "overlay" in out.columns:
        out["overlay"] = out["overlay"].map(lambda g: _(F.OVERLAY_GROUPS[g]) if g in F.OVERLAY_GROUPS else g)
    for col in ("reached", "officials_trained", "budget"):  # whole people; budgets in whole currency units
        if col in out.columns:
            out[col] = out[col].round().astype("Int64")
    first = [c for c in ("name", "reached_unit", "projects", "reached", "budget", "currency") if c in out.columns]
    out = out[first + [c for c in out.columns if c not in first]]
    return out.rename(columns={c: _(v) for c, v in _TABLE_LABELS.items()})


def _no_projects_here(ctx: _state.Context, countries: pd.DataFrame) -> bool:
    """The empty state: the project file has no project in the app's country (says where it has)."""
    rows_of = {str(c or ""): int(n) for c, n in zip(countries["country"], countries["rows"])}
    if rows_of.get(ctx.country) or rows_of.pop("", 0):  # rows without a country are read as this one's
        return False
    elsewhere = i18n.join(
        ngettext("{country} ({n} row)", "{country} ({n} rows)", n).format(
            country=_state.country_name(c) if len(c) == 3 else c, n=i18n.number(n))
        for c, n in rows_of.items()
    )
    text = _("**The project file has no project in {country}**, so there is no footprint to show.").format(country=ctx.country_name)
    if elsewhere:
        text += " " + _("It has projects in: {countries}. Pick one of these countries in the sidebar, "
                        "or upload your own project file above.").format(countries=elsewhere)
    else:
        text += " " + _("Upload your own project file above.")
    st.info(text, icon="ℹ️")
    _url.write(ctx.country, URL_PARAMS)
    return True


def render() -> None:
    """Draw the Footprint page."""
    ctx = _state.get_context()
    _url.seed("footprint", URL_PARAMS)
    st.title(_("Donor footprint — {country}").format(country=ctx.country_name))
    st.caption(_("Where do the projects reach, and where are the gaps nobody funds?"))
    _upload_panel()
    data, name, digest, is_sample = _source()
    if is_sample:
        st.info(_(P.ILLUSTRATIVE_NOTICE), icon="ℹ️")
    raw = _raw_projects(data, name, digest, is_sample)
    if raw is None:
        return
    # One country selection for the whole app (the sidebar's): the footprint is drawn for it.
    country, units = ctx.country, ctx.units
    if _no_projects_here(ctx, _countries(digest, raw)):
        return
    projects = _resolve(country, digest, _widgets.directory_key(ctx), raw, units)
    _row_accounting(projects, name, country)
    filters = _filters(projects[projects["status"] == schema.STATUS_PLACED])
    kept = F.filter_projects(projects, **filters)
    has_directory = len(ctx.directory) > 0
    measure, allocate, currency, overlay = _display_options(kept, ctx, has_directory)
    _url.write(ctx.country, URL_PARAMS)
    fp = F.footprint_by_unit(units, kept, allocate=allocate, currency=currency)
    coverage = None
    if overlay and has_directory:
        coverage = _coverage(ctx.country, _widgets.directory_key(ctx), ctx.role, i18n.current().lang, ctx.units, ctx.directory)
        fp = F.footprint_overlay(fp, coverage)
    _summary(ctx, fp, kept, coverage)
    boundary_source = ctx.boundary_source
    fmap = footprint_map(units, fp, measure=measure, overlay=coverage is not None, boundary_source=boundary_source)
    st_folium(fmap, returned_objects=[], use_container_width=True, height=540, key=f"fp_map_{country}")
    projects_source = (_("Projects: {file} (illustrative sample)") if is_sample else _("Projects: {file}")).format(file=i18n.isolate(name))
    _widgets.sources(ctx, projects_source)
    _timeline(kept, fp)
    table = _units_table(fp)
    d1, d2, d3 = st.columns(3)
    lang = i18n.current().lang  # downloads are built when clicked: in this run's language, passed along
    d1.download_button(_("Table (CSV)"), data=_widgets.csv_bytes(_human(table)),
                       file_name=f"geomap_footprint_{country}.csv", mime="text/csv", key="fp_dl_csv")
    d2.download_button(
        _("Map (HTML)"),
        data=lambda: _map_page(lang, units, fp, measure=measure, overlay=coverage is not None, boundary_source=boundary_source),
        file_name=f"geomap_footprint_map_{country}.html", mime="text/html", key="fp_dl_map",
    )
    d3.download_button(
        _("Report (HTML)"),
        data=lambda: footprint_document(
            units, projects, country_name=_state.country_name(country), filters=filters, measure=measure,
            allocate=allocate, currency=currency, coverage=coverage, illustrative=is_sample,
            fictional_directory=ctx.is_sample, boundary_source=boundary_source, lang=lang,
        ),
        file_name=f"geomap_footprint_report_{country}.html", mime="text/html", key="fp_dl_report",
    )
    st.caption(_("Budget and people reached of multi-unit projects are {allocation}.").format(allocation=_(F.ALLOCATIONS[allocate]))
               + " " + _("A project covering the whole country counts in every unit."))


def _raw_projects(data: bytes, name: str, digest: str, is_sample: bool):
    """The file's raw project rows (sheet and mapping chosen here), or ``None`` after an error."""
    sheet = None
    if name.lower().endswith(".xlsx"):
        try:
            sheets = _sheets(data, name, digest)
        except ValueError:  # not a workbook it can open: reading it below says why, in the page's language
            sheets = []
        if len(sheets) > 1:
            sheet = st.selectbox(_("Worksheet"), sheets, key="fp_sheet")
    chosen = st.session_state.get(K_MAPPING)
    mapping = chosen["mapping"] if chosen and chosen["digest"] == digest else ()
    try:
        raw = _read(data, name, digest, sheet, mapping)
    except ValueError as exc:
        st.error(_("Could not read {name}: {error}").format(name=name, error=i18n.error_text(exc)))
        if not is_sample:
            _mapping_picker(data, name, digest, sheet)
        return None
    if raw.attrs.get("unmapped"):
        st.caption(_("Columns not used: {columns}").format(columns=i18n.join(map(str, raw.attrs["unmapped"]))))
    return raw


def _row_accounting(projects, name: str, country: str) -> None:
    acc = P.project_row_accounting(projects)
    issues = P.project_issues(projects)
    t = i18n.current()
    st.caption(ngettext("{name}: {total} row — {placed} placed in {country}, {flagged} flagged, {elsewhere} in other countries.",
                        "{name}: {total} rows — {placed} placed in {country}, {flagged} flagged, {elsewhere} in other countries.",
                        acc["total"]).format(name=t.isolate(name), total=t.number(acc["total"]), placed=t.number(acc["placed"]),
                                             country=_state.country_name(country), flagged=t.number(acc["flagged"]),
                                             elsewhere=t.number(acc["elsewhere"])))
    if len(issues):
        with st.expander(ngettext("{n} problem found in the file", "{n} problems found in the file", len(issues)).format(n=i18n.number(len(issues))),
                         expanded=acc["flagged"] > 0):
            st.dataframe(_human(issues), hide_index=True, width="stretch")


def _filters(placed) -> dict[str, Any]:
    """The filter widgets over the placed projects; keyword arguments of ``filter_projects``."""
    c1, c2, c3 = st.columns(3)
    cats = _pick(c1, _("Program category"), [c for c in P.PROGRAM_CATEGORIES if c in set(placed["category"].dropna())],
                 key="fp_cat", fmt=lambda c: P.project_label(c, vocabulary="category"))
    acts = _pick(c2, _("Activity type"), [c for c in P.ACTIVITY_TYPES if c in set(placed["activity_type"].dropna())],
                 key="fp_act", fmt=lambda c: P.project_label(c, vocabulary="activity_type"))
    stats = _pick(c3, _("Status"), [c for c in P.PROJECT_STATUSES if c in set(placed["project_status"].dropna())],
                  key="fp_status", fmt=lambda c: P.project_label(c, vocabulary="project_status"))
    c4, c5, c6 = st.columns(3)
    funders = _pick(c4, _("Funder"), sorted(placed["funder"].dropna().astype(str).unique()), key="fp_funder")
    partners = _pick(c5, _("Implementing partner"), sorted(placed["implementing_partner"].dropna().astype(str).unique()), key="fp_partner")
    span = F.project_years(placed)
    year_from = year_to = None
    if span and span[0] < span[1]:
        year_from, year_to = c6.slider(_("Years active"), span[0], span[1], (span[0], span[1]), key="fp_years")
        if (year_from, year_to) == span:
            year_from = year_to = None
    return {
        "categories": cats or None,
        "activity_types": acts or None,
        "statuses": stats or None,
        "funders": funders or None,
        "partners": partners or None,
        "year_from": year_from,
        "year_to": year_to,
    }


def _display_options(kept, ctx, has_directory: bool) -> tuple[str, str, str | None, bool]:
    """Measure, allocation, currency and overlay choices."""
    c7, c8, c9 = st.columns(3)
    measure = c7.radio(_("Map shows"), list(F.MEASURES), format_func=lambda m: _(F.MEASURES[m]), key="fp_measure")
    allocate = c8.radio(_("Multi-unit projects"), list(F.ALLOCATIONS), format_func=lambda a: _("Budget and reach {allocation}").format(allocation=_(F.ALLOCATIONS[a])), key="fp_allocate")
    currencies = sorted({str(c) for c in kept.loc[kept["budget"].notna(), "currency"].dropna()})
    currency = c9.selectbox(_("Currency"), currencies, key="fp_currency") if len(currencies) > 1 else None
    overlay = c9.checkbox(
        _("Overlay: providers per unit"),
        key="fp_overlay",
        disabled=not has_directory,
        help=_("Outline the units with no provider in the directory, to see funded areas against unserved areas."),
    )
    if not has_directory:  # the reason said on the page, not only in a tooltip
        c9.caption(_("No directory of services is loaded for {country}: upload one on the Data page to overlay it.").format(
            country=ctx.country_name))
    return measure, allocate, currency, overlay


def _summary(ctx, fp, kept, coverage) -> None:
    summary = F.footprint_summary(fp, kept)
    headline = summary["headline"]
    st.subheader(headline[:1].upper() + headline[1:])
    missed = summary["units_not_reached"]
    t = i18n.current()
    st.markdown("**" + _("Units not reached:") + "** " + (i18n.join(_widgets.md_text(t.isolate(n)) for n in missed) if missed else _("none")))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(_("Units reached"), _("{n} of {m}").format(n=i18n.number(summary["units_reached"]), m=i18n.number(summary["units"])))
    m2.metric(_("Projects"), i18n.number(summary["projects"]), help=_("{n} country-wide").format(n=i18n.number(summary["whole_country_projects"])))
    m3.metric(_("Budget"), f"{i18n.number(summary['budget'], digits=0)} {summary['currency'] or ''}".strip())
    m4.metric(_("People reached"), i18n.number(round(summary["reached"])),
              help=_("As reported by the projects; a multi-unit project's people are shared among its units."))
    if coverage is not None:
        gaps = fp.loc[fp["overlay"] == "unfunded_unserved", "name"].tolist()
        st.markdown("**" + _("Neither a funded project nor a provider:") + "** "
                    + (i18n.join(_widgets.md_text(t.isolate(n)) for n in gaps) if gaps else _("none")))
        if ctx.is_sample:
            st.caption(_("Provider counts come from the fictional sample directory.") + " " + _(schema.FICTIONAL_NOTICE))


def _timeline(kept, fp) -> None:
    st.subheader(_("Activity per year"))
    by_year = F.activity_by_year(kept, currency=fp.attrs.get("currency"))
    timeline = st.radio(_("Timeline shows"), list(_TIMELINE), format_func=lambda k: _(_TIMELINE[k]), horizontal=True, key="fp_timeline")
    if len(by_year):
        st.bar_chart(by_year.set_index("year")[[timeline]], x_label=_("Year"), y_label=_(_TIMELINE[timeline]))
    else:
        st.caption(_("No dated projects under these filters."))
    if by_year.attrs.get("undated"):
        undated = int(by_year.attrs["undated"])
        st.caption(ngettext("{n} project without dates is not in the timeline.", "{n} projects without dates are not in the timeline.",
                            undated).format(n=i18n.number(undated)))


def _units_table(fp):
    st.subheader(_("Units"))
    table = F.footprint_table(fp)
    shown = _readable(table)
    whole = lambda v: i18n.number(v, digits=0)  # noqa: E731 - figures in the run's language
    numeric = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])]
    st.dataframe(shown.style.format({c: whole for c in numeric}, na_rep=_("no data")), hide_index=True, width="stretch")
    return table


def _human(table: pd.DataFrame) -> pd.DataFrame:
    from geomap.report.footprint import human_columns

    return human_columns(table)


def _map_page(lang: str, units, fp, **kwargs: Any) -> str:
    with i18n.use(lang):
        return footprint_map_html(units, fp, **kwargs)
