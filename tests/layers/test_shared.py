"""The layers' shared page script: current, linked once per page under the map's asset base, inlined in exports."""

from __future__ import annotations

import re

from geomap.directory import privacy
from geomap.layers import assets, choropleth, legend, markers, page_script, shared


def test_the_committed_script_file_is_current():
    assert shared.SCRIPT_FILE.is_file(), "run python scripts/build_layer_script.py"
    assert shared.SCRIPT_FILE.read_text(encoding="utf-8") == page_script.script_text(), (
        "static/vendor/geomap/geomap-layers.js is out of date: run python scripts/build_layer_script.py"
    )


def test_the_script_defines_each_layer_function_once():
    text = page_script.script_text()
    for name in ("geomapGeoLayer", "geomapMarkers", "geomapLegend", "geomapLive"):
        assert len(re.findall(rf"window\.{name}=", text)) == 1, name
    assert "//" not in text.replace("https?:\\/\\/", "").split("\n", 1)[1]  # one-line code, no comments


def test_a_map_links_the_script_once_and_holds_no_copy_of_it(providers):
    m = assets.offline_map(location=(0, 0), asset_base="/here/vendor")
    cls = choropleth.classify([1.0, 2.0], k=2)
    legend.legend_element(cls, title="T").add_to(m)
    markers.marker_layer(privacy.public_view(providers)).add_to(m)
    html = m.get_root().render()
    links = re.findall(r'<script src="([^"]+)"', html)
    assert links.count(shared.script_url("/here/vendor")) == 1
    assert shared.script_url("/here/vendor").startswith("/here/vendor/geomap/geomap-layers.js?v=")
    assert "elementFromPoint" not in html and "geomap-popup-title" not in html  # the code is in the file
    assert "geomapLegend(" in html and "geomapMarkers(" in html


def test_an_export_inlines_the_script(providers):
    m = assets.offline_map(location=(0, 0))
    markers.marker_layer(privacy.public_view(providers)).add_to(m)
    html = assets.standalone_html(m)
    assert "<script src=" not in html
    assert page_script.script_text().split("\n", 1)[1].strip() in html
