"""Import a directory file into the store: an upsert keyed by record id, previewed first.

:func:`preview_import` reads nothing but the file and the store and says what would happen —
"N new, M changed, K unchanged, R not in the file", with the changed fields per record and every
row that cannot be imported, with its reason. :func:`commit_import` writes it in one
transaction (a crash or ``kill -9`` part-way leaves the store as it was). Records missing from
the file are kept unless ``delete_missing=True``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa

import geomap.store.bulk as bulk
import geomap.store.tables as tables
from geomap.directory import readers, schema
from geomap.i18n import N_, Message, Number
from geomap.store._common import EDITOR, as_text, coordinate, now_iso, require_role
from geomap.store.directories import get_directory
from geomap.store.engine import Store
from geomap.store.reasons import IMPORTED, IMPORTED_WITH_REJECTED, system_reason
from geomap.store.records import DELETED_FIELD, _mark_deleted, change_rows

__all__ = ["ImportPlan", "read_import_file", "preview_import", "commit_import"]

_R = tables.records
#: Records written per statement (the progress callback is called after each chunk).
CHUNK = 2000


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    """What an import would do.

    Attributes
    ----------
    directory : str
    new : list of str
        Record ids not yet in the directory.
    changed : dict
        ``{record_id: [field, …]}`` of records whose fields differ.
    unchanged : list of str
    missing : list of str
        Current records of the directory that the file does not hold (kept unless asked).
    rejected : list of (int, str)
        ``(source_row, reason)`` of rows that cannot be imported.
    rows : dict
        ``{record_id: (fields, extra)}`` read from the file.
    """

    directory: str
    new: list[str]
    changed: dict[str, list[str]]
    unchanged: list[str]
    missing: list[str]
    rejected: list[tuple[int, str]]
    rows: dict[str, tuple[dict[str, str | None], dict[str, Any]]] = dataclasses.field(repr=False)

    def summary(self) -> str:
        """``"N new, M changed, K unchanged, R not in the file"`` (and rows not importable)."""
        text = f"{len(self.new)} new, {len(self.changed)} changed, {len(self.unchanged)} unchanged, {len(self.missing)} not in the file"
        if self.rejected:
            text += f", {len(self.rejected)} rows not importable"
        return text


def _changed_since_preview(directory: str, fresh: ImportPlan) -> Message:
    """The error of an import whose directory changed after its preview (the counts as they are now)."""
    counts = {"name": repr(directory), "new": Number(len(fresh.new)), "changed": Number(len(fresh.changed)),
              "unchanged": Number(len(fresh.unchanged)), "missing": Number(len(fresh.missing))}
    if fresh.rejected:
        return Message(N_("directory {name} changed since the preview ({new} new, {changed} changed, {unchanged} unchanged, {missing} not "
                          "in the file, {rejected} rows not importable now); preview the import again"), **counts,
                       rejected=Number(len(fresh.rejected)))
    return Message(N_("directory {name} changed since the preview ({new} new, {changed} changed, {unchanged} unchanged, {missing} not "
                      "in the file now); preview the import again"), **counts)


def _import_reason(plan: ImportPlan) -> str:
    """The change-log reason of an import nobody gave a reason for: ``"import: "`` and :meth:`ImportPlan.summary`."""
    counts = {"new": len(plan.new), "changed": len(plan.changed), "unchanged": len(plan.unchanged), "missing": len(plan.missing)}
    if plan.rejected:
        return system_reason(IMPORTED_WITH_REJECTED, **counts, rejected=len(plan.rejected))
    return system_reason(IMPORTED, **counts)


def read_import_file(source: Any, *, filename: str | None = None, key: str = "id",
                     **options: Any) -> tuple[dict[str, tuple[dict, dict]], list[tuple[int, str]]]:
    """Read a directory file into ``{record_id: (fields, extra)}`` and the rows that cannot be imported.

    A row without a ``key`` value, or repeating one already seen, is rejected with its reason.
    """
    if key not in schema.FIELD_NAMES:
        msg = Message(N_("key field {key} is not a directory field; use one of {fields}"), key=repr(key), fields=tuple(schema.FIELD_NAMES))
        raise ValueError(msg)
    raw = readers.read_directory(source, filename=filename, **options)
    return _rows_by_key(raw, key=key)


def _rows_by_key(raw: pd.DataFrame, *, key: str) -> tuple[dict[str, tuple[dict, dict]], list[tuple[int, str]]]:
    name = raw.attrs.get("source_file") or (raw["source_file"].iloc[0] if len(raw) else "the file")
    columns = {f: raw[f].tolist() if f in raw.columns else [None] * len(raw) for f in schema.FIELD_NAMES}
    extras = raw["extra"].tolist() if "extra" in raw.columns else [None] * len(raw)
    source_rows = raw["source_row"].tolist() if "source_row" in raw.columns else list(range(2, len(raw) + 2))
    rows: dict[str, tuple[dict, dict]] = {}
    first_row: dict[str, int] = {}
    rejected: list[tuple[int, str]] = []
    for i, row_no in enumerate(source_rows):
        fields = {f: as_text(columns[f][i]) for f in schema.FIELD_NAMES}
        ident = fields.get(key)
        if ident is None:
            rejected.append((int(row_no), f"{name} row {row_no}: no {key!r} value, so it cannot be matched to a stored record"))
            continue
        if ident in rows:
            rejected.append((int(row_no), f"{name} row {row_no}: {key} {ident!r} repeats row {first_row[ident]}; only the first is imported"))
            continue
        first_row[ident] = int(row_no)
        extra = extras[i] if isinstance(extras[i], dict) else {}
        rows[ident] = ({k: v for k, v in fields.items() if v is not None}, {str(k): as_text(v) for k, v in extra.items()})
    return rows, rejected


def _current(conn: sa.Connection, directory: str) -> dict[str, Any]:
    query = sa.select(_R.c.record_id, _R.c.version, _R.c.data, _R.c.deleted).where(_R.c.directory == directory)
    return {r.record_id: r for r in conn.execute(query)}


def _plan(directory: str, rows: dict, rejected: list, current: dict[str, Any]) -> ImportPlan:
    new, unchanged, changed = [], [], {}
    for ident, (fields, _extra) in rows.items():
        stored = current.get(ident)
        if stored is None or stored.deleted:
            new.append(ident)
            continue
        old = {k: v for k, v in stored.data.items() if v is not None}
        diff = sorted(f for f in set(old) | set(fields) if old.get(f) != fields.get(f))
        if diff:
            changed[ident] = diff
        else:
            unchanged.append(ident)
    missing = sorted(i for i, r in current.items() if not r.deleted and i not in rows)
    return ImportPlan(directory, new, changed, unchanged, missing, rejected, rows)


def preview_import(store: Store, directory: str, rows: dict, rejected: list[tuple[int, str]] | None = None) -> ImportPlan:
    """What importing ``rows`` (from :func:`read_import_file`) into ``directory`` would do; writes nothing."""
    get_directory(store, directory)
    with store.engine.connect() as conn:
        return _plan(directory, rows, list(rejected or []), _current(conn, directory))


def commit_import(
    store: Store, plan: ImportPlan, *, by: str, role: str, reason: str | None = None, delete_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Write an import in one transaction (editor role) and return what was done.

    Parameters
    ----------
    store : Store
    plan : ImportPlan
        From :func:`preview_import`; it is recomputed inside the transaction, and if the store
        changed since the preview in a way that alters it, nothing is written.
    by, role : str
        Who imports, and their role.
    reason : str, optional
        Kept in the change log (default: the import's summary).
    delete_missing : bool
        Also delete the directory's records that the file does not hold.
    progress : callable, optional
        ``progress(done, total)`` after each chunk of records written, inside the transaction.

    Raises
    ------
    ValueError
        The store changed since the preview; preview again.
    """
    require_role(role, EDITOR, N_("importing a directory"))
    why = reason or _import_reason(plan)
    with store.begin() as conn:
        current = _current(conn, plan.directory)
        fresh = _plan(plan.directory, plan.rows, plan.rejected, current)
        if (fresh.new, fresh.changed, fresh.missing) != (plan.new, plan.changed, plan.missing):
            msg = _changed_since_preview(plan.directory, fresh)
            raise ValueError(msg)
        work = [*fresh.new, *fresh.changed]
        total = len(work) + (len(fresh.missing) if delete_missing else 0)
        for start in range(0, len(work), CHUNK):
            _write_chunk(conn, fresh, work[start:start + CHUNK], current, by=by, reason=why)
            if progress is not None:
                progress(min(start + CHUNK, len(work)), total)
        if delete_missing and fresh.missing:
            rows = [{"record_id": i, "version": current[i].version} for i in fresh.missing]
            _mark_deleted(conn, plan.directory, rows, by=by, reason=why)
            if progress is not None:
                progress(total, total)
    return fresh


def _write_chunk(conn: sa.Connection, plan: ImportPlan, ids: list[str], current: dict, *, by: str, reason: str) -> None:
    when = now_iso()
    inserts, updates, log = [], [], []
    for ident in ids:
        fields, extra = plan.rows[ident]
        stored = current.get(ident)
        lon, lat = coordinate(fields.get("longitude")), coordinate(fields.get("latitude"))
        if stored is None:
            # tuples in the column order of tables.records, JSON as text (bulk.insert_rows)
            inserts.append((plan.directory, ident, 1, json.dumps(fields), json.dumps(extra) if extra else None,
                            lon, lat, False, when, by, None, None))
            log += change_rows(plan.directory, ident, {}, fields, version=1, action="create", by=by, reason=reason, when=when)
            continue
        before = {k: v for k, v in stored.data.items() if v is not None}
        after = dict(fields)
        if stored.deleted:
            before[DELETED_FIELD], after[DELETED_FIELD] = "true", "false"
        version = stored.version + 1
        updates.append({"b_record_id": ident, "b_version": stored.version, "version": version, "deleted": False,
                        "data": fields, "extra": extra or None, "longitude": lon, "latitude": lat,
                        "updated_at": when, "updated_by": by})
        log += change_rows(plan.directory, ident, before, after, version=version, action="import", by=by, reason=reason, when=when)
    bulk.insert_rows(conn, _R, inserts)
    if updates:
        statement = _R.update().where(_R.c.directory == plan.directory, _R.c.record_id == sa.bindparam("b_record_id"),
                                      _R.c.version == sa.bindparam("b_version"))
        done = conn.execute(statement, updates)
        if done.rowcount not in (-1, len(updates)):
            msg = Message(N_("directory {name} changed during the import; nothing was written, preview it again"), name=repr(plan.directory))
            raise ValueError(msg)
    bulk.insert_rows(conn, tables.changes, log)
