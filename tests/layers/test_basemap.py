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
    grey, outline = _geojsons(group)
    assert len(grey.data["features"]) == 2 and len(outline.data["features"]) == 1
    assert grey.options["interactive"] is False


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
