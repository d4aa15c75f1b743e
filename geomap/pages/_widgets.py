"""Widgets shared by several pages (pickers, tables, downloads). No analysis here."""

from __future__ import annotations

import gc
import hashlib

import pandas as pd
import streamlit as st

from geomap import i18n
from geomap.directory import schema, writers
from geomap.i18n import N_, _

__all__ = [
    "sources", "upload_limit_mb", "no_directory", "boundary_notice", "service_options", "service_picker",
    "population_picker", "directory_key", "unit_table", "csv_bytes", "md_text", "page_direction", "UNIT_COLUMNS",
    "human_columns", "headed",
]

# Right to left (Arabic): the app's text, widgets, tables and sidebar mirror. Numbers, codes and
# Latin names keep their own direction (the browser's bidi algorithm, and isolates around names).
_RTL_CSS = """<style>
.stApp, [data-testid="stSidebar"], [data-testid="stMain"], [data-testid="stHeader"] { direction: rtl; }
.stApp h1, .stApp h2, .stApp h3, .stApp p, .stApp li, .stApp label, .stApp [data-testid="stCaptionContainer"],
.stApp [data-testid="stMarkdownContainer"] { text-align: right; }
code { direction: ltr; unicode-bidi: isolate; }
</style>"""

#: Column headers of the unit tables people read (key columns first; the code last).
UNIT_COLUMNS: dict[str, str] = {
    "name": N_("Unit"),
    "providers": N_("Providers"),
    "per_100k": N_("Per 100k"),
    "capacity": N_("Beds"),
    "capacity_per_100k": N_("Beds per 100k"),
    "verified_recently": N_("Verified in the last 12 months"),
    "verified_share": N_("% verified (12 months)"),
    "population": N_("Population"),
    "population_year": N_("Census year"),
    "code": N_("Code"),
    "confidential_providers": N_("Confidential providers"),
    "banded": N_("Banded (confidential sites fewer than k)"),
}


@st.cache_resource(show_spinner=False)
def freeze_long_lived() -> bool:
    """Move the objects alive now out of the garbage collector's reach, once per server process.

    Called after the first page: modules, loaded boundaries and caches live as long as the
    server, and each full collection would otherwise walk them all and stall every session for
    100-200 ms. Cached, so later runs do not count the frozen objects again (that walks them).
    """
    gc.collect()
    gc.freeze()
    return True


def page_direction() -> None:
    """Lay the page out right to left when the run's language is (Arabic); no-op otherwise."""
    if i18n.direction() == "rtl":
        st.html(_RTL_CSS)


def human_columns(table: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The columns of ``labels`` (default :data:`UNIT_COLUMNS`) that ``table`` has, headed in the run's language."""
    labels = UNIT_COLUMNS if labels is None else labels
    return table[[c for c in labels if c in table.columns]].rename(columns={c: _(v) for c, v in labels.items()})


def headed(table: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """``table`` with every column of ``labels`` (default :data:`UNIT_COLUMNS`) headed in the run's language.

    For downloads people open in a spreadsheet: all columns kept, in order; machine formats
    (HSDS, HXL, GeoPackage) never go through here.
    """
    labels = UNIT_COLUMNS if labels is None else labels
    return table.rename(columns={c: _(labels[c]) for c in table.columns if c in labels})


def sources(ctx, *extra: str) -> None:
    """The map's sources in full, in a collapsed "Sources" under it (the map carries a short credit)."""
    with st.expander(_("Sources")):
        lines = [
            _("**Boundaries:** {source}. Vintage: {vintage}. Licence: {licence}.").format(
                source=md_text(ctx.boundary_source), vintage=md_text(ctx.boundary_vintage),
                licence=md_text(ctx.boundary_licence or _("not stated"))),
            _("**Directory:** {label}.").format(label=md_text(ctx.directory_label)),
            *(md_text(x) for x in extra),
        ]
        st.markdown("".join(f"- {line}\n" for line in lines) + _("- Map drawn with Leaflet (BSD-2-Clause), served by this app."))
        for note in ctx.boundary_notes:
            st.caption(i18n.render(note))  # the layer's notes are messages: said in the run's language


def upload_limit_mb() -> int:
    """The one upload limit (``settings.max_upload_mb``), in whole MB, for every uploader and its text."""
    import math

    from geomap.settings import get_settings

    return max(1, math.ceil(get_settings().max_upload_mb))


def boundary_notice(ctx) -> None:
    """Say when the boundaries drawn are outdated (a warning), and their source (a caption)."""
    warning = getattr(ctx, "boundary_warning", "")
    if warning:
        st.warning(warning, icon="🗺️")


#: What each page would show, named in its empty state (see :func:`no_directory`).
_PAGE_THINGS = {"coverage figures": N_("coverage figures"), "gaps": N_("gaps"), "partners": N_("partners")}


def no_directory(ctx, *, page: str) -> bool:
    """The one empty state of every page: ``True`` (and says so) when the country has no directory.

    Parameters
    ----------
    ctx
        The session's context.
    page
        What the page would show ("coverage", "gaps", "referrals"…), named in the message.
    """
    if len(ctx.directory):
        return False
    things = _(_PAGE_THINGS[page]) if page in _PAGE_THINGS else page
    st.info(
        _("**No directory of services is loaded for {country}**, so there are no {things} to show. "
          "Upload a directory on the **Data** page (CSV, XLSX, GeoJSON, GeoPackage, HXL or HSDS), "
          "or pick a country with a bundled sample (Nigeria, Mexico) in the sidebar.").format(country=ctx.country_name, things=things),
        icon="ℹ️",
    )
    boundary_notice(ctx)
    return True


def service_options(directory: pd.DataFrame | None) -> list[str]:
    """The categories a service filter offers: the core services, then every other category
    present in ``directory`` (humanitarian sectors, categories kept verbatim)."""
    present = schema.categories_present(directory["service_types"]) if directory is not None and "service_types" in directory.columns else []
    return list(schema.SERVICE_TYPES) + [c for c in present if c not in schema.SERVICE_TYPES]


def service_picker(
    container, *, key: str, label: str | None = None, default: list[str] | None = None, options: list[str] | None = None
) -> list[str]:
    """Multiselect over the categories (``options``, default the core services); empty means all."""
    return container.multiselect(
        _("Service types") if label is None else label,
        list(options or schema.SERVICE_TYPES),
        default=default or [],
        format_func=lambda c: schema.label(c),
        key=key,
        placeholder=_("All services"),
    )


def population_picker(container, *, key: str, label: str | None = None) -> list[str]:
    """Multiselect over the populations-served vocabulary; empty means everyone."""
    return container.multiselect(
        _("Populations served") if label is None else label,
        list(schema.POPULATIONS),
        format_func=lambda c: schema.label(c, vocabulary="population"),
        key=key,
        placeholder=_("Everyone"),
    )


def directory_key(ctx) -> str:
    """A short key naming the directory in use (for cache keys of derived results).

    Changes with everything the directory is built from: country, the uploaded file's bytes,
    sheet, column mapping and row edits, the stored directory and its last change, and brought
    boundaries (a cached table or export
    must never outlive a fix made on the Data page).
    """
    up = st.session_state.get("geomap_upload")
    brought = st.session_state.get("geomap_boundary_upload")
    upload = (
        (up["digest"], repr(up.get("sheet")), repr(up.get("mapping")), repr(up.get("edits", ())), repr(up.get("categories", ())))
        if up
        else "sample"
    )
    if not up and getattr(ctx, "store_key", None):
        upload = ("store", repr(ctx.store_key))  # the stored directory and its change stamp
    boundaries = (brought["digest"], brought.get("country")) if brought else "bundled"
    digest = hashlib.sha256(repr((upload, boundaries)).encode()).hexdigest()[:16]
    return f"{ctx.country}:{'upload' if up else 'sample'}:{digest}"


def unit_table(table: pd.DataFrame) -> None:
    """Sortable table of units; per-capita figures without a population show "no data"."""
    t = i18n.current()
    if "banded" in table.columns and table.attrs.get("view") == "public":
        table = table.assign(banded=table["banded"].map({True: _("yes"), False: _("no"), "yes": _("yes"), "no": _("no")}))
    else:
        table = table.drop(columns=["banded"], errors="ignore")
    shown = human_columns(table.drop(columns=["confidential_providers"], errors="ignore"))
    two = lambda v: t.number(v, digits=2)  # noqa: E731
    whole = lambda v: t.number(v, digits=0)  # noqa: E731
    one = lambda v: t.number(v, digits=1)  # noqa: E731
    formats = {"per_100k": two, "capacity_per_100k": two, "population": whole, "capacity": whole, "verified_share": one}
    # Public tables carry text (bands such as "0–2"); only numeric columns get a number format.
    styler = shown.style.format(
        {_(UNIT_COLUMNS[c]): f for c, f in formats.items()
         if _(UNIT_COLUMNS[c]) in shown.columns and pd.api.types.is_numeric_dtype(shown[_(UNIT_COLUMNS[c])])},
        na_rep=_("no data"),
    )
    st.dataframe(styler, hide_index=True, width="stretch")


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV of an aggregate table, formula-neutralised (see :func:`writers.table_csv_bytes`)."""
    return writers.table_csv_bytes(table)


def md_text(text: object) -> str:
    """Escape Markdown so record or unit text is shown as typed (never as links or HTML)."""
    s = "" if text is None else str(text)
    for ch in "\\`*_{}[]<>#|~$":
        s = s.replace(ch, "\\" + ch)
    return s
