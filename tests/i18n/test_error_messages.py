"""Errors a person reads when an uploaded file is bad: English exactly as the text of the
exception (logs, tests, ``str(err)``), said in Spanish, French and Arabic where shown
(:func:`geomap.i18n.error_text`: the Data page, the CLI)."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import geopandas as gpd
import pytest
import shapely
import shapely.geometry

from geomap import boundaries, i18n
from geomap.i18n import Message
from i18n._english import english_in

LANGS = ["es", "fr", "ar"]


def _geojson(gdf: gpd.GeoDataFrame) -> bytes:
    return gdf.to_json().encode("utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


_BOX = shapely.box(-103, 20, -102, 21)
#: Bad boundary files, each with the English the reader said before its errors were messages.
BAD_FILES = {
    "bytes without a name": (
        b"{}", None,
        "boundaries given as bytes need filename= (e.g. 'states.geojson') to tell the format",
    ),
    "unsupported format": (b"a,b\n1,2\n", "states.csv",
                           "states.csv: unsupported boundary format '.csv'; use GeoJSON, GeoPackage, a zipped Shapefile or GeoParquet"),
    "bare shapefile": (b"\0" * 100, "states.shp", "states.shp: a shapefile upload must be zipped with its .dbf, .shx and .prj"),
    "zip without a layer": (_zip({"readme.txt": b"nothing here"}), "states.zip",
                            "states.zip: the zip holds no shapefile, GeoPackage, GeoJSON or GeoParquet"),
    "two shapefiles": (_zip({"a.shp": b"x", "b.shp": b"y"}), "states.zip",
                       "states.zip: the zip holds 2 shapefiles (a.shp, b.shp); upload one"),
    "shapefile without .shx": (_zip({"a.shp": b"x", "a.dbf": b"y"}), "states.zip",
                               "states.zip: a.shp has no .shx index beside it in the zip; zip the .shp, .shx, .dbf and .prj together"),
    "points": (_geojson(gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.Point(-103, 20)], crs=4326)), "points.geojson",
               "points.geojson: boundaries must be polygons, found Point"),
    "no name column": (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"area_km2": 12.5},
                                       "geometry": shapely.geometry.mapping(_BOX)}]}).encode(), "states.geojson",
                       "states.geojson: cannot tell which column holds the unit names or codes (columns: area_km2); pass "
                       "name_col= and code_col="),
    "metres as degrees": (
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": {
            "type": "Polygon", "coordinates": [[[500000, 2000000], [600000, 2000000], [600000, 2100000], [500000, 2000000]]]}}]}
        ).encode(), "states.geojson",
        "states.geojson: coordinates look like projected metres, not degrees (bounds [500000.0, 2000000.0, 600000.0, 2100000.0]), "
        "but GeoJSON coordinates must be longitude/latitude (EPSG:4326) unless the file has a \"crs\" member; give the CRS: "
        "reproject the file to EPSG:4326 longitude/latitude, or save it with its CRS (a GeoPackage, or a zipped Shapefile with "
        "its .prj)"),
    "one code, two names": (
        _geojson(gpd.GeoDataFrame({"ADM1_EN": ["Uno", "Dos"], "ADM1_PCODE": ["MX01", "MX01"]},
                                  geometry=[_BOX, shapely.box(-102, 20, -101, 21)], crs=4326)), "states.geojson",
        "states.geojson: code 'MX01' in column 'ADM1_PCODE' is shared by units with different names (Dos, Uno); pass code_col= "
        "with a unique code column"),
}


def _error(name: str) -> ValueError:
    data, filename, _english = BAD_FILES[name]
    with pytest.raises(ValueError) as info:
        boundaries.read_boundaries(data, filename=filename)
    return info.value


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_boundary_file_errors_keep_their_english(name):
    err = _error(name)
    assert str(err) == BAD_FILES[name][2]
    assert isinstance(err.args[0], Message)
    assert i18n.error_text(err, "en") == BAD_FILES[name][2]
    assert str(pickle.loads(pickle.dumps(err))) == BAD_FILES[name][2]  # worker processes copy errors


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_boundary_file_errors_in_each_language(name, lang):
    err = _error(name)
    text = i18n.error_text(err, lang)
    assert text != str(err) and not english_in(text, lang), text
    with i18n.use(lang):
        assert i18n.error_text(err) == text  # the current language by default


def test_names_and_values_are_kept_as_written():
    text = i18n.error_text(_error("one code, two names"), "fr")
    assert "states.geojson" in text and "'MX01'" in text and "'ADM1_PCODE'" in text and "Dos, Uno" in text
    assert "Dos، Uno" in i18n.error_text(_error("one code, two names"), "ar")  # the Arabic comma between names


def test_other_errors_are_shown_as_their_own_text():
    assert i18n.error_text(ValueError("plain English"), "es") == "plain English"
    assert i18n.error_text(ValueError("a", "b"), "es") == str(ValueError("a", "b"))


@pytest.mark.parametrize("lang", LANGS)
def test_cli_says_a_bad_boundary_file_in_the_language(tmp_path, capsys, lang):
    from geomap.cli import main

    src = tmp_path / "points.geojson"
    src.write_bytes(BAD_FILES["points"][0])
    assert main(["boundaries", "check", str(src), "--country", "MEX", "--lang", lang]) == 2
    said = capsys.readouterr().err
    assert "points.geojson" in said and not english_in(said, lang), said
    assert main(["boundaries", "check", str(src), "--country", "MEX", "--lang", "en"]) == 2
    assert "points.geojson: boundaries must be polygons, found Point" in capsys.readouterr().err
