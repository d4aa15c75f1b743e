"""Markers: public views only, every text escaped, the fictional notice, local cluster assets."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from geomap.directory import privacy, schema
from geomap.layers import assets, markers

from .conftest import urls


def _rows(layer) -> list[list]:
    (element,) = [c for c in layer._children.values() if isinstance(c, markers._CircleMarkers)]
    return element.rows


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
    rows = _rows(markers.marker_layer(full, role=privacy.PARTNER))
    assert len(rows) == 2
    assert markers.CONFIDENTIAL_NOTICE in rows[1][3]
    with pytest.raises(ValueError):
        markers.marker_layer(full, role=privacy.PUBLIC)


def test_popups_and_tooltips_are_escaped(providers):
    rows = _rows(markers.marker_layer(providers))
    tooltip, popup = rows[0][2], rows[0][3]
    assert tooltip == "&lt;script&gt;alert(1)&lt;/script&gt; (fictional sample)"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in popup and "<script" not in popup
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in popup and "<img" not in popup
    m = assets.offline_map(location=(0, 0))
    markers.marker_layer(providers).add_to(m)
    html = m.get_root().render()
    assert "<script>alert" not in html and "<img src=x" not in html


def test_fictional_records_carry_the_notice(providers):
    rows = _rows(markers.marker_layer(providers))
    assert schema.FICTIONAL_NOTICE in rows[0][3]  # P1 is fictional
    assert schema.FICTIONAL_NOTICE not in rows[1][3]  # P2 is not
    assert [r[4] for r in rows] == [1, 0]  # fictional markers get their own style


def test_popup_uses_schema_labels_and_vocabulary(providers):
    popup = markers.popup_html(providers.iloc[1], popup_fields=("service_types", "phone"))
    assert "<th>Service types</th><td>Legal aid, Medical care</td>" in popup
    assert "<th>Phone</th><td>000</td>" in popup


def test_website_becomes_a_link_only_for_http(providers):
    providers["website"] = ["javascript:alert(3)", "https://example.org/a?b=1&c=2", None]
    popups = [r[3] for r in _rows(markers.marker_layer(providers, popup_fields=("website",)))]
    assert "<a " not in popups[0] and "javascript:alert(3)" in popups[0]
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">' in popups[1]


def test_cluster_uses_local_assets_and_plain_group_needs_none(providers):
    clustered = markers.marker_layer(providers, cluster=True)
    assert isinstance(clustered, assets.LocalMarkerCluster)
    assert all(url.startswith("/app/static/vendor/") for _, url in clustered.default_js + clustered.default_css)
    plain = markers.marker_layer(providers, cluster=False)
    assert type(plain) is folium.FeatureGroup
    m = assets.offline_map(location=(0, 0))
    plain.add_to(m)
    assert "markercluster" not in m.get_root().render().lower()
    assert urls(m.get_root().render()) == set()


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
