"""Markers: public views only, every text escaped, the fictional notice, local cluster assets."""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geomap.directory import privacy, schema
from geomap.layers import assets, markers, shared

from .conftest import urls


def _element(layer) -> markers._CircleMarkers:
    (element,) = [c for c in layer._children.values() if isinstance(c, markers._CircleMarkers)]
    return element


def _rows(layer) -> list[list]:
    return _element(layer).rows


def _records(layer) -> list[dict]:
    return _element(layer).records()


def test_confidential_row_with_geometry_is_refused(providers):
    providers.loc[1, "confidential"] = True
    with pytest.raises(ValueError, match="public view only") as err:
        markers.marker_layer(providers)
    assert "id P2" in str(err.value)
    assert "1.5" not in str(err.value) and "0.5" not in str(err.value)  # no coordinates in the message


def test_blank_flag_shelter_counts_as_confidential(providers):
    providers["confidential"] = providers["confidential"].astype(object)
    providers.loc[0, "confidential"] = None  # a shelter with no explicit "false"
    with pytest.raises(ValueError, match="public view only"):
        markers.marker_layer(providers)


def test_public_view_is_accepted_and_confidential_sites_are_not_drawn(providers):
    providers.loc[1, "confidential"] = True
    public = privacy.public_view(providers)
    layer = markers.marker_layer(public, cluster=False)
    rows = _rows(layer)
    assert len(rows) == 1  # P1 only: P2 is confidential, P3 has no location
    assert rows[0][:2] == [0.5, 0.5]


def test_partner_role_may_draw_confidential_sites_with_a_notice(providers):
    providers.loc[1, "confidential"] = True
    full = privacy.view_for_role(providers, privacy.PARTNER)
    records = _records(markers.marker_layer(full, role=privacy.PARTNER))
    assert len(records) == 2
    assert records[1]["confidential"] and records[1]["notices"][0] == markers.CONFIDENTIAL_NOTICE
    assert not records[0]["confidential"]
    with pytest.raises(ValueError):
        markers.marker_layer(full, role=privacy.PUBLIC)


def test_popups_and_tooltips_are_escaped(providers):
    # Texts travel as plain data and the browser inserts them as text nodes: the builder script
    # never parses HTML, and nothing in the page is markup.
    records = _records(markers.marker_layer(providers))
    assert records[0]["tooltip"] == "<script>alert(1)</script> (fictional sample)"
    assert records[0]["fields"]["Phone"] == '<img src=x onerror="alert(2)">'
    js = markers._MARKERS_JS
    assert "textContent" in js
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "setAttribute"):
        assert sink not in js, sink
    m = assets.offline_map(location=(0, 0))
    markers.marker_layer(providers).add_to(m)
    html = m.get_root().render()
    assert "<script>alert" not in html and "<img src=x" not in html
    # sent HTML-escaped (and JSON-escaped); the script unescapes each text once, into textContent
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in html
    assert "//" not in markers._MARKERS_JS.replace("https?:\\/\\/", "")  # no comment on the one-line script


def test_template_syntax_in_texts_is_data_not_code(providers):
    # folium re-parses rendered scripts as jinja templates: "{{ 7*7 }}" must stay text.
    providers.loc[0, "name"] = "{{ 7*7 }} {% if 1 %}x{% endif %} {# c"
    m = assets.offline_map(location=(0, 0))
    markers.marker_layer(providers).add_to(m)
    html = m.get_root().render()
    assert "\\u007b{ 7*7 }}" in html and "\\u007b% if 1 %}" in html and "\\u007b# c" in html


def test_fictional_records_carry_the_notice(providers):
    records = _records(markers.marker_layer(providers))
    assert records[0]["notices"] == [schema.FICTIONAL_NOTICE]  # P1 is fictional
    assert records[1]["notices"] == []  # P2 is not
    assert [r[2] for r in _rows(markers.marker_layer(providers))] == [1, 0]  # fictional flag -> own style


def test_popup_uses_schema_labels_and_vocabulary(providers):
    popup = markers.popup_html(providers.iloc[1], popup_fields=("service_types", "phone"))
    assert "<th>Service types</th><td>Legal aid, Medical care</td>" in popup
    assert "<th>Phone</th><td>000</td>" in popup


def test_website_becomes_a_link_only_for_http(providers):
    providers["website"] = ["javascript:alert(3)", "https://example.org/a?b=1&c=2", None]
    layer = markers.marker_layer(providers, popup_fields=("website",))
    assert [r["fields"] for r in _records(layer)] == [
        {"Website": "javascript:alert(3)"},
        {"Website": "https://example.org/a?b=1&c=2"},
    ]
    assert _element(layer).link == 0
    # the browser makes a link only for http(s) values, through the href property
    assert "k === d.link && /^https?:\\/\\//i.test(text)" in markers._MARKERS_JS
    assert 'a.href = text; a.target = "_blank"; a.rel = "noopener noreferrer";' in markers._MARKERS_JS
    # server-side popups (documents) still escape and link the same way
    popup = markers.popup_html(providers.iloc[1], popup_fields=("website",))
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">' in popup
    assert "<a " not in markers.popup_html(providers.iloc[0], popup_fields=("website",))


def test_repeated_texts_are_sent_once_and_verbatim(providers):
    providers["phone"] = ["+000 000 0001 (fictional)", "+000 000 0002 (fictional)", None]
    providers["service_types"] = [["shelter"], ["shelter"], ["shelter"]]
    element = _element(markers.marker_layer(providers, popup_fields=("service_types", "phone")))
    _services, phones = element.payload()["fields"]
    assert set(providers["phone"][:2]) <= set(phones["v"])  # verbatim, searchable
    assert [r["fields"]["Phone"] for r in element.records()] == list(providers["phone"][:2])
    many = _many(40)
    many["service_types"] = [["shelter"]] * 40
    services = _element(markers.marker_layer(many, popup_fields=("service_types",))).payload()["fields"][0]
    assert json.dumps(services).count("Shelter") == 1  # one entry for all 40 records


def _many(n: int = 120) -> gpd.GeoDataFrame:
    """``n`` fictional public records whose texts repeat, share prefixes and are hostile."""
    hostile = ["</script><b>x</b>", "{{ 7*7 }} {% if 1 %}", "\"q\" 'q' \\", "Ñandú 東京 😀", "&amp;"]
    return gpd.GeoDataFrame(
        {
            "name": [f"Provider {i} {hostile[i % 5]}" for i in range(n)],
            "organisation": [f"Org {i % 7}" for i in range(n)],
            "service_types": [["shelter", "legal_aid"][: 1 + i % 2] + ([hostile[i % 5]] if i % 3 == 0 else []) for i in range(n)],
            "town": [f"Town {i % 90}" for i in range(n)],
            "hours": [hostile[i % 5] if i % 4 else None for i in range(n)],
            "phone": [f"+000 {i:04d} {hostile[i % 5]}" for i in range(n)],
            "email": [f"p{i}@example.org" for i in range(n)],
            "website": [f"https://example.org/{i % 11}?a=1&b=2" for i in range(n)],
            "languages": [["English", "Français", hostile[i % 5]][: 1 + i % 3] for i in range(n)],
            "last_verified": [f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "confidential": [False] * n,
            "fictional": [i % 2 == 0 for i in range(n)],
        },
        geometry=[Point(3 + i / 1000, 6 + i / 997) for i in range(n)],
        crs="EPSG:4326",
    )


def test_compact_fields_decode_to_the_popup_texts():
    directory = _many()
    layer = markers.marker_layer(directory, cluster=False)
    element = _element(layer)
    records = element.records()  # decoded from the payload, as the page script does
    assert len(records) == len(directory)
    for i, (rec, (_idx, row)) in enumerate(zip(records, directory.iterrows(), strict=True)):
        expected = {
            markers._label(f): markers._field_text(f, row.get(f))
            for f in markers.DEFAULT_POPUP_FIELDS
            if markers._field_text(f, row.get(f))
        }
        assert rec["fields"] == expected, i
        assert rec["title"] == row["name"]
        assert (rec["lat"], rec["lon"]) == (round(row.geometry.y, 5), round(row.geometry.x, 5))
    # fields the privacy module withholds for confidential records are sent whole and as written
    payload = element.payload()
    by_label = {f["l"]: f for f in payload["fields"]}
    for label, column in (("Phone", "phone"), ("Email", "email"), ("Website", "website"), ("Town", "town")):
        assert "p" not in by_label[label] and "i" not in by_label[label]
        assert {html.escape(t) for t in directory[column]} <= set(by_label[label]["v"])
    # public fields may be front-coded or itemised, whichever is smaller (here: dates front-coded,
    # services itemised)
    assert by_label["Last verified"].get("p") == 1
    assert "i" in by_label["Service types"]
    # nothing in the page is markup or template code, and codes hold no digits
    m = assets.offline_map(location=(6, 3))
    layer.add_to(m)
    text = m.get_root().render()
    assert "</script><b>" not in text and "{{ 7*7 }}" not in text and "\\u007b{ 7*7 }}" in text
    assert all(not re.search(r"[0-9]", r[4]) for r in payload["rows"] if len(r) > 4)


def test_rows_keep_coordinates_as_written_next_to_each_other():
    payload = _element(markers.marker_layer(_many(3), cluster=False)).payload()
    text = json.dumps(payload["rows"])
    assert text.startswith("[[6.0, 3.0, 1, ")
    assert payload["rows"][1][:2] == [round(6 + 1 / 997, 5), round(3 + 1 / 1000, 5)]


def test_clusters_and_plain_markers_load_no_plugin(providers):
    for cluster in (True, False):
        layer = markers.marker_layer(providers, cluster=cluster, max_cluster_radius=55)
        assert type(layer) is folium.FeatureGroup
        assert _element(layer).payload().get("cluster") == (55 if cluster else None)
        m = assets.offline_map(location=(0, 0))
        layer.add_to(m)
        html = m.get_root().render()
        assert "markercluster" not in html.lower()
        assert urls(html) == set()
        assert _asset_tags(html) == [
            "/app/static/vendor/leaflet/leaflet.js",
            "/app/static/vendor/leaflet/leaflet.css",
            shared.script_url(),
        ]


def _asset_tags(html: str) -> list[str]:
    return re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)


def test_bad_inputs_are_refused(providers):
    with pytest.raises(ValueError, match="'fax'"):
        markers.marker_layer(providers, popup_fields=("fax",))
    lines = gpd.GeoDataFrame(
        {"name": ["x"], "confidential": [False]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:4326"
    )
    with pytest.raises(ValueError, match="LineString"):
        markers.marker_layer(lines)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        markers.marker_layer(pd.DataFrame(providers.drop(columns="geometry")))


def test_points_in_another_crs_are_reprojected(providers):
    rows = _rows(markers.marker_layer(providers.to_crs(3857)))
    assert rows[1][:2] == [0.5, 1.5]


def test_duplicate_index_labels_are_fine(providers):
    providers.index = [4, 4, 4]
    assert len(_rows(markers.marker_layer(providers))) == 2


def test_records_sharing_their_values_share_one_code_string(monkeypatch):
    # 600 records drawn from 3 kinds: each row sends the index of its kind's code string.
    n = 600
    kinds = [("Org A", "shelter", "Kano", "Mon-Fri"), ("Org B", "legal_aid", "Jos", ""), ("Org C", "medical", "Uyo", "24/7")]
    pick = [kinds[i % 3] for i in range(n)]
    directory = gpd.GeoDataFrame(
        {
            "name": [f"Service {i}" for i in range(n)],
            "organisation": [k[0] for k in pick],
            "service_types": [k[1] for k in pick],
            "town": [k[2] for k in pick],
            "hours": [k[3] for k in pick],
            "phone": [f"+234 {i:05d}" for i in range(n)],
            "confidential": [False] * n,
        },
        geometry=[Point(3 + i / 1000, 6 + i / 997) for i in range(n)],
        crs="EPSG:4326",
    )
    element = _element(markers.marker_layer(directory))
    payload = element.payload()
    assert payload["combos"][0] == "" and len(payload["combos"]) == 4
    assert all(len(r) == 4 or len(r[4]) == 1 for r in payload["rows"])
    shared = element.records()
    assert shared[1]["fields"]["Organisation"] == "Org B" and shared[1]["fields"]["Town"] == "Jos"
    assert shared[2]["fields"]["Opening hours"] == "24/7" and "Opening hours" not in shared[1]["fields"]
    monkeypatch.setattr(markers, "_shared_codes", lambda codes: (codes, {}))
    plain = _element(markers.marker_layer(directory))
    assert "combos" not in plain.payload()
    assert plain.records() == shared
    assert len(json.dumps(plain.payload())) > len(json.dumps(payload)) + 2 * n  # 3-4 codes -> 1 each
