"""Find confidential details of a directory in any public output.

Import from any test (``tests/`` is on ``sys.path`` through the root conftest)::

    from leaks._leakcheck import assert_no_leak, output_text

    assert_no_leak(html_text, directory, where="Coverage page")
    assert_no_leak(output_text(path), directory, where=str(path))

What counts as a leak, for every *confidential* record (:func:`privacy.is_confidential`) of
``directory``:

coordinates
    A coordinate-shaped token for the record's latitude and one for its longitude next to each
    other (adjacent decimal tokens, either order: ``[lat, lon]``, GeoJSON ``[lon, lat]``,
    ``lat=..&lon=..``, adjacent CSV/XLSX cells) at any precision from 6 down to 2 decimals,
    rounded *or* truncated; with 4 or more decimals also up to :data:`PAIR_WINDOW` numbers apart
    (another number in between). Two numbers separated by a closing bracket or a line break are
    not a pair (``[x1, y1], [x2, y2]`` holds two pairs, never ``(y1, x2)``). A lone number is not enough: 2- and 3-decimal numbers
    collide with innocent values (rates, boundary vertices), while a *pair* matching one record
    at both axes does not happen by chance when the records are away from unit boundaries.
address, phone, email, name, notes
    The value as text (case-insensitive), also after HTML-unescaping, URL-decoding and
    JSON-unescaping the output; a phone also with any spacing/punctuation between its digits.
    Values that are also held by a non-confidential record, or that appear inside any record's
    front-door contact, are public by design and not searched. A text value matches only as a
    whole (``1 Main St`` is not found inside ``41 Main St``).

``data:...;base64,`` payloads (folium iframes) are decoded and searched too.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import numpy as np
import pandas as pd

from geomap.directory import privacy

__all__ = [
    "PAIR_WINDOW",
    "PRECISIONS",
    "Secrets",
    "assert_no_leak",
    "find_leaks",
    "output_text",
    "secrets_of",
]

#: Decimal precisions searched (tokens with more decimals than the largest are searched too).
PRECISIONS: tuple[int, ...] = (6, 5, 4, 3, 2)
#: Most numeric tokens between a latitude and a longitude for them to count as a pair.
PAIR_WINDOW = 3
#: Pairs further apart than adjacent tokens count only when both have at least this many decimals
#: (a 2-3 decimal pair across neighbouring boundary vertices matches by chance).
WIDE_MIN_DECIMALS = 4
#: Fields searched as text.
TEXT_FIELDS: tuple[str, ...] = ("address", "email", "name", "notes")
MIN_TEXT_LEN = 6
MIN_PHONE_DIGITS = 7

_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.(\d+))?(?![\d])")
#: Between two numbers, one of these ends a tuple, object or row: they are not one pair.
_SPLIT = re.compile(r"[\])}\n]")
_DATA_URI = re.compile(r"base64,([A-Za-z0-9+/=\s]{16,})")
#: A phone number as written: digits with spaces, dashes, dots, brackets, slashes or a plus between.
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s\-().+/]{0,3}\d)*")
_WORD = re.compile(r"\w+")
_JSON_ESC = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass
class Secrets:
    """What must not appear: coordinates and strings of the confidential records."""

    lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    lon: np.ndarray = field(default_factory=lambda: np.empty(0))
    labels: list[str] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (digits, label)

    def __len__(self) -> int:
        return len(self.labels)


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        if pd.isna(v) is True:
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(v, str) and not v.strip()


def _float(v: Any) -> float | None:
    if _blank(v):
        return None
    try:
        f = float(str(v).strip().replace(",", "."))
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _label(row: pd.Series, idx: Any) -> str:
    for col in ("id", "source_row"):
        if col in row.index and not _blank(row[col]):
            return f"{col} {row[col]}"
    return f"index {idx}"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def secrets_of(directory: pd.DataFrame, *, fields: Iterable[str] = TEXT_FIELDS) -> Secrets:
    """Collect the confidential records' coordinates and identifying strings.

    Coordinates come from the geometry (if any) and from ``latitude``/``longitude`` (raw or
    typed); both are searched when they differ.
    """
    conf = privacy.is_confidential(directory).to_numpy()
    fields = tuple(fields)
    public_values: set[str] = set()
    public_phones: set[str] = set()
    for _, row in directory[~conf].iterrows():
        for col in (*fields, "phone"):
            if col in row.index and not _blank(row[col]):
                public_values.add(str(row[col]).strip().lower())
                public_phones.add(_digits(str(row[col])))
    # front-door contacts of every record are public by design; a value they contain is too
    fronts = [] if "front_door_contact" not in directory.columns else [
        str(v) for v in directory["front_door_contact"] if not _blank(v)
    ]
    front_text = "\n".join(fronts).lower()
    front_digits = "|".join(_digits(v) for v in fronts)
    lats: list[float] = []
    lons: list[float] = []
    labels: list[str] = []
    texts: dict[str, str] = {}
    phones: dict[str, str] = {}
    geom_name = directory.geometry.name if hasattr(directory, "geometry") and hasattr(directory, "crs") else None
    for idx, row in directory[conf].iterrows():
        label = _label(row, idx)
        pairs = set()
        if geom_name is not None:
            g = row[geom_name]
            if g is not None and not getattr(g, "is_empty", True) and g.geom_type == "Point":
                pairs.add((g.y, g.x))
        la, lo = _float(row.get("latitude")), _float(row.get("longitude"))
        if la is not None and lo is not None:
            pairs.add((la, lo))
        for la, lo in pairs:
            lats.append(la)
            lons.append(lo)
            labels.append(label)
        for col in fields:
            v = row.get(col)
            if _blank(v):
                continue
            s = str(v).strip()
            if len(s) >= MIN_TEXT_LEN and s.lower() not in public_values and not _contains(front_text, s.lower()):
                texts.setdefault(s, f"{label} {col}")
        v = row.get("phone")
        if not _blank(v):
            d = _digits(str(v))
            if len(d) >= MIN_PHONE_DIGITS and d not in public_phones and d not in front_digits:
                phones.setdefault(d, f"{label} phone")
    return Secrets(np.asarray(lats, float), np.asarray(lons, float), labels, list(texts.items()), list(phones.items()))


def _contains(hay: str, needle: str) -> bool:
    """``needle`` in ``hay`` as a whole: not glued to a letter or digit on either side."""
    start = hay.find(needle)
    while start != -1:
        end = start + len(needle)
        before = hay[start - 1] if start else " "
        after = hay[end] if end < len(hay) else " "
        if not (before.isalnum() and needle[0].isalnum()) and not (after.isalnum() and needle[-1].isalnum()):
            return True
        start = hay.find(needle, start + 1)
    return False


def _json_unescape(text: str) -> str:
    return _JSON_ESC.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")


def _variants(text: str) -> list[str]:
    out = [text]
    for f in (html.unescape, unquote_plus, _json_unescape):
        for base in list(out):
            v = f(base)
            if v not in out:
                out.append(v)
    for m in _DATA_URI.finditer(text):
        try:
            decoded = base64.b64decode(re.sub(r"\s", "", m.group(1)), validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
        out.extend(_variants(decoded))
    return out


def _tokens(text: str, precisions: tuple[int, ...]) -> list[tuple[float, float, int, int]]:
    """(value, tolerance, start, end) of every number; tolerance 0 when it is not searched.

    Every number counts for adjacency (so ``[13.05, 9.5], [12.98`` does not make 13.05 and 12.98
    neighbours), but only those with a searched number of decimals can match.
    """
    lo, hi = min(precisions), max(precisions)
    toks = []
    for m in _NUM.finditer(text):
        dec = m.group(1)
        d = len(dec) if dec is not None else 0
        searched = d >= lo and (d > hi or d in precisions)
        v = float(m.group(0))
        toks.append((v, max(10.0 ** (-d), 1e-9) if searched else 0.0, m.start(), m.end()))
    return toks


def _hit_sets(values: np.ndarray, tol: np.ndarray, secret: np.ndarray) -> list[set[int]]:
    """For each token, the secret records whose coordinate is within the token's tolerance."""
    order = np.argsort(secret)
    srt = secret[order]
    a = np.searchsorted(srt, values - tol - 1e-12, side="left")
    b = np.searchsorted(srt, values + tol + 1e-12, side="right")
    b = np.where(tol > 0, b, a)
    empty: set[int] = set()
    return [set(order[i:j].tolist()) if j > i else empty for i, j in zip(a.tolist(), b.tolist())]


def _coordinate_leaks(text: str, s: Secrets, precisions: tuple[int, ...]) -> list[str]:
    if not len(s):
        return []
    toks = _tokens(text, precisions)
    if not toks:
        return []
    arr = np.asarray([(v, t) for v, t, _a, _b in toks], dtype=float)
    lat_hits = _hit_sets(arr[:, 0], arr[:, 1], s.lat)
    lon_hits = _hit_sets(arr[:, 0], arr[:, 1], s.lon)
    found: list[str] = []
    seen: set[int] = set()
    for i in range(len(toks)):
        if not lat_hits[i] and not lon_hits[i]:
            continue
        for j in range(i + 1, min(i + 1 + PAIR_WINDOW, len(toks))):
            if j > i + 1 and not (0 < toks[i][1] <= 10.0 ** -WIDE_MIN_DECIMALS and 0 < toks[j][1] <= 10.0 ** -WIDE_MIN_DECIMALS):
                break
            if _SPLIT.search(text, toks[i][3], toks[j][2]):
                break  # a closing bracket or a line break between them: not one tuple/row
            both = (lat_hits[i] & lon_hits[j]) | (lon_hits[i] & lat_hits[j])
            for r in both - seen:
                seen.add(r)
                pos = toks[i][2]
                snippet = text[max(0, pos - 40) : toks[j][2] + 30].replace("\n", " ")
                found.append(f"coordinates of {s.labels[r]} ({s.lat[r]}, {s.lon[r]}): ...{snippet}...")
    return found


def find_leaks(
    text: str | bytes,
    directory: pd.DataFrame,
    *,
    precisions: tuple[int, ...] = PRECISIONS,
    fields: Iterable[str] = TEXT_FIELDS,
    secrets: Secrets | None = None,
) -> list[str]:
    """Describe every confidential detail of ``directory`` found in ``text`` (empty list: none).

    Parameters
    ----------
    text
        The output (bytes are decoded as UTF-8 with replacement; use :func:`output_text` for
        binary formats).
    directory
        The FULL directory the output was made from.
    precisions
        Coordinate decimals searched.
    fields
        Text fields searched besides phone (default address, email, name).
    secrets
        Precomputed :func:`secrets_of` (to check many outputs against one large directory).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    s = secrets if secrets is not None else secrets_of(directory, fields=fields)
    leaks: list[str] = []
    variants = _variants(text)
    for variant in variants:
        leaks.extend(_coordinate_leaks(variant, s, precisions))
    lowered = [v.lower() for v in variants]
    words: set[str] = set()
    for v in lowered:
        words.update(_WORD.findall(v))
    for value, label in s.texts:
        low = value.lower()
        if not set(_WORD.findall(low)) <= words:
            continue  # a word of the value is missing: it cannot be a substring
        if any(_contains(v, low) for v in lowered):
            leaks.append(f"{label}: {value!r}")
    runs = "|".join(_digits(m.group(0)) for v in variants for m in _DIGIT_RUN.finditer(v))
    for digits, label in s.phones:
        if digits in runs:
            leaks.append(f"{label}: digits {digits}")
    return list(dict.fromkeys(leaks))


def assert_no_leak(
    text: str | bytes,
    directory: pd.DataFrame,
    *,
    where: str = "output",
    precisions: tuple[int, ...] = PRECISIONS,
    fields: Iterable[str] = TEXT_FIELDS,
    secrets: Secrets | None = None,
) -> None:
    """Fail (``AssertionError``) if ``text`` holds any confidential detail of ``directory``.

    The message names ``where``, the record (id or source row), the field and a snippet, for up
    to 10 leaks. See :func:`find_leaks` for the parameters.
    """
    leaks = find_leaks(text, directory, precisions=precisions, fields=fields, secrets=secrets)
    if leaks:
        shown = "\n  ".join(leaks[:10])
        more = f"\n  ... and {len(leaks) - 10} more" if len(leaks) > 10 else ""
        msg = f"{where}: {len(leaks)} confidential detail(s) leaked:\n  {shown}{more}"
        raise AssertionError(msg)


def output_text(source: str | Path | bytes, *, format: str | None = None) -> str:
    """Text of an output file for :func:`assert_no_leak`, whatever its format.

    CSV/HXL/GeoJSON/HTML/JSON are decoded; XLSX and zip packages (HSDS) are unzipped and every
    member decoded; a GeoPackage is read with pyogrio (every layer, attributes and geometry as
    GeoJSON) and its raw bytes searched too.
    """
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    name = str(source) if isinstance(source, (str, Path)) else ""
    fmt = format or Path(name).suffix.lower().lstrip(".")
    if data.startswith(b"SQLite format 3") or fmt == "gpkg":
        import tempfile

        import geopandas as gpd
        import pyogrio

        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "x.gpkg"
            p.write_bytes(data)
            parts = [data.decode("latin-1")]
            for layer, _gtype in pyogrio.list_layers(p):
                gdf = gpd.read_file(p, layer=layer)
                parts.append(gdf.to_json(drop_id=True) if isinstance(gdf, gpd.GeoDataFrame) else gdf.to_csv())
        return "\n".join(parts)
    if data.startswith(b"PK"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                parts.append(f"\n--- {member}\n")
                raw = zf.read(member)
                parts.append(output_text(raw, format=Path(member).suffix.lstrip(".")) if raw.startswith((b"PK", b"SQLite")) else raw.decode("utf-8", "replace"))
        return "".join(parts)
    for enc in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def text_of_json(obj: Any) -> str:
    """Serialise any JSON-able object (e.g. a Streamlit element proto as dict) for searching."""
    return json.dumps(obj, ensure_ascii=False, default=str)
