"""The populated cells of a raster as points, optionally aggregated ``factor`` x ``factor``.

Used where the work needs a list of demand points rather than sums per unit: capacity-limited
coverage (:mod:`geomap.grids.capacity`) and siting (:mod:`geomap.grids.siting`). Blocks are read
one at a time; only populated (aggregated) cells are kept, as float32 coordinates.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from geomap.grids import io

__all__ = ["cells_in_units", "populated_cells"]


def _aggregate(pop: np.ndarray, lon: np.ndarray, lat: np.ndarray, factor: int) -> tuple[np.ndarray, ...]:
    h, w = pop.shape
    H, W = -(-h // factor) * factor, -(-w // factor) * factor

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, ((0, H - h), (0, W - w)))

    def blocks(a: np.ndarray) -> np.ndarray:
        return pad(a).reshape(H // factor, factor, W // factor, factor).sum(axis=(1, 3))

    total = blocks(pop)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = blocks(pop * lon) / total
        y = blocks(pop * lat) / total
    return total, x, y


def populated_cells(info: io.RasterInfo, *, factor: int = 1, block: int = io.DEFAULT_BLOCK) -> gpd.GeoDataFrame:
    """Points of the populated cells with their ``population`` (EPSG:4326).

    Parameters
    ----------
    info
        The population raster.
    factor
        Aggregate ``factor`` x ``factor`` cells into one point placed at their
        population-weighted centre (e.g. 10 turns a 100 m grid into 1 km points).
    block
        Block size in cells (rounded down to a multiple of ``factor``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``population`` and Point geometry; ``attrs["population_model"]``.
    """
    if not isinstance(factor, (int, np.integer)) or factor < 1:
        msg = f"factor must be a whole number of cells, at least 1; got {factor!r}"
        raise ValueError(msg)
    step = max(factor, (block // factor) * factor)
    xs, ys, ps = [], [], []
    for win in io.iter_windows(info, block=step):
        pop = io.read_population(info.path, win)
        if not (pop > 0).any():
            continue
        lon, lat = io.cell_lonlat(info, win)
        if factor > 1:
            pop, lon, lat = _aggregate(pop, lon, lat, factor)
        keep = pop > 0
        xs.append(lon[keep].astype(np.float32))
        ys.append(lat[keep].astype(np.float32))
        ps.append(pop[keep])
    x = np.concatenate(xs) if xs else np.empty(0, dtype=np.float32)
    y = np.concatenate(ys) if ys else np.empty(0, dtype=np.float32)
    p = np.concatenate(ps) if ps else np.empty(0)
    out = gpd.GeoDataFrame({"population": p}, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    out.attrs["population_model"] = info.label if factor == 1 else f"{info.label} (aggregated {factor}x{factor})"
    return out


def cells_in_units(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells whose centre lies in a unit, with that unit's ``unit_code``.

    The same rule as the per-block sums (a cell belongs to the unit holding its centre; no
    snapping of coastal cells to the nearest unit), so every grid figure adds up to the same
    population. ``attrs``: ``outside`` and ``outside_population`` (cells left out), and the
    cells' ``population_model``.
    """
    from geomap.join import assign_units

    xy = np.column_stack([cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()]) if len(cells) else np.empty((0, 2))
    pos = assign_units(xy[:, 0], xy[:, 1], units.to_crs("EPSG:4326") if units.crs is not None else units)
    inside = pos >= 0
    out = cells.loc[inside].copy()
    out["unit_code"] = units["code"].astype(object).to_numpy()[pos[inside]]
    out.attrs = {
        **cells.attrs,
        "outside": int((~inside).sum()),
        "outside_population": float(cells.loc[~inside, "population"].sum()),
    }
    return out
