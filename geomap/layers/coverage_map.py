"""The coverage map: choropleth of a coverage measure, legend, context and provider markers.

Arranges results only: the numbers come from :func:`geomap.analysis.coverage.coverage_by_unit`
and the markers from a view of the directory (public unless the session is a partner's).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geomap.layers import assets, basemap, choropleth, legend, markers

__all__ = ["build_coverage_map", "map_bounds"]

_FORMATS = {"providers": "{:,.0f}", "capacity": "{:,.0f}", "per_100k": "{:,.2f}", "capacity_per_100k": "{:,.1f}"}
#: Display simplification (degrees, ~500 m at the equator), topology-preserving.
DISPLAY_TOLERANCE = 0.004


def map_bounds(units: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the units (for fitting the map)."""
    minx, miny, maxx, maxy = units.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def build_coverage_map(
    units: gpd.GeoDataFrame,
    coverage: pd.DataFrame,
    view: gpd.GeoDataFrame,
    *,
    measure: str = "providers",
    measure_label: str = "Number of providers",
    boundary_source: str = "",
    online_tiles: bool = False,
    asset_base: str = assets.DEFAULT_ASSET_BASE,
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
    """
    if measure not in coverage.columns:
        msg = f"measure {measure!r} is not a coverage column; choose one of {', '.join(_FORMATS)}"
        raise ValueError(msg)
    joined = units[["code", "geometry"]].merge(coverage, on="code", how="left")
    joined = gpd.GeoDataFrame(joined, geometry="geometry", crs=units.crs)
    fmap = assets.offline_map(bounds=map_bounds(units), online_tiles=online_tiles, asset_base=asset_base)
    basemap.add_basemap(fmap, units, source=boundary_source)
    tooltips = {"providers": "Providers", "population": "Population"}
    layer = choropleth.choropleth_layer(
        joined,
        measure,
        label=measure_label,
        fmt=_FORMATS.get(measure, "{:,.2f}"),
        tooltip_columns={k: v for k, v in tooltips.items() if k != measure},
        simplify_tolerance=DISPLAY_TOLERANCE,
    )
    layer.add_to(fmap)
    legend.legend_element(layer.classification, title=measure_label).add_to(fmap)
    points = view[view.geometry.notna() & ~view.geometry.is_empty] if len(view) else view
    if len(points):
        markers.marker_layer(points).add_to(fmap)
    return fmap
