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
- ``cost_distance_vs_mcp``: :func:`geomap.grids.cost.grid_travel` (MCP_Geometric from every
  provider plus the per-unit sums) over a bare ``MCP_Geometric.find_costs`` on the same costs,
  run in turns (median of 3 pairs in quick mode, one pair in full mode).
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
        msg = f"{mode} run failed: {err[-2000:]}"
        raise RuntimeError(msg)
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_gb"] = peak[0] / 1024**3
    return result


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


def bench_cost(path: Path, *, providers: int = 1000, repeat: int = 1) -> list[Record]:
    import geopandas as gpd
    from shapely.geometry import Point
    from skimage.graph import MCP_Geometric

    from geomap import boundaries
    from geomap.grids import cost, io

    info = io.describe_raster(path)
    prov = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in _providers(providers)], crs=4326)
    units = boundaries.load_boundaries("NGA")
    friction = np.full((info.height, info.width), 60.0 / 20_000)  # 20 km/h everywhere
    rows, cols = cost.provider_cells(info, prov)
    starts = [(int(r), int(c)) for r, c in zip(rows, cols) if r >= 0]
    sampling = cost.cell_size_m(info)
    mine, base = paired_median(
        lambda: cost.grid_travel(info, units, prov, friction=friction, minutes=120),
        lambda: MCP_Geometric(friction, fully_connected=True, sampling=sampling).find_costs(starts),
        repeat=repeat,
    )
    out = cost.grid_travel(info, units, prov, friction=friction, minutes=120)
    return [
        Record("cost_distance_vs_mcp", mine, base, "s", None,
               note=f"{info.height * info.width:,} cells, {len(starts)} origins; geomap adds unit sums",
               extra={"within_120_min": round(float(out["pop_within_min"].sum()))}),
    ]


def run(*, quick: bool) -> list[Record]:
    """Quick: 2 km cells (about 0.3 M). Full: 100 m cells (about 166 M), written once into a temp folder.

    ``GEOMAP_BENCH_GRID_M`` sets the full run's cell size in metres (e.g. 400 on a shared machine).
    """
    metres = float(os.environ.get("GEOMAP_BENCH_GRID_M", "100"))
    res = 0.02 if quick else metres / 120_000  # 100 m = 1/1200 degree, as WorldPop
    base = os.environ.get("GEOMAP_BENCH_TMP")  # a folder with room for the full grid (~0.5 GB), default the system's
    with tempfile.TemporaryDirectory(prefix="geomap_bench_grid_", dir=base) as tmp:
        workdir = Path(tmp)
        path = workdir / "nigeria_synthetic.tif"
        t0 = time.perf_counter()
        shape = write_synthetic(path, res=res)
        wrote = time.perf_counter() - t0
        print(f"[grids: wrote {shape[0]}x{shape[1]} grid in {wrote:.0f} s, {path.stat().st_size / 1e6:.0f} MB]", file=sys.stderr)
        records = bench_reach(path, shape, workdir)
        if quick or metres >= 300:
            records += bench_cost(path, repeat=3 if quick else 1)
        else:  # the whole-grid MCP at 100 m needs ~10 GB; it is measured at 300 m on the same extent
            coarse = workdir / "nigeria_synthetic_300m.tif"
            write_synthetic(coarse, res=1 / 400)
            records += bench_cost(coarse)
    return records
