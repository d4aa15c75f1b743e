"""The coverage map: choropleth of a coverage measure, legend, context and provider markers.

Arranges results only: the numbers come from :func:`geomap.analysis.coverage.coverage_by_unit`
and the markers from a view of the directory (public unless the session is a partner's).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geomap import i18n
from geomap.directory import disclosure, privacy
from geomap.i18n import N_, _
from geomap.layers import assets, basemap, choropleth, legend, live, markers

__all__ = [
    "DISPLAY_PRECISION",
    "DISPLAY_TOLERANCE",
    "MAX_DISPLAY_SHIFT_M",
    "build_coverage_map",
    "coverage_base",
    "coverage_layers",
    "coverage_update",
    "display_geometry",
    "map_bounds",
]

#: The coverage map's marks besides the shading (each has a legend entry).
MARKER_SYMBOLS = (
    ("dot", "#e8590c", N_("Provider (public location)")),
    ("cluster", "#c44808", N_("Nearby providers grouped: the number says how many")),
)

_FORMATS = {"providers": "{:,.0f}", "capacity": "{:,.0f}", "per_100k": "{:,.2f}", "capacity_per_100k": "{:,.1f}"}
#: Display simplification (degrees), topology-preserving (:func:`shapely.coverage_simplify`:
#: shared borders stay shared, no gaps or overlaps). Visvalingam-Whyatt has no distance bound,
#: so :func:`display_geometry` checks the result and halves the tolerance until every vertex
#: stays within :data:`MAX_DISPLAY_SHIFT_M` (0.004 moved Quintana Roo's coast by ~890 m).
DISPLAY_TOLERANCE = 0.002
#: Decimals of shipped coordinates (1e-4 degree: at most ~8 m of rounding) where
#: :data:`DISPLAY_GRID` cannot be used.
DISPLAY_PRECISION = 4
#: Grid the shipped coordinates are rounded to (degrees; 0.0005 moves a vertex at most ~39 m,
#: within :data:`MAX_DISPLAY_SHIFT_M`, which is checked after rounding). The page encoder
#: (:func:`geomap.layers.encoding.lossless_scale`) then needs fewer digits per vertex. If the
#: rounded shapes are not a valid coverage, :func:`display_geometry` keeps
#: :data:`DISPLAY_PRECISION` instead.
DISPLAY_GRID = 0.0005
#: Largest distance (m) an original vertex may lie from the shipped boundary, rounding included
#: (``hausdorff_m`` in ``benchmarks/results.json``; the issue's limit is 500 m).
MAX_DISPLAY_SHIFT_M = 450.0
_M_PER_DEGREE = 111_320.0  # a degree of latitude (and at most one of longitude), in metres


def map_bounds(units: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the units (for fitting the map)."""
    minx, miny, maxx, maxy = units.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _max_shift_m(original: np.ndarray, shipped: np.ndarray) -> float:
    """Upper bound (m) of how far an original vertex lies from its shipped unit's boundary."""
    coords, which = shapely.get_coordinates(original, return_index=True)
    if not len(coords):
        return 0.0
    rings = shapely.boundary(shipped)[which]
    # Degrees to metres with the latitude scale: an upper bound for any direction.
    return float(np.nanmax(shapely.distance(shapely.points(coords), rings))) * _M_PER_DEGREE


def _valid_coverage(geoms: np.ndarray) -> bool:
    """Every shape valid and no gaps/overlaps between them (as the originals, when those are clean)."""
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    return bool(shapely.is_valid(present).all()) and bool(shapely.coverage_is_valid(present))


def display_geometry(
    units: gpd.GeoDataFrame, *, max_shift_m: float = MAX_DISPLAY_SHIFT_M, grid: float | None = DISPLAY_GRID
) -> gpd.GeoSeries:
    """The units' geometries as the map ships them: coverage-simplified and rounded.

    Starts at :data:`DISPLAY_TOLERANCE` and halves it (at most four times, then ships the
    unsimplified rounded shapes) until no original vertex lies more than ``max_shift_m`` from
    the shipped boundary (rounding included). Coordinates are rounded to ``grid`` degrees
    (:data:`DISPLAY_GRID`), or to :data:`DISPLAY_PRECISION` decimals where that grid would
    make a shape invalid or open gaps/overlaps that the originals do not have (``grid=None``:
    always the decimals). Pure function of the geometries; pages may cache it per country and
    pass it to :func:`build_coverage_map` (``display=``).
    """
    geoms = units.geometry
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    original = geoms.to_numpy()
    clean = grid is not None and _valid_coverage(original)

    def lean(tolerance: float | None) -> gpd.GeoSeries:
        if clean:
            snapped = choropleth.lean_geometries(
                geoms, precision=DISPLAY_PRECISION, simplify_tolerance=tolerance, grid=grid
            )
            if _valid_coverage(snapped.to_numpy()):
                return snapped
        return choropleth.lean_geometries(geoms, precision=DISPLAY_PRECISION, simplify_tolerance=tolerance)

    tolerance = DISPLAY_TOLERANCE
    for _attempt in range(5):
        shapes = lean(tolerance)
        if _max_shift_m(original, shapes.to_numpy()) <= max_shift_m:
            return shapes
        tolerance /= 2
    return lean(None)


def build_coverage_map(
    units: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    view: gpd.GeoDataFrame,
    *,
    measure: str = "providers",
    measure_label: str | None = None,
    boundary_source: str = "",
    online_tiles: bool = False,
    asset_base: str = assets.DEFAULT_ASSET_BASE,
    display: gpd.GeoSeries | None = None,
    role: str = privacy.PUBLIC,
    arc_cache: MutableMapping[tuple[str, int], Any] | None = None,
) -> folium.Map:
    """Build the coverage map.

    Parameters
    ----------
    units
        Admin units (geometry, ``code``, ``name``).
    coverage
        Output of :func:`geomap.analysis.coverage.coverage_by_unit` for those units.
    view
        The directory as the session may see it (``public_view`` for anonymous sessions); only
        rows with a geometry become markers.
    measure
        Column of ``coverage`` to shade by.
    measure_label
        Legend title (name the census year for per-capita measures).
    boundary_source
        Attribution line for the boundaries (source and vintage).
    online_tiles
        Offer an online basemap as a switchable, default-off layer.
    asset_base
        URL prefix of the vendored Leaflet assets.
    display
        :func:`display_geometry` of ``units`` if already computed (e.g. cached by the page);
        computed here otherwise. Both the choropleth and the country outline (drawn from the
        choropleth's outer borders) use it.
    role
        The session's role; confidential sites are drawn only for partners and editors (and
        then only if ``view`` holds them).
    arc_cache
        A mapping the caller keeps between calls (e.g. one per Streamlit session): the units'
        encoded borders are kept there and reused while the shapes stay the same, so a filter
        change does not rebuild them (see :class:`geomap.layers.encoding.CompactGeoJson`).
    """
    fmap, groups = coverage_layers(
        units,
        coverage,
        view,
        measure=measure,
        measure_label=measure_label,
        boundary_source=boundary_source,
        online_tiles=online_tiles,
        asset_base=asset_base,
        display=display,
        role=role,
        arc_cache=arc_cache,
    )
    for group in groups:
        group.add_to(fmap)
    return fmap


def _tooltip_columns(joined: pd.DataFrame, measure: str) -> dict[str, str]:
    """Adds the tooltip lines besides the measure to ``joined`` (in place); returns them.

    Written as people read them ("2,845,380"); a unit without a census figure says "no data",
    never 0. A published (public) table's text — a band such as "4–6" — is shown as it is.
    """
    tooltips = {"providers": _("Providers"), "population": _("Population")}
    t = i18n.current()
    for col in tooltips:
        if col in joined.columns:
            if not pd.api.types.is_numeric_dtype(joined[col]):
                joined[f"_tip_{col}"] = joined[col].map(lambda v: "no data" if v is None or v != v else str(v))
                continue
            values = pd.to_numeric(joined[col], errors="coerce")
            joined[f"_tip_{col}"] = [t.number(v, digits=0) for v in values]
    return {f"_tip_{k}": v for k, v in tooltips.items() if k != measure and k in joined.columns}


def _shading_columns(joined: pd.DataFrame, measure: str) -> dict[str, Any]:
    """What a choropleth of ``measure`` reads of a coverage table.

    A published table (:func:`geomap.analysis.coverage.published_coverage`) is shaded by the
    measure's known part (``<measure>_known``: the lower bound of a banded unit), its text (a
    band, a range) is the tooltip's value and banded units are outlined; a table of plain
    numbers is shaded by the measure itself.
    """
    if disclosure.BANDED_COLUMN in joined.columns and f"{measure}_known" in joined.columns:
        return {"values_column": f"{measure}_known", "text_column": measure, "banded_column": disclosure.BANDED_COLUMN}
    return {"values_column": measure}


def _banded_legend(joined: pd.DataFrame) -> tuple[str, int] | None:
    if disclosure.BANDED_COLUMN not in joined.columns:
        return None
    n = int(joined[disclosure.BANDED_COLUMN].fillna(False).astype(bool).sum())
    k = joined.attrs.get("disclosure_k")
    label = _("dashed: {band} confidential sites (exact count withheld); shaded by the figure shown exactly").format(band=disclosure.band_label(k))
    return (label, n) if n else None


def _located_mask(view: gpd.GeoDataFrame) -> np.ndarray:
    """Which records of ``view`` have a location (the ones drawn as markers)."""
    geoms = np.asarray(view.geometry.array, dtype=object) if len(view) else np.empty(0, dtype=object)
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _located(view: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The records of ``view`` that have a location (the ones drawn as markers)."""
    return view if not len(view) else view[_located_mask(view)]


def coverage_base(
    units: gpd.GeoDataFrame,
    view: gpd.GeoDataFrame,
    *,
    boundary_source: str = "",
    online_tiles: bool = False,
    asset_base: str = assets.DEFAULT_ASSET_BASE,
    display: gpd.GeoSeries | None = None,
    role: str = privacy.PUBLIC,
    arc_cache: MutableMapping[tuple[str, int], Any] | None = None,
) -> folium.Map:
    """The coverage map without a filter state: what stays while the filters change.

    Frame, attribution, the units' shapes with the country outline (unshaded, registered as
    :data:`geomap.layers.live.UNITS`), a marker for every located record of ``view``
    (registered as :data:`geomap.layers.live.MARKERS`) and
    :class:`~geomap.layers.live.LiveUpdates`. A state comes from :func:`coverage_update`
    (pages send it to the map, files get it with
    :func:`geomap.layers.live.page_with_update`). Arguments as :func:`build_coverage_map`;
    ``view`` is what the session may see (a public view unless the role may see
    confidential records), *before* any filter: the filter only chooses which of its markers
    are shown.
    """
    if display is None:
        display = display_geometry(units)
    shown_units = units[["code", "name"]].set_geometry(display.set_axis(units.index), crs="EPSG:4326")
    fmap = assets.offline_map(bounds=map_bounds(units), online_tiles=online_tiles, asset_base=asset_base)
    basemap.add_basemap(fmap, shown_units, source=boundary_source, outline=False)
    blank = shown_units.assign(_geomap_blank=np.nan)
    choropleth.choropleth_layer(
        blank,
        "_geomap_blank",
        label="",
        precision=DISPLAY_PRECISION,
        outline_style=basemap.OUTLINE_STYLE,
        arc_cache=arc_cache,
        register_as=live.UNITS,
    ).add_to(fmap)
    points = _located(view)
    if len(points):
        providers = folium.FeatureGroup(name=_("Providers"), control=False)
        markers.marker_layer(points, role=role, register_as=live.MARKERS).add_to(providers)
        providers.add_to(fmap)
    live.LiveUpdates().add_to(fmap)
    return fmap


def coverage_update(
    units: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    view: gpd.GeoDataFrame,
    *,
    visible: pd.Index | None = None,
    measure: str = "providers",
    measure_label: str | None = None,
    caption: str | None = None,
) -> dict[str, Any]:
    """One filter state of a :func:`coverage_base` map (see :mod:`geomap.layers.live`).

    Parameters
    ----------
    units
        The units the base was built with.
    coverage
        :func:`geomap.analysis.coverage.coverage_by_unit` for this filter.
    view
        The view the base was built with.
    visible
        Index labels of the ``view`` records this filter keeps (``None``: all).
    measure, measure_label
        As :func:`build_coverage_map`.
    caption
        A line under the legend (e.g. what the filter keeps).

    Returns
    -------
    dict
        ``{"shade", "legend", "markers"}``: the shading of the units (the same classes, colours
        and tooltips :func:`build_coverage_map` draws), the legend and the positions of the
        markers to show among the base's markers (``None``: all).
    """
    if measure not in coverage.columns:
        msg = f"measure {measure!r} is not a coverage column; choose one of {', '.join(_FORMATS)}"
        raise ValueError(msg)
    measure_label = _("Number of providers") if measure_label is None else measure_label
    # Units without a shape are not on the map (choropleth_layer leaves them out): they are
    # not classed or counted in the legend either.
    units = units[_located_mask(units)]
    # As build_coverage_map joins them (names from the coverage table); a table made for these
    # units (coverage_by_unit keeps their order) needs no join.
    if len(coverage) == len(units) and np.array_equal(coverage["code"].to_numpy(dtype=object), units["code"].to_numpy(dtype=object)):
        joined = coverage.copy()
    else:
        joined = pd.DataFrame({"code": units["code"].to_numpy()}).merge(coverage, on="code", how="left")
    joined.attrs = dict(coverage.attrs)
    shade, classification = choropleth.choropleth_shading(
        joined,
        label=measure_label,
        fmt=_FORMATS.get(measure, "{:,.2f}"),
        tooltip_columns=_tooltip_columns(joined, measure),
        **_shading_columns(joined, measure),
    )
    positions = None
    if visible is not None:
        keep = view.index[_located_mask(view)].isin(pd.Index(visible))
        if not keep.all():
            positions = np.flatnonzero(keep).tolist()
    return {
        "shade": shade,
        "legend": {
            **legend.legend_data(classification, title=measure_label, caption=caption, symbols=MARKER_SYMBOLS, banded=_banded_legend(joined)),
            "position": legend.corner(),
        },
        "markers": positions,
    }


def coverage_layers(
    units: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    view: gpd.GeoDataFrame,
    *,
    measure: str = "providers",
    measure_label: str | None = None,
    boundary_source: str = "",
    online_tiles: bool = False,
    asset_base: str = assets.DEFAULT_ASSET_BASE,
    display: gpd.GeoSeries | None = None,
    role: str = privacy.PUBLIC,
    arc_cache: MutableMapping[tuple[str, int], Any] | None = None,
) -> tuple[folium.Map, list[folium.FeatureGroup]]:
    """The coverage map as a base map and the layers that change with the filters.

    Same arguments as :func:`build_coverage_map`. The base map (frame, background, attribution)
    depends only on the units; the groups (choropleth with the country outline and its legend,
    provider markers) are *not* added to it (:func:`build_coverage_map` adds them). With
    streamlit-folium, pass them as ``st_folium(base, feature_group_to_add=groups, ...)`` to swap
    the groups inside the same map. The app's Coverage page re-shades in place instead
    (:func:`coverage_base` and :func:`coverage_update`), which sends neither shapes nor markers
    again.
    """
    if measure not in coverage.columns:
        msg = f"measure {measure!r} is not a coverage column; choose one of {', '.join(_FORMATS)}"
        raise ValueError(msg)
    measure_label = _("Number of providers") if measure_label is None else measure_label
    if display is None:
        display = display_geometry(units)
    shown_units = units[["code"]].set_geometry(display.set_axis(units.index), crs="EPSG:4326")
    joined = shown_units.merge(coverage, on="code", how="left")
    joined = gpd.GeoDataFrame(joined, geometry="geometry", crs="EPSG:4326")
    fmap = assets.offline_map(bounds=map_bounds(units), online_tiles=online_tiles, asset_base=asset_base)
    # The country outline is drawn by the choropleth from the units' own outer borders (no
    # second copy of them in the page); it travels with the shading when the layers are swapped.
    basemap.add_basemap(fmap, shown_units, source=boundary_source, outline=False)
    joined.attrs = dict(coverage.attrs)
    layer = choropleth.choropleth_layer(
        joined,
        label=measure_label,
        fmt=_FORMATS.get(measure, "{:,.2f}"),
        tooltip_columns=_tooltip_columns(joined, measure),
        **_shading_columns(joined, measure),
        precision=DISPLAY_PRECISION,
        outline_style=basemap.OUTLINE_STYLE,
        arc_cache=arc_cache,
    )
    shading = folium.FeatureGroup(name=measure_label, control=False)
    layer.add_to(shading)
    legend.legend_element(layer.classification, title=measure_label, symbols=MARKER_SYMBOLS, banded=_banded_legend(joined)).add_to(shading)
    groups = [shading]
    points = _located(view)
    if len(points):
        providers = folium.FeatureGroup(name=_("Providers"), control=False)
        markers.marker_layer(points, role=role).add_to(providers)
        groups.append(providers)
    return fmap, groups
