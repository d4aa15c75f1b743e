"""The store on both backends: import with preview, opening the app on it, one committed edit (p95).

Baselines, measured in the same run on the same rows (100,000 fictional records; quick: 3,000):

- import into the GeoPackage store (preview + one-transaction commit with its change log) vs
  ``pyogrio.write_dataframe`` of the same rows to a GeoPackage layer;
- import into PostGIS (when ``GEOMAP_TEST_DATABASE_URL`` is set) vs a bulk ``COPY`` of the same
  rows (id, fields as JSON, longitude, latitude) into a plain table;
- reading the stored rows (``store.read_directory``) vs reading the CSV file
  (``directory.readers.read_directory``), per backend;
- opening the app on the store: the app's first page (``app.py`` in a Streamlit ``AppTest``
  session, caches cleared) with the stored directory picked, vs the same first page opening the
  same rows from the CSV file (an upload in the session); a bare page (``st.write``) is in
  ``extra``; per backend;
- one edit committed through :func:`geomap.store.update_record` (version check, change log),
  p95, vs one plain ``UPDATE`` of a row, p95, per backend.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from _common import REPO, Record, timed

N_FULL, N_QUICK = 100_000, 3_000
EDITS_FULL, EDITS_QUICK = 60, 10
DIRECTORY = "bench"


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


def bench_import_geopackage(url: str, folder: Path, rows: dict, rejected: list, n: int) -> Record:
    import pyogrio

    ours = _import(url, DIRECTORY, rows, rejected)
    gdf = _gdf(rows)
    base, _ = timed(lambda: pyogrio.write_dataframe(gdf, folder / "baseline.gpkg", layer="records", driver="GPKG"))
    return Record("store_import_geopackage", ours, base, "s", note=f"{n:,} records, preview + commit + change log vs pyogrio.write_dataframe")


@contextlib.contextmanager
def _pg_database(url: str) -> Iterator[str]:
    """A new database on the PostGIS server of ``url``, dropped afterwards; yields its URL."""
    admin = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"geomap_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # generated name, never input
    try:
        yield sa.make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


def bench_import_postgis(db_url: str, rows: dict, rejected: list, n: int) -> Record:
    ours = _import(db_url, DIRECTORY, rows, rejected)
    base = _copy_baseline(db_url, rows)
    return Record("store_import_postgis", ours, base, "s", note=f"{n:,} records, preview + commit + change log vs COPY")


def bench_read(backend: str, url: str, csv_path: Path, n: int) -> Record:
    from geomap import store as gs
    from geomap.directory import readers

    s = gs.open_store(url, seed=False)
    try:
        ours, raw = timed(lambda: gs.read_directory(s, DIRECTORY))
    finally:
        s.close()
    base, _ = timed(lambda: readers.read_directory(csv_path))
    return Record(f"store_read_{backend}", ours, base, "s", note=f"{len(raw):,} of {n:,} stored rows read vs the CSV file read")


@contextlib.contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for the block; put them back after."""
    old = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        yield
    finally:
        for key, value in old.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def _open_app(script: Path | None = None, *, upload: Path | None = None) -> tuple[float, str]:
    """Seconds for a new session's first page (caches cleared) and the providers count it shows."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(script or REPO / "app.py"), default_timeout=3600)
    at.session_state["geomap_country"] = "NGA"
    if upload is not None:
        data = upload.read_bytes()
        at.session_state["geomap_upload"] = {"name": upload.name, "data": data, "sheet": None, "mapping": (),
                                             "digest": hashlib.sha256(data).hexdigest(), "edits": ()}
    seconds, _ = timed(at.run)
    if at.exception:
        msg = f"the app failed to open: {[e.value for e in at.exception]}"
        raise RuntimeError(msg)
    shown = [m.value for m in at.metric if m.label in ("Providers placed", "Providers shown exactly")]
    return seconds, (shown[0] if shown else "")


def app_from_csv(folder: Path, csv_path: Path) -> tuple[float, float, str]:
    """The baselines: the app's first page opening the CSV (an upload), and a bare page.

    A first session on the 150-record sample warms the process (imports, boundaries, gazetteer)
    so that no figure pays the one-off start-up the others then skip.
    """
    from geomap import pipeline

    bare = folder / "bare_page.py"
    bare.write_text("import streamlit as st\nst.write('a bare page')\n", encoding="utf-8")
    with _environment(GEOMAP_DATA_DIR=str(folder / "csv-data"), GEOMAP_DATABASE_URL=None):
        _open_app(upload=pipeline.sample_directory_path("NGA"))
        csv_seconds, shown = _open_app(upload=csv_path)
        bare_seconds, _ = _open_app(bare)
    return csv_seconds, bare_seconds, shown


def bench_open_app(backend: str, url: str, baselines: tuple[float, float, str], n: int) -> Record:
    csv_seconds, bare_seconds, csv_shown = baselines
    if backend == "postgis":
        env = {"GEOMAP_DATABASE_URL": url}
    else:
        env = {"GEOMAP_DATA_DIR": str(Path(sa.make_url(url).database).parent), "GEOMAP_DATABASE_URL": None}
    with _environment(**env):
        seconds, shown = _open_app()
    return Record(f"store_open_app_{backend}", seconds, csv_seconds, "s",
                  note=f"the app's first page on {n:,} stored records vs the same page opening them from the CSV",
                  extra={"bare_page_s": round(bare_seconds, 3), "providers_shown": shown, "providers_shown_from_csv": csv_shown})


def bench_edit(backend: str, url: str, edits: int) -> Record:
    from geomap import store as gs

    s = gs.open_store(url, seed=False)
    ours, base = [], []
    try:
        for i in range(edits):
            rec = gs.get_record(s, DIRECTORY, f"NG-BENCH-{i:07d}")
            seconds, _ = timed(lambda rec=rec, i=i: gs.update_record(s, DIRECTORY, rec["record_id"], {"hours": f"edit {i}"},
                                                                  expected_version=rec["version"], by="bench", role=gs.EDITOR))
            ours.append(seconds)

            def plain(i=i, r=gs.tables.records) -> None:
                with s.begin() as conn:
                    conn.execute(r.update().where(r.c.directory == DIRECTORY, r.c.record_id == f"NG-BENCH-{i + edits:07d}")
                                 .values(updated_by="plain"))

            base.append(timed(plain)[0])
    finally:
        s.close()
    p95 = lambda xs: statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]  # noqa: E731
    return Record(f"store_edit_p95_{backend}", p95(ours), p95(base), "s",
                  note=f"{edits} edits (version check + change log) vs plain UPDATE, p95")


def _per_backend(backend: str, url: str, csv_path: Path, baselines: tuple[float, float, str], n: int, edits: int) -> list[Record]:
    return [bench_read(backend, url, csv_path, n), bench_open_app(backend, url, baselines, n), bench_edit(backend, url, edits)]


def run(*, quick: bool = False) -> list[Record]:
    """All store figures, GeoPackage and (when GEOMAP_TEST_DATABASE_URL is set) PostGIS, in one run."""
    from geomap import store as gs

    n = N_QUICK if quick else N_FULL
    edits = EDITS_QUICK if quick else EDITS_FULL
    with tempfile.TemporaryDirectory(prefix="geomap-bench-store-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        csv_path = synthetic_file(folder, n)
        rows, rejected = gs.read_import_file(csv_path)
        gpkg = f"sqlite:///{folder / 'gpkg-data' / gs.STORE_FILENAME}"
        records = [bench_import_geopackage(gpkg, folder, rows, rejected, n)]
        backends = {"geopackage": gpkg}
        server = os.environ.get("GEOMAP_TEST_DATABASE_URL", "").strip()
        if server:
            backends["postgis"] = stack.enter_context(_pg_database(server))
            records.append(bench_import_postgis(backends["postgis"], rows, rejected, n))
        baselines = app_from_csv(folder, csv_path)
        for backend, url in backends.items():
            records += _per_backend(backend, url, csv_path, baselines, n, edits)
    return records
