"""``geomap gaps``, ``geomap site`` and ``geomap report``: the planners' gap analysis on the command line.

They call the same functions as the Gaps page (:mod:`geomap.analysis.gaps`,
:mod:`geomap.analysis.siting`, :mod:`geomap.report.gaps`). The gap table and the proposed sites
are aggregates / public GeoNames places and contain no confidential location; the report leaves
confidential catchments and distances out unless ``--include-confidential`` is given (which
is said in the output and in the file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from geomap import i18n
from geomap.directory import disclosure, writers
from geomap.i18n import _, ngettext

__all__ = [
    "add_gaps_parser",
    "add_report_parser",
    "add_site_parser",
    "parse_weights",
    "run_gaps",
    "run_report",
    "run_site",
]


def parse_weights(text: str | None) -> dict[str, float] | None:
    """Parse ``"absent=1,supply=2,reach=1"`` into gap-index weights (``None`` for the defaults)."""
    if not text:
        return None
    from geomap.analysis import gaps

    out: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        try:
            out[key] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            msg = f"--weights: {part.strip()!r} is not component=number (components: {', '.join(gaps.COMPONENTS)})"
            raise ValueError(msg) from None
    return out


def _common(p: argparse.ArgumentParser, *, service_required: bool = True) -> None:
    from geomap.directory import schema

    p.add_argument("--country", required=True, help=_("ISO 3166-1 alpha-2 or alpha-3 code"))
    p.add_argument("--directory", required=True, help=_("provider directory (CSV, XLSX, GeoJSON, GeoPackage, HXL, HSDS)"))
    p.add_argument("--boundaries", help=_("a boundary file to use instead of the bundled admin-1 layer (e.g. admin-2)"))
    if service_required:
        p.add_argument("--service", required=True, choices=list(schema.CATEGORIES))
    p.add_argument("--radius-km", type=float, help=_("reach radius (default per service, e.g. shelter 50, medical 25)"))
    p.add_argument("--demand", help=_("CSV of your own demand points (latitude, longitude, population) instead of GeoNames"))
    p.add_argument("--populations", help=_("CSV of unit populations (unit code or name, population[, year]) replacing the census"))
    from geomap.cli import add_mapping_options

    add_mapping_options(p)


def _country_name(units, default: str) -> str:
    """The country of ``units`` named in the run's language (CLDR), else ``default``."""
    a2 = units["iso_a2"].iloc[0] if "iso_a2" in units.columns and len(units) else ""
    return i18n.territory(a2, default)


def _inputs(args: argparse.Namespace):
    from geomap import boundaries, pipeline, population
    from geomap.analysis import demand

    units = pipeline.load_units(args.country, boundaries=args.boundaries)
    units = boundaries.localized_names(units, i18n.current().lang)  # unit names in the output's language
    if getattr(args, "populations", None):
        units = population.unit_populations(units, Path(args.populations))
        for note in units.attrs.get("population_notes", ()):
            print(_("population table: {note}").format(note=i18n.render(note)))
    from geomap.cli import mappings_from_args

    columns, categories = mappings_from_args(args)
    directory = pipeline.load_directory(Path(args.directory), units=units, country=args.country, mapping=columns, categories=categories)
    if getattr(args, "demand", None):
        points = demand.read_demand_points(Path(args.demand))
    else:
        points = demand.load_settlements(args.country)
    return units, directory, demand.demand_points(units, points)


def add_gaps_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap gaps``."""
    p = subparsers.add_parser(
        "gaps",
        help=_("per-unit gaps for one service: providers per 100k, people within reach, gap rank"),
        description="Write one row per unit: population, providers, per_100k, pop_within_km, share_within, "
        "the gap-index components and the gap rank (1 = largest gap).",
    )
    _common(p)
    p.add_argument("--threshold-per-100k", type=float, default=1.0, help=_("providers per 100k below which a unit is flagged"))
    p.add_argument("--weights", help=_("gap-index weights, e.g. absent=1,supply=1,reach=1"))
    _grid_options(p)
    p.add_argument("--out", required=True, help=_("CSV file to write"))
    p.add_argument("--include-confidential", action="store_true", help=_("exact figures (partner view); the public view bands small counts"))
    return p


def _grid_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("population grid (instead of settlements)")
    g.add_argument("--population-raster", metavar="TIF", help=_("GeoTIFF/COG of persons per cell (WorldPop, GHSL, GPW, HRSL)"))
    g.add_argument("--friction", metavar="TIF", help=_("friction surface, minutes per metre: adds people within --minutes"))
    g.add_argument("--landcover", metavar="TIF", help=_("land-cover raster to build the friction surface from (with --speeds)"))
    g.add_argument("--speeds", default="walking", help=_("speed table: walking, motorised, or a CSV of class,speed_kmh"))
    g.add_argument("--minutes", type=float, default=60.0, help=_("travel-time threshold (default 60)"))
    g.add_argument("--dask", nargs="?", const="local", metavar="ADDRESS",
                   help=_("run the grid on Dask: a local cluster, or the scheduler at tcp://HOST:PORT"))
    g.add_argument("--block", type=int, default=2048, help=_("block size in cells (memory per block ~ block^2 x 40 bytes)"))
    g.add_argument("--tile", type=int, default=1024, help=_("travel-time tile size in cells (memory per tile ~ tile^2 x 150 bytes)"))
    g.add_argument("--capacity-km", type=float, metavar="KM",
                   help=_("also fill facilities nearest-first up to their capacity within KM (AccessMod geographic coverage)"))
    g.add_argument("--aggregate", type=int, default=1, metavar="N",
                   help=_("aggregate N x N cells for --capacity-km and siting (default 1; 10 turns 100 m into 1 km)"))


def _friction(args: argparse.Namespace, info):
    from geomap.grids import cost

    if args.friction and args.landcover:
        msg = "give either --friction or --landcover (with --speeds), not both"
        raise ValueError(msg)
    if args.friction:
        return cost.friction_raster(args.friction)
    if args.landcover:
        speeds = cost.SPEED_TABLES.get(args.speeds) or cost.read_speed_table(args.speeds)
        return cost.friction_landcover(args.landcover, speeds)
    return None


def grid_reach_from_args(args: argparse.Namespace, units, directory, *, service: str, radius_km: float) -> pd.DataFrame:
    """Per-unit reach over ``--population-raster`` (serial, or on Dask with ``--dask``)."""
    from contextlib import nullcontext

    from geomap.analysis import distance
    from geomap.grids import execution, io, measures

    info = io.describe_raster(args.population_raster)
    friction = _friction(args, info)
    providers = distance.providers_offering(directory, service)
    ctx = execution.dask_client(None if args.dask == "local" else args.dask) if args.dask else nullcontext()
    with ctx as client:
        out = measures.grid_measures(
            info, units, providers, radius_km=radius_km, friction=friction, minutes=args.minutes,
            block=args.block, tile=args.tile, client=client, progress=lambda stage, f: print(f"  {stage}: {f:.0%}") if f >= 1 else None,
        )
    if getattr(args, "capacity_km", None):
        from geomap.grids import capacity, cells

        pts = cells.populated_cells(info, factor=args.aggregate, block=args.block)
        by_unit, by_fac = capacity.capacity_coverage(pts, units, providers, max_km=args.capacity_km)
        out["covered_population"] = by_unit["covered_population"].to_numpy()
        out["uncovered_population"] = by_unit["uncovered_population"].to_numpy()
        filled = int(by_fac["filled"].sum())
        print(_("  capacity within {capacity_km:g} km: {filled} of {n} facilities filled; {uncovered_population:,.0f} people left uncovered").format(capacity_km=args.capacity_km, filled=filled, n=len(by_fac), uncovered_population=by_unit['uncovered_population'].sum()))
    return out


def run_gaps(args: argparse.Namespace) -> int:
    """Run ``geomap gaps``."""
    from geomap.analysis import demand, distance, gaps
    from geomap.directory import schema
    from geomap.report import gaps as report

    units, directory, points = _inputs(args)
    banded = None
    if not args.include_confidential:  # public: the disclosure rule (geomap.directory.disclosure)
        directory, banded = gaps.public_inputs(units, directory, service=args.service)
    radius = distance.default_radius_km(args.service) if args.radius_km is None else args.radius_km
    grid = grid_reach_from_args(args, units, directory, service=args.service, radius_km=radius) if args.population_raster else None
    table = gaps.gap_table(
        units, directory, points, service=args.service, radius_km=radius,
        threshold_per_100k=args.threshold_per_100k, weights=parse_weights(args.weights), reach=grid,
    )
    if banded is not None:
        attrs = table.attrs
        table = gaps.public_gap_table(table, banded)
        table.attrs = {**attrs, **table.attrs}
    notice = disclosure.caveat(exact=bool(args.include_confidential))
    out = report.export_table(table)
    writers.write_table_csv(out, args.out, notice=notice if args.include_confidential else None)
    radius = table.attrs["radius_km"]
    lacking = table.loc[table["lacks_service"].fillna(False).astype(bool), "name"].astype(str).tolist()
    beyond = table["pop_beyond_km"].sum(min_count=1)
    total = table["grid_population" if grid is not None else "settlement_population"].sum(min_count=1)
    known = table["providers_known" if "providers_known" in table.columns else "providers"]
    n = i18n.number
    print(notice)
    print(_("{service}: {units} units, {providers} providers shown exactly; reach {km} km").format(
        service=schema.label(args.service), units=n(len(table)), providers=n(int(known.sum())), km=n(radius)))
    print(_("population model: {model}").format(model=_(str(table.attrs["population_model"]))))
    print(_("units with none: {n}").format(n=n(len(lacking))) + (f" ({', '.join(lacking)})" if lacking else ""))
    if pd.notna(total) and total > 0:
        who = _("people on the grid") if grid is not None else _("people in settlements")
        print(_("{beyond} of {total} {who} live beyond {km} km ({share})").format(
            beyond=n(beyond, digits=0), total=n(total, digits=0), who=who, km=n(radius), share=i18n.percent(beyond / total)))
    if grid is not None and "pop_within_min" in table.columns:
        late = table["pop_beyond_min"].sum(min_count=1)
        print(_("{late} of {total} people on the grid are more than {minutes} minutes from one ({share})").format(
            late=n(late, digits=0), total=n(total, digits=0), minutes=n(args.minutes), share=i18n.percent(late / total)))
    if grid is None:
        print(_("demand: {note}").format(note=demand.outside_note(points)))
    print(_("gap index weights:") + " " + i18n.join(f"{k}={n(v)}" for k, v in table.attrs["weights"].items()))
    top = table.dropna(subset=["gap_index"]).head(5)
    for rec in top.itertuples(index=False):
        print("  " + _("#{rank} {name}: index {index}").format(rank=rec.gap_rank, name=rec.name, index=n(rec.gap_index, digits=2)))
    print(_("wrote {path}").format(path=args.out))
    return 0


def add_site_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap site``."""
    p = subparsers.add_parser(
        "site",
        help=_("where the next K sites would cover the most people (maximal covering location)"),
        description="Choose K GeoNames settlements as new sites so that the most people not yet within "
        "--radius-km of an existing provider become covered; existing sites count as covering.",
    )
    _common(p)
    p.add_argument("--add", type=int, required=True, help=_("number of sites to add (K)"))
    p.add_argument("--include-confidential", action="store_true", help=_("count every confidential site as existing (partner view)"))
    p.add_argument("--max-candidates", type=int, default=400, help=_("candidate settlements kept for the model"))
    p.add_argument("--population-raster", metavar="TIF", help=_("site over a population raster (aggregated cells) instead of settlements"))
    p.add_argument("--aggregate", type=int, default=10, metavar="N", help=_("with --population-raster: aggregate N x N cells (default 10)"))
    p.add_argument("--out", required=True, help=_("CSV file to write"))
    return p


def run_site(args: argparse.Namespace) -> int:
    """Run ``geomap site``."""
    from geomap.analysis import demand, distance, siting
    from geomap.directory import schema

    units, directory, points = _inputs(args)
    if not args.include_confidential:  # public: withheld confidential sites do not shape the answer
        from geomap.analysis import gaps

        directory, _banded = gaps.public_inputs(units, directory, service=args.service)
    radius = distance.default_radius_km(args.service) if args.radius_km is None else args.radius_km
    existing = distance.providers_offering(directory, args.service)
    if args.population_raster:
        from geomap.grids import io
        from geomap.grids import siting as grid_siting

        info = io.describe_raster(args.population_raster)
        sites = grid_siting.grid_sites(info, units, existing, radius_km=radius, add=args.add, factor=args.aggregate,
                                       max_candidates=args.max_candidates)
        print(_("population model: {population_model}").format(population_model=sites.attrs['population_model']))
    else:
        sites = siting.mclp_sites(points, radius_km=radius, add=args.add, existing=existing, max_candidates=args.max_candidates)
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    table["latitude"] = sites.geometry.y.round(5).to_numpy() if len(sites) else np.array([])
    table["longitude"] = sites.geometry.x.round(5).to_numpy() if len(sites) else np.array([])
    table = table.drop(columns=["candidate"], errors="ignore")
    writers.write_table_csv(table, args.out)
    a = sites.attrs
    total = a["total_population"]
    n = i18n.number
    print(_("{service}, reach {km} km: {covered} of {total} people covered now").format(
        service=schema.label(args.service), km=n(radius), covered=n(a["covered_before"], digits=0), total=n(total, digits=0)))
    for rec in sites.itertuples(index=False):
        print("  " + _("+{order} {name} ({unit}): {newly} newly covered").format(
            order=rec.order, name=getattr(rec, "name", ""), unit=getattr(rec, "unit_code", ""), newly=n(rec.new_population_covered, digits=0)))
    print(_("demand: {note}").format(note=demand.outside_note(points)))
    if total > 0:
        print(ngettext("after {n} new site: {covered} ({share}); solver: {status}", "after {n} new sites: {covered} ({share}); solver: {status}",
                       len(sites)).format(n=n(len(sites)), covered=n(a["covered_after"], digits=0),
                                          share=i18n.percent(a["covered_after"] / total, digits=1), status=a["status"]))
    print(_("wrote {path}").format(path=args.out))
    return 0


def add_report_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``geomap report``."""
    from geomap.directory import schema

    p = subparsers.add_parser(
        "report",
        help=_("a self-contained, printable HTML gaps report (maps, tables, sources, caveats)"),
    )
    _common(p, service_required=False)
    p.add_argument("--service", action="append", choices=list(schema.CATEGORIES), help=_("repeat; default shelter and medical"))
    p.add_argument("--add", type=int, default=0, help=_("also propose this many new sites per service"))
    p.add_argument("--threshold-per-100k", type=float, default=1.0)
    p.add_argument("--weights", help=_("gap-index weights, e.g. absent=1,supply=1,reach=1"))
    p.add_argument("--include-confidential", action="store_true", help=_("partner report: draw confidential catchments too"))
    _grid_options(p)
    p.add_argument("--out", required=True, help=_("HTML file to write"))
    return p


def run_report(args: argparse.Namespace) -> int:
    """Run ``geomap report``."""
    from geomap import boundaries
    from geomap.cli import FULL_EXPORT_NOTICE
    from geomap.directory import privacy, schema
    from geomap.report import gaps as report

    units, directory, points = _inputs(args)
    services = args.service or ["shelter", "medical"]
    radii = {s: args.radius_km for s in services} if args.radius_km else None
    role = privacy.PARTNER if args.include_confidential else privacy.PUBLIC
    iso3 = boundaries.resolve_country(args.country)
    names = boundaries.list_countries()
    hit = names.loc[names["country"] == iso3, "name"]
    fictional = bool(directory["fictional"].map(lambda v: v is True or str(v).lower() == "true").any()) if "fictional" in directory.columns else False
    src = str(units.attrs.get("source", ""))
    if units.attrs.get("vintage"):
        src += f" ({units.attrs['vintage']})"
    results = None
    if args.population_raster:
        from geomap.analysis import distance

        results = []
        for s in services:
            radius = (radii or {}).get(s) or distance.default_radius_km(s)
            grid = grid_reach_from_args(args, units, directory, service=s, radius_km=radius)
            results.append(report.service_gaps(
                units, directory, points, service=s, radius_km=radius, threshold_per_100k=args.threshold_per_100k,
                weights=parse_weights(args.weights), add_sites=args.add, reach=grid,
            ))
    html = report.gaps_report(
        units, directory, points, services=services, radii=radii, role=role, results=results,
        country_name=_country_name(units, str(hit.iloc[0]) if len(hit) else iso3), directory_label=Path(args.directory).name,
        is_sample=fictional, boundary_source=src, threshold_per_100k=args.threshold_per_100k,
        weights=parse_weights(args.weights), add_sites=args.add,
    )
    if args.include_confidential:
        notice = _(FULL_EXPORT_NOTICE)
        html = html.replace("<body>", f"<body><p class='notice'><strong>{notice}</strong></p>", 1)
        print(notice)
    Path(args.out).write_text(html, encoding="utf-8")
    print(_("report on {services} for {n} units written to {path}").format(
        services=i18n.join(schema.label(s) for s in services), n=i18n.number(len(units)), path=args.out))
    return 0
