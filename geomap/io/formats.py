"""The one registry of directory formats: name, label, extensions, MIME type, reader, writer.

Every list of formats geomap shows or accepts — ``read_directory(format=…)``, the writers,
``geomap directory export --to``, the Data page's upload types and download choices — is read
from :data:`DIRECTORY_FORMATS`. Readers and writers are named as ``"module:function"`` (the
entry-point convention of Python packaging) and imported when first used, so this module sits at
the bottom of the layering and imports none of the modules it names.

Adding a format is one file plus one entry here, e.g. for OpenDocument spreadsheets::

    # geomap/directory/formats_ods.py
    def read(data: bytes, name: str, fmt: str, sheet, warnings: list[str]): ...
        # -> (headers, hxl_tags, [(source_row, cells), ...], attrs), like readers' table readers
    def write(directory, *, notice=None) -> bytes: ...

    # here, in DIRECTORY_FORMATS
    Format("ods", "OpenDocument spreadsheet", (".ods",), ".ods",
           "application/vnd.oasis.opendocument.spreadsheet",
           reader="geomap.directory.formats_ods:read", writer="geomap.directory.formats_ods:write")

Reader signatures by ``kind``:

``"table"``
    ``reader(data, name, fmt, sheet, warnings) -> (headers, hxl_tags, rows, attrs)`` — the rows
    are ``(source_row, cells)``, or a :class:`geomap.io.columns.TextColumns` (the CSV reader's
    column-by-column result); :func:`geomap.directory.readers.read_directory` maps the
    headers to fields, the same for every table format.
``"package"``
    ``reader(source, name, warnings) -> DataFrame`` — a package of several tables (HSDS) read
    straight into field columns.

Writers all have ``writer(directory, *, notice=None) -> bytes``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterator
from typing import Any

from geomap.i18n import N_

__all__ = ["DIRECTORY_FORMATS", "Format", "FormatRegistry"]


@dataclasses.dataclass(frozen=True)
class Format:
    """One file format.

    Attributes
    ----------
    name : str
        The key used everywhere (``format="csv"``, ``--to csv``).
    label : str
        What a person reads (download choices).
    extensions : tuple of str
        Lower-case suffixes a file of this format may carry (``.csv``), in order of preference.
    export_suffix : str
        The suffix of a file written in this format (``.hxl.csv``).
    mime : str
        MIME type of the written file.
    reader, writer : str or None
        ``"module:function"``; ``None`` when geomap does not read / write the format.
    kind : str
        ``"table"`` or ``"package"`` (see the module docstring for the reader signatures).
    upload : bool
        Whether the Data page offers the extensions in its file picker.
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    export_suffix: str
    mime: str
    reader: str | None = None
    writer: str | None = None
    kind: str = "table"
    upload: bool = True

    def read_function(self) -> Callable[..., Any]:
        """The reader, imported on first use."""
        return _resolve(self.reader, f"format {self.name!r} has no reader")

    def write_function(self) -> Callable[..., Any]:
        """The writer, imported on first use."""
        return _resolve(self.writer, f"format {self.name!r} cannot be written")


def _resolve(reference: str | None, missing: str) -> Callable[..., Any]:
    if reference is None:
        raise ValueError(missing)
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclasses.dataclass(frozen=True)
class FormatRegistry:
    """An immutable, ordered collection of :class:`Format` with lookups by name and suffix."""

    formats: tuple[Format, ...]

    def __iter__(self) -> Iterator[Format]:
        return iter(self.formats)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.formats)

    def names(self, *, readable: bool = False, writable: bool = False) -> tuple[str, ...]:
        """Format names, optionally only those with a reader / a writer."""
        return tuple(
            f.name
            for f in self.formats
            if (not readable or f.reader is not None) and (not writable or f.writer is not None)
        )

    def get(self, name: str | None, *, what: str = "format") -> Format:
        """The format called ``name``.

        Raises
        ------
        ValueError
            ``"unknown {what} 'x'; choose one of csv, xlsx, …"``.
        """
        for f in self.formats:
            if f.name == name:
                return f
        msg = f"unknown {what} {name!r}; choose one of {', '.join(self.names())}"
        raise ValueError(msg)

    def by_suffix(self, filename: str) -> Format | None:
        """The format whose extension ends ``filename`` (longest extension first), or ``None``."""
        lower = filename.lower()
        matches = [(len(ext), f) for f in self.formats for ext in f.extensions if lower.endswith(ext)]
        return max(matches, key=lambda m: m[0])[1] if matches else None

    def upload_types(self) -> list[str]:
        """Extensions (without the dot) for a file picker, each once, in registry order."""
        out: list[str] = []
        for f in self.formats:
            if f.upload:
                out.extend(e.lstrip(".") for e in f.extensions if e.lstrip(".") not in out and "." not in e.lstrip("."))
        return out

    def mime_types(self) -> dict[str, str]:
        """``{name: MIME type}`` of the writable formats."""
        return {f.name: f.mime for f in self.formats if f.writer is not None}

    def export_suffixes(self) -> dict[str, str]:
        """``{name: suffix}`` of the writable formats."""
        return {f.name: f.export_suffix for f in self.formats if f.writer is not None}


_R = "geomap.directory.readers"
_W = "geomap.directory.writers"

#: The provider-directory formats geomap reads and writes, in the order they are offered.
DIRECTORY_FORMATS = FormatRegistry(
    (
        Format("csv", "CSV", (".csv", ".tsv", ".txt"), ".csv", "text/csv",
               reader=f"{_R}:_table_from_text", writer=f"{_W}:to_csv_bytes"),
        Format("xlsx", N_("Excel (XLSX)"), (".xlsx", ".xlsm"), ".xlsx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               reader=f"{_R}:_table_from_sheet", writer=f"{_W}:to_xlsx_bytes"),
        Format("geojson", "GeoJSON", (".geojson", ".json"), ".geojson", "application/geo+json",
               reader=f"{_R}:_table_from_vector", writer=f"{_W}:to_geojson_bytes"),
        Format("gpkg", "GeoPackage", (".gpkg",), ".gpkg", "application/geopackage+sqlite3",
               reader=f"{_R}:_table_from_vector", writer=f"{_W}:to_gpkg_bytes"),
        Format("hsds", N_("HSDS 3.0 data package (zip)"), (".zip",), ".zip", "application/zip",
               reader=f"{_R}:_read_hsds", writer=f"{_W}:to_hsds_zip_bytes", kind="package"),
        Format("hxl", "HXL CSV", (".hxl.csv", ".hxl"), ".hxl.csv", "text/csv",
               reader=f"{_R}:_table_from_text", writer=f"{_W}:to_hxl_bytes", upload=False),
    )
)
