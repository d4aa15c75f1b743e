"""``geomap refer``: the referral finder, headless.

Same search as the app's Referral page (:mod:`geomap.analysis.referral`): the nearest providers
matching the needs from a starting point, written as CSV or as the printable referral sheet
(HTML, by the ``--out`` suffix). Public view unless ``--include-confidential``, which ranks by
exact distance, writes confidential services in full and says so in the output and the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geomap import i18n
from geomap.directory import privacy, schema
from geomap.i18n import _, ngettext

__all__ = ["add_refer_parser", "run_refer"]


def add_refer_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap refer`` on ``subparsers``; returns its parser."""
    p = subparsers.add_parser(
        "refer",
        help=_("nearest matching providers from a starting point (referral finder)"),
        description=(
            "Find the nearest providers offering the chosen services from a starting point and write "
            "them as CSV (or the printable referral sheet when --out ends in .html). If nothing matches, "
            "filters are relaxed in this order and the output says which: accepting referrals, 24 hours, "
            "language, population, all-services, service type."
        ),
    )
    p.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code"))
    p.add_argument("--directory", required=True, help=_("directory file (CSV, XLSX, GeoJSON, GeoPackage, HSDS, HXL)"))
    p.add_argument("--boundaries", help=_("a boundary file to use instead of the bundled layer"))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--at", metavar="LAT,LON", help=_("starting point in decimal degrees, e.g. 12.00,8.52 (write --at=-23.1,-102.5 for negative values)"))
    where.add_argument("--town", metavar="NAME", help=_("starting town (offline GeoNames gazetteer, typo-tolerant)"))
    where.add_argument("--state", metavar="CODE", help=_("starting admin-1 unit (code or name): its representative point"))
    where.add_argument("--org", metavar="ID", help=_("start from an organisation of the directory (its record id)"))
    p.add_argument("--service", action="append", required=True, choices=list(schema.CATEGORIES), help=_("repeat for several"))
    p.add_argument("--population", action="append", default=[], choices=list(schema.POPULATIONS), help=_("repeat for several"))
    p.add_argument("--language", help=_("a language the provider must list"))
    p.add_argument("--open-24h", action="store_true", help=_("only providers open 24 hours"))
    p.add_argument("--accepting", action="store_true", help=_("only providers marked as accepting referrals"))
    p.add_argument("--match", choices=["any", "all"], default="any", help=_("any: n nearest per service (default); all: providers offering every service"))
    p.add_argument("-n", type=int, default=5, help=_("providers per service (default 5)"))
    p.add_argument("--road-graph", metavar="FILE", help=_("a road network (.osm or .graphml): adds road travel times beside distances"))
    p.add_argument("--out", required=True, help=_("output file: .csv, or .html for the printable referral sheet"))
    p.add_argument("--include-confidential", action="store_true", help=_("rank and write confidential services in full (partners only)"))
    return p


def run_refer(args: argparse.Namespace) -> int:
    """Run ``geomap refer``; returns the exit status."""
    from geomap import boundaries, pipeline
    from geomap.analysis import referral
    from geomap.cli import FULL_EXPORT_NOTICE
    from geomap.report import referral as sheet

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".html", ".htm"):
        msg = f"--out {args.out!r}: use a .csv file, or .html for the printable referral sheet"
        raise ValueError(msg)
    role = privacy.PARTNER if args.include_confidential else privacy.PUBLIC
    units = pipeline.load_units(args.country, boundaries=args.boundaries)
    units = boundaries.localized_names(units, i18n.current().lang)  # unit names in the output's language
    directory = pipeline.load_directory(args.directory, units=units, country=args.country)
    country = str(units["country"].iloc[0]) if "country" in units.columns and len(units) else args.country
    kind, value = next((k, v) for k, v in (("point", args.at), ("town", args.town), ("unit", args.state), ("org", args.org)) if v)
    query = referral.ReferralQuery(kind, value, tuple(args.service), tuple(args.population), args.language,
                                   True if args.open_24h else None, args.accepting, args.match, args.n)
    start = referral.resolve_start(query, country=country, units=units, directory=directory, role=role)
    results = referral.relax_filters(
        directory, start, services=query.services, populations=query.populations, language=query.language,
        open_24h=query.open_24h, accepting_only=query.accepting_only, match=query.match, n=query.n,
        units=units, role=role,
    )
    if args.road_graph:
        from geomap.analysis import catchments

        results = referral.add_travel_times(results, catchments.load_road_graph(args.road_graph), start)
    published = referral.publish_referrals(results, role=role)
    notice = _(FULL_EXPORT_NOTICE) if args.include_confidential else None
    if suffix == ".csv":
        data = sheet.referral_sheet_csv(published, role=role, notice=notice)
    else:
        fictional = bool(directory.get("fictional", []).map(lambda v: schema.parse_bool(v) is True).any()) if len(directory) else False
        data = sheet.referral_sheet_html(published, role=role, directory_label=Path(args.directory).name,
                                         fictional=fictional).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)

    for line in sheet.search_summary(published):
        print(line)
    for rec in referral.referral_table(published).itertuples(index=False):
        stale = " [" + _("stale") + "]" if bool(getattr(rec, "stale", False)) else ""
        print(f"{rec.rank:>3}. {rec.display_name} — {rec.distance}{stale}")
    if not len(published):
        print(_("No provider in this directory has a usable location."))
    if results.attrs.get("unlocated"):
        left = int(results.attrs["unlocated"])
        print("(" + ngettext("{n} record without a usable location was left out", "{n} records without a usable location were left out",
                             left).format(n=i18n.number(left)) + ")")
    if notice:
        print(notice)
    print(ngettext("wrote {n} provider to {path}", "wrote {n} providers to {path}", len(published)).format(
        n=i18n.number(len(published)), path=out))
    return 0
