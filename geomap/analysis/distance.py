"""Distance from every demand point (settlement) to the nearest provider of a service.

The nearest search is vectorised: a :class:`scipy.spatial.cKDTree` over 3-D unit vectors (the
chord length is monotonic in the great-circle distance) finds the few nearest candidates of
every point on the sphere, and the exact distance to each
candidate is then measured on the WGS84 ellipsoid with :class:`pyproj.Geod` (one array call).
No Python loop runs over the points.

Distances to confidential sites are *computed* (they count in aggregates such as "share of the
population within 50 km"), but per-point identities and exact distances to a confidential site
are only for partners: :func:`redact_nearest` turns them into distance bands for everyone else.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from geomap.directory import privacy, schema

__all__ = [
    "DEFAULT_RADIUS_KM",
    "EARTH_RADIUS_M",
    "default_radius_km",
    "distance_summary",
    "nearest_distance_m",
    "nearest_provider",
    "pairs_within",
    "point_coords",
    "providers_offering",
    "redact_nearest",
]

#: Default reach per service type (km): how far is "within reach" unless the user says otherwise.
DEFAULT_RADIUS_KM: dict[str, float] = {
    "shelter": 50.0,
    "medical": 25.0,
    "psychosocial": 50.0,
    "legal_aid": 50.0,
    "hotline": 100.0,
    "economic_reintegration": 50.0,
    "law_enforcement": 25.0,
    "child_protection": 50.0,
    "case_management": 50.0,
    "repatriation": 100.0,
    "health": 25.0,
    "protection": 50.0,
    "gbv": 50.0,
}

#: Mean Earth radius (IUGG), metres: used only to turn a radius into a candidate angle.
EARTH_RADIUS_M = 6_371_008.8

_GEOD = Geod(ellps="WGS84")


def default_radius_km(service: str | None) -> float:
    """Default reach (km) for ``service``; 50 km for ``None`` or an unknown code."""
    return DEFAULT_RADIUS_KM.get(service or "", 50.0)


def _offered_verbatim(directory: pd.DataFrame, category: str) -> bool:
    """Whether ``category`` is a category kept verbatim in the directory (not in the vocabulary)."""
    if "service_types" not in directory.columns:
        return False
    return category in schema.categories_present(directory["service_types"])


def providers_offering(directory: pd.DataFrame, service: str | None = None) -> gpd.GeoDataFrame:
    """The placed providers with a usable point that offer ``service``.

    Parameters
    ----------
    directory
        A resolved directory (full view: analysis runs on exact data).
    service
        A :data:`geomap.directory.schema.CATEGORIES` code (or a category kept verbatim in the
        directory), or ``None`` for every provider.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows (index kept, so it identifies the provider), with a boolean
        ``confidential`` column computed by :func:`geomap.directory.privacy.is_confidential`.

    Raises
    ------
    ValueError
        If ``service`` is not a service code.
    """
    if service is not None and service not in schema.CATEGORIES and not _offered_verbatim(directory, service):
        msg = f"unknown service {service!r}; expected one of {', '.join(schema.CATEGORIES)} or a category of the directory"
        raise ValueError(msg)
    if not isinstance(directory, gpd.GeoDataFrame) or directory.geometry.name not in directory.columns:
        msg = "the directory has no geometry column; resolve it first (geomap.directory.resolve.resolve_directory)"
        raise ValueError(msg)
    gdf = directory
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    keep = gdf.geometry.notna() & ~gdf.geometry.is_empty
    keep &= gdf.geometry.geom_type == "Point"
    if "status" in gdf.columns:
        keep &= gdf["status"].astype(object).eq(schema.STATUS_PLACED).fillna(False).astype(bool)
    if service is not None and "service_types" in gdf.columns:
        offers = schema.parse_codes(gdf["service_types"]).map(lambda codes: service in codes)
        keep &= offers.astype(bool)
    out = gdf.loc[keep].copy()
    out["confidential"] = privacy.is_confidential(out).to_numpy(dtype=bool)
    return out


def point_coords(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` array of lon/lat of a point layer (reprojected to EPSG:4326 if needed)."""
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geoms = gdf.geometry.to_numpy()
    if len(geoms) == 0:
        return np.empty((0, 2))
    return np.column_stack([gpd.GeoSeries(geoms).x.to_numpy(), gpd.GeoSeries(geoms).y.to_numpy()])


def _unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _tree(lonlat: np.ndarray):
    # Imported here: scipy.spatial is only needed once distances are asked for.
    from scipy.spatial import cKDTree

    return cKDTree(_unit_vectors(lonlat))


def nearest_distance_m(
    lonlat: np.ndarray,
    providers_lonlat: np.ndarray,
    *,
    candidates: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) from each of ``lonlat`` to the nearest of ``providers_lonlat``.

    The array core of :func:`nearest_provider` (also used cell by cell for population grids):
    a KD-tree on 3-D unit vectors proposes ``candidates`` nearest sites on the sphere, which
    are re-measured on the WGS84 ellipsoid.

    Parameters
    ----------
    lonlat, providers_lonlat
        ``(n, 2)`` and ``(m, 2)`` arrays of longitude, latitude (degrees); ``m`` >= 1.
    candidates
        How many sphere-nearest sites are re-measured on the ellipsoid.

    Returns
    -------
    tuple of numpy.ndarray
        ``(distance_m, position)``: the distance and the row of ``providers_lonlat`` chosen.
    """
    n = len(lonlat)
    if len(providers_lonlat) == 0:
        msg = "no provider to measure distances to"
        raise ValueError(msg)
    if n == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    k = int(min(max(candidates, 1), len(providers_lonlat)))
    chord, idx = _tree(providers_lonlat).query(_unit_vectors(lonlat), k=k)
    idx = np.asarray(idx, dtype=np.int64).reshape(n, k)
    sphere = 2.0 * np.arcsin(np.clip(np.asarray(chord, dtype=float).reshape(n, k) / 2.0, 0.0, 1.0)) * EARTH_RADIUS_M
    # The ellipsoid and the sphere differ by under 0.7 %: a candidate more than 2 % (+ 1 m) farther
    # on the sphere than the nearest cannot be the nearest on the ellipsoid, so it is not re-measured.
    live = sphere <= sphere[:, :1] * 1.02 + 1.0
    rows, cols = np.nonzero(live)
    cand = idx[rows, cols]
    _, _, d = _GEOD.inv(lonlat[rows, 0], lonlat[rows, 1], providers_lonlat[cand, 0], providers_lonlat[cand, 1])
    dist = np.full((n, k), np.inf)
    dist[rows, cols] = np.asarray(d, dtype=float)
    best = np.argmin(dist, axis=1)
    r = np.arange(n)
    return dist[r, best], idx[r, best]


def nearest_provider(
    points: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    candidates: int = 4,
) -> pd.DataFrame:
    """Nearest provider of every point and the geodesic distance to it.

    Parameters
    ----------
    points
        Demand points (settlements), Point geometries.
    providers
        Provider points, e.g. from :func:`providers_offering`; their index identifies them. A
        ``confidential`` column, if present, is carried into the result.
    candidates
        How many great-circle-nearest providers are re-measured on the ellipsoid (the sphere and
        the ellipsoid can disagree on which of two nearly equidistant sites is closer).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``nearest_provider`` (index label in ``providers``; missing when
        there is no provider), ``nearest_confidential`` (bool), ``distance_m`` and
        ``distance_km`` (float, NaN when there is no provider at all).
    """
    n = len(points)
    out = pd.DataFrame(index=points.index)
    if n == 0 or len(providers) == 0:
        out["nearest_provider"] = pd.Series([None] * n, index=points.index, dtype=object)
        out["nearest_confidential"] = False
        out["distance_m"] = np.nan
        out["distance_km"] = np.nan
        return out
    dist, chosen = nearest_distance_m(point_coords(points), point_coords(providers), candidates=candidates)
    out["nearest_provider"] = pd.Series(np.asarray(providers.index, dtype=object)[chosen], index=points.index, dtype=object)
    if "confidential" in providers.columns:
        conf = providers["confidential"].fillna(False).to_numpy(dtype=bool)
        out["nearest_confidential"] = conf[chosen]
    else:
        out["nearest_confidential"] = False
    out["distance_m"] = dist
    out["distance_km"] = out["distance_m"] / 1000.0
    return out


def pairs_within(
    points: gpd.GeoDataFrame,
    providers: gpd.GeoDataFrame,
    *,
    radius_km: float,
) -> pd.DataFrame:
    """Every (point, provider) pair closer than ``radius_km`` with its geodesic distance.

    Candidate pairs come from a ``cKDTree.query_ball_point`` on unit vectors (the radius as a
    chord, slightly widened), then the ellipsoidal distance is measured and pairs beyond the radius are dropped.

    Returns
    -------
    pandas.DataFrame
        ``point`` and ``provider`` (index labels), ``point_pos`` and ``provider_pos``
        (positions), ``distance_m``.
    """
    cols = ["point", "provider", "point_pos", "provider_pos", "distance_m"]
    if len(points) == 0 or len(providers) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("point", "provider") else float) for c in cols})
    p_xy = point_coords(points)
    s_xy = point_coords(providers)
    angle = radius_km * 1000.0 * 1.01 / EARTH_RADIUS_M
    chord = 2.0 * np.sin(min(angle, np.pi) / 2.0)
    ind = _tree(s_xy).query_ball_point(_unit_vectors(p_xy), r=chord, return_sorted=True)
    counts = np.fromiter((len(a) for a in ind), dtype=np.int64, count=len(ind))
    pi = np.repeat(np.arange(len(points)), counts)
    sj = np.concatenate(ind).astype(np.int64) if counts.sum() else np.empty(0, dtype=np.int64)
    _, _, d = _GEOD.inv(p_xy[pi, 0], p_xy[pi, 1], s_xy[sj, 0], s_xy[sj, 1])
    d = np.asarray(d, dtype=float)
    ok = d <= radius_km * 1000.0
    pi, sj, d = pi[ok], sj[ok], d[ok]
    return pd.DataFrame(
        {
            "point": pd.Series(np.asarray(points.index, dtype=object)[pi], dtype=object),
            "provider": pd.Series(np.asarray(providers.index, dtype=object)[sj], dtype=object),
            "point_pos": pi,
            "provider_pos": sj,
            "distance_m": d,
        }
    )


def distance_summary(
    units: pd.DataFrame,
    demand: pd.DataFrame,
    nearest: pd.DataFrame,
    *,
    radius_km: float,
    unit_col: str = "unit_code",
) -> pd.DataFrame:
    """Population-weighted reach per unit.

    Parameters
    ----------
    units
        The units layer (``code`` column); its order is kept.
    demand
        Demand points with ``population`` and ``unit_col`` (see
        :func:`geomap.analysis.demand.demand_points`).
    nearest
        :func:`nearest_provider` output for ``demand`` (same index).
    radius_km
        The reach threshold X.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``settlements``, ``settlement_population``,
        ``mean_distance_km`` (population-weighted), ``pop_within_km``, ``pop_beyond_km``,
        ``share_within`` (of the settlement population) and ``radius_km``. A unit with no
        demand points has NaN measures (no data), never 0 %.
    """
    if radius_km is None or not np.isfinite(radius_km) or radius_km <= 0:
        msg = f"radius_km must be a positive number of kilometres, got {radius_km!r}"
        raise ValueError(msg)
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    dist = nearest.reindex(demand.index)["distance_km"].to_numpy(dtype=float)
    within = np.where(np.isfinite(dist) & (dist <= radius_km), pop, 0.0)
    has_dist = np.isfinite(dist)
    frame = pd.DataFrame(
        {
            "code": demand[unit_col].astype(object).to_numpy(),
            "pop": pop,
            "within": within,
            "wdist": np.where(has_dist, dist * pop, 0.0),
            "wpop": np.where(has_dist, pop, 0.0),
        }
    )
    g = frame.groupby("code", sort=False).agg(
        settlements=("pop", "size"),
        settlement_population=("pop", "sum"),
        pop_within_km=("within", "sum"),
        wdist=("wdist", "sum"),
        wpop=("wpop", "sum"),
    )
    out = pd.DataFrame({"code": units["code"].astype(object).to_numpy()})
    out = out.merge(g, left_on="code", right_index=True, how="left")
    out["settlements"] = out["settlements"].fillna(0).astype("int64")
    no_data = ~(out["settlement_population"] > 0)
    out.loc[no_data, ["settlement_population", "pop_within_km"]] = np.nan
    out["pop_beyond_km"] = out["settlement_population"] - out["pop_within_km"]
    out["share_within"] = out["pop_within_km"] / out["settlement_population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_distance_km"] = np.where(out["wpop"] > 0, out["wdist"] / out["wpop"], np.nan)
    out["radius_km"] = float(radius_km)
    out = out.drop(columns=["wdist", "wpop"])
    return out[
        [
            "code",
            "settlements",
            "settlement_population",
            "mean_distance_km",
            "pop_within_km",
            "pop_beyond_km",
            "share_within",
            "radius_km",
        ]
    ].reset_index(drop=True)


def redact_nearest(nearest: pd.DataFrame, *, role: str) -> pd.DataFrame:
    """Per-point nearest-provider table as ``role`` may see it.

    For roles that may not see confidential sites, rows whose nearest provider is confidential
    lose the provider identity and the exact distance; ``distance_band`` (e.g. ``"< 50 km"``)
    is given instead. Other rows are unchanged. Aggregates need no redaction.
    """
    out = nearest.copy()
    out["distance_band"] = out["distance_km"].map(privacy.distance_band)
    if privacy.can_see_confidential(role):
        return out
    conf = out["nearest_confidential"].fillna(False).astype(bool)
    out["nearest_provider"] = out["nearest_provider"].astype(object)
    out.loc[conf, "nearest_provider"] = None
    out.loc[conf, ["distance_m", "distance_km"]] = np.nan
    return out
