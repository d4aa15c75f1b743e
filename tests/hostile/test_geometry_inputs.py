"""Hostile boundary files through ``geomap.boundaries.read_boundaries`` (helper-1's contract).

Expected: a usable GeoDataFrame (EPSG:4326, valid polygons) with a note naming every dropped or
repaired feature, or a ``ValueError`` naming the file and the problem — never a silent change.
"""

from __future__ import annotations

import pytest

from geomap import boundaries
from hostile import corpus


def _notes(gdf) -> str:
    return "\n".join(str(n) for n in (gdf.attrs.get("notes") or []) + (gdf.attrs.get("warnings") or []))


def test_self_intersecting_polygon_is_repaired_and_said(tmp_path):
    g = boundaries.read_boundaries(corpus.build_bowtie(tmp_path))
    assert len(g) == 2 and g.geometry.is_valid.all()
    assert g.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert "repaired" in _notes(g)


def test_empty_geometries_are_named(tmp_path):
    g = boundaries.read_boundaries(corpus.build_empty_geometries(tmp_path))
    assert g["code"].tolist() == ["NG-XA"]
    assert "NG-XB" in _notes(g) and "NG-XC" in _notes(g)


def test_mixed_geometry_types_are_named(tmp_path):
    try:
        g = boundaries.read_boundaries(corpus.build_mixed_types(tmp_path))
    except ValueError as exc:
        assert "mixed_types.geojson" in str(exc)
        return
    assert "NG-XB" in _notes(g) and "Point" in _notes(g)


def test_projected_metres_in_a_degree_file_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"wrong_crs\.geojson"):
        boundaries.read_boundaries(corpus.build_wrong_crs(tmp_path))


def test_shapefile_without_prj_assumes_degrees_and_says_so(tmp_path):
    g = boundaries.read_boundaries(corpus.build_shp_missing_prj(tmp_path))
    assert len(g) == 2 and g.crs.to_epsg() == 4326
    assert "EPSG:4326 assumed" in _notes(g)


def test_shapefile_without_dbf_names_the_missing_part(tmp_path):
    with pytest.raises(ValueError, match=r"shp_no_dbf\.zip.*\.dbf"):
        boundaries.read_boundaries(corpus.build_shp_missing_dbf(tmp_path))


def test_zip_path_traversal_refused_and_nothing_written(tmp_path):
    work = tmp_path / "in"
    path = corpus.build_zip_traversal(work)
    with pytest.raises(ValueError, match=r"traversal\.zip.*\.\./x"):
        boundaries.read_boundaries(path)
    assert not (tmp_path / "x").exists() and not (work.parent / "x").exists()


def test_zip_bomb_refused_without_inflating(tmp_path):
    import tracemalloc

    path = corpus.build_zip_bomb(tmp_path)
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"bomb\.zip.*zip bomb"):
        boundaries.read_boundaries(path)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024  # refused from the member list, not after inflating 300 MB


def test_boundary_upload_over_the_size_limit_refused_before_reading(monkeypatch):
    from geomap.io import limits

    class Huge:
        name = "states.geojson"
        size = 500 * 1024 * 1024

        def getvalue(self):
            raise AssertionError("read before the size check")

        read = getvalue

    with pytest.raises(limits.UploadTooLarge, match="states.geojson"):
        boundaries.read_boundaries(Huge())
