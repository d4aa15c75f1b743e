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
from geomap.directory import readers, schema
from geomap.i18n import Message
from geomap.io import limits
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


def _xlsx(sheets: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(1, sheets):
        wb.create_sheet(f"Hoja{i + 1}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _hsds(tables: list[str]) -> bytes:
    return _zip({"datapackage.json": json.dumps({"resources": [{"name": t.removesuffix(".csv"), "path": t} for t in tables]}).encode(),
                 **{t: b"id\n1\n" for t in tables}})


#: Bad directory files (reader call, English as before, or with its plural form).
BAD_DIRECTORIES = {
    "old workbook": (lambda: readers.read_directory(b"x", filename="dir.xls"),
                     "dir.xls: .xls workbooks are not read; save the sheet as .xlsx or CSV (UTF-8) and upload that"),
    "unknown type": (lambda: readers.read_directory(b"x", filename="dir.pdf"),
                     "dir.pdf: unrecognised file type '.pdf'; accepted: .csv/.tsv/.txt (CSV or HXL), .xlsx, .geojson/.json, .gpkg, "
                     "an HSDS data package (.zip or folder with datapackage.json)"),
    "empty": (lambda: readers.read_directory(b"\n \n", filename="dir.csv"),
              "dir.csv: the file is empty; a directory needs a header row and at least one data row"),
    "not a workbook": (lambda: readers.read_directory(b"plain text", filename="dir.xlsx"),
                       "dir.xlsx: not a readable .xlsx workbook (not a zip container); save it as .xlsx or CSV"),
    "sheet index, one sheet": (lambda: readers.read_directory(_xlsx(1), filename="dir.xlsx", sheet=3),
                               "dir.xlsx: sheet index 3 out of range; the workbook has 1 sheet: ['Sheet']"),
    "sheet index, two sheets": (lambda: readers.read_directory(_xlsx(2), filename="dir.xlsx", sheet=3),
                                "dir.xlsx: sheet index 3 out of range; the workbook has 2 sheets: ['Sheet', 'Hoja2']"),
    "sheet name": (lambda: readers.read_directory(_xlsx(1), filename="dir.xlsx", sheet="Datos"),
                   "dir.xlsx: no sheet named 'Datos'; sheets: ['Sheet']"),
    "not a zip": (lambda: readers.read_directory(b"not a zip", filename="dir.zip"),
                  "dir.zip: not a readable zip archive (File is not a zip file)"),
    "unsafe zip": (lambda: readers.read_directory(_zip({"../up.csv": b"x"}), filename="dir.zip"),
                   "dir.zip: unsafe path '../up.csv' in the zip refused: path goes up a folder ('..'); nothing was extracted"),
    "too large": (lambda: limits.check_upload(b"x" * 3000, limit=2048, filename="big.csv"),
                  "big.csv: file is 2.9 kB, larger than the 2.0 kB upload limit; split it, or raise GEOMAP_MAX_UPLOAD_MB when "
                  "running geomap locally"),
    "HSDS missing tables": (lambda: readers.read_directory(_hsds(["organizations.csv"]), filename="dir.zip"),
                            "dir.zip: HSDS data package is missing the required tables services.csv, locations.csv; a directory "
                            "needs organizations.csv, services.csv and locations.csv (plus service_at_location.csv to link them)"),
    "mapping field": (lambda: readers.parse_mappings(b'{"Nombre": "nombre"}', source="map.json"),
                      "map.json: column 'Nombre' is mapped to 'nombre', which is not a directory field; valid fields: "
                      + ", ".join(schema.FIELD_NAMES)),
}


def _directory_error(name: str) -> ValueError:
    with pytest.raises(ValueError) as info:
        BAD_DIRECTORIES[name][0]()
    return info.value


@pytest.mark.parametrize("name", list(BAD_DIRECTORIES))
def test_directory_file_errors_keep_their_english(name):
    err = _directory_error(name)
    assert str(err) == BAD_DIRECTORIES[name][1]
    assert isinstance(err.args[0], Message) and i18n.error_text(err, "en") == str(err)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_DIRECTORIES))
def test_directory_file_errors_in_each_language(name, lang):
    err = _directory_error(name)
    text = i18n.error_text(err, lang)
    library = str(err.args[0].params.get("error", "")) or "\0"  # a library's own words are quoted as they are
    assert text != str(err) and not english_in(text.replace(library, ""), lang), text


def test_a_count_chooses_the_languages_plural_form():
    one, two = _directory_error("sheet index, one sheet"), _directory_error("sheet index, two sheets")
    assert "1 hoja:" in i18n.error_text(one, "es") and "2 hojas:" in i18n.error_text(two, "es")
    assert "ورقة واحدة" in i18n.error_text(one, "ar") and "ورقتان" in i18n.error_text(two, "ar")  # Arabic's one and two forms


def test_population_notes_and_errors_keep_their_english_and_translate():
    from geomap import pipeline, population

    units = pipeline.load_units("MEX")
    table = population.read_population(b"code,population\nMX-JAL,0\nMX-SON,0\nMX-AGU,5\n", filename="pop_2020.csv")
    assert table.attrs["notes"] == ["2 zero populations read as unknown (NaN)", "no year column: year 2020 taken from the file name"]
    for lang in LANGS:
        for note in table.attrs["notes"]:
            assert not english_in(note.render(lang), lang), note.render(lang)
    one = population.read_population(b"code,population\nMX-JAL,0\n", filename="pop.csv").attrs["notes"][0]
    assert one == "1 zero population read as unknown (NaN)" and "واحد" in one.render("ar")
    attached = population.unit_populations(units, b"code,population\nMX-JAL,0\n", filename="pop.csv")
    assert attached.attrs["population_notes"] == [one]
    with pytest.raises(ValueError) as info:
        population.unit_populations(units, b"code,population\nXX-ZZ,5\n", filename="pop.csv")
    assert str(info.value).startswith("pop.csv, row 2: unit 'XX-ZZ' is not in the boundaries; valid codes include ")
    for lang in LANGS:
        assert not english_in(i18n.error_text(info.value, lang), lang)


@pytest.mark.parametrize("count, english, es, ar", [
    (1, "f.csv: 1 empty row between data rows was skipped", "se omitió 1 fila vacía", "صف فارغ واحد"),
    (2, "f.csv: 2 empty rows between data rows were skipped", "se omitieron 2 filas vacías", "صفين فارغين"),
    (5, "f.csv: 5 empty rows between data rows were skipped", "se omitieron 5 filas vacías", "5 صفوف فارغة"),
])
def test_counted_notes_take_each_languages_plural_form(count, english, es, ar):
    note = readers._empty_rows("f.csv", count)
    assert note == english and note.plural == ("{file}: {n} empty rows between data rows were skipped", count)
    assert es in note.render("es") and ar in note.render("ar")
    assert pickle.loads(pickle.dumps(note)).render("ar") == note.render("ar")  # caches copy them
    assert not english_in(note.render("fr"), "fr")


def test_a_broken_plural_translation_falls_back_to_the_english_form():
    note = Message.ngettext("{n} thing nobody translated", "{n} things nobody translated", 3, n=3)
    assert note.render("es") == "3 things nobody translated" == note
