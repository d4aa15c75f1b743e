"""One service's gap analysis: the gap table, nearest providers, catchments, 2SFCA and siting.

:func:`service_gaps` runs the analyses of :mod:`geomap.analysis` for one service (pure; no
folium, no Streamlit); the gaps report (:mod:`geomap.report.gaps`), the gaps map
(:mod:`geomap.layers.gaps_map`), the Gaps page and ``geomap gaps`` arrange its result.

Privacy: for a role that may not see confidential records (the default), the analysis runs
without the confidential sites of units holding fewer than k of them and the table bands those
units (:mod:`geomap.directory.disclosure`); partners get exact aggregates.
:func:`beyond_reach` gives per-settlement distances as a role may see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geomap.analysis import access as _access
from geomap.analysis import catchments as _catchments
from geomap.analysis import distance as _distance
from geomap.analysis import gaps as _gaps
from geomap.analysis import siting as _siting
from geomap.directory import disclosure, privacy, schema

__all__ = ["ServiceGaps", "beyond_reach", "service_gaps"]


@dataclass
class ServiceGaps:
    """Everything computed for one service (aggregates are safe; the rest is role-filtered later)."""

    service: str
    radius_km: float
    table: pd.DataFrame
    nearest: pd.DataFrame
    providers: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def service_gaps(
    units: gpd.GeoDataFrame,
    directory: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    *,
    service: str,
    radius_km: float | None = None,
    threshold_per_100k: float = 1.0,
    weights: Mapping[str, float] | None = None,
    add_sites: int = 0,
    with_access: bool = True,
    role: str = privacy.PUBLIC,
    k: int | None = None,
    reach: pd.DataFrame | None = None,
) -> ServiceGaps:
    """Gap table, nearest providers, catchments, 2SFCA and (optionally) MCLP sites for ``service``.

    For a ``role`` that may not see confidential records (the default), everything is computed
    without the confidential providers of units holding fewer than ``k`` of them
    (:func:`geomap.analysis.gaps.withheld_records`) and the table is published with bands
    (:func:`geomap.analysis.gaps.public_gap_table`): no figure, reach, access or proposed site
    depends on them. Partners and editors get exact figures.

    ``reach`` replaces the settlement-based reach in the gap table (e.g. per-unit reach over a
    population raster from :func:`geomap.grids.measures.grid_measures`).
    """
    radius = _distance.default_radius_km(service) if radius_km is None else float(radius_km)
    banded_codes = None
    if not privacy.can_see_confidential(role):
        k = disclosure.disclosure_k(k)
        directory, banded_codes = _gaps.public_inputs(units, directory, service=service, k=k)
    providers = _distance.providers_offering(directory, service)
    nearest = _distance.nearest_provider(demand, providers)
    table = _gaps.gap_table(
        units, directory, demand, service=service, radius_km=radius,
        threshold_per_100k=threshold_per_100k, weights=weights, nearest=nearest, reach=reach,
    )
    notes: list[str] = []
    if with_access:
        acc = _access.two_step_fca(demand, providers, radius_km=radius)
        by_unit = _access.access_by_unit(units, demand, acc)
        attrs = table.attrs
        table = table.merge(by_unit, on="code", how="left")
        table.attrs = attrs
        skipped = acc.attrs.get("providers_without_capacity", 0)
        if skipped:
            notes.append(f"{skipped} {schema.label(service)} provider(s) state no capacity and are left out of beds within reach.")
    if banded_codes is not None:
        attrs = table.attrs
        table = _gaps.public_gap_table(table, banded_codes, k=k)
        table.attrs = {**attrs, **table.attrs}
    catch = _catchments.buffer_catchments(providers, radius_km=radius)
    sites = None
    if add_sites > 0:
        sites = _siting.mclp_sites(demand, radius_km=radius, add=int(add_sites), existing=providers)
    return ServiceGaps(service, radius, table, nearest, providers, catch, sites, notes)


def beyond_reach(demand: gpd.GeoDataFrame, nearest: pd.DataFrame, *, radius_km: float, role: str) -> gpd.GeoDataFrame:
    """Settlements farther than ``radius_km`` from any provider, largest first, as ``role`` may see them.

    Columns: ``name``, ``unit_code``, ``population``, ``distance_km`` (NaN where the nearest site is
    confidential and the role may not see it), ``distance_band``, geometry (the settlement: a
    public GeoNames place).
    """
    red = _distance.redact_nearest(nearest, role=role)
    far = nearest["distance_km"].isna() | (nearest["distance_km"] > radius_km)
    out = demand.loc[far.reindex(demand.index).fillna(True).to_numpy(dtype=bool)].copy()
    out["distance_km"] = red.loc[out.index, "distance_km"]
    out["distance_band"] = red.loc[out.index, "distance_band"]
    keep = [c for c in ("name", "unit_code", "population", "distance_km", "distance_band") if c in out.columns]
    out = out[keep + [out.geometry.name]].sort_values("population", ascending=False)
    return out
