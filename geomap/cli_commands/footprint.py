"""``geomap footprint``: where a project portfolio reaches, per admin unit, and which units it misses.

Calls the same functions as the Footprint page: :func:`geomap.projects.load_projects`,
:func:`geomap.analysis.footprint.filter_projects`, :func:`~geomap.analysis.footprint.footprint_by_unit`.
The output holds aggregates per unit only (no provider records), so no public/full distinction
applies; ``--directory`` adds provider counts per unit (aggregates, safe to publish).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geomap import i18n
from geomap import projects as P
from geomap.analysis import footprint as F
from geomap.directory import writers
from geomap.i18n import _, ngettext, number

__all__ = ["add_footprint_parser", "run_footprint"]


def add_footprint_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap footprint`` on ``subparsers``; returns its parser."""
    p = subparsers.add_parser(
        "footprint",
        help=_("projects, budget and people reached per admin unit; units not reached"),
        description=_(
            "Read a project file (CSV/XLSX, HXL tags welcome), keep the rows of --country, and "
            "write one row per admin-1 unit: projects, budget, people reached. Prints "
            "'reached N of M units' and the units not reached."
        ),
    )
    p.add_argument("--projects", default=None, help=_("project file (CSV/XLSX/HXL); default: the bundled illustrative sample"))
    p.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code, or an English name"))
    p.add_argument("--boundaries", help=_("a boundary file to use instead of the bundled layer"))
    p.add_argument("--sheet", help=_("worksheet of an XLSX file"))
    p.add_argument("--category", action="append", choices=list(P.PROGRAM_CATEGORIES), help=_("program category; repeat for several"))
    p.add_argument("--activity", action="append", choices=list(P.ACTIVITY_TYPES), help=_("activity type; repeat for several"))
    p.add_argument("--funder", action="append", help=_("funder name; repeat for several"))
    p.add_argument("--partner", action="append", help=_("implementing partner name; repeat for several"))
    p.add_argument("--status", action="append", choices=list(P.PROJECT_STATUSES), help=_("project status; repeat for several"))
    p.add_argument("--year-from", type=int, help=_("keep projects active in or after this year"))
    p.add_argument("--year-to", type=int, help=_("keep projects active in or before this year"))
    p.add_argument("--allocate", choices=list(F.ALLOCATIONS), default="split",
                   help=_("budget/reach of multi-unit projects: split equally (default) or full in each unit"))
    p.add_argument("--currency", help=_("sum budgets in this currency only (needed when the file mixes currencies)"))
    p.add_argument("--directory", help=_("a provider directory: adds provider counts and the funded/served overlay"))
    p.add_argument("--report", help=_("also write a printable HTML report here"))
    p.add_argument("--map", dest="map_out", help=_("also write a standalone HTML map here"))
    p.add_argument("--out", required=True, help=_("CSV, one row per unit"))
    p.set_defaults(func=run_footprint)
    return p


def run_footprint(args: argparse.Namespace) -> int:
    """Run ``geomap footprint``; returns the exit status (0)."""
    from geomap import boundaries, pipeline

    units = pipeline.load_units(args.country, boundaries=getattr(args, "boundaries", None))
    units = boundaries.localized_names(units, i18n.current().lang)  # unit names in the output's language
    country = str(units["country"].iloc[0]) if "country" in units.columns and len(units) else args.country
    source = args.projects or P.SAMPLE_PROJECTS
    projects = P.load_projects(source, units, country=country, sheet=getattr(args, "sheet", None))
    filters = {
        "categories": args.category,
        "activity_types": getattr(args, "activity", None),
        "funders": getattr(args, "funder", None),
        "partners": getattr(args, "partner", None),
        "statuses": getattr(args, "status", None),
        "year_from": args.year_from,
        "year_to": args.year_to,
    }
    kept = F.filter_projects(projects, **filters)
    fp = F.footprint_by_unit(units, kept, allocate=getattr(args, "allocate", "split"), currency=getattr(args, "currency", None))
    coverage = None
    if getattr(args, "directory", None):
        from geomap.analysis.coverage import published_coverage
        from geomap.directory import privacy

        directory = pipeline.load_directory(args.directory, units=units, country=country)
        # the public view: small counts of confidential sites are banded (the disclosure rule)
        coverage = published_coverage(units, directory, role=privacy.PUBLIC)
        fp = F.footprint_overlay(fp, coverage)
    table = F.footprint_table(fp)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    writers.write_table_csv(table, args.out)

    acc = P.project_row_accounting(projects)
    summary = F.footprint_summary(fp, kept)
    if args.projects is None:
        print(_(P.ILLUSTRATIVE_NOTICE))
    # Translators: {total} rows read from the project file; each part is a count.
    rows = ngettext("{total} row: {placed} placed, {flagged} flagged, {elsewhere} in other countries",
                    "{total} rows: {placed} placed, {flagged} flagged, {elsewhere} in other countries", acc["total"])
    kept_text = ngettext("{n} project after filters", "{n} projects after filters", summary["projects"])
    print(rows.format(total=number(acc["total"]), placed=number(acc["placed"]), flagged=number(acc["flagged"]),
                      elsewhere=number(acc["elsewhere"])) + "; " + kept_text.format(n=number(summary["projects"])))
    for rec in P.project_issues(projects).itertuples(index=False):
        # Translators: one problem row of the project file: file, row number, field, value, reason.
        print("  " + _("{file} row {row}, {field} {value}: {reason}").format(
            file=rec.source_file, row=rec.source_row, field=rec.field, value=repr(rec.value), reason=i18n.render(rec.reason)))
    print(summary["headline"])
    if summary["units_not_reached"]:
        print(_("units not reached: {names}").format(names=i18n.join(summary["units_not_reached"])))
    if coverage is not None:
        gaps = fp.loc[fp["overlay"] == "unfunded_unserved", "name"].tolist()
        print(_("units with neither a funded project nor a provider: {names}").format(names=i18n.join(gaps) if gaps else _("none")))
    if getattr(args, "map_out", None):
        from geomap.report.footprint import footprint_map_html

        Path(args.map_out).write_text(footprint_map_html(units, fp, overlay=coverage is not None), encoding="utf-8")
        print(_("wrote {path}").format(path=args.map_out))
    if getattr(args, "report", None):
        from geomap.report.footprint import footprint_document

        name = str(units["country_name"].iloc[0]) if "country_name" in units.columns and len(units) else country
        name = i18n.territory(units["iso_a2"].iloc[0], name) if "iso_a2" in units.columns and len(units) else name  # in the language
        html = footprint_document(
            units, projects, country_name=name, filters=filters, allocate=getattr(args, "allocate", "split"),
            currency=getattr(args, "currency", None), coverage=coverage, illustrative=args.projects is None,
            boundary_source=str(units.attrs.get("source", "")),
        )
        Path(args.report).write_text(html, encoding="utf-8")
        print(_("wrote {path}").format(path=args.report))
    print(_("wrote {path}").format(path=args.out))
    return 0
