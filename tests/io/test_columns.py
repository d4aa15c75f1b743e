"""The column-by-column CSV reader (geomap.io.columns) reads exactly what the row-by-row one reads."""

from __future__ import annotations

import random
import re
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from geomap.directory import readers
from geomap.io import columns


def test_blank_pattern_is_pythons_isspace():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    probe = pa.array(spaces + ["a", " a", "\u200b", "\ufeff", ""])
    matched = pc.match_substring_regex(probe, columns.BLANK_PATTERN).to_pylist()
    assert matched[: len(spaces)] == [True] * len(spaces)
    assert matched[len(spaces) :] == [False] * 5
    lead = {c.encode("utf-8")[0] for c in spaces}
    assert lead == set(map(int, columns._SPACE_LEAD.nonzero()[0]))


def test_clean_column_is_the_cell_clean_up():
    cells = ["", " ", "\t\u3000", "x", " x ", "'=1+2", "'-", "'a", "'\t", "\x85", "\u2007a", "a\u2028"]
    cleaned = columns.clean_column(pa.array(cells)).to_pylist()
    assert cleaned == [readers._clean(c) for c in cells]


@pytest.mark.parametrize("seed", range(5))
def test_blank_cells_made_null_as_if_else_does(seed):
    # the blanks are nulled through a new validity bitmap over the same bytes (no copy): the
    # array equals if_else's, for whole arrays, slices and arrays that had nulls already
    rng = random.Random(seed)
    cells = [rng.choice(["", " ", "\u3000", "x", " y ", "'=1", "é", None]) for _ in range(rng.randint(1, 300))]
    for column in (pa.array(cells, type=pa.large_string()), pa.array(cells, type=pa.string())[rng.randint(0, len(cells) - 1):]):
        blank = columns.blank_mask(column)
        if not blank.any():
            continue
        made = columns._with_nulls(column, blank)
        made.validate(full=True)
        expected = pc.if_else(pa.array(blank), pa.scalar(None, column.type), column)
        assert made.equals(expected)
        assert made.null_count == int(blank.sum())
        assert columns.blank_mask(made).tolist() == blank.tolist()
        assert columns.plain_ends(made) == columns.plain_ends(expected)


def _plain_ends_by_cell(cells: list[str | None]) -> tuple[bool, bool]:
    """:func:`columns.plain_ends` cell by cell: no text starts or ends outside ``!``..``\\x7f``; no empty text."""
    plain = all(not (c[0] < "!" or c[0] > "\x7f" or c[-1] < "!" or c[-1] > "\x7f") for c in cells if c)
    return plain, all(c != "" for c in cells)


@pytest.mark.parametrize("seed", range(8))
def test_plain_ends_reads_each_cell_s_first_and_last_byte(seed):
    rng = random.Random(seed)
    pieces = ["", "a", "ab", " a", "a ", "\t", "é", "aé", "éa", "\x7f", "!", "~", None]
    cells = [rng.choice(pieces) for _ in range(rng.randint(1, 60))]
    if rng.random() < 0.5:
        cells = ["" if rng.random() < 0.5 else None, *cells, ""]  # empty cells at both ends (offsets at the end of the bytes)
    for kind in (pa.string(), pa.large_string()):
        column = pa.array(cells, type=kind)
        assert columns.plain_ends(column) == _plain_ends_by_cell(cells)
        start = rng.randint(0, len(cells) - 1)
        assert columns.plain_ends(column[start:]) == _plain_ends_by_cell(cells[start:])
        assert columns.plain_ends(column[:start]) == _plain_ends_by_cell(cells[:start])
    assert columns.plain_ends(pa.array([], type=pa.large_string())) == (True, True)
    assert columns.plain_ends(pa.array(["", ""], type=pa.large_string())) == (True, False)


def test_ascii_and_non_ascii_files_read_alike(tmp_path):
    # Arrow's UTF-8 check is skipped for an all-ASCII file; a file with other bytes is checked
    # (and read by the row reader when Arrow refuses it)
    head = "id,name,town\n"
    rows = "".join(f"{i},Service {i},Ikeja\n" for i in range(300))
    for body in (rows, rows.replace("Ikeja", "Ìkẹjà")):
        data = (head + body).encode("utf-8")
        table = columns.text_columns(data, 3, 2, ",", offset=len(head))
        assert table is not None
        assert table.columns[2].to_pylist() == [r.split(",")[2] for r in body.splitlines()]
    bad = (head + rows).encode("utf-8") + b"301,Service \xff,Ikeja\n"
    assert columns.text_columns(bad, 3, 2, ",", offset=len(head)) is None


_PIECES = ["a", "b c", " ", "", "x,y", "'=SUM(A1)", "'+1", "é", "\u00a0", "#org", "6,45", "NG-LA", "\t"]


def _cell(rng: random.Random, delim: str, *, odd: bool = True) -> str:
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 3)))
    if rng.random() < 0.15:
        text = text + "\n" + rng.choice(_PIECES)
    if odd and rng.random() < 0.1:
        text = rng.choice(['"', ' "', '""']) + text + rng.choice(['"', '" ', '"x', ""])  # odd quoting
        return text if "\n" not in text and delim not in text else '"' + text.replace('"', '""') + '"'
    needs = delim in text or "\n" in text or '"' in text
    if needs or rng.random() < 0.2:
        return '"' + text.replace('"', '""') + '"'
    return text


def _random_file(rng: random.Random, *, long: bool = False) -> bytes:
    delim = rng.choice([",", ";", "\t", "|"])
    width = rng.randint(1, 6)
    header = [rng.choice(["name", "service_types", "town", "latitude", "longitude", "", "notes", "Org", "x"]) for _ in range(width)]
    lines = []
    if rng.random() < 0.2:
        lines.append("# Exported by geomap: fictional")
    if rng.random() < 0.1:
        lines.append("")
    lines.append(delim.join(header))
    if rng.random() < 0.2:
        lines.append(delim.join(rng.choice(["#org", "#loc+name", "#sector", "#geo+lat", ""]) for _ in range(width)))
    for _ in range(rng.randint(0, 12)):
        w = width if long or rng.random() > 0.05 else rng.randint(0, width + 2)
        lines.append(delim.join(_cell(rng, delim, odd=not long) for _ in range(w)))
    for _ in range(90 if long else 0):  # well-formed rows: the reader decodes only the head
        lines.append(delim.join(_cell(rng, delim, odd=False) for _ in range(width)))
    end = rng.choice(["\n", "\r\n"])
    text = end.join(lines) + (end if rng.random() < 0.7 else "")
    if rng.random() < 0.05:
        text = text.replace(end, "\r")
    return text.encode(rng.choice(["utf-8", "utf-8-sig"]) if rng.random() < 0.9 else "cp1252", errors="replace")


def _frame(data: bytes) -> tuple:
    try:
        df = readers.read_directory(data, filename="fictional.csv")
    except ValueError as exc:
        return ("error", re.sub(r"\s+", " ", str(exc)))
    arrow = readers.read_directory(data, filename="fictional.csv", arrow=True)
    objects = {c: arrow[c].astype(object).where(arrow[c].notna(), None).tolist() for c in arrow.columns}
    assert objects == {c: df[c].tolist() for c in df.columns}
    table = readers.read_table(data, filename="fictional.csv")
    return (repr(df.to_dict("list")), repr(sorted(df.attrs.items())), repr(table.to_dict("list")), list(table.index))


@pytest.mark.parametrize("seed", range(3))
def test_column_reader_equals_row_reader(seed, monkeypatch):
    rng = random.Random(seed)
    files = [_random_file(rng, long=i % 3 == 0) for i in range(30)]
    fast = [_frame(f) for f in files]
    monkeypatch.setattr(readers, "text_columns", lambda *a, **k: None)
    slow = [_frame(f) for f in files]
    for f, a, b in zip(files, fast, slow):
        assert a == b, f


def test_big_file_is_read_column_by_column(monkeypatch):
    rows = "\n".join(f"Service {i} (fictional),shelter,Ikeja,6.{i:05d},3.35" for i in range(3000))
    data = ("name,service_types,town,latitude,longitude\n" + rows + "\n").encode()
    taken = []
    real = readers.text_columns
    monkeypatch.setattr(readers, "text_columns", lambda *a, **k: taken.append(1) or real(*a, **k))
    df = readers.read_directory(data, filename="fictional.csv", arrow=True)
    assert taken and len(df) == 3000
    assert isinstance(df["name"].dtype, pd.ArrowDtype)
    assert df["source_row"].tolist()[:2] == [2, 3]


@pytest.mark.parametrize("block", [64, 1024])
def test_rows_read_in_many_blocks_equal_the_row_reader(block, monkeypatch):
    rng = random.Random(block)
    files = [_random_file(rng, long=True) for _ in range(20)]
    rows = "\n".join(f'"Service {i}{chr(10) * (i % 7 == 6)} (fictional)",shelter,Ikeja,6.{i:05d},3.35' for i in range(3000))
    files.append(("name,service_types,town,latitude,longitude\n" + rows + "\n").encode())
    monkeypatch.setattr(columns, "BLOCK_SIZE", block)
    taken = []
    real = readers.text_columns
    monkeypatch.setattr(readers, "text_columns", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    fast = [_frame(f) for f in files]
    assert taken[-1] is not None and len(taken[-1]) == 3000  # the big file went column by column
    monkeypatch.setattr(readers, "text_columns", lambda *a, **k: None)
    slow = [_frame(f) for f in files]
    for f, a, b in zip(files, fast, slow):
        assert a == b, f
