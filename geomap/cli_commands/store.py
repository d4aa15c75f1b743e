"""``geomap store``: import, export, history, backup, restore and list the system of record.

The store is the embedded GeoPackage under ``GEOMAP_DATA_DIR`` or PostGIS when
``GEOMAP_DATABASE_URL`` is set (see :mod:`geomap.store`). The command line is an operator's
tool: it acts with the editor's and admin's rights, and names the person with ``--by``
(default: the login name) in the change log. Exports are public views unless
``--include-confidential`` is given.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from geomap import i18n
from geomap import store as st
from geomap.i18n import _

__all__ = ["add_store_parser", "run_store"]

_FORMATS = ["csv", "geojson", "gpkg", "hsds", "hxl"]
_SHOW_CHANGED = 20


def add_store_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap store`` and its actions; returns the ``store`` parser."""
    p = subparsers.add_parser("store", help=_("the system of record: import, export, history, backup, restore, list"),
                              description="The store: GeoPackage under GEOMAP_DATA_DIR, or PostGIS when GEOMAP_DATABASE_URL is set.")
    sub = p.add_subparsers(dest="store_action", required=True)
    im = sub.add_parser("import", help=_("upsert a directory file into a named directory (preview first)"))
    im.add_argument("file")
    im.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code"))
    im.add_argument("--directory", required=True, help=_("name of the directory in the store (created if missing)"))
    im.add_argument("--dry-run", action="store_true", help=_("print the preview only; write nothing"))
    im.add_argument("--by", default=None, help=_("who imports (default: your login name)"))
    im.add_argument("--key", default="id", help=_("field that identifies a record (default: id)"))
    im.add_argument("--delete-missing", action="store_true", help=_("delete stored records the file does not hold"))
    im.add_argument("--reason", help=_("why (kept in the change log)"))
    im.add_argument("--owner", default="", help=_("owner of a new directory"))
    im.add_argument("--licence", default="", help=_("licence of a new directory"))
    im.add_argument("--sensitivity", default="restricted", choices=list(st.SENSITIVITIES), help=_("of a new directory"))
    ex = sub.add_parser("export", help=_("export a directory (public view unless --include-confidential)"))
    ex.add_argument("--directory", required=True)
    ex.add_argument("--to", required=True, choices=_FORMATS)
    ex.add_argument("--out", required=True)
    ex.add_argument("--include-confidential", action="store_true", help=_("write confidential locations too (full export)"))
    ex.add_argument("--with-history", action="store_true", help=_("also write the change log next to --out (.changes.csv)"))
    ex.add_argument("--as-of", help=_("the directory as it stood at this date (YYYY-MM-DD, end of day) or UTC time"))
    hi = sub.add_parser("history", help=_("every change of one record: field, old, new, who, when"))
    hi.add_argument("record_id")
    hi.add_argument("--directory", required=True)
    bk = sub.add_parser("backup", help=_("write the whole store to a new GeoPackage file"))
    bk.add_argument("path")
    rs = sub.add_parser("restore", help=_("replace the whole store by a backup"))
    rs.add_argument("path")
    rs.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    sub.add_parser("list", help=_("directories with their record counts"))
    cp = sub.add_parser("compare", help=_("providers added and removed per unit between two dates"))
    cp.add_argument("--directory", required=True)
    cp.add_argument("--from", dest="since", required=True, help=_("date (YYYY-MM-DD, end of day) or UTC time"))
    cp.add_argument("--to", dest="until", required=True, help=_("date or UTC time"))
    cp.add_argument("--out", help=_("also write the table as CSV"))
    _add_record_actions(sub)
    _add_directory_actions(sub)
    p.set_defaults(func=run_store)
    return p


def _add_record_actions(sub: argparse._SubParsersAction) -> None:
    dr = sub.add_parser("delete-record", help=_("delete one record (it stays in the history; restore-record brings it back)"))
    rr = sub.add_parser("restore-record", help=_("bring back a deleted record, or make an earlier version current"))
    for q in (dr, rr):
        q.add_argument("record_id")
        q.add_argument("--directory", required=True)
        q.add_argument("--by", default=None, help=_("who does it (default: your login name)"))
        q.add_argument("--reason", help=_("why (kept in the change log)"))
    rr.add_argument("--version", type=int, help=_("the version to make current (default: the one before its deletion)"))


def _add_directory_actions(sub: argparse._SubParsersAction) -> None:
    cd = sub.add_parser("create-directory", help=_("create a named directory (or project set)"))
    cd.add_argument("name")
    cd.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code"))
    cd.add_argument("--kind", default="directory", choices=list(st.KINDS))
    sd = sub.add_parser("set-directory", help=_("change a directory's owner, licence or sensitivity"))
    sd.add_argument("name")
    for q, default in ((cd, ""), (sd, None)):
        q.add_argument("--owner", default=default, help=_("who keeps it"))
        q.add_argument("--licence", default=default, help=_("under which licence it may be shared"))
    cd.add_argument("--sensitivity", default="restricted", choices=list(st.SENSITIVITIES))
    sd.add_argument("--sensitivity", default=None, choices=list(st.SENSITIVITIES))
    rn = sub.add_parser("rename-directory", help=_("rename a directory (its records and history follow)"))
    rn.add_argument("name")
    rn.add_argument("new_name")
    dd = sub.add_parser("delete-directory", help=_("delete a directory with its records and history"))
    dd.add_argument("name")
    dd.add_argument("--yes", action="store_true", help=_("confirm deleting a directory that holds records"))


def run_store(args: argparse.Namespace) -> int:
    """Run one ``geomap store`` action; returns the exit status."""
    action = {"import": _import, "export": _export, "history": _history, "backup": _backup,
              "restore": _restore, "list": _list, "compare": _compare, "delete-record": _delete_record,
              "restore-record": _restore_record, "create-directory": _create_directory,
              "set-directory": _set_directory, "rename-directory": _rename_directory,
              "delete-directory": _delete_directory}[args.store_action]
    store = st.open_store()
    try:
        return action(store, args)
    except st.ConflictError as exc:
        print(_("geomap: error: {exc}").format(exc=i18n.error_text(exc)), file=sys.stderr)
        return 1
    finally:
        store.close()


def _print_plan(plan: st.ImportPlan, *, delete_missing: bool = False) -> None:
    print(plan.summary())
    for ident, fields in list(plan.changed.items())[:_SHOW_CHANGED]:
        print(_("  changed {ident}: {fields}").format(ident=ident, fields=', '.join(fields)))
    if len(plan.changed) > _SHOW_CHANGED:
        print(_("  … and {n} more changed records").format(n=len(plan.changed) - _SHOW_CHANGED))
    if plan.missing:
        shown = i18n.join(plan.missing[:_SHOW_CHANGED]) + (" …" if len(plan.missing) > _SHOW_CHANGED else "")
        if delete_missing:
            print(_("  not in the file, to be deleted (--delete-missing): {n}: {shown}").format(n=len(plan.missing), shown=shown))
        else:
            print(_("  not in the file (kept unless --delete-missing): {shown}").format(shown=shown))
    for _row, reason in plan.rejected:
        print(_("  not importable: {reason}").format(reason=reason))


def _import(store: st.Store, args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    rows, rejected = st.read_import_file(args.file, key=args.key)
    try:
        st.get_directory(store, args.directory)
        exists = True
    except ValueError:
        exists = False
    if not exists and not args.dry_run:
        st.ensure_directory(store, args.directory, country=args.country, role=st.ADMIN, owner=args.owner,
                            licence=args.licence, sensitivity=args.sensitivity)
    elif exists:
        st.ensure_directory(store, args.directory, country=args.country, role=st.ADMIN)
    if not exists and args.dry_run:
        plan = st.ImportPlan(args.directory, list(rows), {}, [], [], list(rejected), rows)
    else:
        plan = st.preview_import(store, args.directory, rows, rejected)
    _print_plan(plan, delete_missing=args.delete_missing)
    if args.dry_run:
        print(_("dry run: nothing written"))
        return 0
    done = st.commit_import(store, plan, by=by, role=st.EDITOR, reason=args.reason, delete_missing=args.delete_missing)
    deleted = f", {len(done.missing)} deleted" if args.delete_missing and done.missing else ""
    print(_("imported into {directory!r} by {by}: {n} added, {n2} updated{deleted}").format(directory=args.directory, by=by, n=len(done.new), n2=len(done.changed), deleted=deleted))
    return 0


def _export(store: st.Store, args: argparse.Namespace) -> int:
    from geomap import pipeline
    from geomap.cli import FULL_EXPORT_NOTICE
    from geomap.directory import privacy, resolve, writers

    info = st.get_directory(store, args.directory)
    raw = st.as_of(store, args.directory, args.as_of) if args.as_of else st.read_directory(store, args.directory)
    units = pipeline.load_units(info["country"])
    full = resolve.resolve_directory(raw, units, country=info["country"])
    view = full if args.include_confidential else privacy.public_view(full)
    notice = FULL_EXPORT_NOTICE if args.include_confidential else None
    log = _export_log(store, args, full) if args.with_history else None
    writers.write_directory(view, args.out, format=args.to, notice=notice, changes=log if args.to == "hsds" else None)
    if log is not None:
        path = f"{args.out}.changes.csv"
        writers.write_table_csv(log, path)
        print(_("wrote {n} changes to {path}").format(n=len(log), path=path) + ("" if args.include_confidential else _(" (confidential records left out)")))
        if args.to == "hsds":
            print(_("the change log is also the package's metadata table (HSDS 3.0)"))
    if args.include_confidential:
        print(FULL_EXPORT_NOTICE)
    if info["fictional"]:
        print(_("fictional sample directory: the records are not real organisations"))
    when = _(" as of {date}").format(date=args.as_of) if args.as_of else ""
    print(_("wrote {n} records as {to} to {out}").format(n=len(view), to=args.to, out=args.out) + when)
    return 0


def _export_log(store: st.Store, args: argparse.Namespace, full):
    """The change log an export may carry: up to ``--as-of``, without confidential records unless asked."""
    from geomap.directory import privacy, schema

    log = st.history(store, args.directory)
    if args.as_of:
        log = log[log["last_action_date"] <= (args.as_of if "T" in args.as_of else f"{args.as_of}T23:59:59.999999Z")]
    if not args.include_confidential:
        # only records shown in full now that never were confidential: a deleted record, or one
        # whose confidential flag was ever set (or unset, for a shelter) has none of its log written
        shown = set(full.loc[~privacy.is_confidential(full).to_numpy(), "id"].astype(str))
        later = log[log["last_action_type"] != "create"]
        flag = later[later["field_name"] == "confidential"]
        was = set(flag.loc[flag["previous_value"].map(lambda v: schema.parse_bool(v) is not False), "resource_id"])
        services = later[later["field_name"] == "service_types"]  # a shelter without a flag was confidential
        was |= set(services.loc[services["previous_value"].astype(str).str.lower().str.contains("shelter"), "resource_id"])
        log = log[log["resource_id"].isin(shown - was)]
    return log


def _history(store: st.Store, args: argparse.Namespace) -> int:
    st.get_directory(store, args.directory)
    log = st.history(store, args.directory, args.record_id)
    if log.empty:
        msg = f"record {args.record_id!r} has no history in {args.directory!r}"
        raise ValueError(msg)
    print(_("{n} changes to {record_id} in {directory!r}").format(n=len(log), record_id=args.record_id, directory=args.directory))
    for r in log.sort_values(["version", "field_name"]).itertuples(index=False):
        why = f"  ({r.reason})" if r.reason else ""
        print(f"v{r.version}  {r.last_action_date}  {r.updated_by}  {r.last_action_type}  {r.field_name}: "
              f"{r.previous_value!r} -> {r.replacement_value!r}{why}")
    return 0


def _backup(store: st.Store, args: argparse.Namespace) -> int:
    counts = st.backup(store, args.path)
    print(_("backed up {location} to {path}: ").format(location=store.location, path=args.path) + i18n.join(f"{n} {t}" for t, n in counts.items()))
    return 0


def _restore(store: st.Store, args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            msg = "restore replaces the whole store; add --yes to confirm"
            raise ValueError(msg)
        answer = input(_("Replace everything in {store} by {path}? [y/N] ").format(store=store.location, path=args.path))
        if answer.strip().lower() not in ("y", "yes"):
            print(_("nothing restored"))
            return 1
    counts = st.restore(store, args.path)
    print(_("restored {location} from {path}: ").format(location=store.location, path=args.path) + i18n.join(f"{n} {t}" for t, n in counts.items()))
    return 0


def _list(store: st.Store, args: argparse.Namespace) -> int:
    table = st.list_directories(store)
    for r in table.itertuples(index=False):
        flag = "  (fictional sample)" if r.fictional else ""
        print(_("{name}  [{country}, {sensitivity}]  {records} records, {verified} verified, {pending_proposals} proposals pending{flag}").format(name=r.name, country=r.country, sensitivity=r.sensitivity, records=r.records, verified=r.verified, pending_proposals=r.pending_proposals, flag=flag))
    print(_("{n} directories in {location}").format(n=len(table), location=store.location))
    return 0


def _compare(store: st.Store, args: argparse.Namespace) -> int:
    from geomap import pipeline
    from geomap.analysis.compare import compare_by_unit
    from geomap.directory import resolve, writers

    info = st.get_directory(store, args.directory)
    units = pipeline.load_units(info["country"])
    states = [resolve.resolve_directory(st.as_of(store, args.directory, when), units, country=info["country"])
              for when in (args.since, args.until)]
    table = compare_by_unit(units, *states)
    if args.out:
        writers.write_table_csv(table, args.out)
    moved = table[(table["added"] > 0) | (table["removed"] > 0)]
    for r in moved.itertuples(index=False):
        print(f"{r.code}  {r.name}: {r.before} -> {r.after} (+{r.added} -{r.removed})")
    print(_("{before} providers at {since}, {after} at {until}; {added} added, {removed} removed in {n} units").format(before=int(table['before'].sum()), since=args.since, after=int(table['after'].sum()), until=args.until, added=int(table['added'].sum()), removed=int(table['removed'].sum()), n=len(moved)))
    return 0


def _delete_record(store: st.Store, args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    current = st.get_record(store, args.directory, args.record_id)
    version = st.delete_record(store, args.directory, args.record_id, expected_version=current["version"], by=by,
                               role=st.EDITOR, reason=args.reason)
    print(_("deleted {record_id} from {directory!r} (version {version}, by {by}); restore-record brings it back").format(
        record_id=args.record_id, directory=args.directory, version=version, by=by))
    return 0


def _restore_record(store: st.Store, args: argparse.Namespace) -> int:
    by = args.by or getpass.getuser()
    current = st.get_record(store, args.directory, args.record_id)
    if args.version is None:
        version = st.restore_record(store, args.directory, args.record_id, by=by, role=st.EDITOR, reason=args.reason)
    else:
        version = st.restore_version(store, args.directory, args.record_id, args.version, expected_version=current["version"],
                                     by=by, role=st.EDITOR, reason=args.reason)
    print(_("restored {record_id} in {directory!r}: now version {version} (by {by})").format(
        record_id=args.record_id, directory=args.directory, version=version, by=by))
    return 0


def _create_directory(store: st.Store, args: argparse.Namespace) -> int:
    row = st.create_directory(store, args.name, country=args.country, role=st.ADMIN, owner=args.owner,
                              licence=args.licence, sensitivity=args.sensitivity, kind=args.kind)
    print(_("created {name!r} [{country}, {sensitivity}] in {location}").format(
        name=row["name"], country=row["country"], sensitivity=row["sensitivity"], location=store.location))
    return 0


def _set_directory(store: st.Store, args: argparse.Namespace) -> int:
    row = st.update_directory(store, args.name, role=st.ADMIN, owner=args.owner, licence=args.licence,
                              sensitivity=args.sensitivity)
    print(_("{name!r}: owner {owner!r}, licence {licence!r}, sensitivity {sensitivity}").format(
        name=row["name"], owner=row["owner"], licence=row["licence"], sensitivity=row["sensitivity"]))
    return 0


def _rename_directory(store: st.Store, args: argparse.Namespace) -> int:
    row = st.rename_directory(store, args.name, args.new_name, role=st.ADMIN)
    print(_("renamed {old!r} to {new!r}").format(old=args.name, new=row["name"]))
    return 0


def _delete_directory(store: st.Store, args: argparse.Namespace) -> int:
    n = st.delete_directory(store, args.name, role=st.ADMIN, confirm=args.name if args.yes else None)
    print(_("deleted {name!r} and its {n} records with their history").format(name=args.name, n=n))
    return 0
