"""Capacity-aware accessibility: the two-step floating catchment area (2SFCA) method.

Step 1: every provider j gets a supply-to-demand ratio ``R_j = S_j / sum(P_k for d_kj <= d0)``
(its capacity over the population of the settlements within the radius). Step 2: every
settlement i gets ``A_i = sum(R_j for d_ij <= d0)``: beds per person it can reach. Computed with
PySAL ``access`` over geodesic distances (:func:`geomap.analysis.distance.pairs_within`), then
summarised per unit as a population-weighted mean, expressed per 100k people.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import distance as _distance

__all__ = ["access_by_unit", "two_step_fca"]


def two_step_fca(
    demand: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    radius_km: float,
    capacity_col: str = "capacity",
    default_capacity: float | None = None,
) -> pd.Series:
    """2SFCA accessibility of every demand point (capacity per person within reach).

    Parameters
    ----------
    demand
        Demand points with ``population``.
    providers
        Provider points with a capacity column (e.g. beds).
    radius_km
        Catchment radius d0 (geodesic km), used in both steps.
    capacity_col
        Supply column.
    default_capacity
        Capacity assumed where a provider states none; ``None`` (default) leaves those providers
        out (``attrs["providers_without_capacity"]`` counts them).

    Returns
    -------
    pandas.Series
        ``access`` indexed like ``demand``: capacity per person reachable (0 where no provider
        with capacity is within the radius). ``attrs`` record the radius and skipped providers.
    """
    import access as pysal_access

    if radius_km is None or not np.isfinite(radius_km) or radius_km <= 0:
        msg = f"radius_km must be a positive number of kilometres, got {radius_km!r}"
        raise ValueError(msg)
    cap = (
        pd.to_numeric(providers[capacity_col], errors="coerce")
        if capacity_col in providers.columns
        else pd.Series(np.nan, index=providers.index)
    )
    missing = int(cap.isna().sum())
    if default_capacity is not None:
        cap = cap.fillna(float(default_capacity))
    sup = providers.loc[cap.notna() & (cap > 0)]
    cap = cap.loc[sup.index]
    result = pd.Series(0.0, index=demand.index, name="access")
    result.attrs = {"radius_km": float(radius_km), "providers_without_capacity": missing if default_capacity is None else 0}
    if len(sup) == 0 or len(demand) == 0:
        return result
    pairs = _distance.pairs_within(demand, sup, radius_km=radius_km)
    if pairs.empty:
        return result
    # access needs plain, unique labels: use positions.
    demand_df = pd.DataFrame(
        {"population": pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).to_numpy()},
        index=pd.RangeIndex(len(demand), name="demand_pos"),
    )
    supply_df = pd.DataFrame({"capacity": cap.to_numpy(dtype=float)}, index=pd.RangeIndex(len(sup), name="supply_pos"))
    cost_df = pd.DataFrame(
        {
            "origin": pairs["point_pos"].to_numpy(dtype=np.int64),
            "dest": pairs["provider_pos"].to_numpy(dtype=np.int64),
            "km": pairs["distance_m"].to_numpy(dtype=float) / 1000.0,
        }
    )
    acc = pysal_access.Access(
        demand_df=demand_df,
        demand_value="population",
        supply_df=supply_df,
        supply_value="capacity",
        cost_df=cost_df,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="km",
    )
    acc.two_stage_fca(name="2sfca", cost="km", max_cost=float(radius_km), supply_values="capacity", normalize=False)
    col = "2sfca_capacity"
    values = acc.access_df[col].reindex(range(len(demand))).fillna(0.0).to_numpy(dtype=float)
    result[:] = values
    return result


def access_by_unit(units: pd.DataFrame, demand: pd.DataFrame, access: pd.Series) -> pd.DataFrame:
    """Population-weighted mean 2SFCA accessibility per unit.

    Returns
    -------
    pandas.DataFrame
        ``code`` and ``access_per_100k`` (capacity reachable per 100k people, weighted by
        settlement population; NaN for units without demand points).
    """
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0)
    frame = pd.DataFrame(
        {"code": demand["unit_code"].astype(object), "w": pop, "wa": pop * access.reindex(demand.index).fillna(0.0)}
    )
    g = frame.groupby("code").agg(w=("w", "sum"), wa=("wa", "sum"))
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()})
    out = out.merge(g, left_on="code", right_index=True, how="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["access_per_100k"] = np.where(out["w"] > 0, out["wa"] / out["w"] * 1e5, np.nan)
    return out[["code", "access_per_100k"]]
