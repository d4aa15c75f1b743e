"""Write a provider directory as CSV, XLSX, GeoJSON, GeoPackage, HSDS 3.0 or HXL.

**Writers never decide privacy.** They write exactly the rows and columns they are given.
Anything that leaves the analyst's machine must be built from
``geomap.directory.privacy.public_view(directory)`` (or a partner view the caller is entitled
to); passing the full directory writes confidential coordinates, addresses and phones.

Every format re-imports through :func:`geomap.directory.readers.read_directory` with the same
rows and the same field values:

- list fields (service types, populations, languages) are joined with
  :data:`~geomap.directory.schema.LIST_SEPARATOR`; booleans are written ``true``/``false``;
  dates as ISO ``YYYY-MM-DD``; floats in their shortest exact form;
- resolution columns (``location_method``, ``confidence``, ``status``, ``reason``) and the
  reader's ``source_file``/``source_row`` are written when present;
- the reader's ``extra`` column (values of unmapped input columns) is expanded back into
  columns named by their original headers;
- text cells in CSV, XLSX and HXL that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return are neutralised with a leading ``'`` (CSV/formula injection), unless the text is a plain
  number such as ``-12.5``. The reader removes that apostrophe again.

The in-memory helpers (:func:`to_bytes`, :func:`to_csv_bytes`, …) return what
``st.download_button`` needs; :data:`MIME_TYPES` and :data:`EXTENSIONS` name the files.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geomap.directory import hsds, schema
from geomap.directory.readers import EXTRA_COLUMN, RESOLUTION_HXL
from geomap.io.formats import DIRECTORY_FORMATS
from geomap.io.vector import gpkg_bytes

__all__ = [
    "WRITE_FORMATS",
    "MIME_TYPES",
    "EXTENSIONS",
    "neutralise",
    "flat_table",
    "write_directory",
    "to_bytes",
    "to_csv_bytes",
    "table_csv_bytes",
    "write_table_csv",
    "to_xlsx_bytes",
    "to_geojson_bytes",
    "to_gpkg_bytes",
    "to_hsds_zip_bytes",
    "to_hxl_bytes",
]

#: Formats written, their MIME types and file suffixes: read from
#: :data:`geomap.io.formats.DIRECTORY_FORMATS`, the one registry of formats.
WRITE_FORMATS: tuple[str, ...] = DIRECTORY_FORMATS.names(writable=True)
MIME_TYPES: dict[str, str] = DIRECTORY_FORMATS.mime_types()
EXTENSIONS: dict[str, str] = DIRECTORY_FORMATS.export_suffixes()

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_READER_COLUMNS = ("source_file", "source_row")


# --------------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula; plain numbers are left alone.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-12.5"), neutralise("+52 55 1234")
    ("'=HYPERLINK(1)", '-12.5', "'+52 55 1234")
    """
    if text and text.startswith(_DANGEROUS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _text(value: Any, column: str) -> str | None:
    """The flat-file text for one cell (``None`` when empty)."""
    if isinstance(value, (list, tuple, set)):
        out = schema.format_list(list(value))
        return out or None
    if _missing(value):
        return None
    if column in schema.LIST_FIELDS and not isinstance(value, str):
        return schema.format_list(value) or None
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return "true" if bool(value) else "false"
        if isinstance(value, np.integer):
            return str(int(value))
        if isinstance(value, np.floating):
            value = float(value)
    except ImportError:  # pragma: no cover - numpy ships with pandas
        pass
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _column_text(series: pd.Series, column: str) -> list[str | None]:
    """:func:`_text` of every cell of one column, with exact fast paths for text and floats."""
    values = series.tolist()
    if column not in schema.LIST_FIELDS:
        if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
            # the str dtype holds str or a missing marker only
            return [v if isinstance(v, str) and v.strip() else None for v in values]
        if pd.api.types.is_float_dtype(series.dtype) and series.dtype == "float64":
            return [
                None if math.isnan(v) else (str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v))
                for v in values
            ]
    return [_text(v, column) for v in values]


def _columns(directory: pd.DataFrame) -> list[str]:
    """Output columns: fields in schema order, then reader/resolution columns, then the rest."""
    cols = list(schema.FIELD_NAMES)
    for c in (*_READER_COLUMNS, *schema.RESOLUTION_FIELDS):
        if c in directory.columns and c not in cols:
            cols.append(c)
    skip = {EXTRA_COLUMN, "geometry", schema.REASON_NOTES}  # the notes' English text is ``reason``
    if hasattr(directory, "geometry") and getattr(directory, "_geometry_column_name", None):
        skip.add(directory._geometry_column_name)
    for c in directory.columns:
        if c not in cols and c not in skip:
            cols.append(str(c))
    return cols


def flat_table(directory: pd.DataFrame, *, neutralise_text: bool = False) -> pd.DataFrame:
    """The directory as a table of text cells (``None`` when empty), ready for a flat file.

    Parameters
    ----------
    directory
        A directory (raw from a reader, or resolved/public view). Missing schema fields are
        written as empty columns; geometry is dropped (latitude/longitude carry the point).
    neutralise_text
        Apply :func:`neutralise` to every text cell (CSV, XLSX, HXL).

    Returns
    -------
    pandas.DataFrame
        Object-dtype columns: schema fields, then reader/resolution columns, then other
        columns, then the keys of the reader's ``extra`` dicts (unmapped input columns).
    """
    cols = _columns(directory)
    n = len(directory)
    out: dict[str, list[str | None]] = {}
    for c in cols:
        if c in directory.columns:
            values = _column_text(directory[c], c)
        else:
            values = [None] * n
        out[c] = values
    if EXTRA_COLUMN in directory.columns:
        for i, extra in enumerate(directory[EXTRA_COLUMN].tolist()):
            if isinstance(extra, str) and extra.strip().startswith("{"):
                try:
                    extra = json.loads(extra)
                except ValueError:
                    extra = None
            if not isinstance(extra, dict):
                continue
            for key, value in extra.items():
                key = str(key)
                if key in schema.FIELD_NAMES or key in schema.RESOLUTION_FIELDS:
                    key = f"{key} (original)"
                if key not in out:
                    out[key] = [None] * n
                out[key][i] = _text(value, key)
    if neutralise_text:
        out = {k: [neutralise(v) if isinstance(v, str) else v for v in vals] for k, vals in out.items()}
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()})


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


def _notice_line(notice: str | None) -> str | None:
    if not notice or not str(notice).strip():
        return None
    text = " ".join(str(notice).split())
    return text if text.startswith("# ") else f"# {text}"


def _csv_text(table: pd.DataFrame, *, hashtags: list[str] | None = None, notice: str | None = None) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    line = _notice_line(notice)
    if line:
        writer.writerow([line])
    writer.writerow(list(table.columns))
    if hashtags is not None:
        writer.writerow(hashtags)
    for row in table.itertuples(index=False, name=None):
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def table_csv_bytes(table: pd.DataFrame, *, notice: str | None = None) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents) of any table, e.g. an aggregate per unit.

    Text cells a spreadsheet would run as a formula are neutralised (:func:`neutralise`): unit
    names come from brought boundary files and may be hostile. ``notice`` (e.g. "exact
    figures") is written as a ``# …`` line above the header.
    """
    safe = table.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    head = io.StringIO(newline="")
    line = _notice_line(notice)
    if line:
        csv.writer(head, lineterminator="\r\n").writerow([line])
    return (head.getvalue() + safe.to_csv(index=False)).encode("utf-8-sig")


def write_table_csv(table: pd.DataFrame, path: str | Path, *, notice: str | None = None) -> None:
    """Write any table (e.g. an aggregate per unit) as formula-neutralised UTF-8 CSV."""
    Path(path).write_bytes(table_csv_bytes(table, notice=notice))


def to_csv_bytes(directory: pd.DataFrame, *, notice: str | None = None) -> bytes:
    """CSV (UTF-8 with BOM so spreadsheet programs show accents; CRLF; neutralised cells).

    ``notice`` (e.g. the CLI's full-export warning) is written as a ``# …`` line above the
    header; the reader skips it (and reports it in ``attrs["warnings"]``).
    """
    return _csv_text(flat_table(directory, neutralise_text=True), notice=notice).encode("utf-8-sig")


def _hxl_tag(column: str) -> str:
    if column in schema.FIELD_NAMES:
        return schema.field_by_name(column).hxl
    return RESOLUTION_HXL.get(column, "")


def to_hxl_bytes(directory: pd.DataFrame, *, notice: str | None = None) -> bytes:
    """HXL CSV: the CSV export with a hashtag row (schema ``hxl`` tags) under the header."""
    table = flat_table(directory, neutralise_text=True)
    tags = [_hxl_tag(c) for c in table.columns]
    return _csv_text(table, hashtags=tags, notice=notice).encode("utf-8")


def to_xlsx_bytes(directory: pd.DataFrame, *, sheet_name: str = "directory", notice: str | None = None) -> bytes:
    """XLSX with one sheet; values as text except numbers/booleans/dates already typed in memory.

    Typed cells (a resolved directory's floats, ints, booleans, dates) are written as Excel
    numbers, booleans and dates; text cells stay text (neutralised), so a raw directory
    re-imports identically. ``notice`` is written in cell A1 as ``# …`` above the header.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    table = flat_table(directory, neutralise_text=True)
    typed: dict[str, list[Any]] = {}
    for c in table.columns:
        if c in directory.columns and c not in schema.LIST_FIELDS:
            typed[c] = directory[c].tolist()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_name[:31])
    line = _notice_line(notice)
    if line:
        ws.append([line])
    ws.append(list(table.columns))
    for i, row in enumerate(table.itertuples(index=False, name=None)):
        cells: list[Any] = []
        for c, text in zip(table.columns, row):
            value = typed[c][i] if c in typed else None
            cell: Any = text
            if text is not None and value is not None and not isinstance(value, str):
                if isinstance(value, bool) or type(value).__name__ == "bool_":
                    cell = bool(value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
                    cell = value.item() if hasattr(value, "item") else value
                elif isinstance(value, (date, datetime, pd.Timestamp)):
                    d = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
                    cell = WriteOnlyCell(ws, value=d.date() if isinstance(d, datetime) and text and len(text) == 10 else d)
                    cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _geodataframe(directory: pd.DataFrame):
    import geopandas as gpd
    import numpy as np
    import shapely

    table = flat_table(directory)
    n = len(directory)
    geom_col = getattr(directory, "_geometry_column_name", None) if isinstance(directory, gpd.GeoDataFrame) else None
    if geom_col and geom_col in directory.columns:
        src = np.asarray(directory[geom_col].values, dtype=object)
    else:
        src = np.full(n, None, dtype=object)
    have = ~(shapely.is_missing(src) | shapely.is_empty(src))
    # elsewhere a point from latitude/longitude when both read as finite numbers
    lat = pd.to_numeric(pd.Series(table["latitude"].to_numpy(dtype=object)), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(pd.Series(table["longitude"].to_numpy(dtype=object)), errors="coerce").to_numpy(dtype=float)
    use_xy = ~have & np.isfinite(lat) & np.isfinite(lon)
    geoms = np.where(have, src, None)
    if use_xy.any():
        geoms[use_xy] = shapely.points(lon[use_xy], lat[use_xy])
    props = table.copy()
    for c in ("latitude", "longitude"):
        # numeric when every non-empty value is a plain number, else text as given
        vals = props[c].tolist()
        if all(v is None or _PLAIN_NUMBER.match(v) for v in vals):
            props[c] = pd.Series([None if v is None else float(v) for v in vals], dtype="float64")
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(geoms, index=props.index, crs="EPSG:4326"), crs="EPSG:4326")


def to_geojson_bytes(directory: pd.DataFrame, *, notice: str | None = None) -> bytes:
    """GeoJSON FeatureCollection (EPSG:4326); features without a point have null geometry.

    ``notice`` is added as a top-level ``"notice"`` member of the FeatureCollection.
    """
    gdf = _geodataframe(directory)
    buf = io.BytesIO()
    if not (notice and str(notice).strip()):
        gdf.to_file(buf, driver="GeoJSON", engine="pyogrio")
        return buf.getvalue()
    import pyogrio

    if pyogrio.__gdal_version__[:2] >= (3, 9):
        # GDAL writes the member itself, after "type" (no parse and re-dump of a large file)
        members = json.dumps({"notice": str(notice).strip()}, ensure_ascii=False)
        gdf.to_file(buf, driver="GeoJSON", engine="pyogrio", layer_options={"FOREIGN_MEMBERS_COLLECTION": members})
        return buf.getvalue()
    gdf.to_file(buf, driver="GeoJSON", engine="pyogrio")
    doc = json.loads(buf.getvalue().decode("utf-8"))
    out = {"type": doc.pop("type"), "notice": str(notice).strip(), **doc}
    return json.dumps(out, ensure_ascii=False).encode("utf-8")


def to_gpkg_bytes(directory: pd.DataFrame, *, layer: str = "directory", notice: str | None = None) -> bytes:
    """GeoPackage with one point layer (EPSG:4326); ``notice`` becomes the layer description."""
    return gpkg_bytes(_geodataframe(directory), layer=layer, description=None if notice is None else str(notice))


# --------------------------------------------------------------------------------------------
# HSDS 3.0
# --------------------------------------------------------------------------------------------

#: Fields carried by HSDS's own columns when their text fits the column's type; every other
#: field (and any of these that does not fit) travels as a "geomap record fields" attribute.
_HSDS_NATIVE = frozenset(
    {"id", "name", "organisation", "email", "website", "notes", "last_verified", "phone", "latitude", "longitude",
     "service_types", "languages", "hours"}
)
#: Not written: the HSDS package is the new source of its rows.
_HSDS_SKIP = frozenset({*_READER_COLUMNS, "geometry"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_NO_ORG_DESCRIPTION = "The source directory names no organisation for this service; it stands for the service itself."
_ORG_DESCRIPTION = "Organisation listed in a provider directory exported by geomap."


def _fits(field: str, text: str | None) -> bool:
    """Whether a field's text fits its HSDS column (type and format), so it can live there."""
    if text is None:
        return True
    if field in ("latitude", "longitude"):
        return bool(_PLAIN_NUMBER.match(text))
    if field == "email":
        return bool(_EMAIL.match(text))
    if field == "website":
        return bool(_URI.match(text))
    if field == "last_verified":
        return bool(_ISO_DATE.match(text))
    return True


class _HsdsBuilder:
    """Rows of every HSDS table, built record by record (one service_at_location per record)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in hsds.TABLES}
        self.orgs: dict[str, str] = {}
        self.terms: dict[tuple[str, str], str] = {}
        self.keys: set[str] = set()
        self.rows["taxonomy"] += [
            {"id": hsds.CATEGORY_TAXONOMY_ID, "name": "geomap service categories", "version": "1",
             "description": "Service categories of geomap.directory.schema (codes), and categories kept as written."},
            {"id": hsds.FIELD_TAXONOMY_ID, "name": "geomap record fields", "version": "1",
             "description": "geomap record fields that HSDS has no column for; the value is in attributes.value."},
        ]

    def add(self, i: int, rec: dict[str, Any]) -> None:
        rid = rec.get("id")
        key = str(rid) if rid is not None and str(rid) not in self.keys else f"{rid}|row {i + 1}"
        self.keys.add(key)
        sal_id = str(rid) if rid is not None and hsds.is_uuid(rid) and key == str(rid) else hsds.stable_id("record", key)
        svc_id, loc_id = hsds.stable_id("service", key), hsds.stable_id("location", key)
        fields = self._field_values(rec, sal_id)
        name = rec.get("name") or rec.get("display_name") or rec.get("organisation") or f"Unnamed record (row {i + 1})"
        if not rec.get("name"):
            fields["name"] = None
        org_id = self._organization(rec, name, fields)
        self.rows["service"].append(
            {"id": svc_id, "organization_id": org_id, "name": name, "description": rec.get("notes"), "status": "active",
             "url": rec.get("website") if _fits("website", rec.get("website")) else None,
             "email": rec.get("email") if _fits("email", rec.get("email")) else None,
             "assured_date": rec.get("last_verified") if _fits("last_verified", rec.get("last_verified")) else None}
        )
        self._location(rec, loc_id, org_id, name)
        self.rows["service_at_location"].append({"id": sal_id, "service_id": svc_id, "location_id": loc_id})
        self._details(rec, sal_id, svc_id)
        self._categories(rec, svc_id)
        self._field_attributes(fields, sal_id)

    def _field_values(self, rec: dict[str, Any], sal_id: str) -> dict[str, str | None]:
        """Values that travel as field attributes: fields without an HSDS column, or not fitting it."""
        out = {k: v for k, v in rec.items() if k not in _HSDS_NATIVE and k not in _HSDS_SKIP and v is not None}
        out.update({k: rec[k] for k in _HSDS_NATIVE if k in rec and not _fits(k, rec[k])})
        if rec.get("id") is not None and rec["id"] != sal_id:
            out["id"] = rec["id"]
        return out

    def _organization(self, rec: dict[str, Any], name: str, fields: dict[str, str | None]) -> str:
        org_name = rec.get("organisation")
        if not org_name:
            fields["organisation"] = None  # read back as blank, not as the stand-in below
        key = f"{'org' if org_name else 'self'}|{org_name or name}"
        if key not in self.orgs:
            self.orgs[key] = hsds.stable_id("organization", key)
            description = _ORG_DESCRIPTION if org_name else _NO_ORG_DESCRIPTION
            self.rows["organization"].append({"id": self.orgs[key], "name": org_name or name, "description": description})
        return self.orgs[key]

    def _location(self, rec: dict[str, Any], loc_id: str, org_id: str, name: str) -> None:
        lat, lon = rec.get("latitude"), rec.get("longitude")
        has_point = _fits("latitude", lat) and _fits("longitude", lon) and lat is not None and lon is not None
        placed = has_point or any(rec.get(k) for k in ("address", "town", "admin1_code", "admin1_name"))
        self.rows["location"].append(
            {"id": loc_id, "location_type": "physical" if placed else "virtual", "organization_id": org_id, "name": name,
             "latitude": lat if _fits("latitude", lat) else None, "longitude": lon if _fits("longitude", lon) else None}
        )

    def _details(self, rec: dict[str, Any], sal_id: str, svc_id: str) -> None:
        if rec.get("phone"):
            self.rows["phone"].append({"id": hsds.stable_id("phone", sal_id), "service_at_location_id": sal_id, "number": rec["phone"]})
        if rec.get("hours"):
            self.rows["schedule"].append({"id": hsds.stable_id("schedule", sal_id), "service_at_location_id": sal_id, "description": rec["hours"]})
        for lang in dict.fromkeys(schema.parse_list(rec.get("languages"))):
            self.rows["language"].append({"id": hsds.stable_id("language", sal_id, lang), "service_id": svc_id, "name": lang})

    def _term(self, taxonomy_id: str, code: str | None, name: str, description: str) -> str:
        key = (taxonomy_id, code or name)
        if key not in self.terms:
            self.terms[key] = hsds.stable_id("term", *key)
            self.rows["taxonomy_term"].append(
                {"id": self.terms[key], "code": code, "name": name, "description": description, "taxonomy_id": taxonomy_id}
            )
        return self.terms[key]

    def _categories(self, rec: dict[str, Any], svc_id: str) -> None:
        terms: list[str] = []
        for item in schema.parse_list(rec.get("service_types")):
            codes, _unknown = schema.parse_service_types(item)
            if codes:
                terms.append(self._term(hsds.CATEGORY_TAXONOMY_ID, codes[0], schema.label(codes[0]), f"geomap service category {codes[0]!r}"))
            else:
                terms.append(self._term(hsds.CATEGORY_TAXONOMY_ID, None, item, "Category as written in the source directory."))
        for term in dict.fromkeys(terms):  # a category written twice is one link
            self.rows["attribute"].append(
                {"id": hsds.stable_id("attribute", svc_id, term), "link_id": svc_id, "taxonomy_term_id": term, "link_entity": "service"}
            )

    def _field_attributes(self, fields: dict[str, str | None], sal_id: str) -> None:
        for field, value in fields.items():
            term = self._term(hsds.FIELD_TAXONOMY_ID, f"field:{field}", field, f"geomap record field {field!r}")
            self.rows["attribute"].append(
                {"id": hsds.stable_id("attribute", sal_id, term), "link_id": sal_id, "taxonomy_term_id": term,
                 "link_entity": "service_at_location", "value": value}
            )

    def frames(self) -> dict[str, pd.DataFrame]:
        """One table per HSDS resource, columns in the specification's order (empty tables too)."""
        return {
            name: pd.DataFrame({c: pd.Series([r.get(c) for r in self.rows[name]], dtype=object) for c in table.column_names})
            for name, table in hsds.TABLES.items()
        }


def _hsds_tables(directory: pd.DataFrame, changes: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The HSDS 3.0 tables of a directory, by resource name (see :class:`_HsdsBuilder`)."""
    builder = _HsdsBuilder()
    for i, rec in enumerate(flat_table(directory).to_dict("records")):
        builder.add(i, rec)
    tables = builder.frames()
    if changes is not None:
        tables["metadata"] = hsds_metadata(changes)
    return tables


def hsds_metadata(changes: pd.DataFrame) -> pd.DataFrame:
    """A change log (:func:`geomap.store.history`) as the HSDS 3.0 ``metadata`` table.

    Each change names the ``service_at_location`` of its record by the id the HSDS export gives
    that record (derived from the record id, as in every export); the date is the change's day;
    an empty previous or new value is written as an empty text (both columns are required).
    The log holds previous values: pass only the changes of records the export may show.
    """
    cols = hsds.TABLES["metadata"].column_names
    if changes.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    rid = changes["resource_id"].astype(str)
    out = pd.DataFrame({
        "id": [hsds.stable_id("change", str(x)) for x in changes["id"]],
        "resource_id": [r if hsds.is_uuid(r) else hsds.stable_id("record", r) for r in rid],
        "resource_type": "service_at_location",
        "last_action_date": changes["last_action_date"].astype(str).str.slice(0, 10),
        "last_action_type": changes["last_action_type"].astype(str),
        "field_name": changes["field_name"].astype(str),
        "previous_value": changes["previous_value"].map(lambda v: "" if v is None or v != v else str(v)),
        "replacement_value": changes["replacement_value"].map(lambda v: "" if v is None or v != v else str(v)),
        "updated_by": changes["updated_by"].astype(str),
    })
    return out[list(cols)].astype(object)


def _hsds_files(directory: pd.DataFrame, notice: str | None = None, changes: pd.DataFrame | None = None) -> dict[str, bytes]:
    tables = _hsds_tables(directory, changes)
    desc = hsds.descriptor(notice=notice)
    files = {"datapackage.json": json.dumps(desc, ensure_ascii=False, indent=2).encode("utf-8")}
    if "notice" in desc:
        files["NOTICE.txt"] = (desc["notice"] + "\n").encode("utf-8")
    for name, df in tables.items():
        files[hsds.TABLES[name].path] = _csv_text(df).encode("utf-8")
    return files


def to_hsds_zip_bytes(directory: pd.DataFrame, *, notice: str | None = None, changes: pd.DataFrame | None = None) -> bytes:
    """HSDS 3.0 tabular data package as a zip (``datapackage.json`` + one CSV per table).

    Every table of the specification is written, in its column order (empty tables as a header
    row); ids are UUIDs derived from the record id (stable from one export to the next); geomap
    fields HSDS has no column for are attributes under the taxonomy "geomap record fields".
    ``notice`` goes in ``datapackage.json`` (``notice`` and the description) and ``NOTICE.txt``;
    ``changes`` (a change log, see :func:`hsds_metadata`) fills the ``metadata`` table.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _hsds_files(directory, notice, changes).items():
            archive.writestr(name, data)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def _check_format(fmt: str | None) -> str:
    writable = DIRECTORY_FORMATS.names(writable=True)
    if fmt not in writable:
        msg = f"unknown export format {fmt!r}; choose one of {', '.join(writable)}"
        raise ValueError(msg)
    return fmt


def to_bytes(directory: pd.DataFrame, *, format: str, notice: str | None = None) -> bytes:  # noqa: A002
    """The export as bytes, for ``st.download_button(data=…, mime=MIME_TYPES[format])``.

    The caller passes a public view unless the user holds a partner session; see the module
    docstring. ``notice`` (e.g. a full-export warning) is written into the file: a ``# …``
    line above the header (CSV, HXL, XLSX), a ``"notice"`` member (GeoJSON), the layer
    description (GeoPackage), or ``datapackage.json`` and ``NOTICE.txt`` (HSDS).
    """
    writer = DIRECTORY_FORMATS.get(_check_format(format)).write_function()
    return writer(directory, notice=notice)


def _format_from_path(path: Path) -> str:
    found = DIRECTORY_FORMATS.by_suffix(path.name)
    if found is not None and found.writer is not None:
        return found.name
    if not path.suffix:
        return "hsds"
    msg = f"{path}: cannot tell the export format from the suffix {path.suffix.lower()!r}; pass format= one of {', '.join(WRITE_FORMATS)}"
    raise ValueError(msg)


def write_directory(
    directory: pd.DataFrame,
    path_or_buffer: str | Path | Any,
    *,
    format: str | None = None,  # noqa: A002 - the contract's keyword
    notice: str | None = None,
    changes: pd.DataFrame | None = None,
) -> None:
    """Write a directory to a file, a folder (HSDS) or a binary buffer.

    **Privacy is the caller's job**: this writes every row and column it is given. Pass
    ``geomap.directory.privacy.public_view(directory)`` for anything shared; only a partner
    session may export the full directory.

    Parameters
    ----------
    directory
        A directory table (raw from :func:`~geomap.directory.readers.read_directory`, resolved,
        or a public view).
    path_or_buffer
        Destination path, or a writable binary file-like object. For ``format="hsds"`` a path
        ending in ``.zip`` (or a buffer) gets a zip; any other path is made a folder holding
        ``datapackage.json`` and the CSV tables.
    format
        One of :data:`WRITE_FORMATS`; inferred from the path's suffix when omitted
        (``.hxl.csv`` -> hxl, ``.zip`` or no suffix -> hsds).
    notice
        Text written into the file (see :func:`to_bytes`), e.g. the CLI's full-export warning
        when confidential records are included. The readers skip it on re-import.
    changes
        HSDS only: a change log written as the package's ``metadata`` table
        (:func:`hsds_metadata`).

    Raises
    ------
    ValueError
        Unknown format, or a format that cannot be inferred from the path.
    """
    if format is None:
        if not isinstance(path_or_buffer, (str, Path)):
            msg = "format= is required when writing to a buffer; choose one of " + ", ".join(WRITE_FORMATS)
            raise ValueError(msg)
        format = _format_from_path(Path(path_or_buffer))  # noqa: A001
    fmt = _check_format(format)
    if changes is not None and fmt != "hsds":
        msg = f"a change log goes into an HSDS package only (its metadata table), not {fmt}; write it as CSV beside the export"
        raise ValueError(msg)
    if fmt == "hsds" and changes is not None:
        if isinstance(path_or_buffer, (str, Path)) and Path(path_or_buffer).suffix.lower() == ".zip":
            Path(path_or_buffer).write_bytes(to_hsds_zip_bytes(directory, notice=notice, changes=changes))
            return
        if not isinstance(path_or_buffer, (str, Path)):
            path_or_buffer.write(to_hsds_zip_bytes(directory, notice=notice, changes=changes))
            return
    if isinstance(path_or_buffer, (str, Path)):
        path = Path(path_or_buffer)
        if fmt == "hsds" and path.suffix.lower() != ".zip":
            if path.exists() and not path.is_dir():
                msg = f"{path} exists and is not a folder; give a folder or a .zip path for an HSDS package"
                raise ValueError(msg)
            path.mkdir(parents=True, exist_ok=True)
            for name, data in _hsds_files(directory, notice, changes).items():
                (path / name).write_bytes(data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(to_bytes(directory, format=fmt, notice=notice))
        return
    data = to_bytes(directory, format=fmt, notice=notice)
    if hasattr(path_or_buffer, "write"):
        path_or_buffer.write(data)
        return
    msg = f"cannot write to {type(path_or_buffer).__name__}; give a path or a writable binary buffer"
    raise TypeError(msg)

