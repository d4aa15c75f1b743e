"""Coverage map: shipped shapes on the display grid (or not, when that breaks them); one outline."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, box

from geomap.layers import basemap, coverage_map, encoding


def _coords(geoms: gpd.GeoSeries) -> np.ndarray:
    return shapely.get_coordinates(geoms.to_numpy())


def test_display_shapes_lie_on_the_grid_and_stay_a_valid_coverage(squares):
    shifted = squares.set_geometry(squares.geometry.translate(0.123456, 0.654321))
    shown = coverage_map.display_geometry(shifted)
    xy = _coords(shown)
    assert np.allclose(xy / coverage_map.DISPLAY_GRID, np.round(xy / coverage_map.DISPLAY_GRID), atol=1e-9)
    assert shapely.is_valid(shown.to_numpy()).all() and shapely.coverage_is_valid(shown.to_numpy())
    # every corner at most half a grid step per axis away from the original
    moved = shapely.hausdorff_distance(shown.to_numpy(), shifted.geometry.to_numpy())
    assert moved.max() <= coverage_map.DISPLAY_GRID / 2 * 2**0.5 + 1e-12
    assert encoding.lossless_scale(list(shown), precision=coverage_map.DISPLAY_PRECISION) == round(1 / coverage_map.DISPLAY_GRID)
    exact = coverage_map.display_geometry(shifted, grid=None)
    rounded = np.round(_coords(shifted.geometry), coverage_map.DISPLAY_PRECISION)
    assert {tuple(v) for v in _coords(exact)} == {tuple(v) for v in rounded}


def test_a_sliver_the_grid_would_collapse_keeps_the_decimals():
    units = gpd.GeoDataFrame(
        {"code": ["A", "S", "B"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 1.0002, 1), box(1.0002, 0, 2, 1)],
        crs="EPSG:4326",
    )
    shown = coverage_map.display_geometry(units)
    assert shown.iloc[1].area > 0 and shapely.coverage_is_valid(shown.to_numpy())
    assert 1.0002 in _coords(shown)[:, 0]


def test_the_outline_travels_with_the_shading_not_the_base_map(squares):
    table = pd.DataFrame(
        {"code": squares["code"], "name": squares["name"], "providers": [1, 2, 0, 3], "population": squares["population"]}
    )
    view = gpd.GeoDataFrame(
        {"name": ["P"], "confidential": [False], "fictional": [True]}, geometry=[Point(0.5, 0.5)], crs="EPSG:4326"
    )
    base, groups = coverage_map.coverage_layers(squares[["code", "name", "geometry"]], table, view)
    base_html = base.get_root().render()
    assert "geomapGeoLayer" not in base_html  # no second copy of the border in the base map
    (choropleth,) = [c for c in groups[0]._children.values() if isinstance(c, encoding.CompactGeoJson)]
    sent = json.loads(choropleth.compact_json())
    assert sent["o"]["className"] == basemap.CONTEXT_CLASS and sent["o"]["weight"] == basemap.OUTLINE_STYLE["weight"]
    # the outline is the union's boundary: every arc but the three inner borders
    shapes = [f[1] for f in sent["f"]]
    lines = encoding.decode_arcs(sent["a"], precision=0, scale=sent["s"], split=sent["k"])
    outline = shapely.union_all([shapely.LineString(lines[i]) for i in encoding.outline_arcs(shapes)])
    assert outline.equals(box(0, 0, 4, 1).exterior)
    standalone = coverage_map.build_coverage_map(squares[["code", "name", "geometry"]], table, view)
    assert standalone.get_root().render().count("window.geomapGeoLayer(") == 1  # one decoder, one layer


def test_tooltips_write_counts_and_populations_as_people_read_them(squares):
    table = pd.DataFrame(
        {"code": squares["code"], "name": squares["name"], "providers": [1, 2, 0, 3], "population": [2845380.0, 2000.0, float("nan"), 500.0]}
    )
    view = gpd.GeoDataFrame({"name": [], "confidential": [], "fictional": []}, geometry=[], crs="EPSG:4326")
    _base, groups = coverage_map.coverage_layers(squares[["code", "name", "geometry"]], table, view)
    (layer,) = [c for c in groups[0]._children.values() if isinstance(c, encoding.CompactGeoJson)]
    tips = {f["id"]: layer.tooltip_text(f) for f in layer.data["features"]}
    assert tips["T-1"] == "One\nNumber of providers: 1\nPopulation: 2,845,380"
    assert tips["T-3"].endswith("Population: no data")  # never 0, never "nan"
    table["per_100k"] = table["providers"] / table["population"] * 100_000
    _base, groups = coverage_map.coverage_layers(
        squares[["code", "name", "geometry"]], table, view, measure="per_100k", measure_label="Per 100k"
    )
    (layer,) = [c for c in groups[0]._children.values() if isinstance(c, encoding.CompactGeoJson)]
    assert layer.tooltip_text(layer.data["features"][0]) == "One\nPer 100k: 0.04\nProviders: 1\nPopulation: 2,845,380"
