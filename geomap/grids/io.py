"""Reading population rasters block by block (rasterio), so a national grid never sits whole in memory.

A population raster is a single-band GeoTIFF or Cloud-Optimised GeoTIFF of *persons per cell*
(WorldPop, GHSL-POP, GPW counts, HRSL), in any CRS, float or integer, with or without a nodata
value. :func:`describe_raster` checks a file once and returns a :class:`RasterInfo`;
:func:`iter_windows` cuts it into blocks; :func:`read_population` reads one block with nodata,
NaN and negative cells set to 0 (no people); :func:`cell_lonlat` gives the cell centres of a
block in EPSG:4326. Everything else in :mod:`geomap.grids` reads rasters through these.

This module is the only place that opens a raster, so it can move under ``geomap/io/`` as is.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.windows import Window

from geomap.i18n import N_, Message

__all__ = [
    "DEFAULT_BLOCK",
    "RasterInfo",
    "cell_lonlat",
    "cells_lonlat",
    "describe_raster",
    "iter_windows",
    "open_upload",
    "read_population",
    "read_window",
]

#: Rows and columns of one block (2048 x 2048 float64 cells = 32 MB).
DEFAULT_BLOCK = 2048


@dataclasses.dataclass(frozen=True)
class RasterInfo:
    """What geomap needs to know about a population raster (picklable: Dask workers get it).

    Attributes
    ----------
    path
        The file (workers open it themselves).
    crs_wkt
        The raster's CRS as WKT.
    transform
        Affine coefficients ``(a, b, c, d, e, f)`` of the whole raster.
    height, width
        Size in cells.
    nodata
        The nodata value, or ``None``.
    dtype
        The band's data type.
    label
        How figures name this population model (e.g. ``"raster: GHA15adj.tif"``).
    """

    path: str
    crs_wkt: str
    transform: tuple[float, float, float, float, float, float]
    height: int
    width: int
    nodata: float | None
    dtype: str
    label: str

    @property
    def affine(self) -> rasterio.Affine:
        """The transform as an :class:`affine.Affine`."""
        return rasterio.Affine(*self.transform)

    @property
    def is_geographic(self) -> bool:
        """True for a lon/lat raster (cell sizes in degrees)."""
        return CRS.from_wkt(self.crs_wkt).is_geographic



def open_raster(path: str | Path) -> tuple[rasterio.io.DatasetReader | None, str | None]:
    """Open ``path`` with rasterio, or say why not.

    The error is returned as text, not raised, so that the caller's own error carries no GDAL
    exception as its cause or context: those do not survive pickling where Dask's ``tblib``
    support is installed, and an error a worker raises must reach the person intact.

    Returns
    -------
    tuple
        ``(dataset, None)`` (close it, e.g. ``with dataset:``) or ``(None, "GDAL's message")``.
    """
    try:
        return rasterio.open(path), None
    except rasterio.errors.RasterioIOError as exc:
        return None, str(exc)

def describe_raster(path: str | Path, *, label: str | None = None, name: str | None = None) -> RasterInfo:
    """Open ``path`` once, check it is a usable population raster and describe it.

    Parameters
    ----------
    path
        A GeoTIFF / COG (or any single-band raster GDAL reads) of persons per cell.
    label
        Name of the population model shown next to every figure; default
        ``"raster: <file name>"``.
    name
        The file's name as the user knows it, for messages (default: from ``path``).

    Returns
    -------
    RasterInfo

    Raises
    ------
    ValueError
        If the file cannot be read as a raster, has no CRS, or is rotated.
    """
    path = str(path)
    name = name or Path(path).name
    src, error = open_raster(path)
    if src is None:
        msg = Message(N_("{file}: not a raster geomap can read (a GeoTIFF or COG of people per cell is expected): {error}"),
                      file=name, error=error)
        raise ValueError(msg)
    with src:
        if src.crs is None:
            msg = Message(N_("{file}: the raster has no coordinate reference system; assign one (e.g. gdal_edit.py -a_srs EPSG:4326)"),
                          file=name)
            raise ValueError(msg)
        t = src.transform
        if t.b != 0 or t.d != 0:
            msg = Message(N_("{file}: rotated rasters are not supported; warp it north-up first (gdalwarp)"), file=name)
            raise ValueError(msg)
        if src.count != 1:
            msg = Message(N_("{file}: {n} bands; a population raster has one band (persons per cell)"), file=name, n=src.count)
            raise ValueError(msg)
        return RasterInfo(
            path=path,
            crs_wkt=src.crs.to_wkt(),
            transform=(t.a, t.b, t.c, t.d, t.e, t.f),
            height=int(src.height),
            width=int(src.width),
            nodata=None if src.nodata is None else float(src.nodata),
            dtype=str(src.dtypes[0]),
            label=label or f"raster: {name}",
        )


@contextlib.contextmanager
def open_upload(data: bytes, *, filename: str, label: str | None = None) -> Iterator[RasterInfo]:
    """An uploaded raster, held in GDAL's in-memory file system (never written to disk), while in the block.

    The upload size limit (:func:`geomap.io.limits.check_upload_size`) is checked first.
    The :class:`RasterInfo` path is a ``/vsimem/`` name, readable by this process only (so the
    serial path, not a Dask cluster, reads uploads).
    """
    from rasterio.io import MemoryFile

    from geomap.io import limits

    limits.check_upload_size(data, filename=filename)
    with MemoryFile(data) as mem:
        yield describe_raster(mem.name, label=label or f"raster: {filename}", name=filename)


def iter_windows(info: RasterInfo, *, block: int = DEFAULT_BLOCK) -> Iterator[Window]:
    """Row-major blocks of at most ``block`` x ``block`` cells covering the raster."""
    if block < 1:
        msg = f"block must be a positive number of cells, got {block!r}"
        raise ValueError(msg)
    for row in range(0, info.height, block):
        for col in range(0, info.width, block):
            yield Window(col, row, min(block, info.width - col), min(block, info.height - row))


def read_window(path: str, window: Window | None = None, *, out_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Band 1 of ``path`` over ``window`` as float64, nodata and NaN as NaN (no clean-up of values).

    ``out_shape`` reads a decimated copy (GDAL uses the file's overviews when it has them).
    """
    with rasterio.open(path) as src:
        kwargs = {"masked": True, "window": window}
        if out_shape is not None:
            kwargs["out_shape"] = out_shape
            kwargs["resampling"] = rasterio.enums.Resampling.average
        arr = src.read(1, **kwargs)
    return np.ma.filled(arr.astype(np.float64), np.nan)


def read_population(path: str, window: Window | None = None) -> np.ndarray:
    """Persons per cell over ``window``: float64 with nodata, NaN and negative cells set to 0."""
    arr = read_window(path, window)
    arr[~np.isfinite(arr) | (arr < 0)] = 0.0
    return arr


def cells_lonlat(info: RasterInfo, window: Window, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``(n, 2)`` lon/lat (EPSG:4326) of the centres of the cells at ``rows``, ``cols`` of ``window``.

    Only the cells asked for are computed (the populated ones), not the whole block.
    """
    t = info.affine
    x = t.c + (cols + int(window.col_off) + 0.5) * t.a
    y = t.f + (rows + int(window.row_off) + 0.5) * t.e
    crs = CRS.from_wkt(info.crs_wkt)
    if not crs.equals(CRS.from_epsg(4326)):
        x, y = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])


def cell_lonlat(info: RasterInfo, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (EPSG:4326) of the centres of the cells of ``window``, 2-D arrays."""
    t = info.affine
    cols = np.arange(int(window.col_off), int(window.col_off) + int(window.width)) + 0.5
    rows = np.arange(int(window.row_off), int(window.row_off) + int(window.height)) + 0.5
    cc, rr = np.meshgrid(cols, rows)
    x = t.c + cc * t.a
    y = t.f + rr * t.e
    crs = CRS.from_wkt(info.crs_wkt)
    if crs.equals(CRS.from_epsg(4326)):
        return x, y
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)
