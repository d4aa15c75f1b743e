"""Changes proposed by partners: kept apart from the records until an editor approves them.

A proposal never reaches :func:`geomap.store.records.read_directory` (what every page and
export reads) while it is pending; approving it saves it as an ordinary, logged edit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

import geomap.store.tables as tables
from geomap.i18n import N_, Message
from geomap.store._common import EDITOR, PARTNER, new_id, now_iso, require_role
from geomap.store.directories import get_directory
from geomap.store.engine import Store
from geomap.store.reasons import APPROVED, APPROVED_WITH_REASON, system_reason
from geomap.store.records import _clean, _record_row, write_record

__all__ = ["propose", "list_proposals", "approve", "reject"]

_P = tables.proposals


def propose(store: Store, directory: str, record_id: str, changes: dict[str, Any], *, by: str, role: str,
            reason: str | None = None) -> str:
    """Propose changes to a record, or a new record (partner role or above); returns the proposal id."""
    require_role(role, PARTNER, N_("proposing a change"))
    get_directory(store, directory)
    clean = _clean(changes, where=Message(N_("proposal for {record}"), record=record_id))
    ident = new_id()
    with store.begin() as conn:
        current = _record_row(conn, directory, record_id)
        conn.execute(_P.insert(), {"id": ident, "directory": directory, "record_id": record_id,
                                   "base_version": current["version"] if current is not None else None,
                                   "data": clean, "proposed_by": by, "proposed_at": now_iso(), "reason": reason,
                                   "status": "pending"})
    return ident


def list_proposals(store: Store, directory: str, *, role: str, status: str | None = "pending") -> pd.DataFrame:
    """Proposals of a directory (partner role or above: they may hold confidential details)."""
    require_role(role, PARTNER, N_("reading proposals"))
    query = sa.select(_P).where(_P.c.directory == directory)
    if status is not None:
        query = query.where(_P.c.status == status)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(_P.c.proposed_at)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in _P.columns])


def _pending(conn: sa.Connection, proposal_id: str):
    row = conn.execute(sa.select(_P).where(_P.c.id == proposal_id)).mappings().first()
    if row is None or row["status"] != "pending":
        msg = Message(N_("proposal {proposal} is not pending (unknown, or already decided)"), proposal=repr(proposal_id))
        raise ValueError(msg)
    return row


def approve(store: Store, proposal_id: str, *, by: str, role: str, reason: str | None = None) -> int:
    """Approve a pending proposal (editor role): it is saved as an edit; returns the record's version.

    Raises :class:`~geomap.store._common.ConflictError` when the record changed since the
    proposal was made (the proposal stays pending).
    """
    require_role(role, EDITOR, N_("approving a proposal"))
    with store.begin() as conn:
        prop = _pending(conn, proposal_id)
        current = _record_row(conn, prop["directory"], prop["record_id"], lock=True)
        base = dict(current["data"]) if current is not None else {}
        why = reason or (
            system_reason(APPROVED_WITH_REASON, proposal=proposal_id, who=prop["proposed_by"], reason=prop["reason"])
            if prop["reason"] else system_reason(APPROVED, proposal=proposal_id, who=prop["proposed_by"])
        )
        version = write_record(conn, prop["directory"], prop["record_id"], {**base, **prop["data"]}, current=current,
                               by=by, reason=why, action="approve", expected_version=prop["base_version"])
        conn.execute(_P.update().where(_P.c.id == proposal_id).values(status="approved", decided_by=by, decided_at=now_iso()))
    return version


def reject(store: Store, proposal_id: str, *, by: str, role: str) -> None:
    """Reject a pending proposal (editor role); the record is untouched."""
    require_role(role, EDITOR, N_("rejecting a proposal"))
    with store.begin() as conn:
        _pending(conn, proposal_id)
        conn.execute(_P.update().where(_P.c.id == proposal_id).values(status="rejected", decided_by=by, decided_at=now_iso()))
