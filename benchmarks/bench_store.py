"""The store: import with preview, opening a stored directory, one committed edit (p95).

Baselines, measured in the same run on the same rows:

- import into the GeoPackage store (preview + one-transaction commit with its change log) vs
  ``pyogrio.write_dataframe`` of the same rows to a GeoPackage layer;
- import into PostGIS (when ``GEOMAP_TEST_DATABASE_URL`` is set) vs a bulk ``COPY`` of the same
  rows (id, fields as JSON, longitude, latitude) into a plain table;
- opening a stored directory (read + resolve, what the app does) vs reading and resolving the
  same rows from a CSV file;
- one edit committed through :func:`geomap.store.update_record` (version check, change log),
  p95, vs one plain ``UPDATE`` of the same row, p95.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from _common import Record, timed

N_FULL, N_QUICK = 100_000, 3_000
EDITS_FULL, EDITS_QUICK = 60, 10


def synthetic_file(folder: Path, n: int) -> Path:
    """``n`` fictional records: the bundled Nigeria sample repeated under new ids."""
    from geomap import pipeline

    with pipeline.sample_directory_path("NGA").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    path = folder / f"bench_{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for i in range(n):
            writer.writerow({**rows[i % len(rows)], "id": f"NG-BENCH-{i:07d}"})
    return path


def _import(url: str, name: str, rows: dict, rejected: list) -> float:
    from geomap import store as gs

    s = gs.open_store(url, seed=False)
    try:
        gs.create_directory(s, name, country="NGA", role=gs.ADMIN, fictional=True)
        seconds, _ = timed(lambda: gs.commit_import(s, gs.preview_import(s, name, rows, rejected), by="bench", role=gs.EDITOR))
    finally:
        s.close()
    return seconds


def _gdf(rows: dict):
    import geopandas as gpd
    import pandas as pd

    from geomap.directory import schema

    table = pd.DataFrame([fields for fields, _ in rows.values()], columns=list(schema.FIELD_NAMES))
    lon = pd.to_numeric(table["longitude"], errors="coerce")
    lat = pd.to_numeric(table["latitude"], errors="coerce")
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def bench_import_geopackage(folder: Path, rows: dict, rejected: list, n: int) -> Record:
    import pyogrio

    ours = _import(f"sqlite:///{folder / 'bench.gpkg'}", "bench", rows, rejected)
    gdf = _gdf(rows)
    base, _ = timed(lambda: pyogrio.write_dataframe(gdf, folder / "baseline.gpkg", layer="records", driver="GPKG"))
    return Record("store_import_geopackage", ours, base, "s", note=f"{n:,} records, preview + commit + change log vs pyogrio.write_dataframe")


def _pg_database(url: str) -> tuple[str, sa.Engine, str]:
    admin = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"geomap_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # generated name, never input
    return name, admin, sa.make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _copy_baseline(db_url: str, rows: dict) -> float:
    import psycopg

    conninfo = sa.make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TABLE copy_baseline (record_id text primary key, data jsonb, longitude float8, latitude float8)")

        def copy() -> None:
            with conn.cursor() as cur, cur.copy("COPY copy_baseline (record_id, data, longitude, latitude) FROM STDIN") as cp:
                for ident, (fields, _extra) in rows.items():
                    cp.write_row((ident, json.dumps(fields), _num(fields.get("longitude")), _num(fields.get("latitude"))))
            conn.commit()

        seconds, _ = timed(copy)
    return seconds


def _num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def bench_import_postgis(url: str, rows: dict, rejected: list, n: int) -> Record:
    name, admin, db_url = _pg_database(url)
    try:
        ours = _import(db_url, "bench", rows, rejected)
        base = _copy_baseline(db_url, rows)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return Record("store_import_postgis", ours, base, "s", note=f"{n:,} records, preview + commit + change log vs COPY")


def bench_open(folder: Path, csv_path: Path, n: int) -> Record:
    from geomap import pipeline
    from geomap import store as gs

    units = pipeline.load_units("NGA")
    s = gs.open_store(f"sqlite:///{folder / 'bench.gpkg'}", seed=False)
    try:
        ours, _ = timed(lambda: gs.load_directory(s, "bench", units=units))
    finally:
        s.close()
    base, _ = timed(lambda: pipeline.load_directory(csv_path, units=units, country="NGA"))
    return Record("store_open_directory", ours, base, "s", note=f"{n:,} records: read + resolve from the store vs from the CSV file")


def bench_edit(folder: Path, edits: int) -> Record:
    from geomap import store as gs

    s = gs.open_store(f"sqlite:///{folder / 'bench.gpkg'}", seed=False)
    ours, base = [], []
    try:
        for i in range(edits):
            rec = gs.get_record(s, "bench", f"NG-BENCH-{i:07d}")
            seconds, _ = timed(lambda rec=rec, i=i: gs.update_record(s, "bench", rec["record_id"], {"hours": f"edit {i}"},
                                                                  expected_version=rec["version"], by="bench", role=gs.EDITOR))
            ours.append(seconds)

            def plain(i=i, r=gs.tables.records) -> None:
                with s.begin() as conn:
                    conn.execute(r.update().where(r.c.directory == "bench", r.c.record_id == f"NG-BENCH-{i + edits:07d}")
                                 .values(updated_by="plain"))

            base.append(timed(plain)[0])
    finally:
        s.close()
    p95 = lambda xs: statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]  # noqa: E731
    return Record("store_edit_p95", p95(ours), p95(base), "s", note=f"{edits} edits (version check + change log) vs plain UPDATE, p95")


def run(*, quick: bool = False) -> list[Record]:
    """All store figures (the PostGIS one when GEOMAP_TEST_DATABASE_URL is set)."""
    from geomap import store as gs

    n = N_QUICK if quick else N_FULL
    with tempfile.TemporaryDirectory(prefix="geomap-bench-store-") as tmp:
        folder = Path(tmp)
        csv_path = synthetic_file(folder, n)
        rows, rejected = gs.read_import_file(csv_path)
        records = [bench_import_geopackage(folder, rows, rejected, n)]
        url = os.environ.get("GEOMAP_TEST_DATABASE_URL", "").strip()
        if url:
            records.append(bench_import_postgis(url, rows, rejected, n))
        records.append(bench_open(folder, csv_path, n))
        records.append(bench_edit(folder, EDITS_QUICK if quick else EDITS_FULL))
    return records
