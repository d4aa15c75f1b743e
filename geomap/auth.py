"""Partner sign-in: local accounts with bcrypt-hashed passwords and expiring sessions.

The public view of a directory (:func:`geomap.directory.privacy.public_view`) is what every
visitor sees. A session signed in with a ``partner`` or ``editor`` account sees confidential
records in full. Accounts live in a local JSON credentials file, never in the repository:

- path: ``$GEOMAP_CREDENTIALS`` or ``~/.config/geomap/credentials.json``
  (:func:`default_credentials_path`);
- written with mode ``0600`` (parent folder ``0700`` when this module creates it); a file that
  group or others can read is refused;
- passwords are stored only as bcrypt hashes; nothing is kept in plain text.

Accounts are managed with the ``geomap users`` command (``add``, ``passwd``, ``remove``,
``list``; see :mod:`geomap.cli_commands.users`). Everything works offline.

The module holds no user data at module level. Web code keeps a :class:`Session` in the
per-browser-session state mapping (``st.session_state``) through :func:`sign_in`,
:func:`current_role` and :func:`sign_out`, which take that mapping as an argument so this module
never imports streamlit.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import bcrypt

from geomap.directory.privacy import EDITOR, PARTNER, PUBLIC
from geomap.errors import UnknownUser
from geomap.settings import get_settings

__all__ = [
    "ACCOUNT_ROLES",
    "CREDENTIALS_ENV",
    "DEFAULT_SESSION_HOURS",
    "SESSION_KEY",
    "Account",
    "Session",
    "add_user",
    "authenticate",
    "check_username",
    "credentials_path",
    "current_role",
    "current_session",
    "default_credentials_path",
    "hash_password",
    "is_valid",
    "list_users",
    "load_accounts",
    "locked_until",
    "remove_user",
    "role_of",
    "set_password",
    "sign_in",
    "sign_out",
    "verify_password",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the credentials file.
CREDENTIALS_ENV = "GEOMAP_CREDENTIALS"
#: Roles an account may hold (``public`` is the role of a visitor who is not signed in).
ACCOUNT_ROLES: tuple[str, ...] = (PARTNER, EDITOR)
#: How long a session lasts after sign-in.
DEFAULT_SESSION_HOURS = 8.0
#: Key under which :func:`sign_in` keeps the session in the per-session state mapping.
SESSION_KEY = "geomap_auth"
#: Key holding the failed sign-in counter and lock-out time in the per-session state mapping.
_FAILURES_KEY = "geomap_auth_failures"
#: Failed attempts allowed in one browser session before a pause.
MAX_FAILED_ATTEMPTS = 5
#: Length of that pause.
LOCKOUT = timedelta(minutes=1)
#: bcrypt work factor for new hashes.
DEFAULT_ROUNDS = 12
#: bcrypt only uses the first 72 bytes of a password; longer ones are refused, not truncated.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_LENGTH = 10

_USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_FILE_VERSION = 1


@dataclass(frozen=True)
class Session:
    """A signed-in session.

    Parameters
    ----------
    user
        Account name.
    role
        ``"partner"`` or ``"editor"``.
    expires_at
        When the session ends (timezone-aware, UTC).
    issued_at
        When it started (timezone-aware, UTC).
    """

    user: str
    role: str
    expires_at: datetime
    issued_at: datetime | None = None


@dataclass(frozen=True)
class Account:
    """One account in the credentials file (the hash never leaves this module's callers)."""

    name: str
    role: str
    password_hash: str
    created: str = ""
    updated: str = ""


# --------------------------------------------------------------------------- credentials file


def default_credentials_path() -> Path:
    """The credentials file: :attr:`geomap.settings.Settings.credentials_path`.

    That is ``$GEOMAP_CREDENTIALS``, the config file's ``credentials_path``, or
    ``~/.config/geomap/credentials.json``.
    """
    return get_settings().credentials_path


def credentials_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path`` expanded, or :func:`default_credentials_path` when ``None``."""
    return Path(path).expanduser() if path is not None else default_credentials_path()


def _check_mode(path: Path) -> None:
    if sys.platform.startswith("win"):
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        msg = (
            f"credentials file {path} can be read by other users (mode {mode:04o}); "
            f"run `chmod 600 {path}` and try again"
        )
        raise PermissionError(msg)


def load_accounts(*, path: str | os.PathLike[str] | None = None) -> dict[str, Account]:
    """Read the credentials file.

    Parameters
    ----------
    path
        Credentials file; default :func:`default_credentials_path`.

    Returns
    -------
    dict
        ``{name: Account}``; empty when the file does not exist.

    Raises
    ------
    PermissionError
        If the file is readable by group or others.
    ValueError
        If the file is not a geomap credentials file.
    """
    p = credentials_path(path)
    if not p.exists():
        return {}
    _check_mode(p)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"credentials file {p} is not valid JSON ({exc}); restore it or remove it and add users again"
        raise ValueError(msg) from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        msg = f"credentials file {p} has no 'users' table; it was not written by `geomap users`"
        raise ValueError(msg)
    out: dict[str, Account] = {}
    for name, rec in users.items():
        if not isinstance(rec, dict) or rec.get("role") not in ACCOUNT_ROLES or not str(rec.get("hash", "")).startswith("$2"):
            msg = f"credentials file {p}: entry {name!r} is malformed (needs a role in {ACCOUNT_ROLES} and a bcrypt hash)"
            raise ValueError(msg)
        out[name] = Account(name, rec["role"], rec["hash"], rec.get("created", ""), rec.get("updated", ""))
    return out


def _write_accounts(accounts: dict[str, Account], path: Path) -> None:
    """Atomically write ``accounts`` to ``path`` with mode 0600."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    payload = {
        "version": _FILE_VERSION,
        "users": {
            a.name: {"role": a.role, "hash": a.password_hash, "created": a.created, "updated": a.updated}
            for a in sorted(accounts.values(), key=lambda a: a.name)
        },
    }
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file with mode 0600 already.
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not sys.platform.startswith("win"):
        os.chmod(path, 0o600)


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp() -> str:
    return _now().isoformat(timespec="seconds")


def check_username(name: str) -> None:
    if not isinstance(name, str) or not _USERNAME_RE.match(name):
        msg = (
            f"invalid user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
        raise ValueError(msg)


def _check_role(role: str) -> None:
    if role not in ACCOUNT_ROLES:
        msg = f"invalid role {role!r}; an account is one of {', '.join(ACCOUNT_ROLES)}"
        raise ValueError(msg)


def _check_password(password: str) -> bytes:
    if not isinstance(password, str):
        msg = "password must be text"
        raise TypeError(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"password too short: use at least {MIN_PASSWORD_LENGTH} characters"
        raise ValueError(msg)
    raw = password.encode("utf-8")
    if len(raw) > MAX_PASSWORD_BYTES:
        msg = f"password too long: bcrypt uses at most {MAX_PASSWORD_BYTES} bytes (this one is {len(raw)})"
        raise ValueError(msg)
    return raw


def hash_password(password: str, *, rounds: int = DEFAULT_ROUNDS) -> str:
    """bcrypt hash of ``password`` (checked for length first).

    Parameters
    ----------
    password
        At least :data:`MIN_PASSWORD_LENGTH` characters, at most 72 UTF-8 bytes.
    rounds
        bcrypt work factor (log2 of iterations); 12 by default.
    """
    raw = _check_password(password)
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for any malformed input)."""
    try:
        raw = password.encode("utf-8")
        if len(raw) > MAX_PASSWORD_BYTES:
            raw = raw[:MAX_PASSWORD_BYTES]  # compare anyway (constant work), it cannot match a stored hash
            bcrypt.checkpw(raw, password_hash.encode("ascii"))
            return False
        return bcrypt.checkpw(raw, password_hash.encode("ascii"))
    except (ValueError, TypeError, AttributeError):
        return False


def list_users(*, path: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """``[(name, role), ...]`` sorted by name. Hashes are not returned."""
    return [(a.name, a.role) for a in sorted(load_accounts(path=path).values(), key=lambda a: a.name)]


def add_user(
    name: str,
    password: str,
    *,
    role: str,
    path: str | os.PathLike[str] | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> Path:
    """Create an account.

    Parameters
    ----------
    name
        Account name (letters, digits, ``. _ @ -``).
    password
        Plain password; only its bcrypt hash is stored.
    role
        ``"partner"`` or ``"editor"``.
    path
        Credentials file (created with mode 0600 if missing).
    rounds
        bcrypt work factor.

    Returns
    -------
    pathlib.Path
        The credentials file written.

    Raises
    ------
    ValueError
        If the name or role is invalid, the password too short/long, or the user exists.
    """
    check_username(name)
    _check_role(role)
    p = credentials_path(path)
    accounts = load_accounts(path=p)
    if name in accounts:
        msg = f"user {name!r} already exists in {p}; use `geomap users passwd {name}` to change the password"
        raise ValueError(msg)
    stamp = _stamp()
    accounts[name] = Account(name, role, hash_password(password, rounds=rounds), stamp, stamp)
    _write_accounts(accounts, p)
    logger.info("added %s account %r to %s", role, name, p)
    return p


def set_password(
    name: str,
    password: str,
    *,
    path: str | os.PathLike[str] | None = None,
    role: str | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> Path:
    """Change (rotate) an account's password, and optionally its role.

    Raises
    ------
    geomap.errors.UnknownUser
        If there is no such user (a ``KeyError`` too).
    """
    p = credentials_path(path)
    accounts = load_accounts(path=p)
    if name not in accounts:
        msg = f"no user {name!r} in {p}; existing users: {', '.join(sorted(accounts)) or '(none)'}"
        raise UnknownUser(msg)
    if role is not None:
        _check_role(role)
    old = accounts[name]
    accounts[name] = Account(name, role or old.role, hash_password(password, rounds=rounds), old.created, _stamp())
    _write_accounts(accounts, p)
    logger.info("changed password of account %r in %s", name, p)
    return p


def remove_user(name: str, *, path: str | os.PathLike[str] | None = None) -> Path:
    """Delete an account. Sessions already issued to it stop being valid at the next check
    made with ``path`` (see :func:`is_valid`).

    Raises
    ------
    geomap.errors.UnknownUser
        If there is no such user (a ``KeyError`` too).
    """
    p = credentials_path(path)
    accounts = load_accounts(path=p)
    if name not in accounts:
        msg = f"no user {name!r} in {p}; existing users: {', '.join(sorted(accounts)) or '(none)'}"
        raise UnknownUser(msg)
    del accounts[name]
    _write_accounts(accounts, p)
    logger.info("removed account %r from %s", name, p)
    return p


# --------------------------------------------------------------------------- authentication


@lru_cache(maxsize=8)
def _dummy_hash(rounds: int) -> bytes:
    """A hash of a random secret, so unknown users cost one bcrypt check like known ones."""
    return bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt(rounds=rounds))


def _rounds_of(password_hash: str) -> int:
    try:
        return int(password_hash.split("$")[2])
    except (IndexError, ValueError):
        return DEFAULT_ROUNDS


def authenticate(
    username: str,
    password: str,
    *,
    path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    hours: float = DEFAULT_SESSION_HOURS,
) -> Session | None:
    """Check a user name and password against the credentials file.

    An unknown user name costs the same bcrypt check as a known one (against a dummy hash with
    the same work factor), so response time does not reveal which names exist.

    Parameters
    ----------
    username, password
        As typed.
    path
        Credentials file; default :func:`default_credentials_path`.
    now
        Current time (timezone-aware); default: now, UTC.
    hours
        Session length.

    Returns
    -------
    Session or None
        A session expiring ``hours`` after ``now``, or ``None`` when the name or password is
        wrong (or the credentials file is missing). Never says which one was wrong.
    """
    try:
        accounts = load_accounts(path=path)
    except (PermissionError, ValueError) as exc:
        logger.error("sign-in refused: %s", exc)
        accounts = {}
    account = accounts.get(username) if isinstance(username, str) else None
    rounds = _rounds_of(account.password_hash) if account else (
        _rounds_of(next(iter(accounts.values())).password_hash) if accounts else DEFAULT_ROUNDS
    )
    if account is None:
        verify_password(password if isinstance(password, str) else "", _dummy_hash(rounds).decode("ascii"))
        logger.info("failed sign-in (unknown user or wrong password)")
        return None
    if not verify_password(password if isinstance(password, str) else "", account.password_hash):
        logger.info("failed sign-in (unknown user or wrong password)")
        return None
    issued = now or _now()
    logger.info("signed in %r as %s", account.name, account.role)
    return Session(account.name, account.role, issued + timedelta(hours=hours), issued)


def is_valid(
    session: Session | None,
    now: datetime | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
) -> bool:
    """Whether ``session`` is a live session.

    Parameters
    ----------
    session
        From :func:`authenticate` (``None`` is never valid).
    now
        Current time (timezone-aware); default now, UTC.
    path
        If given, also check that the account still exists in that credentials file with the
        same role (so a removed account or changed role takes effect at once).
    """
    if not isinstance(session, Session) or session.role not in ACCOUNT_ROLES:
        return False
    if (now or _now()) >= session.expires_at:
        return False
    if path is not None:
        try:
            account = load_accounts(path=path).get(session.user)
        except (PermissionError, ValueError):
            return False
        if account is None or account.role != session.role:
            return False
    return True


def role_of(session: Session | None, now: datetime | None = None, *, path: str | os.PathLike[str] | None = None) -> str:
    """The role a session grants: its role while valid, else ``"public"`` (one of ``privacy.ROLES``)."""
    return session.role if is_valid(session, now, path=path) else PUBLIC  # type: ignore[union-attr]


# --------------------------------------------------------------------------- per-session state


def sign_in(
    state: MutableMapping[str, Any],
    username: str,
    password: str,
    *,
    path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    hours: float = DEFAULT_SESSION_HOURS,
) -> Session | None:
    """Authenticate and, on success, keep the session in ``state`` (e.g. ``st.session_state``).

    After :data:`MAX_FAILED_ATTEMPTS` failures in one state mapping, further attempts are refused
    for :data:`LOCKOUT` without checking the password.

    Returns
    -------
    Session or None
        The new session, or ``None`` (wrong credentials or paused after too many failures;
        see :func:`locked_until`).
    """
    now = now or _now()
    failures = state.get(_FAILURES_KEY) or {"count": 0, "until": None}
    if failures.get("until") is not None and now < failures["until"]:
        return None
    session = authenticate(username, password, path=path, now=now, hours=hours)
    if session is None:
        count = int(failures.get("count", 0)) + 1
        until = now + LOCKOUT if count >= MAX_FAILED_ATTEMPTS else None
        state[_FAILURES_KEY] = {"count": 0 if until else count, "until": until}
        state.pop(SESSION_KEY, None)
        return None
    state[_FAILURES_KEY] = {"count": 0, "until": None}
    state[SESSION_KEY] = session
    return session


def locked_until(state: MutableMapping[str, Any], now: datetime | None = None) -> datetime | None:
    """When sign-in attempts are allowed again in this state mapping (``None``: allowed now)."""
    failures = state.get(_FAILURES_KEY) or {}
    until = failures.get("until")
    return until if until is not None and (now or _now()) < until else None


def sign_out(state: MutableMapping[str, Any]) -> None:
    """Forget the session held in ``state``."""
    user = getattr(state.get(SESSION_KEY), "user", None)
    state.pop(SESSION_KEY, None)
    if user:
        logger.info("signed out %r", user)


def current_session(
    state: MutableMapping[str, Any],
    now: datetime | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
) -> Session | None:
    """The live session in ``state``; an expired or revoked one is removed and ``None`` returned."""
    session = state.get(SESSION_KEY)
    if session is None:
        return None
    if not is_valid(session, now, path=path):
        state.pop(SESSION_KEY, None)
        return None
    return session


def current_role(
    state: MutableMapping[str, Any],
    now: datetime | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
) -> str:
    """The role of this browser session: ``"partner"``/``"editor"`` while signed in, else ``"public"``."""
    session = current_session(state, now, path=path)
    return session.role if session is not None else PUBLIC
