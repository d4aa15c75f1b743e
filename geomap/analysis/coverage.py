"""Coverage: how many providers (and how much capacity) each admin unit has.

Pure functions of (Geo)DataFrames; no Streamlit, no folium. Aggregates may include
confidential records (a count per unit does not pin a site down).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geomap.directory import schema

__all__ = ["MEASURES", "filter_directory", "coverage_by_unit", "coverage_summary"]

#: Measures a coverage map can show: column -> label.
MEASURES: dict[str, str] = {
    "providers": "Number of providers",
    "per_100k": "Providers per 100,000 people",
    "capacity": "Capacity (beds)",
    "capacity_per_100k": "Beds per 100,000 people",
}


def filter_directory(
    directory: pd.DataFrame,
    *,
    services: list[str] | tuple[str, ...] | str | None = None,
    populations: list[str] | tuple[str, ...] | str | None = None,
    placed_only: bool = True,
) -> pd.DataFrame:
    """Keep records offering any of ``services`` to any of ``populations``.

    Parameters
    ----------
    directory
        A resolved directory.
    services
        Service-type codes (:data:`geomap.directory.schema.SERVICE_TYPES`); ``None`` keeps all.
    populations
        Population codes (:data:`geomap.directory.schema.POPULATIONS`); ``None`` keeps all. A
        record that lists no populations is kept (it does not restrict whom it serves).
    placed_only
        Drop flagged rows (they have no unit).

    Returns
    -------
    pandas.DataFrame
        The kept rows (the input itself when every row is kept: do not modify it).

    Raises
    ------
    ValueError
        If a service or population code is not in the taxonomy.
    """
    if isinstance(services, str):
        services = [services]
    if isinstance(populations, str):
        populations = [populations]
    bad = [s for s in services or () if s not in schema.SERVICE_TYPES]
    if bad:
        msg = f"unknown service type(s) {bad}; expected one of {', '.join(schema.SERVICE_TYPES)}"
        raise ValueError(msg)
    bad = [p for p in populations or () if p not in schema.POPULATIONS]
    if bad:
        msg = f"unknown population(s) {bad}; expected one of {', '.join(schema.POPULATIONS)}"
        raise ValueError(msg)
    # One mask, one selection of the rows (each boolean selection copies every column).
    keep = np.ones(len(directory), dtype=bool)
    if placed_only and "status" in directory.columns:
        keep &= (directory["status"] == schema.STATUS_PLACED).to_numpy(dtype=bool, na_value=False)
    if services:
        wanted = set(services)
        offered = schema.parse_codes(directory["service_types"])
        keep &= offered.map(lambda codes: bool(wanted.intersection(codes))).to_numpy(dtype=bool)
    if populations:
        wanted_pop = set(populations)
        served = schema.parse_codes(directory["populations_served"], vocabulary="population")
        keep &= served.map(lambda s: not s or bool(wanted_pop.intersection(s))).to_numpy(dtype=bool)
    return directory if keep.all() else directory[keep]


def coverage_by_unit(
    units: pd.DataFrame,
    directory: pd.DataFrame,
    *,
    services: list[str] | tuple[str, ...] | str | None = None,
    populations: list[str] | tuple[str, ...] | str | None = None,
) -> pd.DataFrame:
    """Count providers and capacity per admin unit.

    Parameters
    ----------
    units
        Admin units with ``code`` and ``name`` (and, optionally, ``population``,
        ``population_year`` from :func:`geomap.population.attach_population`).
    directory
        A resolved directory (``admin1_code`` and ``status`` per row).
    services, populations
        Optional filters; see :func:`filter_directory`.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the units' order: ``code``, ``name``, ``providers``,
        ``confidential_providers``, ``capacity``, ``population``, ``population_year``,
        ``per_100k``, ``capacity_per_100k``. Per-capita figures are NaN (no data) where the
        population is unknown — never 0.
    """
    # Only the columns counted here (filtering a narrow frame copies less).
    used = ["status", "service_types", "populations_served", "admin1_code", "confidential", "capacity"]
    narrow = directory[[c for c in used if c in directory.columns]]
    narrow.attrs = {}  # pandas deep-copies attrs on every operation; the counts need none
    kept = filter_directory(narrow, services=services, populations=populations)
    # Counted with bincount over each record's unit (a unit listed twice gets the same totals).
    unit_codes = units["code"].astype(str).to_numpy(dtype=object)
    distinct = pd.Index(pd.unique(unit_codes))
    where = distinct.get_indexer(kept["admin1_code"].astype(object).to_numpy(dtype=object)) if len(kept) else np.empty(0, dtype=np.intp)
    inside = where >= 0
    where = where[inside]
    conf = (
        kept["confidential"].map(lambda v: schema.parse_bool(v) is True).to_numpy(dtype=float)
        if "confidential" in kept
        else np.zeros(len(kept))
    )
    cap = pd.to_numeric(kept["capacity"], errors="coerce").to_numpy(dtype=float) if "capacity" in kept else np.zeros(len(kept))
    n = len(distinct)
    back = distinct.get_indexer(unit_codes)
    out = pd.DataFrame({"code": unit_codes, "name": units["name"].astype(str).to_numpy()})
    out["providers"] = np.bincount(where, minlength=n)[back].astype(int)
    out["confidential_providers"] = np.bincount(where, weights=conf[inside], minlength=n)[back].astype(int)
    out["capacity"] = np.bincount(where, weights=np.nan_to_num(cap[inside], nan=0.0), minlength=n)[back].astype(float)
    pop = pd.to_numeric(units["population"], errors="coerce").to_numpy() if "population" in units else np.full(len(units), np.nan)
    out["population"] = pop
    pop_safe = np.where(pop > 0, pop, np.nan)
    out["population_year"] = (
        pd.array(units["population_year"].to_numpy(), dtype="Int64") if "population_year" in units else pd.array([pd.NA] * len(units), dtype="Int64")
    )
    out["per_100k"] = out["providers"].to_numpy() / pop_safe * 100_000
    out["capacity_per_100k"] = out["capacity"].to_numpy() / pop_safe * 100_000
    return out


def coverage_summary(coverage: pd.DataFrame) -> dict:
    """Headline figures of a coverage table: units, units with/without providers, totals.

    Returns
    -------
    dict
        ``units``, ``units_with_providers``, ``units_without`` (list of names),
        ``providers``, ``population_year`` (the denominator's year, or ``None``).
    """
    without = coverage.loc[coverage["providers"] == 0, "name"].tolist()
    years = coverage["population_year"].dropna().unique().tolist() if "population_year" in coverage else []
    return {
        "units": int(len(coverage)),
        "units_with_providers": int((coverage["providers"] > 0).sum()),
        "units_without": without,
        "providers": int(coverage["providers"].sum()),
        "population_year": int(years[0]) if len(years) == 1 else None,
    }
