"""The ``geomap`` command.

Every command calls the same library functions as the app's pages. Record-level outputs are
public views unless ``--include-confidential`` is given, which is said in the output and in the
written file.

Commands contributed by feature modules live in :mod:`geomap.cli_commands`; each such module
defines ``add_<name>_parser(subparsers)`` (returning the parser) and ``run_<name>(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from geomap import i18n
from geomap.directory import writers
from geomap.i18n import N_, _, ngettext
from geomap.io.formats import DIRECTORY_FORMATS

__all__ = ["main", "build_parser", "add_mapping_options", "mappings_from_args", "parse_map_options", "FULL_EXPORT_NOTICE"]

#: Feature modules that contribute sub-commands.
_COMMAND_MODULES: list[str] = [
    "geomap.cli_commands.gaps",
    "geomap.cli_commands.refer",
    "geomap.cli_commands.footprint",
    "geomap.cli_commands.users",
    "geomap.cli_commands.store",
]

#: Printed, and written into the file, when an export includes confidential records.
FULL_EXPORT_NOTICE = N_(
    "FULL EXPORT: includes confidential locations, addresses and phones. "
    "Do not share beyond signed-in partners."
)


def _err(msg: str) -> int:
    print(_("geomap: error: {message}").format(message=msg), file=sys.stderr)
    return 2


# ---------------------------------------------------------------- boundaries
def _cmd_boundaries_list(args: argparse.Namespace) -> int:
    from geomap import boundaries

    table = boundaries.list_countries()
    if args.out:
        writers.write_table_csv(table, args.out)
    width = max(len(str(n)) for n in table["name"]) if len(table) else 10
    for rec in table.itertuples(index=False):
        units = ngettext("{n} unit", "{n} units", int(rec.units)).format(n=f"{rec.units:>4}")
        print(f"{rec.country}  {rec.iso_a2}  {str(rec.name):<{width}}  {units}")
    countries = ngettext("{n} country", "{n} countries", len(table)).format(n=i18n.number(len(table)))
    total = int(table["units"].sum())
    print(countries + ", " + ngettext("{n} unit", "{n} units", total).format(n=i18n.number(total)))
    return 0


def _cmd_boundaries_check(args: argparse.Namespace) -> int:
    from geomap import boundaries

    gdf = boundaries.read_boundaries(args.file, country=args.country)
    info = boundaries.describe_boundaries(gdf)
    info["notes"] = [i18n.render(n) for n in info["notes"]]  # messages: said in the command's language
    for key, value in info.items():
        print(f"{key}: {value}")
    return 0


# ---------------------------------------------------------------- directory
def parse_map_options(items: list[str] | None) -> dict[str, str]:
    """Parse repeated ``--map "Header=field"`` options into ``{header: field}``.

    ``"Town/City=town"`` maps the column *Town/City* to the field *town*; ``"Serves="``
    ignores the column *Serves*. The header may itself contain ``=``: the last one splits.

    Raises
    ------
    ValueError
        Naming the option and the valid fields when it is not ``header=field`` or the field is
        not a directory field.
    """
    from geomap.directory import schema

    out: dict[str, str] = {}
    for item in items or ():
        header, sep, target = item.rpartition("=")
        header, target = header.strip(), target.strip()
        if not sep or not header:
            msg = f"--map {item!r}: write it as \"Column header=field\" (fields: {', '.join(schema.FIELD_NAMES)})"
            raise ValueError(msg)
        if target and target not in schema.FIELD_NAMES:
            msg = f"--map {item!r}: {target!r} is not a directory field; valid fields: {', '.join(schema.FIELD_NAMES)}"
            raise ValueError(msg)
        out[header] = target
    return out


def mappings_from_args(args: argparse.Namespace) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """Column and category mappings from ``--mapping FILE`` and ``--map`` (which wins)."""
    from geomap.directory import readers

    columns: dict[str, str] = {}
    categories: dict[str, str] = {}
    if getattr(args, "mapping", None):
        columns, categories = readers.load_mappings(args.mapping)
    columns.update(parse_map_options(getattr(args, "map", None)))
    return columns or None, categories or None


def _load(args: argparse.Namespace):
    from geomap import boundaries, pipeline

    units = pipeline.load_units(args.country, boundaries=getattr(args, "boundaries", None))
    units = boundaries.localized_names(units, i18n.current().lang)  # unit names in the output's language
    columns, categories = mappings_from_args(args)
    directory = pipeline.load_directory(
        args.file if hasattr(args, "file") else args.directory, units=units, country=args.country,
        mapping=columns, categories=categories,
    )
    return units, directory


def _cmd_directory_check(args: argparse.Namespace) -> int:
    from geomap.directory import privacy, resolve, schema, writers

    _units, directory = _load(args)
    out_view = directory if args.include_confidential else privacy.public_view(directory)
    cols = list(schema.FIELD_NAMES) + [c for c in schema.RESOLUTION_FIELDS if c in out_view.columns]
    cols += [c for c in ("duplicate_of", "display_name") if c in out_view.columns]
    table = out_view[[c for c in cols if c in out_view.columns]]
    writers.write_directory(table, args.out, format="csv", notice=FULL_EXPORT_NOTICE if args.include_confidential else None)
    acc = resolve.row_accounting(directory)
    _print_columns(directory)
    n = i18n.number
    print(_("{total} rows: {placed} placed in {units} units, {flagged} flagged").format(
        total=n(acc["total"]), placed=n(acc["placed"]), units=n(acc["units"]), flagged=n(acc["flagged"])))
    for name, count in _placed_per_unit(directory):
        print(f"  {name}: {n(count)}")
    for w in directory.attrs.get("warnings") or []:
        print(_("warning: {message}").format(message=i18n.render(w)))
    if acc["unknown_categories"]:
        print(_("categories not in geomap's vocabulary (kept as written; map them with --mapping):"))
        for cat, count in acc["unknown_categories"].items():
            print("  " + ngettext("{category}: {n} row", "{category}: {n} rows", int(count)).format(category=cat, n=n(count)))
    if acc["placed_with_warnings"]:
        print(ngettext("{n} placed row carries a warning (see the reason column of {path})",
                       "{n} placed rows carry a warning (see the reason column of {path})",
                       int(acc["placed_with_warnings"])).format(n=n(acc["placed_with_warnings"]), path=args.out))
    flagged = directory[directory["status"] == schema.STATUS_FLAGGED]
    for reason, rows in _grouped_reasons(privacy.public_view(flagged)):
        # Translators: {rows} names file rows ("rows 3, 4 (2)"), {reason} why they were flagged.
        print("  " + _("{rows}: {reason}").format(rows=_row_list(rows), reason=reason))
    if args.include_confidential:
        print(_(FULL_EXPORT_NOTICE))
    print(_("wrote {path}").format(path=args.out))
    return 0


def _print_columns(directory) -> None:
    """Name the columns recognised and those not (mappable with --map or --mapping)."""
    mapping = directory.attrs.get("mapping") or {}
    unmapped = directory.attrs.get("unmapped") or []
    if mapping:
        print(_("columns: {list}").format(list=i18n.join(f"{h} -> {f}" for h, f in mapping.items())))
    if unmapped:
        print(_('not used (map one with --map "Header=field" or --mapping FILE): {list}').format(list=i18n.join(repr(h) for h in unmapped)))


def _placed_per_unit(directory) -> list[tuple[str, int]]:
    from geomap.directory import schema

    placed = directory[directory["status"] == schema.STATUS_PLACED]
    counts = placed["admin1_name"].astype(object).value_counts()
    return [(str(k), int(v)) for k, v in counts.items()]


def _grouped_reasons(flagged) -> list[tuple[str, list]]:
    """Flagged rows grouped by their reason (in the output's language), in order of first appearance."""
    from geomap.directory import resolve

    groups: dict[str, list] = {}
    for row, reason in zip(flagged["source_row"].tolist(), resolve.reason_texts(flagged).tolist()):
        groups.setdefault(str(reason), []).append(row)
    return list(groups.items())


def _row_list(rows: list, limit: int = 6) -> str:
    """``rows 3, 4, 9 (3)`` in the output's language (row numbers as in the file)."""
    head = i18n.join(str(r) for r in rows[:limit])
    if len(rows) == 1:
        return _("row {row}").format(row=head)
    if len(rows) > limit:
        more = len(rows) - limit
        # Translators: {rows} lists the first file rows, {more} how many others, {n} all of them.
        return ngettext("rows {rows} and {more} more ({n})", "rows {rows} and {more} more ({n})", more).format(
            rows=head, more=i18n.number(more), n=i18n.number(len(rows)))
    return _("rows {rows} ({n})").format(rows=head, n=i18n.number(len(rows)))


def _cmd_directory_export(args: argparse.Namespace) -> int:
    from geomap.directory import privacy, writers

    _units, directory = _load(args)
    view = directory if args.include_confidential else privacy.public_view(directory)
    writers.write_directory(view, args.out, format=args.to, notice=FULL_EXPORT_NOTICE if args.include_confidential else None)
    if args.include_confidential:
        print(_(FULL_EXPORT_NOTICE))
    print(ngettext("wrote {n} record as {format} to {path}", "wrote {n} records as {format} to {path}", len(view)).format(
        n=i18n.number(len(view)), format=args.to, path=args.out))
    return 0


# ---------------------------------------------------------------- coverage
#: Columns of the coverage CSV, in order (count-derived ones are text in the public view).
COVERAGE_COLUMNS = ["code", "name", "providers", "per_100k", "population", "population_year", "confidential_providers", "capacity", "capacity_per_100k"]


def _cmd_coverage(args: argparse.Namespace) -> int:
    from geomap.analysis import coverage
    from geomap.directory import disclosure, privacy

    units, directory = _load(args)
    role = privacy.PARTNER if args.include_confidential else privacy.PUBLIC
    table = coverage.published_coverage(units, directory, role=role, services=args.service or None, populations=args.population or None)
    out = table[COVERAGE_COLUMNS].copy()
    if not args.include_confidential:
        out["banded"] = table[disclosure.BANDED_COLUMN].map({True: "yes", False: "no"})
    notice = disclosure.caveat(exact=True) if args.include_confidential else None
    writers.write_table_csv(out, args.out, notice=notice)
    s = coverage.public_summary(table)
    year = " " + _("(population: {year} census)").format(year=s["population_year"]) if s["population_year"] else ""
    n = {"units": i18n.number(s["units"]), "providers": i18n.number(s["providers"]), "with_one": i18n.number(s["units_with_providers"])}
    if args.include_confidential:
        print(notice)
        # Translators: {units} units in all, {providers} providers placed, {with_one} units with at least one provider.
        print(_("{units} units, {providers} providers; {with_one} units have at least one").format(**n) + year)
    else:
        print(_("{units} units, {providers} providers shown exactly; {with_one} units have at least one").format(**n) + year
              + "; " + _("{banded} units banded").format(banded=i18n.number(s["banded"])))
        print(disclosure.caveat())
    if s["units_without"]:
        print(_("units without providers: {names}").format(names=i18n.join(s["units_without"])))
    if s["units_unknown"]:
        print(_("units with no public provider and {band} confidential ones: {names}").format(
            band=disclosure.band_label(), names=i18n.join(s["units_unknown"])))
    print(_("wrote {path}").format(path=args.out))
    return 0


def add_mapping_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--map", action="append", metavar="HEADER=FIELD",
        help=_('map a column to a field, e.g. --map "Town/City=town" (repeatable; "Header=" ignores a column)'),
    )
    p.add_argument(
        "--mapping", metavar="FILE",
        help=_("a mapping file saved from the Data page (columns and categories); --map wins over it"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``geomap`` command (with every feature module's commands)."""
    from geomap.directory import schema

    parser = argparse.ArgumentParser(prog="geomap", description=_("Map who serves trafficking survivors where."))
    parser.add_argument("--lang", choices=list(i18n.LANGUAGES), help=_("language of the output (default: GEOMAP_LANG or LANG)"))
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("boundaries", help=_("bundled and brought admin boundaries"))
    bsub = b.add_subparsers(dest="action", required=True)
    bl = bsub.add_parser("list", help=_("countries in the bundled layer and their unit counts"))
    bl.add_argument("--out", help=_("also write the list as CSV"))
    bl.set_defaults(func=_cmd_boundaries_list)
    bc = bsub.add_parser("check", help=_("detect columns, CRS, level and unit count of a boundary file"))
    bc.add_argument("file")
    bc.add_argument("--country", help=_("ISO code, to check codes against"))
    bc.set_defaults(func=_cmd_boundaries_check)

    d = sub.add_parser("directory", help=_("check or export a provider directory"))
    dsub = d.add_subparsers(dest="action", required=True)
    dc = dsub.add_parser("check", help=_("resolve every row; write each with its status and reason"))
    de = dsub.add_parser("export", help=_("export a directory (public view unless --include-confidential)"))
    for p in (dc, de):
        p.add_argument("file", help=_("CSV, XLSX, GeoJSON, GeoPackage, HXL or an HSDS data package (folder or zip)"))
        p.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code"))
        p.add_argument("--boundaries", help=_("a boundary file to use instead of the bundled layer"))
        p.add_argument("--out", required=True)
        p.add_argument("--include-confidential", action="store_true", help=_("write confidential locations too (full export)"))
        add_mapping_options(p)
    de.add_argument("--to", required=True, choices=DIRECTORY_FORMATS.names(writable=True))
    dc.set_defaults(func=_cmd_directory_check)
    de.set_defaults(func=_cmd_directory_export)

    c = sub.add_parser("coverage", help=_("providers per admin unit"))
    c.add_argument("--country", required=True)
    c.add_argument("--directory", required=True)
    c.add_argument("--boundaries")
    c.add_argument(
        "--service", action="append",
        help=_("a category code (e.g. shelter, protection, wash) or a category as the file writes it; repeat for several"),
    )
    c.add_argument("--population", action="append", choices=list(schema.POPULATIONS))
    c.add_argument("--out", required=True)
    c.add_argument(
        "--include-confidential",
        action="store_true",
        help=_("exact counts of confidential sites (partner view; the public view bands counts below GEOMAP_DISCLOSURE_K)"),
    )
    add_mapping_options(c)
    c.set_defaults(func=_cmd_coverage)

    for name in _COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for attr in dir(mod):
            if attr.startswith("add_") and attr.endswith("_parser"):
                cmd = attr[len("add_") : -len("_parser")]
                p = getattr(mod, attr)(sub)
                runner = getattr(mod, f"run_{cmd}", None)
                if p is not None and runner is not None and p.get_default("func") is None:
                    p.set_defaults(func=runner)
    _add_lang(sub)
    return parser


def _add_lang(subparsers: argparse._SubParsersAction) -> None:
    # --lang is accepted after the command too (geomap footprint ... --lang es).
    for p in subparsers.choices.values():
        nested = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            for n in nested:
                _add_lang(n)
        elif "--lang" not in p._option_string_actions:
            p.add_argument("--lang", choices=list(i18n.LANGUAGES), default=argparse.SUPPRESS,
                           help=_("language of the output (default: GEOMAP_LANG or LANG)"))


def _language(argv: list[str]) -> str:
    # --lang xx (or --lang=xx) anywhere on the line, else the settings (GEOMAP_LANG, then LANG).
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return i18n.normalise(argv[i + 1])
        if arg.startswith("--lang="):
            return i18n.normalise(arg.split("=", 1)[1])
    from geomap.settings import get_settings

    return get_settings().lang


def main(argv: list[str] | None = None) -> int:
    """Run the ``geomap`` command; returns the exit status.

    Output is in the language of ``--lang`` (en, es, fr, ar), else of the settings
    (``GEOMAP_LANG``, else the ``LANG`` environment); machine formats keep their field names.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    with i18n.use(_language(argv)):
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except OSError as exc:  # a missing or unreadable file: name it and say why
            where = exc.filename if exc.filename is not None else _("file")
            return _err(f"{where}: {exc.strerror or i18n.error_text(exc)}")
        except ValueError as exc:
            # a user error (GeomapError and the project's ValueError convention): one line, exit
            # status 2. Anything else (KeyError, TypeError, …) is a bug and surfaces with its traceback.
            return _err(i18n.error_text(exc))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
