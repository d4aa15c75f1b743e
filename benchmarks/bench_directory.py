"""Checking a big directory: read + resolve 100,000 fictional rows vs read_csv + point-in-polygon."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from _common import REPO, Record, paired_median, timed
from bench_compute import limit_assign

GOAL_DIRECTORY = 3.0
SAMPLE = REPO / "data" / "providers" / "nigeria_sample_fictional.csv"


def synthetic_directory(units, n: int, *, seed: int = 2) -> pd.DataFrame:
    """``n`` fictional rows built from the Nigeria sample: every row says it is fictional.

    Each row has its own id, name, phone and e-mail (as a real directory does); 70 % carry
    coordinates (a random point in a random unit's bounding box, so a few fall outside the
    country), 12 % only an admin-1 name (some misspelt), 10 % only an admin-1 code and 8 % only
    a town; 1 % of the coordinates are swapped and 1 % are text such as ``"6,45"``.
    """
    rng = np.random.default_rng(seed)
    sample = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    df = sample.iloc[rng.integers(0, len(sample), n)].reset_index(drop=True)
    ids = np.arange(1, n + 1).astype(str)
    df["id"] = np.char.add("NG-BENCH-", ids)
    df["name"] = np.char.add(np.char.add("Bench Service ", ids), " (fictional)")
    df["phone"] = np.char.add("+234 000 ", ids)
    df["email"] = np.char.add(np.char.add("bench", ids), "@example.org")
    b = shapely.bounds(units.geometry.to_numpy())
    k = rng.integers(0, len(b), n)
    lon = b[k, 0] + rng.random(n) * (b[k, 2] - b[k, 0])
    lat = b[k, 1] + rng.random(n) * (b[k, 3] - b[k, 1])
    kind = rng.random(n)
    coords = kind < 0.70
    swapped = coords & (rng.random(n) < 0.01)
    lat_s = np.char.mod("%.5f", np.where(swapped, lon, lat)).astype(object)
    lon_s = np.char.mod("%.5f", np.where(swapped, lat, lon)).astype(object)
    comma = coords & (rng.random(n) < 0.01)
    lat_s[comma] = np.char.replace(lat_s[comma].astype(str), ".", ",")
    df["latitude"] = np.where(coords, lat_s, "")
    df["longitude"] = np.where(coords, lon_s, "")
    names = units["name"].astype(str).to_numpy()[k].astype(object)
    typo = rng.random(n) < 0.05
    names[typo] = [s[:-1] + "x" if len(s) > 4 else s for s in names[typo]]
    by_name = (kind >= 0.70) & (kind < 0.82)
    by_code = (kind >= 0.82) & (kind < 0.92)
    by_town = kind >= 0.92
    df["admin1_name"] = np.where(by_name, names, "")
    df["admin1_code"] = np.where(by_code, units["code"].astype(str).to_numpy()[k], "")
    df["town"] = np.where(by_town | coords, df["town"], "")
    df["notes"] = "Fictional benchmark record: not a real organisation."
    return df


def bench_directory(*, n_rows: int, repeat: int) -> list[Record]:
    from geomap import pipeline
    from geomap.directory import readers, resolve

    units = pipeline.load_units("NGA")
    geoms = np.asarray(units.geometry.array, dtype=object)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory_bench_fictional.csv"
        rows = synthetic_directory(units, n_rows)
        rows.to_csv(path, index=False)
        # warm-up on 1,000 of the rows: the gazetteer's and boundaries' one-time loads (cached per
        # process, as in a running app) are not what a row costs
        warm = Path(tmp) / "warm_fictional.csv"
        rows.head(1_000).to_csv(warm, index=False)
        pipeline.load_directory(warm, units=units, country="NGA")

        def subject():
            return pipeline.load_directory(path, units=units, country="NGA")

        def baseline():
            df = pd.read_csv(path)
            lat = pd.to_numeric(df["latitude"], errors="coerce").to_numpy()
            lon = pd.to_numeric(df["longitude"], errors="coerce").to_numpy()
            return limit_assign(lon, lat, geoms)

        # a full collection before each call: the warm-up's and the other call's objects are not
        # charged to the next one (each pays for the collections its own objects cause)
        mine, base = paired_median(subject, baseline, repeat=repeat, collect=True)
        read_s, raw = timed(lambda: readers.read_directory(path, arrow=True))  # as the pipeline reads
        resolve_s, out = timed(lambda: resolve.resolve_directory(raw, units, country="NGA"))
        size = path.stat().st_size
    acc = resolve.row_accounting(out)
    return [
        Record(
            "directory_100k",
            mine,
            base,
            "s",
            GOAL_DIRECTORY,
            note=(
                f"{n_rows:,} fictional rows ({size / 1e6:.1f} MB CSV), Nigeria: pipeline.load_directory "
                f"(read + resolve) vs pandas.read_csv + STRtree point-in-polygon of the same rows "
                f"(median of {repeat}, alternating, after a 1,000-row warm-up; a full garbage collection before each call); once more in two steps: read {read_s:.2f} s, resolve {resolve_s:.2f} s; "
                f"{acc['placed']:,} placed, {acc['flagged']:,} flagged"
            ),
            extra={"read_s": round(read_s, 3), "resolve_s": round(resolve_s, 3), "rows": n_rows, "csv_bytes": size, "placed": acc["placed"], "flagged": acc["flagged"], "by_method": acc["by_method"]},
        )
    ]


def run(*, quick: bool = False) -> list[Record]:
    return bench_directory(n_rows=20_000 if quick else 100_000, repeat=1 if quick else 3)
