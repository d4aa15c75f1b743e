"""Exact per-unit population totals from a raster (exactextract), next to the census.

:func:`zonal_population` sums persons per cell over each unit with exactextract's ``sum``,
which weights every cell by the exact fraction of it the unit's polygon covers (so cells on a
border are split between units, and the units' totals add up to the raster's). exactextract
reads the raster strip by strip (``max_cells_in_memory``), never whole.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.grids import io

__all__ = ["zonal_population"]


def zonal_population(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    *,
    max_cells_in_memory: int = 30_000_000,
) -> pd.DataFrame:
    """Population of each unit on the raster, with the census figure and the ratio of the two.

    Parameters
    ----------
    info
        The population raster (:func:`geomap.grids.io.describe_raster`).
    units
        Units layer with ``code`` and polygons; ``population`` (the census, NaN when unknown)
        is used when present.
    max_cells_in_memory
        Upper bound on the cells exactextract holds at once.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in order: ``code``, ``grid_population`` (exact, coverage-weighted
        sum; nodata cells count as none), ``census_population`` (NaN when unknown),
        ``grid_to_census`` (ratio; NaN without a census figure) and ``population_model``.
    """
    from exactextract import exact_extract

    if "code" not in units.columns:
        msg = "the units layer needs a 'code' column"
        raise ValueError(msg)
    gdf = units.set_crs("EPSG:4326") if units.crs is None else units
    gdf = gpd.GeoDataFrame({"_pos": np.arange(len(gdf))}, geometry=gdf.geometry.to_crs(info.crs_wkt).to_numpy(), crs=info.crs_wkt)
    gdf = gdf.loc[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    sums = np.zeros(len(units))
    if len(gdf):
        import rasterio

        with rasterio.open(info.path) as src:
            res = exact_extract(src, gdf, "sum", include_cols=["_pos"], output="pandas", max_cells_in_memory=max_cells_in_memory)
        sums[res["_pos"].to_numpy(dtype=int)] = res["sum"].to_numpy(dtype=float)
    census = pd.to_numeric(units["population"], errors="coerce").to_numpy(dtype=float) if "population" in units.columns else np.full(len(units), np.nan)
    census = np.where(census > 0, census, np.nan)
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy(), "grid_population": sums, "census_population": census})
    out["grid_to_census"] = out["grid_population"] / out["census_population"]
    out["population_model"] = info.label
    return out
