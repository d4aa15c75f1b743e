"""A coarse overview of distance to the nearest provider, for the map (never the full raster).

:func:`distance_overview` reads a decimated copy of the population raster (at most
``max_side`` cells a side, averaged; GDAL uses a COG's overviews), warped to EPSG:4326 when the
raster is projected, measures the geodesic distance from each populated coarse cell to the
nearest provider, and classes it into bands (:data:`BANDS_KM`). Cells without people are left
empty.

A distance surface points at the sites it is measured from, so the overview is computed from
the providers the role may see: confidential sites are left out for the public (the per-unit
figures still count them), and ``attrs``-like fields say so.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.vrt import WarpedVRT

from geomap.analysis import distance as _distance
from geomap.directory import privacy
from geomap.grids import io

__all__ = ["BANDS_KM", "Overview", "distance_overview"]

#: Upper bounds (km) of the distance classes; the last class is "beyond the last bound".
BANDS_KM = (10.0, 25.0, 50.0, 100.0)


@dataclasses.dataclass(frozen=True)
class Overview:
    """A classed coarse grid: ``classes`` (uint8, 0 = no people, 1.. = band), its lon/lat ``bounds``
    ``(south, west, north, east)``, the band edges, the population model and whether
    confidential sites were left out."""

    classes: np.ndarray
    bounds: tuple[float, float, float, float]
    bands_km: tuple[float, ...]
    population_model: str
    confidential_left_out: int


def _coarse(info: io.RasterInfo, max_side: int) -> tuple[np.ndarray, rasterio.Affine, int, int]:
    with rasterio.open(info.path) as src:
        ds = src if info.is_geographic else WarpedVRT(src, crs="EPSG:4326")
        with ds:
            scale = max(ds.height, ds.width) / max_side
            h, w = (ds.height, ds.width) if scale <= 1 else (max(1, round(ds.height / scale)), max(1, round(ds.width / scale)))
            arr = ds.read(1, out_shape=(h, w), masked=True, resampling=rasterio.enums.Resampling.average)
            t = ds.transform * rasterio.Affine.scale(ds.width / w, ds.height / h)
    arr = np.ma.filled(arr.astype(np.float64), 0.0)
    arr[~np.isfinite(arr) | (arr < 0)] = 0.0
    return arr, t, h, w


def distance_overview(
    info: io.RasterInfo,
    providers: gpd.GeoDataFrame,
    *,
    role: str = privacy.PUBLIC,
    max_side: int = 400,
) -> Overview:
    """Classed distance to the nearest provider the ``role`` may see, on a coarse grid.

    Parameters
    ----------
    info
        The population raster.
    providers
        Providers of the service (full data; a ``confidential`` column is honoured).
    role
        Who will see the map: confidential sites are dropped unless the role may see them.
    max_side
        Largest side of the coarse grid, in cells.
    """
    left_out = 0
    if not privacy.can_see_confidential(role):
        conf = privacy.is_confidential(providers).to_numpy(dtype=bool) if len(providers) else np.zeros(0, bool)
        left_out = int(conf.sum())
        providers = providers.loc[~conf]
    pop, t, h, w = _coarse(info, max_side)
    classes = np.zeros((h, w), dtype=np.uint8)
    rows, cols = np.nonzero(pop > 0)
    xy = _distance.point_coords(providers)
    if len(rows):
        lon = t.c + (cols + 0.5) * t.a
        lat = t.f + (rows + 0.5) * t.e
        if len(xy):
            d_m, _ = _distance.nearest_distance_m(np.column_stack([lon, lat]), xy)
            classes[rows, cols] = 1 + np.searchsorted(np.asarray(BANDS_KM), d_m / 1000.0, side="left")
        else:
            classes[rows, cols] = len(BANDS_KM) + 1
    bounds = (t.f + h * t.e, t.c, t.f, t.c + w * t.a)
    return Overview(classes, bounds, BANDS_KM, info.label, left_out)
