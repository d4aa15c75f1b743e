"""Backup and restore of the whole store, the same way on both backends.

A backup is itself an embedded store (a GeoPackage file) holding every row of every table at
the same schema version, so it can be opened, inspected and restored on either backend.
Restoring replaces the store's contents in one transaction; an older backup is migrated
forward first.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

import geomap.store.tables as tables
from geomap.store.engine import HEAD, Store, schema_version
from geomap.store.startup import open_store

__all__ = ["backup", "restore", "dump"]

_BATCH = 5000


def _copy(source: sa.Connection, target: sa.Connection) -> dict[str, int]:
    counts = {}
    for table in tables.DATA_TABLES:
        rows = [dict(r) for r in source.execute(sa.select(table)).mappings()]
        for start in range(0, len(rows), _BATCH):
            target.execute(table.insert(), rows[start:start + _BATCH])
        counts[table.name] = len(rows)
    return counts


def backup(store: Store, path: str | Path) -> dict[str, int]:
    """Write the whole store to a new GeoPackage file at ``path``; returns rows per table.

    Raises
    ------
    ValueError
        ``path`` exists already (a backup never overwrites a file).
    """
    path = Path(path)
    if path.exists():
        msg = f"{path} exists; give a new file name for the backup"
        raise ValueError(msg)
    if schema_version(store) != HEAD:
        msg = f"store {store.location} is at schema {schema_version(store)!r}, not {HEAD!r}; open it with open_store first"
        raise ValueError(msg)
    target = open_store(f"sqlite:///{path}", seed=False)
    try:
        with store.engine.connect() as src, target.begin() as dst:
            return _copy(src, dst)
    except BaseException:
        target.close()
        path.unlink(missing_ok=True)
        raise
    finally:
        target.close()


def restore(store: Store, path: str | Path) -> dict[str, int]:
    """Replace the whole store's contents by the backup at ``path`` (one transaction); returns rows per table.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not a geomap store backup.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"no backup file at {path}"
        raise FileNotFoundError(msg)
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            msg = f"{path} is not a geomap backup (not a GeoPackage/SQLite file)"
            raise ValueError(msg)
    source = open_store(f"sqlite:///{path}", seed=False, upgrade=False)
    try:
        if not schema_version(source):
            msg = f"{path} is not a geomap backup (it has no store schema version)"
            raise ValueError(msg)
        if schema_version(source) != HEAD:
            source.close()
            source = open_store(f"sqlite:///{path}", seed=False)
        with source.engine.connect() as src, store.begin() as dst:
            for table in reversed(tables.DATA_TABLES):
                dst.execute(table.delete())
            return _copy(src, dst)
    finally:
        source.close()


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: for comparing two stores (a backup round trip)."""
    out = {}
    with store.engine.connect() as conn:
        for table in tables.DATA_TABLES:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)
    return out


def _plain(value):
    return repr(sorted(value.items())) if isinstance(value, dict) else value
