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
    p.set_defaults(func=run_store)
    return p


def run_store(args: argparse.Namespace) -> int:
    """Run one ``geomap store`` action; returns the exit status."""
    action = {"import": _import, "export": _export, "history": _history, "backup": _backup,
              "restore": _restore, "list": _list, "compare": _compare}[args.store_action]
    store = st.open_store()
    try:
        return action(store, args)
    except st.ConflictError as exc:
        print(_("geomap: error: {exc}").format(exc=exc), file=sys.stderr)
        return 1
    finally:
        store.close()


def _print_plan(plan: st.ImportPlan) -> None:
    print(plan.summary())
    for ident, fields in list(plan.changed.items())[:_SHOW_CHANGED]:
        print(_("  changed {ident}: {fields}").format(ident=ident, fields=', '.join(fields)))
    if len(plan.changed) > _SHOW_CHANGED:
        print(_("  … and {n} more changed records").format(n=len(plan.changed) - _SHOW_CHANGED))
    if plan.missing:
        shown = ", ".join(plan.missing[:_SHOW_CHANGED]) + (" …" if len(plan.missing) > _SHOW_CHANGED else "")
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
    _print_plan(plan)
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
    raw = st.read_directory(store, args.directory)
    units = pipeline.load_units(info["country"])
    full = resolve.resolve_directory(raw, units, country=info["country"])
    view = full if args.include_confidential else privacy.public_view(full)
    notice = FULL_EXPORT_NOTICE if args.include_confidential else None
    writers.write_directory(view, args.out, format=args.to, notice=notice)
    if args.with_history:
        log = st.history(store, args.directory)
        if not args.include_confidential:
            hidden = set(full.loc[privacy.is_confidential(full).to_numpy(), "id"].astype(str))
            log = log[~log["resource_id"].isin(hidden)]
        path = f"{args.out}.changes.csv"
        writers.write_table_csv(log, path)
        print(_("wrote {n} changes to {path}").format(n=len(log), path=path) + ("" if args.include_confidential else _(" (confidential records left out)")))
    if args.include_confidential:
        print(FULL_EXPORT_NOTICE)
    if info["fictional"]:
        print(_("fictional sample directory: the records are not real organisations"))
    print(_("wrote {n} records as {to} to {out}").format(n=len(view), to=args.to, out=args.out))
    return 0


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
    print(_("backed up {location} to {path}: ").format(location=store.location, path=args.path) + ", ".join(f"{n} {t}" for t, n in counts.items()))
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
    print(_("restored {location} from {path}: ").format(location=store.location, path=args.path) + ", ".join(f"{n} {t}" for t, n in counts.items()))
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
