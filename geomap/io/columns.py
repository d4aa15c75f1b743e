"""Delimited text read column by column (Arrow's CSV parser), cleaned as whole columns.

The directory reader's fast path for CSV/HXL text: :func:`text_columns` parses the data rows
under a header in C (``pyarrow.csv``) and returns one Arrow string array per column, blank
cells as nulls and a writer's neutralising apostrophe (``'=…``) removed — what Python's
:mod:`csv` module plus a per-cell clean-up give, without a Python object per cell.

It answers only when the result is certain to equal the row-by-row reading; otherwise it
returns ``None`` and the caller reads the rows with :mod:`csv`: rows of different widths,
NUL bytes, lone carriage returns, quotes that :mod:`csv` and Arrow could read differently.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["BLANK_PATTERN", "TextColumns", "blank_mask", "clean_column", "text_columns"]

#: Every character :meth:`str.isspace` is true for (RE2 syntax): a cell made only of these is
#: blank (tests/io/test_columns.py checks the set against Python's).
BLANK_PATTERN = (
    "^[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+$"
)
#: A writer's neutralising apostrophe before a formula character (``'=``, ``'+``, ``'-``, ``'@``).
_NEUTRALISED = "^'([=+\\-@\\t\\r])"



class TextColumns:
    """Data rows of a text table, column by column.

    Attributes
    ----------
    source_rows
        Spreadsheet row number of each row (``int64``), the header being row 1 of the file.
    columns
        One Arrow ``string`` array per header, blank cells as nulls.
    """

    def __init__(self, source_rows: np.ndarray, columns: list[pa.Array]) -> None:
        self.source_rows = source_rows
        self.columns = columns

    def __len__(self) -> int:
        return len(self.source_rows)


def blank_mask(column: pa.Array) -> pa.Array:
    """Where a text cell is null, empty or only white space (:meth:`str.isspace`)."""
    blank = pc.or_(pc.equal(column, ""), pc.match_substring_regex(column, BLANK_PATTERN))
    return pc.fill_null(blank, True)


def clean_column(column: pa.Array) -> pa.Array:
    """Blank cells as nulls; a neutralising apostrophe removed (``'=1`` -> ``=1``)."""
    kept = pc.replace_substring_regex(column, _NEUTRALISED, "\\1")
    return pc.if_else(blank_mask(column), pa.scalar(None, pa.string()), kept)


def _plain_layout(data: bytes, delimiter: str) -> bool:
    """No NUL, no lone carriage return and only quotes at the edges of fields."""
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return False
    if b'"' not in data:
        return True
    # a quote between two characters that are neither a delimiter, a line end nor a quote
    # (``a"b``, ``"a"b``, ``a "b"``): csv and Arrow agree only on quotes at the edges of fields
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(raw == ord('"'))
    edge = np.zeros(256, dtype=bool)
    edge[[ord("\n"), ord("\r"), ord('"'), ord(delimiter)]] = True
    before = np.where(at > 0, raw[np.maximum(at - 1, 0)], ord("\n"))
    after = np.where(at + 1 < len(raw), raw[np.minimum(at + 1, len(raw) - 1)], ord("\n"))
    return not bool((~edge[before] & ~edge[after]).any())


def text_columns(data: bytes, width: int, first_row: int, delimiter: str) -> TextColumns | None:
    """Parse UTF-8 ``data`` (the rows under the header) into ``width`` cleaned string columns.

    Parameters
    ----------
    data
        UTF-8 bytes of the data rows only (what follows the header, or the HXL hashtag row).
    width
        Number of header cells; every row must have exactly as many.
    first_row
        Spreadsheet row number of the first data row.
    delimiter
        The field delimiter.

    Returns
    -------
    TextColumns or None
        ``None`` when the rows cannot be read column by column with certainty (ragged rows,
        unusual quoting, line ends); the caller then reads them row by row.
    """
    if width < 1 or not _plain_layout(data, delimiter):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    columns = [clean_column(col.combine_chunks()) for col in table.columns]
    rows = np.arange(first_row, first_row + table.num_rows, dtype="int64")
    return TextColumns(rows, columns)
