"""Census denominators per admin-1 unit.

Bundled tables live in ``data/population/*.csv`` (columns ``iso_3166_2, name, population,
year, source``; one file per country, copied unchanged from the project's reference folder).
Today: Nigeria (2006 census) and Mexico (2020 census). A user can bring a unit-population CSV
(e.g. an OCHA COD-PS table) with :func:`read_population`.

Unknown population is ``NaN``, never ``0``: a per-capita figure must not divide by a false zero.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap import boundaries as _b
from geomap.i18n import N_, Message, Number
from geomap.io.sources import display_name, read_source
from geomap.io.text import decode

__all__ = [
    "POPULATION_DIR",
    "attach_population",
    "available_countries",
    "load_population",
    "read_population",
    "unit_populations",
]

#: Folder of the bundled census tables.
POPULATION_DIR = Path(__file__).resolve().parents[1] / "data" / "population"
_COLUMNS = ["code", "name", "population", "year", "source"]
#: An overlap match is trusted for a population join only above this area share.
MIN_OVERLAP_SHARE = 0.8

_CODE_COLS = [
    "iso_3166_2",
    "ADM1_PCODE",
    "ADM2_PCODE",
    "admin1Pcod",
    "admin2Pcod",
    "admin1Pcode",
    "code",
    "pcode",
    "GID_1",
    "GID_2",
    "shapeISO",
    "shapeID",
    "adm1_pcode",
    "adm1_code",
    "state_code",
    "cve_geo",
    "cvegeo",
    "cve_ent",
]
_NAME_COLS = [
    "name",
    "ADM1_NAME",
    "ADM1_EN",
    "ADM2_NAME",
    "ADM2_EN",
    "admin1Name",
    "admin2Name",
    "NAME_1",
    "NAME_2",
    "shapeName",
    "state",
    "province",
    "region",
    "unit",
    "nombre_estado",
    "nom_ent",
    "nomgeo",
    "adm1_name",
]
_POP_COLS = [
    "population",
    "T_TL",
    "pop",
    "total_population",
    "population_total",
    "pop_total",
    "total",
    "poblacion",
    "pobtot",
    "population_count",
]
_YEAR_COLS = ["year", "reference_year", "census_year", "anio", "año"]


@lru_cache(maxsize=1)
def _bundled_index() -> dict[str, Path]:
    index: dict[str, Path] = {}
    for path in sorted(POPULATION_DIR.glob("*.csv")):
        head = pd.read_csv(path, nrows=1, dtype=str, encoding="utf-8-sig")
        code = str(head["iso_3166_2"].iloc[0])
        index[_b.resolve_country(code.split("-")[0])] = path
    return index


def available_countries() -> list[str]:
    """ISO3 codes of the countries with a bundled census table."""
    return sorted(_bundled_index())


@lru_cache(maxsize=16)
def _load(iso3: str) -> pd.DataFrame:
    path = _bundled_index()[iso3]
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    df = pd.DataFrame(
        {
            "code": raw["iso_3166_2"].map(_b.normalise_code),
            "name": raw["name"].str.strip(),
            "population": pd.to_numeric(raw["population"], errors="raise").astype(float),
            "year": pd.to_numeric(raw["year"], errors="raise").astype("Int64"),
            "source": raw["source"].str.strip(),
        }
    )
    df.attrs = {"file": path.name, "country": iso3}
    return df


def load_population(country: str) -> pd.DataFrame:
    """Bundled census table of one country.

    Parameters
    ----------
    country
        ISO3, alpha-2 or English name.

    Returns
    -------
    pandas.DataFrame
        ``code`` (ISO 3166-2 as used today, ``MX-DIF`` read as ``MX-CMX``), ``name``,
        ``population`` (float), ``year`` (Int64), ``source``. Empty (same columns) for a
        country without a bundled table.
    """
    iso3 = _b.resolve_country(country)
    if iso3 not in _bundled_index():
        empty = pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in zip(_COLUMNS, ["str", "str", "float", "Int64", "str"])}
        )
        empty.attrs = {"file": "", "country": iso3}
        return empty
    return _load(iso3).copy()


def _fold(text: Any) -> str:
    return _b._fold(text)


def attach_population(
    units: gpd.GeoDataFrame,
    *,
    table: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Add ``population``, ``population_year`` and ``population_source`` to a unit layer.

    Units are matched to the census table by code (:func:`geomap.boundaries.normalise_code`,
    also the bundled ``ne_code``), then by unique name; brought units that still have no match
    are matched through :func:`geomap.boundaries.crosswalk` to the bundled layer (code, name,
    or an area overlap of at least :data:`MIN_OVERLAP_SHARE`).

    Parameters
    ----------
    units
        Units with ``code``, ``name``, ``country`` (and ``geometry``).
    table
        A population table (:func:`read_population` or :func:`load_population`); default: the
        bundled table of each country in ``units``.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``population`` (float, NaN where unknown, never 0), ``population_year``
        (Int64) and ``population_source`` (str, empty where unknown). ``attrs`` gain
        ``population_matched`` (count) and ``population_methods`` (method -> count).
    """
    out = units.copy()
    n = len(out)
    pop = np.full(n, np.nan)
    year = pd.array([pd.NA] * n, dtype="Int64")
    src = np.array([""] * n, dtype=object)
    methods: dict[str, int] = {}
    countries = out["country"].astype(str) if "country" in out else pd.Series([""] * n, index=out.index)
    for iso3 in sorted(set(countries)):
        tab = table if table is not None else (load_population(iso3) if iso3 else None)
        if tab is None or tab.empty:
            continue
        tab = tab.reset_index(drop=True)
        rows = np.flatnonzero((countries == iso3).to_numpy())
        hit, how = _match_units(out.iloc[rows], tab, iso3)
        for k, j in enumerate(hit):
            if j >= 0 and _copy_figure(tab, j, rows[k], pop, year, src):
                methods[how[k]] = methods.get(how[k], 0) + 1
    out["population"] = pop
    out["population_year"] = year
    out["population_source"] = pd.Series(src, index=out.index, dtype="str")
    out.attrs = dict(units.attrs)
    out.attrs["population_matched"] = int(np.isfinite(pop).sum())
    out.attrs["population_methods"] = methods
    return out


def _match_units(sub: pd.DataFrame, tab: pd.DataFrame, iso3: str) -> tuple[np.ndarray, np.ndarray]:
    """For each unit of one country, the matching table row (-1 for none) and how it matched.

    By code first, then by a name unique in the table, then (brought units only) through the
    crosswalk to the bundled layer. A table row matches at most one unit by name or crosswalk.
    """
    by_code = {c: i for i, c in enumerate(tab["code"].map(_b.normalise_code)) if c}
    hit = np.full(len(sub), -1)
    how = np.array(["none"] * len(sub), dtype=object)
    _match_by_code(sub, by_code, iso3, hit, how)
    used = set(hit[hit >= 0].tolist())
    _match_by_name(sub, tab, hit, how, used)
    left = np.flatnonzero(hit < 0)
    if len(left) and iso3 and "geometry" in sub and "ne_code" not in sub:
        _match_by_crosswalk(sub, left, by_code=by_code, iso3=iso3, hit=hit, how=how, used=used)
    return hit, how


def _match_by_code(sub: pd.DataFrame, by_code: dict[str, int], iso3: str, hit: np.ndarray, how: np.ndarray) -> None:
    for k, (_, row) in enumerate(sub.iterrows()):
        for col in ("code", "ne_code"):
            if col in row and row[col]:
                j = by_code.get(_b.normalise_code(row[col], country=iso3 or None), -1)
                if j >= 0:
                    hit[k], how[k] = j, "code"
                    break


def _match_by_name(sub: pd.DataFrame, tab: pd.DataFrame, hit: np.ndarray, how: np.ndarray, used: set[int]) -> None:
    names = tab["name"].map(_fold)
    by_name = {k: i for k, i in zip(names, range(len(tab))) if k and (names == k).sum() == 1}
    for k in np.flatnonzero(hit < 0):
        j = by_name.get(_fold(sub["name"].iloc[k]) if "name" in sub else "", -1)
        if j >= 0 and j not in used:
            hit[k], how[k] = j, "name"
            used.add(j)


def _match_by_crosswalk(
    sub: pd.DataFrame,
    left: np.ndarray,
    *,
    by_code: dict[str, int],
    iso3: str,
    hit: np.ndarray,
    how: np.ndarray,
    used: set[int],
) -> None:
    try:
        bundled = _b.load_boundaries(iso3)
    except ValueError:
        return
    if not len(bundled):
        return
    cw = _b.crosswalk(sub.iloc[left], bundled)
    ok = cw["method"].isin(["code", "name"]) | ((cw["method"] == "overlap") & (cw["share"] >= MIN_OVERLAP_SHARE))
    counts = cw.loc[ok, "bundled_code"].value_counts()
    for k, (good, code) in zip(left, zip(ok, cw["bundled_code"])):
        j = by_code.get(_b.normalise_code(code), -1)
        if good and counts.get(code, 0) == 1 and j >= 0 and j not in used:
            hit[k], how[k] = j, "crosswalk"
            used.add(j)


def _copy_figure(tab: pd.DataFrame, j: int, r: int, pop: np.ndarray, year: Any, src: np.ndarray) -> bool:
    """Copy table row ``j``'s figure into unit ``r``; ``False`` when it is no usable population."""
    value = float(tab["population"].iloc[j])
    if not np.isfinite(value) or value <= 0:
        return False
    pop[r] = value
    if "year" in tab and pd.notna(tab["year"].iloc[j]):
        year[r] = int(tab["year"].iloc[j])
    src[r] = str(tab["source"].iloc[j]) if "source" in tab else ""
    return True


def unit_populations(units: gpd.GeoDataFrame, source: Any, *, filename: str | None = None) -> gpd.GeoDataFrame:
    """``units`` with the populations of a user's table replacing the census figures.

    The table is read by :func:`read_population` (numbers, encodings, HXL row, XLSX checked)
    and attached by :func:`attach_population`; the app and the CLI use this for a brought
    population table. The table's notes (messages) are kept in ``attrs["population_notes"]``.

    Raises
    ------
    ValueError
        Anything :func:`read_population` refuses, or a table row whose unit is not in ``units``
        (naming the row, counting the header as row 1, and the code or name).
    """
    table = read_population(source, filename=filename)
    attached = attach_population(units, table=table)
    _refuse_unknown_units(table, units)
    attached.attrs["population_notes"] = list(table.attrs.get("notes", ()))  # messages, said where shown
    return attached


def _refuse_unknown_units(table: pd.DataFrame, units: pd.DataFrame) -> None:
    codes = {_b.normalise_code(c) for c in units["code"].astype(str)}
    names = {_fold(n) for n in units["name"].astype(str)} if "name" in units.columns else set()
    for i, (code, name) in enumerate(zip(table["code"], table["name"])):
        if (code and _b.normalise_code(code) in codes) or (name and _fold(name) in names):
            continue
        given = code or name
        msg = Message(
            N_("{file}, row {row}: unit {unit} is not in the boundaries; valid codes include {codes}"),
            file=table.attrs.get("file") or Message(N_("population table")), row=i + 2, unit=repr(given),
            codes=tuple(list(units["code"].astype(str))[:5]),
        )
        raise ValueError(msg)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(text).casefold())


def _pick(columns: list[str], candidates: list[str], *, suffixes: tuple[str, ...] = ()) -> str | None:
    """The first column matching a candidate (ignoring case, spaces and punctuation)."""
    folded = {}
    for c in columns:
        folded.setdefault(_key(c), c)
    for cand in candidates:
        if _key(cand) in folded:
            return folded[_key(cand)]
    for key, col in folded.items():
        if suffixes and key.endswith(suffixes):
            return col
    return None


def _read_table(source: Any, filename: str | None) -> tuple[pd.DataFrame, str, str]:
    """The table of a population file: bytes from :func:`geomap.io.sources.read_source` (size
    limit checked first), text from :func:`geomap.io.text.decode`."""
    data = read_source(source, filename=filename, what="population file")
    label = display_name(source, filename, default="upload.csv")
    if Path(label).suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(io.BytesIO(data), dtype=str), label, "xlsx"
    text, encoding, _lines = decode(data, label, [])
    df = pd.read_csv(io.StringIO(text), dtype=str, sep=None, engine="python", keep_default_na=False)
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if len(df) and str(df.iloc[0, 0]).startswith("#"):
        df = df.iloc[1:].reset_index(drop=True)  # HXL hashtag row
    return df, label, encoding


def _title(name: str) -> str:
    if name.isupper():
        return re.sub(r"[A-Za-z]+('[A-Za-z]+)?", lambda m: m.group(0).capitalize(), name.lower())
    return name


def read_population(source: Any, *, filename: str | None = None) -> pd.DataFrame:
    """Read a user's unit-population table (CSV or XLSX).

    Detects the code column (``ADM1_PCODE``, ``admin1Pcod``, ``iso_3166_2``, ``code``…), the
    name column (``ADM1_NAME``, ``ADM1_EN``, ``name``…) and the population column (``T_TL``,
    ``population``, ``pop``, ``total``…); handles a UTF-8 BOM, other encodings, thousands
    separators, an HXL hashtag row and UPPER-CASE names (shown in title case).

    Returns
    -------
    pandas.DataFrame
        ``code`` (normalised: ``NGA008`` -> ``NG008``), ``name``, ``population`` (float; NaN
        for empty or zero cells), ``year`` (Int64, NA without a year column), ``source`` (the
        file name). ``attrs``: ``file``, ``encoding``, ``code_col``, ``name_col``,
        ``population_col``, ``notes``.

    Raises
    ------
    ValueError
        No population column, or a cell that is not a number (the message names the row,
        counting the header as row 1, and the value).
    """
    df, label, encoding = _read_table(source, filename)
    cols = list(df.columns)
    code_c = _pick(cols, _CODE_COLS, suffixes=("pcode", "pcod", "isocode"))
    name_c = _pick([c for c in cols if c != code_c], _NAME_COLS, suffixes=("name", "nom", "nombre"))
    pop_c = _pick(cols, _POP_COLS)
    year_c = _pick(cols, _YEAR_COLS)
    if pop_c is None:
        msg = Message(
            N_("{file}: no population column found (looked for {names}); columns are: {columns}"),
            file=label, names=tuple(_POP_COLS), columns=tuple(map(str, cols)),
        )
        raise ValueError(msg)
    if code_c is None and name_c is None:
        msg = Message(N_("{file}: no unit code or name column found; columns are: {columns}"), file=label, columns=tuple(map(str, cols)))
        raise ValueError(msg)
    notes: list[Message] = []
    cleaned = df[pop_c].astype(str).str.replace(r"[\s,\u00a0\u202f']", "", regex=True)
    values = pd.to_numeric(cleaned.replace("", np.nan), errors="coerce")
    bad = values.isna() & cleaned.ne("") & cleaned.ne("nan")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = Message(N_("{file}: row {row}, column {column}: {value} is not a number"),
                      file=label, row=i + 2, column=repr(pop_c), value=repr(df[pop_c].iloc[i]))
        raise ValueError(msg)
    if (values < 0).any():
        i = int(np.flatnonzero((values < 0).to_numpy())[0])
        msg = Message(N_("{file}: row {row}, column {column}: negative population {value}"),
                      file=label, row=i + 2, column=repr(pop_c), value=repr(df[pop_c].iloc[i]))
        raise ValueError(msg)
    zero = values == 0
    if zero.any():
        notes.append(Message.ngettext("{n} zero population read as unknown (NaN)", "{n} zero populations read as unknown (NaN)",
                                      int(zero.sum()), n=Number(int(zero.sum()))))
    names = df[name_c].astype(str).str.strip().map(_title) if name_c else pd.Series([""] * len(df))
    codes = df[code_c].map(_b.normalise_code) if code_c else pd.Series([""] * len(df))
    out = pd.DataFrame(
        {
            "code": codes.astype("str").to_numpy(),
            "name": names.astype("str").to_numpy(),
            "population": values.where(~zero).astype(float).to_numpy(),
            "year": (
                pd.to_numeric(df[year_c], errors="coerce").astype("Int64").to_numpy()
                if year_c
                else pd.array([pd.NA] * len(df), dtype="Int64")
            ),
            "source": label,
        }
    )
    out["source"] = out["source"].astype("str")
    if not year_c:
        m = re.search(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", Path(label).stem)
        if m:
            out["year"] = pd.array([int(m.group(1))] * len(out), dtype="Int64")
            notes.append(Message(N_("no year column: year {year} taken from the file name"), year=m.group(1)))
    out.attrs = {
        "file": label,
        "encoding": encoding,
        "code_col": code_c,
        "name_col": name_c,
        "population_col": pop_c,
        "notes": notes,
    }
    return out
