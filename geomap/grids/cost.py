"""Travel time over a friction surface (AccessMod-style cost distance), with scikit-image's ``MCP_Geometric``.

A friction surface gives the minutes needed to cross one metre of each cell (the unit of the
Malaria Atlas Project's global friction surfaces). Bring one (:func:`read_friction`), or build
one from a land-cover raster and a speed table in km/h per class, walking or motorised
(:func:`friction_from_landcover`, as AccessMod's scenario table does). Either is aligned to the
population grid (resampled with :func:`rasterio.warp.reproject` when its grid differs).

:func:`travel_minutes` runs :class:`skimage.graph.MCP_Geometric` from every provider's cell at
once (8-connected moves; a move between two cells costs half of each cell's friction times the
move's length). Cells whose friction is missing, zero-speed or negative are impassable. For a
lon/lat grid the cell size in metres is taken at the grid's middle latitude (a few per cent off
at the far ends of a tall country; an equal-area or UTM raster has none of that).

Cost distance is a whole-grid computation: the friction and the time surface are held in
memory (float64, 16 bytes per cell). :func:`grid_travel` sums the results per unit.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS, Geod, Transformer
from rasterio.warp import Resampling, reproject

from geomap.grids import io, reach

__all__ = [
    "SPEED_TABLES",
    "cell_size_m",
    "friction_from_landcover",
    "grid_travel",
    "provider_cells",
    "read_friction",
    "read_speed_table",
    "travel_minutes",
]

#: Example speed tables (km/h per ESA WorldCover class), walking and motorised; water (80)
#: and permanent snow (70) are impassable on foot. Replace them with your own (CSV: class, speed_kmh).
SPEED_TABLES: dict[str, dict[int, float]] = {
    "walking": {10: 2.5, 20: 3.5, 30: 4.0, 40: 4.0, 50: 5.0, 60: 4.0, 70: 0.0, 80: 0.0, 90: 1.5, 95: 1.0, 100: 3.0},
    "motorised": {10: 10.0, 20: 20.0, 30: 30.0, 40: 30.0, 50: 40.0, 60: 30.0, 70: 0.0, 80: 0.0, 90: 5.0, 95: 2.0, 100: 15.0},
}


def _align(path: str, info: io.RasterInfo, *, resampling: Resampling) -> np.ndarray:
    """Band 1 of ``path`` on the population grid (NaN where it has no data)."""
    with rasterio.open(path) as src:
        same = (
            src.crs is not None and CRS.from_wkt(info.crs_wkt).equals(src.crs)
            and src.shape == (info.height, info.width) and np.allclose(tuple(src.transform)[:6], info.transform)
        )
        if same:
            return np.ma.filled(src.read(1, masked=True).astype(np.float64), np.nan)
        if src.crs is None:
            msg = f"{path}: the raster has no coordinate reference system; assign one before using it as friction or land cover"
            raise ValueError(msg)
        out = np.full((info.height, info.width), np.nan)
        reproject(
            source=rasterio.band(src, 1), destination=out, src_nodata=src.nodata, dst_nodata=np.nan,
            dst_transform=info.affine, dst_crs=info.crs_wkt, resampling=resampling,
        )
        return out


def read_friction(path: str, info: io.RasterInfo) -> np.ndarray:
    """A friction raster (minutes per metre) on the population grid; missing or negative cells are impassable (NaN)."""
    arr = _align(str(path), info, resampling=Resampling.bilinear)
    arr[~(arr >= 0)] = np.nan
    return arr


def read_speed_table(path: str) -> dict[int, float]:
    """A CSV of ``class,speed_kmh`` rows (header required) as ``{class: km/h}``."""
    table = pd.read_csv(path)
    cols = {c.strip().lower(): c for c in table.columns}
    if "class" not in cols or "speed_kmh" not in cols:
        msg = f"{path}: a speed table needs the columns class and speed_kmh; found {', '.join(map(str, table.columns))}"
        raise ValueError(msg)
    out: dict[int, float] = {}
    for i, (cls, speed) in enumerate(zip(table[cols["class"]], table[cols["speed_kmh"]]), start=2):
        try:
            out[int(cls)] = float(speed)
        except (TypeError, ValueError):
            msg = f"{path}, row {i}: class {cls!r} and speed_kmh {speed!r} must be numbers"
            raise ValueError(msg) from None
    return out


def friction_from_landcover(path: str, info: io.RasterInfo, speeds: Mapping[int, float]) -> np.ndarray:
    """Friction (minutes per metre) from a land-cover raster and a speed table (km/h per class).

    Classes missing from the table, and speeds of 0, are impassable (NaN). The land cover is
    resampled to the population grid by nearest neighbour (classes are labels).
    """
    cover = _align(str(path), info, resampling=Resampling.nearest)
    friction = np.full(cover.shape, np.nan)
    for cls, kmh in speeds.items():
        if kmh is None or not np.isfinite(kmh) or kmh < 0:
            msg = f"speed for land-cover class {cls} must be a non-negative number of km/h, got {kmh!r}"
            raise ValueError(msg)
        if kmh > 0:
            friction[cover == cls] = 60.0 / (kmh * 1000.0)  # minutes per metre
    return friction


def cell_size_m(info: io.RasterInfo) -> tuple[float, float]:
    """Cell height and width in metres (for a lon/lat grid: geodesic, at the middle latitude)."""
    t = info.affine
    if not info.is_geographic:
        return abs(t.e), abs(t.a)
    lat = t.f + t.e * info.height / 2.0
    lon = t.c + t.a * info.width / 2.0
    geod = Geod(ellps="WGS84")
    _, _, dy = geod.inv(lon, lat - abs(t.e) / 2, lon, lat + abs(t.e) / 2)
    _, _, dx = geod.inv(lon - t.a / 2, lat, lon + t.a / 2, lat)
    return float(dy), float(dx)


def provider_cells(info: io.RasterInfo, providers: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each provider's cell; providers off the grid get -1."""
    xy = reach.provider_lonlat(providers)
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    x, y = Transformer.from_crs(4326, CRS.from_wkt(info.crs_wkt), always_xy=True).transform(xy[:, 0], xy[:, 1])
    rows, cols = rasterio.transform.rowcol(info.affine, x, y)
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    off = (rows < 0) | (rows >= info.height) | (cols < 0) | (cols >= info.width)
    rows[off], cols[off] = -1, -1
    return rows, cols


def travel_minutes(friction: np.ndarray, info: io.RasterInfo, providers: gpd.GeoDataFrame) -> np.ndarray:
    """Minutes from every cell to the nearest provider (by travel time) over ``friction``.

    Returns
    -------
    numpy.ndarray
        Travel time in minutes, ``inf`` where no provider can be reached (or none is on the
        grid). ``attrs`` cannot hang on an array: providers off the grid are simply not origins.
    """
    from skimage.graph import MCP_Geometric

    rows, cols = provider_cells(info, providers)
    keep = rows >= 0
    costs = np.where(np.isfinite(friction), friction, -1.0)  # negative = impassable for MCP
    starts = [(int(r), int(c)) for r, c in zip(rows[keep], cols[keep]) if costs[r, c] >= 0]
    if not starts:
        return np.full(friction.shape, np.inf)
    mcp = MCP_Geometric(costs, fully_connected=True, sampling=cell_size_m(info))
    minutes, _ = mcp.find_costs(starts)
    minutes = np.asarray(minutes, dtype=np.float64)
    minutes[costs < 0] = np.inf
    return minutes


def grid_travel(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    friction: np.ndarray,
    minutes: float,
) -> pd.DataFrame:
    """People within ``minutes`` of a provider over the friction surface, per unit.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``grid_population``, ``pop_within_min``,
        ``pop_beyond_min`` (including people who cannot reach any provider),
        ``share_within_min``, ``mean_minutes`` (population-weighted over people who can reach
        one), ``unreachable_population``, ``minutes``, ``population_model``.
    """
    if minutes is None or not np.isfinite(minutes) or minutes <= 0:
        msg = f"minutes must be a positive number, got {minutes!r}"
        raise ValueError(msg)
    if friction.shape != (info.height, info.width):
        msg = f"the friction surface is {friction.shape}, the population grid {(info.height, info.width)}: align them first (read_friction does)"
        raise ValueError(msg)
    time = travel_minutes(friction, info, providers)
    pop = io.read_population(info.path)
    whole = rasterio.windows.Window(0, 0, info.width, info.height)
    unit = reach.unit_ids(reach.unit_shapes(units, info), len(units), info, whole)
    m = len(units) + 1
    reachable = np.isfinite(time)
    total = np.bincount(unit.ravel(), weights=pop.ravel(), minlength=m)[:-1]
    within = np.bincount(unit.ravel(), weights=np.where(time <= minutes, pop, 0.0).ravel(), minlength=m)[:-1]
    rpop = np.bincount(unit.ravel(), weights=np.where(reachable, pop, 0.0).ravel(), minlength=m)[:-1]
    wtime = np.bincount(unit.ravel(), weights=np.where(reachable, pop * np.where(reachable, time, 0.0), 0.0).ravel(), minlength=m)[:-1]
    has = total > 0
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy(), "grid_population": np.where(has, total, np.nan)})
    out["pop_within_min"] = np.where(has, within, np.nan)
    out["pop_beyond_min"] = out["grid_population"] - out["pop_within_min"]
    out["share_within_min"] = out["pop_within_min"] / out["grid_population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_minutes"] = np.where(rpop > 0, wtime / rpop, np.nan)
    out["unreachable_population"] = np.where(has, total - rpop, np.nan)
    out["minutes"] = float(minutes)
    out["population_model"] = info.label
    return out
