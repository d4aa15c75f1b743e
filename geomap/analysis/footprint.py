"""Donor footprint: where projects reach, and where the gaps are that nobody funds.

Pure functions of resolved project tables (:func:`geomap.projects.resolve_projects`) and admin
units; no Streamlit, no folium. A project may cover several units or the whole country: it
counts once in every unit it covers. Money and people reached are *allocated* to units —
split equally across a project's units by default, so per-unit budgets add up to the project
total — or counted in full in every unit (``allocate="full"``), which is what "how much funding
touched this state" means but double-counts across units.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geomap import projects as P
from geomap.directory import schema
from geomap.i18n import N_, ngettext, number

__all__ = [
    "ALLOCATIONS",
    "MEASURES",
    "OVERLAY_GROUPS",
    "activity_by_year",
    "explode_units",
    "filter_projects",
    "footprint_by_unit",
    "footprint_overlay",
    "footprint_summary",
    "footprint_table",
    "project_countries",
    "project_years",
]

#: Measures a footprint map can show: column -> label (English; shown through ``i18n._``).
MEASURES: dict[str, str] = {
    "projects": N_("Number of projects"),
    "budget": N_("Budget"),
    "reached": N_("People reached"),
    "officials_trained": N_("Officials trained"),
}

#: How a multi-unit project's budget and reach are counted per unit.
ALLOCATIONS: dict[str, str] = {
    "split": N_("split equally across the project's units"),
    "full": N_("counted in full in every unit the project covers"),
}

#: Overlay groups of :func:`footprint_overlay`, from gap to covered.
OVERLAY_GROUPS: dict[str, str] = {
    "unfunded_unserved": N_("No funded project and no provider"),
    "unfunded_served": N_("Providers, but no funded project"),
    "funded_unserved": N_("Funded project, but no provider"),
    "funded_served": N_("Funded project and providers"),
}


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    out = [v for v in value if v is not None]
    return out or None


def project_countries(projects: pd.DataFrame) -> pd.DataFrame:
    """Countries named by a project table (before or after resolution), with row counts.

    Parameters
    ----------
    projects
        A raw (:func:`geomap.projects.read_projects`) or resolved project table.

    Returns
    -------
    pandas.DataFrame
        ``country`` (ISO3, or the cell text when it names no known country; ``""`` for a
        blank cell) and ``rows``, most rows first.
    """
    from geomap import boundaries

    col = "country_iso3" if "country_iso3" in projects.columns else "country"
    cache: dict[str, str] = {}
    out = []
    for v in projects[col].tolist():
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        if text not in cache:
            try:
                cache[text] = boundaries.resolve_country(text) if text else ""
            except ValueError:
                cache[text] = text
        out.append(cache[text])
    counts = pd.Series(out, dtype=object).value_counts(sort=True)
    return pd.DataFrame({"country": counts.index.astype(object), "rows": counts.to_numpy(dtype=int)})


def _years(projects: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    start = pd.to_datetime(projects["start_date"]).dt.year.astype("Int64")
    end = pd.to_datetime(projects["end_date"]).dt.year.astype("Int64")
    return start.fillna(end), end.fillna(start)


def project_years(projects: pd.DataFrame) -> tuple[int, int] | None:
    """First and last year of activity in a resolved project table (``None`` without dates)."""
    start, end = _years(projects)
    both = pd.concat([start, end]).dropna()
    if both.empty:
        return None
    return int(both.min()), int(both.max())


def filter_projects(
    projects: pd.DataFrame,
    *,
    categories: str | Iterable[str] | None = None,
    activity_types: str | Iterable[str] | None = None,
    funders: str | Iterable[str] | None = None,
    partners: str | Iterable[str] | None = None,
    statuses: str | Iterable[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    placed_only: bool = True,
) -> pd.DataFrame:
    """Keep the projects matching every given filter.

    Parameters
    ----------
    projects
        A resolved project table.
    categories, activity_types, statuses
        Codes from :data:`geomap.projects.PROGRAM_CATEGORIES`, :data:`~geomap.projects.ACTIVITY_TYPES`,
        :data:`~geomap.projects.PROJECT_STATUSES` (labels are accepted too).
    funders, partners
        Funder / implementing-partner names, matched exactly.
    year_from, year_to
        Keep projects active in any year of the range (start year ≤ ``year_to`` and end year ≥
        ``year_from``). A project with one date is active that year; one with no date is
        dropped when a year filter is given.
    placed_only
        Keep only rows resolved to at least one unit (``status == "placed"``).

    Raises
    ------
    ValueError
        If a category, activity type or status is not in its list, or the year range is empty.
    """
    out = projects
    if placed_only:
        out = out[out["status"] == schema.STATUS_PLACED]
    for fld, wanted, parser, vocab in (
        ("category", categories, P.parse_category, P.PROGRAM_CATEGORIES),
        ("activity_type", activity_types, P.parse_activity_type, P.ACTIVITY_TYPES),
        ("project_status", statuses, P.parse_project_status, P.PROJECT_STATUSES),
    ):
        wanted = _as_list(wanted)
        if not wanted:
            continue
        codes = []
        for w in wanted:
            code = parser(w)
            if code is None:
                msg = f"unknown {fld} {w!r}; expected one of {', '.join(vocab)}"
                raise ValueError(msg)
            codes.append(code)
        out = out[out[fld].isin(codes)]
    for fld, wanted in (("funder", funders), ("implementing_partner", partners)):
        wanted = _as_list(wanted)
        if wanted:
            out = out[out[fld].astype(object).isin(wanted)]
    if year_from is not None and year_to is not None and year_from > year_to:
        msg = f"year range {year_from}–{year_to} is empty; year_from must not be after year_to"
        raise ValueError(msg)
    if year_from is not None or year_to is not None:
        start, end = _years(out)
        keep = start.notna() & end.notna()
        if year_to is not None:
            keep &= start.fillna(10_000) <= int(year_to)
        if year_from is not None:
            keep &= end.fillna(-10_000) >= int(year_from)
        out = out[keep.to_numpy(dtype=bool)]
    return out


def explode_units(projects: pd.DataFrame, *, allocate: str = "split") -> pd.DataFrame:
    """One row per (project row, unit) with the allocated budget, reach and officials trained.

    Parameters
    ----------
    projects
        A resolved (and possibly filtered) project table.
    allocate
        ``"split"`` (divide by the number of units) or ``"full"``; see :data:`ALLOCATIONS`.

    Returns
    -------
    pandas.DataFrame
        ``row`` (index label of the project row), ``code``, ``budget``, ``reached``,
        ``officials_trained``, ``share`` (the fraction allocated).
    """
    if allocate not in ALLOCATIONS:
        msg = f"unknown allocation {allocate!r}; expected one of {', '.join(ALLOCATIONS)}"
        raise ValueError(msg)
    placed = projects[projects["status"] == schema.STATUS_PLACED]
    codes = placed["unit_codes"].astype(object)
    n_units = codes.map(len).astype(float)
    share = (1.0 / n_units.where(n_units > 0)) if allocate == "split" else pd.Series(1.0, index=placed.index)
    frame = pd.DataFrame(
        {
            "row": placed.index,
            "code": codes.to_numpy(),
            "share": share.to_numpy(dtype=float),
            "budget": pd.to_numeric(placed["budget"], errors="coerce").to_numpy(dtype=float),
            "reached": pd.to_numeric(placed["reached"], errors="coerce").to_numpy(dtype=float),
            "officials_trained": pd.to_numeric(placed["officials_trained"], errors="coerce").to_numpy(dtype=float),
        }
    )
    long = frame.explode("code", ignore_index=True)
    long = long[long["code"].notna()].copy()
    long["code"] = long["code"].astype(str)
    for col in ("budget", "reached", "officials_trained"):
        long[col] = long[col].astype(float) * long["share"].astype(float)
    return long[["row", "code", "budget", "reached", "officials_trained", "share"]].reset_index(drop=True)


def _check_currency(projects: pd.DataFrame, currency: str | None) -> tuple[pd.DataFrame, str | None]:
    has_budget = pd.to_numeric(projects["budget"], errors="coerce").notna()
    found = sorted({str(c) for c in projects.loc[has_budget, "currency"].dropna()})
    if currency is None:
        if len(found) > 1:
            msg = f"budgets are in several currencies ({', '.join(found)}); pick one with currency=..."
            raise ValueError(msg)
        return projects, found[0] if found else None
    cur = str(currency).upper()
    out = projects.copy()
    other = has_budget & (out["currency"].astype(object).map(lambda c: str(c).upper() if pd.notna(c) else None) != cur)
    out.loc[other, "budget"] = np.nan
    return out, cur


def footprint_by_unit(
    units: pd.DataFrame,
    projects: pd.DataFrame,
    *,
    allocate: str = "split",
    currency: str | None = None,
) -> pd.DataFrame:
    """Projects, budget, people reached and officials trained per admin unit.

    Parameters
    ----------
    units
        Admin units (``code``, ``name``); the output lists them all, in order.
    projects
        A resolved, filtered project table of the same country.
    allocate
        How budget and reach of multi-unit projects are counted; see :data:`ALLOCATIONS`.
        Project counts are never split: a project covering 3 units counts 1 in each.
    currency
        Sum budgets in this currency only (others are left out of ``budget``). ``None``
        requires a single currency among the projects.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``projects`` (int), ``budget``, ``reached``, ``officials_trained``
        (float; 0 where no project reached the unit, NaN-free), ``reached_unit`` (bool).
        ``attrs``: ``currency``, ``allocate``.

    Raises
    ------
    ValueError
        If budgets are in several currencies and ``currency`` is ``None``.
    """
    projects, cur = _check_currency(projects, currency)
    long = explode_units(projects, allocate=allocate)
    long["one"] = 1
    grouped = long.groupby("code", sort=False).agg(
        projects=("one", "sum"),
        budget=("budget", lambda s: s.sum(min_count=0)),
        reached=("reached", lambda s: s.sum(min_count=0)),
        officials_trained=("officials_trained", lambda s: s.sum(min_count=0)),
    )
    out = pd.DataFrame({"code": units["code"].astype(str).to_numpy(), "name": units["name"].astype(str).to_numpy()})
    out = out.merge(grouped, how="left", left_on="code", right_index=True)
    out["projects"] = out["projects"].fillna(0).astype(int)
    for col in ("budget", "reached", "officials_trained"):
        out[col] = out[col].astype(float).fillna(0.0)
    out["reached_unit"] = out["projects"] > 0
    out.attrs = {"currency": cur, "allocate": allocate}
    return out


def footprint_summary(footprint: pd.DataFrame, projects: pd.DataFrame | None = None) -> dict:
    """Headline of a footprint: "reached N of M units" and which were not reached.

    Parameters
    ----------
    footprint
        Output of :func:`footprint_by_unit`.
    projects
        The filtered project table behind it, for project-level totals (budget and reach counted
        once per project, whatever the allocation).

    Returns
    -------
    dict
        ``units`` (M), ``units_reached`` (N), ``units_not_reached`` (names, in unit order),
        ``codes_not_reached``, ``headline`` ("reached N of M units"), and with ``projects``:
        ``projects``, ``whole_country_projects``, ``budget``, ``currency``, ``reached``,
        ``officials_trained``.
    """
    reached = footprint["reached_unit"].astype(bool)
    n, m = int(reached.sum()), len(footprint)
    out: dict = {
        "units": m,
        "units_reached": n,
        "units_not_reached": footprint.loc[~reached, "name"].tolist(),
        "codes_not_reached": footprint.loc[~reached, "code"].tolist(),
        # Translators: the footprint's headline; {n} units of {m} were reached by a project.
        "headline": ngettext("reached {n} of {m} unit", "reached {n} of {m} units", m).format(n=number(n), m=number(m)),
    }
    if projects is not None:
        placed = projects[projects["status"] == schema.STATUS_PLACED]
        cur = footprint.attrs.get("currency")
        budget = pd.to_numeric(placed["budget"], errors="coerce")
        if cur is not None:
            budget = budget.where(placed["currency"].astype(object).map(lambda c: str(c).upper() if pd.notna(c) else None) == cur)
        out.update(
            projects=len(placed),
            whole_country_projects=int(placed["whole_country"].astype(bool).sum()),
            budget=float(budget.sum(min_count=0)),
            currency=cur,
            reached=float(pd.to_numeric(placed["reached"], errors="coerce").sum(min_count=0)),
            officials_trained=float(pd.to_numeric(placed["officials_trained"], errors="coerce").sum(min_count=0)),
        )
    return out


def activity_by_year(projects: pd.DataFrame, *, currency: str | None = None) -> pd.DataFrame:
    """Activity per calendar year: projects active, budget and people reached.

    A project counts in every year from its start year to its end year; its budget and reach
    are split equally across those years. Projects without any date are left out (and counted
    in ``attrs["undated"]``).

    Returns
    -------
    pandas.DataFrame
        ``year`` (int, every year from the first to the last, gaps included), ``projects``,
        ``budget``, ``reached``.
    """
    placed = projects[projects["status"] == schema.STATUS_PLACED]
    placed, _cur = _check_currency(placed, currency)
    start, end = _years(placed)
    dated = start.notna() & end.notna()
    lo = np.minimum(start[dated].to_numpy(dtype=int), end[dated].to_numpy(dtype=int))
    hi = np.maximum(start[dated].to_numpy(dtype=int), end[dated].to_numpy(dtype=int))
    if len(lo) == 0:
        out = pd.DataFrame({"year": pd.Series([], dtype=int), "projects": pd.Series([], dtype=int),
                            "budget": pd.Series([], dtype=float), "reached": pd.Series([], dtype=float)})
        out.attrs["undated"] = int((~dated).sum())
        return out
    span = hi - lo + 1
    frame = pd.DataFrame(
        {
            "year": [list(range(a, b + 1)) for a, b in zip(lo, hi)],
            "budget": pd.to_numeric(placed.loc[dated, "budget"], errors="coerce").to_numpy(dtype=float) / span,
            "reached": pd.to_numeric(placed.loc[dated, "reached"], errors="coerce").to_numpy(dtype=float) / span,
        }
    ).explode("year")
    frame["year"] = frame["year"].astype(int)
    frame["one"] = 1
    g = frame.groupby("year").agg(projects=("one", "sum"), budget=("budget", "sum"), reached=("reached", "sum"))
    years = pd.RangeIndex(int(lo.min()), int(hi.max()) + 1, name="year")
    g = g.reindex(years)
    g["projects"] = g["projects"].fillna(0).astype(int)
    g[["budget", "reached"]] = g[["budget", "reached"]].fillna(0.0)
    out = g.reset_index()
    out.attrs["undated"] = int((~dated).sum())
    return out


def footprint_overlay(footprint: pd.DataFrame, coverage: pd.DataFrame, *, measure: str = "providers") -> pd.DataFrame:
    """Funded areas against served areas: the footprint joined with a per-unit provider measure.

    Parameters
    ----------
    footprint
        Output of :func:`footprint_by_unit`.
    coverage
        A per-unit table with ``code`` and ``measure`` — e.g.
        :func:`geomap.analysis.coverage.coverage_by_unit` (``providers``) or a gap index.
    measure
        Column of ``coverage`` that says a unit is served (> 0). For a gap index, pass a
        column that is > 0 where providers exist.

    Returns
    -------
    pandas.DataFrame
        The footprint plus ``providers`` (the measure, NaN where ``coverage`` has no row) and
        ``overlay`` (a key of :data:`OVERLAY_GROUPS`). With a published coverage table
        (:func:`geomap.analysis.coverage.published_coverage`), ``providers`` is its text (a
        band where the unit holds fewer than k confidential sites), ``providers_known`` the
        figure shown exactly, and a unit is served when that figure is above 0. ``unfunded_unserved`` units are the gaps
        nobody funds; a unit with no coverage row is treated as unserved.
    """
    if measure not in coverage.columns:
        msg = f"coverage table has no column {measure!r}; columns: {', '.join(map(str, coverage.columns))}"
        raise ValueError(msg)
    # A published (public) coverage table holds bands as text: "served" reads its known part
    # (providers shown exactly), and the text is carried along for tables and tooltips.
    known = f"{measure}_known" if f"{measure}_known" in coverage.columns else None
    cov = coverage[["code", measure, *([known] if known else [])]].rename(columns={measure: "providers", known: "providers_known"} if known else {measure: "providers"})
    cov = cov.assign(code=cov["code"].astype(str)).drop_duplicates("code")
    out = footprint.merge(cov, how="left", on="code")
    served = pd.to_numeric(out["providers_known" if known else "providers"], errors="coerce").fillna(0) > 0
    funded = out["reached_unit"].astype(bool)
    group = np.select(
        [funded & served, funded & ~served, ~funded & served],
        ["funded_served", "funded_unserved", "unfunded_served"],
        default="unfunded_unserved",
    )
    out["overlay"] = pd.Series(group, index=out.index, dtype=object)
    out.attrs = dict(footprint.attrs)
    return out


def footprint_table(footprint: pd.DataFrame) -> pd.DataFrame:
    """The footprint as an export table (CSV): one row per unit with readable column names.

    Columns: ``code``, ``name``, ``projects``, ``budget``, ``currency``, ``reached``,
    ``officials_trained``, ``reached_unit`` ("yes"/"no"), plus ``providers`` and ``overlay``
    when the footprint went through :func:`footprint_overlay`.
    """
    cols = ["code", "name", "projects", "budget", "reached", "officials_trained"]
    out = footprint[cols].copy()
    out.insert(4, "currency", footprint.attrs.get("currency") or "")
    for col in ("budget", "reached", "officials_trained"):
        out[col] = out[col].astype(float).round(2)
    out["reached_unit"] = np.where(footprint["reached_unit"].astype(bool), "yes", "no")
    for extra in ("providers", "overlay"):
        if extra in footprint.columns:
            out[extra] = footprint[extra].to_numpy()
    out.attrs = dict(footprint.attrs)
    return out
