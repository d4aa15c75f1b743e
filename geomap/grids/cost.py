"""Friction surfaces (AccessMod-style cost distance) and the whole-grid reference run with scikit-image's ``MCP_Geometric``.

A friction surface gives the minutes needed to cross one metre of each cell (the unit of the
Malaria Atlas Project's global friction surfaces). Bring one (:func:`friction_raster`), or build
one from a land-cover raster and a speed table in km/h per class, walking or motorised
(:func:`friction_landcover`, as AccessMod's scenario table does). Either is a :class:`Friction`
that reads any window of itself aligned to the population grid (resampled with
:func:`rasterio.warp.reproject` when its grid differs), so no run holds it whole.

:func:`travel_minutes` runs :class:`skimage.graph.MCP_Geometric` from every provider's cell at
once (8-connected moves; a move between two cells costs half of each cell's friction times the
move's length). Cells whose friction is missing, zero-speed or negative are impassable. For a
lon/lat grid the cell size in metres is taken at the grid's middle latitude (a few per cent off
at the far ends of a tall country; an equal-area or UTM raster has none of that).

:func:`travel_minutes` is a whole-grid computation (about 30 bytes per cell): the reference for
small grids and the benchmark's baseline. National grids run tile by tile in bounded memory
with the same moves and costs: :mod:`geomap.grids.travel`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS, Geod, Transformer
from rasterio.warp import Resampling, reproject
from rasterio.windows import Window

from geomap.grids import io, reach
from geomap.i18n import N_, Message

__all__ = [
    "SPEED_TABLES",
    "Friction",
    "cell_size_m",
    "friction_from_landcover",
    "friction_landcover",
    "friction_raster",
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


def _same_grid(src, info: io.RasterInfo) -> bool:
    return (
        src.crs is not None and CRS.from_wkt(info.crs_wkt).equals(src.crs)
        and src.shape == (info.height, info.width) and np.allclose(tuple(src.transform)[:6], info.transform)
    )


_NO_CRS = N_("{file}: the raster has no coordinate reference system; assign one before using it as friction or land cover")


def _align(path: str, info: io.RasterInfo, window: Window, *, resampling: Resampling) -> np.ndarray:
    """Band 1 of ``path`` over ``window`` of the population grid (NaN where it has no data)."""
    with rasterio.open(path) as src:
        if _same_grid(src, info):
            return np.ma.filled(src.read(1, window=window, masked=True).astype(np.float64), np.nan)
        if src.crs is None:
            msg = Message(_NO_CRS, file=path)
            raise ValueError(msg)
        out = np.full((int(window.height), int(window.width)), np.nan)
        reproject(
            source=rasterio.band(src, 1), destination=out, src_nodata=src.nodata, dst_nodata=np.nan,
            dst_transform=rasterio.windows.transform(window, info.affine), dst_crs=info.crs_wkt, resampling=resampling,
        )
        return out


def _landcover_friction(cover: np.ndarray, speeds: Mapping[int, float]) -> np.ndarray:
    friction = np.full(cover.shape, np.nan)
    for cls, kmh in speeds.items():
        if kmh > 0:
            friction[cover == cls] = 60.0 / (kmh * 1000.0)  # minutes per metre
    return friction


def _check_speeds(speeds: Mapping[int, float]) -> tuple[tuple[int, float], ...]:
    for cls, kmh in speeds.items():
        if kmh is None or not np.isfinite(kmh) or kmh < 0:
            msg = Message(N_("speed for land-cover class {cls} must be a non-negative number of km/h, got {kmh}"), cls=cls, kmh=repr(kmh))
            raise ValueError(msg)
    return tuple((int(c), float(k)) for c, k in speeds.items())


@dataclasses.dataclass(frozen=True, eq=False)
class Friction:
    """Where a friction surface (minutes per metre) comes from; reads any window of it on the population grid.

    Exactly one of ``path`` (a friction raster), ``landcover`` (a land-cover raster, with
    ``speeds`` in km/h per class) or ``array`` (already on the population grid, in memory) is
    set. It holds no raster data except ``array``, so it pickles cheaply to Dask workers, which
    read their own windows. Missing, negative or zero-speed cells are impassable (NaN).
    """

    path: str | None = None
    landcover: str | None = None
    speeds: tuple[tuple[int, float], ...] = ()
    array: np.ndarray | None = None

    def check(self, info: io.RasterInfo) -> None:
        """Raise ``ValueError`` unless exactly one source is set and an array matches the grid."""
        if sum(x is not None for x in (self.path, self.landcover, self.array)) != 1:
            msg = "a friction surface comes from exactly one of: a friction raster, a land-cover raster, an array"
            raise ValueError(msg)
        if self.array is not None and self.array.shape != (info.height, info.width):
            msg = f"the friction surface is {self.array.shape}, the population grid {(info.height, info.width)}: align them first (read_friction does)"
            raise ValueError(msg)
        for path in (self.path, self.landcover):
            if path is None:
                continue
            src, error = io.open_raster(path)
            if src is None:
                msg = Message(N_("{file}: not a raster geomap can read as friction or land cover: {error}"), file=path, error=error)
                raise ValueError(msg)
            with src:
                crs = src.crs
            if crs is None:
                msg = Message(_NO_CRS, file=path)
                raise ValueError(msg)

    def read(self, info: io.RasterInfo, window: Window | None = None) -> np.ndarray:
        """Minutes per metre over ``window`` (default: the whole grid), NaN where impassable."""
        window = window or Window(0, 0, info.width, info.height)
        if self.array is not None:
            r0, c0 = int(window.row_off), int(window.col_off)
            arr = np.array(self.array[r0 : r0 + int(window.height), c0 : c0 + int(window.width)], dtype=np.float64)
        elif self.path is not None:
            arr = _align(self.path, info, window, resampling=Resampling.bilinear)
        else:
            arr = _landcover_friction(_align(self.landcover, info, window, resampling=Resampling.nearest), dict(self.speeds))
        arr[~(arr >= 0)] = np.nan
        return arr


def friction_raster(path: str) -> Friction:
    """A friction raster (minutes per metre), read window by window (resampled to the population grid if needed)."""
    return Friction(path=str(path))


def friction_landcover(path: str, speeds: Mapping[int, float]) -> Friction:
    """Friction from a land-cover raster and a speed table (km/h per class), read window by window."""
    return Friction(landcover=str(path), speeds=_check_speeds(speeds))


def read_friction(path: str, info: io.RasterInfo) -> np.ndarray:
    """A friction raster (minutes per metre) on the population grid, whole; missing or negative cells are impassable (NaN)."""
    return friction_raster(path).read(info)


def read_speed_table(path: str) -> dict[int, float]:
    """A CSV of ``class,speed_kmh`` rows (header required) as ``{class: km/h}``."""
    table = pd.read_csv(path)
    cols = {c.strip().lower(): c for c in table.columns}
    if "class" not in cols or "speed_kmh" not in cols:
        msg = Message(N_("{file}: a speed table needs the columns class and speed_kmh; found {columns}"),
                      file=path, columns=tuple(map(str, table.columns)))
        raise ValueError(msg)
    out: dict[int, float] = {}
    for i, (cls, speed) in enumerate(zip(table[cols["class"]], table[cols["speed_kmh"]]), start=2):
        try:
            out[int(cls)] = float(speed)
        except (TypeError, ValueError):
            msg = Message(N_("{file}, row {row}: class {cls} and speed_kmh {speed} must be numbers"),
                          file=path, row=i, cls=repr(cls), speed=repr(speed))
            raise ValueError(msg) from None
    return out


def friction_from_landcover(path: str, info: io.RasterInfo, speeds: Mapping[int, float]) -> np.ndarray:
    """Friction (minutes per metre) from a land-cover raster and a speed table (km/h per class), whole.

    Classes missing from the table, and speeds of 0, are impassable (NaN). The land cover is
    resampled to the population grid by nearest neighbour (classes are labels).
    """
    return friction_landcover(path, speeds).read(info)


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
