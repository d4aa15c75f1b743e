"""Catchment (buffer) polygons around public sites, drawn as one GeoJson layer.

A catchment pins its site down as surely as a marker does, so the same rule applies as for
:func:`geomap.layers.markers.marker_layer`: buffers of confidential records are refused.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import shapely

from geomap.directory import privacy, schema
from geomap.layers.choropleth import lean_geometries, tooltip_mapping

__all__ = ["catchment_layer"]


def catchment_layer(
    buffers: gpd.GeoDataFrame,
    *,
    name: str = "Catchments",
    label_column: str | None = None,
    tooltip_columns: Mapping[str, str] | Sequence[str] | None = None,
    color: str = "#1d4e89",
    fill_opacity: float = 0.12,
    precision: int = 5,
    role: str = privacy.PUBLIC,
) -> folium.GeoJson:
    """Draw buffer polygons (e.g. from ``geomap.analysis.catchments``) as a layer.

    Parameters
    ----------
    buffers
        Polygons in EPSG:4326 (other CRSs are reprojected). A ``confidential`` column with a true
        value makes this raise.
    name
        Layer name in a layer control.
    label_column
        Column used as the tooltip's first (bold) line.
    tooltip_columns
        Extra tooltip lines: column names, or ``{column: label}``. All text is HTML-escaped.
    color, fill_opacity
        Outline/fill colour and fill opacity.
    precision
        Decimals kept in coordinates.
    role
        The session's role; only a role that may see confidential records (partner, editor)
        may draw catchments of confidential records.

    Raises
    ------
    ValueError
        If a named column is missing, or a buffer belongs to a confidential record and ``role``
        may not see confidential records.
    """
    extra = tooltip_mapping(tooltip_columns)
    for col in ([label_column] if label_column else []) + list(extra):
        if col not in buffers.columns:
            msg = f"column {col!r} is not in the catchments table (columns: {', '.join(map(str, buffers.columns))})"
            raise ValueError(msg)
    if "confidential" in buffers.columns and not privacy.can_see_confidential(role):
        conf = buffers["confidential"].map(lambda v: schema.parse_bool(v) is True)
        if conf.any():
            msg = (
                f"{int(conf.sum())} catchment(s) belong to confidential records (first at index "
                f"{buffers.index[conf][0]!r}); draw catchments of public records only"
            )
            raise ValueError(msg)
    shown = buffers[buffers.geometry.notna() & ~buffers.geometry.is_empty]
    geoms = lean_geometries(shown.geometry, precision=precision)
    features = []
    for idx, row in shown.iterrows():
        lines = []
        if label_column:
            lines.append(f"<b>{html.escape(str(row[label_column]))}</b>")
        for col, lab in extra.items():
            lines.append(f"{html.escape(str(lab))}: {html.escape(str(row[col]))}")
        props = {"tip": "<br>".join(lines)} if lines else {}
        features.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geoms.loc[idx])}
        )
    style = {"color": color, "weight": 1.5, "fillColor": color, "fillOpacity": fill_opacity, "dashArray": "4 3"}
    # Plain GeoJSON on purpose (not encoding.CompactGeoJson): catchments pin sites down, and the
    # leak checks (tests/leaks) look for site coordinates as text.
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda _: style,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True) if extra or label_column else None,
    )
