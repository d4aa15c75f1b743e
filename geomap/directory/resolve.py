"""Location resolution: place every directory row in an admin-1 unit, or flag it, and say why.

Every input row comes out, in the same order: typed per :mod:`geomap.directory.schema`, with

- ``location_method`` — how the row was placed (a key of ``schema.LOCATION_METHODS``) or empty;
- ``confidence`` — 0 to 1;
- ``status`` — ``schema.STATUS_PLACED`` or ``schema.STATUS_FLAGGED``;
- ``reason`` — human text naming the field and value of every problem or warning
  (joined with ``"; "``);
- ``admin1_code`` / ``admin1_name`` — from the matched unit;
- ``reason_notes`` — the same notes as messages (:class:`geomap.i18n.Message`) (a tuple per row), so a
  page or the CLI shows them in the reader's language (:func:`reason_texts`);
- ``duplicate_of`` — ``source_row`` of the first row this one duplicates, else NA;
- ``geometry`` — the record's own Point where it has usable coordinates, else None.

Placement order: (a) coordinates (point in polygon; swapped latitude/longitude; a point just off
the coarse coastline goes to the nearest unit within ``tolerance_km``), (b) admin-1 code,
(c) admin-1 name (languages, aliases, then fuzzy), (d) town via the offline gazetteer.
A row is flagged only when it cannot be placed: placement is about location only. A missing
required field, an unknown category (kept verbatim) or an exact duplicate is a warning in
``reason``, never a flag. ``placed + flagged == total`` always (:func:`row_accounting`).
Values that stand for the whole country ("Cobertura Nacional", "National", p-codes ending 00)
are recognised as national (:func:`is_national`) and said so.

Coordinate values are never echoed in ``reason`` (they may belong to a confidential site);
non-numeric text that could not be read is quoted so the user can find and fix it, and a
value outside its degree range (latitude -90..90, longitude -180..180) is named with its field
and range, rounded to one decimal (it locates nothing; the other, in-range value is not quoted).
"""

from __future__ import annotations

import gc
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from rapidfuzz import fuzz, process

from geomap import gazetteer, i18n
from geomap.boundaries import normalise_code
from geomap.directory import cells, schema
from geomap.i18n import N_, Message, Number, Territory
from geomap.join import BoundaryIndex, assign_units, build_boundary_index, nearest_units

__all__ = [
    "ADMIN1_ALIASES",
    "ADMIN1_CODE_ALIASES",
    "DUPLICATE_DISTANCE_M",
    "FUZZY_CUTOFF",
    "NATIONAL_NOTE",
    "PROGRESS_STAGES",
    "TOLERANCE_KM",
    "TOWN_CUTOFF",
    "REASON_NOTES",
    "is_national",
    "parse_coordinate",
    "reason_texts",
    "resolve_admin",
    "resolve_directory",
    "row_accounting",
]

#: Equivalent admin-1 names, per ISO 3166-1 alpha-2 country. Each tuple is one unit: a name
#: matching any member (after normalisation) resolves to the unit matched by the others.
ADMIN1_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "NG": (
        ("Federal Capital Territory", "FCT", "Abuja", "FCT Abuja", "Abuja FCT", "Abuja Federal Capital Territory"),
        ("Nasarawa", "Nassarawa"),
    ),
    "MX": (
        ("Ciudad de México", "Distrito Federal", "CDMX", "DF", "D.F.", "Mexico City", "Federal District"),
        ("México", "Estado de México", "State of Mexico", "Mexico State", "Edomex", "Edo. Méx."),
        ("Coahuila", "Coahuila de Zaragoza"),
        ("Michoacán", "Michoacán de Ocampo"),
        ("Veracruz", "Veracruz de Ignacio de la Llave", "Veracruz-Llave"),
        ("Querétaro", "Querétaro de Arteaga"),
    ),
}

#: Retired or alternative admin-1 codes -> the code used by the bundled layer. Used when
#: :func:`geomap.boundaries.normalise_code` is not available or does not know the code.
ADMIN1_CODE_ALIASES: dict[str, str] = {"MX-DIF": "MX-CMX"}

#: How far (km) outside every unit a point may lie and still go to the nearest unit: coarse
#: coastlines and borders cut off harbour and border towns. Providers and demand points alike.
TOLERANCE_KM = 5.0
#: Minimum rapidfuzz ``ratio`` for a fuzzy admin-1 name match.
FUZZY_CUTOFF = 85.0
#: Minimum gazetteer score for a town match.
TOWN_CUTOFF = 85.0
#: Steps :func:`resolve_directory` reports to its ``progress`` callback, in order
#: (:func:`geomap.pipeline.load_directory` adds ``"read"`` before them).
PROGRESS_STAGES: tuple[str, ...] = ("fields", "place", "towns", "duplicates", "done")
#: Two rows with the same normalised name closer than this are reported as near-duplicates.
DUPLICATE_DISTANCE_M = 100.0

_CONF_SWAPPED = 0.8
_CONF_NEAREST = 0.9
#: From this many points outside every unit, their nearest units are found through an index of
#: boundary segments (built per call; the same answers, see :func:`geomap.join.nearest_units`).
_MANY_OUTSIDE = 200
_CONF_PCODE_PREFIX = 0.9
_NO_LOCATION = Message(N_("no coordinates, admin-1 code, admin-1 name or town"))
#: The column of each row's notes (see :data:`geomap.directory.schema.REASON_NOTES`).
REASON_NOTES = schema.REASON_NOTES

#: Admin-1 type words and their abbreviations, written before or after a name ("Edo. de
#: México", "Dpto. de Antioquia", "Prov. Buenos Aires", "Región de Murcia", "Lagos State",
#: "State of Mexico"); matched after :func:`geomap.gazetteer.normalise_place`, so "Edo." is "edo".
_TYPE_WORDS = (
    "state|estado|edo|province|provincia|prov|pcia|departement|departamento|dpto|depto|dept|dep|"
    "department|region|reg|etat|territory|territorio|governorate|gouvernorat|wilaya|oblast"
)
_PREFIX = re.compile(rf"^(?:the )?(?:{_TYPE_WORDS})(?: (?:of|de|del|de la|du|des|d))? (?=\S)")
_SUFFIX = re.compile(rf"(?<=\S) (?:{_TYPE_WORDS})$")

#: Values that stand for the whole country rather than one unit ("Cobertura Nacional",
#: "National", "Countrywide", a p-code ending in 00 such as "NG000"/"MX00"), after
#: normalisation.
_NATIONAL = re.compile(
    r"^(?:(?:cobertura |alcance |nivel |ambito |a nivel |couverture |niveau )?(?:nacional|national|nationale)"
    r"(?: level| coverage| wide)?|countrywide|country wide|nationwide|nation wide|all (?:states|provinces|regions|country)"
    r"|todo el pais|todo el territorio nacional|toda la republica|todos los estados|tout le pays|ensemble du pays|whole country)$"
)
_NATIONAL_PCODE = re.compile(r"^[A-Z]{2,3}-?0{2,3}$")
_PCODE_ELSEWHERE = "cannot be matched to this boundary layer"
#: Said of a national value (see :func:`is_national`).
NATIONAL_NOTE = "stands for the whole country (national), not one unit; give a unit or coordinates to place it"


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
_blank = schema.is_missing
#: Notes per row, ``{row position: [text, …]}``; only rows with something to say have an entry.
_Notes = defaultdict


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _quote(value: Any, limit: int = 40) -> str:
    s = _text(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return '"' + s.replace('"', "'") + '"'


def _admin_key(text: Any) -> str:
    """Normalised admin-1 name: accents, case, punctuation and State/Estado/Province affixes."""
    s = gazetteer.normalise_place(text)
    s = _PREFIX.sub("", s)
    s = _SUFFIX.sub("", s)
    return s.strip()


def is_national(text: Any) -> bool:
    """Whether an admin value stands for the whole country, not one unit.

    ``"Cobertura Nacional"``, ``"National"``, ``"Countrywide"``, ``"Nationwide"``, ``"Todo el
    país"`` and p-codes ending in 00 (``"NG00"``, ``"MEX000"``) are national.
    """
    raw = _text(text)
    if not raw:
        return False
    if _NATIONAL_PCODE.match(re.sub(r"[\s._/]+", "", raw.upper())):
        return True
    return bool(_NATIONAL.match(gazetteer.normalise_place(raw)))


def _iso_codes(country: str | None, units: pd.DataFrame) -> tuple[str, str]:
    """(ISO2, ISO3) of the country, from the argument or the units' columns."""
    iso2 = iso3 = ""
    if country:
        try:
            iso2 = gazetteer.country_iso2(country)
        except ValueError:
            iso2 = ""
    if not iso2 and "iso_a2" in units.columns and len(units):
        iso2 = _text(units["iso_a2"].iloc[0]).upper()
    if iso2:
        try:
            iso3 = str(gazetteer._countries().get(iso2, {}).get("iso3", ""))
        except Exception:  # noqa: BLE001 - the ISO3 is only used to read p-codes
            iso3 = ""
    if not iso3 and "country" in units.columns and len(units):
        iso3 = _text(units["country"].iloc[0]).upper()
    return iso2.upper(), iso3.upper()


def _country_label(country: str, units: pd.DataFrame) -> Territory:
    """The country as notes name it: its English name, said in the reader's language when shown."""
    iso2 = _iso_codes(country, units)[0]
    if "country_name" in units.columns and len(units) and _text(units["country_name"].iloc[0]):
        return Territory(iso2, _text(units["country_name"].iloc[0]))
    try:
        return Territory(iso2, str(gazetteer._countries()[gazetteer.country_iso2(country)]["name"]))
    except (ValueError, KeyError):
        return Territory(iso2, str(country))


def _unit_word(units: pd.DataFrame) -> str:
    if "type_en" in units.columns:
        types = units["type_en"].dropna().astype(str)
        types = types[types.str.strip() != ""]
        if len(types):
            return str(types.mode().iloc[0]).lower()
    return "admin-1 unit"


def _prepare_units(units: gpd.GeoDataFrame, country: str | None) -> gpd.GeoDataFrame:
    if not isinstance(units, gpd.GeoDataFrame) or "code" not in units.columns or "name" not in units.columns:
        msg = "units must be a GeoDataFrame with at least 'code', 'name' and 'geometry' columns (see geomap.boundaries.load_boundaries)"
        raise ValueError(msg)
    out = units
    if "is_unit" in out.columns:
        out = out[out["is_unit"].fillna(True).astype(bool)]
    if country and "country" in out.columns and out["country"].nunique() > 1:
        iso2, iso3 = _iso_codes(country, out)
        mask = out["country"].astype(str).str.upper() == iso3
        if "iso_a2" in out.columns:
            mask |= out["iso_a2"].astype(str).str.upper() == iso2
        out = out[mask]
    if out.crs is None:
        out = out.set_crs("EPSG:4326")
    elif not out.crs.equals("EPSG:4326"):
        out = out.to_crs("EPSG:4326")
    if len(out) == 0:
        msg = f"the boundary layer has no admin-1 units for country {country!r}"
        raise ValueError(msg)
    return out.reset_index(drop=True)


def _aeqd(units: gpd.GeoDataFrame) -> str:
    """A local azimuthal equidistant CRS centred on the units (metres)."""
    minx, miny, maxx, maxy = units.total_bounds
    return f"+proj=aeqd +lat_0={(miny + maxy) / 2:.6f} +lon_0={(minx + maxx) / 2:.6f} +datum=WGS84 +units=m +no_defs"


# --------------------------------------------------------------------------------------------
# coordinates
# --------------------------------------------------------------------------------------------
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: A decimal number Arrow, pandas and float() read to the same double (RE2 syntax).
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_NUM = r"(\d+(?:[.,]\d+)?)"
_DMS = re.compile(
    r"^[+-]?\s*" + _NUM + r"\s*(?:[°º˚D:]\s*|\s+)?"
    r"(?:" + _NUM + r"\s*(?:['′’‘M:]\s*|\s+)?)?"
    r"(?:" + _NUM + r"\s*(?:[\"″”“S]|''|′′)?)?$"
)


def parse_coordinate(value: Any, *, axis: str = "latitude") -> tuple[float, str | None]:
    """Read one coordinate cell as decimal degrees.

    Accepts decimal numbers (also with a decimal comma, ``"6,45"``), degrees-minutes-seconds
    (``6°27'14"N``, ``6 27 14 N``, ``N 6°27.2'``, ``3°23'W``/``O`` for *oeste*) and surrounding
    white space. Range checks are the caller's job (see :func:`resolve_directory`).

    Parameters
    ----------
    value
        The raw cell.
    axis
        ``"latitude"`` or ``"longitude"``; only used in the message.

    Returns
    -------
    tuple
        ``(degrees, problem)``: ``(nan, None)`` for a blank cell, ``(nan, "latitude: ...")``
        when the text is not a coordinate.
    """
    if _blank(value):
        return math.nan, None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if not math.isfinite(v):
            return math.nan, Message(N_("{field}: {value} is not a finite number"), field=axis, value=repr(v))
        return v, None
    s = str(value).strip().replace("\u00a0", " ")
    if _DECIMAL_COMMA.match(s):
        s = s.replace(",", ".")
    try:
        v = float(s)
    except ValueError:
        v = None
    if v is not None:
        if not math.isfinite(v):
            return math.nan, Message(N_("{field}: {value} is not a finite number"), field=axis, value=_quote(value))
        return v, None
    t = s.upper()
    hemi = ""
    m = re.match(r"^([NSEWO])\s*(.*)$", t)
    if m:
        hemi, t = m.group(1), m.group(2)
    # a trailing "s" after an "m" marker is seconds (6d27m14s), not South
    seconds_mark = re.search(r"\d\s*m\s*\d+(?:[.,]\d+)?\s*s$", s) is not None
    m = re.match(r"^(.*?)\s*([NSEWO])$", t)
    if m and not hemi and not seconds_mark:
        t, hemi = m.group(1), m.group(2)
    m = _DMS.match(t.strip()) if t else None
    if m is None:
        return math.nan, Message(N_("{field}: {value} is not a number"), field=axis, value=_quote(value))
    parts = [float(g.replace(",", ".")) for g in m.groups() if g is not None]
    deg = parts[0]
    minutes = parts[1] if len(parts) > 1 else 0.0
    seconds = parts[2] if len(parts) > 2 else 0.0
    if minutes >= 60 or seconds >= 60:
        return math.nan, Message(N_("{field}: {value} has minutes or seconds of 60 or more"), field=axis, value=_quote(value))
    v = deg + minutes / 60 + seconds / 3600
    if t.lstrip().startswith("-") or hemi in {"S", "W", "O"}:
        v = -v
    return v, None


def _out_of_range(lat: float, lon: float) -> list[Message]:
    """Name each coordinate outside its degree range, with the range.

    The value is quoted to one decimal: a value outside its range locates nothing, and the
    rounding keeps even a mistyped digit string of a confidential site out of reasons and logs.
    In-range values are never quoted.
    """
    problems = []
    if abs(lat) > 90:
        problems.append(Message(N_("latitude: {value} is outside -90..90 (a latitude must be between -90 and 90)"), value=Number(lat, ".1f")))
    if abs(lon) > 180:
        problems.append(
            Message(N_("longitude: {value} is outside -180..180 (a longitude must be between -180 and 180)"), value=Number(lon, ".1f"))
        )
    return problems


def _parse_coordinates(values: pd.Series, axis: str, *, blank: np.ndarray | None = None) -> tuple[np.ndarray, dict[int, Message]]:
    """Vector form of :func:`parse_coordinate`: plain numbers in one go, the rest one by one.

    Returns the degrees and ``{row: problem}`` for the cells that are not coordinates.
    ``blank`` is :func:`geomap.directory.cells.blank_cells` of ``values`` when the caller has it.
    """
    if blank is None:
        blank = cells.blank_cells(values)
    arrow = cells.arrow_strings(values)
    if arrow is not None:
        # plain decimal numbers are cast in Arrow (the same doubles as pandas and float()); the
        # other cells with text go the way of Python objects below
        plain = np.asarray(pc.fill_null(pc.match_substring_regex(arrow, _PLAIN_NUMBER), False), dtype=bool)
        out = np.full(len(arrow), np.nan)
        out[plain] = np.asarray(pc.cast(arrow.filter(pa.array(plain)), pa.float64()), dtype=float)
        # Python objects for the cells with text that are not finite plain numbers ("6,45", "1e400")
        other = np.flatnonzero(~(plain & np.isfinite(out)) & ~blank)
        raw = np.full(len(arrow), None, dtype=object)
        raw[other] = arrow.take(pa.array(other)).to_pylist()
        fast = np.where(plain, out, np.nan)
        fast[other] = pd.to_numeric(pd.Series(raw[other], dtype=object), errors="coerce").to_numpy(dtype=float)
    else:
        raw = values.astype(object).to_numpy()
        fast = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float)
    problems: dict[int, Message] = {}
    out = fast.copy()
    slow = np.flatnonzero(~np.isfinite(fast))
    if len(slow):
        # blank cells are NaN too: only the cells with text are parsed one by one
        text = ~blank[slow]
        out[slow[~text]] = np.nan
        for i in slow[text]:
            v, problem = parse_coordinate(raw[i], axis=axis)
            out[i] = v
            if problem:
                problems[int(i)] = problem
    return out, problems


def _points_where(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Object array of Points ``(x, y)`` where ``mask``, ``None`` elsewhere."""
    out = np.full(len(mask), None, dtype=object)
    if mask.any():
        out[mask] = shapely.points(x[mask], y[mask])
    return out


@lru_cache(maxsize=16)
def _to_metres(crs_m: str) -> Any:
    """The transformer from EPSG:4326 to ``crs_m`` (the one ``GeoSeries.to_crs`` uses).

    Made once per CRS and process (making one takes longer than projecting a country's
    boundaries with it); pyproj transformers are thread-safe.
    """
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs_m, always_xy=True)


def _units_in_metres(units: gpd.GeoDataFrame, crs_m: str, to_m: Any) -> gpd.GeoDataFrame:
    """``units.to_crs(crs_m)`` projected with the transformer ``to_m`` (the same coordinates)."""
    geoms = shapely.transform(units.geometry.to_numpy(), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    return units.set_geometry(gpd.GeoSeries(geoms, index=units.index, crs=crs_m), crs=crs_m)


def _projected_points(geometry: np.ndarray, to_m: Any) -> np.ndarray:
    """Points projected with the transformer ``to_m`` (what ``GeoSeries.to_crs`` gives, without copying the geometries first)."""
    x, y = to_m.transform(shapely.get_x(geometry), shapely.get_y(geometry))
    return shapely.points(x, y)


def _locate(points: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    """Unit position of each point (``-1`` where none): :func:`geomap.join.assign_units`."""
    return assign_units(shapely.get_x(points), shapely.get_y(points), units)


def _nearest(
    points: np.ndarray, units_m: gpd.GeoDataFrame, to_m: Any, *, boundary: BoundaryIndex | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest unit position and distance in km for each point (``-1``/NaN where missing).

    ``boundary`` (:func:`geomap.join.build_boundary_index` of ``units_m``) makes many points
    fast; the answer is the same without it.
    """
    pos = np.full(len(points), -1, dtype="int64")
    dist = np.full(len(points), np.nan)
    ok = ~shapely.is_missing(points)
    if not ok.any():
        return pos, dist
    idx = np.flatnonzero(ok)
    near, d = nearest_units(_projected_points(points[idx], to_m), units_m, index=boundary)
    pos[idx] = near
    dist[idx] = d / 1000.0
    return pos, dist


# --------------------------------------------------------------------------------------------
# admin-1 codes and names
# --------------------------------------------------------------------------------------------
def _code_forms(code: str, iso2: str, iso3: str) -> list[tuple[str, ...]]:
    """Comparable forms of an admin-1 code, most specific first."""
    c = re.sub(r"[\s._/]+", "-", code.strip().upper()).strip("-")
    if not c:
        return []
    forms: list[tuple[str, ...]] = [("X", c)]
    m = re.match(r"^([A-Z]{2,3})-([A-Z0-9]{1,3})$", c)
    if m and (len(m.group(1)) == 2 or m.group(1) == iso3):
        forms.append(("X", f"{iso2 if len(m.group(1)) == 3 else m.group(1)}-{m.group(2)}"))
    m = re.match(r"^([A-Z]{2,3})-?(\d+)$", c)
    if m:
        prefix = m.group(1)
        if prefix == iso3 and iso2:
            prefix = iso2
        forms.append(("P", prefix, m.group(2)))
    if re.fullmatch(r"\d+", c):
        forms.append(("D", str(int(c))))
    if iso2 and re.fullmatch(r"[A-Z]{2}[A-Z0-9]{1,3}", c) and c.startswith(iso2) and "-" not in c:
        forms.append(("X", f"{iso2}-{c[2:]}"))
    if iso2 and re.fullmatch(r"[A-Z0-9]{1,3}", c) and not c.isdigit():
        forms.append(("X", f"{iso2}-{c}"))
    return forms


def _normalise_code_external(code: str, iso2: str) -> str | None:
    try:
        out = normalise_code(code, country=iso2 or None)
    except (ValueError, KeyError, TypeError):
        return None
    return None if _blank(out) else str(out)


#: Name priority handicap of a unit that lost its code to a larger namesake (see below).
_SECONDARY = 10


def _secondary_units(units: pd.DataFrame) -> np.ndarray:
    """Units whose source code went to a larger feature of the same code.

    Natural Earth gives one code (and name) to two features in places (``AF-URU`` to Uruzgan
    and to the part that is now Daykundi); the bundled layer keeps the code on the largest and
    gives the other a placeholder. A name then matches both: the code keeper wins.
    """
    if "ne_code" not in units.columns:
        return np.zeros(len(units), dtype=bool)
    codes = units["code"].astype(str).to_numpy()
    ne = units["ne_code"].astype(object).map(_text).to_numpy()
    kept = set(codes)
    return np.array([bool(n) and n != c and n in kept for c, n in zip(codes, ne)], dtype=bool)


class _AdminIndex:
    """Lookups from code forms and name keys to unit positions, built once per units layer."""

    def __init__(self, units: pd.DataFrame, *, country: str | None) -> None:
        self.units = units
        self.iso2, self.iso3 = _iso_codes(country, units)
        self.codes = units["code"].astype(str).to_numpy()
        self.names = units["name"].astype(str).to_numpy()
        self.word = _unit_word(units)
        source = _text(units.attrs.get("source", ""))
        self.layer = Message(N_("the boundary layer ({source})"), source=source) if source else Message(N_("the boundary layer"))
        self.code_index: dict[tuple[str, ...], set[int]] = {}
        self.pcodes: list[tuple[str, str, int]] = []
        hasc = units["code_hasc"].to_numpy() if "code_hasc" in units.columns else None  # one column read, not one per unit
        for i, code in enumerate(self.codes):
            for form in _code_forms(code, self.iso2, self.iso3):
                self.code_index.setdefault(form, set()).add(i)
                if form[0] == "P":
                    self.pcodes.append((form[1], form[2], i))
            if hasc is not None and _text(hasc[i]):
                for form in _code_forms(_text(hasc[i]), self.iso2, self.iso3):
                    self.code_index.setdefault(form, set()).add(i)
        self.example_code = self.codes[0] if len(self.codes) else ""
        # key -> {unit position: priority}; on a clash the display name beats translations,
        # which beat alternate names, which beat aliases ("Mexico" is the French name of
        # Ciudad de México but the display name of the State of México).
        self.name_index: dict[str, dict[int, int]] = {}
        secondary = _secondary_units(units)
        for col, prio in (("name", 0), ("name_en", 1), ("name_es", 1), ("name_fr", 1), ("name_ar", 1), ("name_alt", 2)):
            if col not in units.columns:
                continue
            for i, cell in enumerate(units[col].to_numpy()):
                for part in _text(cell).split("|"):
                    key = _admin_key(part)
                    if key:
                        slot = self.name_index.setdefault(key, {})
                        p = prio + (_SECONDARY if secondary[i] else 0)
                        slot[i] = min(slot.get(i, p), p)
        for group in ADMIN1_ALIASES.get(self.iso2, ()):
            keys = {_admin_key(g) for g in group}
            hits = {u for k in keys for u in self._best(k)}
            if len(hits) == 1:
                for k in keys:
                    self.name_index.setdefault(k, {}).setdefault(next(iter(hits)), 3)
        self.name_keys = list(self.name_index)

    def _best(self, key: str) -> set[int]:
        """Units a name key points to, keeping only the highest-priority spelling."""
        slot = self.name_index.get(key)
        if not slot:
            return set()
        top = min(slot.values())
        return {u for u, p in slot.items() if p == top}

    # -- codes -------------------------------------------------------------------------------
    def match_code(self, code: str) -> tuple[int, float, str]:
        """(unit position or -1, confidence, note)."""
        candidates = [code]
        ext = _normalise_code_external(code, self.iso2)
        if ext and ext not in candidates:
            candidates.append(ext)
        for cand in list(candidates):
            alias = ADMIN1_CODE_ALIASES.get(re.sub(r"[\s._/]+", "-", cand.strip().upper()))
            if alias and alias not in candidates:
                candidates.append(alias)
        for cand in candidates:
            for form in _code_forms(cand, self.iso2, self.iso3):
                hits = self.code_index.get(form, set())
                if len(hits) == 1:
                    return next(iter(hits)), 1.0, ""
                if len(hits) > 1:
                    names = tuple(sorted(self.names[h] for h in hits))
                    return -1, 0.0, Message(N_("admin1_code: {value} matches several units ({names})"), value=_quote(code), names=names)
        # an admin-2 p-code (NG008023) that starts with a unit's admin-1 p-code (NG008)
        for form in _code_forms(code, self.iso2, self.iso3):
            if form[0] != "P":
                continue
            hits = {i for prefix, digits, i in self.pcodes if prefix == form[1] and len(form[2]) > len(digits) and form[2].startswith(digits)}
            if len(hits) == 1:
                i = next(iter(hits))
                return i, _CONF_PCODE_PREFIX, Message(
                    N_("admin1_code: {value} looks like a lower-level p-code; matched its admin-1 prefix {code}"),
                    value=_quote(code), code=self.codes[i],
                )
        looks_pcode = bool(re.fullmatch(r"[A-Za-z]{2,3}\d+", code.strip()))
        has_pcodes = bool(self.pcodes)
        if looks_pcode and not has_pcodes:
            return -1, 0.0, Message(
                N_("admin1_code: p-code {value} cannot be matched to this boundary layer, "
                   "whose codes look like {example} (bring the matching COD boundaries to use p-codes)"),
                value=_quote(code), example=repr(self.example_code),
            )
        return -1, 0.0, Message(
            N_("admin1_code: {value} is not a code of this boundary layer (codes look like {example})"),
            value=_quote(code), example=repr(self.example_code),
        )

    # -- names -------------------------------------------------------------------------------
    def match_name(self, name: str) -> tuple[int, float, str, bool]:
        """(unit position or -1, confidence, note, is_warning_only)."""
        key = _admin_key(name)
        if not key:
            return -1, 0.0, "", True
        hits = self._best(key)
        if hits:
            if len(hits) == 1:
                return next(iter(hits)), 1.0, "", True
            names = tuple(sorted(self.names[h] for h in hits))
            # Translators: {type} is the layer's own word for its units, as the layer gives it ("state", "province").
            note = Message(N_("admin1_name: {value} matches several {type} units ({names})"), value=_quote(name), type=self.word, names=names)
            return -1, 0.0, note, False
        best = process.extract(key, self.name_keys, scorer=fuzz.ratio, limit=8)
        if best and best[0][1] >= FUZZY_CUTOFF:
            top = best[0][1]
            top_units = set().union(*(self._best(k) for k, s, _ in best if s == top))
            if len(top_units) > 1:
                names = tuple(sorted(self.names[h] for h in top_units))
                note = Message(N_("admin1_name: {value} is equally close to several units ({names})"), value=_quote(name), names=names)
                return -1, 0.0, note, False
            i = next(iter(top_units))
            note = Message(
                N_("admin1_name: {value} matched {unit} (fuzzy, score {score})"),
                value=_quote(name), unit=repr(self.names[i]), score=Number(top, ".0f"),
            )
            return i, round(top / 100.0, 3), note, True
        closest: list[str] = []
        for k, _s, _ in best:
            for h in sorted(self._best(k)):
                if self.names[h] not in closest:
                    closest.append(self.names[h])
        if closest:
            note = Message(
                N_("admin1_name: {value} is not a {type} of {layer} (closest: {names})"),
                value=_quote(name), type=self.word, layer=self.layer, names=tuple(closest[:3]),
            )
        else:
            note = Message(N_("admin1_name: {value} is not a {type} of {layer}"), value=_quote(name), type=self.word, layer=self.layer)
        return -1, 0.0, note, False


def _solve_pair(c: str, nm: str, cres: tuple, nres: tuple, index: _AdminIndex) -> tuple[int, float, str | None, list[str]]:
    """Unit position, confidence, method and notes for one (code, name) pair."""
    note: list[str] = []
    if cres[0] < 0 and nres[0] < 0:
        for f, v in (("admin1_code", c), ("admin1_name", nm)):
            if is_national(v):
                note = Message(
                    N_("{field}: {value} stands for the whole country (national), not one unit; give a unit or coordinates to place it"),
                    field=f, value=_quote(v),
                )
                return -1, 0.0, None, [note]
    if cres[0] >= 0:
        p, cf, m = cres[0], cres[1], "admin_code"
        if cres[2]:
            note.append(cres[2])
        if nres[0] >= 0 and nres[0] != p:
            note.append(Message(
                N_("admin1_name {value} ({unit}) disagrees with admin1_code {code} ({code_unit}); placed by the code"),
                value=_quote(nm), unit=index.names[nres[0]], code=_quote(c), code_unit=index.names[p],
            ))
        return p, cf, m, note
    if nres[0] >= 0:
        # a p-code of a scheme this layer does not carry is said once per file, not per row
        code_note = "" if _PCODE_ELSEWHERE in cres[2] else cres[2]
        note.extend(x for x in (code_note, nres[2]) if x)
        return nres[0], nres[1], "admin_name", note
    note.extend(x for x in (cres[2], nres[2]) if x)
    return -1, 0.0, None, note


def _resolve_admin_positions(
    codes: pd.Series | list[str], names: pd.Series | list[str], index: _AdminIndex
) -> tuple[np.ndarray, np.ndarray, list[str | None], list[list[str]]]:
    """Unit position, confidence, method and notes per row; each distinct pair solved once."""
    code_txt = codes if isinstance(codes, list) else _texts(codes)
    name_txt = names if isinstance(names, list) else _texts(names)
    c_codes, c_uniques = pd.factorize(np.asarray(code_txt, dtype=object))
    n_codes, n_uniques = pd.factorize(np.asarray(name_txt, dtype=object))
    pair_key = c_codes.astype("int64") * (len(n_uniques) + 1) + n_codes
    _, first, inverse = np.unique(pair_key, return_index=True, return_inverse=True)
    code_memo: dict[str, tuple[int, float, str]] = {}
    name_memo: dict[str, tuple[int, float, str, bool]] = {}
    solved = np.empty(len(first), dtype=object)
    for k, r in enumerate(first):
        c, nm = code_txt[r], name_txt[r]
        if c and c not in code_memo:
            code_memo[c] = index.match_code(c)
        if nm and nm not in name_memo:
            name_memo[nm] = index.match_name(nm)
        cres = code_memo[c] if c else (-1, 0.0, "")
        nres = name_memo[nm] if nm else (-1, 0.0, "", True)
        solved[k] = _solve_pair(c, nm, cres, nres, index)
    pos = np.array([x[0] for x in solved], dtype="int64")[inverse]
    conf = np.array([x[1] for x in solved], dtype=float)[inverse]
    method_u = np.empty(len(solved), dtype=object)
    notes_u = np.empty(len(solved), dtype=object)
    for k, x in enumerate(solved):
        method_u[k], notes_u[k] = x[2], x[3]
    # each row's notes are the (shared, read-only) list of its pair
    return pos, conf, method_u[inverse].tolist(), notes_u[inverse].tolist()


def resolve_admin(
    codes: pd.Series | list[Any],
    names: pd.Series | list[Any],
    units: gpd.GeoDataFrame,
    *,
    country: str | None = None,
) -> pd.DataFrame:
    """Resolve admin-1 codes and/or names to units: the one code/name resolver.

    Codes are tried first, in their many spellings (``NG-AN``, ``NG.AN``, ``AN``, HASC,
    retired ISO codes such as ``MX-DIF``, OCHA p-codes ``NG008``/``NGA008`` against a layer that
    carries p-codes, zero-padded numbers ``"01"``). Names next: accents, case, punctuation and
    State/Estado/Province affixes are ignored; every name column of the layer is searched
    (``name``, ``name_en/es/fr``, ``name_alt``), then :data:`ADMIN1_ALIASES`, then a fuzzy
    match (rapidfuzz ``ratio`` >= :data:`FUZZY_CUTOFF`; confidence = score / 100). Ambiguous
    names (several units, or tied fuzzy scores) are not matched. Each distinct (code, name)
    pair is solved once, so 10,000 rows with three states cost three look-ups.

    Parameters
    ----------
    codes, names
        Raw code and name values, aligned (same length); blanks allowed.
    units
        Admin-1 units (see :func:`geomap.boundaries.load_boundaries`).
    country
        ISO3/ISO2 code or name; used to read p-codes and bare codes and to pick the aliases.
        Defaults to the units' own country.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``codes``: ``admin1_code``, ``admin1_name`` (the matched unit, else NA),
        ``method`` (``"admin_code"``, ``"admin_name"`` or NA), ``confidence`` (0-1) and
        ``reason`` (notes and problems joined with ``"; "``, empty when clean; a
        :class:`geomap.i18n.Message`, so its shower can say it in the reader's language).
        ``attrs["warnings"]``: file-level notes (p-codes of a scheme the layer does not carry,
        when the rows were placed by name).
    """
    codes_s = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    names_s = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    if len(codes_s) != len(names_s):
        msg = f"codes and names must have the same length (got {len(codes_s)} and {len(names_s)})"
        raise ValueError(msg)
    names_s = pd.Series(names_s.to_numpy(dtype=object), index=codes_s.index)
    if country is None and "country" in units.columns and len(units) and units["country"].nunique() == 1:
        country = str(units["country"].iloc[0])
    prepared = _prepare_units(units, country)
    index = _AdminIndex(prepared, country=country)
    pos, conf, method, notes = _resolve_admin_positions(codes_s, names_s, index)
    hit = pos >= 0
    code_out = np.where(hit, index.codes[np.where(hit, pos, 0)], None)
    name_out = np.where(hit, index.names[np.where(hit, pos, 0)], None)
    out = pd.DataFrame(
        {
            "admin1_code": pd.array(code_out, dtype="str"),
            "admin1_name": pd.array(name_out, dtype="str"),
            "method": pd.array(method, dtype="str"),
            "confidence": conf,
            # messages (object, not str, dtype: they keep their parts), said in the reader's language
            "reason": pd.Series([i18n.in_turn(n) if n else "" for n in notes], index=codes_s.index, dtype=object),
        },
        index=codes_s.index,
    )
    out.attrs["warnings"] = _pcode_warning(_texts(codes_s.astype(object).to_numpy()), method, index)
    return out


# --------------------------------------------------------------------------------------------
# typing the record
# --------------------------------------------------------------------------------------------
_memo = cells.memo
_texts = cells.texts
_text_array = cells.text_array
_str_column = cells.str_column
_blank_mask = cells.blank_mask


def _vocab_parser(kind: str, categories: dict[str, str] | None = None) -> Any:
    if kind == "service_types":
        return lambda v: schema.parse_service_types(v, mapping=categories) if v is not None else ([], [])
    return lambda v: schema.parse_populations(v) if v is not None else ([], [])


def _rows_of(codes: np.ndarray, wanted: list[int]) -> dict[int, np.ndarray]:
    """``{code: rows holding it}`` for the wanted codes (rows in order)."""
    if not wanted:
        return {}
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    return {k: order[np.searchsorted(sorted_codes, k, "left"):np.searchsorted(sorted_codes, k, "right")] for k in wanted}


def _note_rows(notes: _Notes, codes: np.ndarray, said: dict[int, str]) -> None:
    """Append ``said[code]`` to the notes of every row holding that code."""
    for k, rows in _rows_of(codes, list(said)).items():
        text = said[k]
        for r in rows:
            notes[r].append(text)


def _fresh_lists(per_value: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """An object array of each row's list (a new list per row, as edits may change one).

    ``per_value`` holds lists only: ``list.copy`` makes each row's copy without going through
    the ``list`` constructor (~15 % faster over 100,000 rows).
    """
    return np.fromiter(map(list.copy, per_value[codes]), dtype=object, count=len(codes))


def _category_column(
    raw: Any, notes: _Notes, categories: dict[str, str] | None
) -> tuple[np.ndarray, dict[str, int]]:
    """Category lists (known codes, then unknown categories verbatim) and unknown counts.

    An unknown category never flags a row: it is kept as written and noted as a warning.
    """
    codes, parsed = cells.memo_codes(_vocab_parser("service_types", categories), raw)
    per_value = np.empty(len(parsed), dtype=object)
    said: dict[int, str] = {}
    counts: dict[str, int] = {}
    used = np.bincount(codes, minlength=len(parsed))
    for k, result in enumerate(parsed):
        if result is None:
            per_value[k] = []
            continue
        known, unknown = result
        per_value[k] = list(known) + [u for u in unknown if u not in known]
        if unknown and used[k]:
            said[k] = Message(
                N_("warning: service_types: {items} not in geomap's categories (kept as written; map it to a category)"),
                items=tuple(_quote(u) for u in unknown),
            )
            for u in unknown:
                counts[u] = counts.get(u, 0) + int(used[k])
    _note_rows(notes, codes, said)
    return _fresh_lists(per_value, codes), dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _bool_cell(v: Any) -> tuple[bool | None, bool]:
    b = schema.parse_bool(v)
    return b, b is None and v is not None


def _date_cell(v: Any) -> tuple[Any, bool]:
    d = schema.parse_date(v)
    return d, d is None and v is not None


def _int_cell(v: Any) -> tuple[int | None, bool]:
    if v is None:
        return None, False
    x = pd.to_numeric(pd.Series([v], dtype=object), errors="coerce").iloc[0]
    if pd.isna(x) or not np.isfinite(x) or x < 0 or x != round(x):
        return None, True
    return int(x), False


_NOT_READ = {
    "bool": N_("{field}: {value} is not yes/no (left blank)"),
    "date": N_("{field}: {value} is not a date (left blank)"),
    "int": N_("{field}: {value} is not a whole number of 0 or more (left blank)"),
}


def _list_field(name: str, raw: Any, notes: _Notes) -> np.ndarray:
    """A list field (populations, languages …) typed; unknown populations noted."""
    if name == "populations_served":
        codes, parsed = cells.memo_codes(_vocab_parser(name), raw)
        said: dict[int, str] = {}
        per_value = np.empty(len(parsed), dtype=object)
        for k, result in enumerate(parsed):
            known, unknown = result if result is not None else ([], [])
            per_value[k] = list(known)
            if unknown:
                said[k] = Message(N_("populations_served: unknown population {items} (ignored)"), items=tuple(_quote(u) for u in unknown))
        _note_rows(notes, codes, said)
        return _fresh_lists(per_value, codes)
    codes, parsed = cells.memo_codes(lambda v: schema.parse_list(v) if v is not None else [], raw)
    return _fresh_lists(parsed, codes)


def _scalar_field(name: str, kind: str, raw: Any, notes: _Notes) -> Any:
    """A yes/no, date or whole-number field typed; cells that do not read as one are noted."""
    cell = {"bool": _bool_cell, "date": _date_cell, "int": _int_cell}[kind]
    codes, parsed = cells.memo_codes(cell, raw)
    values = cells.memo_codes(lambda v: v, raw)[1] if any(p is not None and p[1] for p in parsed) else None
    said = {k: Message(_NOT_READ[kind], field=name, value=_quote(values[k])) for k, p in enumerate(parsed) if p is not None and p[1]}
    _note_rows(notes, codes, said)
    per_value = [None if p is None else p[0] for p in parsed]
    missing = np.array([v is None for v in per_value], dtype=bool)[codes]
    if kind == "bool":
        return pd.arrays.BooleanArray(np.array([bool(v) for v in per_value], dtype=bool)[codes], missing)
    if kind == "int":
        return pd.arrays.IntegerArray(np.array([0 if v is None else v for v in per_value], dtype="int64")[codes], missing)
    return np.array(per_value, dtype=object)[codes]


_ORG_NAME = Message(N_("name: missing; the organisation's name is used"))


def _typed_fields(
    df: pd.DataFrame, notes: _Notes, *, categories: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """Typed columns per the schema, appending warnings to ``notes`` (none of them flags a row).

    Each distinct cell value is parsed once (a 10,000-row 3W has a few dozen distinct values).
    Also returns the unknown categories with their row counts.
    """
    cols: dict[str, Any] = {}
    unknown_counts: dict[str, int] = {}
    for f in schema.FIELDS:
        raw = df[f.name]
        if f.kind == "str":
            cols[f.name] = _str_column(raw)
        elif f.kind == "list" and f.name == "service_types":
            cols[f.name], unknown_counts = _category_column(raw, notes, categories)
        elif f.kind == "list":
            cols[f.name] = _list_field(f.name, raw, notes)
        elif f.kind in ("bool", "date", "int"):
            cols[f.name] = _scalar_field(f.name, f.kind, raw, notes)
        # float fields (latitude/longitude) are filled by the coordinate step
    # A 3W lists organisations, not named services: the organisation stands in for a missing name.
    names = pd.Series(cols["name"])
    use_org = names.isna().to_numpy() & pd.Series(cols["organisation"]).notna().to_numpy()
    if use_org.any():
        names = names.copy()
        names[use_org] = pd.Series(cols["organisation"])[use_org]
        for r in np.flatnonzero(use_org):
            notes[r].append(_ORG_NAME)
    cols["name"] = names.array
    # Placement is about location only: a missing required field is a warning, not a flag.
    for name in schema.REQUIRED_FIELDS:
        if schema.field_by_name(name).kind == "list":
            empty = np.fromiter(map(len, cols[name]), dtype="int64", count=len(df)) == 0
        else:
            empty = np.asarray(pd.isna(cols[name]), dtype=bool)
        note = Message(N_("warning: {field}: missing (required)"), field=name)  # one message, shared by its rows
        for r in np.flatnonzero(empty):
            notes[r].append(note)
    return cols, unknown_counts


# --------------------------------------------------------------------------------------------
# duplicates
# --------------------------------------------------------------------------------------------
def _exact_keys(df: pd.DataFrame, content: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A key per row, equal for rows whose trimmed text is equal in every content column, and
    whether the row has any text. Each column is dictionary-encoded (hashing in C) and the codes
    are folded column by column into one dense code."""
    n = len(df)
    key = np.zeros(n, dtype="int64")
    nonblank = np.zeros(n, dtype=bool)
    for k, c in enumerate(content):
        codes, blank_code = cells.text_codes(df[c])
        nonblank |= codes != blank_code
        if k == 0:
            key = codes  # dictionary codes are dense already (0 .. distinct - 1)
        elif n:
            key = pd.factorize(key * (int(codes.max()) + 1) + codes)[0].astype("int64")
        if n and int(key.max()) + 1 == n:
            break  # every row already differs (an id column): no row can duplicate another
    return key, nonblank


def _grid_pairs(x: np.ndarray, y: np.ndarray, cell_x: float, cell_y: float) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair ``(a, b)``, ``a != b``, of points in the same or adjacent grid cells.

    Two points at most ``cell_x`` apart in x and ``cell_y`` in y always form a pair.
    """
    cx = np.floor(x / cell_x).astype("int64")
    cy = np.floor(y / cell_y).astype("int64")
    cx, cy = cx - cx.min() + 1, cy - cy.min() + 1
    width = int(cy.max()) + 2
    key = cx * width + cy
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]  # already sorted: its runs are the cells (no second sort in np.unique)
    start = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    cells_, count = sorted_key[start], np.diff(np.r_[start, len(key)])
    cell_of = np.repeat(np.arange(len(cells_)), count)  # the cell of each point, in key order
    firsts, seconds = [np.empty(0, dtype="int64")], [np.empty(0, dtype="int64")]
    # half the neighbourhood (the same cell, the next one up and the three on the right): the
    # other half gives the same pairs the other way round; one search per cell, not per point
    for step in (0, 1, width - 1, width, width + 1):
        target = cells_ + step
        at = np.minimum(np.searchsorted(cells_, target), len(cells_) - 1)
        found = cells_[at] == target
        count_near = np.where(found, count[at], 0)[cell_of]
        if not count_near.any():
            continue
        a = np.repeat(order, count_near)
        within = np.arange(len(a)) - np.repeat(np.cumsum(count_near) - count_near, count_near)
        b = order[np.repeat(start[at][cell_of], count_near) + within]
        firsts.extend([a, b] if step else [a])
        seconds.extend([b, a] if step else [b])
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    return a[a != b], b[a != b]


def _close_pairs(x: np.ndarray, y: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair ``(a, b)``, ``a != b``, of points at most ``distance`` apart (GEOS ``dwithin``).

    Candidates come from a grid of ``distance``-sized cells (two points that close lie in the
    same or adjacent cells); only they are tested, with :func:`shapely.dwithin` on the points.
    """
    a, b = _grid_pairs(x, y, distance, distance)
    involved, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    pts = shapely.points(x[involved], y[involved])
    within = shapely.dwithin(pts[inverse[: len(a)]], pts[inverse[len(a) :]], distance)
    return a[within], b[within]


def _near_pairs(lon: np.ndarray, lat: np.ndarray, to_m: Any, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs of points at most ``distance`` metres apart once projected with ``to_m`` (an
    azimuthal equidistant projection), ``a != b``.

    Its scale is at least 1 everywhere, so such points are at most ``distance`` apart on the
    ellipsoid: a grid of cells twice that size in degrees finds every candidate, and only the
    candidates are projected and tested (:func:`_close_pairs`).
    """
    if np.ptp(lon) > 180:  # across the antimeridian: degrees do not tell neighbours apart
        return _close_pairs(*to_m.transform(lon, lat), distance)
    cell_lat = 2 * distance / 110_000.0
    cell_lon = cell_lat / np.cos(np.radians(min(89.9, float(np.abs(lat).max()) + 0.01)))
    a, b = _grid_pairs(lon, lat, cell_lon, cell_lat)
    if not len(a):
        return a, b
    involved, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    x, y = to_m.transform(lon[involved], lat[involved])
    pa_, pb_ = _close_pairs(np.asarray(x), np.asarray(y), distance)
    return involved[pa_], involved[pb_]


def _duplicates(
    df: pd.DataFrame, geometry: np.ndarray, names: Any, source_rows: np.ndarray, to_m: Any
) -> tuple[np.ndarray, dict[int, Message]]:
    """Position of the first row each row duplicates (-1 if none) and the note to add, ``{row: note}``."""
    n = len(df)
    first = np.full(n, -1, dtype="int64")
    note: dict[int, Message] = {}
    if n == 0:
        return first, note
    content = [c for c in df.columns if c not in ("source_file", "source_row")]
    keys, nonblank = _exact_keys(df, content)
    _, first_of_key = np.unique(keys, return_index=True)
    first_pos = first_of_key[keys] if content else np.arange(n)
    exact = nonblank & (first_pos != np.arange(n))
    first[exact] = first_pos[exact]
    for r in np.flatnonzero(exact).tolist():
        note[r] = Message(N_("exact duplicate of row {row}"), row=source_rows[first_pos[r]])
    # near-duplicates: the same name (normalised) within DUPLICATE_DISTANCE_M; names are
    # normalised only for the rows that have a neighbour that close
    has = ~shapely.is_missing(geometry) & ~np.asarray(pd.isna(names), dtype=bool)
    if has.sum() > 1:
        idx = np.flatnonzero(has)
        a, b = _near_pairs(shapely.get_x(geometry[idx]), shapely.get_y(geometry[idx]), to_m, DUPLICATE_DISTANCE_M)
        i, j = idx[a], idx[b]
        close = (j < i) & ~exact[i]
        i, j = i[close], j[close]
        if len(i):
            involved = np.unique(np.concatenate([i, j]))
            named = np.asarray(names[involved], dtype=object)
            key = dict(zip(involved.tolist(), _memo(gazetteer.normalise_place, named), strict=True))
            keep = np.array([key[x] != "" and key[x] == key[y] for x, y in zip(i.tolist(), j.tolist(), strict=True)], dtype=bool)
            if keep.any():
                pairs = pd.DataFrame({"i": i[keep], "j": j[keep]}).groupby("i")["j"].min()
                for r, f in pairs.items():
                    first[r] = f
                    note[r] = Message(
                        N_("possible duplicate of row {row} (same name within {distance} m)"),
                        row=source_rows[f], distance=Number(DUPLICATE_DISTANCE_M, ".0f"),
                    )
    return first, note


# --------------------------------------------------------------------------------------------
# the resolver
# --------------------------------------------------------------------------------------------
@dataclass
class _Units:
    """The country's units as every step of the resolver needs them."""

    units_p: gpd.GeoDataFrame
    units_m: gpd.GeoDataFrame
    crs_m: str
    to_m: Any
    index: _AdminIndex
    label: Territory
    tol: float


@dataclass
class _Coords:
    """Coordinates as read from the rows, and the points they give (as given and swapped)."""

    lat: np.ndarray
    lon: np.ndarray
    lat_blank: np.ndarray
    lon_blank: np.ndarray
    both: np.ndarray
    null_island: np.ndarray
    projected: np.ndarray
    direct_ok: np.ndarray
    swap_ok: np.ndarray
    p_pts: np.ndarray
    q_pts: np.ndarray


@dataclass
class _Rows:
    """Per-row results the resolver's steps fill in."""

    n: int
    notes: _Notes
    flags: _Notes
    coord_notes: _Notes
    town_notes: _Notes
    unit_pos: np.ndarray
    conf: np.ndarray
    method: np.ndarray
    geometry: np.ndarray
    out_lat: np.ndarray | None = None
    out_lon: np.ndarray | None = None


def _prepare_frame(raw: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Copy ``raw`` with every schema field and source column present; return it and its source rows."""
    df = raw.reset_index(drop=True).copy()
    # the working copy carries no attrs: pandas deep-copies them into every column taken from
    # it, and the result takes ``raw.attrs`` itself (:func:`resolve_directory`)
    df.attrs = {}
    n = len(df)
    for name in schema.FIELD_NAMES:
        if name not in df.columns:
            df[name] = pd.Series([None] * n, dtype=object)
    if "source_file" not in df.columns:
        df["source_file"] = pd.Series([None] * n, dtype=object)
    if "source_row" not in df.columns:
        df["source_row"] = np.arange(2, n + 2)
    return df, df["source_row"].astype(object).to_numpy()


_LAT_ONLY = Message(N_("latitude given without longitude"))
_LON_ONLY = Message(N_("longitude given without latitude"))
_NULL_ISLAND = Message(N_("coordinates are 0, 0 ('null island', usually a blank GPS fix); not used"))
_PROJECTED = Message(
    N_("coordinates look like projected metres, not decimal degrees; convert them to EPSG:4326 longitude/latitude; not used")
)


def _read_coordinates(df: pd.DataFrame, coord_notes: _Notes) -> _Coords:
    """Parse latitude/longitude, note what is wrong with them, and build the given and swapped points."""
    lat_blank = cells.blank_cells(df["latitude"])
    lon_blank = cells.blank_cells(df["longitude"])
    lat, lat_prob = _parse_coordinates(df["latitude"], "latitude", blank=lat_blank)
    lon, lon_prob = _parse_coordinates(df["longitude"], "longitude", blank=lon_blank)
    for r in sorted(set(lat_prob) | set(lon_prob)):
        coord_notes[r].extend(p for p in (lat_prob.get(r), lon_prob.get(r)) if p)
    has_lat, has_lon = np.isfinite(lat), np.isfinite(lon)
    both = has_lat & has_lon
    for r in np.flatnonzero(has_lat & lon_blank):
        coord_notes[r].append(_LAT_ONLY)
    for r in np.flatnonzero(has_lon & lat_blank):
        coord_notes[r].append(_LON_ONLY)
    null_island = both & (lat == 0) & (lon == 0)
    # both beyond any degree value: a pair of projected metres (never quoted: it locates the site);
    # a single value out of its range is named with its field and range instead
    projected = both & (np.abs(lat) > 180) & (np.abs(lon) > 180)
    usable = both & ~null_island & ~projected
    direct_ok = usable & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    swap_ok = usable & (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    for r in np.flatnonzero(null_island):
        coord_notes[r].append(_NULL_ISLAND)
    for r in np.flatnonzero(projected):
        coord_notes[r].append(_PROJECTED)
    for r in np.flatnonzero(usable & ~direct_ok & ~swap_ok):
        coord_notes[r].append(Message(N_("{problems}; not used"), problems=i18n.in_turn(_out_of_range(lat[r], lon[r]))))
    # the point as given (P) and with latitude/longitude swapped (Q); None where not possible
    # the point as given (P); the swapped one (Q) is made where P falls in no unit
    p_pts = _points_where(lon, lat, direct_ok)
    q_pts = np.full(len(lat), None, dtype=object)
    return _Coords(
        lat=lat, lon=lon, lat_blank=lat_blank, lon_blank=lon_blank, both=both, null_island=null_island,
        projected=projected, direct_ok=direct_ok, swap_ok=swap_ok, p_pts=p_pts, q_pts=q_pts,
    )


def _place_by_coordinates(rows: _Rows, co: _Coords, admin_texts: tuple[list[str], list[str]], u: _Units) -> tuple:
    """Place rows by their point: as given, swapped, or nearest within tolerance; return the admin-1 results."""
    n = rows.n
    p_unit = assign_units(
        np.where(co.direct_ok, co.lon, np.nan), np.where(co.direct_ok, co.lat, np.nan), u.units_p, points=co.p_pts
    )
    q_try = co.swap_ok & (p_unit < 0)
    q_unit = np.full(n, -1, dtype="int64")
    if q_try.any():
        q_unit[q_try] = assign_units(co.lat[q_try], co.lon[q_try], u.units_p)
    co.q_pts = _points_where(co.lat, co.lon, q_try)
    rest = (p_unit < 0) & (q_unit < 0)
    # many points outside every unit: their distances from an index of boundary segments
    boundary = build_boundary_index(u.units_m) if rest.sum() >= _MANY_OUTSIDE else None
    p_near, p_dist = _nearest(np.where(rest, co.p_pts, None), u.units_m, u.to_m, boundary=boundary)
    # a point just outside, near the unit its own admin-1 code/name gives, goes to that unit
    admin = _resolve_admin_positions(*admin_texts, u.index)
    a_pos = admin[0]
    given_dist = np.full(n, np.inf)
    check = rest & co.direct_ok & (a_pos >= 0) & (a_pos != p_near)
    if check.any():
        idx = np.flatnonzero(check)
        pts_m = _projected_points(co.p_pts[idx], u.to_m)
        given_dist[idx] = shapely.distance(pts_m, u.units_m.geometry.to_numpy()[a_pos[idx]]) / 1000.0
    # the swapped point is measured only where neither the given point nor its named unit is near
    q_need = rest & ~(given_dist <= u.tol) & ~(p_dist <= u.tol)
    q_near, q_dist = _nearest(np.where(q_need, co.q_pts, None), u.units_m, u.to_m, boundary=boundary)

    rows.out_lat = np.where(co.both & ~co.projected & ~co.null_island, co.lat, np.nan)
    rows.out_lon = np.where(co.both & ~co.projected & ~co.null_island, co.lon, np.nan)
    inside = p_unit >= 0  # the point as given falls in a unit: most rows, placed at once
    rows.unit_pos[inside], rows.conf[inside], rows.geometry[inside] = p_unit[inside], 1.0, co.p_pts[inside]
    rows.method[inside] = "coordinates"
    swapped = Message(
        N_("warning: latitude and longitude look swapped (only the swapped point falls in {country}); placed after swapping"),
        country=u.label,
    )
    sw = ~inside & (q_unit >= 0)  # only the swapped point falls in a unit: placed as arrays
    rows.unit_pos[sw], rows.conf[sw], rows.method[sw], rows.geometry[sw] = q_unit[sw], _CONF_SWAPPED, "coordinates_swapped", co.q_pts[sw]
    rows.out_lat[sw], rows.out_lon[sw] = co.lon[sw], co.lat[sw]
    for r in np.flatnonzero(sw).tolist():
        rows.coord_notes[r].append(swapped)
    todo = ~inside & (q_unit < 0) & (co.direct_ok | co.swap_ok)
    _place_nearest(rows, co, u, todo, near=(p_near, p_dist, q_near, q_dist, given_dist, a_pos))
    return admin


def _place_nearest(rows: _Rows, co: _Coords, u: _Units, todo: np.ndarray, *, near: tuple) -> None:
    """Place the ``todo`` rows (outside every unit) in their admin-1 unit or the nearest one within tolerance, or say why not.

    Which of the four cases a row is in is decided as arrays; the loops only write the notes.
    """
    p_near, p_dist, q_near, q_dist, given_dist, a_pos = near
    tol, names = u.tol, u.index.names
    pd_all = np.where(np.isfinite(p_dist), p_dist, np.inf)
    qd_all = np.where(np.isfinite(q_dist), q_dist, np.inf)
    by_given = todo & (given_dist <= tol)
    by_p = todo & ~by_given & (pd_all <= tol)
    by_q = todo & ~by_given & ~by_p & (qd_all <= tol)
    for mask, pos in ((by_given, a_pos), (by_p, p_near)):
        rows.unit_pos[mask], rows.conf[mask], rows.method[mask], rows.geometry[mask] = (
            pos[mask], _CONF_NEAREST, "coordinates_nearest", co.p_pts[mask]
        )
    rows.unit_pos[by_q], rows.conf[by_q], rows.method[by_q], rows.geometry[by_q] = (
        q_near[by_q], _CONF_SWAPPED * _CONF_NEAREST, "coordinates_swapped", co.q_pts[by_q]
    )
    rows.out_lat[by_q], rows.out_lon[by_q] = co.lon[by_q], co.lat[by_q]
    for r in np.flatnonzero(by_given):
        rows.coord_notes[r].append(Message(
            N_("point is {distance} km outside every unit (coarse coastline or border); assigned to "
               "{unit}, the unit its admin-1 code/name gives (nearest is {nearest})"),
            distance=Number(given_dist[r], ".1f"), unit=names[a_pos[r]], nearest=names[p_near[r]],
        ))
    for r in np.flatnonzero(by_p):
        rows.coord_notes[r].append(Message(
            N_("point is {distance} km outside every unit (coarse coastline or border); assigned to the nearest, {unit}"),
            distance=Number(p_dist[r], ".1f"), unit=names[p_near[r]],
        ))
    for r in np.flatnonzero(by_q):
        rows.coord_notes[r].append(Message(
            N_("warning: latitude and longitude look swapped; the swapped point is {distance} km outside every unit, "
               "assigned to the nearest, {unit}"),
            distance=Number(q_dist[r], ".1f"), unit=names[q_near[r]],
        ))
    _not_placed_notes(rows, co, u, np.flatnonzero(todo & ~by_given & ~by_p & ~by_q), p_dist, q_dist)


def _not_placed_notes(rows: _Rows, co: _Coords, u: _Units, at: np.ndarray, p_dist: np.ndarray, q_dist: np.ndarray) -> None:
    """Say why each row ``at`` (its point outside every unit, beyond tolerance) is not used.

    The distances are taken as arrays; the loop only makes the notes (the tolerance and
    "far" parts are one object each, shared by the rows' immutable messages).
    """
    label = u.label
    nearest = np.minimum(np.where(np.isfinite(p_dist[at]), p_dist[at], np.inf), np.where(np.isfinite(q_dist[at]), q_dist[at], np.inf))
    known = np.isfinite(nearest)
    far_away, tolerance = Message(N_("far")), Number(u.tol, "g")
    for r, d, is_known, direct in zip(at.tolist(), nearest, known.tolist(), co.direct_ok[at].tolist(), strict=True):
        far = Message(N_("{distance} km"), distance=Number(d, ".0f")) if is_known else far_away
        if direct:
            rows.coord_notes[r].append(Message(
                N_("coordinates are outside {country} ({distance} from the nearest unit, tolerance {tolerance} km); not used"),
                country=label, distance=far, tolerance=tolerance,
            ))
        else:
            # only the swapped reading was a point, and it is not in the country either
            rows.coord_notes[r].append(Message(
                N_("{problems}; with latitude and longitude swapped the point is outside {country} "
                   "({distance} from the nearest unit); not used"),
                problems=i18n.in_turn(_out_of_range(co.lat[r], co.lon[r])), country=label, distance=far,
            ))


def _place_by_admin(rows: _Rows, admin: tuple, code_txt: list[str], name_txt: list[str], index: _AdminIndex) -> None:
    """Place unplaced rows by admin-1 code/name, and warn where it disagrees with the coordinates."""
    a_pos, a_conf, a_method, a_notes = admin
    unit_pos, coord_notes = rows.unit_pos, rows.coord_notes
    has_a_notes = np.fromiter(map(bool, a_notes), dtype=bool, count=rows.n)
    warned: dict[int, list[Message]] = {}  # the notes of one (code, name) pair are one list: said as warnings once
    placed = unit_pos >= 0
    # rows with something to say: the code/name disagrees or has notes (placed rows), or has notes
    todo = (placed & (((a_pos >= 0) & (a_pos != unit_pos)) | ((a_pos < 0) & has_a_notes))) | (~placed & has_a_notes)
    # rows not placed by coordinates go to the unit their code/name gives, as arrays
    take = ~placed & (a_pos >= 0)
    unit_pos[take], rows.conf[take] = a_pos[take], a_conf[take]
    rows.method[take] = np.asarray(a_method, dtype=object)[take]
    for r in np.flatnonzero(todo):
        if placed[r]:
            given = code_txt[r] or name_txt[r]
            if a_pos[r] >= 0 and a_pos[r] != unit_pos[r]:
                field = "admin1_code" if code_txt[r] else "admin1_name"
                coord_notes[r].append(Message(
                    N_("warning: coordinates fall in {unit} but {field} {value} points to {other}; placed by coordinates"),
                    unit=index.names[unit_pos[r]], field=field, value=_quote(given), other=index.names[a_pos[r]],
                ))
            elif a_pos[r] < 0 and a_notes[r]:
                said = warned.get(id(a_notes[r]))
                if said is None:
                    said = warned[id(a_notes[r])] = [_warning(x) for x in a_notes[r]]
                coord_notes[r].extend(said)
        else:
            coord_notes[r].extend(a_notes[r])


def _warning(note: Message) -> Message:
    """``note`` said as a warning (the row is placed anyway)."""
    return Message(N_("warning: {note}"), note=note)


def _search_towns(need_towns: set[str], country: str, u: _Units) -> dict[str, tuple[int, float, Message]]:
    """Look each town up in the gazetteer once: ``{town: (unit position or -1, confidence, note)}``."""
    memo: dict[str, tuple[int, float, Message]] = {}
    pts_by_town: dict[str, Any] = {}
    try:
        results = gazetteer.best_towns(sorted(need_towns), country, limit=5)
    except ValueError as exc:
        return {t: (-1, 0.0, Message(N_("town: {value} could not be searched ({error})"), value=_quote(t), error=str(exc))) for t in need_towns}
    for t in need_towns:
        best = results[t]
        if best is None or best[3] < TOWN_CUTOFF:
            memo[t] = (-1, 0.0, Message(N_("town: {value} not found in the GeoNames gazetteer"), value=_quote(t)))
            continue
        name, lat, lon, score, ties = best
        gname = Message(N_("{place}; {ties} places match equally, took the most populous"), place=name, ties=ties) if ties > 1 else name
        pts_by_town[t] = (shapely.Point(lon, lat), score, gname)
    if pts_by_town:
        keys = list(pts_by_town)
        pts = np.array([pts_by_town[k][0] for k in keys], dtype=object)
        where = _locate(pts, u.units_p)
        near, dist = _nearest(np.where(where < 0, pts, None), u.units_m, u.to_m)
        for k, w, nr, d in zip(keys, where, near, dist, strict=True):
            _, score, gname = pts_by_town[k]
            if w < 0 and np.isfinite(d) and d <= u.tol:
                w = nr
            if w < 0:
                memo[k] = (-1, 0.0, Message(N_("town: {value} (GeoNames: {place}) lies outside {country}"), value=_quote(k), place=gname, country=u.label))
            else:
                note = Message(N_("placed by town {value} (GeoNames: {place}; score {score})"), value=_quote(k), place=gname, score=Number(score, ".0f"))
                memo[k] = (int(w), round(score / 100.0, 3), note)
    return memo


def _place_by_town(rows: _Rows, towns: list[str], u: _Units, *, country: str, use_gazetteer: bool) -> None:
    """Place rows still unplaced that name a town through the GeoNames gazetteer."""
    need_at = np.flatnonzero((rows.unit_pos < 0) & (np.asarray(towns, dtype=object) != ""))
    need = need_at.tolist()
    if need and use_gazetteer:
        memo = _search_towns({towns[r] for r in need}, country, u)
        found = [memo[towns[r]] for r in need]  # (unit position or -1, confidence, note) per row
        w = np.fromiter((x[0] for x in found), dtype="int64", count=len(found))
        ok = w >= 0
        rows.unit_pos[need_at[ok]] = w[ok]
        rows.conf[need_at[ok]] = np.fromiter((x[1] for x in found), dtype="float64", count=len(found))[ok]
        rows.method[need_at[ok]] = "town"
        for r, x in zip(need, found, strict=True):
            rows.town_notes[r].append(x[2])
    elif need:
        for r in need:
            rows.town_notes[r].append(Message(N_("town: {value} given but the gazetteer is switched off"), value=_quote(towns[r])))


_NATIONAL_FLAG = Message(N_("national: covers the whole country, not one unit"))
_NOT_PLACED = Message(N_("could not be placed in a unit"))


def _flag_unplaced(rows: _Rows, co: _Coords, towns: list[str], code_txt: list[str], name_txt: list[str]) -> np.ndarray:
    """Give each row left without a unit the reason it is flagged; return the placed mask."""
    placed_unit = rows.unit_pos >= 0
    for r in np.flatnonzero(~placed_unit):
        if not (towns[r] or code_txt[r] or name_txt[r] or not co.lat_blank[r] or not co.lon_blank[r]):
            rows.flags[r].append(_NO_LOCATION)
        else:
            national = any(NATIONAL_NOTE in x for x in rows.coord_notes[r])
            rows.flags[r].append(_NATIONAL_FLAG if national else _NOT_PLACED)
    return placed_unit


def _reasons(rows: _Rows, placed_unit: np.ndarray, dup_note: dict[int, Message]) -> tuple[Any, np.ndarray]:
    """Each row's reason text (a ``str`` array) and notes: its flag first, then coordinate, town, field and duplicate notes.

    An unplaced row's last flag leads; every note is said once (the first time it comes). Only
    the rows with a note are visited; the texts are spread over the rest ("") in Arrow.
    """
    flags, coord_notes, town_notes, notes = rows.flags, rows.coord_notes, rows.town_notes, rows.notes
    said_notes = np.empty(rows.n, dtype=object)
    said_notes.fill(())  # one empty tuple per row without numpy reading a list of tuples as a table
    said = {r for d in (flags, coord_notes, town_notes, notes) for r, x in d.items() if x}
    said.update(r for r, d in dup_note.items() if d)
    said_rows = sorted(said)
    texts = [""]
    placed = placed_unit.tolist()
    none: list = []
    for r in said_rows:
        f = flags.get(r, none)  # .get: no empty list added per row
        parts = [*(none if placed[r] else f[-1:]), *f, *coord_notes.get(r, none), *town_notes.get(r, none), *notes.get(r, none)]
        d = dup_note.get(r)
        if d:
            parts.append(d)
        unique = (parts[0],) if len(parts) == 1 else tuple(dict.fromkeys(parts))
        texts.append("; ".join(unique))
        said_notes[r] = unique
    at = np.zeros(rows.n, dtype="int64")  # position in ``texts``: 0 ("") for the rows without a note
    at[said_rows] = np.arange(1, len(texts))
    reasons = pa.array(texts, type=pa.large_string()).take(pa.array(at))
    return pd.array(reasons, dtype="str"), said_notes


def _assemble(
    rows: _Rows,
    df: pd.DataFrame,
    typed: dict[str, Any],
    *,
    placed_unit: np.ndarray,
    index: _AdminIndex,
    source_rows: np.ndarray,
    dup: tuple,
) -> gpd.GeoDataFrame:
    """Build the output frame: typed fields, placement columns, carried-through columns and geometry."""
    dup_first, dup_note = dup
    reasons, said_notes = _reasons(rows, placed_unit, dup_note)
    safe_pos = np.where(placed_unit, rows.unit_pos, 0)
    out: dict[str, Any] = {}
    for name in schema.FIELD_NAMES:
        if name == "latitude":
            out[name] = rows.out_lat
        elif name == "longitude":
            out[name] = rows.out_lon
        elif name in ("admin1_code", "admin1_name"):
            src = index.codes if name == "admin1_code" else index.names
            out[name] = _str_take(src, np.where(placed_unit, safe_pos, -1))
        else:
            out[name] = typed[name]
    out["source_file"] = df["source_file"].to_numpy()
    out["source_row"] = df["source_row"].to_numpy()
    method_codes, method_values = pd.factorize(rows.method, use_na_sentinel=True)
    out["location_method"] = _str_take(np.asarray(method_values, dtype=object), method_codes)
    out["confidence"] = np.round(rows.conf, 3)
    out["status"] = _str_take(np.array([schema.STATUS_FLAGGED, schema.STATUS_PLACED], dtype=object), placed_unit.astype("int64"))
    out["reason"] = reasons
    out[REASON_NOTES] = said_notes
    out["duplicate_of"] = _duplicate_of(dup_first, df["source_row"], source_rows)
    extra = [c for c in df.columns if c not in out and c != "geometry"]
    # every array in ``out`` was made by this call: only the read-only views (of ``df``) are copied
    frame = pd.DataFrame({k: v.copy() if isinstance(v, np.ndarray) and not v.flags.writeable else v for k, v in out.items()}, copy=False)
    for c in extra:
        frame[c] = df[c].to_numpy()
    frame["geometry"] = gpd.array.from_shapely(rows.geometry, crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326", copy=False)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector; resume it after, if it was running.

    A 100,000-row directory makes some 400,000 objects that live on (a list per list cell, a
    Point per located row): every few thousand of them set off a full collection that walks
    them all again, a third of the resolver's time. Reference counting still frees everything
    at once; a cycle made meanwhile waits for the next collection. When two resolutions overlap
    (threads), the one that paused the collector resumes it, the other leaves it as it is.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


@_collector_paused()
def resolve_directory(
    raw: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    country: str,
    tolerance_km: float = TOLERANCE_KM,
    use_gazetteer: bool = True,
    categories: dict[str, str] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> gpd.GeoDataFrame:
    """Place every directory row in an admin-1 unit or flag it, with the reason.

    Parameters
    ----------
    raw
        Output of :func:`geomap.directory.readers.read_directory`: schema field columns holding
        raw cell values (missing columns are treated as blank), plus ``source_file`` and
        ``source_row``. Other columns are carried through unchanged.
    units
        Admin-1 units of the country (:func:`geomap.boundaries.load_boundaries`); a world layer
        is filtered to ``country``.
    country
        ISO3/ISO2 code or English name of the directory's country.
    tolerance_km
        A point at most this far outside every unit (coarse coastlines cut off harbour cities)
        is assigned to the nearest unit; farther out it is not used.
    use_gazetteer
        Place rows that only have a town through the offline GeoNames gazetteer.
    categories
        The user's ``{raw category: code}`` mapping (:func:`geomap.directory.schema.check_category_mapping`);
        categories neither it nor the vocabulary knows are kept verbatim, with a warning, and
        counted in ``attrs["unknown_categories"]``. They never flag a row.
    progress
        Called as ``progress(fraction, stage)`` before each step (``fraction`` from 0 to 1,
        ``stage`` one of :data:`PROGRESS_STAGES`) and once with ``(1.0, "done")``, so a page
        can show how far a big directory has got.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows, same order, index reset: every schema field typed (lists as Python lists,
        ``boolean``/``Int64`` nullable dtypes, dates as :class:`datetime.date`), plus
        ``source_file``, ``source_row``, ``location_method``, ``confidence``, ``status``,
        ``reason``, ``duplicate_of`` and ``geometry`` (EPSG:4326).
    """
    if not isinstance(raw, pd.DataFrame):
        msg = f"raw must be a pandas DataFrame from read_directory, got {type(raw).__name__}"
        raise TypeError(msg)
    if tolerance_km < 0:
        msg = f"tolerance_km must be >= 0, got {tolerance_km!r}"
        raise ValueError(msg)
    units_p = _prepare_units(units, country)
    index = _AdminIndex(units_p, country=country)
    label = _country_label(country, units_p)
    crs_m = _aeqd(units_p)
    to_m = _to_metres(crs_m)
    u = _Units(
        units_p=units_p, units_m=_units_in_metres(units_p, crs_m, to_m), crs_m=crs_m, to_m=to_m, index=index, label=label,
        tol=float(tolerance_km),
    )

    say = progress or (lambda _fraction, _stage: None)
    say(0.0, "fields")
    df, source_rows = _prepare_frame(raw)
    n = len(df)
    rows = _Rows(
        n=n,
        notes=defaultdict(list),  # warnings, {row: [text]}
        flags=defaultdict(list),  # why an unplaced row could not be placed
        coord_notes=defaultdict(list),
        town_notes=defaultdict(list),
        unit_pos=np.full(n, -1, dtype="int64"),
        conf=np.zeros(n),
        method=np.full(n, None, dtype=object),
        geometry=np.full(n, None, dtype=object),
    )
    typed, unknown_categories = _typed_fields(df, rows.notes, categories=schema.check_category_mapping(categories))

    say(0.3, "place")
    code_txt = _texts(df["admin1_code"])  # admin-1 code and name, trimmed
    name_txt = _texts(df["admin1_name"])
    co = _read_coordinates(df, rows.coord_notes)  # (a) coordinates
    admin = _place_by_coordinates(rows, co, (code_txt, name_txt), u)
    _place_by_admin(rows, admin, code_txt, name_txt, index)  # (b, c) admin-1 code and name
    towns = _texts(df["town"])  # (d) town
    say(0.6, "towns")
    _place_by_town(rows, towns, u, country=country, use_gazetteer=use_gazetteer)
    placed_unit = _flag_unplaced(rows, co, towns, code_txt, name_txt)

    say(0.75, "duplicates")
    dup = _duplicates(df, rows.geometry, typed["name"], source_rows, u.to_m)
    result = _assemble(rows, df, typed, placed_unit=placed_unit, index=index, source_rows=source_rows, dup=dup)
    result.attrs.update({k: v for k, v in raw.attrs.items() if isinstance(k, str)})
    result.attrs["country"] = country
    result.attrs["tolerance_km"] = u.tol
    result.attrs["unknown_categories"] = unknown_categories
    result.attrs["warnings"] = list(result.attrs.get("warnings") or []) + _pcode_warning(code_txt, rows.method, index)
    result.attrs["category_mapping"] = dict(categories or {})
    say(1.0, "done")
    return result


def _pcode_warning(codes: list[str], method: list[str | None], index: _AdminIndex) -> list[Message]:
    """One file-level warning for rows placed by name whose p-codes this layer does not carry."""
    if index.pcodes:
        return []
    by_name = [codes[r] for r in np.flatnonzero(np.asarray(method, dtype=object) == "admin_name")]
    pcode = {c: re.fullmatch(r"[A-Za-z]{2,3}\d+", c) is not None for c in set(by_name)}  # each distinct code once
    hits = [c for c in by_name if pcode[c]]
    if not hits:
        return []
    return [Message(
        N_("admin1_code: {n} rows carry p-codes (e.g. {example}) that this boundary layer does not use "
           "(its codes look like {code}); they were placed by admin1_name. Bring the matching COD "
           "boundaries to place them by p-code."),
        n=Number(len(hits), ","), example=repr(hits[0]), code=repr(index.example_code),
    )]


def _str_take(values: np.ndarray, codes: np.ndarray) -> Any:
    """``pd.array([values[c] if c >= 0 else None for c in codes], dtype="str")``, taken in Arrow."""
    dictionary = pa.array(list(values), type=pa.large_string())
    taken = dictionary.take(pa.array(codes, mask=codes < 0)) if len(values) else pa.nulls(len(codes), pa.large_string())
    return pd.array(taken, dtype="str")


def _duplicate_of(first: np.ndarray, column: pd.Series, source_rows: np.ndarray) -> Any:
    """``source_row`` of the row each row duplicates (NA if none): ``Int64`` when rows are whole numbers."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        values = column.to_numpy(dtype="int64")
        return pd.arrays.IntegerArray(values[np.maximum(first, 0)], first < 0)
    if _int_like(source_rows):
        return pd.array([source_rows[f] if f >= 0 else None for f in first], dtype="Int64")
    return np.array([source_rows[f] if f >= 0 else None for f in first], dtype=object)


def _int_like(values: np.ndarray) -> bool:
    try:
        arr = pd.to_numeric(pd.Series(values, dtype=object), errors="raise")
    except (ValueError, TypeError):
        return False
    return bool(((arr.dropna() % 1) == 0).all())


def reason_texts(resolved: pd.DataFrame, *, lang: str | None = None) -> pd.Series:
    """Each row's reason for people, in ``lang`` (default: the current language).

    The notes of :data:`REASON_NOTES` are translated at display time (the resolved directory is
    cached and shared, so it holds no language) and joined with the language's semicolon; a row
    without them (a table not made by :func:`resolve_directory`) keeps its ``reason`` text.
    English gives exactly the ``reason`` column.

    Parameters
    ----------
    resolved
        Output of :func:`resolve_directory`, or a view of it (:mod:`geomap.directory.privacy`).
    lang
        A language of :data:`geomap.i18n.LANGUAGES`.

    Returns
    -------
    pandas.Series
        Text (empty where a row has nothing to say), indexed like ``resolved``.
    """
    t = i18n.current() if lang is None else i18n.translator(lang)
    text = resolved["reason"].astype(object) if "reason" in resolved.columns else pd.Series([None] * len(resolved), index=resolved.index)
    text = text.map(lambda v: "" if _blank(v) else str(v))
    if t.lang == "en" or REASON_NOTES not in resolved.columns:
        return text
    notes = resolved[REASON_NOTES].to_numpy(dtype=object)
    rendered = [t.join(n, "; ") if isinstance(n, tuple) and n else s for n, s in zip(notes, text.tolist())]
    return pd.Series(rendered, index=resolved.index, dtype=object)


def row_accounting(resolved: pd.DataFrame) -> dict[str, Any]:
    """Count rows by status and placement method.

    Parameters
    ----------
    resolved
        Output of :func:`resolve_directory`.

    Returns
    -------
    dict
        ``total``, ``placed``, ``flagged`` (``placed + flagged == total``), ``by_method``
        (placed rows per ``location_method``), ``flagged_unplaced`` (flagged rows with no
        unit at all), ``placed_with_warnings`` (placed rows whose reason is not empty: they
        need a look), ``duplicates`` (rows marked ``duplicate_of``), ``units`` (distinct units
        with a placed row) and ``unknown_categories`` (``{category as written: rows}``).

    Raises
    ------
    ValueError
        If a row has a status other than placed/flagged (the table was not produced by
        :func:`resolve_directory`).
    """
    status = resolved["status"].astype(object)
    bad = ~status.isin([schema.STATUS_PLACED, schema.STATUS_FLAGGED])
    if bad.any():
        first = resolved.loc[bad].index[0]
        msg = f"row {first}: status {status.loc[first]!r} is neither {schema.STATUS_PLACED!r} nor {schema.STATUS_FLAGGED!r}"
        raise ValueError(msg)
    placed = status == schema.STATUS_PLACED
    methods = resolved["location_method"].astype(object)
    by_method = {str(k): int(v) for k, v in methods[placed].value_counts().items()}
    reasons = resolved["reason"].astype(object) if "reason" in resolved.columns else pd.Series([None] * len(resolved), dtype=object)
    warned = placed & reasons.map(lambda v: not _blank(v)).astype(bool)
    dups = resolved["duplicate_of"].notna() if "duplicate_of" in resolved.columns else pd.Series(False, index=resolved.index)
    units = resolved.loc[placed, "admin1_code"].astype(object) if "admin1_code" in resolved.columns else pd.Series([], dtype=object)
    return {
        "total": len(resolved),
        "placed": int(placed.sum()),
        "flagged": int((~placed).sum()),
        "by_method": by_method,
        "flagged_unplaced": int(((~placed) & methods.isna()).sum()),
        "placed_with_warnings": int(warned.sum()),
        "duplicates": int(dups.sum()),
        "units": int(units.dropna().nunique()),
        "unknown_categories": dict(resolved.attrs.get("unknown_categories") or {}),
    }
