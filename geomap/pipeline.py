"""The front of the data flow: load boundaries, then load and resolve a directory.

The CLI and the app's pages both start here, so a directory shown in the app and one checked
on the command line go through exactly the same steps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd

from geomap import boundaries as _boundaries
from geomap import population as _population
from geomap.directory import readers, resolve

__all__ = [
    "REPO_DATA",
    "SAMPLE_DIRECTORIES",
    "sample_directory_path",
    "load_units",
    "load_directory",
    "apply_edits",
]

#: The bundled data folder.
REPO_DATA = Path(__file__).resolve().parents[1] / "data"

#: ISO3 -> bundled fictional sample directory.
SAMPLE_DIRECTORIES: dict[str, str] = {
    "NGA": "providers/nigeria_sample_fictional.csv",
    "MEX": "providers/mexico_sample_fictional.csv",
}


def sample_directory_path(country: str) -> Path | None:
    """Path of the bundled fictional sample directory for ``country`` (ISO3), or ``None``."""
    rel = SAMPLE_DIRECTORIES.get(country)
    if rel is None:
        return None
    path = REPO_DATA / rel
    return path if path.exists() else None


def load_units(country: str, *, boundaries: Any = None, filename: str | None = None) -> gpd.GeoDataFrame:
    """Admin-1 units of ``country`` with census population attached.

    Parameters
    ----------
    country
        ISO 3166-1 alpha-2 or alpha-3 code, or an English country name.
    boundaries
        Optional brought boundary file (path, bytes or file-like); the bundled Natural Earth
        layer is used when ``None``.
    filename
        Name of ``boundaries`` when it is bytes or a file-like without a name.
    """
    iso3 = _boundaries.resolve_country(country)
    if boundaries is None:
        units = _boundaries.load_boundaries(iso3)
    else:
        units = _boundaries.read_boundaries(boundaries, filename=filename, country=iso3)
    return _population.attach_population(units)


def load_directory(
    source: Any,
    *,
    units: gpd.GeoDataFrame,
    country: str,
    filename: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
    edits: dict[int, dict[str, str]] | None = None,
    categories: dict[str, str] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> gpd.GeoDataFrame:
    """Read a directory file and resolve every row to a unit (or flag it).

    Parameters
    ----------
    source
        Path, bytes or file-like of a directory in any format :mod:`geomap.directory.readers`
        takes.
    units
        The admin units to place rows in (from :func:`load_units`).
    country
        ISO code of the country the directory covers.
    filename, sheet, mapping
        Passed to :func:`geomap.directory.readers.read_directory`.
    edits
        Corrections typed in by the user: ``{source_row: {field: value}}``. They replace the
        raw cell values before resolution, so a corrected row goes through the same checks.
    categories
        The user's ``{raw category: code}`` mapping (see
        :func:`geomap.directory.resolve.resolve_directory`).
    progress
        Called as ``progress(fraction, stage)``: ``(0.0, "read")`` before the file is read,
        then the resolver's steps (:data:`geomap.directory.resolve.PROGRESS_STAGES`) scaled
        to the rest, ending with ``(1.0, "done")``. A 100,000-row file takes a few seconds:
        pages show a progress bar with it.

    Returns
    -------
    geopandas.GeoDataFrame
        The full, exact directory — pass it through :func:`geomap.directory.privacy.public_view`
        before showing or exporting individual records.
    """
    iso3 = _boundaries.resolve_country(country)
    if progress is not None:
        progress(0.0, "read")
    # text columns held as Arrow strings: no Python object per cell (the resolver reads them as is)
    raw = readers.read_directory(source, filename=filename, sheet=sheet, mapping=mapping, arrow=True)
    if edits:
        raw = apply_edits(raw, edits)
    rest = None if progress is None else (lambda fraction, stage: progress(0.35 + 0.65 * fraction, stage))
    resolved = resolve.resolve_directory(raw, units, country=iso3, categories=categories, progress=rest)
    resolved.attrs = {**raw.attrs, **resolved.attrs}
    return resolved


def apply_edits(raw, edits: dict[int, dict[str, str]]):
    """Return ``raw`` with ``{source_row: {field: value}}`` corrections applied.

    Raises
    ------
    ValueError
        If a row number is not in the file or a field is not a directory field.
    """
    from geomap.directory import schema

    out = raw.copy()
    rows = out["source_row"].astype(int)
    for row, changes in edits.items():
        hit = rows == int(row)
        if not hit.any():
            msg = f"edit for row {row}: no such row in {raw.attrs.get('source_file', 'the file')}"
            raise ValueError(msg)
        for field, value in changes.items():
            if field not in schema.FIELD_NAMES:
                msg = f"edit for row {row}: {field!r} is not a directory field"
                raise ValueError(msg)
            out[field] = out[field].astype(object)
            out.loc[hit, field] = value
    return out
