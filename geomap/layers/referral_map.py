"""The referral map: the start, the located partners (public view) and a straight line to each.

Public searches hold no located confidential record (:func:`geomap.analysis.referral.publish_referrals`
removed them); a partner's view draws them as plain circles. Unit outlines orient the reader and
take no clicks, so a click reaches the map (it sets a new start on the Referral page).
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from geomap.directory import privacy
from geomap.i18n import _
from geomap.layers import assets, basemap, choropleth, legend, markers

__all__ = ["outline_features", "referral_map"]

_OUTLINE_STYLE = {"color": "#9aa5b1", "weight": 1, "fill": False}


def outline_features(units: gpd.GeoDataFrame) -> dict:
    """Simplified unit outlines as a GeoJSON FeatureCollection (no properties)."""
    geoms = choropleth.lean_geometries(units.geometry, precision=4, simplify_tolerance=0.01)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)}
        for g in geoms if g is not None and not g.is_empty
    ]}


def _bounds(units: gpd.GeoDataFrame, shown: gpd.GeoDataFrame, start: Any) -> list[list[float]]:
    minx, miny, maxx, maxy = units.total_bounds
    if start is None:
        return [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    lats = [start.lat, *shown.geometry.y.tolist()] if len(shown) else [start.lat]
    lons = [start.lon, *shown.geometry.x.tolist()] if len(shown) else [start.lon]
    pad = 0.1
    return [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]


def referral_map(
    published: gpd.GeoDataFrame,
    start: Any,
    units: gpd.GeoDataFrame,
    *,
    role: str,
    outlines: dict | None = None,
    boundary_source: str = "",
) -> folium.Map:
    """Offline map: the start, the located partners (public view) and a line to each.

    Parameters
    ----------
    published
        :func:`geomap.analysis.referral.publish_referrals` output for ``role``.
    start
        A :class:`geomap.analysis.referral.Start` (``lat``, ``lon``, ``label``), or ``None``.
    units
        The country's units (outlines and the default frame).
    role
        The viewer's role; confidential rows are drawn only when it may see them.
    outlines
        :func:`outline_features` of ``units`` (the page caches it); computed when omitted.
    boundary_source
        The boundaries' source; the map credits its first words (the vintage, licence and full
        source go in the page's "Sources" under the map).
    """
    shown = published[published.geometry.notna() & ~published.geometry.is_empty] if len(published) else published
    fmap = assets.offline_map(bounds=_bounds(units, shown, start), max_zoom=14)
    basemap.add_basemap(fmap, units, source=boundary_source)
    folium.GeoJson(outlines if outlines is not None else outline_features(units),
                   style_function=lambda _: dict(_OUTLINE_STYLE),
                   interactive=False, control=False, name=_("States")).add_to(fmap)
    if start is None:
        return fmap
    lines = folium.FeatureGroup(name=_("Routes (straight line)"))
    for row in shown.itertuples():
        folium.PolyLine([(start.lat, start.lon), (row.geometry.y, row.geometry.x)], color="#1d4e89", weight=2,
                        opacity=0.7, dash_array="6 4").add_to(lines)
    lines.add_to(fmap)
    conf = privacy.is_confidential(shown) if len(shown) else pd.Series(dtype=bool)
    public_rows = shown[~conf] if len(shown) else shown
    if len(public_rows):
        layer_input = gpd.GeoDataFrame(public_rows.drop(columns=["group", "distance", "rank"], errors="ignore"),
                                       geometry=public_rows.geometry.name, crs="EPSG:4326")
        markers.marker_layer(layer_input, cluster=False, name=_("Partners")).add_to(fmap)
    # Only a partner view still holds located confidential rows (publish_referrals removed them otherwise).
    if len(shown) and conf.any() and privacy.can_see_confidential(role):
        for row in shown[conf].itertuples():
            folium.CircleMarker((row.geometry.y, row.geometry.x), radius=7, color="#6a1b9a", fill=True,
                                fill_opacity=0.9, tooltip=html.escape(f"{row.display_name} — {row.distance}")).add_to(fmap)
    folium.CircleMarker((start.lat, start.lon), radius=8, color="#b00020", fill=True, fill_opacity=1,
                        tooltip=_("Start: {place}").format(place=start.label)).add_to(fmap)
    symbols = [("dot", "#b00020", _("Starting point")), ("dot", "#e8590c", _("Partner (public location)")),
               ("line", "#1d4e89", _("Straight line to a partner"))]
    if len(shown) and conf.any() and privacy.can_see_confidential(role):
        symbols.append(("dot", "#6a1b9a", _("Confidential site (partners only)")))
    legend.symbol_legend(_("On this map"), symbols).add_to(fmap)  # every symbol explained
    return fmap
