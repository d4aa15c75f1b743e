"""Compact geometry: encoded polylines decode to exactly the rounded coordinates; pages stay small."""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geomap.layers import assets, choropleth, encoding


def test_ring_round_trip_is_exact_at_the_precision():
    coords = np.array([[7.1234, 9.5678], [7.1240, 9.5600], [-0.0001, 0.0], [179.9999, -89.9999], [7.1234, 9.5678]])
    text = encoding.encode_ring(coords, precision=4)
    assert np.array_equal(encoding.decode_ring(text, precision=4), coords)
    # by hand: (1, -2) at precision 0 -> zig-zag 2 and 3 -> chr(65), chr(66)
    assert encoding.encode_ring(np.array([[1.0, -2.0]]), precision=0) == "AB"


def test_polygons_with_holes_and_parts_round_trip():
    donut = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    multi = MultiPolygon([donut, box(10, 10, 11, 12)])
    for geom in (donut, multi):
        back = encoding.decode_geometry(encoding.encode_geometry(geom, precision=5), precision=5)
        assert shapely.equals_exact(back, geom, tolerance=0)
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    assert encoding.encode_geometry(line, precision=5) == line  # passed through as GeoJSON


def test_choropleth_ships_encoded_geometry_and_keeps_its_data(squares):
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", precision=4)
    m = assets.offline_map(location=(0.5, 2))
    layer.add_to(m)
    html = m.get_root().render()
    assert '"coordinates"' not in html  # no GeoJSON coordinates in the page
    assert "geomapDecodeGeo" in html
    sent = layer.compact_data()
    assert all(f[1].keys() == {"tip"} for f in sent["f"])  # only what the page uses
    for f, feature in zip(sent["f"], layer.data["features"], strict=True):
        assert f[0] == feature["id"]
        back = encoding.decode_topology(sent["a"], f[2], precision=4)
        original = shapely.geometry.shape(feature["geometry"])
        # the same rings, possibly starting at another vertex (rings are cut at shared nodes)
        assert shapely.equals_exact(back.normalize(), original.normalize(), tolerance=0)


def test_shared_borders_are_sent_once():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    arcs, shapes = encoding.encode_topology([left, right], precision=0)
    # by hand: (1, 0) and (1, 1) have three neighbours, so both rings are cut there into the
    # shared edge and the rest: 3 arcs, the shared one used by both squares
    assert len(arcs) == 3
    (left_refs,), (right_refs,) = shapes[0][0], shapes[1][0]
    shared = {r if r >= 0 else ~r for r in left_refs} & {r if r >= 0 else ~r for r in right_refs}
    assert len(shared) == 1
    for geom, shape in zip([left, right], shapes, strict=True):
        back = encoding.decode_topology(arcs, shape, precision=0)
        assert shapely.equals_exact(back.normalize(), geom.normalize(), tolerance=0)


def test_an_enclave_shares_its_whole_ring_with_the_hole():
    outer = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords[::-1]])
    inner = box(1, 1, 2, 2)
    arcs, shapes = encoding.encode_topology([outer, inner, None], precision=0)
    assert len(arcs) == 2  # the outer ring, and the enclave's ring once
    assert shapes[2] is None
    for geom, shape in zip([outer, inner], shapes[:2], strict=True):
        back = encoding.decode_topology(arcs, shape, precision=0)
        assert shapely.equals_exact(back.normalize(), geom.normalize(), tolerance=0)


def test_script_json_is_inert_in_html_and_in_folium_templates():
    text = encoding.script_json({"a": "</script><b>&'{{ 1 }}{%{#"})
    for bad in ("<", ">", "&", "'", "{{", "{%", "{#"):
        assert bad not in text, bad
    assert json.loads(text) == {"a": "</script><b>&'{{ 1 }}{%{#"}
