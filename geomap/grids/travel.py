"""Travel time to the nearest provider over a friction surface, tile by tile, in bounded memory.

A national 100 m grid (~166 M cells) does not fit one cost-distance run: scikit-image's
``MCP_Geometric`` over the whole grid holds about 30 bytes per cell (friction, cumulative cost,
traceback, edge maps). Here the grid is cut into tiles of ``tile`` x ``tile`` cells, and each
tile runs Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`) over itself plus a one-cell halo:

- the sources are the provider cells in the tile (time 0) and the halo cells, each starting at
  the time its own tile last found for it (a virtual source linked to every seed with an edge of
  that weight, so seeds start at different times);
- a move between two 8-connected cells costs half of each cell's friction times the move's length
  (``MCP_Geometric``'s rule, with the same cell sizes from :func:`geomap.grids.cost.cell_size_m`);
  cells whose friction is missing or negative are impassable;
- a tile hands on only its outer rows and columns (the halo of its neighbours), and the times
  its run found for its halo. A neighbour runs again only when that beats the time it holds for
  one of its outer cells (every route into a tile enters through an outer cell). The rounds stop
  when no run beats any: a fixed point of the block relaxation, which is the shortest-path time
  of the whole grid, so the result is that of a whole-grid run (tested against
  ``MCP_Geometric``). Each tile runs about twice on a national grid.

Serially (:func:`tiled_sums`, ``client=None``) the tiles run one after another and each sees its
neighbours' newest edges (Gauss-Seidel); on Dask the same, a few tiles at a time (one per worker
thread, each sent with the newest edges when a slot frees up). Both reach the same fixed point. Each run also returns the tile's per-unit sums
(:data:`SUMS`); a tile's last run is the one that counts, so nothing but edges and sums ever
leaves a tile: memory is bounded by the tile size (~150 bytes per cell of one tile, per worker).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.windows import Window

from geomap.grids import cost, io, reach

__all__ = ["DEFAULT_TILE", "SUMS", "Problem", "grid_travel", "tile_travel", "tiled_minutes", "tiled_sums"]

#: Rows and columns of one cost-distance tile (1024 x 1024: about 170 MB of working memory).
DEFAULT_TILE = 1024

#: Per-unit sums one tile returns (the last row is "outside every unit").
SUMS = ("population", "pop_within", "reachable_population", "pop_x_minutes")

#: Eight moves (row, column) between neighbouring cells.
_MOVES = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

#: An edge time must drop by more than this (relative) to send a tile's neighbours round again.
_RTOL = 1e-12


@dataclasses.dataclass(frozen=True, eq=False)
class Problem:
    """Everything a tile needs besides its halo: picklable, so Dask workers get it once."""

    info: io.RasterInfo
    friction: cost.Friction
    sampling: tuple[float, float]
    starts: np.ndarray  # (n, 2) row, column of provider cells on the grid
    shapes: Sequence[tuple[object, int]] | None
    n_units: int
    minutes: float
    keep_minutes: bool = False


def _graph(block: np.ndarray, sampling: tuple[float, float], seeds: np.ndarray, times: np.ndarray):
    """The 8-connected graph of a friction block (minutes per metre) plus a source node (the last).

    Every cell has eight edge slots, one per move (a fixed-stride CSR layout, built without any
    sorting or boolean compaction); a move to or from an impassable cell, or off the block, is an
    edge of infinite weight to the cell itself, which Dijkstra never takes. The source links to
    the flat cell numbers ``seeds`` with edges of ``times`` (the minutes the seeds start at).
    About 100 bytes per cell.
    """
    import scipy.sparse as sp

    h, w = block.shape
    n = h * w
    k = len(_MOVES)
    pad = np.full((h + 2, w + 2), np.nan)
    pad[1:-1, 1:-1] = block
    idx = np.arange(n, dtype=np.int32).reshape(h, w)
    indices = np.empty((h, w, k), dtype=np.int32)
    data = np.empty((h, w, k))
    step = np.asarray(sampling, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        for m, (dr, dc) in enumerate(_MOVES):
            length = np.sqrt(np.sum((step * np.array([dr, dc], dtype=np.float64)) ** 2))
            cost = length * 0.5 * (block + pad[1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w])  # NaN where either is impassable
            np.copyto(data[:, :, m], cost)
            np.add(idx, np.int32(dr * w + dc), out=indices[:, :, m])
            bad = np.isnan(cost)
            data[:, :, m][bad] = np.inf
            indices[:, :, m][bad] = idx[bad]
    indptr = np.empty(n + 2, dtype=np.int32)
    indptr[: n + 1] = np.arange(0, k * n + 1, k, dtype=np.int32)
    indptr[n + 1] = k * n + len(seeds)
    all_indices = np.concatenate([indices.reshape(-1), seeds.astype(np.int32)])
    all_data = np.concatenate([data.reshape(-1), times])
    return sp.csr_matrix((all_data, all_indices, indptr), shape=(n + 1, n + 1))


def _dijkstra(block: np.ndarray, sampling: tuple[float, float], seeds: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Minutes from the cheapest seed to every cell of ``block`` (``inf`` where none reaches)."""
    from scipy.sparse.csgraph import dijkstra

    flat = (seeds[0] * block.shape[1] + seeds[1]).astype(np.int32)
    keep = np.isfinite(block.ravel()[flat]) & np.isfinite(times)
    if not keep.any():
        return np.full(block.shape, np.inf)
    graph = _graph(block, sampling, flat[keep], times[keep])
    dist = dijkstra(graph, directed=True, indices=graph.shape[0] - 1)
    return dist[:-1].reshape(block.shape)


def _halo_seeds(halo: dict[str, np.ndarray], shape: tuple[int, int], inner: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row/column (in the padded block) and starting minutes of the halo cells that have a time."""
    top, left, h, w = inner  # offsets of the tile inside the block, and the tile's size
    rows, cols, times = [], [], []
    if "top" in halo:
        rows.append(np.zeros(shape[1], dtype=np.int64))
        cols.append(np.arange(shape[1]))
        times.append(halo["top"])
    if "bottom" in halo:
        rows.append(np.full(shape[1], shape[0] - 1, dtype=np.int64))
        cols.append(np.arange(shape[1]))
        times.append(halo["bottom"])
    if "left" in halo:
        rows.append(np.arange(top, top + h))
        cols.append(np.zeros(h, dtype=np.int64))
        times.append(halo["left"])
    if "right" in halo:
        rows.append(np.arange(top, top + h))
        cols.append(np.full(h, shape[1] - 1, dtype=np.int64))
        times.append(halo["right"])
    if not rows:
        return np.empty((2, 0), dtype=np.int64), np.empty(0)
    r, c, t = np.concatenate(rows), np.concatenate(cols), np.concatenate(times)
    fin = np.isfinite(t)
    return np.vstack([r[fin], c[fin]]), t[fin]


def tile_travel(problem: Problem, window: Window, halo: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One tile's run: Dijkstra over the tile and its halo, then its edges and per-unit sums.

    Parameters
    ----------
    problem
        The grid, friction, providers, units and threshold.
    window
        The tile.
    halo
        Current minutes of the cells round the tile: ``top`` / ``bottom`` (the rows above and
        below, spanning the tile's columns plus one on each side where the grid has them),
        ``left`` / ``right`` (the columns beside it, the tile's rows). A side at the grid's
        edge is absent.

    Returns
    -------
    dict
        ``top``, ``bottom``, ``left``, ``right``: the tile's own outer rows and columns (minutes);
        ``offer``: the halo's minutes after the run, by side (lower than the neighbour's own
        where a route through this tile is quicker); ``sums``: ``(n_units + 1, 4)`` :data:`SUMS`; ``minutes`` (the tile's times) when
        ``problem.keep_minutes``.
    """
    info = problem.info
    r0, c0, h, w = int(window.row_off), int(window.col_off), int(window.height), int(window.width)
    br0, bc0 = max(r0 - 1, 0), max(c0 - 1, 0)
    br1, bc1 = min(r0 + h + 1, info.height), min(c0 + w + 1, info.width)
    block = problem.friction.read(info, Window(bc0, br0, bc1 - bc0, br1 - br0))
    top, left = r0 - br0, c0 - bc0
    seeds, times = _halo_seeds(halo, block.shape, (top, left, h, w))
    s = problem.starts
    inside = (s[:, 0] >= r0) & (s[:, 0] < r0 + h) & (s[:, 1] >= c0) & (s[:, 1] < c0 + w) if len(s) else np.zeros(0, bool)
    own = np.vstack([s[inside, 0] - br0, s[inside, 1] - bc0]) if len(s) else np.empty((2, 0), dtype=np.int64)
    seeds = np.concatenate([own.astype(np.int64), seeds], axis=1)
    times = np.concatenate([np.zeros(own.shape[1]), times])
    dist = _dijkstra(block, problem.sampling, seeds, times)
    t = dist[top : top + h, left : left + w]
    out = {"top": t[0].copy(), "bottom": t[-1].copy(), "left": t[:, 0].copy(), "right": t[:, -1].copy()}
    offer = {}  # the times this tile can give its neighbours' outer cells (the halo, after the run)
    if "top" in halo:
        offer["top"] = dist[0].copy()
    if "bottom" in halo:
        offer["bottom"] = dist[-1].copy()
    if "left" in halo:
        offer["left"] = dist[top : top + h, 0].copy()
    if "right" in halo:
        offer["right"] = dist[top : top + h, -1].copy()
    out["offer"] = offer
    out["sums"] = _sums(problem, window, t)
    if problem.keep_minutes:
        out["minutes"] = t
    return out


def _sums(problem: Problem, window: Window, t: np.ndarray) -> np.ndarray:
    m = problem.n_units + 1
    out = np.zeros((m, len(SUMS)))
    if problem.shapes is None:
        return out
    pop = io.read_population(problem.info.path, window)
    if not (pop > 0).any():
        return out
    unit = reach.unit_ids(problem.shapes, problem.n_units, problem.info, window).ravel()
    p = pop.ravel()
    tt = t.ravel()
    reachable = np.isfinite(tt)
    out[:, 0] = np.bincount(unit, weights=p, minlength=m)
    out[:, 1] = np.bincount(unit, weights=np.where(tt <= problem.minutes, p, 0.0), minlength=m)
    out[:, 2] = np.bincount(unit, weights=np.where(reachable, p, 0.0), minlength=m)
    out[:, 3] = np.bincount(unit, weights=np.where(reachable, p * np.where(reachable, tt, 0.0), 0.0), minlength=m)
    return out


class _Edges:
    """The current minutes on every tile's outer rows and columns (full-width rows, full-height columns)."""

    def __init__(self, info: io.RasterInfo, tile: int) -> None:
        self.h, self.w, self.tile = info.height, info.width, tile
        self.rows: dict[int, np.ndarray] = {}
        self.cols: dict[int, np.ndarray] = {}
        for r in range(0, self.h, tile):
            for rr in (r, min(r + tile, self.h) - 1):
                self.rows[rr] = np.full(self.w, np.inf)
        for c in range(0, self.w, tile):
            for cc in (c, min(c + tile, self.w) - 1):
                self.cols[cc] = np.full(self.h, np.inf)

    def halo(self, win: Window) -> dict[str, np.ndarray]:
        r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
        cs = slice(max(c0 - 1, 0), min(c0 + w + 1, self.w))
        out = {}
        if r0 > 0:
            out["top"] = self.rows[r0 - 1][cs].copy()
        if r0 + h < self.h:
            out["bottom"] = self.rows[r0 + h][cs].copy()
        if c0 > 0:
            out["left"] = self.cols[c0 - 1][r0 : r0 + h].copy()
        if c0 + w < self.w:
            out["right"] = self.cols[c0 + w][r0 : r0 + h].copy()
        return out

    def update(self, win: Window, res: dict[str, np.ndarray]) -> bool:
        """Lower the tile's edges to ``res``; True when some time dropped (its neighbours must run again)."""
        r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
        changed = False
        for line, sl, new in (
            (self.rows[r0], slice(c0, c0 + w), res["top"]), (self.rows[r0 + h - 1], slice(c0, c0 + w), res["bottom"]),
            (self.cols[c0], slice(r0, r0 + h), res["left"]), (self.cols[c0 + w - 1], slice(r0, r0 + h), res["right"]),
        ):
            old = line[sl]
            if _drops(new, old).any():
                changed = True
            line[sl] = np.minimum(old, new)
        return changed


    def improved(self, win: Window, offer: dict[str, np.ndarray]) -> set[tuple[int, int]]:
        """The neighbouring tiles for which ``offer`` (a tile's halo after its run) holds a quicker time."""
        r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
        c_first = max(c0 - 1, 0)
        out: set[tuple[int, int]] = set()
        for side, new in offer.items():
            if side in ("top", "bottom"):
                row = r0 - 1 if side == "top" else r0 + h
                cur = self.rows[row][c_first : c_first + len(new)]
                hit = np.nonzero(_drops(new, cur))[0]
                out.update((row // self.tile, int(tc)) for tc in np.unique((c_first + hit) // self.tile))
            else:
                col = c0 - 1 if side == "left" else c0 + w
                cur = self.cols[col][r0 : r0 + h]
                if _drops(new, cur).any():
                    out.add((r0 // self.tile, col // self.tile))
        return out


def _drops(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Where ``new`` is quicker than ``old`` by more than the tolerance (any finite time beats ``inf``)."""
    return new < old - _RTOL * np.where(np.isfinite(old), np.abs(old), 0.0)


def _solve(problem: Problem, *, tile: int, client=None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Run tiles until no run beats a neighbour's outer times; the last result of every tile, keyed by (row, column)."""
    info = problem.info
    wins = {(r // tile, c // tile): w for w in io.iter_windows(info, block=tile) for r, c in [(int(w.row_off), int(w.col_off))]}
    edges = _Edges(info, tile)
    last: dict[tuple[int, int], dict] = {}
    dirty = set(wins)
    runs = 0
    shared = client.scatter(problem, broadcast=True) if client is not None else problem
    while dirty:
        if client is None:  # Gauss-Seidel: each tile sees its neighbours' newest edges
            for key in sorted(dirty):
                if key not in dirty:
                    continue
                dirty.discard(key)
                last[key] = tile_travel(problem, wins[key], edges.halo(wins[key]))
                runs += 1
                edges.update(wins[key], last[key])
                dirty.update(edges.improved(wins[key], last[key]["offer"]))
                if progress is not None:
                    progress(runs, runs + len(dirty))
        else:
            runs += _solve_on_dask(client, shared, wins, edges, last, dirty, progress=progress)
            dirty = set()
    return {"tiles": last, "runs": runs, "n_tiles": len(wins), "windows": wins}


def _next_tiles(pending: set, busy: set, free: int) -> list:
    """Up to ``free`` pending tiles in raster order, none touching a running or chosen one (they would miss its edges)."""
    chosen: list = []
    for key in sorted(pending - busy):
        if len(chosen) >= free:
            break
        if all(max(abs(key[0] - o[0]), abs(key[1] - o[1])) > 1 for o in (*busy, *chosen)):
            chosen.append(key)
    return chosen


def _solve_on_dask(client, shared, wins: dict, edges: _Edges, last: dict, dirty: set, *, progress=None) -> int:
    """Run the ``dirty`` tiles on the cluster, a few at a time; the number of tile runs.

    At most one tile per worker thread (plus one) is in flight, none next to another, each sent
    with the newest edges at the moment a slot frees up, so a tile never waits in a queue holding
    a stale halo (the serial path's order, spread over the workers). A tile asked for while it
    runs goes again.
    """
    from dask.distributed import wait

    slots = max(1, sum(client.nthreads().values())) + 1
    pending = set(dirty)
    running: dict = {}  # future -> tile
    runs = 0
    while pending or running:
        for key in _next_tiles(pending, set(running.values()), slots - len(running)):
            pending.discard(key)
            running[client.submit(tile_travel, shared, wins[key], edges.halo(wins[key]), pure=False)] = key
        done, _ = wait(list(running), return_when="FIRST_COMPLETED")
        for fut in done:
            key = running.pop(fut)
            res = fut.result()
            last[key] = res
            runs += 1
            edges.update(wins[key], res)
            pending.update(edges.improved(wins[key], res["offer"]))
        if progress is not None:
            progress(runs, runs + len(running) + len(pending))
    return runs


def _problem(info, providers, friction, *, minutes, units=None, keep_minutes=False) -> Problem:
    fr = friction if isinstance(friction, cost.Friction) else cost.Friction(array=np.asarray(friction, dtype=np.float64))
    fr.check(info)
    rows, cols = cost.provider_cells(info, providers)
    keep = rows >= 0
    return Problem(
        info=info, friction=fr, sampling=cost.cell_size_m(info), starts=np.column_stack([rows[keep], cols[keep]]),
        shapes=None if units is None else reach.unit_shapes(units, info), n_units=0 if units is None else len(units),
        minutes=float(minutes), keep_minutes=keep_minutes,
    )


def tiled_minutes(friction, info: io.RasterInfo, providers: gpd.GeoDataFrame, *, tile: int = DEFAULT_TILE, client=None) -> np.ndarray:
    """Minutes from every cell to the nearest provider, assembled from tiles (for grids that fit in memory).

    The same numbers as :func:`geomap.grids.cost.travel_minutes` (one whole-grid
    ``MCP_Geometric``), computed tile by tile; ``inf`` where no provider can be reached.
    """
    problem = _problem(info, providers, friction, minutes=np.inf, keep_minutes=True)
    solved = _solve(problem, tile=tile, client=client)
    out = np.full((info.height, info.width), np.inf)
    for key, res in solved["tiles"].items():
        w = solved["windows"][key]
        out[int(w.row_off) : int(w.row_off + w.height), int(w.col_off) : int(w.col_off + w.width)] = res["minutes"]
    return out


def tiled_sums(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    friction,
    minutes: float,
    tile: int = DEFAULT_TILE,
    client=None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, dict]:
    """Per-unit :data:`SUMS` of travel time over the grid, and run statistics (``runs``, ``n_tiles``)."""
    problem = _problem(info, providers, friction, minutes=minutes, units=units)
    solved = _solve(problem, tile=tile, client=client, progress=progress)
    sums = np.zeros((len(units) + 1, len(SUMS)))
    for res in solved["tiles"].values():
        sums += res["sums"]
    return sums, {"runs": solved["runs"], "n_tiles": solved["n_tiles"]}


def grid_travel(
    info: io.RasterInfo,
    units: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    friction,
    minutes: float,
    tile: int = DEFAULT_TILE,
    client=None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """People within ``minutes`` of a provider over the friction surface, per unit, tile by tile.

    Parameters
    ----------
    info
        The population raster.
    units
        Units layer (``code``, polygons).
    providers
        Provider points (all of them: the result is an aggregate).
    friction
        A :class:`geomap.grids.cost.Friction` (read window by window: bounded memory) or an
        array of minutes per metre on the population grid.
    minutes
        The travel-time threshold.
    tile
        Tile size in cells.
    client
        A :class:`dask.distributed.Client` to run the tiles on, or ``None`` (here, one by one).
    progress
        ``progress(done, total)`` after each tile (serial path); ``total`` grows when tiles
        run again.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``grid_population``, ``pop_within_min``,
        ``pop_beyond_min`` (including people who cannot reach any provider),
        ``share_within_min``, ``mean_minutes`` (population-weighted over people who can reach
        one), ``unreachable_population``, ``minutes``, ``population_model``; ``attrs``
        ``tile_runs`` and ``tiles``.
    """
    if minutes is None or not np.isfinite(minutes) or minutes <= 0:
        msg = f"minutes must be a positive number, got {minutes!r}"
        raise ValueError(msg)
    if tile < 8:
        msg = f"tile must be at least 8 cells, got {tile!r}"
        raise ValueError(msg)
    sums, stats = tiled_sums(info, units, providers, friction=friction, minutes=minutes, tile=tile, client=client, progress=progress)
    body = sums[:-1]
    total, within, rpop, wtime = body[:, 0], body[:, 1], body[:, 2], body[:, 3]
    has = total > 0
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy(), "grid_population": np.where(has, total, np.nan)})
    out["pop_within_min"] = np.where(has, within, np.nan)
    out["pop_beyond_min"] = out["grid_population"] - out["pop_within_min"]
    out["share_within_min"] = out["pop_within_min"] / out["grid_population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_minutes"] = np.where(rpop > 0, wtime / rpop, np.nan)
    out["unreachable_population"] = np.where(has, total - rpop, np.nan)
    out["minutes"] = float(minutes)
    out["population_model"] = info.label
    out.attrs = {"tile_runs": stats["runs"], "tiles": stats["n_tiles"], "population_model": info.label}
    return out
