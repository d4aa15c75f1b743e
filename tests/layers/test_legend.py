"""Legend: class ranges, the no-data swatch, a caption; escaped; drawn by the map's own script."""

from __future__ import annotations

import pytest

from geomap.layers import assets, choropleth, legend

from .conftest import urls


def test_legend_lists_classes_no_data_and_caption():
    cls = choropleth.classify([0, 1, 2, 3, 10, 11, 12, None], k=2, fmt="{:,.0f}", no_data_label="no population figure")
    inner = legend.legend_html(cls, title="Providers per 100,000 people", caption="Population: 2006 census")
    assert "0 – 3" in inner and "4 – 12" in inner
    assert f"background:{cls.colors[0]}" in inner and f"background:{cls.colors[1]}" in inner
    assert "geomap-legend-nodata" in inner and "no population figure" in inner
    assert '<span class="geomap-legend-count">1</span>' in inner  # one unit without a value
    assert "Population: 2006 census" in inner


def test_legend_text_is_escaped():
    cls = choropleth.classify([1.0, 2.0], k=2, no_data_label="<i>none</i>")
    inner = legend.legend_html(cls, title="<script>x</script>", caption="a & <b>")
    assert "<script>" not in inner and "&lt;script&gt;" in inner
    assert "&lt;i&gt;none&lt;/i&gt;" in inner and "a &amp; &lt;b&gt;" in inner


def test_legend_is_a_leaflet_control_without_cdn():
    cls = choropleth.classify([1.0, 2.0, 3.0], k=3)
    m = assets.offline_map(location=(0, 0))
    legend.legend_element(cls, title="T", caption="C", position="topright").add_to(m)
    html = assets.standalone_html(m)  # with the layers' shared script, as a file export
    assert "L.control({position:d.position})" in html and '"position":"topright"' in html
    assert ".geomap-legend" in html  # its style is added by the legend's own script
    assert urls(m.get_root().render()) == set()  # no d3 or other colormap script


def test_legend_is_sent_as_escaped_data_and_built_as_text():
    cls = choropleth.classify([1.0, 2.0, None], k=2, fmt="{:,.0f}", no_data_label="<i>none</i>")
    data = legend.legend_data(cls, title="</script>{{ 7*7 }} \"Ñandú\"", caption="a & <b>")
    assert data == {
        "title": "&lt;/script&gt;{{ 7*7 }} &quot;Ñandú&quot;",
        "rows": [[cls.colors[0], "1", 1], [cls.colors[1], "2", 1]],
        "none": ["&lt;i&gt;none&lt;/i&gt;", 1],
        "caption": "a &amp; &lt;b&gt;",
    }
    assert legend.legend_data(cls, title="T", show_counts=False)["rows"][0][2] is None
    m = assets.offline_map(location=(0, 0))
    legend.Legend(data).add_to(m)
    html = m.get_root().render()
    assert "</script>{" not in html and "{{ 7*7 }}" not in html and "<i>" not in html
    js = legend.LEGEND_JS
    assert "textContent" in js and "innerHTML" not in js and "swatch.style.background = color" in js


def test_legend_refuses_a_colour_that_is_not_one():
    cls = choropleth.classify([1.0, 2.0], k=2)
    bad = choropleth.Classification(cls.scheme, cls.bins, cls.lower, cls.labels, ("red;x:url(a)", "#fff"), cls.counts, cls.classes)
    with pytest.raises(ValueError, match="CSS colour"):
        legend.legend_data(bad, title="T")


def test_bad_position_is_refused():
    cls = choropleth.classify([1.0, 2.0], k=2)
    with pytest.raises(ValueError, match="'middle'"):
        legend.legend_element(cls, title="T", position="middle")


def test_symbols_get_legend_rows_and_bad_ones_are_refused():
    import pytest

    from geomap.layers import legend as lg

    sym = lg.symbol_legend("On this map", [("dot", "#b00020", "Starting point <b>"), ("line", "#1d4e89", "Route")])
    assert sym.data_json.count("dot") == 1 and "Starting point \\u0026lt;b\\u0026gt;" in sym.data_json
    with pytest.raises(ValueError, match="kind must be one of"):
        lg.symbol_legend("x", [("star", "#000", "nope")])
    assert "PLACE_JS" in lg.__all__ and "elementFromPoint" in lg.LEGEND_JS  # placed clear of units
