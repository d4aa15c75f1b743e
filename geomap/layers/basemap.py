"""Context for a map without tiles: the country outline, neighbouring units, a credit line.

The app draws no online tiles by default (it must work offline), so the admin boundaries are
the base map. :func:`context_layer` draws the country's outline (and, when given, neighbouring
units in a quiet grey) so the map looks deliberate rather than broken, and
:func:`boundary_attribution` puts the boundary source and vintage in Leaflet's attribution line.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geomap.i18n import _
from geomap.layers.choropleth import lean_geometries
from geomap.layers.encoding import CompactGeoJson

__all__ = [
    "BACKGROUND",
    "CONTEXT_CLASS",
    "NEIGHBOUR_STYLE",
    "OUTLINE_STYLE",
    "add_basemap",
    "boundary_attribution",
    "context_layer",
]

#: CSS class of the context shapes' SVG paths.
CONTEXT_CLASS = "geomap-context"
#: Background of the map container when there are no tiles (a pale "sea").
BACKGROUND = "#eef2f6"
#: The country outline: a soft 6 px halo drawn under the units (Leaflet path options).
OUTLINE_STYLE: dict[str, object] = {
    "color": "#9aa5b1",
    "weight": 6,
    "opacity": 0.35,
    "fill": False,
    "className": CONTEXT_CLASS,
}
#: Neighbouring units: a light grey fill.
NEIGHBOUR_STYLE: dict[str, object] = {"color": "#b8c2cc", "weight": 0.8, "fillColor": "#e4e7eb", "fillOpacity": 1.0}


def _outline(units: gpd.GeoDataFrame) -> shapely.Geometry:
    geoms = units.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    try:
        merged = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # not a clean coverage: fall back to a full union
        merged = shapely.union_all(shapely.make_valid(geoms))
    return merged


class _Background(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.map_name() }}.getContainer().style.background = {{ this.color|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, color: str) -> None:
        super().__init__()
        self._name = "Background"
        self.color = color

    def map_name(self) -> str:
        node = self._parent
        while node is not None and not isinstance(node, folium.Map):
            node = getattr(node, "_parent", None)
        if node is None:
            msg = "the context layer must be added to a folium.Map"
            raise ValueError(msg)
        return node.get_name()


def context_layer(
    units: gpd.GeoDataFrame,
    *,
    neighbours: gpd.GeoDataFrame | None = None,
    name: str = "Context",
    precision: int = 4,
    simplify_tolerance: float | None = 0.005,
    outline: bool = True,
) -> folium.FeatureGroup:
    """Non-interactive context: neighbouring units in grey and the outline of ``units``.

    Add it to the map *before* the choropleth, so the data layer draws on top.

    Parameters
    ----------
    units
        The country's admin units (EPSG:4326); their union is drawn as the country outline.
    neighbours
        Optional units of neighbouring countries, drawn as a light grey fill.
    name
        Layer name (not listed in a layer control).
    precision
        Decimals kept in coordinates.
    simplify_tolerance
        Simplification (degrees) of the context shapes; ``None`` keeps them exact.
    outline
        Draw the outline here. A map whose choropleth draws the outline itself from the units'
        borders (``outline_style=`` of :func:`geomap.layers.choropleth.choropleth_layer`, as the
        coverage map does) passes ``False``: the page then carries no second copy of the border.
    """
    group = folium.FeatureGroup(name=name, control=False)
    features = []
    if neighbours is not None and len(neighbours):
        geoms = lean_geometries(neighbours.geometry, precision=precision, simplify_tolerance=simplify_tolerance)
        features += [
            {"type": "Feature", "properties": {"context": "neighbour"}, "geometry": shapely.geometry.mapping(g)}
            for g in geoms
            if g is not None and not g.is_empty
        ]
    if outline and len(units):
        # A 6 px halo: simplified like the other context shapes (the units themselves are exact).
        lean = lean_geometries(
            gpd.GeoSeries([_outline(units)], crs=units.crs or "EPSG:4326"),
            precision=precision,
            simplify_tolerance=simplify_tolerance,
        )
        features.append(
            {"type": "Feature", "properties": {"context": "outline"}, "geometry": shapely.geometry.mapping(lean.iloc[0])}
        )
    if features:
        # One layer (one decoder) for both; drawn in order, so the outline lies over the grey.
        outline_style = {k: v for k, v in OUTLINE_STYLE.items() if k != "className"}
        CompactGeoJson(
            {"type": "FeatureCollection", "features": features},
            style_function=lambda f: outline_style if f["properties"]["context"] == "outline" else NEIGHBOUR_STYLE,
            shipped_properties=(),
            interactive=False,
            control=False,
            precision=precision,
            className=CONTEXT_CLASS,
        ).add_to(group)
    _Background(BACKGROUND).add_to(group)
    return group


class _Attribution(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!map.attributionControl) { L.control.attribution().addTo(map); }
            map.attributionControl.addAttribution({{ this.text|tojson }});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


def short_source(source: str | None) -> str:
    """The first words of a source, for the map's one-line credit (the details go under the map).

    ``"Natural Earth 1:10m Admin 1 - States, Provinces, as shipped in …"`` gives
    ``"Natural Earth 1:10m Admin 1"``.
    """
    text = str(source or "").strip()
    for stop in (" as shipped", " (", ", ", " - "):
        head = text.split(stop, 1)[0].strip()
        if head:
            text = head
    return text


def boundary_attribution(source: str | None, *, vintage: str | None = None, licence: str | None = None) -> MacroElement:
    """A credit line for the boundaries, e.g. ``"Boundaries: OCHA COD-AB (2016-12-15), CC BY-IGO"``.

    Add it to the map; it appears in Leaflet's attribution control. Text is HTML-escaped. A
    blank ``source`` (e.g. a brought file that names none) reads "source not stated".
    """
    source = short_source(source)
    text = _("Boundaries: {source}").format(source=source or _("source not stated"))
    if vintage:
        text += f" ({vintage})"
    if licence:
        text += f", {licence}"
    return _Attribution(html.escape(text))


def add_basemap(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    *,
    source: str | None,
    vintage: str | None = None,
    licence: str | None = None,
    neighbours: gpd.GeoDataFrame | None = None,
    outline: bool = True,
) -> folium.Map:
    """Add :func:`context_layer` and :func:`boundary_attribution` to ``m``; return ``m``.

    ``outline=False`` leaves the country outline to the choropleth (see :func:`context_layer`).
    """
    context_layer(units, neighbours=neighbours, outline=outline).add_to(m)
    boundary_attribution(source, vintage=vintage, licence=licence).add_to(m)
    return m
