"""Context layer and boundary credit for maps without tiles."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import box

from geomap.layers import assets, basemap

from .conftest import urls


def _geojsons(group):
    return [c for c in group._children.values() if hasattr(c, "data")]


def test_outline_is_the_union_of_the_units(squares):
    group = basemap.context_layer(squares, simplify_tolerance=None)
    (outline,) = _geojsons(group)
    geom = shapely.geometry.shape(outline.data["features"][0]["geometry"])
    assert geom.equals(box(0, 0, 4, 1))
    assert outline.options["interactive"] is False


def test_neighbours_are_drawn_under_the_outline(squares):
    neighbours = gpd.GeoDataFrame(geometry=[box(0, 1, 4, 2), box(4, 0, 5, 1)], crs="EPSG:4326")
    group = basemap.context_layer(squares, neighbours=neighbours)
    (layer,) = _geojsons(group)  # one layer, so the page gets one decoder
    assert [f["properties"]["context"] for f in layer.data["features"]] == ["neighbour", "neighbour", "outline"]
    assert layer.options["interactive"] is False
    sent = layer.compact_data()
    styles = [{**sent.get("Y", {}), **style} for style in sent["y"]]
    drawn = [styles[f[2] if len(f) > 2 else 0] for f in sent["f"]]  # in order: the outline last, on top
    assert drawn[0] == drawn[1] == basemap.NEIGHBOUR_STYLE
    assert drawn[2]["weight"] == basemap.OUTLINE_STYLE["weight"] and drawn[2]["fill"] is False


def test_outline_can_be_left_to_the_choropleth(squares):
    assert _geojsons(basemap.context_layer(squares, outline=False)) == []
    m = assets.offline_map(location=(0.5, 2))
    basemap.add_basemap(m, squares, source="x", outline=False)
    html = m.get_root().render()
    assert "geomapGeoLayer" not in html and "getContainer().style.background" in html


def test_attribution_names_source_and_vintage_escaped(squares):
    m = assets.offline_map(location=(0.5, 2))
    basemap.add_basemap(m, squares, source="Survey <Office>", vintage="2016-12-15", licence="CC BY-IGO")
    html = m.get_root().render()
    assert "Boundaries: Survey \\u0026lt;Office\\u0026gt; (2016-12-15), CC BY-IGO" in html
    assert "addAttribution(" in html
    assert "getContainer().style.background" in html
    assert urls(html) == set()


def test_missing_source_is_said_plainly():
    assert basemap.boundary_attribution("").text == "Boundaries: source not stated"
    assert basemap.boundary_attribution(None, vintage="2020").text == "Boundaries: source not stated (2020)"
