"""Named directories and project sets: create, list, describe."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import geomap.store.tables as tables
from geomap import boundaries
from geomap.i18n import N_, Message, Number
from geomap.store._common import ADMIN, SENSITIVITIES, now_iso, require_role
from geomap.store.engine import Store

__all__ = [
    "KINDS", "create_directory", "directory_names", "get_directory", "list_directories", "ensure_directory",
    "update_directory", "rename_directory", "delete_directory",
]

#: What a named collection holds.
KINDS: tuple[str, ...] = ("directory", "projects")


def _check(name: str, sensitivity: str, kind: str) -> None:
    if not name or not name.strip() or len(name) > 200:
        msg = Message(N_("directory name {name}: give 1 to 200 characters"), name=repr(name))
        raise ValueError(msg)
    if sensitivity not in SENSITIVITIES:
        msg = Message(N_("directory {name}: sensitivity {sensitivity} is not one of {choices}"), name=repr(name),
                      sensitivity=repr(sensitivity), choices=tuple(SENSITIVITIES))
        raise ValueError(msg)
    if kind not in KINDS:
        msg = Message(N_("directory {name}: kind {kind} is not one of {choices}"), name=repr(name), kind=repr(kind), choices=tuple(KINDS))
        raise ValueError(msg)


def create_directory(
    store: Store, name: str, *, country: str, role: str, owner: str = "", licence: str = "",
    sensitivity: str = "restricted", fictional: bool = False, kind: str = "directory",
) -> dict:
    """Create a named directory (admin role).

    Parameters
    ----------
    store : Store
    name : str
        Unique name, e.g. ``"Nigeria — national referral directory"``.
    country : str
        ISO 3166-1 alpha-2/alpha-3 code or English name (kept as alpha-3).
    role : str
        The acting session's role; creating directories needs ``admin``.
    owner, licence : str
        Who keeps it and under which licence it may be shared.
    sensitivity : {"public", "restricted", "confidential"}
    fictional : bool
        A fictional sample (said wherever its records appear).
    kind : {"directory", "projects"}

    Returns
    -------
    dict
        The directory's row.

    Raises
    ------
    ValueError
        A directory of that name exists, or a value is not accepted.
    """
    require_role(role, ADMIN, N_("creating a directory"))
    _check(name, sensitivity, kind)
    iso3 = boundaries.resolve_country(country)
    row = {"name": name.strip(), "country": iso3, "owner": owner, "licence": licence, "sensitivity": sensitivity,
           "fictional": bool(fictional), "kind": kind, "created_at": now_iso()}
    with store.begin() as conn:
        if conn.execute(sa.select(tables.directories.c.name).where(tables.directories.c.name == row["name"])).first():
            msg = Message(N_("a directory named {name} already exists"), name=repr(row["name"]))
            raise ValueError(msg)
        conn.execute(tables.directories.insert(), row)
    return row


def get_directory(store: Store, name: str) -> dict:
    """The directory's row; ``ValueError`` naming the known directories when there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(tables.directories).where(tables.directories.c.name == name)).mappings().first()
        if row is None:
            known = conn.execute(sa.select(tables.directories.c.name).order_by(tables.directories.c.name)).scalars().all()
            msg = (Message(N_("no directory named {name} in the store; known: {names}"), name=repr(name), names=tuple(known)) if known
                   else Message(N_("no directory named {name} in the store; known: none"), name=repr(name)))
            raise ValueError(msg)
    return dict(row)


def ensure_directory(store: Store, name: str, *, country: str, role: str, **options) -> dict:
    """The directory ``name``, created when missing; refuses one that belongs to another country."""
    iso3 = boundaries.resolve_country(country)
    try:
        row = get_directory(store, name)
    except ValueError:
        return create_directory(store, name, country=iso3, role=role, **options)
    if row["country"] != iso3:
        msg = Message(N_("directory {name} is for {country}, not {iso3}; pick another name or --country {country}"), name=repr(name),
                      country=row["country"], iso3=iso3)
        raise ValueError(msg)
    return row


def list_directories(store: Store) -> pd.DataFrame:
    """Every directory with its record counts (current, not deleted) and pending proposals."""
    d, r, p = tables.directories, tables.records, tables.proposals
    live = (sa.select(r.c.directory, sa.func.count().label("records"),
                      sa.func.count(r.c.verified_at).label("verified"))
            .where(r.c.deleted == sa.false()).group_by(r.c.directory).subquery())
    pending = (sa.select(p.c.directory, sa.func.count().label("pending_proposals"))
               .where(p.c.status == "pending").group_by(p.c.directory).subquery())
    query = (sa.select(d, sa.func.coalesce(live.c.records, 0).label("records"),
                       sa.func.coalesce(live.c.verified, 0).label("verified"),
                       sa.func.coalesce(pending.c.pending_proposals, 0).label("pending_proposals"))
             .select_from(d.outerjoin(live, live.c.directory == d.c.name).outerjoin(pending, pending.c.directory == d.c.name))
             .order_by(d.c.name))
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    columns = [*(c.name for c in d.columns), "records", "verified", "pending_proposals"]
    return pd.DataFrame([dict(x) for x in rows], columns=columns)


def update_directory(store: Store, name: str, *, role: str, owner: str | None = None, licence: str | None = None,
                     sensitivity: str | None = None) -> dict:
    """Change a directory's owner, licence or sensitivity (admin role); returns its row.

    Raises
    ------
    ValueError
        No such directory, or a sensitivity that is not one of :data:`SENSITIVITIES`.
    """
    require_role(role, ADMIN, N_("changing a directory"))
    row = get_directory(store, name)
    values = {k: v for k, v in (("owner", owner), ("licence", licence), ("sensitivity", sensitivity)) if v is not None}
    _check(name, values.get("sensitivity", row["sensitivity"]), row["kind"])
    if values:
        with store.begin() as conn:
            conn.execute(tables.directories.update().where(tables.directories.c.name == name).values(**values))
    return {**row, **values}


def rename_directory(store: Store, name: str, new_name: str, *, role: str) -> dict:
    """Rename a directory (admin role), its records, change log and proposals with it, in one transaction.

    Raises
    ------
    ValueError
        No directory ``name``, or one named ``new_name`` exists already.
    """
    require_role(role, ADMIN, N_("renaming a directory"))
    row = get_directory(store, name)
    new_name = (new_name or "").strip()
    _check(new_name, row["sensitivity"], row["kind"])
    if new_name == name:
        return row
    d = tables.directories
    with store.begin() as conn:
        if conn.execute(sa.select(d.c.name).where(d.c.name == new_name)).first():
            msg = Message(N_("a directory named {name} already exists; pick another name"), name=repr(new_name))
            raise ValueError(msg)
        conn.execute(d.insert(), {**row, "name": new_name})
        for table in (tables.records, tables.proposals, tables.changes):
            conn.execute(table.update().where(table.c.directory == name).values(directory=new_name))
        conn.execute(d.delete().where(d.c.name == name))
    return {**row, "name": new_name}


def delete_directory(store: Store, name: str, *, role: str, confirm: str | None = None) -> int:
    """Delete a directory with its records, change log and proposals (admin role); returns the records removed.

    A directory holding records is deleted only when ``confirm`` repeats its name (the change
    log goes with it: make a backup first to keep it).
    """
    require_role(role, ADMIN, N_("deleting a directory"))
    get_directory(store, name)
    r = tables.records
    with store.begin() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.directory == name)).scalar_one()
        if held and confirm != name:
            msg = Message.ngettext(
                "directory {name} holds {n} record (deleted ones included): confirm that it and its history go with it "
                "(geomap store delete-directory --yes; in the app, type its name)",
                "directory {name} holds {n} records (deleted ones included): confirm that they and their history go with it "
                "(geomap store delete-directory --yes; in the app, type its name)",
                int(held), name=repr(name), n=Number(int(held)),
            )
            raise ValueError(msg)
        for table in (tables.changes, tables.proposals, tables.records, tables.directories):
            column = table.c.name if table is tables.directories else table.c.directory
            conn.execute(table.delete().where(column == name))
    return int(held)


def directory_names(store: Store, *, country: str | None = None, kind: str | None = None) -> list[str]:
    """Names of the directories (optionally of one country and kind), sorted.

    One small query with no record counts (:func:`list_directories` counts every record): cheap
    enough for the app to ask on every page run, so a directory another server adds shows at once.
    """
    d = tables.directories
    query = sa.select(d.c.name).order_by(d.c.name)
    if country is not None:
        query = query.where(d.c.country == country)
    if kind is not None:
        query = query.where(d.c.kind == kind)
    with store.engine.connect() as conn:
        return [str(name) for name in conn.execute(query).scalars()]
