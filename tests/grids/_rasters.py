"""Rasters the grid tests write themselves, with answers known in advance."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point, box


def write_raster(path: Path, arr: np.ndarray, *, transform, crs: str = "EPSG:4326", nodata=None, tiled: bool = True) -> Path:
    """Write ``arr`` as a single-band GeoTIFF (tiled 256 x 256 when it is large enough)."""
    profile = {
        "driver": "GTiff", "height": arr.shape[0], "width": arr.shape[1], "count": 1, "dtype": str(arr.dtype),
        "crs": crs, "transform": transform, "nodata": nodata,
    }
    if tiled and min(arr.shape) >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr, 1)
    return path


def degree_grid(n: int, *, res: float = 0.01, west: float = 10.0, north: float = 0.5):
    """Transform of an ``n`` x ``n`` lon/lat grid of ``res``-degree cells from (west, north)."""
    return from_origin(west, north, res, res)


def units_halves(transform, shape) -> gpd.GeoDataFrame:
    """Two units splitting the grid's extent into west (W) and east (E) halves."""
    west, north = transform.c, transform.f
    east = west + transform.a * shape[1]
    south = north + transform.e * shape[0]
    mid = (west + east) / 2
    return gpd.GeoDataFrame(
        {"code": ["W", "E"], "name": ["West", "East"]},
        geometry=[box(west, south, mid, north), box(mid, south, east, north)], crs="EPSG:4326",
    )


def providers_at(points: list[tuple[float, float]], *, capacity=None, confidential=None) -> gpd.GeoDataFrame:
    """Provider points at ``(lon, lat)``, with optional capacity and confidential columns."""
    data = {"name": [f"Provider {i} (fictional)" for i in range(len(points))]}
    if capacity is not None:
        data["capacity"] = list(capacity)
    data["confidential"] = list(confidential) if confidential is not None else [False] * len(points)
    return gpd.GeoDataFrame(data, geometry=[Point(x, y) for x, y in points], crs="EPSG:4326")
