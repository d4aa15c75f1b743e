"""``geomap users``: create, rotate, remove and list partner/editor accounts.

Passwords are read with :func:`getpass.getpass` (asked twice) or, with ``--password-stdin``,
as the first line of standard input (for scripts: ``printf '%s\\n' "$PW" | geomap users add
ana --role partner --password-stdin``). They are never accepted as a command-line argument
(which would end up in shell history and process lists) and only their bcrypt hash is stored.

The credentials file is ``--credentials PATH``, else ``$GEOMAP_CREDENTIALS``, else
``~/.config/geomap/credentials.json``; it is written with mode 0600.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from geomap import auth, i18n
from geomap.errors import UnknownUser
from geomap.i18n import _, ngettext

__all__ = ["add_users_parser", "read_password", "run_users"]


def read_password(*, stdin: bool, confirm: bool = True, stream: TextIO | None = None) -> str:
    """Read a new password from standard input or the terminal.

    Parameters
    ----------
    stdin
        Read the first line of ``stream`` (default ``sys.stdin``) instead of prompting.
    confirm
        When prompting, ask twice and require both to match.
    stream
        Stream read when ``stdin`` is true.

    Raises
    ------
    ValueError
        If the input is empty or the two entries differ.
    """
    if stdin:
        line = (stream or sys.stdin).readline()
        password = line.rstrip("\r\n")
        if not password:
            msg = "no password on standard input (--password-stdin reads the first line)"
            raise ValueError(msg)
        return password
    password = getpass.getpass("New password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        msg = "the two passwords differ; nothing was changed"
        raise ValueError(msg)
    return password


def add_users_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap users`` and its actions on ``subparsers``; returns the ``users`` parser."""
    p = subparsers.add_parser(
        "users",
        help=_("manage partner/editor accounts for signing in to the app"),
        description=(
            "Manage the accounts that may sign in and see confidential locations. "
            f"Credentials file: --credentials, else ${auth.CREDENTIALS_ENV}, else "
            "~/.config/geomap/credentials.json (mode 0600; never commit it)."
        ),
    )
    p.add_argument("--credentials", metavar="PATH", help=_("credentials file (default: see above)"))
    p.add_argument("--store", action="store_true",
                   help=_("keep the account in the store (GeoPackage or PostGIS, shared by every app server; roles "
                          "partner, editor, admin; failed sign-ins lock the account) instead of the credentials file"))
    sub = p.add_subparsers(dest="users_action", required=True)
    a = sub.add_parser("add", help=_("create an account"))
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[*auth.ACCOUNT_ROLES, "admin"], help=_("admin: --store only"))
    pw = sub.add_parser("passwd", help=_("change (rotate) an account's password"))
    pw.add_argument("name")
    pw.add_argument("--role", choices=[*auth.ACCOUNT_ROLES, "admin"], help=_("also change the role (admin: --store only)"))
    for q in (a, pw):
        q.add_argument("--password-stdin", action="store_true", help=_("read the password from the first line of stdin"))
        q.add_argument("--credentials", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r = sub.add_parser("remove", help=_("delete an account"))
    r.add_argument("name")
    r.add_argument("--credentials", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ls = sub.add_parser("list", help=_("list accounts and roles (never hashes)"))
    ls.add_argument("--credentials", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ro = sub.add_parser("role", help=_("give a store account another role (store accounts only)"))
    ro.add_argument("name")
    ro.add_argument("new_role", choices=[*auth.ACCOUNT_ROLES, "admin"], metavar="ROLE", help=_("partner, editor or admin"))
    for action, text in (("unlock", _("lift the lockout after failed sign-ins (store accounts only)")),
                         ("disable", _("stop an account from signing in, keeping it (store accounts only)")),
                         ("enable", _("let a disabled account sign in again (store accounts only)"))):
        sub.add_parser(action, help=text).add_argument("name")
    return p


#: Actions that exist for accounts kept in the store only (the credentials file has no lockout or status).
STORE_ONLY = ("role", "unlock", "disable", "enable")


def _store_only_action(s, args: argparse.Namespace) -> None:
    from geomap.store import users

    if args.users_action == "role":
        users.set_role(s, args.name, args.new_role)
        print(_("{name!r} is now {role} in {location}").format(name=args.name, role=args.new_role, location=s.location))
    elif args.users_action == "unlock":
        users.unlock(s, args.name)
        print(_("unlocked {name!r} in {location}").format(name=args.name, location=s.location))
    else:
        users.set_disabled(s, args.name, args.users_action == "disable")
        done = _("disabled (cannot sign in)") if args.users_action == "disable" else _("enabled")
        print(_("{name!r} {done} in {location}").format(name=args.name, done=done, location=s.location))


def _run_store_users(args: argparse.Namespace) -> int:
    from geomap import store as st
    from geomap.store import users

    s = st.open_store()
    try:
        if args.users_action in STORE_ONLY:
            _store_only_action(s, args)
        elif args.users_action == "list":
            table = users.list_users(s)
            for r in table.itertuples(index=False):
                print(f"{r.name}\t{r.role}" + (_("\tdisabled") if r.disabled else "")
                      + (_("\tlocked until {locked_until}").format(locked_until=r.locked_until) if r.locked_until else ""))
            print(_("{n} account(s) in {location}").format(n=len(table), location=s.location))
        elif args.users_action == "remove":
            users.remove_user(s, args.name)
            print(_("removed {name!r} from {location}").format(name=args.name, location=s.location))
        elif args.users_action == "add":
            auth.check_username(args.name)
            if users.exists(s, args.name):
                msg = f"user {args.name!r} already exists in {s.location}; use `geomap users --store passwd {args.name}`"
                raise ValueError(msg)
            users.add_user(s, args.name, read_password(stdin=args.password_stdin), role=args.role)
            print(_("added {role} {name!r} to {location}").format(role=args.role, name=args.name, location=s.location))
        else:
            if not users.exists(s, args.name):
                msg = f"no user {args.name!r} in {s.location}"
                raise KeyError(msg)
            users.set_password(s, args.name, read_password(stdin=args.password_stdin), role=args.role)
            print(_("changed password of {name!r} in {location} (and unlocked it)").format(name=args.name, location=s.location))
        return 0
    finally:
        s.close()


def run_users(args: argparse.Namespace) -> int:
    """Run ``geomap users ACTION``; prints a one-line summary and returns the exit status."""
    path = auth.credentials_path(getattr(args, "credentials", None))
    action = args.users_action
    try:
        if getattr(args, "store", False) or action in STORE_ONLY:
            return _run_store_users(args)
        if getattr(args, "role", None) == "admin":
            msg = "the admin role exists for accounts in the store only: add --store"
            raise ValueError(msg)
        if action == "list":
            users = auth.list_users(path=path)
            for name, role in users:
                print(f"{name}\t{role}")
            print(ngettext("{n} account in {path}", "{n} accounts in {path}", len(users)).format(n=len(users), path=path))
            return 0
        if action == "remove":
            auth.remove_user(args.name, path=path)
            print(_("removed {name} from {path}").format(name=repr(args.name), path=path))
            return 0
        if action == "add":
            # validate before asking for a password
            auth.check_username(args.name)
            if args.name in auth.load_accounts(path=path):
                msg = f"user {args.name!r} already exists in {path}; use `geomap users passwd {args.name}`"
                raise ValueError(msg)
            password = read_password(stdin=args.password_stdin)
            auth.add_user(args.name, password, role=args.role, path=path)
            print(_("added {role} {name} to {path} (mode 0600)").format(role=args.role, name=repr(args.name), path=path))
            return 0
        if action == "passwd":
            if args.name not in auth.load_accounts(path=path):
                msg = f"no user {args.name!r} in {path}"
                raise UnknownUser(msg)
            password = read_password(stdin=args.password_stdin)
            auth.set_password(args.name, password, path=path, role=args.role)
            print(_("changed password of {name} in {path}").format(name=repr(args.name), path=path))
            return 0
    except (ValueError, PermissionError) as exc:  # user errors (UnknownUser is a ValueError); bugs surface
        print(_("geomap users: error: {message}").format(message=i18n.error_text(exc)), file=sys.stderr)
        return 2
    msg = f"unknown action {action!r}"
    print(_("geomap users: error: {message}").format(message=msg), file=sys.stderr)
    return 2
