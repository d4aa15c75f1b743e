"""The gaps table: where a service is missing, thin for the population, or out of reach.

:func:`unit_measures` computes per unit (any units layer: admin-1, or admin-2 with
``parent_code``) the provider count, capacity, providers per 100k and the settlement-based
reach measures. :func:`gap_index` adds the flags, the components of a composite gap index, the
index itself and a rank. The index is a weighted mean of visible components, each between 0
(no gap) and 1 (worst), with the weights returned alongside it — never a black box::

    c_absent = 1 if the unit has no provider of the service, else 0
    c_supply = clip(1 - per_100k / threshold_per_100k, 0, 1)      (NaN without a population)
    c_reach  = 1 - share_within                                    (NaN without settlements)
    gap_index = sum(w_k * c_k) / sum(w_k)                          (NaN if a weighted c_k is NaN)

Confidential providers count in every aggregate here (counts, capacity, shares): exact figures.
A public gap table is computed without the confidential providers of units holding fewer than k
of them (:func:`withheld_records`) and published with bands (:func:`public_gap_table`; the rule
is :mod:`geomap.directory.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geomap.analysis import distance as _distance
from geomap.i18n import N_

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "SETTLEMENT_MODEL",
    "gap_index",
    "gap_table",
    "provider_counts",
    "public_gap_table",
    "public_inputs",
    "record_units",
    "withheld_records",
    "unit_measures",
]

#: Component name -> plain-language meaning (shown next to the weights).
COMPONENTS: dict[str, str] = {
    "absent": N_("No provider of the service in the unit (1) or at least one (0)"),
    "supply": N_("Shortfall of providers per 100k below the threshold (0 at or above it, 1 with none)"),
    "reach": N_("Share of the settlement population beyond the reach radius"),
}

#: The population model of settlement-based reach (said next to every figure).
#: Kept in English in tables and exports; shown through ``i18n._`` (a raster's label passes through unchanged).
SETTLEMENT_MODEL = N_("settlements: GeoNames places of 500+ people (part of the census population)")

#: Default weights of the composite gap index (equal).
DEFAULT_WEIGHTS: dict[str, float] = {"absent": 1.0, "supply": 1.0, "reach": 1.0}


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(w) - set(COMPONENTS)
    if unknown:
        msg = f"unknown gap-index component(s) {sorted(unknown)}; expected {', '.join(COMPONENTS)}"
        raise ValueError(msg)
    for k, v in w.items():
        if not np.isfinite(v) or v < 0:
            msg = f"weight for {k!r} must be a non-negative number, got {v!r}"
            raise ValueError(msg)
    if sum(w.values()) <= 0:
        msg = "at least one gap-index weight must be positive"
        raise ValueError(msg)
    return {k: float(w.get(k, 0.0)) for k in COMPONENTS}


def record_units(units: gpd.GeoDataFrame, directory: pd.DataFrame, *, service: str | None = None) -> pd.DataFrame:
    """The unit of each placed provider of ``service``: ``unit_code``, ``confidential``, ``capacity``.

    A provider with a point is in the unit that contains it (so any units layer works,
    including admin-2); a placed provider without a point is in its ``admin1_code`` when that
    code is one of the units' codes; otherwise ``unit_code`` is ``None``. Indexed like
    ``directory`` (only the placed providers of ``service``).
    """
    from geomap.directory import privacy, schema

    gdf = directory
    if not isinstance(gdf, gpd.GeoDataFrame):
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([None] * len(gdf), index=gdf.index), crs="EPSG:4326")
    keep = pd.Series(True, index=gdf.index)
    if "status" in gdf.columns:
        keep &= gdf["status"].astype(object).eq(schema.STATUS_PLACED).fillna(False).astype(bool)
    if service is not None:
        keep &= schema.parse_codes(gdf["service_types"]).map(lambda codes: service in codes).astype(bool)
    rows = gdf.loc[keep].copy()
    rows["confidential"] = privacy.is_confidential(rows).to_numpy(dtype=bool)
    rows["unit_code"] = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    has_pt = rows.geometry.notna() & ~rows.geometry.is_empty
    if has_pt.any():
        pts = rows.loc[has_pt, [rows.geometry.name]]
        pts = pts.set_crs("EPSG:4326") if pts.crs is None else pts.to_crs("EPSG:4326")
        j = gpd.sjoin(pts, units[["code", units.geometry.name]].to_crs("EPSG:4326"), how="left", predicate="intersects")
        j = j[~j.index.duplicated(keep="first")]
        rows.loc[j.index, "unit_code"] = j["code"].astype(object)
    if "admin1_code" in rows.columns:
        codes = set(units["code"].astype(str))
        fallback = rows["unit_code"].isna() & rows["admin1_code"].astype(object).isin(codes)
        rows.loc[fallback, "unit_code"] = rows.loc[fallback, "admin1_code"].astype(object)
    cap = pd.to_numeric(rows["capacity"], errors="coerce") if "capacity" in rows.columns else pd.Series(np.nan, index=rows.index)
    unit_code = rows["unit_code"].astype(object).where(rows["unit_code"].notna(), None)
    return pd.DataFrame({"unit_code": unit_code, "confidential": rows["confidential"], "capacity": cap}, index=rows.index)


def provider_counts(units: gpd.GeoDataFrame, directory: pd.DataFrame, *, service: str | None = None) -> pd.DataFrame:
    """Providers of ``service`` per unit: ``code``, ``providers``, ``confidential_providers``, ``capacity``.

    Each provider counts in its unit (:func:`record_units`). Capacity is the sum of known
    capacities (NaN when no provider in the unit states one).
    """
    rec = record_units(units, directory, service=service)
    frame = pd.DataFrame({"code": rec["unit_code"], "conf": rec["confidential"], "cap": rec["capacity"]})
    g = frame.dropna(subset=["code"]).groupby("code").agg(
        providers=("conf", "size"), confidential_providers=("conf", "sum"), capacity=("cap", lambda s: s.sum(min_count=1))
    )
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()})
    out = out.merge(g, left_on="code", right_index=True, how="left")
    out["providers"] = out["providers"].fillna(0).astype("int64")
    out["confidential_providers"] = out["confidential_providers"].fillna(0).astype("int64")
    out["capacity"] = out["capacity"].astype(float)
    return out


def withheld_records(units: gpd.GeoDataFrame, directory: pd.DataFrame, *, service: str, k: int | None = None) -> pd.Series:
    """Which records a public gap analysis of ``service`` leaves out (disclosure control).

    The confidential providers of ``service`` in units holding fewer than ``k`` of them (and
    those outside every unit): :func:`geomap.directory.disclosure.withheld` per unit of
    ``units``. A public gap table, its reach, access and siting are computed without them, so
    nothing public depends on them; the table then bands those units
    (:func:`public_gap_table`).

    Returns
    -------
    pandas.Series
        Boolean, on ``directory``'s index.
    """
    from geomap.directory import disclosure

    rec = record_units(units, directory, service=service)
    held = disclosure.withheld(rec["unit_code"].to_numpy(dtype=object), rec["confidential"].to_numpy(dtype=bool), k=k)
    out = pd.Series(False, index=directory.index)
    out.loc[rec.index[held]] = True
    return out


def public_inputs(units: gpd.GeoDataFrame, directory: pd.DataFrame, *, service: str, k: int | None = None) -> tuple[pd.DataFrame, set]:
    """What a public gap analysis of ``service`` may read: the directory and the banded units.

    Returns
    -------
    tuple
        ``(directory without withheld_records, codes of the units to band)``: analyse the
        first, publish the table with :func:`public_gap_table` and the second.
    """
    from geomap.directory import disclosure, privacy

    k = disclosure.disclosure_k(k)
    full = provider_counts(units, directory, service=service)
    # a directory without any confidential record has nothing to band (its export says so)
    any_conf = bool(privacy.is_confidential(directory).any()) if len(directory) else False
    banded = set(full.loc[full["confidential_providers"] < k, "code"]) if any_conf else set()
    return directory[~withheld_records(units, directory, service=service, k=k).to_numpy()], banded


def public_gap_table(table: pd.DataFrame, banded_codes: set, *, k: int | None = None) -> pd.DataFrame:
    """A gap table computed without the withheld records, published with its bands.

    Parameters
    ----------
    table
        :func:`gap_table` (or :func:`unit_measures`) of the directory minus
        :func:`withheld_records`.
    banded_codes
        Codes of the units whose cell held fewer than ``k`` confidential providers of the
        service in the FULL directory (every unit but those with ``k`` or more).
    k
        Threshold (default: the setting).

    Returns
    -------
    pandas.DataFrame
        ``table`` through :func:`geomap.directory.disclosure.band_table`: providers as a range,
        confidential providers as "fewer than k", beds as "… or more" where banded; the gap
        index and its components are those of the known part (a banded unit counts only the
        providers shown exactly).
    """
    from geomap.directory import disclosure

    banded = table["code"].astype(object).isin(banded_codes).to_numpy(dtype=bool)
    out = disclosure.band_table(table, banded, k=k)
    if "lacks_service" in out.columns:
        # "no provider" is not known where a band may hide one
        lacks = out["lacks_service"].astype("boolean")
        lacks[banded & lacks.fillna(False).to_numpy(dtype=bool)] = pd.NA
        out["lacks_service"] = lacks
    return out


def unit_measures(
    units: gpd.GeoDataFrame,
    directory: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    *,
    service: str,
    radius_km: float | None = None,
    nearest: pd.DataFrame | None = None,
    reach: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts, population and reach of ``service`` per unit.

    Parameters
    ----------
    units
        Units layer with ``code``, ``name`` and, if known, ``population``/``population_year``
        (NaN population means unknown). ``parent_code`` is carried for admin-2 drill-down.
    directory
        The full resolved directory (confidential rows count in the aggregates).
    demand
        Demand points from :func:`geomap.analysis.demand.demand_points`.
    service
        Service code.
    radius_km
        Reach threshold; defaults to :func:`geomap.analysis.distance.default_radius_km`.
    nearest
        Precomputed :func:`geomap.analysis.distance.nearest_provider` for ``demand`` (optional).
    reach
        Per-unit reach measured another way, replacing the settlement-based one: e.g.
        :func:`geomap.grids.reach.grid_reach` over a population raster (``code``,
        ``mean_distance_km``, ``pop_within_km``, ``pop_beyond_km``, ``share_within``,
        ``radius_km``, ``population_model`` and any extra columns, which are kept).

    Returns
    -------
    pandas.DataFrame
        ``code, name, parent_code, population, population_year, providers,
        confidential_providers, capacity, per_100k, capacity_per_100k, settlements,
        settlement_population, settlement_share, mean_distance_km, pop_within_km,
        pop_beyond_km, share_within, radius_km, population_model`` (plus the extra columns of
        ``reach``). ``attrs`` holds ``service``, ``radius_km`` and ``population_model``.
    """
    radius = _distance.default_radius_km(service) if radius_km is None else float(radius_km)
    if reach is None:
        if nearest is None:
            providers = _distance.providers_offering(directory, service)
            nearest = _distance.nearest_provider(demand, providers)
        reach = _distance.distance_summary(units, demand, nearest, radius_km=radius)
        reach["population_model"] = demand.attrs.get("population_model", SETTLEMENT_MODEL)
    model = str(reach["population_model"].iloc[0]) if len(reach) and "population_model" in reach.columns else SETTLEMENT_MODEL
    counts = provider_counts(units, directory, service=service)
    out = pd.DataFrame(
        {
            "code": units["code"].astype(object).to_numpy(),
            "name": units["name"].astype(object).to_numpy() if "name" in units.columns else None,
            "parent_code": units["parent_code"].astype(object).to_numpy() if "parent_code" in units.columns else None,
        }
    )
    pop = units["population"].to_numpy(dtype=float) if "population" in units.columns else np.full(len(units), np.nan)
    pop = np.where(pop > 0, pop, np.nan)  # a zero or missing census figure is "no data"
    out["population"] = pop
    out["population_year"] = (
        pd.array(units["population_year"].to_numpy(), dtype="Int64")
        if "population_year" in units.columns
        else pd.array([pd.NA] * len(units), dtype="Int64")
    )
    out = out.merge(counts, on="code", how="left")
    out["per_100k"] = out["providers"] / out["population"] * 1e5
    out["capacity_per_100k"] = out["capacity"] / out["population"] * 1e5
    out = out.merge(reach, on="code", how="left")
    for col in ("settlements", "settlement_population"):
        if col not in out.columns:
            out[col] = np.nan
    out["population_model"] = model
    with np.errstate(invalid="ignore", divide="ignore"):
        out["settlement_share"] = out["settlement_population"] / out["population"]
    cols = [
        "code", "name", "parent_code", "population", "population_year", "providers",
        "confidential_providers", "capacity", "per_100k", "capacity_per_100k", "settlements",
        "settlement_population", "settlement_share", "mean_distance_km", "pop_within_km",
        "pop_beyond_km", "share_within", "radius_km", "population_model",
    ]
    out = out[cols + [c for c in reach.columns if c not in cols]]
    out.attrs = {"service": service, "radius_km": radius, "population_model": model}
    return out


def gap_index(
    measures: pd.DataFrame,
    *,
    threshold_per_100k: float = 1.0,
    majority_share: float = 0.5,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Flags, components, composite index and rank from :func:`unit_measures`.

    Parameters
    ----------
    measures
        Output of :func:`unit_measures`.
    threshold_per_100k
        Providers per 100k people below which a unit is flagged ``below_threshold``.
    majority_share
        A unit is flagged ``mostly_beyond`` when less than this share of its settlement
        population is within reach (default: most people are beyond).
    weights
        ``{component: weight}`` over :data:`COMPONENTS`; missing components weigh 0.
        Default :data:`DEFAULT_WEIGHTS`.

    Returns
    -------
    pandas.DataFrame
        ``measures`` plus ``lacks_service``, ``below_threshold``, ``mostly_beyond`` (nullable
        booleans: NA = no data), ``c_absent``, ``c_supply``, ``c_reach``, ``gap_index`` and
        ``gap_rank`` (1 = largest gap; NA when the index has no data), sorted by rank (no-data
        units last). ``attrs["weights"]``, ``attrs["threshold_per_100k"]`` and
        ``attrs["components"]`` say how the index was made.
    """
    if not np.isfinite(threshold_per_100k) or threshold_per_100k <= 0:
        msg = f"threshold_per_100k must be a positive number, got {threshold_per_100k!r}"
        raise ValueError(msg)
    w = _check_weights(weights)
    out = measures.copy()
    # A published (public) table holds bands as text: its indices read the known parts.
    known = "providers_known" in out.columns
    per = out["per_100k_known" if known else "per_100k"].astype(float)
    providers = out["providers_known" if known else "providers"].to_numpy()
    share = out["share_within"].astype(float)
    lacks = pd.array(providers == 0, dtype="boolean")
    if "banded" in out.columns:
        lacks[out["banded"].to_numpy(dtype=bool) & (providers == 0)] = pd.NA  # a band may hide one
    out["lacks_service"] = lacks
    below = pd.array(per.to_numpy() < threshold_per_100k, dtype="boolean")
    below[per.isna().to_numpy()] = pd.NA
    out["below_threshold"] = below
    beyond = pd.array(share.to_numpy() < majority_share, dtype="boolean")
    beyond[share.isna().to_numpy()] = pd.NA
    out["mostly_beyond"] = beyond
    out["c_absent"] = (providers == 0).astype(float)
    out["c_supply"] = (1.0 - per / threshold_per_100k).clip(lower=0.0, upper=1.0)
    out["c_reach"] = (1.0 - share).clip(lower=0.0, upper=1.0)
    total = sum(w.values())
    idx = pd.Series(0.0, index=out.index)
    for k, wk in w.items():
        if wk > 0:
            idx = idx + wk * out[f"c_{k}"]  # NaN propagates: no data stays no data
    out["gap_index"] = idx / total
    order = out["gap_index"].rank(method="min", ascending=False)
    out["gap_rank"] = pd.array(order.to_numpy(), dtype="Float64").astype("Int64")
    out = out.sort_values(["gap_index", "code"], ascending=[False, True], na_position="last").reset_index(drop=True)
    out.attrs = {
        **measures.attrs,
        "weights": w,
        "threshold_per_100k": float(threshold_per_100k),
        "majority_share": float(majority_share),
        "components": dict(COMPONENTS),
    }
    return out


def gap_table(
    units: gpd.GeoDataFrame,
    directory: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    *,
    service: str,
    radius_km: float | None = None,
    threshold_per_100k: float = 1.0,
    majority_share: float = 0.5,
    weights: Mapping[str, float] | None = None,
    nearest: pd.DataFrame | None = None,
    reach: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`unit_measures` followed by :func:`gap_index` (see both for columns)."""
    m = unit_measures(units, directory, demand, service=service, radius_km=radius_km, nearest=nearest, reach=reach)
    return gap_index(m, threshold_per_100k=threshold_per_100k, majority_share=majority_share, weights=weights)
