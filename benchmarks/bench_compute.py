"""In-process benchmarks: point→unit join, nearest distances, imports and boundary reads."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _common import REPO, Record, paired_median, timed

GOAL_JOIN = 1.5


# --------------------------------------------------------------------------------------------
# 4. join throughput
# --------------------------------------------------------------------------------------------
def synthetic_points(units: gpd.GeoDataFrame, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random points, each uniform in the bounding box of a random unit (most fall inside)."""
    rng = np.random.default_rng(seed)
    b = shapely.bounds(units.geometry.to_numpy())
    k = rng.integers(0, len(b), n)
    lon = b[k, 0] + rng.random(n) * (b[k, 2] - b[k, 0])
    lat = b[k, 1] + rng.random(n) * (b[k, 3] - b[k, 1])
    return lon, lat


def limit_assign(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """The vectorised limit: STRtree envelope query + ``shapely.contains_xy`` on prepared polygons."""
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    inp, idx = tree.query(shapely.points(lon, lat))
    ok = shapely.contains_xy(geoms[idx], lon[inp], lat[inp])
    out = np.full(len(lon), -1, dtype="int64")
    out[inp[ok]] = idx[ok]
    return out


def bench_join(*, n_points: int, repeat: int, units: gpd.GeoDataFrame | None = None) -> list[Record]:
    from geomap import boundaries
    from geomap.join import assign_units

    if units is None:
        units = boundaries.load_boundaries()
    geoms = np.asarray(units.geometry.array, dtype=object)
    lon, lat = synthetic_points(units, n_points)
    mine, base = paired_median(lambda: assign_units(lon, lat, units), lambda: limit_assign(lon, lat, geoms), repeat=repeat)
    a = assign_units(lon, lat, units)
    b = limit_assign(lon, lat, geoms)
    agree = float((a == b).mean())
    inside = float((a >= 0).mean())
    return [
        Record(
            "join_throughput",
            mine / n_points,
            base / n_points,
            "s/point",
            GOAL_JOIN,
            note=(
                f"{n_points:,} points x {len(units):,} world admin-1 units: assign_units "
                f"{n_points / mine:,.0f} points/s, limit {n_points / base:,.0f} points/s "
                f"(median of {repeat}); {inside:.1%} inside a unit; agreement with the limit {agree:.4%}"
            ),
            extra={"points_per_s": round(n_points / mine), "limit_points_per_s": round(n_points / base), "units": len(units)},
        )
    ]


# --------------------------------------------------------------------------------------------
# 5. nearest distances
# --------------------------------------------------------------------------------------------
def synthetic_providers(units: gpd.GeoDataFrame, n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` fictional providers at uniform random points on ``units``, each offering 1–3 services."""
    from geomap.directory import schema

    rng = np.random.default_rng(seed)
    land = gpd.GeoSeries([shapely.coverage_union_all(units.geometry.to_numpy())], crs=units.crs)
    geoms = list(shapely.get_parts(land.sample_points(size=n, rng=rng).iloc[0]))
    services = list(schema.SERVICE_TYPES)
    offered = [list(rng.choice(services, size=rng.integers(1, 4), replace=False)) for _ in geoms]
    return gpd.GeoDataFrame({"services": pd.Series(offered, dtype=object)}, geometry=geoms, crs="EPSG:4326")


def _equal_area_crs(units: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = units.total_bounds
    lat1, lat2 = miny + (maxy - miny) / 6, maxy - (maxy - miny) / 6
    return f"+proj=aea +lat_1={lat1:.3f} +lat_2={lat2:.3f} +lat_0={(miny + maxy) / 2:.3f} +lon_0={(minx + maxx) / 2:.3f} +datum=WGS84 +units=m"


def bench_nearest(*, n_providers: int, repeat: int, min_population: int = 500) -> list[Record]:
    from geomap import gazetteer, pipeline
    from geomap.analysis import distance

    units = pipeline.load_units("MEX")
    towns = gazetteer.settlements("MEX", min_population=min_population)
    providers = synthetic_providers(units, n_providers)
    by_service = {s: providers[providers["services"].map(lambda v, s=s: s in v)] for s in _services(providers)}
    crs = _equal_area_crs(units)

    def ours() -> None:
        for prov in by_service.values():
            distance.nearest_provider(towns, prov)

    def sjoin() -> None:
        towns_m = towns[["geometry"]].to_crs(crs)
        for prov in by_service.values():
            gpd.sjoin_nearest(towns_m, prov[["geometry"]].to_crs(crs), how="left", distance_col="d")

    mine, base = paired_median(ours, sjoin, repeat=repeat)
    return [
        Record(
            "nearest",
            mine,
            base,
            "s",
            None,
            note=(
                f"{len(towns):,} GeoNames settlements (MEX, pop>={min_population}) x {len(providers):,} synthetic providers, "
                f"{len(by_service)} service types: distance.nearest_provider (cKDTree on unit vectors + geodesic re-measure) "
                f"vs geopandas.sjoin_nearest in an Albers equal-area projection (median of {repeat})"
            ),
            extra={"settlements": len(towns), "providers": len(providers), "service_types": len(by_service)},
        )
    ]


def _services(providers: gpd.GeoDataFrame) -> list[str]:
    return sorted({s for v in providers["services"] for s in v})


# --------------------------------------------------------------------------------------------
# 6. cold start (imports) and the boundary read
# --------------------------------------------------------------------------------------------
def _python_seconds(code: str, *, repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


APP_IMPORTS = "import geomap, geomap.pipeline, geomap.analysis.coverage, geomap.layers.coverage_map"
FLOOR_IMPORTS = "import streamlit, geopandas, folium, shapely, pyproj"


def bench_cold(*, repeat: int) -> list[Record]:
    from geomap import boundaries

    bare = _python_seconds("import geomap", repeat=repeat)
    empty = _python_seconds("pass", repeat=repeat)
    app = _python_seconds(APP_IMPORTS, repeat=repeat)
    floor = _python_seconds(FLOOR_IMPORTS, repeat=repeat)
    path = boundaries._bundled_path(None)
    def clear_caches() -> None:  # the module memoises reads (lru_cache): measure real reads
        for obj in vars(boundaries).values():
            if callable(getattr(obj, "cache_clear", None)):
                obj.cache_clear()

    def ours_all() -> None:
        clear_caches()
        boundaries.load_boundaries()

    def raw_all() -> None:
        gpd.read_parquet(path)

    def ours_nga() -> None:
        clear_caches()
        boundaries.load_boundaries("NGA")

    read_all, read_raw = paired_median(ours_all, raw_all, repeat=repeat)
    nga = statistics.median(timed(ours_nga)[0] for _ in range(max(1, repeat)))
    size = path.stat().st_size
    return [
        Record(
            "cold_import",
            app,
            floor,
            "s",
            None,
            note=f"python -c '{APP_IMPORTS}' vs the dependency floor '{FLOOR_IMPORTS}'; 'import geomap' alone {bare:.3f} s, empty interpreter {empty:.3f} s",
            extra={"import_geomap_s": round(bare, 4), "empty_python_s": round(empty, 4)},
        ),
        Record(
            "boundary_read",
            read_all,
            read_raw,
            "s",
            None,
            note=f"load_boundaries() of all {size / 1e6:.1f} MB ({path.name}) vs a plain geopandas.read_parquet of the file; load_boundaries('NGA') {nga:.3f} s",
            extra={"nga_s": round(nga, 4), "file_bytes": size},
        ),
    ]


def run(*, quick: bool = False) -> list[Record]:
    recs: list[Record] = []
    recs += bench_join(n_points=100_000 if quick else 1_000_000, repeat=1 if quick else 3)
    recs += bench_nearest(n_providers=1_000, repeat=1 if quick else 3, min_population=5_000 if quick else 500)
    recs += bench_cold(repeat=2 if quick else 5)
    return recs
