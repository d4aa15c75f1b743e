"""Choropleth: mapclassify breaks, a separate no-data class, escaped tooltips, lean features."""

from __future__ import annotations

import json

import folium
import mapclassify
import numpy as np
import pandas as pd
import pytest

from geomap.layers import assets, choropleth

from .conftest import urls


def _features(layer: folium.GeoJson) -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in layer.data["features"]}


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_breaks_come_from_mapclassify():
    y = pd.Series([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0, 31.0])
    cls = choropleth.classify(y, scheme="FisherJenks", k=3)
    assert cls.scheme == "FisherJenks"
    assert cls.bins == tuple(mapclassify.FisherJenks(y.to_numpy(), k=3).bins)
    assert cls.bins == (3.0, 12.0, 31.0)  # by hand: three obvious groups
    assert list(cls.classes) == [0, 0, 0, 1, 1, 1, 2, 2]
    assert cls.counts == (3, 3, 2)
    quantiles = choropleth.classify(y, scheme="Quantiles", k=2)
    assert quantiles.bins == tuple(mapclassify.Quantiles(y.to_numpy(), k=2).bins)


def test_labels_for_whole_numbers_do_not_overlap():
    cls = choropleth.classify([0, 1, 2, 3, 10, 11, 12], k=2, fmt="{:,.0f}")
    assert cls.bins == (3.0, 12.0)
    assert cls.labels == ("0 – 3", "4 – 12")


def test_labels_for_decimals_use_the_breaks():
    cls = choropleth.classify([0.5, 1.5, 2.5, 9.5, 9.75], k=2, fmt="{:.2f}")
    assert cls.labels == ("0.50 – 2.50", "2.50 – 9.75")


def test_nan_is_no_data_and_zero_is_a_value():
    cls = choropleth.classify(pd.Series([0.0, np.nan, 5.0, 6.0, np.inf], index=list("abcde")), k=2)
    assert cls.classes.to_dict() == {"a": 0, "b": -1, "c": 1, "d": 1, "e": -1}
    assert cls.no_data_count == 2
    assert sum(cls.counts) == 3


def test_fewer_distinct_values_than_classes():
    one = choropleth.classify([4.0, 4.0, np.nan], k=5)
    assert one.bins == (4.0,) and one.labels == ("4.0",) and list(one.classes) == [0, 0, -1]
    two = choropleth.classify([1.0, 2.0], k=5)
    assert two.k == 2 and len(two.colors) == 2


def test_all_missing_gives_no_classes():
    cls = choropleth.classify([np.nan, None], k=5)
    assert cls.k == 0 and cls.no_data_count == 2 and list(cls.classes) == [-1, -1]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="'many'"):
        choropleth.classify(pd.Series([1.0, "many"]))
    with pytest.raises(ValueError, match="scheme 'Nope'"):
        choropleth.classify([1.0, 2.0, 3.0], scheme="Nope")
    with pytest.raises(ValueError, match="k must be"):
        choropleth.classify([1.0], k=0)


def test_layer_draws_nan_as_hatched_no_data(squares):
    layer = choropleth.choropleth_layer(squares, "per_100k", label="Providers per 100,000 people", k=2, fmt="{:.1f}")
    feats = _features(layer)
    assert feats["T-3"]["properties"]["class"] == -1 and feats["T-3"]["properties"]["value"] is None
    assert "no data" in feats["T-3"]["properties"]["tip"]
    assert feats["T-4"]["properties"]["class"] == 0 and feats["T-4"]["properties"]["value"] == 0.0
    assert "0.0" in feats["T-4"]["properties"]["tip"]
    style = layer.style_function
    assert style(feats["T-3"])["fillColor"] == choropleth.NO_DATA_FILL
    assert style(feats["T-4"])["fillColor"] == layer.classification.colors[0]
    assert style(feats["T-2"])["fillColor"] == layer.classification.colors[1]

    m = assets.offline_map(location=(0.5, 2))
    layer.add_to(m)
    html = m.get_root().render()
    assert choropleth.NO_DATA_PATTERN_ID in html  # the hatch pattern is defined on the page
    assert urls(html) == set()


def test_tooltips_are_escaped(squares):
    squares.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    squares["note"] = ["<script>alert(2)</script>", "a & b", "", ""]
    layer = choropleth.choropleth_layer(
        squares, "per_100k", label="Rate <b>", tooltip_columns={"note": "Note <i>"}
    )
    tip = _features(layer)["T-1"]["properties"]["tip"]
    assert tip.startswith("<b>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</b>")
    assert "Rate &lt;b&gt;:" in tip
    assert "Note &lt;i&gt;: &lt;script&gt;alert(2)&lt;/script&gt;" in tip
    assert "a &amp; b" in _features(layer)["T-2"]["properties"]["tip"]
    html = folium.Map(tiles=None).add_child(layer).get_root().render()
    assert "<script>alert" not in html and "<img src=x" not in html
    # the page gets the texts escaped (labels once) and shows them as text, exactly as written
    sent = layer.compact_data()
    assert sent["t"] == ["Rate &lt;b&gt;", "Note &lt;i&gt;"]
    assert sent["f"][0][4][0] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert layer.tooltip_text(layer.data["features"][0]) == (
        '<img src=x onerror="alert(1)">\nRate <b>: 2.0\nNote <i>: <script>alert(2)</script>'
    )
    assert sent["tt"] == {"sticky": True, "className": choropleth.TOOLTIP_CLASS}


def test_styles_are_a_table_not_code(squares):
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", k=2)
    html = folium.Map(tiles=None).add_child(layer).get_root().render()
    assert "switch(" not in html and "T-1" in html  # no per-feature style code; the ids still travel
    sent = layer.compact_data()
    styles = [{**sent.get("Y", {}), **style} for style in sent["y"]]
    for row, feature in zip(sent["f"], layer.data["features"], strict=True):
        assert styles[row[2] if len(row) > 2 else 0] == layer.style_function(feature)
    assert [{**sent.get("H", {}), **h} for h in sent["h"]] == [{"color": "#111827", "weight": 2.5}]


def test_outline_is_drawn_from_the_units_borders_when_asked(squares):
    plain = choropleth.choropleth_layer(squares, "per_100k", label="x")
    assert "o" not in plain.compact_data()
    style = {"color": "#9aa5b1", "weight": 6, "className": "geomap-context"}
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", outline_style=style)
    assert layer.compact_data()["o"] == style


def test_features_are_lean(squares):
    squares.geometry = squares.geometry.translate(0.123456789, 0.987654321)
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", tooltip_columns=["population"])
    for f in layer.data["features"]:
        assert set(f["properties"]) == {"code", "name", "value", "class", "tip", "tooltip"}
        coords = np.array(f["geometry"]["coordinates"][0], dtype=float)
        assert np.array_equal(coords, np.round(coords, 5))
    assert _features(layer)["T-1"]["geometry"]["coordinates"][0][0] in ([1.12346, 0.98765], (1.12346, 0.98765))
    assert len(json.dumps(layer.data)) < 2500


def test_missing_column_is_named(squares):
    with pytest.raises(ValueError, match="'rate'"):
        choropleth.choropleth_layer(squares, "rate", label="x")
    with pytest.raises(ValueError, match="'nope'"):
        choropleth.choropleth_layer(squares, "per_100k", label="x", tooltip_columns=["nope"])


def test_other_crs_is_reprojected(squares):
    layer = choropleth.choropleth_layer(squares.to_crs(3857), "per_100k", label="x")
    xs = [c[0] for c in _features(layer)["T-2"]["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(1.0, abs=1e-5) and max(xs) == pytest.approx(2.0, abs=1e-5)


def test_duplicate_index_labels_are_fine(squares):
    squares.index = [7, 7, 8, 8]
    layer = choropleth.choropleth_layer(squares, "per_100k", label="x", k=2)
    assert [f["properties"]["class"] for f in layer.data["features"]] == [0, 1, -1, 0]


def test_arc_cache_reuses_the_encoded_borders_of_the_same_shapes(squares, monkeypatch):
    from geomap.layers import encoding

    calls = []
    real = encoding.topology
    monkeypatch.setattr(encoding, "topology", lambda *a, **k: calls.append(1) or real(*a, **k))
    cache: dict = {}
    first = choropleth.choropleth_layer(squares, "per_100k", label="Rate", arc_cache=cache)
    again = squares.assign(per_100k=squares["per_100k"].fillna(0) * 3)  # other values, same shapes
    second = choropleth.choropleth_layer(again, "per_100k", label="Rate", arc_cache=cache)
    assert first.compact_data()["a"] == second.compact_data()["a"]
    assert len(calls) == 1 and len(cache) == 1
    assert first.compact_data()["f"] != second.compact_data()["f"]  # the shading still follows the values
    moved = squares.set_geometry(squares.geometry.translate(0.5, 0))
    choropleth.choropleth_layer(moved, "per_100k", label="Rate", arc_cache=cache).compact_data()
    assert len(calls) == 2 and len(cache) == 2  # other shapes: encoded again, under their own key
    nocache = choropleth.choropleth_layer(squares, "per_100k", label="Rate")
    assert nocache.compact_data()["a"] == first.compact_data()["a"]
