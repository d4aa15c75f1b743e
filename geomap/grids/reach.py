"""People within X km of a service, over every populated cell of a population raster.

The work is cut into blocks (:func:`geomap.grids.io.iter_windows`). For each block,
:func:`block_sums` reads the persons per cell, finds the unit of every cell centre (the units
burnt into the block with :func:`rasterio.features.rasterize`) and the geodesic distance from
every populated cell centre to the nearest provider
(:func:`geomap.analysis.distance.nearest_distance_m`: KD-tree on unit vectors, then the WGS84
ellipsoid). It returns a small table of sums per unit — population, population within the
radius, population x distance, populated cells — so blocks add up in any order: serially here
(:func:`grid_reach`), or on a Dask cluster (:mod:`geomap.grids.execution`) with the same kernel.
Memory is bounded by the block size, whatever the size of the grid.

A cell counts wholly in the unit that contains its centre (the exact, fractional per-unit totals
are :func:`geomap.grids.zonal.zonal_population`).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio import features, windows
from rasterio.windows import Window

from geomap.analysis import distance as _distance
from geomap.grids import io

__all__ = [
    "SUMS",
    "block_sums",
    "grid_reach",
    "provider_lonlat",
    "reach_table",
    "unit_ids",
    "unit_shapes",
]

#: Columns of the per-unit sums a block returns (the last row is "outside every unit").
SUMS = ("population", "pop_within", "pop_x_km", "cells")


def unit_shapes(units: gpd.GeoDataFrame, info: io.RasterInfo) -> list[tuple[object, int]]:
    """``(geometry in the raster's CRS, position)`` pairs for burning units into blocks."""
    if "code" not in units.columns:
        msg = "the units layer needs a 'code' column"
        raise ValueError(msg)
    gdf = units.set_crs("EPSG:4326") if units.crs is None else units
    geoms = gdf.geometry.to_crs(info.crs_wkt)
    return [(g, i) for i, g in enumerate(geoms) if g is not None and not g.is_empty]


def provider_lonlat(providers: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` lon/lat of the providers (any CRS in, EPSG:4326 out)."""
    return _distance.point_coords(providers)


def unit_ids(shapes: Sequence[tuple[object, int]], n_units: int, info: io.RasterInfo, window: Window) -> np.ndarray:
    """Position of the unit holding each cell centre of ``window`` (``n_units`` outside every unit)."""
    shape = (int(window.height), int(window.width))
    if not shapes:
        return np.full(shape, n_units, dtype=np.int32)
    transform = windows.transform(window, info.affine)
    return features.rasterize(shapes, out_shape=shape, transform=transform, fill=n_units, dtype="int32")


def block_sums(
    pop: np.ndarray,
    window: Window,
    *,
    info: io.RasterInfo,
    shapes: Sequence[tuple[object, int]],
    n_units: int,
    providers: np.ndarray,
    radius_km: float,
) -> np.ndarray:
    """Per-unit sums of one block: the kernel shared by the serial and the Dask paths.

    Parameters
    ----------
    pop
        The block's raw cells (nodata, NaN and negative values count as no people).
    window
        Where the block lies in the raster.
    info
        The raster (:func:`geomap.grids.io.describe_raster`).
    shapes
        :func:`unit_shapes` of the units.
    n_units
        Number of units (row ``n_units`` collects cells outside every unit).
    providers
        ``(m, 2)`` lon/lat of the providers (``m`` may be 0: nobody is within reach).
    radius_km
        The reach X.

    Returns
    -------
    numpy.ndarray
        ``(n_units + 1, 4)`` float64: the :data:`SUMS` per unit.
    """
    out = np.zeros((n_units + 1, len(SUMS)))
    pop = np.where(np.isfinite(pop) & (pop > 0), pop, 0.0)
    mask = pop > 0
    if not mask.any():
        return out
    rows, cols = np.nonzero(mask)
    unit = unit_ids(shapes, n_units, info, window)[rows, cols]
    p = pop[rows, cols]
    del pop, mask
    if len(providers):
        d_m, _ = _distance.nearest_distance_m(io.cells_lonlat(info, window, rows, cols), providers)
        km = d_m / 1000.0
        within = km <= radius_km
    else:
        km = np.zeros(len(p))
        within = np.zeros(len(p), dtype=bool)
    m = n_units + 1
    out[:, 0] = np.bincount(unit, weights=p, minlength=m)
    out[:, 1] = np.bincount(unit, weights=np.where(within, p, 0.0), minlength=m)
    out[:, 2] = np.bincount(unit, weights=p * km, minlength=m)
    out[:, 3] = np.bincount(unit, minlength=m)
    return out


def reach_table(
    units: gpd.GeoDataFrame,
    sums: np.ndarray,
    *,
    radius_km: float,
    label: str,
    has_providers: bool,
) -> pd.DataFrame:
    """Per-unit reach from summed :func:`block_sums`.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the units' order: ``code``, ``grid_cells``, ``grid_population``,
        ``mean_distance_km`` (population-weighted; NaN without providers), ``pop_within_km``,
        ``pop_beyond_km``, ``share_within``, ``radius_km``, ``population_model``. A unit
        with no people on the grid has NaN measures (no data), never 0 %.
        ``attrs``: ``outside_population`` (people on cells outside every unit),
        ``population_model``.
    """
    body = sums[:-1]
    pop = body[:, 0]
    has = pop > 0
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()})
    out["grid_cells"] = body[:, 3].astype("int64")
    out["grid_population"] = np.where(has, pop, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_distance_km"] = np.where(has & has_providers, body[:, 2] / pop, np.nan)
    out["pop_within_km"] = np.where(has, body[:, 1], np.nan)
    out["pop_beyond_km"] = out["grid_population"] - out["pop_within_km"]
    out["share_within"] = out["pop_within_km"] / out["grid_population"]
    out["radius_km"] = float(radius_km)
    out["population_model"] = label
    out.attrs = {"outside_population": float(sums[-1, 0]), "population_model": label}
    return out


def _check_radius(radius_km: float) -> float:
    if radius_km is None or not np.isfinite(radius_km) or radius_km <= 0:
        msg = f"radius_km must be a positive number of kilometres, got {radius_km!r}"
        raise ValueError(msg)
    return float(radius_km)


def grid_reach(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    radius_km: float,
    block: int = io.DEFAULT_BLOCK,
    client=None,
    progress=None,
) -> pd.DataFrame:
    """People within ``radius_km`` of a provider, per unit, over the population raster.

    Parameters
    ----------
    info
        The population raster (:func:`geomap.grids.io.describe_raster`).
    units
        Units layer with ``code`` and polygons.
    providers
        Provider points (e.g. :func:`geomap.analysis.distance.providers_offering`; all of them,
        confidential ones included: the result is an aggregate).
    radius_km
        The reach X (geodesic km).
    block
        Block size in cells (memory bound: about ``block**2 * 40`` bytes per block).
    client
        A :class:`dask.distributed.Client` to run the blocks on (see
        :func:`geomap.grids.execution.dask_client`), or ``None`` to run them here one by one.
    progress
        Optional callable ``progress(done, total)`` called after each block (serial path).

    Returns
    -------
    pandas.DataFrame
        :func:`reach_table`.
    """
    radius = _check_radius(radius_km)
    shapes = unit_shapes(units, info)
    xy = provider_lonlat(providers)
    if client is not None:
        from geomap.grids import execution

        sums = execution.block_sums_dask(
            info, block_sums, out_shape=(len(units) + 1, len(SUMS)), block=block, client=client,
            info=info, shapes=shapes, n_units=len(units), providers=xy, radius_km=radius,
        )
    else:
        wins = list(io.iter_windows(info, block=block))
        sums = np.zeros((len(units) + 1, len(SUMS)))
        for i, win in enumerate(wins):
            pop = io.read_window(info.path, win)
            sums += block_sums(pop, win, info=info, shapes=shapes, n_units=len(units), providers=xy, radius_km=radius)
            if progress is not None:
                progress(i + 1, len(wins))
    return reach_table(units, sums, radius_km=radius, label=info.label, has_providers=len(xy) > 0)
