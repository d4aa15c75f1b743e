"""Population grids: people within 50 km of 1,000 providers over a Nigeria-extent grid, in memory vs on Dask;
cost distance against scikit-image's ``MCP_Geometric``.

The benchmark writes its own synthetic grid over Nigeria's extent (2.67–14.68 E, 4.27–13.89 N):
100 m cells (0.000833°, about 166 M cells) in full mode, 2 km cells in quick mode. People sit in
clustered patches (about a third of the cells), as float32, tiled and compressed like a WorldPop
COG. 1,000 providers are placed at random in the extent; the units are the bundled admin-1 states.

Each run is a separate process so that its peak memory is its own; peak memory is the largest
sum of the resident sizes of that process and all its children (the Dask workers), sampled
every 0.1 s with psutil.

- ``grid_reach_dask_vs_memory``: seconds on a 2-worker LocalCluster (blocks of 2048²) over
  seconds of the in-memory path: one process, no Dask, the blocks read one after another
  (geomap's default; the whole raster as one block would need ~15 GB at 100 m).
- ``grid_reach_dask_peak_memory``: the Dask run's peak (all processes) over the in-memory run's;
  ``extra.dask_peak_gb`` is checked against the 2 GB goal.
- ``cost_distance_vs_mcp``: travel time within 120 minutes over a friction surface the benchmark
  writes (walking, rough patches, roads every 20 km, water): :func:`geomap.grids.travel.tiled_sums`
  (tiles read from the files, Dijkstra per tile, per-unit sums) over one bare whole-grid
  ``MCP_Geometric.find_costs`` on the same friction (read whole), each in its own process;
  ``cost_distance_peak_memory_vs_mcp`` their peaks; ``cost_distance_dask_vs_memory`` the tiles
  on a 2-worker LocalCluster. ``extra`` holds the people within 120 minutes and the relative
  difference between the runs (the tiles give the MCP's minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from _common import REPO, Record, paired_median

EXTENT = (2.67, 4.27, 14.68, 13.89)  # west, south, east, north
GOAL_DASK_PEAK_GB = 2.0


def write_synthetic(path: Path, *, res: float, seed: int = 0, block: int = 1024) -> tuple[int, int]:
    """Write the synthetic population grid block by block (never whole in memory); return its shape."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    west, south, east, north = EXTENT
    width, height = int(round((east - west) / res)), int(round((north - south) / res))
    profile = {
        "driver": "GTiff", "height": height, "width": width, "count": 1, "dtype": "float32", "crs": "EPSG:4326",
        "transform": from_origin(west, north, res, res), "nodata": -99999.0, "tiled": True, "blockxsize": 256,
        "blockysize": 256, "compress": "deflate", "BIGTIFF": "IF_SAFER",
    }
    rng = np.random.default_rng(seed)
    # patches: a coarse random field decides where people live (about a third of the cells)
    coarse = rng.random((max(1, height // 64 + 1), max(1, width // 64 + 1)))
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, height, block):
            for c in range(0, width, block):
                h, w = min(block, height - r), min(block, width - c)
                rows = (np.arange(r, r + h) // 64)[:, None]
                cols = (np.arange(c, c + w) // 64)[None, :]
                lived = coarse[rows, cols] < 0.33
                arr = np.where(lived, rng.gamma(0.6, 4.0, size=(h, w)), 0.0).astype("float32")
                dst.write(arr, 1, window=Window(c, r, w, h))
    return height, width


def _providers(n: int, seed: int = 1) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    west, south, east, north = EXTENT
    return list(zip(rng.uniform(west, east, n).tolist(), rng.uniform(south, north, n).tolist()))


_CHILD = r"""
import json, sys, time
sys.path.insert(0, {repo!r})
import geopandas as gpd
from shapely.geometry import Point
from geomap import boundaries
from geomap.grids import io, reach, execution

def main():
    pts = json.loads({pts!r})
    prov = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in pts], crs=4326)
    units = boundaries.load_boundaries("NGA")
    info = io.describe_raster({path!r})
    mode = {mode!r}
    t0 = time.perf_counter()
    if mode == "dask":
        with execution.dask_client(workers=2, memory_limit="900MB") as client:
            t0 = time.perf_counter()
            out = reach.grid_reach(info, units, prov, radius_km=50, block=2048, client=client)
    else:
        out = reach.grid_reach(info, units, prov, radius_km=50, block=2048)
    secs = time.perf_counter() - t0
    print(json.dumps({{"seconds": secs, "population": float(out["grid_population"].sum()),
                      "within": float(out["pop_within_km"].sum())}}))

if __name__ == "__main__":
    main()
"""


def _tree_rss(proc) -> int:
    import psutil

    try:
        p = psutil.Process(proc.pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def run_child(path: Path, mode: str, pts: list[tuple[float, float]], workdir: Path) -> dict:
    """Run one reach computation in a fresh process; its result plus peak memory of the process tree."""
    script = workdir / f"child_{mode}.py"
    script.write_text(_CHILD.format(repo=str(REPO), pts=json.dumps(pts), path=str(path), mode=mode), encoding="utf-8")
    return _measure(script)


def bench_reach(path: Path, shape: tuple[int, int], workdir: Path, *, providers: int = 1000) -> list[Record]:
    pts = _providers(providers)
    mem = run_child(path, "memory", pts, workdir)
    dsk = run_child(path, "dask", pts, workdir)
    agree = abs(dsk["within"] - mem["within"]) / max(mem["within"], 1.0)
    cells = shape[0] * shape[1]
    extra = {
        "cells": cells, "providers": providers, "memory_s": round(mem["seconds"], 2),
        "dask_s": round(dsk["seconds"], 2), "memory_peak_gb": round(mem["peak_gb"], 3),
        "dask_peak_gb": round(dsk["peak_gb"], 3), "dask_peak_under_2gb": bool(dsk["peak_gb"] < GOAL_DASK_PEAK_GB),
        "population": round(mem["population"]), "within_50km": round(mem["within"]), "dask_vs_memory_relative_difference": agree,
    }
    note = f"{cells:,} cells, {providers} providers, 50 km"
    return [
        Record("grid_reach_dask_vs_memory", dsk["seconds"], mem["seconds"], "s", None, note=note, extra=extra),
        Record("grid_reach_dask_peak_memory", dsk["peak_gb"], mem["peak_gb"], "GB", None,
               note=f"Dask peak (all processes) {dsk['peak_gb']:.2f} GB; goal under {GOAL_DASK_PEAK_GB:g} GB"),
    ]


def write_friction(path: Path, *, res: float, seed: int = 2, block: int = 1024) -> tuple[int, int]:
    """Write a synthetic friction surface (minutes per metre) on the population grid, block by block.

    Walking at 5 km/h, rough patches at 2 km/h, roads at 60 km/h every 20 km (rows and columns),
    and water patches (about 5 %) that cannot be crossed (nodata).
    """
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    west, south, east, north = EXTENT
    width, height = int(round((east - west) / res)), int(round((north - south) / res))
    profile = {
        "driver": "GTiff", "height": height, "width": width, "count": 1, "dtype": "float32", "crs": "EPSG:4326",
        "transform": from_origin(west, north, res, res), "nodata": -1.0, "tiled": True, "blockxsize": 256,
        "blockysize": 256, "compress": "deflate", "BIGTIFF": "IF_SAFER",
    }
    rng = np.random.default_rng(seed)
    coarse = rng.random((max(1, height // 64 + 1), max(1, width // 64 + 1)))
    road = max(2, int(round(20_000 / (res * 111_000))))  # cells between roads (20 km)
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, height, block):
            for c in range(0, width, block):
                h, w = min(block, height - r), min(block, width - c)
                rows, cols = np.arange(r, r + h)[:, None], np.arange(c, c + w)[None, :]
                kind = coarse[rows // 64, cols // 64]
                arr = np.full((h, w), 60.0 / 5_000)
                arr[kind > 0.8] = 60.0 / 2_000
                arr[(rows % road == 0) | (cols % road == 0)] = 60.0 / 60_000
                arr[(kind < 0.05) & ~((rows % road == 0) | (cols % road == 0))] = -1.0  # water, bridged by the roads
                dst.write(arr.astype("float32"), 1, window=Window(c, r, w, h))
    return height, width


_COST_CHILD = r"""
import json, sys, time
sys.path.insert(0, {repo!r})
import numpy as np
import geopandas as gpd
from shapely.geometry import Point
from geomap import boundaries
from geomap.grids import cost, execution, io, travel

MINUTES = 120.0

def within_whole(info, minutes_arr):
    total = 0.0
    for win in io.iter_windows(info, block=2048):
        r0, c0 = int(win.row_off), int(win.col_off)
        t = minutes_arr[r0:r0 + int(win.height), c0:c0 + int(win.width)]
        total += float(io.read_population(info.path, win)[t <= MINUTES].sum())
    return total

def main():
    pts = json.loads({pts!r})
    prov = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in pts], crs=4326)
    info = io.describe_raster({path!r})
    mode, tile = {mode!r}, {tile!r}
    if mode == "mcp":
        from skimage.graph import MCP_Geometric
        t0 = time.perf_counter()
        costs = cost.read_friction({friction!r}, info)
        costs[~np.isfinite(costs)] = -1.0
        rows, cols = cost.provider_cells(info, prov)
        starts = [(int(r), int(c)) for r, c in zip(rows, cols) if r >= 0 and costs[r, c] >= 0]
        minutes_arr, _ = MCP_Geometric(costs, fully_connected=True, sampling=cost.cell_size_m(info)).find_costs(starts)
        secs = time.perf_counter() - t0
        del costs
        out = {{"seconds": secs, "within": within_whole(info, minutes_arr), "runs": None, "tiles": None}}
    else:
        units = boundaries.load_boundaries("NGA")
        fr = cost.friction_raster({friction!r})
        if mode == "tiled_dask":
            with execution.dask_client(workers=2, memory_limit="900MB") as client:
                t0 = time.perf_counter()
                sums, stats = travel.tiled_sums(info, units, prov, friction=fr, minutes=MINUTES, tile=tile, client=client)
                secs = time.perf_counter() - t0
        else:
            t0 = time.perf_counter()
            sums, stats = travel.tiled_sums(info, units, prov, friction=fr, minutes=MINUTES, tile=tile)
            secs = time.perf_counter() - t0
        out = {{"seconds": secs, "within": float(sums[:, 1].sum()), "runs": stats["runs"], "tiles": stats["n_tiles"]}}
    print(json.dumps(out))

if __name__ == "__main__":
    main()
"""


def _measure(script: Path) -> dict:
    """Run ``script`` in a fresh process: its JSON result plus the peak memory of its process tree."""
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    th.join()
    if proc.returncode != 0:
        msg = f"{script.name} failed: {err[-2000:]}"
        raise RuntimeError(msg)
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_gb"] = peak[0] / 1024**3
    return result


def run_cost_child(path: Path, friction: Path, mode: str, pts, workdir: Path, *, tile: int) -> dict:
    """One travel-time run (``tiled``, ``tiled_dask`` or the bare ``mcp``) in a fresh process."""
    script = workdir / f"cost_{mode}.py"
    script.write_text(
        _COST_CHILD.format(repo=str(REPO), pts=json.dumps(pts), path=str(path), friction=str(friction), mode=mode, tile=tile),
        encoding="utf-8",
    )
    return _measure(script)


def bench_cost(path: Path, workdir: Path | None = None, *, providers: int = 1000, tile: int = 1024, dask: bool = True) -> list[Record]:
    """Travel time within 120 min: geomap's tiles (serial and on Dask) against one whole-grid ``MCP_Geometric``."""
    from geomap.grids import io

    workdir = workdir or path.parent
    info = io.describe_raster(path)
    friction = workdir / "friction.tif"
    write_friction(friction, res=abs(info.transform[0]))
    pts = _providers(providers)
    mcp = run_cost_child(path, friction, "mcp", pts, workdir, tile=tile)
    mine = run_cost_child(path, friction, "tiled", pts, workdir, tile=tile)
    cells = info.height * info.width
    agree = abs(mine["within"] - mcp["within"]) / max(mcp["within"], 1.0)
    extra = {
        "cells": cells, "providers": providers, "tile": tile, "tiles": mine["tiles"], "tile_runs": mine["runs"],
        "tiled_s": round(mine["seconds"], 2), "mcp_s": round(mcp["seconds"], 2),
        "tiled_peak_gb": round(mine["peak_gb"], 3), "mcp_peak_gb": round(mcp["peak_gb"], 3),
        "within_120_min": round(mine["within"]), "tiled_vs_mcp_relative_difference": agree,
    }
    note = f"{cells:,} cells, {providers} providers, 120 min; tiles of {tile}², {mine['runs']} runs of {mine['tiles']} tiles"
    records = [
        Record("cost_distance_vs_mcp", mine["seconds"], mcp["seconds"], "s", None, note=note, extra=extra),
        Record("cost_distance_peak_memory_vs_mcp", mine["peak_gb"], mcp["peak_gb"], "GB", None,
               note=f"tiled {mine['peak_gb']:.2f} GB vs whole-grid MCP_Geometric {mcp['peak_gb']:.2f} GB"),
    ]
    if dask:
        dsk = run_cost_child(path, friction, "tiled_dask", pts, workdir, tile=tile)
        records.append(Record(
            "cost_distance_dask_vs_memory", dsk["seconds"], mine["seconds"], "s", None,
            note=f"Dask peak (all processes) {dsk['peak_gb']:.2f} GB; goal under {GOAL_DASK_PEAK_GB:g} GB",
            extra={"dask_s": round(dsk["seconds"], 2), "dask_peak_gb": round(dsk["peak_gb"], 3),
                   "dask_peak_under_2gb": bool(dsk["peak_gb"] < GOAL_DASK_PEAK_GB), "tile_runs": dsk["runs"],
                   "dask_vs_memory_relative_difference": abs(dsk["within"] - mine["within"]) / max(mine["within"], 1.0)},
        ))
    return records


def run(*, quick: bool) -> list[Record]:
    """Quick: 2 km cells (about 0.3 M), cost-distance tiles of 128². Full: 100 m cells (about 166 M), tiles of 1024².

    ``GEOMAP_BENCH_GRID_M`` sets the full run's cell size in metres (e.g. 400 on a shared
    machine); ``GEOMAP_BENCH_GRID_PARTS`` picks ``reach``, ``cost`` or both (default).
    """
    metres = float(os.environ.get("GEOMAP_BENCH_GRID_M", "100"))
    parts = {p.strip() for p in os.environ.get("GEOMAP_BENCH_GRID_PARTS", "reach,cost").split(",")}
    res = 0.02 if quick else metres / 120_000  # 100 m = 1/1200 degree, as WorldPop
    base = os.environ.get("GEOMAP_BENCH_TMP")  # a folder with room for the full grid (~0.5 GB), default the system's
    with tempfile.TemporaryDirectory(prefix="geomap_bench_grid_", dir=base) as tmp:
        workdir = Path(tmp)
        path = workdir / "nigeria_synthetic.tif"
        t0 = time.perf_counter()
        shape = write_synthetic(path, res=res)
        wrote = time.perf_counter() - t0
        print(f"[grids: wrote {shape[0]}x{shape[1]} grid in {wrote:.0f} s, {path.stat().st_size / 1e6:.0f} MB]", file=sys.stderr)
        records = bench_reach(path, shape, workdir) if "reach" in parts else []
        if "cost" in parts:
            dask = os.environ.get("GEOMAP_BENCH_GRID_COST_DASK", "1") != "0"
            records += bench_cost(path, workdir, tile=128 if quick else 1024, dask=dask)
    return records
