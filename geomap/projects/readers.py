"""Read a project file (CSV, XLSX, HXL) into the raw project fields.

File parsing (bytes through :mod:`geomap.io`, encodings, delimiters, sheets, the HXL row) is
:func:`geomap.directory.readers.read_table`, the same parser as for directories; this module
maps the headers to :data:`geomap.projects.schema.PROJECT_FIELDS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geomap.directory import readers
from geomap.i18n import N_, Message
from geomap.io.sources import display_name
from geomap.projects.schema import PROJECT_FIELD_NAMES, map_project_headers

__all__ = ["read_projects"]


def read_projects(
    source: Any,
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read a project file (CSV, XLSX, with or without an HXL hashtag row) into raw fields.

    File parsing (encodings, delimiters, sheets, the HXL row) is done by
    :func:`geomap.directory.readers.read_table`, the same parser as for directories.

    Parameters
    ----------
    source
        Path, bytes or file-like.
    filename
        Name of ``source`` when it is bytes or a file-like (used for the format and in reasons).
    sheet
        Worksheet of an XLSX file.
    mapping
        Explicit ``{header: project field}`` choices (see :func:`map_project_headers`).

    Returns
    -------
    pandas.DataFrame
        One row per data row: every :data:`PROJECT_FIELD_NAMES` column holding the raw cell
        (blank where the file has no such column), plus ``source_file`` and ``source_row``
        (spreadsheet row numbers: header is row 1). ``attrs["mapping"]`` holds the header map,
        ``attrs["unmapped"]`` the ignored headers.

    Raises
    ------
    ValueError
        If no column maps to a unit (``admin1_code``/``admin1_name``) or to ``project``.
    """
    table = readers.read_table(source, filename=filename, sheet=sheet)
    headers = [str(c) for c in table.columns]
    hxl_tags = dict(table.attrs.get("hxl_tags") or {})
    fmap = map_project_headers(headers, hxl_tags=hxl_tags, overrides=mapping)
    name = display_name(source, filename)
    out = pd.DataFrame(index=range(len(table)))
    for field_name in PROJECT_FIELD_NAMES:
        header = next((h for h, f in fmap.items() if f == field_name), None)
        out[field_name] = pd.Series(table[header].to_numpy(dtype=object) if header is not None else [None] * len(table), dtype=object)
    out["source_file"] = name
    out["source_row"] = np.asarray(table.index, dtype=int) if table.index.name == "source_row" else np.arange(2, 2 + len(table))
    mapped_fields = set(fmap.values())
    if not mapped_fields & {"admin1_code", "admin1_name"}:
        msg = Message(
            N_("{file}: no column names the admin-1 unit(s) of each project; headers found: {headers}; name one 'admin1_code' "
               "or 'admin1_name' (or tag it #adm1+code / #adm1+name), or pass mapping={{header: 'admin1_name'}}"),
            file=name, headers=tuple(headers) or Message(N_("(none)")),
        )
        raise ValueError(msg)
    if "project" not in mapped_fields:
        msg = Message(
            N_("{file}: no column names the project; headers found: {headers}; name one 'project' (or tag it #activity), "
               "or pass mapping={{header: 'project'}}"),
            file=name, headers=tuple(headers),
        )
        raise ValueError(msg)
    out.attrs = {
        "mapping": fmap,
        "unmapped": [h for h in headers if h not in fmap],
        "format": table.attrs.get("format"),
        "hxl": bool(hxl_tags),
        "source_file": name,
    }
    return out
