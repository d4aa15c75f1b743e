"""A map that is re-shaded in place: one page, many filter states.

A filter change alters the shading of the units, the legend and which markers are shown, never
the shapes or the records themselves. So a page built once (the *base*: frame, units registered
with ``register_as``, every marker of the view registered too, and :class:`LiveUpdates`) can
take each new state as a few bytes per unit and per record (an *update*), applied by
``window.geomapApply(update)``:

``{"shade": ..., "legend": ..., "markers": [...] | null}``

- ``shade``: :func:`geomap.layers.choropleth.choropleth_shading` of the units layer registered
  as :data:`UNITS` (matched by unit code);
- ``legend``: :func:`geomap.layers.legend.legend_data` (with ``position``), drawn in place of the
  previous one;
- ``markers``: positions, among the located records of the marker layer registered as
  :data:`MARKERS`, of the ones to show (``null``: all of them).

Every text arrives HTML-escaped and is inserted as text (as by the layers themselves). Nothing
here knows about Streamlit: the app's map component (``geomap/pages/_live_map``) sends the base
once and then only updates; :func:`page_with_update` gives the base already in a given state
(for a first paint without a blank frame, and for files).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from geomap.layers.encoding import script_json
from geomap.layers.shared import needs_script

__all__ = ["MARKERS", "UNITS", "LiveUpdates", "page_html", "page_with_update", "update_json"]

#: Name the re-shaded units layer is registered under (``register_as``).
UNITS = "geomap-units"
#: Name the marker layer is registered under (``register_as``).
MARKERS = "geomap-markers"

_APPLY_JS = """
(function (map, units, markers, drawLegend) {
    var shown = null;
    window.geomapApply = function (u) {
        var layers = window.geomapLayers || {};
        if (u.shade && layers[units]) { layers[units].geomapShade(u.shade); }
        if (layers[markers] && u.markers !== undefined) { layers[markers].geomapShow(u.markers); }
        if (shown) { map.removeLayer(shown); shown = null; }
        if (u.legend) { shown = L.layerGroup().addTo(map); drawLegend(shown, u.legend); }
    };
})"""


class LiveUpdates(MacroElement):
    """Defines ``window.geomapApply(update)`` on the map it is added to (see the module).

    Add it after the layers it updates (registered as :data:`UNITS` and :data:`MARKERS`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geomapLive({{ this._parent.get_name() }}, {{ this.units_json }}, {{ this.markers_json }});
        {% endmacro %}
        """
    )

    def __init__(self, *, units: str = UNITS, markers: str = MARKERS) -> None:
        super().__init__()
        self._name = "LiveUpdates"
        self.units_json = script_json(units)
        self.markers_json = script_json(markers)
        needs_script(self)  # geomapLive (the page script :data:`_APPLY_JS`), drawing with geomapLegend


def update_json(update: Mapping[str, Any]) -> str:
    """An update as script-safe JSON: parsed by ``JSON.parse`` or written into a ``<script>``."""
    return script_json(dict(update))


def page_html(fmap: folium.Map) -> str:
    """The map's whole HTML page (Leaflet loaded from the URLs the map was built with)."""
    return fmap.get_root().render()


def page_with_update(html: str, update: str) -> str:
    """``html`` with ``update`` (:func:`update_json`) applied as soon as the page has drawn."""
    tail = f"<script>window.geomapApply({update});</script>"
    at = html.rfind("</html>")
    return html + tail if at < 0 else html[:at] + tail + html[at:]
