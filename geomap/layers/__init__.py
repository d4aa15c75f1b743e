"""Map layers (folium): offline assets, choropleth, markers, catchments, legend, basemap.

Everything here loads only local assets (``static/vendor``), so maps work with no internet.
``geomap/layers`` imports folium, never streamlit.
"""

from geomap.layers.assets import external_assets, offline_map, standalone_html
from geomap.layers.basemap import add_basemap, boundary_attribution, context_layer
from geomap.layers.catchments import catchment_layer
from geomap.layers.choropleth import Classification, choropleth_layer, classify
from geomap.layers.legend import legend_element
from geomap.layers.markers import marker_layer

__all__ = [
    "Classification",
    "add_basemap",
    "boundary_attribution",
    "catchment_layer",
    "choropleth_layer",
    "classify",
    "context_layer",
    "external_assets",
    "legend_element",
    "marker_layer",
    "offline_map",
    "standalone_html",
]
