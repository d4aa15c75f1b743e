"""Where should the next k sites go? Maximal covering location (MCLP) with PySAL ``spopt``.

Demand points (settlements) already within ``radius_km`` of an existing provider count as
covered and are left out of the model (equivalent to fixing the existing sites open, and much
smaller). Among the candidate sites (by default the settlements themselves), the ``add`` sites
that together cover the most *not yet covered* population are chosen by ``spopt.locate.MCLP``
(an integer programme solved with CBC, which ships with pulp). The chosen sites are then listed
in greedy order so that each row shows the population it newly covers after the ones above it:
the cumulative column is the marginal gain curve.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import distance as _distance

__all__ = ["covered_by_existing", "mclp_sites"]


def covered_by_existing(demand: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None, *, radius_km: float) -> np.ndarray:
    """Boolean array: which demand points are within ``radius_km`` (geodesic) of an existing site."""
    if existing is None or len(existing) == 0:
        return np.zeros(len(demand), dtype=bool)
    near = _distance.nearest_provider(demand, existing)
    return (near["distance_km"] <= radius_km).to_numpy(dtype=bool)


def mclp_sites(
    demand: gpd.GeoDataFrame,
    *,
    radius_km: float,
    add: int,
    existing: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    max_candidates: int = 400,
    time_limit_s: float = 60.0,
) -> gpd.GeoDataFrame:
    """Choose ``add`` new sites that maximise newly covered population (MCLP).

    Parameters
    ----------
    demand
        Demand points with ``population`` (e.g. :func:`geomap.analysis.demand.demand_points`).
    radius_km
        Coverage radius (geodesic km).
    add
        Number of sites to add (k).
    existing
        Existing providers; points within ``radius_km`` of one are already covered.
    candidates
        Candidate sites (points); default: the demand points themselves.
    max_candidates
        Keep only this many candidates, those that could cover the most uncovered population on
        their own (keeps the integer programme small for ~17k settlements).
    time_limit_s
        CBC time limit.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per chosen site in greedy order: ``order``, ``candidate`` (index label in
        ``candidates``), ``name``/``unit_code`` when the candidates have them, ``geometry``,
        ``new_population_covered``, ``cumulative_new_covered`` and ``cumulative_share_covered``
        (of the total demand population, including the part existing sites already cover).
        ``attrs``: ``total_population``, ``covered_before``, ``covered_after``,
        ``radius_km``, ``status`` (the solver's status).
    """
    if not isinstance(add, (int, np.integer)) or add < 1:
        msg = f"add must be a whole number of sites, at least 1; got {add!r}"
        raise ValueError(msg)
    if radius_km is None or not np.isfinite(radius_km) or radius_km <= 0:
        msg = f"radius_km must be a positive number of kilometres, got {radius_km!r}"
        raise ValueError(msg)
    cand = demand if candidates is None else candidates
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    total = float(pop.sum())
    covered = covered_by_existing(demand, existing, radius_km=radius_km)
    before = float(pop[covered].sum())
    open_mask = (~covered) & (pop > 0)
    open_demand = demand.loc[open_mask]
    open_pop = pop[open_mask]

    def finish(out: gpd.GeoDataFrame, status: str) -> gpd.GeoDataFrame:
        added = float(out["new_population_covered"].sum()) if len(out) else 0.0
        out.attrs = {
            "total_population": total,
            "covered_before": before,
            "covered_after": before + added,
            "radius_km": float(radius_km),
            "status": status,
        }
        return out

    empty = gpd.GeoDataFrame({c: [] for c in _SITE_COLUMNS}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    if len(open_demand) == 0 or len(cand) == 0:
        return finish(empty, "nothing to cover")
    pairs = _distance.pairs_within(open_demand, cand, radius_km=radius_km)
    if pairs.empty:
        return finish(empty, "no candidate within reach of uncovered population")
    keep, aij, weights = _coverage_matrix(pairs, open_pop, max_candidates=max(int(max_candidates), int(add)))
    chosen, status = _solve_mclp(aij, weights, p=int(min(add, len(keep))), time_limit_s=time_limit_s)
    order = _greedy_order(aij, weights, chosen)
    out = _site_table(cand, [int(keep[j]) for j, _ in order], [g for _, g in order], before=before, total=total)
    return finish(out, status)


#: Columns of :func:`mclp_sites` (those the candidates have), before the geometry.
_SITE_COLUMNS = ["order", "candidate", "name", "unit_code", "population", "new_population_covered",
                 "cumulative_new_covered", "cumulative_share_covered"]


def _coverage_matrix(pairs: pd.DataFrame, open_pop: np.ndarray, *, max_candidates: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidates kept (positions), the client × candidate coverage matrix and client weights.

    Only the ``max_candidates`` candidates that could cover the most uncovered population on
    their own are kept; demand points covered by exactly the same candidates are merged into
    one client (exact: the model only sees who covers whom).
    """
    pairs = pairs.assign(pop=open_pop[pairs["point_pos"].to_numpy()])
    solo = pairs.groupby("provider_pos")["pop"].sum().sort_values(ascending=False, kind="stable")
    keep = solo.index.to_numpy()[:max_candidates]
    pairs = pairs[pairs["provider_pos"].isin(keep)]
    rows = np.unique(pairs["point_pos"].to_numpy())
    row_of = {p: i for i, p in enumerate(rows)}
    col_of = {c: j for j, c in enumerate(keep)}
    aij = np.zeros((len(rows), len(keep)), dtype=bool)
    aij[pairs["point_pos"].map(row_of).to_numpy(), pairs["provider_pos"].map(col_of).to_numpy()] = True
    aij, inverse = np.unique(aij, axis=0, return_inverse=True)
    weights = np.bincount(np.asarray(inverse).ravel(), weights=open_pop[rows], minlength=len(aij))
    return keep, aij, weights


def _solve_mclp(aij: np.ndarray, weights: np.ndarray, *, p: int, time_limit_s: float) -> tuple[list[int], str]:
    """The candidates (columns of ``aij``) chosen by spopt's MCLP with CBC, and the solver status."""
    import pulp
    from spopt.locate import MCLP

    # spopt takes a cost matrix and a radius: covered pairs cost 0, others radius + 1.
    cost = np.where(aij, 0.0, 2.0)
    with warnings.catch_warnings():  # pulp 3.x deprecation notices about its own API
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(cost, weights, service_radius=1.0, p_facilities=p)
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), results=False)
    status = pulp.LpStatus.get(model.problem.status, str(model.problem.status))
    return [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5], status


def _greedy_order(aij: np.ndarray, weights: np.ndarray, chosen: list[int]) -> list[tuple[int, float]]:
    """The chosen sites in greedy order: each one's gain given the sites above it."""
    got = np.zeros(len(aij), dtype=bool)
    order: list[tuple[int, float]] = []
    remaining = list(chosen)
    while remaining:
        gains = [float(weights[aij[:, j] & ~got].sum()) for j in remaining]
        best = int(np.argmax(gains))
        j = remaining.pop(best)
        order.append((j, gains[best]))
        got |= aij[:, j]
    return order


def _site_table(cand: gpd.GeoDataFrame, pos: list[int], gains: list[float], *, before: float, total: float) -> gpd.GeoDataFrame:
    out = cand.iloc[pos].copy()
    out = gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=cand.crs)
    out.insert(0, "candidate", pd.Series(np.asarray(cand.index, dtype=object)[pos], index=out.index, dtype=object))
    out.insert(0, "order", np.arange(1, len(pos) + 1))
    out["new_population_covered"] = gains
    out["cumulative_new_covered"] = out["new_population_covered"].cumsum()
    out["cumulative_share_covered"] = (before + out["cumulative_new_covered"]) / total if total > 0 else np.nan
    keep_cols = [col for col in _SITE_COLUMNS if col in out.columns] + [out.geometry.name]
    return out[keep_cols].reset_index(drop=True)
