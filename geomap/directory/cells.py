"""Whole columns of directory cells: distinct values parsed once, text trimmed as arrays.

The resolver types 100,000-row directories column by column: a column of Python objects
(``str``/``None``, what :func:`geomap.directory.readers.read_directory` gives by default) or of
Arrow strings (``read_directory(..., arrow=True)``, what the pipeline reads big files with)
gives the same results; Arrow columns are never turned into a Python object per cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geomap.directory import schema
from geomap.io.columns import blank_mask as _arrow_blank
from geomap.io.columns import plain_ends

__all__ = [
    "arrow_strings", "blank_cells", "blank_mask", "memo", "memo_codes", "str_column", "text_array", "text_codes", "texts",
]

_blank = schema.is_missing


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def arrow_strings(column: Any) -> pa.Array | None:
    """The column's Arrow string array when it is held as Arrow strings, else ``None``."""
    dtype = getattr(column, "dtype", None)
    if not isinstance(dtype, pd.ArrowDtype):
        return None
    kind = dtype.pyarrow_dtype
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return None
    arr = pa.array(column.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _objects(column: Any) -> np.ndarray:
    if isinstance(column, pd.Series):
        return column.astype(object).to_numpy()
    return np.asarray(column, dtype=object)


def memo_codes(func: Any, column: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes into ``results``: ``func`` called once per distinct value.

    ``results[codes]`` is ``[func(v) for v in column]`` with ``func(None)`` for blank cells (the
    last entry of ``results``). Distinct values are found by hashing in C (Arrow's dictionary
    encoding, or :func:`pandas.factorize`), so 100,000 cells with a few dozen values cost a few
    dozen calls.
    """
    arrow = arrow_strings(column)
    if arrow is not None:
        encoded = arrow.dictionary_encode()
        indices = encoded.indices
        codes = np.asarray(pc.fill_null(indices, -1) if indices.null_count else indices, dtype="int64")
        uniques = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    else:
        values = _objects(column)
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:  # unhashable cells (lists): one key per repr
            results = np.empty(len(values) + 1, dtype=object)
            for i, r in enumerate(_memo_by_repr(func, values)):
                results[i] = r
            return np.arange(len(values)), results
        uniques = np.asarray(uniques, dtype=object)
    results = np.empty(len(uniques) + 1, dtype=object)
    blank: list[Any] = []  # func(None), computed once if a blank cell is met
    for i, (v, is_blank) in enumerate(zip(uniques, blank_mask(uniques), strict=True)):
        if is_blank:
            blank = blank or [func(None)]
            results[i] = blank[0]
        else:
            results[i] = func(v)
    results[-1] = (blank or [func(None)])[0] if (codes < 0).any() else None
    return np.where(codes < 0, len(uniques), codes), results


def memo(func: Any, column: Any) -> list[Any]:
    """``[func(v) for v in column]``, calling ``func`` once per distinct value (``None`` for blanks)."""
    codes, results = memo_codes(func, column)
    return results[codes].tolist()


def _memo_by_repr(func: Any, raw: np.ndarray) -> list[Any]:
    cache: dict[Any, Any] = {}
    out = []
    for v in raw:
        key = None if _blank(v) else (v if isinstance(v, (str, int, float, bool)) else repr(v))
        if key not in cache:
            cache[key] = func(None if key is None else v)
        out.append(cache[key])
    return out


def texts(column: Any) -> list[str]:
    """``[_text(v) for v in column]``: each cell stripped (Python's :meth:`str.strip`), blanks ``""``."""
    arrow = arrow_strings(column)
    if arrow is not None:
        encoded = arrow.dictionary_encode()
        stripped = np.array([*(s.strip() for s in encoded.dictionary.to_pylist()), ""], dtype=object)
        codes = np.asarray(pc.fill_null(encoded.indices, -1), dtype="int64")
        return stripped[codes].tolist()
    values = _objects(column)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # text or blank cells only (any CSV): stripping each is cheaper than finding distinct ones
        return [v.strip() if isinstance(v, str) else "" for v in values]
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (dicts of extra columns)
        if all(v.__class__ is dict for v in values):
            return [str(v).strip() for v in values]
        return [_text(v) for v in values]
    stripped = np.empty(len(uniques) + 1, dtype=object)
    stripped[:-1] = [str(u).strip() for u in uniques]
    stripped[-1] = ""  # code -1: None, NaN or NA
    return stripped[codes].tolist()


def blank_cells(column: Any) -> np.ndarray:
    """``[_text(v) == "" for v in column]`` as booleans (null, empty or white space only)."""
    arrow = arrow_strings(column)
    if arrow is not None:
        return _arrow_blank(arrow)
    return np.array(texts(column), dtype=object) == ""


def text_array(column: Any) -> pa.Array:
    """:func:`texts` of a column as an Arrow array, trimmed in Arrow for text columns."""
    arrow = arrow_strings(column)
    if arrow is not None:
        trimmed = arrow if plain_ends(arrow)[0] else pc.utf8_trim_whitespace(arrow)
        return pc.fill_null(trimmed, "")
    values = _objects(column)
    if len(values) and pd.api.types.infer_dtype(values, skipna=True) == "string":
        return pc.fill_null(pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True)), "")
    return pa.array(texts(values), type=pa.string())


def text_codes(column: Any) -> tuple[np.ndarray, int]:
    """Integer code of each cell's :func:`text_array` text (equal texts, equal codes), and the code of ``""``."""
    encoded = text_array(column).dictionary_encode()
    codes = np.asarray(encoded.indices, dtype="int64")
    found = pc.index(encoded.dictionary, "").as_py()
    return codes, found


def str_column(column: Any) -> Any:
    """A text field typed: trimmed, blanks as NA, pandas ``str`` dtype (trimmed in Arrow)."""
    arrow = arrow_strings(column)
    if arrow is not None and all(plain_ends(arrow)):
        return pd.array(arrow, dtype="str")  # nothing to trim, no empty text: blanks are the nulls
    trimmed = text_array(column)
    return pd.array(pc.if_else(pc.equal(trimmed, ""), None, trimmed), dtype="str")


def blank_mask(values: Any) -> np.ndarray:
    """``[_blank(v) for v in values]`` as a boolean array (NA, or text that is only blanks)."""
    values = _objects(values)
    mask = pd.isna(values)
    if len(values) and not mask.all():
        text = np.array(texts(values), dtype=object)
        mask |= text == ""
    return np.asarray(mask, dtype=bool)
