"""Small shared pieces of the store: roles, errors, time stamps, ids and cell text."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime
from typing import Any

from geomap.directory import schema
from geomap.i18n import N_, Message, in_turn

__all__ = [
    "ROLES", "PUBLIC", "PARTNER", "EDITOR", "ADMIN", "SENSITIVITIES",
    "RoleError", "ConflictError", "require_role", "now_iso", "new_id", "as_text", "coordinate",
]

PUBLIC, PARTNER, EDITOR, ADMIN = "public", "partner", "editor", "admin"
#: Roles in increasing order of rights: public (public view), partner (everything, may propose),
#: editor (edit, approve, verify, import, delete, restore), admin (users and directories).
ROLES: tuple[str, ...] = (PUBLIC, PARTNER, EDITOR, ADMIN)
#: How widely a directory may be shared.
SENSITIVITIES: tuple[str, ...] = ("public", "restricted", "confidential")


class RoleError(PermissionError):
    """The role does not allow the action (the message names both)."""


class ConflictError(ValueError):
    """A save based on an older version of a record; nothing was written.

    Attributes
    ----------
    record_id : str
    expected_version, current_version : int
    theirs : dict
        The stored values of the fields the refused save touched.
    yours : dict
        The values the refused save would have written.
    """

    def __init__(self, record_id: str, expected_version: int, current_version: int,
                 theirs: dict[str, Any], yours: dict[str, Any]) -> None:
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.theirs = theirs
        self.yours = yours
        fields = [Message(N_("{field}: stored {theirs}, yours {yours}"), field=k, theirs=repr(theirs.get(k)), yours=repr(yours.get(k)))
                  for k in yours]
        msg = Message(
            N_("record {record}: changed by someone else since you opened it (you edited version {expected}, the store has "
               "version {current}); nothing saved. {fields}"),
            record=record_id, expected=expected_version, current=current_version, fields=in_turn(fields) if fields else "",
        )
        super().__init__(msg)


def require_role(role: str, needed: str, action: str) -> None:
    """Raise :class:`RoleError` unless ``role`` is at least ``needed`` for ``action``.

    ``action`` is marked for translation where it is written (``N_("editing a record")``) and
    said in the language of the page or CLI that shows the error.
    """
    if role not in ROLES:
        msg = f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    if ROLES.index(role) < ROLES.index(needed):
        msg = Message(N_("{action} needs the {needed} role; this session is {role}"), action=Message(action), needed=needed, role=role)
        raise RoleError(msg)


def now_iso() -> str:
    """Now, UTC, as ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    """A 32-hex-digit id: nanosecond clock then 64 random bits.

    No database sequence (so backups restore anywhere), and ids grow with time, so a bulk
    insert appends to the key's index instead of scattering over it. Unique, not secret.
    """
    return f"{time.time_ns():016x}{random.getrandbits(64):016x}"


def as_text(value: Any) -> str | None:
    """The stored text of one field value (``None`` when empty), as flat files write it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (list, tuple, set)):
        return schema.format_list(list(value)) or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if schema.is_missing(value):
        return None
    return str(value).strip() or None


def coordinate(text: str | None) -> float | None:
    """A stored latitude/longitude text as a float, ``None`` when absent or unreadable."""
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
