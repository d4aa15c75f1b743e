"""Records in the store: read, edit (optimistic concurrency), verify, delete, history, restore.

Every write goes through one of these functions (or :mod:`geomap.store.importing`), runs in
one transaction and writes one ``changes`` row per changed field (HSDS 3.0 ``metadata`` shape).
A save names the version it was based on; if someone saved the record since, it is refused
with :class:`~geomap.store._common.ConflictError` carrying both values, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

import geomap.store.bulk as bulk
import geomap.store.tables as tables
from geomap.directory import schema
from geomap.i18n import N_, Message
from geomap.store._common import EDITOR, ConflictError, as_text, coordinate, new_id, now_iso, require_role
from geomap.store.directories import get_directory
from geomap.store.engine import Store
from geomap.store.reasons import RESTORED_AFTER_DELETION, RESTORED_VERSION, VERIFIED, system_reason

__all__ = [
    "DELETED_FIELD",
    "read_directory",
    "load_directory",
    "get_record",
    "update_record",
    "verify_record",
    "delete_record",
    "restore_record",
    "deleted_records",
    "history",
    "version_of",
    "restore_version",
    "as_of",
    "change_rows",
    "write_record",
    "directory_stamp",
]

#: Pseudo-field of the change log recording deletion (``"true"``) and undeletion (``"false"``).
DELETED_FIELD = "_deleted"
_R = tables.records


_NOT_IN_DIRECTORY = N_("record {record} is not in directory {directory}")

def change_rows(directory: str, record_id: str, before: dict, after: dict, *, version: int, action: str,
                by: str, reason: str | None, when: str) -> list[tuple]:
    """One HSDS-metadata row per field whose text differs between ``before`` and ``after``.

    Rows are tuples in the column order of ``tables.changes`` (for :func:`bulk.insert_rows`).
    """
    rows = []
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old != new:
            rows.append((new_id(), directory, record_id, "service", when, action, field, old, new, by, reason, version))
    return rows


def _clean(data: dict[str, Any], *, where: str | Message) -> dict[str, str | None]:
    unknown = sorted(set(data) - set(schema.FIELD_NAMES))
    if unknown:
        msg = Message(N_("{where}: unknown field(s) {unknown}; fields are {fields}"), where=where, unknown=tuple(unknown),
                      fields=tuple(schema.FIELD_NAMES))
        raise ValueError(msg)
    return {k: as_text(v) for k, v in data.items()}


def _record_row(conn: sa.Connection, directory: str, record_id: str, *, lock: bool = False):
    query = sa.select(_R).where(_R.c.directory == directory, _R.c.record_id == record_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def write_record(conn: sa.Connection, directory: str, record_id: str, after: dict, *, current: Any, by: str,
                 reason: str | None, action: str, expected_version: int | None, extra_values: dict | None = None) -> int:
    """Insert or update one record inside ``conn``'s transaction, with its change rows.

    Returns the new version. Raises :class:`ConflictError` when ``expected_version`` is not the
    stored one. ``current`` is the stored row (or ``None`` for a new record).
    """
    when = now_iso()
    if current is None:
        version, before = 1, {}
        conn.execute(_R.insert(), {"directory": directory, "record_id": record_id, "version": 1, "data": after,
                                   "longitude": coordinate(after.get("longitude")), "latitude": coordinate(after.get("latitude")),
                                   "deleted": False, "updated_at": when, "updated_by": by, **(extra_values or {})})
    else:
        before = dict(current["data"])
        if current["deleted"]:
            before[DELETED_FIELD] = "true"
            after = {**after, DELETED_FIELD: "false"}
        version = current["version"] + 1
        data = {k: v for k, v in after.items() if k != DELETED_FIELD}
        done = conn.execute(
            _R.update().where(_R.c.directory == directory, _R.c.record_id == record_id,
                              _R.c.version == (current["version"] if expected_version is None else expected_version))
            .values(data=data, version=version, deleted=False, longitude=coordinate(data.get("longitude")),
                    latitude=coordinate(data.get("latitude")), updated_at=when, updated_by=by, **(extra_values or {}))
        )
        if done.rowcount != 1:
            fresh = _record_row(conn, directory, record_id)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            raise ConflictError(record_id, expected_version or current["version"], fresh["version"] if fresh else -1,
                                {k: (fresh["data"].get(k) if fresh else None) for k in changed}, changed)
    bulk.insert_rows(conn, tables.changes,
                     change_rows(directory, record_id, before, after, version=version, action=action, by=by,
                                 reason=reason, when=when))
    return version


def update_record(store: Store, directory: str, record_id: str, changes: dict[str, Any], *, expected_version: int,
                  by: str, role: str, reason: str | None = None, action: str = "update") -> int:
    """Save changes to one record (editor role); returns its new version.

    Parameters
    ----------
    store : Store
    directory, record_id : str
    changes : dict
        ``{field: value}``; a value of ``None`` or ``""`` clears the field.
    expected_version : int
        The version the editor started from (from :func:`get_record`).
    by, role : str
        Who saves it, and their role (``editor`` or ``admin``).
    reason : str, optional
        Why (kept in the change log).

    Raises
    ------
    ConflictError
        The record was saved by someone else since ``expected_version``: both values are given
        and nothing is written.
    ValueError
        No such record, or an unknown field.
    """
    require_role(role, EDITOR, N_("editing a record"))
    clean = _clean(changes, where=Message(N_("record {record}"), record=record_id))
    with store.begin() as conn:
        current = _record_row(conn, directory, record_id, lock=True)
        if current is None:
            msg = Message(_NOT_IN_DIRECTORY, record=repr(record_id), directory=repr(directory))
            raise ValueError(msg)
        if current["deleted"]:
            msg = Message(N_("record {record} of {directory} is deleted; restore an earlier version to bring it back"), record=repr(record_id),
                          directory=repr(directory))
            raise ValueError(msg)
        if current["version"] != expected_version:
            raise ConflictError(record_id, expected_version, current["version"],
                                {k: current["data"].get(k) for k in clean}, clean)
        after = {**current["data"], **clean}
        return write_record(conn, directory, record_id, after, current=current, by=by, reason=reason,
                            action=action, expected_version=expected_version)


def verify_record(store: Store, directory: str, record_id: str, *, by: str, role: str,
                  on: date | None = None, reason: str | None = None) -> int:
    """Mark a record verified on ``on`` (default today) by ``by`` (editor role); returns its version."""
    require_role(role, EDITOR, N_("verifying a record"))
    day = (on or date.today()).isoformat()
    with store.begin() as conn:
        current = _record_row(conn, directory, record_id, lock=True)
        if current is None:
            msg = Message(_NOT_IN_DIRECTORY, record=repr(record_id), directory=repr(directory))
            raise ValueError(msg)
        after = {**current["data"], "last_verified": day}
        return write_record(conn, directory, record_id, after, current=current, by=by, reason=reason or system_reason(VERIFIED),
                            action="verify", expected_version=current["version"],
                            extra_values={"verified_at": day, "verified_by": by})


def delete_record(store: Store, directory: str, record_id: str, *, expected_version: int, by: str, role: str,
                  reason: str | None = None) -> int:
    """Delete a record (editor role). It stays in the history and :func:`restore_version` brings it back."""
    require_role(role, EDITOR, N_("deleting a record"))
    with store.begin() as conn:
        current = _record_row(conn, directory, record_id, lock=True)
        if current is None or current["deleted"]:
            msg = Message(N_("record {record} is not a current record of directory {directory}"), record=repr(record_id), directory=repr(directory))
            raise ValueError(msg)
        if current["version"] != expected_version:
            raise ConflictError(record_id, expected_version, current["version"], {DELETED_FIELD: "false"}, {DELETED_FIELD: "true"})
        return _mark_deleted(conn, directory, [current], by=by, reason=reason)


def restore_record(store: Store, directory: str, record_id: str, *, by: str, role: str, reason: str | None = None) -> int:
    """Bring back a deleted record as it was before its deletion (editor role); returns its new version."""
    require_role(role, EDITOR, N_("restoring a record"))
    current = get_record(store, directory, record_id)
    if not current["deleted"]:
        msg = Message(N_("record {record} of {directory} is not deleted; to go back to an earlier version, restore that version"),
                      record=repr(record_id), directory=repr(directory))
        raise ValueError(msg)
    return restore_version(store, directory, record_id, current["version"] - 1, expected_version=current["version"],
                           by=by, role=role, reason=reason or system_reason(RESTORED_AFTER_DELETION))


def deleted_records(store: Store, directory: str) -> pd.DataFrame:
    """The deleted records of ``directory``: ``record_id, version, deleted_at, deleted_by`` (newest first)."""
    query = (sa.select(_R.c.record_id, _R.c.version, _R.c.updated_at, _R.c.updated_by)
             .where(_R.c.directory == directory, _R.c.deleted == sa.true()).order_by(_R.c.updated_at.desc()))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["record_id", "version", "deleted_at", "deleted_by"])


def _mark_deleted(conn: sa.Connection, directory: str, rows: list, *, by: str, reason: str | None) -> int:
    when = now_iso()
    log = []
    for row in rows:
        version = row["version"] + 1
        conn.execute(_R.update().where(_R.c.directory == directory, _R.c.record_id == row["record_id"],
                                       _R.c.version == row["version"])
                     .values(deleted=True, version=version, updated_at=when, updated_by=by))
        log += change_rows(directory, row["record_id"], {DELETED_FIELD: "false"}, {DELETED_FIELD: "true"},
                           version=version, action="delete", by=by, reason=reason, when=when)
    bulk.insert_rows(conn, tables.changes, log)
    return rows[-1]["version"] + 1 if rows else 0


def get_record(store: Store, directory: str, record_id: str) -> dict:
    """One record: ``{"record_id", "version", "deleted", "data": {field: text}, "verified_at", "verified_by", …}``."""
    with store.engine.connect() as conn:
        row = _record_row(conn, directory, record_id)
    if row is None:
        msg = Message(_NOT_IN_DIRECTORY, record=repr(record_id), directory=repr(directory))
        raise ValueError(msg)
    return dict(row)


def read_directory(store: Store, directory: str) -> pd.DataFrame:
    """The current records of ``directory`` as a raw directory table, ready for resolution.

    The table has the shape :func:`geomap.directory.readers.read_directory` returns (every schema
    field as text, ``source_file``, ``source_row``, ``extra``) plus ``record_version``; pass it to
    :func:`geomap.directory.resolve.resolve_directory`. It holds confidential details: show or
    export records only through :func:`geomap.directory.privacy.public_view`.
    """
    info = get_directory(store, directory)
    query = (sa.select(_R.c.record_id, _R.c.version, _R.c.data, _R.c.extra)
             .where(_R.c.directory == directory, _R.c.deleted == sa.false()).order_by(_R.c.record_id))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return _raw_frame([(r.data, r.extra, r.version) for r in rows], info)


def load_directory(store: Store, directory: str, *, units: pd.DataFrame) -> pd.DataFrame:
    """Read a stored directory and resolve every record (as a file's rows are resolved).

    Returns the full, exact directory (a GeoDataFrame, as
    :func:`geomap.pipeline.load_directory` gives for a file): show or export records only
    through :func:`geomap.directory.privacy.public_view`.
    """
    from geomap.directory import resolve

    raw = read_directory(store, directory)
    resolved = resolve.resolve_directory(raw, units, country=raw.attrs["country"])
    resolved.attrs = {**raw.attrs, **resolved.attrs}
    return resolved


def _raw_frame(rows: list[tuple[dict, dict | None, int]], info: dict) -> pd.DataFrame:
    frame = pd.DataFrame({f: pd.Series([d.get(f) for d, _, _ in rows], dtype=object) for f in schema.FIELD_NAMES})
    frame["source_file"] = f"store: {info['name']}"
    frame["source_row"] = range(1, len(rows) + 1)
    frame["extra"] = pd.Series([dict(e or {}) for _, e, _ in rows], dtype=object)
    frame["record_version"] = [v for _, _, v in rows]
    frame.attrs.update({"format": "store", "directory": info["name"], "country": info["country"],
                        "fictional": bool(info["fictional"]), "licence": info["licence"], "owner": info["owner"],
                        "sensitivity": info["sensitivity"], "warnings": []})
    return frame


def history(store: Store, directory: str, record_id: str | None = None) -> pd.DataFrame:
    """The change log (HSDS 3.0 ``metadata`` columns, plus ``reason``, ``version``), oldest first.

    It holds previous and new values, so it is as confidential as the records: export it only
    for partners, or only for records that are not confidential.
    """
    c = tables.changes
    query = sa.select(c).where(c.c.directory == directory)
    if record_id is not None:
        query = query.where(c.c.resource_id == record_id)
    query = query.order_by(c.c.last_action_date, c.c.resource_id, c.c.version, c.c.field_name)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    # object columns: an empty value stays None (pandas would infer text and turn it into NaN)
    frame = pd.DataFrame({col.name: pd.Series([r[i] for r in rows], dtype=object) for i, col in enumerate(c.columns)})
    frame["version"] = frame["version"].astype("int64")
    return frame


def _replay(log: pd.DataFrame) -> tuple[dict[str, str | None], bool]:
    state: dict[str, str | None] = {}
    deleted = False
    for field, value in zip(log["field_name"], log["replacement_value"], strict=True):
        if field == DELETED_FIELD:
            deleted = value == "true"
        elif field in schema.FIELD_NAMES:
            state[field] = value
    return {k: v for k, v in state.items() if v is not None}, deleted


def version_of(store: Store, directory: str, record_id: str, version: int) -> dict[str, str | None]:
    """The record's fields as they were at ``version`` (rebuilt from the change log)."""
    log = history(store, directory, record_id)
    if log.empty or version < 1 or version > int(log["version"].max()):
        msg = Message(N_("record {record} of {directory} has no version {version}"), record=repr(record_id), directory=repr(directory),
                      version=version)
        raise ValueError(msg)
    state, _ = _replay(log[log["version"] <= version].sort_values(["version", "field_name"]))
    return state


def restore_version(store: Store, directory: str, record_id: str, version: int, *, expected_version: int,
                    by: str, role: str, reason: str | None = None) -> int:
    """Make an earlier ``version`` of a record current again (editor role); returns the new version."""
    require_role(role, EDITOR, N_("restoring a record"))
    old = version_of(store, directory, record_id, version)
    with store.begin() as conn:
        current = _record_row(conn, directory, record_id, lock=True)
        if current["version"] != expected_version:
            raise ConflictError(record_id, expected_version, current["version"], dict(current["data"]), old)
        return write_record(conn, directory, record_id, old, current=current, by=by,
                            reason=reason or system_reason(RESTORED_VERSION, version=version), action="restore",
                            expected_version=expected_version)


def as_of(store: Store, directory: str, when: str) -> pd.DataFrame:
    """The directory as it stood at ``when`` (ISO date or time, UTC), as a raw directory table."""
    info = get_directory(store, directory)
    stamp = when if "T" in when else f"{when}T23:59:59.999999Z"
    log = history(store, directory)
    log = log[log["last_action_date"] <= stamp]
    rows = []
    for _record_id, part in log.groupby("resource_id", sort=True):
        state, deleted = _replay(part.sort_values(["version", "field_name"]))
        if not deleted:
            rows.append((state, None, int(part["version"].max())))
    return _raw_frame(rows, info)


def directory_stamp(store: Store, directory: str) -> tuple[int, str]:
    """``(records, last change time)`` of a directory: changes whenever any record is written.

    Cheap to ask on every page run, so a server sees edits committed by another at once.
    """
    query = sa.select(sa.func.count(), sa.func.max(_R.c.updated_at)).where(_R.c.directory == directory)
    with store.engine.connect() as conn:
        count, last = conn.execute(query).one()
    return int(count), str(last or "")
