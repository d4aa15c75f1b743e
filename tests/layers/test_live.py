"""Live map: a base page drawn once, then filter states sent as small updates and applied in place."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geomap.analysis.coverage import coverage_by_unit
from geomap.directory import privacy
from geomap.layers import assets, coverage_map, encoding, legend, live

#: ``window.geomapApply`` being defined (the page scripts are compacted: no spaces).
APPLY_DEFINED = re.compile(r"window\.geomapApply\s*=\s*function")
MEASURES = {
    "providers": "Number of providers",
    "per_100k": "Providers per 100,000 people",
    "capacity": "Capacity (beds)",
}


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    """Three 1°×1° squares; the third has no census figure."""
    return gpd.GeoDataFrame(
        {
            "code": ["SQ-1", "SQ-2", "SQ-3"],
            "name": ["West square", "Middle square", "East square"],
            "population": [100_000.0, 2_500_000.0, float("nan")],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:4326",
    )


@pytest.fixture
def directory() -> gpd.GeoDataFrame:
    """Five fictional providers, with an index that is not 0..n-1 and not sorted.

    F-30 has no location; F-40 is confidential (its location is dropped from the public view).
    """
    rows = [
        # index, id, name, unit, services, capacity, confidential, geometry
        (10, "F-10", "Fictional shelter west", "SQ-1", ["shelter"], 12, False, Point(0.5, 0.5)),
        (3, "F-20", "Fictional clinic middle", "SQ-2", ["medical"], None, False, Point(1.5, 0.5)),
        (7, "F-30", "Fictional hotline", "SQ-2", ["hotline", "shelter"], None, False, None),
        (5, "F-40", "Fictional safe house", "SQ-2", ["shelter"], 30, True, Point(1.4, 0.4)),
        (8, "F-50", "Fictional legal aid east", "SQ-3", ["legal_aid", "medical"], None, False, Point(2.5, 0.5)),
    ]
    return gpd.GeoDataFrame(
        {
            "id": [r[1] for r in rows],
            "name": [r[2] for r in rows],
            "admin1_code": [r[3] for r in rows],
            "service_types": [r[4] for r in rows],
            "populations_served": [[] for _ in rows],
            "capacity": [r[5] for r in rows],
            "confidential": [r[6] for r in rows],
            "fictional": [True] * len(rows),
            "status": ["placed"] * len(rows),
        },
        geometry=[r[7] for r in rows],
        index=[r[0] for r in rows],
        crs="EPSG:4326",
    )


@pytest.fixture
def view(directory) -> gpd.GeoDataFrame:
    return privacy.public_view(directory)


def _page(fmap) -> str:
    """The map's page with the layers' shared script inlined (as a file export has it)."""
    return assets.standalone_html(fmap)


def _registered(html_text: str, name: str) -> bool:
    return f"(window.geomapLayers = window.geomapLayers || {{}})[{encoding.script_json(name)}] =" in html_text


# --- page_with_update / update_json ---------------------------------------------------------


def test_page_with_update_runs_the_update_before_the_end_of_the_page():
    page = "<html><body><p>map</p></body></html>"
    out = live.page_with_update(page, '{"shade":null}')
    assert out == '<html><body><p>map</p></body><script>window.geomapApply({"shade":null});</script></html>'
    # the last </html> counts (an earlier one inside a script or comment is not the end)
    twice = "<html><script>var s = '</html>';</script></html>"
    out = live.page_with_update(twice, "{}")
    assert out == "<html><script>var s = '</html>';</script><script>window.geomapApply({});</script></html>"
    # no closing tag: appended
    assert live.page_with_update("<div>map</div>", "{}") == "<div>map</div><script>window.geomapApply({});</script>"


def test_update_json_is_script_safe_and_round_trips():
    hostile = "Unit </script><script>window.__xss=1</script> & 'quoted' {{ 7*7 }}"
    update = {"shade": {"f": [["SQ-1", 0, 0, [hostile]]]}, "legend": {"title": hostile}, "markers": None}
    text = live.update_json(update)
    for bad in ("</script>", "<script>", "<", ">", "&", "'", "{{"):
        assert bad not in text, bad
    assert json.loads(text) == update
    # inserted into a page, the script holds exactly one </script>: its own
    page = live.page_with_update("<html></html>", text)
    assert page.count("</script>") == 1


# --- coverage_base ---------------------------------------------------------------------------


def test_coverage_base_registers_units_and_markers_and_defines_apply(units, view):
    base = coverage_map.coverage_base(units, view)
    html_text = _page(base)
    assert _registered(html_text, live.UNITS)
    assert _registered(html_text, live.MARKERS)
    assert APPLY_DEFINED.search(html_text)
    assert html_text.count("window.geomapGeoLayer(") == 1  # one units layer, drawn once
    # the base holds no filter state: every unit unshaded ("no data"), no legend drawn
    (layer,) = [c for c in _walk(base) if isinstance(c, encoding.CompactGeoJson)]
    assert layer.register_as == live.UNITS
    assert [f["properties"]["class"] for f in layer.data["features"]] == [-1, -1, -1]
    assert [f["id"] for f in layer.data["features"]] == ["SQ-1", "SQ-2", "SQ-3"]
    assert not any(isinstance(c, legend.Legend) for c in _walk(base))
    # every located public record is a marker; the confidential site (no location in the
    # public view) and the record without a location are not
    for name in ("Fictional shelter west", "Fictional clinic middle", "Fictional legal aid east"):
        assert name in html_text
    assert "Fictional safe house" not in html_text and "[0.4,1.4" not in html_text


def test_coverage_base_without_located_records_has_no_marker_layer(units, view):
    html_text = _page(coverage_map.coverage_base(units, view.iloc[0:0]))
    assert _registered(html_text, live.UNITS)
    assert not _registered(html_text, live.MARKERS)
    assert APPLY_DEFINED.search(html_text)


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)


# --- coverage_update -------------------------------------------------------------------------


def _resolved(shade: dict, key: str, index: int) -> dict:
    """A shade row's style (``y``) or highlight (``h``) with the shared entries merged back."""
    table = shade.get(key) or []
    return {**shade.get(key.upper(), {}), **(table[index] if table else {})}


def _by_id(shade: dict) -> dict[str, tuple[dict, dict, list[str]]]:
    """``{id: (style, highlight, tooltip texts)}`` from a shade_data/compact_data payload."""
    out = {}
    for row in shade["f"]:
        if len(row) == 4:  # shade_data: [id, style, highlight, texts]
            fid, s, h, tips = row
        else:  # compact_data: [id, shape, style, highlight, texts, ...], trailing zeros dropped
            padded = [*row, 0, 0, None][:5]
            fid, _shape, s, h, tips = padded
        out[fid] = (_resolved(shade, "y", s), _resolved(shade, "h", h), tips or [])
    return out


def _drawn_layer(units, table, view, measure):
    """The choropleth build_coverage_map draws for this table and measure."""
    _base, groups = coverage_map.coverage_layers(units, table, view, measure=measure, measure_label=MEASURES[measure])
    (layer,) = [c for c in groups[0]._children.values() if isinstance(c, encoding.CompactGeoJson)]
    return layer


@pytest.mark.parametrize("measure", list(MEASURES))
@pytest.mark.parametrize("services", [None, ["shelter"], ["medical"]])
def test_update_shades_as_build_coverage_map_draws(units, directory, view, measure, services):
    table = coverage_by_unit(units, directory, services=services)
    update = coverage_map.coverage_update(units, table, view, measure=measure, measure_label=MEASURES[measure])
    assert set(update) == {"shade", "legend", "markers"}
    shade = update["shade"]
    assert [row[0] for row in shade["f"]] == ["SQ-1", "SQ-2", "SQ-3"]  # matched by unit code
    drawn = _drawn_layer(units, table, view, measure)
    sent = drawn.compact_data()
    # the same tooltip labels and options, and per unit the same style, highlight and texts
    assert shade["t"] == sent["t"] and shade.get("tt") == sent.get("tt")
    assert _by_id(shade) == _by_id(sent)
    # ...and the same as the drawn layer's own shading, entry for entry
    assert shade == drawn.shade_data()
    # the legend: the same classes as the drawn layer's
    assert update["legend"] == {
        **legend.legend_data(drawn.classification, title=MEASURES[measure], symbols=coverage_map.MARKER_SYMBOLS),
        "position": "bottomright",
    }


def test_update_tooltips_and_styles_follow_the_table(units, directory, view):
    table = coverage_by_unit(units, directory)
    assert table["providers"].tolist() == [1, 3, 1]  # by hand: F-10 | F-20, F-30, F-40 | F-50
    rows = _by_id(coverage_map.coverage_update(units, table, view)["shade"])
    assert [rows[c][2] for c in ("SQ-1", "SQ-2", "SQ-3")] == [
        ["West square", "1", "100,000"],
        ["Middle square", "3", "2,500,000"],
        ["East square", "1", "no data"],
    ]
    per_capita = coverage_map.coverage_update(units, table, view, measure="per_100k", measure_label="Per 100k")
    tips = _by_id(per_capita["shade"])
    assert tips["SQ-1"][2] == ["West square", "1.00", "1", "100,000"]
    assert tips["SQ-3"][2] == ["East square", "no data", "1", "no data"]  # no census: no rate, not 0
    assert tips["SQ-3"][0]["fillColor"] != tips["SQ-1"][0]["fillColor"]
    # a filter that changes the counts changes the texts
    shelters = coverage_by_unit(units, directory, services=["shelter"])
    assert _by_id(coverage_map.coverage_update(units, shelters, view)["shade"])["SQ-3"][2][1] == "0"


def test_update_of_a_table_in_another_order_is_matched_by_code(units, directory, view):
    table = coverage_by_unit(units, directory)
    shuffled = table.iloc[[2, 0, 1]].reset_index(drop=True)
    straight = coverage_map.coverage_update(units, table, view)
    reordered = coverage_map.coverage_update(units, shuffled, view)
    assert reordered == straight


def test_update_legend_carries_the_caption_escaped(units, directory, view):
    table = coverage_by_unit(units, directory)
    caption = "Services: Shelter <b>&</b>. Populations: all."
    update = coverage_map.coverage_update(units, table, view, caption=caption)
    assert update["legend"]["caption"] == "Services: Shelter &lt;b&gt;&amp;&lt;/b&gt;. Populations: all."
    assert update["legend"]["title"] == "Number of providers"
    assert update["legend"]["position"] == "bottomright"
    assert "caption" not in coverage_map.coverage_update(units, table, view)["legend"]


def test_visible_markers_are_positions_among_the_located_records(units, directory, view):
    table = coverage_by_unit(units, directory)
    # located records of the public view, in its order: F-10 (10), F-20 (3), F-50 (8);
    # F-30 (7) has no location and F-40 (5) is confidential
    located = view.index[view.geometry.notna() & ~view.geometry.is_empty].tolist()
    assert located == [10, 3, 8]

    def positions(visible):
        return coverage_map.coverage_update(units, table, view, visible=visible)["markers"]

    assert positions(None) is None
    assert positions(pd.Index([10, 3, 7, 5, 8])) is None  # every located record kept: show all
    assert positions(pd.Index([8, 3, 10])) is None  # in any order
    assert positions(pd.Index([8, 10])) == [0, 2]  # in the order of the located records
    assert positions(pd.Index([3])) == [1]
    assert positions(pd.Index([7, 5])) == []  # only unlocated records kept: no marker at all
    assert positions(pd.Index([], dtype="int64")) == []
    # as the page builds it: the filtered view's index
    shelters = view[view["service_types"].map(lambda s: s is not None and "shelter" in s)]
    assert positions(shelters.index) == [0]


def test_marker_positions_index_the_base_marker_rows(units, directory, view):
    """Position k of an update is the k-th marker the base draws."""
    from geomap.layers import markers

    base = coverage_map.coverage_base(units, view)
    (element,) = [c for c in _walk(base) if isinstance(c, markers._CircleMarkers)]
    assert element.register_as == live.MARKERS
    titles = [row[3] for row in element.rows]
    assert titles == ["Fictional shelter west", "Fictional clinic middle", "Fictional legal aid east"]
    table = coverage_by_unit(units, directory)
    shown = coverage_map.coverage_update(units, table, view, visible=pd.Index([8]))["markers"]
    assert [titles[k] for k in shown] == ["Fictional legal aid east"]


def test_unknown_measure_is_refused(units, directory, view):
    table = coverage_by_unit(units, directory)
    with pytest.raises(ValueError, match="not a coverage column"):
        coverage_map.coverage_update(units, table, view, measure="beds")
    with pytest.raises(ValueError, match="not a coverage column"):
        coverage_map.coverage_update(units, table.drop(columns=["per_100k"]), view, measure="per_100k")


def test_update_fits_in_a_page_and_applies_to_the_base(units, directory, view):
    """The whole round: base page + update as the component sends them."""
    table = coverage_by_unit(units, directory, services=["shelter"])
    update = coverage_map.coverage_update(units, table, view, visible=pd.Index([10]), caption="Services: Shelter.")
    text = live.update_json(update)
    page = live.page_with_update(_page(coverage_map.coverage_base(units, view)), text)
    assert page.rstrip().endswith(f"<script>window.geomapApply({text});</script></html>")
    assert APPLY_DEFINED.search(page).start() < page.index(f"window.geomapApply({text})")
    assert json.loads(text)["markers"] == [0]


def test_units_without_a_shape_are_left_out_of_the_shading_as_on_the_map():
    # A unit with an empty geometry is not drawn (choropleth_layer drops it), so it must not
    # shift the class breaks or be counted in the legend of an update either.
    from shapely.geometry import Polygon

    shaped = gpd.GeoDataFrame(
        {"code": list("ABCD"), "name": list("abcd"), "population": [1e5] * 4},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), Polygon()],
        crs="EPSG:4326",
    )
    table = pd.DataFrame({"code": list("ABCD"), "name": list("abcd"), "providers": [0, 1, 2, 50]})
    nobody = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    _, groups = coverage_map.coverage_layers(shaped, table, nobody)
    (layer,) = [c for c in groups[0]._children.values() if isinstance(c, encoding.CompactGeoJson)]
    update = coverage_map.coverage_update(shaped, table, nobody)
    assert update["shade"] == layer.shade_data()
    assert [row[0] for row in update["shade"]["f"]] == ["A", "B", "C"]
    assert sum(row[2] for row in update["legend"]["rows"]) + update["legend"]["none"][1] == 3
