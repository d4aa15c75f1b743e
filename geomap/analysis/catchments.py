"""Catchments: geodesic circles around providers, and road travel-time areas (osmnx).

:func:`buffer_catchments` draws true geodesic circles: for every provider the points at
``radius_km`` along ``n_vertices`` azimuths are computed on the WGS84 ellipsoid in one vectorised
:meth:`pyproj.Geod.fwd` call, and assembled with :func:`shapely.polygons` (EPSG:4326).

Road catchments need a road graph: :func:`load_road_graph` reads a local ``.osm`` XML or
``.graphml`` file, or — only when ``allow_download=True`` — fetches one from Overpass with a short
timeout and the rate limiter off (so that offline use fails in seconds, not minutes) and caches
it in the settings' ``cache_dir``. osmnx's own settings are set for that one call and restored. :func:`travel_time_catchments` gives the area reachable within ``minutes`` of each provider.

Catchments of confidential providers are computed like any other; callers draw or export them
only for roles allowed by :func:`geomap.directory.privacy.can_see_confidential` — use
:func:`visible_catchments`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geomap.analysis import distance as _distance
from geomap.directory import privacy
from geomap.i18n import N_, Message
from geomap.io.sources import read_source
from geomap.settings import get_settings

__all__ = [
    "travel_time_from",
    "buffer_catchments",
    "load_road_graph",
    "travel_time_catchments",
    "travel_time_to_nearest",
    "visible_catchments",
]

_GEOD = Geod(ellps="WGS84")
#: Serialises the short windows in which osmnx's process-wide settings hold a download's values.
_OSMNX_LOCK = threading.Lock()
_KEEP = ("id", "confidential", "capacity")


def buffer_catchments(
    providers: gpd.GeoDataFrame,
    *,
    radius_km: float,
    n_vertices: int = 64,
) -> gpd.GeoDataFrame:
    """Geodesic circle of ``radius_km`` around every provider (EPSG:4326 polygons).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed like ``providers``; keeps ``id``/``confidential``/``capacity`` when present and
        adds ``radius_km``. Circles crossing the antimeridian are not split.
    """
    if radius_km is None or not np.isfinite(radius_km) or radius_km <= 0:
        msg = f"radius_km must be a positive number of kilometres, got {radius_km!r}"
        raise ValueError(msg)
    xy = _distance.point_coords(providers)
    n = len(xy)
    keep = [c for c in _KEEP if c in providers.columns]
    if n == 0:
        return gpd.GeoDataFrame(
            {**{c: [] for c in keep}, "radius_km": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326")
        )
    az = np.linspace(0.0, 360.0, n_vertices, endpoint=False)
    lon0 = np.repeat(xy[:, 0], n_vertices)
    lat0 = np.repeat(xy[:, 1], n_vertices)
    azs = np.tile(az, n)
    lon, lat, _ = _GEOD.fwd(lon0, lat0, azs, np.full(n * n_vertices, radius_km * 1000.0))
    ring = np.stack([np.asarray(lon), np.asarray(lat)], axis=-1).reshape(n, n_vertices, 2)
    ring = np.concatenate([ring[:, ::-1, :], ring[:, -1:, :]], axis=1)  # counter-clockwise, closed
    polys = shapely.polygons(ring)
    out = gpd.GeoDataFrame(providers[keep].copy(), geometry=polys, crs="EPSG:4326", index=providers.index)
    out["radius_km"] = float(radius_km)
    return out


def visible_catchments(catchments: gpd.GeoDataFrame, *, role: str) -> gpd.GeoDataFrame:
    """The catchments ``role`` may see: confidential providers' catchments only for partners/editors."""
    if privacy.can_see_confidential(role) or "confidential" not in catchments.columns:
        return catchments
    return catchments.loc[~catchments["confidential"].fillna(False).astype(bool)]


def load_road_graph(
    path: str | Path | bytes | None = None,
    *,
    filename: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    network_type: str = "drive",
    simplify: bool = True,
    allow_download: bool = False,
    cache_dir: str | Path | None = None,
    timeout_s: int = 10,
):
    """A road graph from a local file, or downloaded (opt-in) and cached.

    Parameters
    ----------
    path
        A local ``.osm`` (OSM XML) or ``.graphml`` file, or its bytes (an upload) with ``filename``.
    filename
        Name of the uploaded file when ``path`` is bytes (its extension picks the reader).
    bbox
        ``(left, bottom, right, top)`` in degrees, for a download when no ``path`` is given.
    network_type
        osmnx network type for downloads.
    simplify
        Simplify the topology of an OSM XML file (osmnx default). ``False`` keeps every node:
        finer travel-time catchments, larger graph.
    allow_download
        Whether to contact Overpass at all. Off by default: geomap works offline.
    cache_dir
        Where downloaded graphs (GraphML) and osmnx's HTTP cache go.
    timeout_s
        Request timeout for downloads; the Overpass rate limiter is switched off so that an
        offline attempt fails after at most this long.

    Raises
    ------
    FileNotFoundError, ValueError
        For a missing or unsupported file, or when neither a file nor a permitted download is
        given (the message says how to provide one).
    """
    import osmnx as ox

    if isinstance(path, (bytes, bytearray)):
        import tempfile

        suffix = Path(filename or "").suffix.lower()
        if suffix not in {".osm", ".xml", ".graphml"}:
            msg = Message(N_("road graph upload {file}: unsupported type {suffix}; give an OSM XML (.osm) or a .graphml file"),
                          file=repr(filename), suffix=repr(suffix))
            raise ValueError(msg)
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp) / f"roads{suffix}"
            tmp_path.write_bytes(read_source(bytes(path), filename=filename, what="road graph upload"))
            return load_road_graph(tmp_path, simplify=simplify)
    if path is not None:
        p = Path(path)
        if not p.is_file():
            msg = Message(N_("road graph file {file} does not exist"), file=p)
            raise FileNotFoundError(msg)
        suffix = p.suffix.lower()
        if suffix in {".osm", ".xml"}:
            return ox.graph_from_xml(p, simplify=simplify, retain_all=True)
        if suffix == ".graphml":
            return ox.load_graphml(p)
        msg = Message(N_("road graph file {file}: unsupported type {suffix}; give an OSM XML (.osm) or a .graphml file"),
                      file=p, suffix=repr(suffix))
        raise ValueError(msg)
    if bbox is None:
        msg = Message(N_("no road graph: give a local .osm/.graphml file, or a bbox with allow_download=True"))
        raise ValueError(msg)
    cache = Path(cache_dir) if cache_dir is not None else get_settings().cache_dir / "roads"
    return _download_road_graph(
        bbox, network_type=network_type, cache=cache, allow_download=allow_download, timeout_s=timeout_s
    )


def _download_road_graph(bbox, *, network_type: str, cache: Path, allow_download: bool, timeout_s: int):
    """The cached GraphML for ``bbox``, or (when allowed) a download from Overpass, then cached."""
    import osmnx as ox

    name = "roads_{}_{:.4f}_{:.4f}_{:.4f}_{:.4f}.graphml".format(network_type, *bbox)
    cached = cache / name
    if cached.is_file():
        return ox.load_graphml(cached)
    if not allow_download:
        msg = f"no cached road graph for bbox {bbox} in {cache}, and downloading is off (allow_download=False)"
        raise ValueError(msg)
    with _osmnx_settings(
        overpass_rate_limit=False, requests_timeout=int(timeout_s), use_cache=True, cache_folder=str(cache / "http")
    ):
        g = ox.graph_from_bbox(bbox, network_type=network_type)
    cache.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(g, cached)
    return g


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Set osmnx's (process-wide) settings for one call only, and restore them afterwards.

    osmnx reads its options from the module ``osmnx.settings``; geomap never leaves its own
    values there. The lock keeps two sessions' downloads from interleaving their settings.
    """
    from osmnx import settings as ox_settings

    with _OSMNX_LOCK:
        saved = {key: getattr(ox_settings, key) for key in values}
        try:
            for key, value in values.items():
                setattr(ox_settings, key, value)
            yield
        finally:
            for key, value in saved.items():
                setattr(ox_settings, key, value)


def _with_travel_times(graph, default_speed_kph: float):
    import osmnx as ox

    g = ox.routing.add_edge_speeds(graph, fallback=float(default_speed_kph))
    return ox.routing.add_edge_travel_times(g)


def travel_time_catchments(
    graph,
    providers: gpd.GeoDataFrame,
    *,
    minutes: float,
    default_speed_kph: float = 40.0,
) -> gpd.GeoDataFrame:
    """Area reachable by road within ``minutes`` of each provider.

    The area is the convex hull of the graph nodes reached within the budget and of the shapes
    of the edges between them.

    Parameters
    ----------
    graph
        A networkx MultiDiGraph from :func:`load_road_graph`.
    providers
        Provider points; each is snapped to its nearest graph node.
    minutes
        Travel-time budget.
    default_speed_kph
        Speed for roads whose type has no ``maxspeed`` to impute from.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed like ``providers``: ``minutes``, ``nodes_reached``, ``snap_m`` (distance from the
        provider to the graph) and the polygon (EPSG:4326; a point or line when fewer than three
        nodes are reached).
    """
    import networkx as nx
    import osmnx as ox

    if minutes is None or not np.isfinite(minutes) or minutes <= 0:
        msg = f"minutes must be a positive number, got {minutes!r}"
        raise ValueError(msg)
    g = _with_travel_times(graph, default_speed_kph)
    xy = _distance.point_coords(providers)
    keep = [c for c in _KEEP if c in providers.columns]
    if len(xy) == 0:
        return gpd.GeoDataFrame({**{c: [] for c in keep}, "minutes": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    nodes, snap = ox.distance.nearest_nodes(g, xy[:, 0], xy[:, 1], return_dist=True)
    node_x = nx.get_node_attributes(g, "x")
    node_y = nx.get_node_attributes(g, "y")
    geoms = []
    reached = []
    for node in nodes:  # one Dijkstra per provider (providers are few; demand points never loop)
        lengths = nx.single_source_dijkstra_path_length(g, node, cutoff=minutes * 60.0, weight="travel_time")
        coords = [(node_x[n], node_y[n]) for n in lengths]
        for _, _, geom in g.subgraph(lengths).edges(data="geometry"):
            if geom is not None:  # simplified edges carry their shape
                coords.extend(geom.coords)
        geoms.append(shapely.convex_hull(shapely.multipoints(coords)))
        reached.append(len(lengths))
    out = gpd.GeoDataFrame(providers[keep].copy(), geometry=geoms, crs="EPSG:4326", index=providers.index)
    out["minutes"] = float(minutes)
    out["nodes_reached"] = reached
    out["snap_m"] = np.asarray(snap, dtype=float)
    return out


def travel_time_to_nearest(
    graph,
    providers: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    default_speed_kph: float = 40.0,
) -> pd.Series:
    """Road travel time (minutes) from every point to its nearest provider (one multi-source Dijkstra).

    Points and providers are snapped to their nearest graph nodes; unreachable points get NaN.
    """
    import networkx as nx
    import osmnx as ox

    g = _with_travel_times(graph, default_speed_kph)
    if len(providers) == 0 or len(points) == 0:
        return pd.Series(np.nan, index=points.index, name="travel_min")
    sxy = _distance.point_coords(providers)
    pxy = _distance.point_coords(points)
    sources = set(ox.distance.nearest_nodes(g, sxy[:, 0], sxy[:, 1]))
    # travel *to* a provider: run from the providers on the reversed graph
    lengths = nx.multi_source_dijkstra_path_length(g.reverse(copy=False), sources, weight="travel_time")
    pnodes = ox.distance.nearest_nodes(g, pxy[:, 0], pxy[:, 1])
    secs = pd.Series(pnodes, index=points.index).map(lengths).astype(float)
    return (secs / 60.0).rename("travel_min")


def travel_time_from(
    graph,
    lon: float,
    lat: float,
    targets: gpd.GeoDataFrame,
    *,
    default_speed_kph: float = 40.0,
) -> pd.Series:
    """Road travel time (minutes) from one start point to every target (one Dijkstra).

    The start and the targets are snapped to their nearest graph nodes. Targets without a
    point, or not reachable on the graph, get NaN.

    Parameters
    ----------
    graph
        A road graph from :func:`load_road_graph`.
    lon, lat
        The start point (EPSG:4326).
    targets
        Points (e.g. referral candidates); rows without geometry are allowed.
    default_speed_kph
        Speed for roads with no ``maxspeed`` or typical speed.
    """
    import networkx as nx
    import osmnx as ox

    out = pd.Series(np.nan, index=targets.index, name="travel_min")
    has = targets.geometry.notna() & ~targets.geometry.is_empty
    if not has.any():
        return out
    g = _with_travel_times(graph, default_speed_kph)
    start = ox.distance.nearest_nodes(g, float(lon), float(lat))
    lengths = nx.single_source_dijkstra_path_length(g, start, weight="travel_time")
    xy = _distance.point_coords(targets[has])
    nodes = ox.distance.nearest_nodes(g, xy[:, 0], xy[:, 1])
    secs = pd.Series(nodes, index=targets.index[has]).map(lengths).astype(float)
    out.loc[has] = secs / 60.0
    return out

