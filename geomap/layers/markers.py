"""Provider markers: circle markers (no icon fonts) with escaped popups, optionally clustered.

:func:`marker_layer` takes a **public view** of the directory
(:func:`geomap.directory.privacy.public_view`) and refuses a table in which a confidential
record still has a location: a second lock behind the privacy module. Confidential records of a
public view have no geometry and are simply not drawn (they are counted in the aggregates).

All records are written as one compact JSON array and turned into Leaflet circle markers by a
few lines of script, rather than one folium element per record: the page stays small and fast
with thousands of providers. Every text that reaches the page is HTML-escaped in Python first.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlparse

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geomap.directory import privacy, schema
from geomap.layers.assets import LocalMarkerCluster

__all__ = ["CONFIDENTIAL_NOTICE", "DEFAULT_POPUP_FIELDS", "MARKER_CLASS", "marker_layer", "popup_html"]

#: CSS class of every provider marker's SVG path.
MARKER_CLASS = "geomap-provider"

#: Fields shown in a provider's popup, in order (all from :mod:`geomap.directory.schema`).
DEFAULT_POPUP_FIELDS: tuple[str, ...] = (
    "organisation",
    "service_types",
    "populations_served",
    "town",
    "admin1_name",
    "hours",
    "open_24h",
    "accepting_referrals",
    "referral_method",
    "front_door_contact",
    "phone",
    "email",
    "website",
    "languages",
    "last_verified",
)

#: Providers are orange: it stands out on every class of the (blue-green) choropleth.
_MARKER_STYLE = {
    "radius": 6,
    "color": "#ffffff",
    "weight": 1.5,
    "fillColor": "#e8590c",
    "fillOpacity": 0.95,
}
#: Fictional sample records: same colour, dashed dark outline.
_FICTIONAL_STYLE = {**_MARKER_STYLE, "color": "#1f2933", "weight": 1.2, "dashArray": "2 2"}
#: Confidential sites, drawn only for a signed-in partner or editor (``role=``).
_CONFIDENTIAL_STYLE = {**_MARKER_STYLE, "fillColor": "#b42318", "color": "#111827"}
#: Shown in the popup of a confidential site on a partner's map.
CONFIDENTIAL_NOTICE = "Confidential location: do not share outside partner organisations."

_CSS = """
.geomap-popup { font: 13px/1.4 sans-serif; color: #1f2933; }
.geomap-popup .geomap-popup-title { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
.geomap-popup .geomap-fictional { background: #f3e8ff; color: #4c1d95; padding: 2px 6px;
  border-radius: 3px; margin-bottom: 4px; font-size: 12px; }
.geomap-popup .geomap-confidential { background: #fee4e2; color: #7a271a; padding: 2px 6px;
  border-radius: 3px; margin-bottom: 4px; font-size: 12px; }
.geomap-popup table { border-collapse: collapse; }
.geomap-popup th { text-align: left; font-weight: 500; color: #52606d; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.geomap-popup td { padding: 1px 0; }
.marker-cluster-small, .marker-cluster-medium, .marker-cluster-large {
  background-color: rgba(232, 89, 12, 0.35); }
.marker-cluster-small div, .marker-cluster-medium div, .marker-cluster-large div {
  background-color: rgba(196, 72, 8, 0.92); color: #ffffff; font-weight: 600; }
"""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _field_text(name: str, value: Any) -> str:
    """Plain (unescaped) display text of one field value; ``""`` when blank."""
    if _missing(value):
        return ""
    kind = schema.field_by_name(name).kind if name in schema.FIELD_NAMES else "str"
    if name == "service_types":
        known, unknown = schema.parse_service_types(value)
        return ", ".join([schema.label(c, vocabulary="service") for c in known] + unknown)
    if name == "populations_served":
        known, unknown = schema.parse_populations(value)
        return ", ".join([schema.label(c, vocabulary="population") for c in known] + unknown)
    if kind == "list":
        return ", ".join(schema.parse_list(value))
    if kind == "bool":
        flag = schema.parse_bool(value)
        return "" if flag is None else ("Yes" if flag else "No")
    if kind == "date":
        parsed = schema.parse_date(value)
        return parsed.isoformat() if isinstance(parsed, date) else str(value)
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _label(name: str) -> str:
    return schema.field_by_name(name).label if name in schema.FIELD_NAMES else name


def _title(row: pd.Series) -> str:
    for col in ("display_name", "name"):
        text = _field_text(col, row.get(col))
        if text:
            return text
    return "Provider"


def popup_html(
    row: pd.Series, *, popup_fields: Sequence[str] = DEFAULT_POPUP_FIELDS, confidential: bool = False
) -> str:
    """The popup of one record: escaped title, fictional/confidential notices, field table."""
    parts = [f'<div class="geomap-popup"><div class="geomap-popup-title">{html.escape(_title(row))}</div>']
    if confidential:
        parts.append(f'<div class="geomap-confidential">{html.escape(CONFIDENTIAL_NOTICE)}</div>')
    if schema.parse_bool(row.get("fictional")) is True:
        parts.append(f'<div class="geomap-fictional">{html.escape(schema.FICTIONAL_NOTICE)}</div>')
    cells = []
    for name in popup_fields:
        text = _field_text(name, row.get(name))
        if not text:
            continue
        shown = html.escape(text)
        if name == "website" and urlparse(text).scheme in ("http", "https"):
            shown = f'<a href="{html.escape(text, quote=True)}" target="_blank" rel="noopener noreferrer">{shown}</a>'
        cells.append(f"<tr><th>{html.escape(_label(name))}</th><td>{shown}</td></tr>")
    if cells:
        parts.append("<table>" + "".join(cells) + "</table>")
    parts.append("</div>")
    return "".join(parts)


class _CircleMarkers(MacroElement):
    """Circle markers from a compact JSON array, added to the parent group (or cluster)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (target) {
            var rows = {{ this.rows|tojson }};
            var styles = {{ this.styles|tojson }};
            var layers = rows.map(function (r) {
                var marker = L.circleMarker([r[0], r[1]], styles[r[4]]);
                marker.bindTooltip(r[2]);
                marker.bindPopup(r[3], {maxWidth: 340});
                return marker;
            });
            if (typeof target.addLayers === "function") {
                target.addLayers(layers);
            } else {
                layers.forEach(function (layer) { target.addLayer(layer); });
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]]) -> None:
        super().__init__()
        self._name = "CircleMarkers"
        self.rows = rows
        self.styles = [
            {**style, "className": MARKER_CLASS} for style in (_MARKER_STYLE, _FICTIONAL_STYLE, _CONFIDENTIAL_STYLE)
        ]
        self.css = _CSS


def _check_public(directory: gpd.GeoDataFrame) -> None:
    geoms = directory.geometry
    located = geoms.notna() & ~geoms.is_empty
    leaking = privacy.is_confidential(directory) & located
    if leaking.any():
        where = []
        for idx in directory.index[leaking][:5]:
            row = directory.loc[idx]
            ref = f"index {idx!r}"
            if "id" in directory.columns and not _missing(row.get("id")):
                ref += f" (id {row['id']!s})"
            if "source_row" in directory.columns and not _missing(row.get("source_row")):
                ref += f" (source row {row['source_row']!s})"
            where.append(ref)
        msg = (
            f"marker_layer takes a public view only, but {int(leaking.sum())} confidential record(s) "
            f"still have a location: {'; '.join(where)}. Pass geomap.directory.privacy.public_view(directory)."
        )
        raise ValueError(msg)


def marker_layer(
    public_directory: gpd.GeoDataFrame,
    *,
    cluster: bool = True,
    popup_fields: Sequence[str] = DEFAULT_POPUP_FIELDS,
    name: str = "Providers",
    max_cluster_radius: int = 40,
    role: str = privacy.PUBLIC,
) -> folium.map.Layer:
    """Circle markers for the located records of a public-view directory.

    Parameters
    ----------
    public_directory
        Output of :func:`geomap.directory.privacy.public_view` (EPSG:4326, Point geometry;
        records without a geometry are not drawn).
    cluster
        Group nearby markers (Leaflet.markercluster, served locally). The map needs an explicit
        ``max_zoom`` (see :func:`geomap.layers.assets.offline_map`).
    popup_fields
        Schema fields shown in the popup, in order; blank values are left out.
    name
        Layer name in a layer control.
    max_cluster_radius
        Cluster radius in pixels.
    role
        The session's role (:data:`geomap.directory.privacy.ROLES`). Only a role that may see
        confidential records (partner, editor) may pass a full view
        (:func:`~geomap.directory.privacy.view_for_role`); its confidential sites are drawn in
        red with a do-not-share notice. Anything else must be a public view.

    Returns
    -------
    folium.map.Layer
        A :class:`folium.FeatureGroup`, or a :class:`~geomap.layers.assets.LocalMarkerCluster`.

    Raises
    ------
    TypeError
        If ``public_directory`` is not a GeoDataFrame.
    ValueError
        If a confidential record has a geometry (not a public view), a popup field is not a
        directory field, or a geometry is not a point.
    """
    if not isinstance(public_directory, gpd.GeoDataFrame):
        msg = "marker_layer needs a GeoDataFrame: pass geomap.directory.privacy.public_view(directory)"
        raise TypeError(msg)
    for f in popup_fields:
        if f not in schema.FIELD_NAMES:
            msg = f"popup field {f!r} is not a directory field; valid fields: {', '.join(schema.FIELD_NAMES)}"
            raise ValueError(msg)
    if not privacy.can_see_confidential(role):
        _check_public(public_directory)
    directory = public_directory
    if directory.crs is not None and not directory.crs.equals("EPSG:4326"):
        directory = directory.to_crs("EPSG:4326")
    geoms = directory.geometry
    located = directory[geoms.notna() & ~geoms.is_empty].reset_index(drop=True)
    kinds = shapely.get_type_id(located.geometry.to_numpy())
    if len(located) and (kinds != 0).any():
        idx = located.index[kinds != 0][0]
        msg = f"record at index {idx!r} has a {located.geometry.loc[idx].geom_type} geometry; markers need points"
        raise ValueError(msg)
    confidential = privacy.is_confidential(located) if len(located) else pd.Series(dtype=bool)
    rows: list[list[Any]] = []
    for idx, row in located.iterrows():
        point = row.geometry
        fictional = schema.parse_bool(row.get("fictional")) is True
        secret = bool(confidential.loc[idx])
        tip = _title(row) + (" (fictional sample)" if fictional else "")
        rows.append(
            [
                round(point.y, 5),
                round(point.x, 5),
                html.escape(tip),
                popup_html(row, popup_fields=popup_fields, confidential=secret),
                2 if secret else (1 if fictional else 0),
            ]
        )
    if cluster:
        group: folium.map.Layer = LocalMarkerCluster(
            name=name, options={"maxClusterRadius": max_cluster_radius, "showCoverageOnHover": False}
        )
    else:
        group = folium.FeatureGroup(name=name)
    _CircleMarkers(rows).add_to(group)
    return group
