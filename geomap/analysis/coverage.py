"""Coverage: how many providers (and how much capacity) each admin unit has.

Pure functions of (Geo)DataFrames; no Streamlit, no folium. :func:`coverage_by_unit` counts
every record, confidential ones included: exact figures, for partners and for analysis. What the
public sees is :func:`public_coverage` — the same table through the disclosure rule of
:mod:`geomap.directory.disclosure` (a unit's confidential count below k is a band, and so is
everything derived from it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geomap.analysis import freshness
from geomap.directory import disclosure, privacy, schema
from geomap.i18n import N_

__all__ = [
    "MEASURES",
    "CoverageIndex",
    "categories_in",
    "coverage_by_unit",
    "coverage_index",
    "coverage_summary",
    "filter_directory",
    "filter_mask",
    "public_coverage",
    "public_summary",
    "published_coverage",
]

#: Measures a coverage map can show: column -> label (English; shown through ``i18n._``).
MEASURES: dict[str, str] = {
    "providers": N_("Number of providers"),
    "per_100k": N_("Providers per 100,000 people"),
    "capacity": N_("Capacity (beds)"),
    "capacity_per_100k": N_("Beds per 100,000 people"),
    "verified_share": N_("% verified in the last 12 months"),
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
        Category codes (:data:`geomap.directory.schema.CATEGORIES`, or a category kept verbatim
        in the directory); ``None`` keeps all.
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
    # The rule lives in filter_mask (one place); one selection of the rows at the end.
    keep = filter_mask(coverage_index(directory), services=services, populations=populations, placed_only=placed_only)
    return directory if keep.all() else directory[keep]


@dataclass(frozen=True)
class CoverageIndex:
    """What filtering and counting need of each record of a directory, parsed once.

    Made by :func:`coverage_index`; used by :func:`filter_mask` and
    :func:`coverage_by_unit` (``index=``) so that a change of filter costs a few array
    operations instead of re-reading the directory. The arrays are in the directory's row
    order; treat them as read-only.

    Attributes
    ----------
    placed
        Row is placed in a unit (``status`` is placed, or there is no status column).
    unit
        The row's ``admin1_code`` (object array; ``None`` where missing).
    services, populations
        Per code of the vocabulary (:data:`geomap.directory.schema.CATEGORIES`, plus every
        category kept verbatim in this directory), which rows offer that service / serve that
        population.
    no_population
        Rows that list no population (they do not restrict whom they serve).
    confidential
        Rows that are confidential (:func:`geomap.directory.privacy.is_confidential`: a shelter
        without a readable ``false`` counts).
    capacity
        Capacity per row (NaN where missing or not a number).
    verified
        The row's ``last_verified`` date (``datetime64[D]``; ``NaT``: never verified).
    """

    placed: np.ndarray
    unit: np.ndarray
    services: Mapping[str, np.ndarray]
    populations: Mapping[str, np.ndarray]
    no_population: np.ndarray
    confidential: np.ndarray
    capacity: np.ndarray
    verified: np.ndarray

    def __len__(self) -> int:
        return len(self.placed)


def _code_matrix(cells: pd.Series, codes: tuple[str, ...], *, vocabulary: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    parsed = schema.parse_codes(cells, vocabulary=vocabulary).tolist() if len(cells) else []
    if vocabulary == "service":  # categories kept verbatim (not in the vocabulary) can be filtered on too
        codes = codes + tuple(dict.fromkeys(c for row in parsed for c in row if c not in schema.CATEGORIES))
    out = {code: np.fromiter((code in row for row in parsed), dtype=bool, count=len(parsed)) for code in codes}
    empty = np.fromiter((not row for row in parsed), dtype=bool, count=len(parsed))
    return out, empty


def coverage_index(directory: pd.DataFrame) -> CoverageIndex:
    """Parse once what :func:`filter_mask` and :func:`coverage_by_unit` read of ``directory``.

    Parameters
    ----------
    directory
        A resolved directory (or a view of one). Missing columns count as empty.

    Returns
    -------
    CoverageIndex
    """
    n = len(directory)
    cols = directory.columns

    def column(name: str) -> pd.Series:
        return directory[name] if name in cols else pd.Series([None] * n, index=directory.index, dtype=object)

    placed = (
        (directory["status"] == schema.STATUS_PLACED).to_numpy(dtype=bool, na_value=False)
        if "status" in cols
        else np.ones(n, dtype=bool)
    )
    services, _ = _code_matrix(column("service_types"), tuple(schema.CATEGORIES), vocabulary="service")
    populations, no_population = _code_matrix(column("populations_served"), tuple(schema.POPULATIONS), vocabulary="population")
    unit = column("admin1_code").astype(object).to_numpy(dtype=object)
    unit = np.array([None if schema.is_missing(u) else str(u) for u in unit], dtype=object)
    confidential = privacy.is_confidential(directory).to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    capacity = pd.to_numeric(column("capacity"), errors="coerce").to_numpy(dtype=float)
    verified = freshness.verified_dates(column("last_verified")) if n else np.array([], dtype="datetime64[D]")
    return CoverageIndex(placed, unit, services, populations, no_population, confidential, capacity, verified)


def categories_in(index: CoverageIndex) -> list[str]:
    """The categories at least one row of the index offers: vocabulary order, then verbatim ones."""
    return [code for code, rows in index.services.items() if rows.any()]


def filter_mask(
    index: CoverageIndex,
    *,
    services: list[str] | tuple[str, ...] | str | None = None,
    populations: list[str] | tuple[str, ...] | str | None = None,
    placed_only: bool = True,
) -> np.ndarray:
    """The rows :func:`filter_directory` keeps, as a boolean array over the index's rows.

    Same arguments and rules as :func:`filter_directory` (a record that lists no populations
    is kept for any population).

    Raises
    ------
    ValueError
        If a service or population code is neither in the vocabulary nor in the directory.
    """
    services = _checked(services, index.services, "service type")
    populations = _checked(populations, schema.POPULATIONS, "population")
    keep = index.placed.copy() if placed_only else np.ones(len(index), dtype=bool)
    if services:
        keep &= np.logical_or.reduce([index.services[s] for s in services])
    if populations:
        keep &= np.logical_or.reduce([index.no_population, *(index.populations[p] for p in populations)])
    return keep


def _checked(codes, vocabulary, what: str) -> list[str]:
    if isinstance(codes, str):
        codes = [codes]
    bad = [c for c in codes or () if c not in vocabulary]
    if bad:
        msg = f"unknown {what}(s) {bad}; expected one of {', '.join(vocabulary)}"
        raise ValueError(msg)
    return list(codes or ())


def coverage_by_unit(
    units: pd.DataFrame,
    directory: pd.DataFrame,
    *,
    services: list[str] | tuple[str, ...] | str | None = None,
    populations: list[str] | tuple[str, ...] | str | None = None,
    index: CoverageIndex | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Count providers, capacity and recently verified providers per admin unit.

    Parameters
    ----------
    units
        Admin units with ``code`` and ``name`` (and, optionally, ``population``,
        ``population_year`` from :func:`geomap.population.attach_population`).
    directory
        A resolved directory (``admin1_code`` and ``status`` per row).
    services, populations
        Optional filters; see :func:`filter_directory`.
    index
        :func:`coverage_index` of ``directory``, when the caller keeps one (e.g. across
        filter changes); made here otherwise.
    today
        The day "the last 12 months" end (default: today).

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the units' order: ``code``, ``name``, ``providers``,
        ``confidential_providers``, ``capacity``, ``population``, ``population_year``,
        ``per_100k``, ``capacity_per_100k``, ``verified_recently`` (providers verified in the
        last 12 months), ``verified_share`` (their percentage of the providers; NaN where there
        is none), ``confidential_capacity``, ``confidential_verified``. Per-capita figures are
        NaN (no data) where the population is unknown — never 0. Exact figures: publish with
        :func:`public_coverage` unless the reader may see confidential records.
    """
    if index is None:
        index = coverage_index(directory)
    elif len(index) != len(directory):
        msg = f"the coverage index has {len(index)} rows but the directory {len(directory)}: make it with coverage_index(directory)"
        raise ValueError(msg)
    keep = filter_mask(index, services=services, populations=populations)
    # Counted with bincount over each record's unit (a unit listed twice gets the same totals).
    unit_codes = units["code"].astype(str).to_numpy(dtype=object)
    distinct = pd.Index(pd.unique(unit_codes))
    where = distinct.get_indexer(index.unit[keep]) if keep.any() else np.empty(0, dtype=np.intp)
    inside = where >= 0
    where = where[inside]
    conf = index.confidential[keep][inside].astype(float)
    cap = index.capacity[keep][inside]
    recent = freshness.verified_within(index.verified[keep][inside], today=today).astype(float)
    n = len(distinct)
    back = distinct.get_indexer(unit_codes)
    out = pd.DataFrame({"code": unit_codes, "name": units["name"].astype(str).to_numpy()})
    out["providers"] = np.bincount(where, minlength=n)[back].astype(int)
    out["confidential_providers"] = np.bincount(where, weights=conf, minlength=n)[back].astype(int)
    out["capacity"] = np.bincount(where, weights=np.nan_to_num(cap, nan=0.0), minlength=n)[back].astype(float)
    conf_cap = np.bincount(where, weights=np.nan_to_num(cap, nan=0.0) * conf, minlength=n)[back].astype(float)
    pop = pd.to_numeric(units["population"], errors="coerce").to_numpy() if "population" in units else np.full(len(units), np.nan)
    out["population"] = pop
    pop_safe = np.where(pop > 0, pop, np.nan)
    out["population_year"] = (
        pd.array(units["population_year"].to_numpy(), dtype="Int64") if "population_year" in units else pd.array([pd.NA] * len(units), dtype="Int64")
    )
    out["per_100k"] = out["providers"].to_numpy() / pop_safe * 100_000
    out["capacity_per_100k"] = out["capacity"].to_numpy() / pop_safe * 100_000
    out["verified_recently"] = np.bincount(where, weights=recent, minlength=n)[back].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["verified_share"] = np.where(out["providers"] > 0, 100.0 * out["verified_recently"] / out["providers"], np.nan)
    out["confidential_capacity"] = conf_cap
    out["confidential_verified"] = np.bincount(where, weights=recent * conf, minlength=n)[back].astype(int)
    return out


def public_coverage(coverage: pd.DataFrame, *, k: int | None = None) -> pd.DataFrame:
    """:func:`coverage_by_unit` as the public may see it: cells below ``k`` banded.

    See :func:`geomap.directory.disclosure.public_coverage` (text columns for tables and CSVs,
    ``banded`` and the numeric ``*_known`` parts for maps). ``k`` defaults to the setting.
    """
    return disclosure.public_coverage(coverage, k=k)


def published_coverage(
    units: pd.DataFrame,
    directory: pd.DataFrame,
    *,
    role: str,
    services: list[str] | tuple[str, ...] | str | None = None,
    populations: list[str] | tuple[str, ...] | str | None = None,
    index: CoverageIndex | None = None,
    k: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """The coverage table a session with ``role`` may see: exact for partners, else public.

    Arguments as :func:`coverage_by_unit` (``directory`` is always the FULL directory).
    A partner's table keeps the numbers and gains ``banded`` (all ``False``) and ``*_known``
    columns equal to the figures, so pages and maps read one shape of table.
    """
    if index is None:
        index = coverage_index(directory)
    table = coverage_by_unit(units, directory, services=services, populations=populations, index=index, today=today)
    if not privacy.can_see_confidential(role):
        return disclosure.public_coverage(table, k=k, any_confidential=bool(index.confidential.any()))
    out = table.drop(columns=["confidential_capacity", "confidential_verified"])
    out[disclosure.BANDED_COLUMN] = False
    for col in ("providers", "capacity", "per_100k", "capacity_per_100k", "verified_share"):
        out[f"{col}_known"] = out[col]
    out.attrs = {**table.attrs, "view": "full"}
    return out


def public_summary(published: pd.DataFrame) -> dict:
    """Headline figures of a :func:`published_coverage` table (public or exact).

    Returns
    -------
    dict
        ``units``, ``units_with_providers`` (at least one provider shown exactly),
        ``units_without`` (names of units known to have none), ``units_unknown`` (names of
        units with no provider shown exactly but a band of confidential ones, which may be
        none), ``providers`` (sum of the figures shown exactly), ``banded`` (number of banded
        units), ``population_year``.
    """
    known = published["providers_known"].to_numpy(dtype=float)
    banded = published[disclosure.BANDED_COLUMN].to_numpy(dtype=bool)
    names = published["name"].astype(str).to_numpy()
    years = published["population_year"].dropna().unique().tolist() if "population_year" in published else []
    return {
        "units": int(len(published)),
        "units_with_providers": int((known > 0).sum()),
        "units_without": names[(known == 0) & ~banded].tolist(),
        "units_unknown": names[(known == 0) & banded].tolist(),
        "providers": int(known.sum()),
        "banded": int(banded.sum()),
        "population_year": int(years[0]) if len(years) == 1 else None,
    }


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
