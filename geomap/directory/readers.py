"""Read a provider directory from CSV, XLSX, GeoJSON, GeoPackage, HSDS or HXL.

Every reader returns the same shape (see ``docs/internals.md``): one column per
:data:`geomap.directory.schema.FIELD_NAMES` holding the *raw* cell values as text (``str``) or
``None`` for an empty cell, plus

``source_file``
    The file name the row came from (for an HSDS package: ``package/table.csv``).
``source_row``
    The spreadsheet row number: the header is row 1 and the first data row is row 2; an HXL
    hashtag row counts as a row, so the first data row of an HXL file is row 3. For GeoJSON and
    GeoPackage it is the 1-based feature number; for HSDS the row of the
    ``service_at_location`` (or ``services``/``locations``) table, counted the same way.
``extra``
    A ``dict`` per row, ``{original header: raw value}``, holding the values of every column
    that mapped to no field (listed in ``df.attrs["unmapped"]``), so nothing is lost.

Columns named like a resolution column (``location_method``, ``confidence``, ``status``,
``reason``; from an earlier geomap export) are kept as columns under that name so an export
re-imports with them. Nothing is parsed here: coordinates, booleans, dates and the service
taxonomy are typed by ``geomap.directory.resolve``, which reports per-row problems.

Lines above the header holding a single ``# …`` cell that is not an HXL hashtag (the export
notice the writers can add) are skipped; row numbers stay the physical ones and a warning
quotes the line.

A leading apostrophe that the writers add to neutralise spreadsheet formulas
(``'=…``, ``'+…``, ``'-…``, ``'@…``) is removed on reading, so an export re-imports unchanged.

When no column maps to ``name`` but one maps to ``organisation`` (a 3W or an organisation list),
``name`` is filled with the organisation text and ``df.attrs["name_from"]`` names that header.

``df.attrs`` holds ``format``, ``encoding``, ``delimiter``, ``headers`` (original, deduplicated),
``mapping`` (``{header: field}``), ``unmapped``, ``hxl_tags`` (``{header: hashtag}`` for HXL
files), ``resolution_columns``, ``sheet`` (XLSX/GeoPackage), ``hsds_version`` (HSDS) and
``warnings`` (messages naming the file, row and field).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import json
import re
import warnings as warnings_module
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from geomap.directory import hsds, schema
from geomap.i18n import N_, Message, Number
from geomap.io import limits
from geomap.io.columns import TextColumns, text_columns
from geomap.io.formats import DIRECTORY_FORMATS
from geomap.io.sources import display_name, read_source
from geomap.io.text import WESTERN as _WESTERN
from geomap.io.text import decode as _decode

_NOT_A_FIELD = N_("mapping target {target} is not a directory field; valid fields: {fields}")
_EMPTY_FILE = N_("{file}: the file is empty; a directory needs a header row and at least one data row")

__all__ = [
    "FORMATS",
    "EXTRA_COLUMN",
    "KEPT_RESOLUTION_COLUMNS",
    "RESOLUTION_HXL",
    "detect_format",
    "list_sheets",
    "read_table",
    "read_directory",
    "map_columns",
    "save_mapping",
    "save_mappings",
    "load_mappings",
    "parse_mappings",
    "mappings_json",
    "load_mapping",
]

#: Formats :func:`read_directory` accepts (``format=``): the readable names of
#: :data:`geomap.io.formats.DIRECTORY_FORMATS`, the one registry of formats.
FORMATS: tuple[str, ...] = DIRECTORY_FORMATS.names(readable=True)

#: Resolution columns kept as columns when a file carries them (an earlier export).
KEPT_RESOLUTION_COLUMNS: tuple[str, ...] = tuple(
    c for c in schema.RESOLUTION_FIELDS if c not in ("source_file", "source_row")
)

EXTRA_COLUMN = "extra"

_DELIMITERS = (",", ";", "\t", "|")
_NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")
_BLANK_FILE = re.compile(rb"[\x00\r\n\t \xef\xbb\xbf\xff\xfe]*")
_LENIENT_TAG = re.compile(r"^#([A-Za-z][A-Za-z0-9_]*)((?:\s*\+\s*[A-Za-z0-9_]+)*)\s*$")

#: Attributes that change what an HXL column holds (``#org+acronym`` is not the organisation).
_HXL_QUALIFIERS = frozenset({"acronym", "code", "pcode", "id", "type", "lat", "lon", "email", "phone", "url"})

#: HXL fallbacks for tags the schema does not spell: (tag, attributes, field, exact-only).
_HXL_FALLBACKS: tuple[tuple[str, frozenset[str], str, bool], ...] = (
    ("#sector", frozenset(), "service_types", False),
    ("#adm1", frozenset(), "admin1_name", False),
    ("#adm1", frozenset({"pcode"}), "admin1_code", False),
    ("#contact", frozenset(), "phone", True),
    ("#loc", frozenset(), "town", True),
    ("#geo", frozenset({"latitude"}), "latitude", False),
    ("#geo", frozenset({"longitude"}), "longitude", False),
)

#: HXL hashtags for the resolution columns (writer and reader agree on these).
RESOLUTION_HXL: dict[str, str] = {
    "location_method": "#meta+location_method",
    "confidence": "#meta+confidence",
    "status": "#status",
    "reason": "#meta+reason",
}


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _source_name(source: Any, filename: str | None) -> str:
    return display_name(source, filename)


def _source_bytes(source: Any, name: str | None = None) -> bytes:
    """Bytes of a path, a bytes object or a file-like, through :func:`geomap.io.sources.read_source`."""
    return read_source(source, filename=name, what="directory file")


def detect_format(filename: str | None, head_bytes: bytes = b"") -> str:
    """Guess the format of a directory file from its name and first bytes.

    Parameters
    ----------
    filename
        File name (only its suffix is used); may be ``None``.
    head_bytes
        The first bytes of the file (a few kB is enough).

    Returns
    -------
    str
        One of :data:`FORMATS`. ``"csv"`` and ``"xlsx"`` are returned for plain tables; a
        hashtag row is detected later by :func:`read_directory` (``format="hxl"`` forces it).

    Raises
    ------
    ValueError
        If neither the name nor the content is recognised.
    """
    suffix = Path(filename).suffix.lower() if filename else ""
    head = bytes(head_bytes[:4096])
    if head.startswith(b"PK"):
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        try:
            names = zipfile.ZipFile(io.BytesIO(head_bytes)).namelist()
        except zipfile.BadZipFile:
            names = []
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if suffix == ".zip" or any(n.endswith(("datapackage.json", ".csv")) for n in names):
            return "hsds"
        return "xlsx"
    if head.startswith(b"SQLite format 3") or suffix == ".gpkg":
        return "gpkg"
    if suffix in (".geojson",) or (suffix == ".json" and b"Feature" in head):
        return "geojson"
    if suffix == ".json" and b"resources" in head:
        return "hsds"
    if suffix == ".hxl":
        return "hxl"
    if suffix in (".xls", ".ods", ".numbers"):
        msg = Message(N_("{file}: {suffix} workbooks are not read; save the sheet as .xlsx or CSV (UTF-8) and upload that"),
                      file=filename, suffix=suffix)
        raise ValueError(msg)
    if suffix in (".csv", ".tsv", ".txt", ""):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".zip":
        return "hsds"
    registered = DIRECTORY_FORMATS.by_suffix(filename or "")
    if registered is not None and registered.reader is not None:
        return registered.name
    msg = Message(
        N_("{file}: unrecognised file type {suffix}; accepted: .csv/.tsv/.txt (CSV or HXL), .xlsx, .geojson/.json, "
           ".gpkg, an HSDS data package (.zip or folder with datapackage.json)"),
        file=filename, suffix=repr(suffix),
    )
    raise ValueError(msg)


# --------------------------------------------------------------------------------------------
# Text decoding and CSV parsing
# --------------------------------------------------------------------------------------------


def _number_ranges(numbers: list[int], *, limit: int = 12) -> str | Message:
    """``[3, 4, 5, 9]`` as ``"3-5, 9"`` (at most ``limit`` ranges, then ``"…"`` and how many in all)."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = [str(a) if a == b else f"{a}-{b}" for a, b in spans[:limit]]
    if len(spans) > limit:
        # Translators: {ranges} are file row numbers and ranges ("3-5, 9"), {n} how many rows in all.
        return Message(N_("{ranges}, … ({n} in all)"), ranges=tuple(text), n=len(numbers))
    return ", ".join(text)


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter giving the most consistent multi-column rows in the first lines."""
    lines = text[:65536].splitlines()
    sample_lines = (lines if len(lines) > 30 else text.splitlines())[:30]
    sample = "\n".join(sample_lines)
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        rows = list(csv.reader(io.StringIO(sample), delimiter=delim))
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        counts: dict[int, int] = {}
        for r in rows:
            counts[len(r)] = counts.get(len(r), 0) + 1
        # the most common width (a leading "# notice" line or a ragged row does not decide)
        ncol, consistent = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if ncol < 2:
            continue
        score = (consistent, ncol)
        if score > best_score:
            best, best_score = delim, score
    return best


def _decode_text(data: bytes, name: str, warnings: list[str]) -> tuple[str, str, list[int]]:
    """Text of a delimited file (BOM removed), its encoding and the lines read as Windows-1252."""
    if _BLANK_FILE.fullmatch(data):
        msg = Message(_EMPTY_FILE, file=name)
        raise ValueError(msg)
    text, encoding, bad_lines = _decode(data, name, warnings)
    return text.lstrip("\ufeff"), encoding, bad_lines


def _csv_rows(
    data: bytes, name: str, warnings: list[str], *, delimiter: str | None = None
) -> tuple[list[list[str]], str, str]:
    text, encoding, bad_lines = _decode_text(data, name, warnings)
    delim = delimiter or _sniff_delimiter(text)
    return _csv_records(text, delim, bad_lines, name, warnings), encoding, delim


def _csv_records(text: str, delim: str, bad_lines: list[int], name: str, warnings: list[str]) -> list[list[str]]:
    """Every record of the text, by :mod:`csv`; a warning names the rows of non-UTF-8 lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    if not bad_lines:
        return list(reader)
    # name the spreadsheet rows (a quoted cell may span lines) holding the non-UTF-8 lines
    rows, last_line = [], []
    for row in reader:
        rows.append(row)
        last_line.append(reader.line_num)
    bad_rows = sorted({bisect.bisect_left(last_line, line) + 1 for line in bad_lines})
    warnings.append(Message.ngettext(
        "{file}: mixed text encodings: row {rows} is not UTF-8 and was read as Windows-1252 ({encoding}), "
        "the other rows as UTF-8; check the accented letters on that row and save the file as UTF-8",
        "{file}: mixed text encodings: rows {rows} are not UTF-8 and were read as Windows-1252 ({encoding}), "
        "the other rows as UTF-8; check the accented letters on those rows and save the file as UTF-8",
        len(bad_rows), file=name, rows=_number_ranges(bad_rows), encoding=_WESTERN,
    ))
    return rows


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    """Spreadsheet cell value as raw text (numbers in their shortest exact form)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    text = str(value)
    return text


def _col_index(ref: str) -> tuple[int, int]:
    """``"B12"`` -> ``(12, 2)`` (1-based row, column)."""
    m = re.match(r"^\$?([A-Za-z]+)\$?(\d+)$", ref)
    if not m:
        msg = f"bad cell reference {ref!r}"
        raise ValueError(msg)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)), col


# what the sheet XML holds when it has a formula (``<f>…</f>``, ``</x:f>`` with a prefix; a shared
# formula's ``<f …/>`` cells come with its first cell's ``</f>``) or an error cell (``t="e"``, which
# calamine reads as empty): plain byte searches (~1 GB/s), a false hit only costs the full scan
_SCAN_MARKERS = (b"f>", b'"e"', b"'e'")


def _sheet_needs_scan(archive: zipfile.ZipFile, path: str) -> bool:
    """Whether the sheet XML may have formulas or error cells (a streamed byte search)."""
    tail = b""
    with archive.open(path.lstrip("/")) as fh:
        while chunk := fh.read(1 << 22):
            window = tail + chunk
            if any(marker in window for marker in _SCAN_MARKERS):
                return True
            tail = chunk[-8:]
    return False


class _SheetScan:
    """What the sheet XML says beyond calamine's values (see :func:`_scan_sheet_xml`)."""

    def __init__(self) -> None:
        self.merges: list[tuple[int, int, int, int]] = []
        self.uncached: list[str] = []
        self.errors: dict[tuple[int, int], str] = {}
        self.numbers: dict[tuple[int, int], str] = {}
        self.last_row = 0


def _scan_sheet_xml(archive: zipfile.ZipFile, path: str, *, numbers: frozenset[tuple[int, int]] = frozenset()) -> _SheetScan:
    """Merged ranges, formula cells without a cached value, error cells' texts, the saved text of
    the ``numbers`` cells (1-based row, column) and the last row openpyxl would read, from the
    sheet XML (streamed)."""
    import xml.etree.ElementTree as ET

    scan = _SheetScan()
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with archive.open(path.lstrip("/")) as fh:
        for _event, elem in ET.iterparse(fh, events=("end",)):
            tag = elem.tag
            if tag == f"{ns}c":
                v = elem.find(f"{ns}v")
                if elem.find(f"{ns}f") is not None and (v is None or v.text is None or v.text == ""):
                    scan.uncached.append(elem.get("r", "?"))
                kind = elem.get("t", "n")
                if v is not None and v.text and (kind == "e" or (kind == "n" and numbers)) and elem.get("r"):
                    at = _col_index(elem.get("r", ""))
                    if kind == "e":
                        scan.errors[at] = v.text
                    elif at in numbers:
                        scan.numbers[at] = v.text
                elem.clear()
            elif tag == f"{ns}row":
                scan.last_row = int(elem.get("r") or scan.last_row + 1)
                elem.clear()
            elif tag == f"{ns}dimension":
                ref = elem.get("ref", "")
                scan.last_row = max(scan.last_row, _col_index(ref.split(":")[-1])[0]) if ref else scan.last_row
            elif tag == f"{ns}mergeCell":
                ref = elem.get("ref", "")
                if ":" in ref:
                    a, b = ref.split(":")
                    r1, c1 = _col_index(a)
                    r2, c2 = _col_index(b)
                    scan.merges.append((r1, c1, r2, c2))
    return scan


def _gpkg_layers(data: bytes) -> list[str]:
    import pyogrio

    with warnings_module.catch_warnings():
        warnings_module.filterwarnings("ignore", message=".*non conformant file extension.*")
        return [str(r[0]) for r in pyogrio.list_layers(io.BytesIO(data))]


def list_sheets(source: Any, *, filename: str | None = None) -> list[str]:
    """Sheet names of an XLSX workbook, or layer names of a GeoPackage, in file order."""
    name = _source_name(source, filename)
    data = _source_bytes(source, name)
    fmt = detect_format(name, data)
    if fmt == "gpkg":
        return _gpkg_layers(data)
    if fmt != "xlsx":
        return []
    with _open_workbook(data, name) as wb:
        return list(wb.sheet_names)


def _open_workbook(data: bytes, name: str):
    """The workbook opened by calamine, after the zip container and zip-bomb checks."""
    from python_calamine import CalamineError, CalamineWorkbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        msg = Message(N_("{file}: not a readable .xlsx workbook (not a zip container); save it as .xlsx or CSV"), file=name)
        raise ValueError(msg)
    limits.check_zip(data, filename=name)  # zip-bomb and path checks before calamine inflates it
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        # Translators: {error} is the library's own error text, in English.
        msg = Message(N_("{file}: not a readable .xlsx workbook ({error}); save it as .xlsx or CSV"), file=name, error=str(exc))
        raise ValueError(msg) from None


def _pick_sheet(names: list[str], sheet: str | int | None, name: str) -> int:
    """0-based index of the chosen sheet (the first when ``sheet`` is None)."""
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            msg = Message.ngettext(
                "{file}: sheet index {index} out of range; the workbook has {n} sheet: {sheets}",
                "{file}: sheet index {index} out of range; the workbook has {n} sheets: {sheets}",
                len(names), file=name, index=sheet, n=Number(len(names)), sheets=str(names),
            )
            raise ValueError(msg)
        return sheet
    if sheet not in names:
        msg = Message(N_("{file}: no sheet named {sheet}; sheets: {sheets}"), file=name, sheet=repr(sheet), sheets=str(names))
        raise ValueError(msg)
    return names.index(sheet)


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[list[str], str | None]:
    """Paths in the zip of the workbook's sheets (in workbook order) and of its shared strings."""
    import posixpath
    import xml.etree.ElementTree as ET

    rel_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    doc_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

    def targets(rels_path: str, base: str) -> dict[str, tuple[str, str]]:
        root = ET.fromstring(archive.read(rels_path))
        out = {}
        for rel in root.iter(f"{rel_ns}Relationship"):
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            out[rel.get("Id", "")] = (rel.get("Type", ""), full)
        return out

    book = next(t for kind, t in targets("_rels/.rels", "").values() if kind.endswith("/officeDocument"))
    folder, file = posixpath.split(book)
    rels = targets(posixpath.join(folder, "_rels", file + ".rels"), folder)
    root = ET.fromstring(archive.read(book))
    sheets = [rels[s.get(doc_rel, "")][1] for s in root.iter() if s.tag.endswith("}sheet") and s.get(doc_rel) in rels]
    strings = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    return sheets, strings


# shared strings that openpyxl and calamine read differently: an ``_xHHHH_`` escape (calamine
# decodes it, openpyxl 3.1 keeps the text) or a text run with edge whitespace but no
# ``xml:space="preserve"`` (calamine trims it, openpyxl keeps it)
_STRINGS_DIFFER = re.compile(rb"_x|<(?:\w+:)?t>(?:\s|[^<]*\s</)")


def _strings_differ(archive: zipfile.ZipFile, path: str | None) -> bool:
    """Whether the shared strings hold a text that calamine reads unlike openpyxl."""
    if not path or path not in archive.NameToInfo:
        return False
    return _STRINGS_DIFFER.search(archive.read(path)) is not None


def _openpyxl_rows(data: bytes, index: int) -> list[list[str | None]]:
    """The sheet's cell texts read by openpyxl (for the shared strings calamine reads otherwise)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [[_cell_text(v) for v in row] for row in wb.worksheets[index].iter_rows(values_only=True)]
    finally:
        wb.close()


def _calamine_rows(ws: Any, big: list[tuple[int, int]]) -> list[list[str | None]]:
    """The sheet's cell texts, row by row, as :func:`_cell_text` gives them for openpyxl values.

    Calamine reads every number as a float: an integral one of 1e15 or more may have been saved
    as an integer (which openpyxl reads as ``int``), so its position is put in ``big`` for the
    saved text to be read from the XML.
    """
    rows: list[list[str | None]] = []
    for r, values in enumerate(ws.iter_rows(), start=1):
        cells: list[str | None] = []
        for c, v in enumerate(values, start=1):
            if v.__class__ is str:
                cells.append(v or None)
            elif v.__class__ is float:
                if v.is_integer():
                    if abs(v) < 1e15:
                        cells.append(str(int(v)))
                        continue
                    big.append((r, c))
                cells.append(repr(v))
            else:
                cells.append(_cell_text(v))
        rows.append(cells)
    return rows


def _fill_merges(rows: list[list[str | None]], merges: list[tuple[int, int, int, int]], last_row: int) -> None:
    """Copy each merged range's top-left value into every cell of the range (rows up to ``last_row``)."""
    for r1, c1, r2, c2 in merges:
        top = rows[r1 - 1][c1 - 1] if r1 - 1 < len(rows) and c1 - 1 < len(rows[r1 - 1]) else None
        for r in range(r1, r2 + 1):
            if r - 1 >= len(rows):
                if r > last_row:
                    break
                rows.append([])  # a row openpyxl reads (in the sheet's extent) that calamine ends before
            row = rows[r - 1]
            while len(row) < c2:
                row.append(None)
            for c in range(c1, c2 + 1):
                row[c - 1] = top


def _xlsx_rows(data: bytes, name: str, sheet: str | int | None, warnings: list[str]) -> tuple[list[list[str | None]], str]:
    """Cell texts of the chosen sheet (read by calamine) and its name; merged ranges filled."""
    big: list[tuple[int, int]] = []
    with _open_workbook(data, name) as wb, zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = list(wb.sheet_names)
        index = _pick_sheet(names, sheet, name)
        title = names[index]
        try:
            paths, strings = _workbook_parts(archive)
        except (StopIteration, KeyError, SyntaxError):  # no relationships (ET.ParseError is a SyntaxError)
            paths, strings = [], None
        sheet_path = paths[index] if index < len(paths) and paths[index] in archive.NameToInfo else None
        if sheet_path and _strings_differ(archive, strings):
            rows, merged = _openpyxl_rows(data, index), True  # openpyxl's texts; the full scan as before
        else:
            ws = wb.get_sheet_by_index(index)
            merged = bool(ws.merged_cell_ranges)
            rows = _calamine_rows(ws, big)
            del ws  # calamine's copy of the sheet is freed before the table is built
        if not sheet_path or not (big or merged or _sheet_needs_scan(archive, sheet_path)):
            return rows, title
        scan = _scan_sheet_xml(archive, sheet_path, numbers=frozenset(big))
    for (r, c), text in [*scan.numbers.items(), *scan.errors.items()]:
        if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
            # openpyxl's reading: an error cell's text; a number without "." or exponent an int
            number = "." in text or "E" in text or "e" in text
            rows[r - 1][c - 1] = text if (r, c) in scan.errors else _cell_text(float(text) if number else int(text))
    if scan.uncached:
        shown = ", ".join(scan.uncached[:10]) + (" …" if len(scan.uncached) > 10 else "")
        warnings.append(Message.ngettext(
            "{file} [{sheet}]: {n} formula cell has no saved value and is read as empty ({cells}); "
            "open and save the workbook in Excel/LibreOffice to store the values",
            "{file} [{sheet}]: {n} formula cells have no saved value and are read as empty ({cells}); "
            "open and save the workbook in Excel/LibreOffice to store the values",
            len(scan.uncached), file=name, sheet=title, n=Number(len(scan.uncached)), cells=shown,
        ))
    if scan.merges:
        _fill_merges(rows, scan.merges, scan.last_row)
        shown = ", ".join(f"R{r1}C{c1}:R{r2}C{c2}" for r1, c1, r2, c2 in scan.merges[:10])
        warnings.append(Message.ngettext(
            "{file} [{sheet}]: {n} merged cell range ({cells}); the top-left value was copied into every cell of the range",
            "{file} [{sheet}]: {n} merged cell ranges ({cells}); the top-left value was copied into every cell of each range",
            len(scan.merges), file=name, sheet=title, n=Number(len(scan.merges)), cells=shown,
        ))
    return rows, title


# --------------------------------------------------------------------------------------------
# HXL
# --------------------------------------------------------------------------------------------


def _parse_hashtag(spec: Any) -> tuple[str, frozenset[str]] | None:
    """``"#org +acronym"`` -> ``("#org", {"acronym"})`` (libhxl's parser); ``None`` if not a tag."""
    if spec is None:
        return None
    text = str(spec).strip()
    if not text.startswith("#"):
        return None
    import hxl.model

    try:
        col = hxl.model.Column.parse(text)
    except Exception:  # noqa: BLE001 - libhxl raises its own errors for malformed specs
        col = None
    if col and col.tag:
        return col.tag.lower(), frozenset(a.lower() for a in col.attributes)
    # lenient fallback for attributes libhxl rejects (e.g. one starting with a digit: ``+24h``)
    m = _LENIENT_TAG.match(text)
    if m is None:
        return None
    attrs = frozenset(a.strip().lower() for a in m.group(2).split("+") if a.strip())
    return "#" + m.group(1).lower(), attrs


def _is_comment(text: str) -> bool:
    """A ``# …`` line above the header (e.g. an export notice), not an HXL hashtag."""
    return text.startswith("#") and _parse_hashtag(text) is None


def _is_hashtag_row(row: list[str | None]) -> bool:
    cells = [c for c in row if c is not None and str(c).strip()]
    if not cells:
        return False
    tagged = sum(1 for c in cells if _parse_hashtag(c) is not None)
    return tagged / len(cells) >= 0.5


def _hxl_patterns() -> list[tuple[str, frozenset[str], str, bool]]:
    pats: list[tuple[str, frozenset[str], str, bool]] = []
    for f in schema.FIELDS:
        parsed = _parse_hashtag(f.hxl)
        if parsed:
            pats.append((parsed[0], parsed[1], f.name, False))
    pats.extend(_HXL_FALLBACKS)
    return pats


def _map_hxl_tags(tags: dict[str, str]) -> dict[str, str]:
    """Map ``{header: hashtag}`` to ``{header: field}`` (most specific match first)."""
    candidates: list[tuple[int, int, str, str]] = []
    headers = list(tags)
    patterns = _hxl_patterns()
    for idx, h in enumerate(headers):
        parsed = _parse_hashtag(tags[h])
        if parsed is None:
            continue
        tag, attrs = parsed
        for ptag, pattrs, fname, exact in patterns:
            if ptag != tag:
                continue
            if exact and attrs != pattrs:
                continue
            if not pattrs <= attrs:
                continue
            if (attrs - pattrs) & _HXL_QUALIFIERS:
                continue
            score = 100 * len(pattrs) - len(attrs - pattrs)
            candidates.append((-score, idx, h, fname))
    candidates.sort()
    out: dict[str, str] = {}
    taken: set[str] = set()
    for _s, _i, h, fname in candidates:
        if h in out or fname in taken:
            continue
        out[h] = fname
        taken.add(fname)
    return {h: out[h] for h in headers if h in out}


# --------------------------------------------------------------------------------------------
# Table assembly
# --------------------------------------------------------------------------------------------


def _dedupe_headers(raw: list[Any], name: str, warnings: list[str]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    dupes: list[str] = []
    blanks: list[int] = []
    for i, h in enumerate(raw):
        text = "" if h is None else str(h).strip()
        if not text:
            text = f"column_{i + 1}"
            blanks.append(i + 1)
        if text in seen:
            seen[text] += 1
            dupes.append(text)
            new = f"{text}.{seen[text]}"
            while new in seen:
                seen[text] += 1
                new = f"{text}.{seen[text]}"
            text = new
        seen.setdefault(text, 0)
        headers.append(text)
    if dupes:
        warnings.append(Message.ngettext(
            "{file}: duplicate column header {headers}; later copies were renamed with a .1, .2 … suffix and only "
            "the first is matched to a field",
            "{file}: duplicate column headers {headers}; later copies were renamed with a .1, .2 … suffix and only "
            "the first is matched to a field",
            len(set(dupes)), file=name, headers=str(sorted(set(dupes))),
        ))
    if blanks:
        warnings.append(Message.ngettext(
            "{file}: column {columns} has no header and was named column_<n>",
            "{file}: columns {columns} have no header and were named column_<n>",
            len(blanks), file=name, columns=str(blanks),
        ))
    return headers


def _clean(value: Any) -> str | None:
    """Cell text, ``None`` when blank; a writer's neutralising apostrophe removed."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if not text or text.isspace():
        return None
    if text[0] == "'":
        return _NEUTRALISED.sub("", text)
    return text


def _leading_rows(rows: list[list[Any]], name: str, warnings: list[str]) -> int:
    """Index of the header row: leading fully-empty rows and ``# …`` comment lines skipped."""
    start = 0
    while start < len(rows):
        cells = [c for c in (_clean(c) for c in rows[start]) if c]
        if not cells:
            start += 1
            continue
        if len(cells) == 1 and _is_comment(cells[0]):
            warnings.append(Message(N_("{file}: row {row} is a comment line and was skipped: {text}"), file=name, row=start + 1, text=cells[0][:120]))
            start += 1
            continue
        break
    return start


def _header_part(
    rows: list[list[Any]], name: str, warnings: list[str], *, force_hxl: bool = False
) -> tuple[int, list[Any], list[Any] | None, int]:
    """Header row index, header cells, HXL hashtag row (or None) and index of the first data row."""
    start = _leading_rows(rows, name, warnings)
    if start >= len(rows):
        msg = Message(N_("{file}: the file has no header row (it is empty); a directory needs a header row and data rows"), file=name)
        raise ValueError(msg)
    header_row = rows[start]
    data_start = start + 1
    if _is_hashtag_row(header_row):
        # hashtag row with no human header: the tags are the headers
        tag_row = header_row
        header_row = [c if c else None for c in tag_row]
    elif data_start < len(rows) and _is_hashtag_row(rows[data_start]):
        tag_row = rows[data_start]
        data_start += 1
    else:
        tag_row = None
        if force_hxl:
            msg = Message(N_("{file}: no HXL hashtag row found in row {row} or {next_row}; read it as CSV/XLSX instead"),
                          file=name, row=start + 1, next_row=start + 2)
            raise ValueError(msg)
    return start, header_row, tag_row, data_start


def _split_table(
    rows: list[list[Any]], name: str, warnings: list[str], *, force_hxl: bool = False
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]]]:
    """Header, HXL tags and ``(source_row, cells)`` for the data rows of a raw table."""
    start, header_row, tag_row, data_start = _header_part(rows, name, warnings, force_hxl=force_hxl)
    tags: dict[str, str] = {}
    width = max((len(r) for r in rows[start:]), default=0)
    header_cells = list(header_row) + [None] * (width - len(header_row))
    # trailing blank header columns with no data are dropped
    while header_cells and not _clean(header_cells[-1]):
        col = len(header_cells) - 1
        if any(len(r) > col and _clean(r[col]) for r in rows[data_start:]):
            break
        if tag_row is not None and len(tag_row) > col and _clean(tag_row[col]):
            break
        header_cells.pop()
    headers = _dedupe_headers(header_cells, name, warnings)
    tags.update(_tags_of(headers, tag_row))
    data: list[tuple[int, list[str | None]]] = []
    blank_rows = 0
    for i in range(data_start, len(rows)):
        # plain text cells (nearly all of a CSV) are kept as they are without a call each
        cells = [c if c.__class__ is str and c and c[0] != "'" and not c.isspace() else _clean(c) for c in rows[i]]
        if not any(cells):
            blank_rows += 1
            continue
        # cells beyond the header are blank (the header was widened to every non-blank column)
        cells = cells[: len(headers)]
        cells += [None] * (len(headers) - len(cells))
        data.append((i + 1, cells))
    if blank_rows:
        # trailing empty rows of spreadsheets are common; only mention inner ones
        last_data = data[-1][0] if data else data_start
        inner = sum(1 for i in range(data_start, last_data) if not any(_clean(c) for c in rows[i]))
        if inner:
            warnings.append(_empty_rows(name, inner))
    return headers, tags, data


def _empty_rows(name: str, inner: int) -> Message:
    """The warning on empty rows between data rows (skipped)."""
    return Message.ngettext(
        "{file}: {n} empty row between data rows was skipped", "{file}: {n} empty rows between data rows were skipped",
        inner, file=name, n=Number(inner),
    )


def _tags_of(headers: list[str], tag_row: list[Any] | None) -> dict[str, str]:
    """``{header: hashtag}`` from an HXL hashtag row."""
    tags: dict[str, str] = {}
    if tag_row is not None:
        for i, h in enumerate(headers):
            t = _clean(tag_row[i] if i < len(tag_row) else None)
            if t and _parse_hashtag(t):
                tags[h] = t.strip()
    return tags


def map_columns(
    headers: list[str],
    *,
    hxl_tags: dict[str, str] | None = None,
    mapping: dict[str, str] | None = None,
) -> dict[str, str]:
    """Map original headers to directory fields.

    Parameters
    ----------
    headers
        Original column headers, in order.
    hxl_tags
        ``{header: hashtag}`` for HXL files; tags are matched first (schema ``hxl`` spellings,
        then fallbacks such as ``#sector`` -> ``service_types``, ``#adm1`` -> ``admin1_name``).
    mapping
        Explicit ``{header: field}`` overrides (the app's mapping widget or a saved mapping);
        they win over tags and synonyms; ``""`` ignores that column.

    Returns
    -------
    dict
        ``{header: field}``; each field is taken by one header at most.
    """
    mapping = dict(mapping or {})
    for target in mapping.values():
        if target and target not in schema.FIELD_NAMES:
            msg = Message(_NOT_A_FIELD, target=repr(target), fields=tuple(schema.FIELD_NAMES))
            raise ValueError(msg)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        target = mapping.get(h)
        if target and target not in taken:
            out[h] = target
            taken.add(target)
    rest = [h for h in headers if h not in mapping and h not in KEPT_RESOLUTION_COLUMNS]
    if hxl_tags:
        for h, f in _map_hxl_tags({h: hxl_tags[h] for h in rest if h in hxl_tags}).items():
            if f not in taken:
                out[h] = f
                taken.add(f)
    remaining = [h for h in rest if h not in out]
    for h, f in schema.map_headers(remaining).items():
        if f not in taken:
            out[h] = f
            taken.add(f)
    return {h: out[h] for h in headers if h in out}


def _build_frame(
    headers: list[str],
    data: list[tuple[int, list[str | None]]] | TextColumns,
    *,
    name: str,
    mapping: dict[str, str],
    attrs: dict[str, Any],
    arrow: bool = False,
) -> pd.DataFrame:
    by_field = {f: headers.index(h) for h, f in mapping.items()}
    kept_res = {c: headers.index(c) for c in KEPT_RESOLUTION_COLUMNS if c in headers and c not in mapping}
    unmapped = [h for h in headers if h not in mapping and h not in kept_res]
    unmapped_idx = [(h, headers.index(h)) for h in unmapped]
    n = len(data)
    if isinstance(data, TextColumns):
        source_rows, columns = data.source_rows, data.columns
        extra = _extra_cells([(h, columns[i]) for h, i in unmapped_idx], n)
    else:
        source_rows = np.array([r for r, _c in data], dtype="int64")
        columns = [pa.array(c, type=pa.string()) for c in _transpose(data, len(headers))] if arrow else _transpose(data, len(headers))
        extra = [{h: cells[i] for h, i in unmapped_idx if cells[i] is not None} for _r, cells in data]
    empty = np.full(n, None, dtype=object)
    cols: dict[str, Any] = {}
    for f in schema.FIELD_NAMES:
        i = by_field.get(f)
        if i is not None:
            cols[f] = _text_series(columns[i], arrow=arrow)
        else:
            cols[f] = _text_series(pa.nulls(n, pa.string()), arrow=True) if arrow else pd.Series(empty, dtype=object)
    cols["source_file"] = pd.Series(np.full(n, name, dtype=object), dtype=object)
    cols["source_row"] = pd.Series(source_rows, dtype="int64")
    for c, i in kept_res.items():
        cols[c] = _text_series(columns[i], arrow=False)
    cols[EXTRA_COLUMN] = pd.Series(extra, dtype=object)
    df = pd.DataFrame(cols)
    df.attrs.update(attrs)
    df.attrs["headers"] = list(headers)
    df.attrs["mapping"] = dict(mapping)
    df.attrs["unmapped"] = unmapped
    df.attrs["resolution_columns"] = list(kept_res)
    return df


def _text_series(column: Any, *, arrow: bool) -> pd.Series:
    """A column of cell texts: Python ``str``/``None`` objects, or Arrow strings (blanks NA)."""
    if isinstance(column, (pa.Array, pa.ChunkedArray)):
        if arrow:
            return pd.Series(pd.arrays.ArrowExtensionArray(column))
        return pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    if arrow:
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(column, type=pa.string())))
    return pd.Series(column, dtype=object)


def _extra_cells(columns: list[tuple[str, pa.Array]], n: int) -> list[dict[str, str]]:
    """Per row, ``{header: value}`` of the non-blank cells of the unmapped columns."""
    if not columns:
        return [{} for _ in range(n)]
    names = [h for h, _c in columns]
    values = [c.to_pylist() for _h, c in columns]
    return [{h: v for h, v in zip(names, cells) if v is not None} for cells in zip(*values)]


# --------------------------------------------------------------------------------------------
# GeoJSON / GeoPackage
# --------------------------------------------------------------------------------------------


def _read_vector(data: bytes, name: str, fmt: str, sheet: str | int | None, warnings: list[str]):
    import geopandas as gpd
    import pyogrio

    kwargs: dict[str, Any] = {}
    layer = sheet
    if fmt == "gpkg" and sheet is None:
        layers = _gpkg_layers(data)
        layer = layers[0] if layers else None
        if len(layers) > 1:
            warnings.append(Message(
                N_("{file}: {n} layers {layers}; read the first, {layer} (choose with sheet=)"),
                file=name, n=len(layers), layers=str(layers), layer=repr(layer),
            ))
    if layer is not None:
        kwargs["layer"] = layer
    try:
        with warnings_module.catch_warnings():
            warnings_module.filterwarnings("ignore", message=".*non conformant file extension.*")
            gdf = gpd.read_file(io.BytesIO(data), **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        # Translators: {format} is a file format's code (geojson, gpkg); {error} the library's own error text, in English.
        msg = Message(N_("{file}: could not read it as {format} ({error})"), file=name, format=fmt, error=str(exc))
        raise ValueError(msg) from None
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    return gdf, layer


def _vector_table(gdf, name: str, warnings: list[str]) -> tuple[list[str], list[tuple[int, list[str | None]]], list]:
    props = [c for c in gdf.columns if c != gdf.geometry.name]
    headers = _dedupe_headers(props, name, warnings)
    data: list[tuple[int, list[str | None]]] = []
    frame = pd.DataFrame(gdf[props]).astype(object)
    for i, values in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for v in values:
            if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
                cells.append(None)
            elif isinstance(v, pd.Timestamp):
                cells.append(_clean(_cell_text(v.to_pydatetime())))
            else:
                cells.append(_clean(_cell_text(v)))
        data.append((i + 1, cells))
    return headers, data, list(gdf.geometry)


# --------------------------------------------------------------------------------------------
# HSDS
# --------------------------------------------------------------------------------------------

_HSDS_TABLES: dict[str, tuple[str, ...]] = {
    "organization": ("organizations.csv", "organization.csv"),
    "service": ("services.csv", "service.csv"),
    "location": ("locations.csv", "location.csv"),
    "service_at_location": ("service_at_location.csv", "services_at_location.csv"),
    "phone": ("phones.csv", "phone.csv"),
    "address": ("addresses.csv", "address.csv", "physical_addresses.csv", "physical_address.csv"),
    "attribute": ("attributes.csv",),
    "taxonomy_term": ("taxonomy_terms.csv", "taxonomy_term.csv", "taxonomy.csv"),
    "service_taxonomy": ("services_taxonomy.csv", "service_taxonomy.csv"),
    "language": ("languages.csv", "language.csv"),
    "schedule": ("schedules.csv", "regular_schedules.csv", "schedule.csv"),
}
_HSDS_REQUIRED = ("organization", "service", "location")
_HSDS_FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("service_at_location", "service_id", "service"),
    ("service_at_location", "location_id", "location"),
    ("service", "organization_id", "organization"),
    ("location", "organization_id", "organization"),
    ("phone", "service_at_location_id", "service_at_location"),
    ("phone", "service_id", "service"),
    ("phone", "location_id", "location"),
    ("phone", "organization_id", "organization"),
    ("address", "location_id", "location"),
)
_HSDS_EXT_PREFIX = "geomap_"


class _Package:
    """Files of an HSDS data package (folder or zip) by base name."""

    def __init__(self, files: dict[str, bytes], name: str) -> None:
        self.files = files
        self.name = name
        self.descriptor: dict[str, Any] = {}
        if "datapackage.json" in files:
            try:
                self.descriptor = json.loads(files["datapackage.json"].decode("utf-8-sig"))
            except (ValueError, UnicodeDecodeError) as exc:
                # Translators: {error} is the library's own error text, in English.
                msg = Message(N_("{file}: datapackage.json is not valid JSON ({error})"), file=name, error=str(exc))
                raise ValueError(msg) from None

    def path_of(self, table: str) -> str | None:
        for res in self.descriptor.get("resources", []) or []:
            if res.get("name") == table and isinstance(res.get("path"), str):
                base = Path(res["path"]).name
                if base in self.files:
                    return base
        for cand in _HSDS_TABLES.get(table, ()):
            if cand in self.files:
                return cand
        return None

    def version(self) -> str:
        v = str(self.descriptor.get("version") or "")
        if v.startswith("3") or "addresses.csv" in self.files or "service_at_location.csv" in self.files:
            return "3.0" if not v or v.startswith("3") else v
        return "1.1" if not v or v.startswith(("0", "1")) else v


def _hsds_files(source: Any, name: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        root = Path(source)
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.suffix.lower() in (".csv", ".json"):
                files.setdefault(p.name, read_source(p, what="HSDS table"))
        return files
    if isinstance(source, (str, Path)) and Path(source).name == "datapackage.json":
        return _hsds_files(Path(source).parent, name)
    data = _source_bytes(source, name)
    try:
        infos = limits.check_zip(data, filename=name)
    except zipfile.BadZipFile:
        msg = Message(N_("{file}: an HSDS data package must be a folder or a .zip holding datapackage.json and CSV tables"), file=name)
        raise ValueError(msg) from None
    for info in infos:
        member = info.filename
        base = Path(member).name
        if base.startswith(".") or "__MACOSX" in member:
            continue
        if base.lower().endswith((".csv", ".json")) and base not in files:
            files[base] = limits.read_zip_member(data, member, filename=name)
    return files


def _hsds_table(pkg: _Package, table: str, warnings: list[str]) -> tuple[str | None, list[dict[str, str | None]]]:
    path = pkg.path_of(table)
    if path is None:
        return None, []
    label = f"{pkg.name}/{path}"
    rows, _enc, _delim = _csv_rows(pkg.files[path], label, warnings, delimiter=",") if pkg.files[path].strip() else ([], "", ",")
    if not rows:
        return path, []
    headers, _tags, data = _split_table(rows, label, warnings)
    out = []
    for rownum, cells in data:
        rec = dict(zip(headers, cells))
        rec["__row__"] = rownum  # type: ignore[assignment]
        out.append(rec)
    return path, out


def _term_text(term: dict[str, Any]) -> str | None:
    """A category term as written: its name, or its code when only the code is a known category.

    Terms of geomap's own category taxonomy give their code (the category exactly as exported).
    """
    name, code = term.get("name"), term.get("code")
    if code and term.get("taxonomy_id") == hsds.CATEGORY_TAXONOMY_ID:
        return code
    if name and (schema.parse_service_types(name)[0] or not (code and schema.parse_service_types(code)[0])):
        return name
    return code or name


def _hsds_categories(tables: dict[str, tuple[str | None, list[dict[str, Any]]]]) -> dict[str, list[str]]:
    """Service id -> categories, from every HSDS taxonomy link a package may carry.

    HSDS 3.x: ``attributes`` linking a service to a ``taxonomy_terms`` row; HSDS 1.x:
    ``services_taxonomy`` rows and the ``taxonomy_ids`` column of ``services``, pointing into
    ``taxonomy``. Each term is kept as written (:func:`_term_text`): the resolver turns the
    ones geomap's vocabulary knows into codes and keeps the others verbatim. Terms of the
    "geomap record fields" taxonomy are fields, not categories.
    """
    terms = {r["id"]: r for r in tables["taxonomy_term"][1] if r.get("id") and r.get("taxonomy_id") != hsds.FIELD_TAXONOMY_ID}
    links: list[tuple[str | None, str | None]] = [
        (r.get("link_id"), r.get("taxonomy_term_id"))
        for r in tables["attribute"][1]
        if (r.get("link_entity") or "service") == "service"
    ]
    links += [(r.get("service_id"), r.get("taxonomy_id") or r.get("taxonomy_term_id")) for r in tables["service_taxonomy"][1]]
    links += [(s.get("id"), tid) for s in tables["service"][1] for tid in schema.parse_list(s.get("taxonomy_ids"))]
    out: dict[str, list[str]] = {}
    for service_id, term_id in links:
        term = terms.get(term_id or "")
        text = _term_text(term) if term is not None and service_id else None
        if text and text not in out.setdefault(service_id, []):
            out[service_id].append(text)
    return out


def _hsds_field_values(tables: dict[str, tuple[str | None, list[dict[str, Any]]]]) -> dict[str, dict[str, str | None]]:
    """service_at_location id -> {field: text} from "geomap record fields" attributes (blank -> None)."""
    fields = {r["id"]: r.get("name") for r in tables["taxonomy_term"][1] if r.get("id") and r.get("taxonomy_id") == hsds.FIELD_TAXONOMY_ID}
    out: dict[str, dict[str, str | None]] = {}
    for r in tables["attribute"][1]:
        name = fields.get(r.get("taxonomy_term_id") or "")
        if name and r.get("link_id") and r.get("link_entity") == "service_at_location":
            out.setdefault(r["link_id"], {})[name] = r.get("value")
    return out


_Tables = dict[str, tuple[str | None, list[dict[str, Any]]]]


def _hsds_open(source: Any, name: str, warnings: list[str]) -> tuple[_Package, _Tables]:
    """The package and its tables (``{table: (file name or None, rows)}``); required tables checked."""
    pkg = _Package(_hsds_files(source, name), name)
    missing = [t for t in _HSDS_REQUIRED if pkg.path_of(t) is None]
    if missing:
        msg = Message.ngettext(
            "{file}: HSDS data package is missing the required table {tables}; a directory needs "
            "organizations.csv, services.csv and locations.csv (plus service_at_location.csv to link them)",
            "{file}: HSDS data package is missing the required tables {tables}; a directory needs "
            "organizations.csv, services.csv and locations.csv (plus service_at_location.csv to link them)",
            len(missing), file=name, tables=tuple(_HSDS_TABLES[t][0] for t in missing),
        )
        raise ValueError(msg)
    return pkg, {t: _hsds_table(pkg, t, warnings) for t in _HSDS_TABLES}


def _hsds_check_keys(pkg: _Package, tables: _Tables, warnings: list[str]) -> None:
    """Report every dangling reference once (file, row, field); the rows are kept."""
    for table, fk, target_table in _HSDS_FOREIGN_KEYS:
        path, recs = tables[table]
        target_path = tables[target_table][0]
        if path is None or target_path is None:
            continue
        ids = {r["id"] for r in tables[target_table][1] if r.get("id")}
        for r in recs:
            key = r.get(fk)
            if key and key not in ids:
                warnings.append(Message(
                    N_("{file} row {row}: {field} {value} matches no id in {table}; the row is kept without that link"),
                    file=f"{pkg.name}/{path}", row=r["__row__"], field=fk, value=repr(key), table=target_path,
                ))


def _group(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get(key):
            out.setdefault(r[key], []).append(r)
    return out


def _pick(*values: Any) -> Any:
    for v in values:
        if v:
            return v
    return None


def _id(rec: dict[str, Any] | None) -> str | None:
    return rec.get("id") if rec else None


class _HsdsJoin:
    """Joins an HSDS package's tables into directory rows (see :func:`_read_hsds`)."""

    def __init__(self, pkg: _Package, tables: _Tables) -> None:
        self.pkg, self.tables, self.version = pkg, tables, pkg.version()
        self.by_id = {t: {r["id"]: r for r in tables[t][1] if r.get("id")} for t in ("organization", "service", "location")}
        self.phones = {k: _group(tables["phone"][1], k) for k in ("service_at_location_id", "service_id", "location_id", "organization_id")}
        self.addresses = _group(tables["address"][1], "location_id")
        self.languages = {k: _group(tables["language"][1], k) for k in ("service_id", "location_id")}
        self.schedules = {k: _group(tables["schedule"][1], k) for k in ("service_at_location_id", "service_id", "location_id")}
        self.categories = _hsds_categories(tables)
        self.fields = _hsds_field_values(tables)
        self.geomap_export = bool(self.fields) or any(k.startswith(_HSDS_EXT_PREFIX) for r in tables["service"][1][:1] for k in r)

    def ref(self, rec: dict[str, Any] | None, fieldname: str, target: str) -> dict[str, Any] | None:
        key = rec.get(fieldname) if rec else None
        return self.by_id[target].get(key) if key else None

    def phone(self, sal: dict | None, svc: dict | None, loc: dict | None, org: dict | None) -> str | None:
        """Numbers linked to the service_at_location, else the service, location, organisation."""
        keys = (("service_at_location_id", sal), ("service_id", svc), ("location_id", loc), ("organization_id", org))
        for k, rec in keys:
            nums: list[str] = []
            for p in self.phones[k].get(_id(rec) or "", []):
                num = p.get("number")
                if num and p.get("extension"):
                    num = f"{num} ext. {p['extension']}"
                if num and num not in nums:
                    nums.append(num)
            if nums:
                return "; ".join(nums)
        return None

    def place(self, loc: dict[str, Any], row: dict[str, Any], extra: dict[str, Any]) -> None:
        """Point, location name and (physical) address of the location."""
        row["latitude"], row["longitude"] = loc.get("latitude"), loc.get("longitude")
        if loc.get("name") and loc.get("name") != row["name"]:
            extra["location_name"] = loc["name"]
        addrs = self.addresses.get(_id(loc) or "", [])
        physical = [a for a in addrs if (a.get("address_type") or "physical") == "physical"] or addrs
        if physical:
            a = physical[0]
            row["address"] = ", ".join(v for v in (a.get("address_1"), a.get("address_2")) if v) or None
            row["town"], row["admin1_name"] = a.get("city"), a.get("state_province")
            extra.update({k: a[k] for k in ("postal_code", "country", "region") if a.get(k)})

    def details(self, sal: dict | None, svc: dict | None, loc: dict | None, row: dict[str, Any]) -> None:
        """Languages (service, location) and hours (first of service_at_location, service, location)."""
        langs: list[str] = []
        for k, rec in (("service_id", svc), ("location_id", loc)):
            langs += [g["name"] for g in self.languages[k].get(_id(rec) or "", []) if g.get("name") and g["name"] not in langs]
        row["languages"] = schema.format_list(langs) or None
        for k, rec in (("service_at_location_id", sal), ("service_id", svc), ("location_id", loc)):
            sched = [s.get("description") for s in self.schedules[k].get(_id(rec) or "", []) if s.get("description")]
            if sched:
                row["hours"] = "; ".join(sched)
                break

    def geomap_fields(self, sal: dict | None, svc: dict | None, loc: dict | None, row: dict[str, Any], extra: dict[str, Any]) -> None:
        """Fields HSDS has no column for: "geomap record fields" attributes (or older geomap_* columns)."""
        ext = {k[len(_HSDS_EXT_PREFIX) :]: v for src in (svc, loc) for k, v in (src or {}).items() if k.startswith(_HSDS_EXT_PREFIX)}
        ext.update(self.fields.get(_id(sal) or "", {}))
        for fname, value in ext.items():
            if fname in schema.FIELD_NAMES or fname in KEPT_RESOLUTION_COLUMNS:
                row[fname] = value
            elif value is not None:
                extra[fname] = value

    def row(self, table: str, rec: dict[str, Any], svc: dict | None, loc: dict | None, org: dict | None, sal: dict | None) -> dict[str, Any]:
        """One directory row from a record of ``table`` and the records it links."""
        row: dict[str, Any] = dict.fromkeys(schema.FIELD_NAMES)
        extra: dict[str, Any] = {}
        row["id"] = rec.get("id")
        row["name"] = _pick(svc and svc.get("name"), loc and loc.get("name"), org and org.get("name"))
        row["organisation"] = org.get("name") if org else None
        row["email"] = _pick(svc and svc.get("email"), org and org.get("email"))
        row["website"] = _pick(svc and svc.get("url"), org and (org.get("website") or org.get("url")))
        row["notes"] = svc.get("description") if svc else None
        row["last_verified"] = svc.get("assured_date") if svc else None
        row["phone"] = self.phone(sal, svc, loc, org)
        if loc:
            self.place(loc, row, extra)
        if svc:
            row["service_types"] = schema.format_list(self.categories.get(_id(svc) or "", [])) or None
            if svc.get("status") and svc["status"] != "active":
                extra["service_status"] = svc["status"]
        self.details(sal, svc, loc, row)
        self.geomap_fields(sal, svc, loc, row, extra)
        if not self.geomap_export:
            row["source"] = f"HSDS {self.version} data package {self.pkg.name}"
        row["source_file"] = f"{self.pkg.name}/{self.tables[table][0]}"
        row["source_row"] = rec["__row__"]
        row[EXTRA_COLUMN] = {k: v for k, v in extra.items() if v is not None}
        return row

    def rows(self, warnings: list[str]) -> list[dict[str, Any]]:
        """Rows for every service_at_location, then locations and services no link uses."""
        records: list[dict[str, Any]] = []
        used: dict[str, set[str]] = {"service": set(), "location": set()}
        sal_path, sals = self.tables["service_at_location"]
        for sal in sals:
            svc, loc = self.ref(sal, "service_id", "service"), self.ref(sal, "location_id", "location")
            org = self.ref(svc, "organization_id", "organization") or self.ref(loc, "organization_id", "organization")
            used["service"].update([svc["id"]] if svc else [])
            used["location"].update([loc["id"]] if loc else [])
            records.append(self.row("service_at_location", sal, svc, loc, org, sal))
        if sal_path is None:
            warnings.append(Message(
                N_("{file}: no service_at_location table; one row per location and per service instead"), file=self.pkg.name
            ))
        for loc in self.tables["location"][1]:
            if loc.get("id") in used["location"]:
                continue
            if sal_path is not None:
                warnings.append(Message(
                    N_("{file} row {row}: location {value} has no service_at_location row; kept as a row without a service"),
                    file=f"{self.pkg.name}/{self.tables['location'][0]}", row=loc["__row__"], value=repr(loc.get("id")),
                ))
            records.append(self.row("location", loc, None, loc, self.ref(loc, "organization_id", "organization"), None))
        for svc in self.tables["service"][1]:
            if svc.get("id") not in used["service"]:
                records.append(self.row("service", svc, svc, None, self.ref(svc, "organization_id", "organization"), None))
        return records


def _hsds_frame(records: list[dict[str, Any]], version: str, tables: _Tables) -> pd.DataFrame:
    """The directory table of the joined rows, with the reader's ``attrs``."""
    if not records:
        df = pd.DataFrame({f: pd.Series(dtype=object) for f in (*schema.FIELD_NAMES, "source_file")})
        df["source_row"] = pd.Series(dtype="int64")
        df[EXTRA_COLUMN] = pd.Series(dtype=object)
    else:
        df = pd.DataFrame.from_records(records).astype(object)
        df = df.where(df.notna(), None)
        df["source_row"] = df["source_row"].astype("int64")
    res_cols = [c for c in KEPT_RESOLUTION_COLUMNS if c in df.columns and df[c].notna().any()]
    df = df[[*schema.FIELD_NAMES, "source_file", "source_row", *res_cols, EXTRA_COLUMN]]
    df.attrs.update(
        {
            "format": "hsds",
            "hsds_version": version,
            "encoding": "utf-8",
            "delimiter": ",",
            "headers": [],
            "mapping": {},
            "unmapped": [],
            "resolution_columns": res_cols,
            "tables": {t: p for t, (p, _r) in tables.items() if p},
        }
    )
    return df


def _read_hsds(source: Any, name: str, warnings: list[str]) -> pd.DataFrame:
    """One directory row per ``service_at_location`` row, then unlinked locations and services.

    Fields: ``id`` = service_at_location id; ``name`` = service name (else location, else
    organisation name); ``organisation`` = organisation name; ``latitude``/``longitude`` from
    the location (kept as given, even out of range); ``address``/``town``/``admin1_name`` from
    the location's (physical) address; ``phone`` = numbers linked to the service_at_location,
    else service, location, organisation; ``email``/``website`` from the service, else the
    organisation; ``notes`` = service description; ``last_verified`` = ``assured_date``;
    ``hours`` = schedule descriptions; ``languages`` = language names; ``service_types`` =
    every taxonomy term linked to the service (:func:`_hsds_categories`), known or not.
    Attributes under the "geomap record fields" taxonomy (geomap's HSDS writer; ``geomap_<field>``
    columns in older exports) restore the fields HSDS has no column for.
    """
    pkg, tables = _hsds_open(source, name, warnings)
    _hsds_check_keys(pkg, tables, warnings)
    join = _HsdsJoin(pkg, tables)
    return _hsds_frame(join.rows(warnings), join.version, tables)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _is_hsds_source(source: Any, name: str, data: bytes | None) -> bool:
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.is_dir() or p.name == "datapackage.json":
            return True
    if data is not None and data.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False
        return not any(n.startswith("xl/") for n in names)
    return False


def _hsds_table_view(df: pd.DataFrame) -> pd.DataFrame:
    """An HSDS package as a preview table: the joined field columns, indexed by source row."""
    table = df[list(schema.FIELD_NAMES)].copy()
    table.index = pd.Index(df["source_row"].tolist(), name="source_row")
    table.attrs.update(df.attrs)
    table.attrs["headers"] = list(schema.FIELD_NAMES)
    table.attrs["hxl_tags"] = {}
    return table


def read_table(
    source: Any,
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    format: str | None = None,  # noqa: A002 - the contract's keyword
) -> pd.DataFrame:
    """Read the raw table with its original (deduplicated) headers, for a mapping preview.

    Parameters
    ----------
    source
        Path, bytes or file-like (``.name`` and ``.getvalue()``, e.g. a Streamlit upload).
    filename
        File name when ``source`` carries none (bytes).
    sheet
        XLSX sheet (name or 0-based index) or GeoPackage layer.
    format
        Force a format (one of :data:`FORMATS`); guessed from the name and content otherwise.

    Returns
    -------
    pandas.DataFrame
        Text cells (``None`` when empty) under the original headers; ``attrs`` as in
        :func:`read_directory` minus the mapping (``hxl_tags`` included). GeoJSON/GeoPackage
        tables gain ``latitude``/``longitude`` columns from Point geometries when they have none.
        HSDS packages are returned already joined, under the field names (as
        :func:`read_directory` does; the mapping is then the identity).
    """
    name = _source_name(source, filename)
    if format == "hsds" or (format is None and _is_hsds_source(source, name, None)):
        return _hsds_table_view(read_directory(source, filename=filename, format="hsds"))
    data = _source_bytes(source, name)
    fmt = format or detect_format(name, data)
    if fmt not in DIRECTORY_FORMATS.names(readable=True):
        msg = f"unknown format {fmt!r}; choose one of {', '.join(DIRECTORY_FORMATS.names(readable=True))}"
        raise ValueError(msg)
    if fmt == "hsds":
        return _hsds_table_view(read_directory(data, filename=name, format="hsds"))
    headers, tags, rows, attrs = _read_raw(data, name, fmt, sheet)
    if isinstance(rows, TextColumns):
        columns, source_rows = rows.columns, rows.source_rows.tolist()
    else:
        columns, source_rows = _transpose(rows, len(headers)), [r for r, _c in rows]
    table = pd.DataFrame({h: _text_series(columns[i], arrow=False) for i, h in enumerate(headers)})
    table.index = pd.Index(source_rows, name="source_row")
    table.attrs.update(attrs)
    return table


def _transpose(rows: list[tuple[int, list[str | None]]], width: int) -> list[list[str | None]]:
    """Column lists of ``(row, cells)`` data (one pass)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*(cells for _r, cells in rows))]


def _read_raw(
    data: bytes, name: str, fmt: str, sheet: str | int | None
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]], dict[str, Any]]:
    """Headers, HXL tags, ``(source_row, cells)`` rows and attrs, by the format's registered reader."""
    reader = DIRECTORY_FORMATS.get(fmt).read_function()
    return reader(data, name, fmt, sheet, [])


def _table_from_vector(
    data: bytes, name: str, fmt: str, sheet: str | int | None, warnings: list[str]
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]], dict[str, Any]]:
    """The table reader of GeoJSON and GeoPackage (registered in :mod:`geomap.io.formats`)."""
    attrs: dict[str, Any] = {"format": fmt, "encoding": "utf-8", "delimiter": None, "warnings": warnings}
    gdf, layer = _read_vector(data, name, fmt, sheet, warnings)
    headers, rows, geoms = _vector_table(gdf, name, warnings)
    attrs["sheet"] = layer
    mapped = map_columns(headers)
    if not ("latitude" in mapped.values() or "longitude" in mapped.values()):
        headers = _add_point_columns(headers, rows, geoms, name, attrs, warnings)
    attrs["headers"] = list(headers)
    attrs["hxl_tags"] = {}
    return headers, {}, rows, attrs


def _add_point_columns(
    headers: list[str], rows: list, geoms: list, name: str, attrs: dict[str, Any], warnings: list[str]
) -> list[str]:
    """Latitude/longitude cells from Point geometries, under names no header already uses."""
    lat_h, lon_h = "latitude", "longitude"
    while lat_h in headers or lon_h in headers:
        lat_h, lon_h = "geometry_" + lat_h, "geometry_" + lon_h
    other = 0
    for (_r, cells), geom in zip(rows, geoms):
        if geom is not None and not geom.is_empty and geom.geom_type == "Point":
            cells.extend([repr(float(geom.y)), repr(float(geom.x))])
        else:
            cells.extend([None, None])
            if geom is not None and not geom.is_empty:
                other += 1
    attrs["geometry_columns"] = [lat_h, lon_h]
    if other:
        warnings.append(Message.ngettext(
            "{file}: {n} feature has a non-Point geometry; its coordinates were not taken (give Point features "
            "or latitude/longitude properties)",
            "{file}: {n} features have a non-Point geometry; their coordinates were not taken (give Point features "
            "or latitude/longitude properties)",
            other, file=name, n=Number(other),
        ))
    return [*headers, lat_h, lon_h]


def _table_from_sheet(
    data: bytes, name: str, fmt: str, sheet: str | int | None, warnings: list[str]
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]], dict[str, Any]]:
    """The table reader of XLSX workbooks (registered in :mod:`geomap.io.formats`)."""
    raw, title = _xlsx_rows(data, name, sheet, warnings)
    attrs: dict[str, Any] = {"format": fmt, "encoding": "utf-8", "delimiter": None, "warnings": warnings, "sheet": title}
    return _table_from_rows(raw, name, fmt, attrs, warnings)


def _table_from_text(
    data: bytes, name: str, fmt: str, sheet: str | int | None, warnings: list[str]
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]], dict[str, Any]]:
    """The table reader of CSV and HXL text (registered in :mod:`geomap.io.formats`).

    The data rows are read column by column (:func:`geomap.io.columns.text_columns`, Arrow's
    parser) when that gives exactly what :mod:`csv` gives, else row by row.
    """
    head = _utf8_head(data)
    if head is not None:
        # the file is decoded only as far as its header: Arrow checks the rest is UTF-8
        delim = _sniff_delimiter(head)
        enc = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        attrs: dict[str, Any] = {"format": fmt, "encoding": enc, "delimiter": delim, "warnings": warnings}
        fast = _columns_from_text(head, delim, name, fmt, attrs, utf8=data, whole=None)
        if fast is not None:
            return fast
    text, enc, bad_lines = _decode_text(data, name, warnings)
    delim = _sniff_delimiter(text)
    attrs = {"format": fmt, "encoding": enc, "delimiter": delim, "warnings": warnings}
    if not bad_lines:
        fast = _columns_from_text(text, delim, name, fmt, attrs, utf8=data if enc in ("utf-8", "utf-8-sig") else None, whole=text)
        if fast is not None:
            return fast
    raw = _csv_records(text, delim, bad_lines, name, warnings)
    return _table_from_rows(raw, name, fmt, attrs, warnings)


_HEAD_LINES = 80
_OTHER_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _utf8_head(data: bytes) -> str | None:
    """The first lines of a UTF-8 file as text (BOM removed), or ``None`` (short, not UTF-8, empty)."""
    if data.startswith(_OTHER_BOMS) or _BLANK_FILE.fullmatch(data):
        return None
    end = -1
    for _ in range(_HEAD_LINES):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return None  # a short file: read whole
    try:
        text = data[: end + 1].decode("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError:
        return None
    return text.lstrip("\ufeff")


_HEAD_ROWS = 64


def _lines_prefix(text: str, lines: int) -> str:
    """The first ``lines`` lines of ``text`` (all of it if it has no more), ends included."""
    offset = 0
    for _ in range(lines):
        found = text.find("\n", offset)
        if found < 0:
            return text
        offset = found + 1
    return text[:offset]


def _body_bytes(text: str, utf8: bytes | None, whole: str | None, lines: int) -> tuple[bytes, int] | None:
    """UTF-8 bytes of the file and the offset in them after its first ``lines`` lines.

    ``text`` holds at least those lines; ``utf8`` is the file when it is UTF-8, ``whole`` its
    whole text when it is not (or ``None``).
    """
    head = _lines_prefix(text, lines)
    if len(head) == len(text) or head.count("\r") != head.count("\r\n"):
        return None  # no data line, or a lone carriage return (csv ends a line there too)
    encoded = head.encode("utf-8")
    if utf8 is not None:
        skip = 3 if utf8.startswith(b"\xef\xbb\xbf") else 0
        if utf8[skip : skip + len(encoded)] == encoded:
            return utf8, skip + len(encoded)
    if whole is None:
        return None
    return whole.encode("utf-8"), len(encoded)


def _columns_from_text(
    text: str, delim: str, name: str, fmt: str, attrs: dict[str, Any], *, utf8: bytes | None, whole: str | None
) -> tuple[list[str], dict[str, str], TextColumns, dict[str, Any]] | None:
    """The text table column by column, or ``None`` where only the row-by-row reader is exact.

    ``text`` is the file's text, or its first lines when ``whole`` is ``None`` (see :func:`_body_bytes`).
    """
    reader = csv.reader(io.StringIO(_lines_prefix(text, _HEAD_ROWS + 1), newline=""), delimiter=delim)
    head: list[list[str]] = []
    for row in reader:
        head.append(row)
        if reader.line_num != len(head) or len(head) >= _HEAD_ROWS:
            break  # a record over several lines (the header must be one line each)
    said: list[str] = []
    if _leading_rows(head, name, []) + 2 >= len(head):
        return None  # short files, or a header region the rows read here do not cover
    start, header_row, tag_row, data_start = _header_part(head, name, said, force_hxl=fmt == "hxl")
    width = len(header_row)
    if any(len(r) != width for r in head[start:data_start + 1]):
        return None
    body = _body_bytes(text, utf8, whole, data_start)
    table = text_columns(body[0], width, data_start + 1, delim, offset=body[1]) if body is not None else None
    if table is None:
        return None
    header_cells, columns = list(header_row), list(table.columns)
    while header_cells and not _clean(header_cells[-1]) and columns[-1].null_count == len(table):
        if tag_row is not None and _clean(tag_row[len(header_cells) - 1]):
            break
        header_cells.pop()
        columns.pop()
    headers = _dedupe_headers(header_cells, name, said)
    tags = _tags_of(headers, tag_row)
    data = _drop_blank_rows(TextColumns(table.source_rows, columns), name, said)
    attrs["warnings"].extend(said)
    return _finish_table(headers, tags, data, name, fmt, attrs)


def _drop_blank_rows(table: TextColumns, name: str, warnings: list[str]) -> TextColumns:
    """Rows with a non-blank cell; a warning counts the empty rows between data rows."""
    if not table.columns:
        return table
    keep = np.zeros(len(table), dtype=bool)
    for col in table.columns:
        keep |= np.asarray(col.is_valid())
    if keep.all():
        return table
    last = np.flatnonzero(keep)[-1] if keep.any() else -1
    inner = int((~keep[: max(last, 0)]).sum())
    if inner:
        warnings.append(_empty_rows(name, inner))
    mask = pa.array(keep)
    return TextColumns(table.source_rows[keep], [col.filter(mask) for col in table.columns])


def _table_from_rows(
    raw: list[list[str]], name: str, fmt: str, attrs: dict[str, Any], warnings: list[str]
) -> tuple[list[str], dict[str, str], list[tuple[int, list[str | None]]], dict[str, Any]]:
    """Header, optional HXL hashtag row and data rows of a sheet or a CSV."""
    if not raw or not any(any(_clean(c) for c in r) for r in raw):
        msg = Message(_EMPTY_FILE, file=name)
        raise ValueError(msg)
    headers, tags, rows = _split_table(raw, name, warnings, force_hxl=fmt == "hxl")
    return _finish_table(headers, tags, rows, name, fmt, attrs)


def _finish_table(
    headers: list[str], tags: dict[str, str], rows: Any, name: str, fmt: str, attrs: dict[str, Any]
) -> tuple[list[str], dict[str, str], Any, dict[str, Any]]:
    """Warn of a table without data rows; record the format (HXL when tagged), headers and tags."""
    warnings = attrs["warnings"]
    if not len(rows):
        warnings.append(Message(
            N_("{file}: no data rows under the header; the file has column names only, so no "
               "provider was loaded (add one row per provider under the header)"),
            file=name,
        ))
    if tags:
        attrs["format"] = "hxl" if fmt == "csv" else fmt
        attrs["hxl"] = True
    attrs["headers"] = list(headers)
    attrs["hxl_tags"] = tags
    return headers, tags, rows, attrs


def read_directory(
    source: Any,
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
    format: str | None = None,  # noqa: A002 - the contract's keyword
    arrow: bool = False,
) -> pd.DataFrame:
    """Read a provider directory into canonical field columns holding raw text.

    Parameters
    ----------
    source
        A path (file, or folder for an HSDS package), bytes, or a file-like object with
        ``.name`` and ``.getvalue()`` (a Streamlit ``UploadedFile``).
    filename
        File name when ``source`` carries none; used for format detection and messages.
    sheet
        XLSX sheet name or 0-based index (default: the first sheet), or GeoPackage layer.
    mapping
        ``{original header: field}`` overrides from the app's mapping widget or
        :func:`load_mapping`; ``""`` ignores a column.
    format
        One of :data:`FORMATS` to skip detection. ``"hxl"`` requires a hashtag row; a CSV or
        XLSX with a hashtag row under its header is read as HXL without being told.
    arrow
        Hold the field columns as Arrow strings (``pandas.ArrowDtype(pyarrow.string())``,
        blank cells NA) instead of Python ``str``/``None`` objects: no Python object per cell,
        which is what :func:`geomap.pipeline.load_directory` reads big files with
        (:func:`geomap.directory.resolve.resolve_directory` takes either). HSDS packages are
        always objects.

    Returns
    -------
    pandas.DataFrame
        See the module docstring for the columns and ``attrs``.

    Raises
    ------
    ValueError
        Empty file, unreadable workbook/sheet, unknown format, HSDS package missing a
        required table, or a mapping target that is not a field.
    """
    name = _source_name(source, filename)
    if format == "hsds" or (format is None and _is_hsds_source(source, name, None)):
        warnings: list[str] = []
        df = _read_hsds(source, name, warnings)
        df.attrs["warnings"] = warnings
        return df
    data = _source_bytes(source, name)
    if format is None and detect_format(name, data) == "hsds":
        warnings = []
        df = _read_hsds(data, name, warnings)
        df.attrs["warnings"] = warnings
        return df
    fmt = format or detect_format(name, data)
    if fmt not in DIRECTORY_FORMATS.names(readable=True):
        msg = f"unknown format {fmt!r}; choose one of {', '.join(DIRECTORY_FORMATS.names(readable=True))}"
        raise ValueError(msg)
    headers, tags, rows, attrs = _read_raw(data, name, fmt, sheet)
    mapped = map_columns(headers, hxl_tags=tags, mapping=mapping)
    df = _build_frame(headers, rows, name=name, mapping=mapped, attrs=attrs, arrow=arrow)
    fields = set(mapped.values())
    if "name" not in fields and "organisation" in fields and len(df):
        # a 3W or organisation list: each row is an organisation's presence, so its name is the
        # organisation's (the raw text is copied; nothing is invented)
        org_header = next(h for h, f in mapped.items() if f == "organisation")
        df["name"] = df["organisation"]
        df.attrs["name_from"] = org_header
        fields.add("name")
        df.attrs["warnings"].append(Message(
            N_("{file}: no column gives the provider name; the organisation column {column} is used as the name"),
            file=name, column=repr(org_header),
        ))
    missing = [f for f in schema.REQUIRED_FIELDS if f not in fields]
    if missing and len(df):
        df.attrs["warnings"].append(Message.ngettext(
            "{file}: no column matched the required field {fields}; every row will be flagged unless you map a column to it",
            "{file}: no column matched the required fields {fields}; every row will be flagged unless you map a column to them",
            len(missing), file=name, fields=str(missing),
        ))
    return df


def save_mapping(mapping: dict[str, str], path: str | Path) -> None:
    """Save a ``{header: field}`` mapping as JSON (UTF-8) for :func:`load_mapping`."""
    for target in mapping.values():
        if target and target not in schema.FIELD_NAMES:
            msg = Message(_NOT_A_FIELD, target=repr(target), fields=tuple(schema.FIELD_NAMES))
            raise ValueError(msg)
    Path(path).write_text(json.dumps(dict(mapping), ensure_ascii=False, indent=2), encoding="utf-8")


def load_mapping(path: str | Path) -> dict[str, str]:
    """Load a mapping saved by :func:`save_mapping`, checking every target is a field."""
    try:
        data = json.loads(read_source(path, what="mapping file").decode("utf-8-sig"))
    except ValueError as exc:
        msg = Message(N_("{file}: not a JSON mapping file ({error})"), file=path, error=str(exc))
        raise ValueError(msg) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        msg = Message(N_("{file}: a mapping file must be a JSON object of {{header: field}} strings"), file=path)
        raise ValueError(msg)
    for target in data.values():
        if target and target not in schema.FIELD_NAMES:
            msg = Message(N_("{file}: mapping target {target} is not a directory field; valid fields: {fields}"),
                          file=path, target=repr(target), fields=tuple(schema.FIELD_NAMES))
            raise ValueError(msg)
    return dict(data)


def save_mappings(path: str | Path, *, columns: dict[str, str] | None = None, categories: dict[str, str] | None = None) -> None:
    """Save column and category mappings as one JSON file (UTF-8) for :func:`load_mappings`.

    The file is ``{"columns": {header: field}, "categories": {raw category: code}}``, the
    same the Data page offers to download.
    """
    Path(path).write_text(mappings_json(columns=columns, categories=categories), encoding="utf-8")


def mappings_json(*, columns: dict[str, str] | None = None, categories: dict[str, str] | None = None) -> str:
    """The JSON text of a mapping file (see :func:`save_mappings`), checked."""
    columns = dict(columns or {})
    for target in columns.values():
        if target and target not in schema.FIELD_NAMES:
            msg = Message(_NOT_A_FIELD, target=repr(target), fields=tuple(schema.FIELD_NAMES))
            raise ValueError(msg)
    cats = schema.check_category_mapping(categories)
    return json.dumps({"columns": columns, "categories": cats}, ensure_ascii=False, indent=2)


def parse_mappings(text: str | bytes, *, source: str = "mapping file") -> tuple[dict[str, str], dict[str, str]]:
    """Read the text of a mapping file: ``(columns, categories)``.

    Accepts the file of :func:`save_mappings` and the older column-only ``{header: field}``
    file of :func:`save_mapping`.

    Raises
    ------
    ValueError
        Naming ``source`` and what is wrong (not JSON, not an object of strings, a target that
        is not a field or a category code).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    try:
        data = json.loads(text)
    except ValueError as exc:
        # Translators: {error} is the library's own error text, in English.
        msg = Message(N_("{file}: not a JSON mapping file ({error})"), file=source, error=str(exc))
        raise ValueError(msg) from None
    if isinstance(data, dict) and set(data) <= {"columns", "categories"} and all(isinstance(v, dict) for v in data.values()):
        columns, categories = data.get("columns", {}), data.get("categories", {})
    else:
        columns, categories = data, {}
    for part, what in ((columns, "header"), (categories, "category")):
        if not isinstance(part, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in part.items()):
            msg = Message(N_("{file}: expected a JSON object of {{{what}: value}} strings"), file=source, what=what)
            raise ValueError(msg)
    for header, target in columns.items():
        if target and target not in schema.FIELD_NAMES:
            msg = Message(
                N_("{file}: column {column} is mapped to {target}, which is not a directory field; valid fields: {fields}"),
                file=source, column=repr(header), target=repr(target), fields=tuple(schema.FIELD_NAMES),
            )
            raise ValueError(msg)
    return dict(columns), schema.check_category_mapping(categories, source=source)


def load_mappings(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """Load a mapping file saved from the Data page or by :func:`save_mappings`: ``(columns, categories)``."""
    return parse_mappings(read_source(path, what="mapping file"), source=str(path))

