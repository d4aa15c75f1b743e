"""Accounts kept in the store: roles, bcrypt hashes and a lockout that holds across sessions.

A new account can sign in at once (every sign-in reads the store); failed sign-ins are counted
on the account itself, so a fresh browser session does not reset the lockout.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

import geomap.store.tables as tables
from geomap import auth
from geomap.i18n import N_, Message
from geomap.store._common import ADMIN, PARTNER, ROLES, now_iso
from geomap.store.engine import Store

__all__ = [
    "MAX_FAILED_ATTEMPTS", "LOCKOUT", "add_user", "set_password", "set_role", "unlock", "set_disabled", "remove_user",
    "list_users", "account", "is_locked", "is_admin", "authenticate", "exists", "sign_in", "session_role",
]

#: Failed sign-ins in a row that lock the account.
MAX_FAILED_ATTEMPTS = 5
#: How long a locked account stays locked.
LOCKOUT = timedelta(minutes=15)
_U = tables.users


def _check_role(role: str) -> None:
    if role not in ROLES[1:]:
        msg = Message(N_("account role {role} is not one of {roles}"), role=repr(role), roles=tuple(ROLES[1:]))
        raise ValueError(msg)


def add_user(store: Store, name: str, password: str, *, role: str = PARTNER, rounds: int = auth.DEFAULT_ROUNDS) -> None:
    """Create an account (refuses an existing name)."""
    auth.check_username(name)
    _check_role(role)
    stamp = now_iso()
    row = {"name": name, "role": role, "password_hash": auth.hash_password(password, rounds=rounds),
           "failed_attempts": 0, "locked_until": None, "created_at": stamp, "updated_at": stamp}
    with store.begin() as conn:
        if conn.execute(sa.select(_U.c.name).where(_U.c.name == name)).first():
            msg = Message(N_("an account named {name} exists; use passwd to change it"), name=repr(name))
            raise ValueError(msg)
        conn.execute(_U.insert(), row)


def set_password(store: Store, name: str, password: str | None = None, *, role: str | None = None,
                 rounds: int = auth.DEFAULT_ROUNDS) -> None:
    """Change an account's password and/or role; also unlocks it."""
    values: dict = {"updated_at": now_iso(), "failed_attempts": 0, "locked_until": None}
    if password is not None:
        values["password_hash"] = auth.hash_password(password, rounds=rounds)
    if role is not None:
        _check_role(role)
        values["role"] = role
    with store.begin() as conn:
        if conn.execute(_U.update().where(_U.c.name == name).values(**values)).rowcount != 1:
            msg = Message(N_("no account named {name}"), name=repr(name))
            raise ValueError(msg)


def remove_user(store: Store, name: str) -> None:
    """Delete an account."""
    with store.begin() as conn:
        if conn.execute(_U.delete().where(_U.c.name == name)).rowcount != 1:
            msg = Message(N_("no account named {name}"), name=repr(name))
            raise ValueError(msg)


def _update(store: Store, name: str, values: dict) -> None:
    with store.begin() as conn:
        if conn.execute(_U.update().where(_U.c.name == name).values(updated_at=now_iso(), **values)).rowcount != 1:
            msg = Message(N_("no account named {name}"), name=repr(name))
            raise ValueError(msg)


def set_role(store: Store, name: str, role: str) -> None:
    """Give an account another role (``partner``, ``editor`` or ``admin``); it applies at its next sign-in."""
    _check_role(role)
    _update(store, name, {"role": role})


def unlock(store: Store, name: str) -> None:
    """Lift a lockout after failed sign-ins (and forget the failures counted so far)."""
    _update(store, name, {"failed_attempts": 0, "locked_until": None})


def set_disabled(store: Store, name: str, disabled: bool = True) -> None:
    """Disable an account (kept, but no sign-in succeeds) or enable it again."""
    _update(store, name, {"disabled": bool(disabled)})


def list_users(store: Store, *, now: datetime | None = None) -> pd.DataFrame:
    """Accounts: name, role, disabled, locked_until (only while locked), failed_attempts, dates (never hashes)."""
    cols = [_U.c.name, _U.c.role, _U.c.disabled, _U.c.locked_until, _U.c.failed_attempts, _U.c.created_at, _U.c.updated_at]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).order_by(_U.c.name)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])
    frame["disabled"] = frame["disabled"].astype(bool)
    moment = now or datetime.now(UTC)
    frame["locked_until"] = pd.Series([u if _locked(u, moment) else None for u in frame["locked_until"]], dtype=object)
    return frame


def _locked(until: str | None, moment: datetime) -> bool:
    return isinstance(until, str) and bool(until) and datetime.fromisoformat(until.replace("Z", "+00:00")) > moment


def authenticate(store: Store, name: str, password: str, *, now: datetime | None = None) -> str | None:
    """The account's role when the password is right and the account neither locked nor disabled, else ``None``.

    Every wrong password counts against the account; :data:`MAX_FAILED_ATTEMPTS` in a row lock
    it for :data:`LOCKOUT`, whatever browser or server the attempts come from.
    """
    moment = now or datetime.now(UTC)
    with store.begin() as conn:
        query = sa.select(_U).where(_U.c.name == name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        if row is None:
            auth.verify_password(password, auth._dummy_hash(auth.DEFAULT_ROUNDS).decode("ascii"))  # same work as a real account
            return None
        if row["disabled"] or _locked(row["locked_until"], moment):
            return None
        if auth.verify_password(password, row["password_hash"]):
            conn.execute(_U.update().where(_U.c.name == name).values(failed_attempts=0, locked_until=None))
            return row["role"]
        failed = row["failed_attempts"] + 1
        locked = (moment + LOCKOUT).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if failed >= MAX_FAILED_ATTEMPTS else None
        conn.execute(_U.update().where(_U.c.name == name).values(failed_attempts=0 if locked else failed, locked_until=locked))
    return None


def is_admin(role: str) -> bool:
    """Whether ``role`` manages users and directories."""
    return role == ADMIN


def account(store: Store, name: str) -> dict | None:
    """An account's ``name``, ``role``, ``disabled``, ``locked_until`` (never its hash); ``None`` when absent."""
    cols = (_U.c.name, _U.c.role, _U.c.disabled, _U.c.locked_until)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(*cols).where(_U.c.name == name)).mappings().first()
    return None if row is None else {**row, "disabled": bool(row["disabled"])}


def is_locked(store: Store, name: str, *, now: datetime | None = None) -> bool:
    """Whether the account is locked after failed sign-ins (``False`` for an unknown name)."""
    row = account(store, name)
    return row is not None and _locked(row["locked_until"], now or datetime.now(UTC))


def exists(store: Store, name: str) -> bool:
    """Whether the store holds an account named ``name``."""
    with store.engine.connect() as conn:
        return conn.execute(sa.select(_U.c.name).where(_U.c.name == name)).first() is not None


def session_role(role: str) -> str:
    """The page role of a store account's role (an admin sees what an editor sees)."""
    return auth.EDITOR if role == ADMIN else role


def sign_in(state: MutableMapping[str, Any], store: Store, name: str, password: str, *,
            hours: float = auth.DEFAULT_SESSION_HOURS) -> auth.Session | None:
    """Check a store account and keep an :class:`geomap.auth.Session` in ``state`` on success."""
    role = authenticate(store, name, password)
    if role is None:
        state.pop(auth.SESSION_KEY, None)
        return None
    issued = datetime.now(UTC)
    session = auth.Session(name, session_role(role), issued + timedelta(hours=hours), issued)
    state[auth.SESSION_KEY] = session
    return session
