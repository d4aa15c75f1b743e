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
    html = m.get_root().render()
    assert 'L.control({position: "topright"})' in html
    assert ".geomap-legend" in html  # its style sits in the page header
    assert urls(html) == set()  # no d3 or other colormap script


def test_bad_position_is_refused():
    cls = choropleth.classify([1.0, 2.0], k=2)
    with pytest.raises(ValueError, match="'middle'"):
        legend.legend_element(cls, title="T", position="middle")
