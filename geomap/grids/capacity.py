"""Capacity-limited coverage, as AccessMod's *geographic coverage* analysis.

Facilities are taken one after another (largest capacity first, or in the order given). Each
one serves the people nearest to it first — cell by cell in order of geodesic distance, up to
``max_km`` — until its capacity is used up; the people it serves are removed before the next
facility fills. The cell where a facility runs out is served in part. What is left on the grid
is the population no facility can take in: the *uncovered* population, reported per unit.

Capacity is read as the number of people a facility can serve (multiply beds or places by
``people_per_capacity`` when one place serves several people over the period considered).
Facilities without a stated capacity serve nobody here and are listed as such.

The per-unit table is an aggregate (safe to publish). The per-facility table names providers,
confidential ones included: show it only to a role that may see them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import distance as _distance
from geomap.grids.cells import cells_in_units

__all__ = ["capacity_coverage"]


def _fill(order: np.ndarray, dist_m: np.ndarray, remaining: np.ndarray, capacity: float) -> float:
    """Serve ``capacity`` people from the cells ``order`` (sorted nearest first); return people served."""
    cells = order[np.argsort(dist_m, kind="stable")]
    avail = remaining[cells]
    before = np.concatenate([[0.0], np.cumsum(avail)[:-1]])
    take = np.clip(capacity - before, 0.0, avail)
    remaining[cells] = avail - take
    return float(take.sum())


def _order(providers: gpd.GeoDataFrame, cap: np.ndarray, order: str) -> np.ndarray:
    if order == "capacity":
        return np.argsort(-np.nan_to_num(cap, nan=-1.0), kind="stable")
    if order == "given":
        return np.arange(len(providers))
    msg = f"order must be 'capacity' (largest first) or 'given', got {order!r}"
    raise ValueError(msg)


def capacity_coverage(
    cells: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    max_km: float,
    capacity_col: str = "capacity",
    people_per_capacity: float = 1.0,
    order: str = "capacity",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill facilities nearest-first up to capacity; the people left uncovered per unit.

    Parameters
    ----------
    cells
        Populated cells as points with ``population`` (:func:`geomap.grids.cells.populated_cells`).
    units
        Units layer with ``code`` and polygons.
    providers
        Facilities (points) with a capacity column.
    max_km
        How far (geodesic km) a facility takes people from.
    capacity_col
        The column holding capacity.
    people_per_capacity
        People served per unit of capacity.
    order
        ``"capacity"`` (largest first, as AccessMod's default) or ``"given"`` (the table's order).

    Returns
    -------
    tuple of pandas.DataFrame
        Per unit: ``code``, ``grid_population``, ``covered_population``,
        ``uncovered_population``, ``share_covered``, ``max_km``, ``population_model``. Per
        facility (partners only): ``provider`` (index label), ``confidential``, ``capacity``,
        ``served``, ``filled`` (capacity used up), ``status``.
    """
    if max_km is None or not np.isfinite(max_km) or max_km <= 0:
        msg = f"max_km must be a positive number of kilometres, got {max_km!r}"
        raise ValueError(msg)
    if capacity_col not in providers.columns:
        msg = f"the providers have no {capacity_col!r} column: capacity-limited coverage needs each facility's capacity"
        raise ValueError(msg)
    pts = cells_in_units(cells, units)
    pop = pts["population"].to_numpy(dtype=float)
    remaining = pop.copy()
    xy = _distance.point_coords(pts)
    sx = _distance.point_coords(providers)
    cap = pd.to_numeric(providers[capacity_col], errors="coerce").to_numpy(dtype=float) * float(people_per_capacity)
    tree = _distance._tree(xy) if len(xy) else None
    chord = 2.0 * np.sin(min(max_km * 1000.0 * 1.01 / _distance.EARTH_RADIUS_M, np.pi) / 2.0)
    served = np.zeros(len(providers))
    status = np.array(["no capacity stated"] * len(providers), dtype=object)
    for j in _order(providers, cap, order):
        if not np.isfinite(cap[j]) or cap[j] <= 0 or tree is None:
            continue
        near = np.asarray(tree.query_ball_point(_distance._unit_vectors(sx[j : j + 1])[0], r=chord), dtype=np.int64)
        _, _, d = _distance._GEOD.inv(np.full(len(near), sx[j, 0]), np.full(len(near), sx[j, 1]), xy[near, 0], xy[near, 1])
        d = np.asarray(d, dtype=float)
        ok = d <= max_km * 1000.0
        served[j] = _fill(near[ok], d[ok], remaining, cap[j]) if ok.any() else 0.0
        status[j] = "filled" if served[j] >= cap[j] - 1e-9 else "spare capacity"
    return _unit_table(units, pts, pop, remaining, max_km, cells), _facility_table(providers, cap, served, status)


def _unit_table(units, pts, pop, remaining, max_km, cells) -> pd.DataFrame:
    codes = pts["unit_code"].astype(object).to_numpy()
    g = pd.DataFrame({"code": codes, "pop": pop, "left": remaining}).groupby("code", sort=False).sum()
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()}).merge(g, left_on="code", right_index=True, how="left")
    has = out["pop"] > 0
    out["grid_population"] = out["pop"].where(has)
    out["uncovered_population"] = out["left"].where(has)
    out["covered_population"] = out["grid_population"] - out["uncovered_population"]
    out["share_covered"] = out["covered_population"] / out["grid_population"]
    out["max_km"] = float(max_km)
    out["population_model"] = cells.attrs.get("population_model", "population grid")
    return out[["code", "grid_population", "covered_population", "uncovered_population", "share_covered", "max_km", "population_model"]]


def _facility_table(providers, cap, served, status) -> pd.DataFrame:
    conf = providers["confidential"].fillna(False).to_numpy(dtype=bool) if "confidential" in providers.columns else np.zeros(len(providers), bool)
    return pd.DataFrame(
        {
            "provider": pd.Series(np.asarray(providers.index, dtype=object), dtype=object),
            "confidential": conf,
            "capacity": cap,
            "served": served,
            "filled": status == "filled",
            "status": status,
        }
    )
