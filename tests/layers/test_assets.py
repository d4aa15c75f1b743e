"""Offline assets: local URLs only, vendored files intact, self-contained HTML export."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import folium
import folium.plugins
import pytest

from geomap.layers import assets
from geomap.layers.markers import marker_layer

from .conftest import urls

REPO = Path(__file__).resolve().parents[2]


def _vendor_script():
    spec = importlib.util.spec_from_file_location("vendor_assets", REPO / "scripts" / "vendor_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _asset_tags(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_offline_map_references_only_local_assets():
    m = assets.offline_map(location=(1.0, 2.0), zoom_start=5)
    html = m.get_root().render()
    assert _asset_tags(html) == ["/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/leaflet/leaflet.css"]
    assert urls(html) == set()
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert '"maxZoom": 18' in html
    assert assets.external_assets(m) == []


def test_class_defaults_are_not_touched():
    assets.offline_map()
    assert any("cdn" in url for _, url in folium.Map.default_js)


def test_online_tiles_are_an_overlay_that_starts_switched_off():
    html = assets.offline_map(location=(0, 0), online_tiles=True).get_root().render()
    assert urls(html) == {"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://www.openstreetmap.org/copyright"}
    tile_var = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", html).group(1)
    assert f"{tile_var}.addTo(" not in html  # not on the map until the user ticks it
    assert "L.control.layers(" in html


def test_internet_tiles_are_refused_local_tiles_accepted():
    with pytest.raises(ValueError, match="online_tiles=True"):
        assets.offline_map(tiles="https://tile.example.org/{z}/{x}/{y}.png", tiles_attribution="x")
    with pytest.raises(ValueError, match="tiles_attribution"):
        assets.offline_map(tiles="http://127.0.0.1:8080/{z}/{x}/{y}.png")
    m = assets.offline_map(tiles="http://127.0.0.1:8080/{z}/{x}/{y}.png", tiles_attribution="Local tiles")
    assert "http://127.0.0.1:8080/{z}/{x}/{y}.png" in m.get_root().render()


def test_bounds_centre_the_map_and_fit():
    m = assets.offline_map(bounds=[[0.0, 10.0], [4.0, 14.0]])
    assert m.location == [2.0, 12.0]
    assert "fitBounds" in m.get_root().render()


def test_marker_cluster_assets_follow_the_map_asset_base():
    m = assets.offline_map(location=(0, 0), asset_base="/here/vendor")
    assets.LocalMarkerCluster().add_to(m)
    html = m.get_root().render()
    assert "/here/vendor/leaflet.markercluster/leaflet.markercluster.js" in _asset_tags(html)
    assert "/here/vendor/leaflet.markercluster/MarkerCluster.Default.css" in _asset_tags(html)
    assert all(tag.startswith("/here/vendor/") for tag in _asset_tags(html))
    assert urls(html) == set()


def test_external_assets_names_a_cdn_plugin():
    m = assets.offline_map(location=(0, 0))
    folium.plugins.MarkerCluster().add_to(m)  # folium's own: loads from a CDN
    found = assets.external_assets(m)
    assert found and all(u.startswith("https://") for u in found)
    with pytest.raises(ValueError, match="load from the internet"):
        assets.standalone_html(m)


def test_standalone_html_inlines_every_asset(providers):
    m = assets.offline_map(location=(0, 0), online_tiles=False)
    marker_layer(providers).add_to(m)
    assets.LocalMarkerCluster().add_to(m)  # a plugin's script and style sheets (with images)
    html = assets.standalone_html(m, title="Export")
    assert "<script src=" not in html
    assert '<link rel="stylesheet"' not in html
    # The only URLs left are those inside the inlined upstream code (comments, Leaflet's credit link).
    upstream = set()
    for path in [*assets.VENDOR_DIR.rglob("*.js"), *assets.VENDOR_DIR.rglob("*.css")]:
        upstream |= urls(path.read_text(encoding="utf-8"))
    assert urls(html) <= upstream
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html)
    assert 'version="1.9.4"' in html or '.version="1.9.4"' in html  # Leaflet itself
    assert "MarkerClusterGroup" in html
    assert "url(data:image/png;base64," in html  # CSS images travel inside the file
    assert "sourceMappingURL" not in html
    assert "<title>Export</title>" in html


def test_standalone_html_reports_a_missing_vendored_file(tmp_path):
    m = assets.offline_map(location=(0, 0))
    with pytest.raises(FileNotFoundError, match="vendor_assets.py"):
        assets.standalone_html(m, vendor_dir=tmp_path)


def test_vendored_files_match_their_manifest():
    assert _vendor_script().check() == []


def test_vendor_check_notices_a_changed_file(tmp_path):
    copy = tmp_path / "vendor"
    shutil.copytree(assets.VENDOR_DIR, copy)
    (copy / "leaflet" / "leaflet.js").write_text("/* tampered */")
    problems = _vendor_script().check(copy)
    assert len(problems) == 1 and "leaflet.js" in problems[0]


def test_licences_are_vendored():
    assert (assets.VENDOR_DIR / "leaflet" / "LICENSE").is_file()
    assert (assets.VENDOR_DIR / "leaflet.markercluster" / "MIT-LICENCE.txt").is_file()
