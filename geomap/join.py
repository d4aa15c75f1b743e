"""Point-in-polygon assignment of many points to admin units, at the vectorised limit.

:func:`assign_units` answers "which unit holds each point?" for arrays of longitudes and
latitudes, with no Python loop over points or units:

1. the units go into a :class:`shapely.STRtree` (built once; pass it back in with ``index=`` to
   reuse it across calls, see :func:`build_index`);
2. one bulk :meth:`shapely.STRtree.query` (no predicate) gives every point's candidate units by
   envelope, then one :func:`shapely.intersects_xy` call tests all candidate pairs exactly on
   *prepared* unit polygons (:func:`shapely.prepare`: a prepared polygon answers
   point-in-polygon from a cached edge index). This is twice as fast as
   ``STRtree.query(points, predicate="intersects")``, which prepares the points instead of the
   polygons. Preparing caches an index on the unit geometry objects (no visible change);
3. a point on a border shared by two units goes to the unit that comes *first* in ``units``
   (deterministic), and points outside every unit, or with a missing/non-finite coordinate, get
   ``-1``.

``benchmarks/run.py`` measures this against the hand-assembled limit (bulk envelope query plus
:func:`shapely.contains_xy` over prepared polygons): it runs at the same speed.

:func:`nearest_units` answers "which unit is nearest, and how far?" for points outside every
unit, in the units' own (projected) CRS, with the same exact distances and the same answers as
the units' STRtree nearest query, from an index of the units' boundary segments
(:func:`build_boundary_index`): a point is compared with the few segments near it instead of
with whole polygons.

Everything else here is EPSG:4326 (lon/lat), like everything handed between geomap modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["BoundaryIndex", "assign_units", "build_boundary_index", "build_index", "nearest_units"]

UnitsLike = gpd.GeoDataFrame | gpd.GeoSeries | Sequence[shapely.Geometry] | np.ndarray


def _geometries(units: UnitsLike) -> np.ndarray:
    """The unit geometries as an object array (EPSG:4326 checked)."""
    if isinstance(units, gpd.GeoDataFrame | gpd.GeoSeries):
        crs = units.crs
        if crs is not None and not crs.equals("EPSG:4326"):
            msg = f"units are in {crs.to_string()}; assign_units needs EPSG:4326 (use units.to_crs('EPSG:4326'))"
            raise ValueError(msg)
        geoms = np.asarray(units.geometry.array if isinstance(units, gpd.GeoDataFrame) else units.array, dtype=object)
    else:
        geoms = np.asarray(units, dtype=object)
        if geoms.ndim != 1:
            msg = f"units must be a 1-D sequence of geometries, got an array of shape {geoms.shape}"
            raise ValueError(msg)
    bad = np.flatnonzero(~shapely.is_geometry(geoms) & ~shapely.is_missing(geoms))
    if bad.size:
        msg = f"units[{bad[0]}] is {geoms[bad[0]]!r}, not a shapely geometry"
        raise ValueError(msg)
    return geoms


def build_index(units: UnitsLike) -> shapely.STRtree:
    """A spatial index of the units for :func:`assign_units` (reuse it across calls).

    Missing or empty geometries are kept in place (so tree positions equal unit positions)
    and never match.

    Parameters
    ----------
    units
        GeoDataFrame/GeoSeries (EPSG:4326) or a 1-D sequence of shapely geometries.

    Returns
    -------
    shapely.STRtree
        The tree; its ``geometries`` are the units in order.
    """
    return shapely.STRtree(_geometries(units))


def assign_units(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    units: UnitsLike,
    *,
    index: shapely.STRtree | None = None,
    points: np.ndarray | None = None,
) -> np.ndarray:
    """Position (0-based, in ``units`` order) of the unit holding each point; ``-1`` if none.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes (EPSG:4326), same length. ``NaN``/``inf`` give ``-1``.
    units
        Admin units: GeoDataFrame/GeoSeries in EPSG:4326, or a 1-D sequence of (Multi)Polygons.
    index
        A tree from :func:`build_index` for these same ``units``, to skip rebuilding it.
    points
        The same points as shapely Points (``None`` where ``lon``/``lat`` is not finite), when
        the caller holds them already: they are not built again. Only their envelopes are used;
        the exact test reads ``lon``/``lat``.

    Returns
    -------
    numpy.ndarray
        ``int64`` array, one entry per point: the position of its unit in ``units`` (use
        ``units.iloc[pos]``), or ``-1`` for points outside every unit. A point on a shared
        border, or inside overlapping units, goes to the first such unit in ``units``.

    Raises
    ------
    ValueError
        If ``lon`` and ``lat`` differ in length, ``units`` is not in EPSG:4326, or ``index``
        does not hold as many geometries as ``units``.

    Examples
    --------
    >>> from shapely import box
    >>> assign_units([0.5, 5.0], [0.5, 5.0], [box(0, 0, 1, 1), box(2, 2, 3, 3)]).tolist()
    [0, -1]
    """
    x = np.asarray(lon, dtype="float64").ravel()
    y = np.asarray(lat, dtype="float64").ravel()
    if x.shape != y.shape:
        msg = f"lon and lat must have the same length, got {x.size} and {y.size}"
        raise ValueError(msg)
    if points is not None and len(points) != x.size:
        msg = f"points must hold one point per lon/lat, got {len(points)} for {x.size}"
        raise ValueError(msg)
    if index is None:
        index = build_index(units)
    else:
        n_units = len(units)
        if len(index.geometries) != n_units:
            msg = f"index holds {len(index.geometries)} geometries but units has {n_units}; build it with build_index(units)"
            raise ValueError(msg)
        if isinstance(units, gpd.GeoDataFrame | gpd.GeoSeries):
            _geometries(units)  # the CRS check
    result = np.full(x.size, -1, dtype="int64")
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.all():
        at = np.flatnonzero(finite)
        points = shapely.points(x[at], y[at]) if points is None else np.asarray(points, dtype=object)[at]
    else:
        at = None
        points = shapely.points(x, y) if points is None else np.asarray(points, dtype=object)
    if points.size == 0:
        return result
    # Envelope candidates in one bulk query, then the exact test over all candidate pairs in
    # one call on prepared polygons (faster than query(predicate=...), which prepares the
    # *points*, not the polygons).
    inp, hit = index.query(points)
    if inp.size == 0:
        return result
    geoms = index.geometries
    shapely.prepare(geoms)
    px = x[inp] if at is None else x[at[inp]]
    py = y[inp] if at is None else y[at[inp]]
    inside = shapely.intersects_xy(geoms[hit], px, py)
    inp, hit = inp[inside], hit[inside]
    if inp.size == 0:
        return result
    if at is not None:
        inp = at[inp]
    if np.bincount(inp).max() > 1:
        # Shared borders / overlaps: keep the first unit in ``units`` order for each point.
        order = np.lexsort((hit, inp))
        inp, hit = inp[order], hit[order]
        inp, first = np.unique(inp, return_index=True)
        hit = hit[first]
    result[inp] = hit
    return result


class BoundaryIndex:
    """The units' boundary segments in an STRtree, for :func:`nearest_units`.

    Attributes
    ----------
    tree
        STRtree of two-point LineStrings, one per boundary segment (rings of holes included), or
        ``None`` when a unit is not made of polygons (then :func:`nearest_units` asks the units).
    unit_of
        Position of each segment's unit in ``units``.
    """

    def __init__(self, tree: shapely.STRtree | None, unit_of: np.ndarray) -> None:
        self.tree = tree
        self.unit_of = unit_of


def build_boundary_index(units: gpd.GeoDataFrame | gpd.GeoSeries) -> BoundaryIndex:
    """Index the boundary segments of ``units`` (any CRS) for :func:`nearest_units`.

    Every pair of consecutive vertices of every ring is one segment, zero-length ones included:
    the distance from a point outside a polygon to it is the least of the distances to these
    segments, computed by GEOS with the same arithmetic.
    """
    geoms = np.asarray(units.geometry.array if isinstance(units, gpd.GeoDataFrame) else units.array, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    if len(parts) and not (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON).all():
        return BoundaryIndex(None, np.zeros(0, dtype="int64"))
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    starts = np.flatnonzero(coord_of[:-1] == coord_of[1:])
    segments = shapely.linestrings(np.stack([coords[starts], coords[starts + 1]], axis=1)) if len(starts) else np.zeros(0, dtype=object)
    return BoundaryIndex(shapely.STRtree(segments), part_of[ring_of[coord_of[starts]]].astype("int64"))


def nearest_units(
    points: np.ndarray, units: gpd.GeoDataFrame | gpd.GeoSeries, *, index: BoundaryIndex | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest unit of each point and the distance to it, in the units' CRS.

    Parameters
    ----------
    points
        Object array of shapely Points in the CRS of ``units`` (``None`` for none).
    units
        The units (GeoDataFrame or GeoSeries), usually projected to metres.
    index
        Their :func:`build_boundary_index`: worth building for a few hundred points or more.
        Without it every point is compared with the units' polygons.

    Returns
    -------
    tuple of numpy.ndarray
        Unit positions (``int64``, ``-1`` for a missing point) and distances (``NaN`` there):
        what ``units.sindex.nearest(points, return_distance=True, return_all=False)`` gives.
        A point in or on a unit, or as near to two units, is answered by that query itself, so
        equal distances are broken as it breaks them.
    """
    pos = np.full(len(points), -1, dtype="int64")
    dist = np.full(len(points), np.nan)
    todo = np.flatnonzero(~shapely.is_missing(points))
    if not len(todo):
        return pos, dist
    pts = np.asarray(points, dtype=object)[todo]
    ask = np.ones(len(todo), dtype=bool)  # answered by the units' own query
    if index is not None and index.tree is not None and len(index.tree.geometries) and len(units):
        ask, near, d = _nearest_segments(pts, units, index)
        pos[todo[~ask]], dist[todo[~ask]] = near[~ask], d[~ask]
    if ask.any():
        (inp, tree), d = units.sindex.nearest(pts[ask], return_distance=True, return_all=False)
        back = todo[np.flatnonzero(ask)]
        pos[back[inp]] = tree
        dist[back[inp]] = d
    return pos, dist


def _nearest_segments(
    pts: np.ndarray, units: gpd.GeoDataFrame | gpd.GeoSeries, index: BoundaryIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's unit and distance by its nearest boundary segments, and where the units' own
    query must answer instead: a point as near to two units, in or on a unit, or empty."""
    (inp, seg), d = index.tree.query_nearest(pts, return_distance=True, all_matches=True)
    unit = index.unit_of[seg]
    first = np.unique(inp, return_index=True)[1]
    near = np.full(len(pts), -1, dtype="int64")
    dist = np.full(len(pts), np.nan)
    near[inp[first]], dist[inp[first]] = unit[first], d[first]
    ask = np.ones(len(pts), dtype=bool)
    ask[inp[first]] = False
    pairs = np.unique(np.stack([inp, unit]), axis=1)  # (point, unit) pairs, sorted by point
    ask[pairs[0][1:][np.diff(pairs[0]) == 0]] = True  # equally near segments of two units
    # in or on a unit: envelope candidates, then the exact test on prepared polygons
    cand, hit = units.sindex.query(pts)
    geoms = np.asarray(units.geometry.array if isinstance(units, gpd.GeoDataFrame) else units.array, dtype=object)[hit]
    shapely.prepare(geoms)
    ask[cand[shapely.intersects(geoms, pts[cand])]] = True
    return ask | shapely.is_empty(pts), near, dist
