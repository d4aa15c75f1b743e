"""Geodesic buffer catchments and road travel-time catchments on a tiny OSM XML built here."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _gaps_fixtures import GEOD, at, directory

from geomap.analysis import catchments as ca
from geomap.analysis import distance as ds


def test_buffer_vertices_are_at_the_radius():
    provs = ds.providers_offering(directory(), None)
    buf = ca.buffer_catchments(provs, radius_km=50, n_vertices=32)
    assert buf.crs.to_epsg() == 4326 and list(buf.index) == list(provs.index)
    ring = np.asarray(buf.geometry.iloc[0].exterior.coords)[:-1]
    _, _, d = GEOD.inv(np.zeros(len(ring)), np.zeros(len(ring)), ring[:, 0], ring[:, 1])
    assert np.allclose(d, 50_000, atol=1e-3)
    assert buf.geometry.iloc[0].is_valid
    assert set(buf.columns) >= {"id", "confidential", "capacity", "radius_km"}


def test_30_km_settlement_inside_50_km_outside_25_km():
    provs = ds.providers_offering(directory(), "shelter")
    x, y = at(0, 0, 90, 30)
    pt = shapely.Point(x, y)
    assert ca.buffer_catchments(provs, radius_km=50).geometry.iloc[0].contains(pt)
    assert not ca.buffer_catchments(provs, radius_km=25).geometry.iloc[0].contains(pt)


def test_confidential_catchments_only_for_partners():
    provs = ds.providers_offering(directory(confidential=True), None)
    buf = ca.buffer_catchments(provs, radius_km=10)
    assert list(ca.visible_catchments(buf, role="public")["id"]) == ["P2"]
    assert list(ca.visible_catchments(buf, role="partner")["id"]) == ["P1", "P2"]


def test_empty_and_bad_radius():
    none = ds.providers_offering(directory(), "repatriation")
    assert len(ca.buffer_catchments(none, radius_km=5)) == 0
    with pytest.raises(ValueError, match="radius_km"):
        ca.buffer_catchments(none, radius_km=0)


# ---------------------------------------------------------------- road graph (offline)
def _write_osm(path):
    """Five nodes 1 km apart along the equator joined by a 'residential' road with maxspeed 60,
    plus an unconnected far node pair. Coordinates are synthetic (not a real place)."""
    nodes = []
    for i in range(5):
        x, y = at(10.0, 0.0, 90, float(i))
        nodes.append((i + 1, x, y))
    fx, fy = at(10.0, 0.0, 0, 20)
    nodes += [(10, fx, fy), (11, fx + 0.01, fy)]
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="geomap-test">']
    for nid, x, y in nodes:
        xml.append(f'<node id="{nid}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>')
    xml.append('<way id="100" version="1">' + "".join(f'<nd ref="{i}"/>' for i in range(1, 6)))
    xml.append('<tag k="highway" v="residential"/><tag k="maxspeed" v="60"/></way>')
    xml.append('<way id="101" version="1"><nd ref="10"/><nd ref="11"/><tag k="highway" v="residential"/></way>')
    xml.append("</osm>")
    path.write_text("\n".join(xml), encoding="utf-8")
    return path


def test_travel_time_catchment_on_osm_fixture(tmp_path):
    g = ca.load_road_graph(_write_osm(tmp_path / "tiny.osm"), simplify=False)
    x, y = at(10.0, 0.0, 90, 0)
    provider = gpd.GeoDataFrame({"id": ["T1"], "confidential": [False]}, geometry=gpd.points_from_xy([x], [y]), crs="EPSG:4326")
    # 60 km/h = 1 km per minute: 2.5 minutes reach nodes at 0, 1 and 2 km
    out = ca.travel_time_catchments(g, provider, minutes=2.5)
    assert out.loc[0, "nodes_reached"] == 3
    poly = out.geometry.iloc[0]
    far = shapely.Point(*at(10.0, 0.0, 90, 4))
    assert poly.distance(shapely.Point(*at(10.0, 0.0, 90, 2))) < 1e-6
    assert poly.distance(far) > 0
    out2 = ca.travel_time_catchments(g, provider, minutes=10)
    assert out2.loc[0, "nodes_reached"] == 5

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([at(10.0, 0.0, 90, 3)[0], at(10.0, 0, 0, 20)[0]], [0.0, at(10.0, 0, 0, 20)[1]]), crs="EPSG:4326")
    tt = ca.travel_time_to_nearest(g, provider, pts)
    assert tt.iloc[0] == pytest.approx(3.0, rel=0.01)  # 3 km at 60 km/h
    assert np.isnan(tt.iloc[1])  # the far road is not connected

    # simplified graph: the 5-node road becomes one edge; its shape still bounds the catchment
    gs = ca.load_road_graph(tmp_path / "tiny.osm")
    full = ca.travel_time_catchments(gs, provider, minutes=10).geometry.iloc[0]
    assert full.distance(shapely.Point(*at(10.0, 0.0, 90, 2))) < 1e-6


def test_graphml_round_trip_and_errors(tmp_path):
    import osmnx as ox

    g = ca.load_road_graph(_write_osm(tmp_path / "tiny.osm"))
    ox.save_graphml(g, tmp_path / "tiny.graphml")
    g2 = ca.load_road_graph(tmp_path / "tiny.graphml")
    assert len(g2.nodes) == len(g.nodes)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ca.load_road_graph(tmp_path / "missing.osm")
    (tmp_path / "roads.txt").write_text("x")
    with pytest.raises(ValueError, match="unsupported type"):
        ca.load_road_graph(tmp_path / "roads.txt")
    g3 = ca.load_road_graph((tmp_path / "tiny.osm").read_bytes(), filename="upload.osm")
    assert len(g3.nodes) == len(g.nodes)
    with pytest.raises(ValueError, match="unsupported type '.pdf'"):
        ca.load_road_graph(b"%PDF", filename="roads.pdf")
    with pytest.raises(ValueError, match="downloading is off"):
        ca.load_road_graph(bbox=(10.0, 0.0, 10.1, 0.1), cache_dir=tmp_path)
