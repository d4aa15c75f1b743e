"""Where the next k sites would cover the most people on the grid: MCLP over aggregated cells.

The population raster is aggregated to coarse cells (:func:`geomap.grids.cells.populated_cells`
with ``factor``; 10 turns a 100 m grid into 1 km points), which are both the demand and the
candidate sites, and :func:`geomap.analysis.siting.mclp_sites` (PySAL ``spopt``) chooses the
sites, existing providers counting as covering.
"""

from __future__ import annotations

import geopandas as gpd

from geomap.analysis import siting as _siting
from geomap.grids import cells, io

__all__ = ["grid_sites"]


def grid_sites(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame | None,
    *,
    radius_km: float,
    add: int,
    factor: int = 10,
    max_candidates: int = 400,
) -> gpd.GeoDataFrame:
    """The next ``add`` sites over the population grid (see :func:`geomap.analysis.siting.mclp_sites`).

    Returns
    -------
    geopandas.GeoDataFrame
        :func:`geomap.analysis.siting.mclp_sites` output (each site is an aggregated cell, with
        its ``unit_code``); ``attrs["population_model"]`` says which grid and aggregation.
    """
    demand = cells.cells_in_units(cells.populated_cells(info, factor=factor), units)
    sites = _siting.mclp_sites(demand, radius_km=radius_km, add=add, existing=existing, max_candidates=max_candidates)
    sites.attrs["population_model"] = f"{info.label} (aggregated {factor}x{factor})"
    return sites
