"""Compact encodings: exact round trips (in Python as in the page's script); pages stay small and inert."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geomap.layers import assets, choropleth, encoding

#: Texts a page must carry as data: markup, template syntax, quotes, non-ASCII (also outside the
#: Basic Multilingual Plane, two UTF-16 units in a browser).
HOSTILE = [
    "</script><script>alert(1)</script>",
    "{{ 7*7 }} {% if 1 %}x{% endif %} {# c",
    "\"double\" 'single' `back` \\ back\\slash",
    "Ñandú – São Tomé – Łódź – 東京 – 😀 emoji",
    "&amp; &lt;already escaped&gt;",
    "line\nbreak\u2028separator",
]


def test_ints_round_trip_at_every_split():
    values = [0, 1, -1, 33, -34, 34, 339, -340, 5000, -123456789, 2**40]
    for split in (1, 2, 38, 68, 75):
        text = encoding.encode_ints(values, split=split)
        assert encoding.decode_ints(text, split=split) == values
        assert set(text) <= set(encoding.CODE_ALPHABET)
    # by hand, split 68 (9 carry digits): 0 -> "A"; -1 -> zig-zag 1 -> "B"; 34 -> zig-zag 68:
    # 68 - 68 = 0 -> carry digit 68 + 0 ("@"), then 0 // 9 = 0 -> "A"
    assert encoding.CODE_ALPHABET[68] == "@"
    assert encoding.encode_ints([0, -1, 34], split=68) == "AB@A"
    with pytest.raises(ValueError, match="middle"):
        encoding.decode_ints("@", split=68)
    with pytest.raises(ValueError, match="split"):
        encoding.encode_ints([1], split=76)  # one carry digit could never shrink a value


def test_codes_hold_no_digit_quote_or_template_opener():
    alphabet = encoding.CODE_ALPHABET
    assert len(set(alphabet)) == len(alphabet) == 77
    assert not re.search(r"[0-9\"'\\<>&{]", alphabet)
    assert json.loads(encoding.script_json(alphabet)) == alphabet
    assert encoding.script_json(alphabet) == f'"{alphabet}"'  # nothing escaped: one byte each


def test_best_split_is_the_shortest():
    values = np.array([3, -5, 12, 40, -2, 7, 300, 0, 1, -9])
    best = encoding.best_split(values)
    lengths = {s: len(encoding.encode_ints(values, split=s)) for s in range(2, 76)}
    assert lengths[best] == min(lengths.values())


def test_value_codes_round_trip():
    for count in (0, 1, 2, 77, 78, 5929, 5930):
        width = encoding.code_width(count)
        assert (count <= 1 and width == 0) or len(encoding.CODE_ALPHABET) ** width >= count > len(encoding.CODE_ALPHABET) ** (width - 1)
    text = "".join(encoding.encode_code(v, 2) for v in (0, 1, 76, 77, 5928))
    assert [encoding.decode_code(text, 2 * i, 2) for i in range(5)] == [0, 1, 76, 77, 5928]
    assert encoding.decode_code("B", 0, 2) == 77  # missing trailing digits read as 0
    with pytest.raises(ValueError, match="does not fit"):
        encoding.encode_code(77, 1)


def test_front_coding_round_trips_hostile_texts():
    texts = sorted({"", "2026-01-02", "2026-01-13", "2025-12-31", *HOSTILE, "😀 emoji a", "😀 emoji b"})
    coded = encoding.front_code(texts)
    assert encoding.front_decode(coded) == texts
    assert coded[texts.index("2026-01-13")] == encoding.CODE_ALPHABET[8] + "13"  # shares "2026-01-"
    # prefix lengths count UTF-16 units, as the browser's String.slice does: "😀" is two
    b = texts.index("😀 emoji b")
    assert coded[b] == encoding.CODE_ALPHABET[len("😀 emoji ") + 1] + "b"
    long = ["x" * 200, "x" * 199 + "y"]
    assert encoding.front_decode(encoding.front_code(long)) == long  # shared part capped at 76


def test_ring_round_trip_is_exact_at_the_precision():
    coords = np.array([[7.1234, 9.5678], [7.1240, 9.5600], [-0.0001, 0.0], [179.9999, -89.9999], [7.1234, 9.5678]])
    text = encoding.encode_ring(coords, precision=4)
    assert np.array_equal(encoding.decode_ring(text, precision=4), coords)
    # by hand: (1, -2) at precision 0 -> zig-zag 2 and 3 -> symbols 2 and 3
    assert encoding.encode_ring(np.array([[1.0, -2.0]]), precision=0) == "CD"
    grid = np.array([[8.5005, 4.25], [8.501, 4.2495]])
    assert np.array_equal(encoding.decode_ring(encoding.encode_ring(grid, precision=0, scale=2000), precision=0, scale=2000), grid)


def test_polygons_with_holes_and_parts_round_trip():
    donut = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    multi = MultiPolygon([donut, box(10, 10, 11, 12)])
    for geom in (donut, multi):
        back = encoding.decode_geometry(encoding.encode_geometry(geom, precision=5), precision=5)
        assert shapely.equals_exact(back, geom, tolerance=0)
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    assert encoding.encode_geometry(line, precision=5) == line  # passed through as GeoJSON


def test_lossless_scale_finds_the_grid():
    on_grid = [box(8.5, 4.0005, 8.501, 4.0015)]
    assert encoding.lossless_scale(on_grid, precision=4) == 2000
    assert encoding.lossless_scale([box(8.5001, 4, 9, 5)], precision=4) == 10000
    assert encoding.lossless_scale([box(1, 2, 3, 4)], precision=4) == 1  # whole degrees
    assert encoding.lossless_scale([None], precision=4) == 10000


def test_choropleth_ships_encoded_geometry_and_keeps_its_data(squares):
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", precision=4)
    m = assets.offline_map(location=(0.5, 2))
    layer.add_to(m)
    html = m.get_root().render()
    assert '"coordinates"' not in html  # no GeoJSON coordinates in the page
    assert "geomapGeoLayer" in html
    sent = json.loads(layer.compact_json())  # exactly what the page gets
    assert all(len(f) <= 5 for f in sent["f"])  # no properties: styles are a table, tooltips texts
    lines = encoding.decode_arcs(sent["a"], precision=0, scale=sent["s"], split=sent["k"])
    for f, feature in zip(sent["f"], layer.data["features"], strict=True):
        assert f[0] == feature["id"]
        back = encoding.decode_topology(lines, f[1], precision=0)
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
    # the outline of the union: every arc but the shared one
    assert encoding.outline_arcs(shapes) == sorted(set(range(3)) - shared)


def test_arcs_are_chained():
    arcs = [np.array([[10, 10], [12, 10], [12, 14]]), np.array([[12, 14], [10, 14]])]
    texts = encoding.encode_arcs(arcs, split=40)
    # the second arc starts where the first ends: its first delta is (0, 0)
    assert texts[1].startswith("AA")
    back = encoding.decode_arcs(texts, precision=0, split=40)
    assert all(np.array_equal(a, b) for a, b in zip(arcs, back, strict=True))


def test_an_enclave_shares_its_whole_ring_with_the_hole():
    outer = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 2, 2).exterior.coords[::-1]])
    inner = box(1, 1, 2, 2)
    arcs, shapes = encoding.encode_topology([outer, inner, None], precision=0)
    assert len(arcs) == 2  # the outer ring, and the enclave's ring once
    assert shapes[2] is None
    for geom, shape in zip([outer, inner], shapes[:2], strict=True):
        back = encoding.decode_topology(arcs, shape, precision=0)
        assert shapely.equals_exact(back.normalize(), geom.normalize(), tolerance=0)
    assert encoding.outline_arcs(shapes) == [0]  # the enclave's ring is inside the union


def test_script_json_is_inert_in_html_and_in_folium_templates():
    text = encoding.script_json({"a": "</script><b>&'{{ 1 }}{%{#"})
    for bad in ("<", ">", "&", "'", "{{", "{%", "{#"):
        assert bad not in text, bad
    assert json.loads(text) == {"a": "</script><b>&'{{ 1 }}{%{#"}


def test_plain_text_undoes_html_escape_once():
    for text in HOSTILE:
        assert encoding.plain_text(__import__("html").escape(text)) == text
    assert encoding.plain_text("&amp;lt;") == "&lt;"  # once, not twice


def test_tooltips_carry_hostile_text_as_data():
    features = [
        {"type": "Feature", "id": str(i), "properties": {"tip": [text, text]}, "geometry": shapely.geometry.mapping(box(i, 0, i + 1, 1))}
        for i, text in enumerate(HOSTILE)
    ]
    layer = encoding.CompactGeoJson(
        {"type": "FeatureCollection", "features": features},
        precision=4,
        shipped_properties=(),
        tooltip_property="tip",
        tooltip_labels=["<i>label</i>"],
    )
    m = assets.offline_map(location=(0.5, 2))
    layer.add_to(m)
    html = m.get_root().render()
    assert "<script>alert" not in html and "{{ 7*7 }}" not in html and "<i>label" not in html
    assert "\\u007b{ 7*7 }}" in html  # folium did not run it as a template
    sent = json.loads(layer.compact_json())
    for feature, text in zip(features, HOSTILE, strict=True):
        assert layer.tooltip_text(feature) == f"{text}\n<i>label</i>: {text}"
    assert [encoding.plain_text(f[4][0]) for f in sent["f"]] == HOSTILE
    with pytest.raises(ValueError, match="tooltip_labels"):
        encoding.CompactGeoJson(
            {"type": "FeatureCollection", "features": features},
            tooltip_property="tip",
            tooltip_labels=[],
        ).compact_data()


def test_unsupported_folium_options_are_refused(squares):
    data = json.loads(squares.to_json())
    with pytest.raises(ValueError, match="zoom_on_click"):
        encoding.CompactGeoJson(data, zoom_on_click=True)
    with pytest.raises(ValueError, match="style_function"):
        encoding.CompactGeoJson(data, style_function=lambda f: "red")


def test_split_common():
    common, rest = encoding.split_common([{"a": 1, "b": 2}, {"a": 1, "b": 3}, {"a": 1, "c": 4}])
    assert common == {"a": 1} and rest == [{"b": 2}, {"b": 3}, {"c": 4}]
    assert encoding.split_common([{"a": 1}]) == ({}, [{"a": 1}])


def test_one_line_keeps_literals_and_needed_spaces():
    js = """
    var a = "x  y", b = 'p , q', re = /^https?:\\/\\//i;
    function f (x) { return x - -1 + typeof a; }
    var c = a / 2 / b;
    """
    out = encoding.one_line(js)
    assert '"x  y"' in out and "'p , q'" in out and "/^https?:\\/\\//i" in out
    assert "x- -1" in out and "return x" in out and "typeof a" in out and "var c=a/2/b;" in out
    assert "\n" not in out


def test_page_scripts_are_inert_for_folium_and_build_no_markup():
    from geomap.layers import legend, live, markers

    for js in (encoding.DECODER_JS, markers._MARKERS_JS, legend.LEGEND_JS, choropleth._HATCH_JS, live._APPLY_JS):
        out = encoding.one_line(js)
        for opener in ("{{", "{%", "{#", "</"):
            assert opener not in out, opener
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in js, sink
        assert "//" not in js.replace("/^https?:\\/\\//i", "").replace("http://www.w3.org", "")  # no comments


def _shading_layer(**extra):
    """Five features, two of them sharing a style, with tooltips, an outline and a highlight."""
    colours = ["#111111", "#222222", "#111111", "#333333", "#222222"]
    features = [
        {
            "type": "Feature",
            "id": f"U-{i}",
            "properties": {"colour": c, "tip": [f"Unit {i}", HOSTILE[i]], "keep": i},
            "geometry": shapely.geometry.mapping(box(i, 0, i + 1, 1)),
        }
        for i, c in enumerate(colours)
    ]
    return encoding.CompactGeoJson(
        {"type": "FeatureCollection", "features": features},
        precision=4,
        shipped_properties=("keep",),
        tooltip_property="tip",
        tooltip_labels=["<b>Value</b>"],
        tooltip_options={"sticky": True},
        outline_style={"weight": 2, "className": "outline"},
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "weight": 0.8, "color": "#fff"},
        highlight_function=lambda f: {"weight": 3},
        **extra,
    )


def test_compact_data_ships_the_shading_of_shade_data():
    layer = _shading_layer()
    sent = layer.compact_data()
    features = layer.data["features"]
    shade = encoding.shade_data(
        features,
        style_function=layer.style_function,
        highlight_function=layer.highlight_function,
        tooltip=layer._tooltip,
        tooltip_labels=layer.tooltip_labels,
        tooltip_options=layer.tooltip_options,
    )
    # the structure the page script reads, unchanged: shapes, then the shading entries
    assert set(sent) == {"s", "k", "a", "f", "y", "Y", "h", "t", "tt", "o"}
    assert set(shade) == {"f", "y", "Y", "h", "t", "tt"}
    for key in ("y", "Y", "h", "t", "tt"):
        assert sent[key] == shade[key], key
    assert sent["y"] == [{"fillColor": "#111111"}, {"fillColor": "#222222"}, {"fillColor": "#333333"}]
    assert sent["Y"] == {"weight": 0.8, "color": "#fff"}
    assert sent["t"] == ["&lt;b&gt;Value&lt;/b&gt;"] and sent["tt"] == {"sticky": True}
    assert sent["o"] == {"weight": 2, "className": "outline"}
    # each feature: [id, shape, style, highlight, tooltip texts, shipped properties]
    assert [row[0] for row in sent["f"]] == [f["id"] for f in features] == [row[0] for row in shade["f"]]
    assert [row[2] for row in sent["f"]] == [row[1] for row in shade["f"]] == [0, 1, 0, 2, 1]
    assert [row[3] for row in sent["f"]] == [row[2] for row in shade["f"]] == [0] * 5
    assert [row[4] for row in sent["f"]] == [row[3] for row in shade["f"]]
    assert [row[5] for row in sent["f"]] == [{"keep": i} for i in range(5)]
    assert all(isinstance(row[1], list) for row in sent["f"])
    assert [encoding.plain_text(row[4][1]) for row in sent["f"]] == HOSTILE[:5]
    assert layer.shade_data() == shade
    # the page payload is the same JSON
    assert json.loads(layer.compact_json()) == sent


def test_compact_data_without_styles_or_tooltips_ships_no_shading_entries():
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "A", "properties": {}, "geometry": shapely.geometry.mapping(box(0, 0, 1, 1))},
    ]}
    layer = encoding.CompactGeoJson(data, precision=4, shipped_properties=())
    sent = layer.compact_data()
    assert set(sent) == {"s", "k", "a", "f"}
    assert len(sent["f"][0]) == 2  # [id, shape]: the default style, highlight and no texts left out
    assert encoding.shade_data(data["features"], style_function=None) == {"f": [["A", 0, 0, []]]}
    assert layer.shade_data() == {"f": [["A", 0, 0, []]]}


def test_registered_layer_is_kept_by_name_in_the_page():
    m = assets.offline_map(location=(0.5, 2))
    _shading_layer(register_as="my-layer").add_to(m)
    html = m.get_root().render()
    assert '(window.geomapLayers = window.geomapLayers || {})["my-layer"] =' in html
    assert "layer.geomapShade" in encoding.DECODER_JS
    plain = assets.offline_map(location=(0.5, 2))
    _shading_layer().add_to(plain)
    assert "window.geomapLayers" not in plain.get_root().render()
