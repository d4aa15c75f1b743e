"""The per-unit reach measures over a population raster, in stages: what the CLI, the page and the report call.

:func:`grid_measures` runs, in order, the exact per-unit totals next to the census
(:mod:`geomap.grids.zonal`), the people within X km (:mod:`geomap.grids.reach`, serially or on
Dask) and, when a friction surface is given, the people within Y minutes
(:mod:`geomap.grids.travel`, tile by tile, serially or on Dask). It reports each stage to an optional ``progress(stage, fraction)``
callable, and returns one frame to pass to :func:`geomap.analysis.gaps.gap_table` as ``reach=``.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.grids import cost, io, reach, travel, zonal
from geomap.i18n import N_

__all__ = ["STAGES", "grid_measures"]

#: The stages :func:`grid_measures` reports, in order.
STAGES = (N_("Per-unit totals (exact zonal sums)"), N_("Distance to the nearest provider"), N_("Travel time over the friction surface"))


def grid_measures(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    radius_km: float,
    friction: cost.Friction | np.ndarray | None = None,
    minutes: float = 60.0,
    block: int = io.DEFAULT_BLOCK,
    tile: int = travel.DEFAULT_TILE,
    client=None,
    progress: Callable[[str, float], None] | None = None,
) -> pd.DataFrame:
    """Reach over the grid per unit: :func:`geomap.grids.reach.grid_reach` plus the census ratio and travel time.

    Parameters
    ----------
    info
        The population raster.
    units
        Units layer (``code``, polygons; ``population`` = census when known).
    providers
        Provider points of the service (all of them: the result is an aggregate).
    radius_km
        The reach X (km).
    friction
        A :class:`geomap.grids.cost.Friction` (:func:`geomap.grids.cost.friction_raster` or
        :func:`geomap.grids.cost.friction_landcover`: read tile by tile) or an array of minutes
        per metre on the population grid; ``None`` skips travel time.
    minutes
        The travel-time threshold Y.
    block, client
        See :func:`geomap.grids.reach.grid_reach`; ``client`` also runs the travel-time tiles.
    tile
        Cost-distance tile size in cells (:func:`geomap.grids.travel.grid_travel`).
    progress
        ``progress(stage, fraction)`` with a stage of :data:`STAGES` and 0..1 within it.

    Returns
    -------
    pandas.DataFrame
        :func:`geomap.grids.reach.reach_table` columns, plus ``census_population`` and
        ``grid_to_census`` (the exact zonal total over the census), and with a friction surface
        ``pop_within_min``, ``pop_beyond_min``, ``share_within_min``, ``mean_minutes``,
        ``unreachable_population`` and ``minutes``.
    """

    def say(stage: int, fraction: float) -> None:
        if progress is not None:
            progress(STAGES[stage], fraction)

    say(0, 0.0)
    totals = zonal.zonal_population(info, units)
    say(0, 1.0)
    out = reach.grid_reach(
        info, units, providers, radius_km=radius_km, block=block, client=client,
        progress=(lambda done, n: say(1, done / n)) if client is None else None,
    )
    say(1, 1.0)
    out["census_population"] = totals["census_population"].to_numpy()
    out["grid_to_census"] = totals["grid_to_census"].to_numpy()
    if friction is not None:
        say(2, 0.0)
        times = travel.grid_travel(
            info, units, providers, friction=friction, minutes=minutes, tile=tile, client=client,
            progress=lambda done, n: say(2, done / n) if done < n else None,
        )
        keep = ["pop_within_min", "pop_beyond_min", "share_within_min", "mean_minutes", "unreachable_population", "minutes"]
        for col in keep:
            out[col] = times[col].to_numpy()
        say(2, 1.0)
    return out
