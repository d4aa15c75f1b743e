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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["BLANK_PATTERN", "TextColumns", "blank_mask", "clean_column", "plain_ends", "text_columns"]

#: Every character :meth:`str.isspace` is true for (RE2 syntax): a cell made only of these is
#: blank (tests/io/test_columns.py checks the set against Python's).
BLANK_PATTERN = (
    "^[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+$"
)
#: A writer's neutralising apostrophe before a formula character (``'=``, ``'+``, ``'-``, ``'@``).
_NEUTRALISED = "^'([=+\\-@\\t\\r])"
#: First bytes that can start a white-space character (ASCII, or a UTF-8 lead byte of one).
_SPACE_LEAD = np.zeros(256, dtype=bool)
_SPACE_LEAD[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]] = True
#: Bytes Arrow parses at a time: blocks of about a megabyte stay in the CPU cache (a 50 MB file
#: read as one block parses about twice as slowly); the chunks are joined per column afterwards.
BLOCK_SIZE = 1 << 20


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


def blank_mask(column: pa.Array, *, edges: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Where a text cell is null, empty or only white space (:meth:`str.isspace`), as booleans.

    Only the cells whose first byte can start a white-space character go through the pattern;
    the others are told apart by their lengths and first bytes, read from the Arrow buffers
    (``edges``, when the caller has them already).
    """
    lengths, first = edges if edges is not None else _lengths_first_bytes(column)
    blank = lengths == 0
    if column.null_count:
        blank |= np.asarray(column.is_null())
    maybe = np.flatnonzero(_SPACE_LEAD[first] & ~blank)
    if len(maybe):
        spaces = pc.match_substring_regex(column.take(pa.array(maybe)), BLANK_PATTERN)
        blank[maybe] = np.asarray(pc.fill_null(spaces, True))
    return blank


def _offsets_data(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (``len + 1``) and the bytes of a string array, as numpy views of its buffers."""
    _validity, offsets_buf, data_buf = column.buffers()
    kind = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=kind)[column.offset : column.offset + len(column) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None and data_buf.size else np.zeros(1, np.uint8)
    return offsets, data


def _byte_at(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``data[at]``, positions past the end read as the last byte (they are masked by the callers)."""
    return data[at] if not len(at) or at[-1] < len(data) else data[np.minimum(at, len(data) - 1)]


def _lengths_first_bytes(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Byte length and first byte (0 when empty) of each cell of a string array."""
    offsets, data = _offsets_data(column)
    lengths = np.diff(offsets)
    first = _byte_at(data, offsets[:-1])  # offsets never decrease: only the last can be past the end
    first[lengths == 0] = 0
    return lengths, first


def plain_ends(column: pa.Array) -> tuple[bool, bool]:
    """Whether no cell starts or ends with a byte that could be white space, and whether no cell is empty.

    Bytes below ``!`` and every non-ASCII byte count as possible white space, so a column that
    passes needs no trimming under any definition of white space.
    """
    offsets, data = _offsets_data(column)
    text = offsets[1:] > offsets[:-1]
    if column.null_count:
        valid = np.asarray(column.is_valid())
        no_empty = not bool((valid & ~text).any())
        text &= valid
    else:
        no_empty = bool(text.all())
    # a byte outside ``!``..``\x7f``: in uint8, ``b - 0x21`` wraps below ``!`` and is >= 0x5f from 0x80 on
    first = _byte_at(data, offsets[:-1]) - np.uint8(0x21)
    last = data[offsets[1:] - 1] - np.uint8(0x21)  # an empty first cell reads data[-1]: masked by ``text``
    odd = ((first >= 0x5F) | (last >= 0x5F)) & text
    return not bool(odd.any()), no_empty


def clean_column(column: pa.Array) -> pa.Array:
    """Blank cells as nulls; a neutralising apostrophe removed (``'=1`` -> ``=1``)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    edges = _lengths_first_bytes(column)
    blank = blank_mask(column, edges=edges)
    kept = column
    first = edges[1]
    if (first == ord("'")).any():
        kept = pc.replace_substring_regex(column, _NEUTRALISED, "\\1")
    if not blank.any():
        return kept
    return _with_nulls(kept, blank)


def _with_nulls(column: pa.Array, blank: np.ndarray) -> pa.Array:
    """``column`` with its ``blank`` cells null: a new validity bitmap over the same offsets and bytes.

    ``pc.if_else`` gives the same array (tested) but copies every string; the bytes left under a
    null are never read (Arrow, pandas and :func:`blank_mask` / :func:`plain_ends` honour validity).
    """
    valid = pa.array(~blank)
    if column.null_count:
        valid = pc.and_(valid, column.is_valid())
    if column.offset or valid.offset:  # a slice: its bitmap would not line up
        return pc.if_else(pa.array(blank), pa.scalar(None, column.type), column)
    return pa.Array.from_buffers(column.type, len(column), [valid.buffers()[1], *column.buffers()[1:]])


def _plain_layout(data: bytes) -> bool:
    """No NUL byte and no lone carriage return (csv ends a line there, Arrow does not).

    Quotes need no check: Arrow reads a quote inside a field (``a"b``, ``"a"b``, ``a "b"``)
    as :mod:`csv` does (tests/io/test_columns.py compares both on random files).
    """
    return b"\x00" not in data and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n"))


def text_columns(data: bytes, width: int, first_row: int, delimiter: str, *, offset: int = 0) -> TextColumns | None:
    """Parse the UTF-8 rows of ``data`` from byte ``offset`` into ``width`` cleaned string columns.

    Parameters
    ----------
    data
        UTF-8 bytes of the whole file (checked whole: NUL bytes, line ends, quoting).
    width
        Number of header cells; every row must have exactly as many.
    first_row
        Spreadsheet row number of the first data row.
    delimiter
        The field delimiter.
    offset
        Where the data rows start (after the header, or the HXL hashtag row).

    Returns
    -------
    TextColumns or None
        ``None`` when the rows cannot be read column by column with certainty (ragged rows,
        unusual quoting, line ends); the caller then reads them row by row.
    """
    if width < 1 or not _plain_layout(data):
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data).slice(offset),
            # one thread: Arrow's pool (use_threads=True) parses ~0.06 s faster per 100,000 rows on an
            # idle 2-core machine but slower once another process holds a core (perfdir5, measured)
            read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_SIZE, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),  # pandas' "str" holds large strings
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                # ASCII bytes are valid UTF-8: Arrow's per-cell check (~0.04 s per 50 MB) is needed
                # only when a byte is not ASCII (``isascii`` scans the buffer ~5x faster)
                check_utf8=not data.isascii(),
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    columns = [clean_column(col) for col in table.columns]
    rows = np.arange(first_row, first_row + table.num_rows, dtype="int64")
    return TextColumns(rows, columns)
