"""Data page: bring a directory (and boundaries), map its columns, see every row's fate.

Widgets and calls only: reading is :mod:`geomap.directory.readers`, resolution
:mod:`geomap.directory.resolve` (through :mod:`geomap.pipeline`), exports
:mod:`geomap.directory.writers`, and every record shown or downloaded comes from the session's
view (:func:`geomap.directory.privacy.view_for_role`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geomap import boundaries, i18n
from geomap.directory import privacy, readers, resolve, schema, writers
from geomap.i18n import N_, _, ngettext
from geomap.io import limits
from geomap.io.formats import DIRECTORY_FORMATS
from geomap.pages import _state, _url, _widgets

__all__ = ["render"]

#: Download choices: ``{format: (label, MIME type, suffix)}`` from the one registry of formats.
_EXPORTS = {f.name: (f.label, f.mime, f.export_suffix.lstrip(".")) for f in DIRECTORY_FORMATS if f.writer}
#: Fields a user may correct in the flagged-rows table.
_EDITABLE = ("name", "service_types", "admin1_name", "admin1_code", "town", "latitude", "longitude")


@st.cache_data(show_spinner=False, max_entries=8)
def _preview(data: bytes, name: str, sheet) -> pd.DataFrame:
    return readers.read_table(data, filename=name, sheet=sheet)


@st.cache_data(show_spinner=False, max_entries=8)
def _sheets(data: bytes, name: str) -> list[str]:
    return readers.list_sheets(data, filename=name)


@st.cache_data(show_spinner=False, max_entries=16)
def _export(key: str, fmt: str, _view: pd.DataFrame) -> bytes:
    return writers.to_bytes(_view, format=fmt)


def _upload_section() -> None:
    st.subheader(_("Bring a directory"))
    st.caption(
        _("CSV (any delimiter or encoding), Excel, GeoJSON, GeoPackage, an HXL-tagged sheet, or an HSDS "
          "data package (zip). Files stay in your session only. Size limit: {mb} MB.").format(mb=i18n.number(_widgets.upload_limit_mb()))
    )
    up = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=
        _("Upload a directory"),
        type=DIRECTORY_FORMATS.upload_types(),
        key="data_upload",
    )
    c1, c2 = st.columns(2)
    if c2.button(_("Use the bundled sample instead"), key="use_sample"):
        _state.clear_upload()
        st.rerun()
    if up is None:
        return
    try:
        limits.check_upload(up)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return
    data = up.getvalue()
    sheet = None
    if up.name.lower().endswith(".xlsx"):
        try:
            names = _sheets(data, up.name)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
            return
        if len(names) > 1:
            sheet = c1.selectbox(_("Sheet"), names, key="data_sheet")
    try:
        preview = _preview(data, up.name, sheet)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return
    headers = list(preview.attrs.get("headers", preview.columns))
    auto = readers.map_columns(headers, hxl_tags=preview.attrs.get("hxl_tags") or {})

    st.subheader(_("Match the columns"))
    saved = st.file_uploader(
        _("Reuse a saved mapping (JSON: columns and categories)"), type=["json"], key="mapping_upload",
        max_upload_size=_widgets.upload_limit_mb(),
    )
    chosen: dict[str, str] = dict(auto)
    categories: dict[str, str] = _state.upload_mappings()[1]
    if saved is not None:
        try:
            loaded, loaded_categories = readers.parse_mappings(saved.getvalue(), source=saved.name)
        except ValueError as exc:
            st.error(i18n.error_text(exc))
        else:
            chosen.update({h: f for h, f in loaded.items() if h in headers})
            categories.update(loaded_categories)
    options = [""] + list(schema.FIELD_NAMES)
    recognised = ngettext("Column mapping — {n} of {m} column recognised", "Column mapping — {n} of {m} columns recognised",
                          len(headers)).format(n=i18n.number(len(auto)), m=i18n.number(len(headers)))
    with st.expander(recognised, expanded=len(auto) < 3):
        cols = st.columns(3)
        mapping: dict[str, str] = {}
        for i, h in enumerate(headers):
            current = chosen.get(h, "")
            pick = cols[i % 3].selectbox(
                h,
                options,
                index=options.index(current) if current in options else 0,
                format_func=lambda f: _("— ignore —") if f == "" else f + " (" + _(schema.field_by_name(f).label) + ")",
                key=f"map_{i}_{h}",
            )
            mapping[h] = pick
        st.dataframe(preview.head(5), width="stretch")
        st.download_button(
            _("Save this mapping (JSON)"),
            data=readers.mappings_json(columns=mapping, categories=categories).encode("utf-8"),
            file_name="geomap_mapping.json",
            mime="application/json",
            key="mapping_download",
        )
    missing = [f for f in schema.REQUIRED_FIELDS if f not in mapping.values()]
    if missing:
        st.warning(_("No column is mapped to the required field(s): {fields}. Those rows will be flagged.").format(fields=i18n.join(missing)))
    if st.button(_("Use this directory"), type="primary", key="use_upload"):
        _state.set_upload(up.name, data, sheet=sheet, mapping=mapping, categories=categories)
        st.rerun()


def _boundary_section(ctx) -> None:
    with st.expander(_("Bring your own boundaries (optional)")):
        st.caption(
            _("GeoJSON, GeoPackage, zipped Shapefile or GeoParquet; any CRS. COD-AB, geoBoundaries, GADM, "
            "Natural Earth and INEGI columns are recognised.")
        )
        bup = st.file_uploader(max_upload_size=_widgets.upload_limit_mb(), label=_("Upload boundaries"), type=["geojson", "json", "gpkg", "zip", "parquet"], key="boundary_upload")
        if bup is not None:
            try:
                limits.check_upload(bup)
                data = bup.getvalue()
                gdf = boundaries.read_boundaries(data, filename=bup.name, country=ctx.country)
                info = boundaries.describe_boundaries(gdf)
                info["notes"] = [i18n.render(n) for n in info["notes"]]  # messages: said in the page's language
            except ValueError as exc:
                st.error(i18n.error_text(exc))
            else:
                st.json(info, expanded=False)
                if st.button(_("Use these boundaries"), key="use_boundaries"):
                    _state.set_boundaries(bup.name, data, country=ctx.country)
                    st.rerun()
        if st.button(_("Back to the bundled boundaries"), key="bundled_boundaries"):
            _state.clear_boundaries()
            st.rerun()


def _report_section(ctx) -> None:
    st.subheader(_("Validation report: every row placed or flagged"))
    directory = ctx.directory
    acc = resolve.row_accounting(directory)
    c1, c2, c3, c4 = st.columns(4)
    n = i18n.number
    c1.metric(_("Rows in the file"), n(acc["total"]))
    c2.metric(_("Placed"), n(acc["placed"]))
    c3.metric(_("Flagged"), n(acc["flagged"]))
    c4.metric(_("Placed with a warning"), n(acc["placed_with_warnings"]))
    st.caption(
        _("{placed} placed in {units} units + {flagged} flagged = {total} rows: no row is dropped. "
          "A row is placed when its location resolves, whatever its categories.").format(
            placed=n(acc["placed"]), units=n(acc["units"]), flagged=n(acc["flagged"]), total=n(acc["total"]))
    )
    if acc.get("by_method"):
        methods = i18n.join((_(schema.LOCATION_METHODS[k]) if k in schema.LOCATION_METHODS else k) + ": " + n(v)
                            for k, v in acc["by_method"].items())
        st.caption(_("Placed by:") + " " + methods)
    for w in directory.attrs.get("warnings", []) or []:
        st.warning(i18n.render(w))  # a reader's or the resolver's message, in the run's language
    uploaded = st.session_state.get(_state.K_UPLOAD) is not None
    _category_section(acc["unknown_categories"], uploaded=uploaded)
    if uploaded:
        columns, categories = _state.upload_mappings()
        st.download_button(
            _("Save the column and category mapping (JSON, for the Data page or geomap directory check --mapping)"),
            data=readers.mappings_json(columns=columns, categories=categories).encode("utf-8"),
            file_name="geomap_mapping.json",
            mime="application/json",
            key="mappings_download",
        )
    _review_section(ctx.directory, ctx.view, uploaded=uploaded)


def _category_section(unknown: dict[str, int], *, uploaded: bool) -> None:
    """Categories the vocabulary does not know: counted, and mappable to a code (saved and reused)."""
    if not unknown:
        return
    st.markdown(
        _("**Categories not in geomap's vocabulary** — kept as written (they never keep a row off the map). "
        "Map them to a category to count them with it:")
    )
    st.caption(i18n.join((ngettext("{category}: {n} row", "{category}: {n} rows", int(n)).format(category=cat, n=i18n.number(n))
                         for cat, n in unknown.items()), "; "))
    if not uploaded:
        return
    options = ["", *schema.CATEGORIES]
    with st.form("category_form"):
        cols = st.columns(3)
        picks = {
            cat: cols[i % 3].selectbox(
                cat, options, format_func=lambda c: _("— keep as written —") if c == "" else schema.label(c), key=f"cat_{i}"
            )
            for i, cat in enumerate(unknown)
        }
        applied = st.form_submit_button(_("Apply the category mapping"))
    if applied:
        chosen = {cat: code for cat, code in picks.items() if code}
        if chosen:
            _state.set_categories(chosen)
            st.rerun()
        st.info(_("No category was mapped."))


#: The review table's own columns, as people read them (the field columns take the schema's labels).
_REVIEW_LABELS = {"source_row": N_("Row in the file"), "status": N_("Status"), "display_name": N_("Record"),
                  "reason": N_("Why it needs a look"), "verified": N_("Last verified")}


_STATUS = {"placed": N_("placed"), "flagged": N_("flagged")}


def _verified(value: object) -> str:
    """The last-verified date, with the stale badge every record gets (confidential ones too)."""
    d = schema.parse_date(value)
    text = d.isoformat() if d else _("never")
    return f"{text} · ⚠️ " + _("stale") if schema.is_stale(value) else text


def _review_columns(table: pd.DataFrame) -> dict[str, object]:
    labels = {**{f.name: f.label for f in schema.FIELDS}, **_REVIEW_LABELS}
    return {c: st.column_config.Column(_(labels[c])) for c in table.columns if c in labels}


def _review_table(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["source_row", "status", "display_name", "reason", *[c for c in _EDITABLE if c in rows.columns]]
    table = pd.DataFrame(rows[[c for c in cols if c in rows.columns]]).astype(object).reset_index(drop=True)
    table["reason"] = resolve.reason_texts(rows).to_numpy()  # the stored notes, in the run's language
    if "last_verified" in rows.columns:
        table.insert(3, "verified", rows["last_verified"].map(_verified).to_numpy())
    for c in ("latitude", "longitude"):
        if c in table.columns:
            table[c] = table[c].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    table["service_types"] = table["service_types"].map(schema.format_list)
    table["status"] = table["status"].map(lambda v: _(_STATUS.get(v, v)) if isinstance(v, str) else v)
    return table.where(table.notna(), "")  # a withheld or missing cell reads blank, not "None"


def _review_section(directory: pd.DataFrame, view: pd.DataFrame, *, uploaded: bool) -> None:
    """Every row that needs a look: flagged rows and placed rows with a warning, editable in place.

    Which rows is decided on the full directory; what is shown of them comes from the view.
    """
    reason = directory["reason"].astype(object).map(lambda v: not schema.is_missing(v)).astype(bool)
    needs = ((directory["status"] == schema.STATUS_FLAGGED) | reason).to_numpy(dtype=bool)
    rows = view[needs]
    if not len(rows):
        st.success(_("Every row was placed, without a warning."))
        return
    n_flagged = int((rows["status"] == schema.STATUS_FLAGGED).sum())
    st.markdown(
        _("**Rows that need a look** — {flagged} flagged and {warned} placed with a warning. "
          "Correct a cell and press *Re-check* to resolve them again.").format(
            flagged=i18n.number(n_flagged), warned=i18n.number(len(rows) - n_flagged))
    )
    table = _review_table(rows)
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["source_row", "status", "display_name", "verified", "reason"] if uploaded else True,
        column_config=_review_columns(table),
        key="review_editor",
    )
    if uploaded and st.button(_("Re-check corrected rows"), key="recheck"):
        edits = _edits(table, edited)
        if edits:
            _state.add_edits(edits)
            st.rerun()
        else:
            st.info(_("Nothing was changed."))
    elif not uploaded:
        st.caption(_("Corrections are made on an uploaded directory; the bundled sample is read-only."))


def _edits(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, dict[str, str]]:
    """``{source_row: {field: new value}}`` for the cells changed in the editor."""
    edits: dict[int, dict[str, str]] = {}
    for b, a in zip(before.itertuples(index=False), after.itertuples(index=False)):
        changes = {f: getattr(a, f) for f in _EDITABLE if f in before.columns and str(getattr(a, f) or "") != str(getattr(b, f) or "")}
        if changes:
            edits[int(b.source_row)] = changes
    return edits


def _download_section(ctx) -> None:
    st.subheader(_("Download the resolved directory"))
    public = not privacy.can_see_confidential(ctx.role)
    st.caption(
        _("Includes flagged rows with their reasons.") + " "
        + (_("Public view: confidential records carry no location, address or own phone.") if public else _("Signed in: this is a FULL export including confidential locations."))
    )
    fmt = st.selectbox(_("Format"), list(_EXPORTS), format_func=lambda f: _(_EXPORTS[f][0]), key="export_format")
    label, mime, ext = _EXPORTS[fmt]
    from geomap.pages import _widgets

    key = f"{_widgets.directory_key(ctx)}:{ctx.role}:{fmt}"
    try:
        payload = _export(key, fmt, ctx.view)
    except ValueError as exc:
        st.error(i18n.error_text(exc))
        return
    st.download_button(
        _("Download as {format}").format(format=_(label)),
        data=payload,
        file_name=f"geomap_directory_{ctx.country}.{ext}",
        mime=mime,
        key="export_download",
    )


def render() -> None:
    """Draw the Data page."""
    ctx = _state.get_context()
    _url.write(ctx.country)
    st.title(_("Data"))
    st.write(_("Country: **{country}** · Directory in use: **{directory}**").format(country=ctx.country_name, directory=ctx.directory_label))
    if ctx.is_sample:
        st.info(_(schema.FICTIONAL_NOTICE), icon="ℹ️")
    _upload_section()
    _boundary_section(ctx)
    _report_section(ctx)
    _download_section(ctx)
