"""Tests for geomap.directory.readers: every format on small generated fixtures, plus real files.

All provider records here are fictional (``ficticio``/``fictional``) and made up for the tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import Workbook
from shapely.geometry import Point, Polygon

from geomap.directory import readers, schema
from geomap.directory.readers import detect_format, list_sheets, load_mapping, read_directory, read_table, save_mapping

# ----------------------------------------------------------------------------- helpers


class Upload:
    """Stand-in for a Streamlit UploadedFile (``.name`` and ``.getvalue()``)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


CSV_ES = (
    "Nombre;Ciudad;Tipo de servicio;Latitud;Longitud;Teléfono\n"
    "Albergue Esperanza (ficticio);Querétaro;albergue, asesoría jurídica;20.59;-100.39;+52 000 000 0000\n"
    "Centro Niñez (ficticio);Mérida;apoyo psicosocial;;;\n"
)


def _xlsx_bytes(rows: list[list[object]], *, title: str = "Hoja1", extra_sheets: dict[str, list[list[object]]] | None = None, merges: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for m in merges or []:
        ws.merge_cells(m)
    for name, srows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in srows:
            other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- CSV


def test_csv_semicolon_spanish_headers_raw_values():
    df = read_directory(CSV_ES.encode("utf-8"), filename="directorio.csv")
    assert df.attrs["format"] == "csv"
    assert df.attrs["delimiter"] == ";"
    assert df.attrs["encoding"] == "utf-8"
    assert df.attrs["mapping"] == {
        "Nombre": "name",
        "Ciudad": "town",
        "Tipo de servicio": "service_types",
        "Latitud": "latitude",
        "Longitud": "longitude",
        "Teléfono": "phone",
    }
    assert len(df) == 2
    # raw text, not parsed
    assert df.loc[0, "latitude"] == "20.59"
    assert df.loc[0, "longitude"] == "-100.39"
    assert df.loc[1, "latitude"] is None
    assert df.loc[0, "town"] == "Querétaro"
    assert list(df["source_row"]) == [2, 3]
    assert set(df["source_file"]) == {"directorio.csv"}
    for f in schema.FIELD_NAMES:
        assert f in df.columns
    assert df.loc[0, "email"] is None


def test_csv_list_cell_kept_whole_and_unquoted_delimiter_warned():
    df = read_directory(CSV_ES.encode("utf-8"), filename="d.csv")
    assert df.loc[0, "service_types"] == "albergue, asesoría jurídica"
    text = "name;service type\nA (ficticio);albergue\nB (ficticio);albergue;legal\n"
    df = read_directory(text.encode(), filename="d.csv")
    assert df.loc[1, "service_types"] == "albergue"
    assert df.loc[1, "extra"] == {"column_3": "legal"}  # nothing lost
    assert any("column [3] has no header" in w for w in df.attrs["warnings"])


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_csv_any_delimiter(delim):
    text = delim.join(["name", "town", "service type"]) + "\n" + delim.join(["Refugio A (ficticio)", "León", "shelter"]) + "\n"
    df = read_directory(text.encode(), filename="x.csv")
    assert df.attrs["delimiter"] == delim
    assert df.loc[0, "name"] == "Refugio A (ficticio)"
    assert df.loc[0, "town"] == "León"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252"), ("latin-1", "cp1252")],
)
def test_csv_encodings(encoding, expected):
    text = "nom,ville\nRefuge Étoile (fictif),Saint-Étienne\nCasa Niño (ficticio),Ñuñoa\n"
    df = read_directory(text.encode(encoding), filename="x.csv")
    assert df.attrs["encoding"] == expected
    assert list(df["name"]) == ["Refuge Étoile (fictif)", "Casa Niño (ficticio)"]
    assert list(df["town"]) == ["Saint-Étienne", "Ñuñoa"]
    assert df.attrs["headers"] == ["nom", "ville"]


def test_latin1_western_text_is_read_as_cp1252_with_a_warning():
    # charset-normalizer alone guesses this short Latin-1 file as an Asian/Baltic code page
    text = "name,town\nRefugio Año (ficticio),Peñón\n"
    df = read_directory(text.encode("latin-1"), filename="l1.csv")
    assert df.loc[0, "name"] == "Refugio Año (ficticio)" and df.loc[0, "town"] == "Peñón"
    assert df.attrs["encoding"] == "cp1252"
    assert any("l1.csv" in w and "not UTF-8" in w and "cp1252" in w for w in df.attrs["warnings"])


def test_non_western_single_byte_text_is_left_to_the_detector():
    text = "name,town\nПриют первый (вымышленный),Город\nПриют второй (вымышленный),Село\n"
    df = read_directory(text.encode("cp1251"), filename="cyr.csv")
    assert df.attrs["encoding"] != "cp1252"
    assert any("cyr.csv" in w and df.attrs["encoding"] in w for w in df.attrs["warnings"])


def test_mixed_utf8_and_latin1_lines_are_read_line_by_line():
    data = "name,town\nRefugio Año (ficticio),Peñón\n".encode() + "Centre Élan (fictif),Orléans\nC (fictional),Dé\n".encode("latin-1")
    df = read_directory(data, filename="mixed.csv")
    assert list(df["name"]) == ["Refugio Año (ficticio)", "Centre Élan (fictif)", "C (fictional)"]
    assert list(df["town"]) == ["Peñón", "Orléans", "Dé"]
    assert df.attrs["encoding"] == "utf-8+cp1252"
    (warning,) = [w for w in df.attrs["warnings"] if "encoding" in w]
    assert warning.startswith("mixed.csv:") and "rows 3-4 are not UTF-8" in warning


def test_mixed_encoding_warning_names_rows_not_lines():
    # row 2 holds a quoted line break, so the Latin-1 row 3 starts on line 4
    data = 'name,notes\n"Refugio Año (ficticio)","uno\ndos"\n'.encode() + "Centre Élan (fictif),x\n".encode("latin-1")
    df = read_directory(data, filename="mixed.csv")
    assert list(df["name"]) == ["Refugio Año (ficticio)", "Centre Élan (fictif)"]
    assert list(df["source_row"]) == [2, 3]
    (warning,) = [w for w in df.attrs["warnings"] if "encoding" in w]
    assert "row 3 is not UTF-8" in warning


def test_number_ranges_text():
    assert readers._number_ranges([3, 4, 5, 9]) == "3-5, 9"
    assert readers._number_ranges([2, 4, 6], limit=2) == "2, 4, … (3 in all)"


def test_header_only_file_warns_and_returns_no_rows():
    df = read_directory(b"name,service_types,town\r\n", filename="header_only.csv")
    assert len(df) == 0
    assert any(w.startswith("header_only.csv: no data rows under the header") for w in df.attrs["warnings"])


def test_csv_quoted_newlines_and_row_numbers():
    text = 'name,notes\n"A, fictional","first line\nsecond line"\nB fictional,plain\n'
    df = read_directory(text.encode(), filename="q.csv")
    assert list(df["name"]) == ["A, fictional", "B fictional"]
    assert df.loc[0, "notes"] == "first line\nsecond line"
    assert list(df["source_row"]) == [2, 3]


def test_csv_every_row_kept_including_na_like_text():
    text = "name,town\nNA,None\nnull,N/A\n"
    df = read_directory(text.encode(), filename="na.csv")
    assert list(df["name"]) == ["NA", "null"]
    assert list(df["town"]) == ["None", "N/A"]


def test_csv_empty_file_raises():
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        read_directory(b"", filename="empty.csv")
    with pytest.raises(ValueError, match="empty"):
        read_directory(b"\xef\xbb\xbf\r\n", filename="empty.csv")


def test_csv_header_only_gives_zero_rows():
    df = read_directory(b"name,town,service type\n", filename="h.csv")
    assert len(df) == 0
    assert df.attrs["mapping"] == {"name": "name", "town": "town", "service type": "service_types"}
    assert "source_row" in df.columns


def test_csv_duplicate_headers_deduplicated_with_warning():
    df = read_directory(b"name,town,town\nA fictional,X,Y\n", filename="d.csv")
    assert df.attrs["headers"] == ["name", "town", "town.1"]
    assert df.loc[0, "town"] == "X"
    assert df.loc[0, "extra"] == {"town.1": "Y"}
    assert any("duplicate column header" in w and "'town'" in w for w in df.attrs["warnings"])


def test_unmapped_columns_kept_in_extra():
    df = read_directory(b"name,Funding source,Donor\nA fictional,UNX,\n", filename="u.csv")
    assert df.attrs["unmapped"] == ["Funding source", "Donor"]
    assert df.loc[0, "extra"] == {"Funding source": "UNX"}


def test_organisation_used_as_name_when_no_name_column():
    df = read_directory(b"organization,sector\nFictional Aid,Protection\n", filename="o.csv")
    assert df.loc[0, "name"] == "Fictional Aid"
    assert df.loc[0, "organisation"] == "Fictional Aid"
    assert df.attrs["name_from"] == "organization"
    assert any("'organization' is used as the name" in w for w in df.attrs["warnings"])
    df = read_directory(b"name,organization\nSite (fictional),Fictional Aid\n", filename="o.csv")
    assert df.loc[0, "name"] == "Site (fictional)"
    assert "name_from" not in df.attrs


def test_missing_required_field_warns():
    df = read_directory(b"town\nX\n", filename="t.csv")
    assert any("required fields ['name', 'service_types']" in w for w in df.attrs["warnings"])


def test_mapping_override_and_ignore():
    data = b"Nom du site,Zone,name\nSite A (fictif),Nord,ignored\n"
    df = read_directory(data, filename="m.csv", mapping={"Nom du site": "name", "Zone": "admin1_name", "name": ""})
    assert df.loc[0, "name"] == "Site A (fictif)"
    assert df.loc[0, "admin1_name"] == "Nord"
    assert df.attrs["mapping"] == {"Nom du site": "name", "Zone": "admin1_name"}
    assert df.loc[0, "extra"] == {"name": "ignored"}
    with pytest.raises(ValueError, match="'nombre_raro' is not a directory field"):
        read_directory(data, filename="m.csv", mapping={"Zone": "nombre_raro"})


def test_save_and_load_mapping(tmp_path):
    path = tmp_path / "mapping.json"
    save_mapping({"Nom du site": "name", "Zone": ""}, path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"Nom du site": "name", "Zone": ""}
    assert load_mapping(path) == {"Nom du site": "name", "Zone": ""}
    path.write_text('{"A": "not_a_field"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not_a_field"):
        load_mapping(path)


def test_neutralising_apostrophe_removed():
    df = read_directory(b"name,phone\n'=fictional,'+52 1\n", filename="n.csv")
    assert df.loc[0, "name"] == "=fictional"
    assert df.loc[0, "phone"] == "+52 1"


def test_sources_path_bytes_upload(tmp_path):
    p = tmp_path / "dir.csv"
    p.write_bytes(CSV_ES.encode())
    a = read_directory(p)
    b = read_directory(Upload("dir.csv", CSV_ES.encode()))
    c = read_directory(io.BytesIO(CSV_ES.encode()), filename="dir.csv")
    for df in (a, b, c):
        assert df.loc[1, "name"] == "Centro Niñez (ficticio)"
        assert set(df["source_file"]) == {"dir.csv"}


def test_read_table_keeps_original_headers():
    t = read_table(CSV_ES.encode(), filename="d.csv")
    assert list(t.columns) == ["Nombre", "Ciudad", "Tipo de servicio", "Latitud", "Longitud", "Teléfono"]
    assert list(t.index) == [2, 3]
    assert t.loc[3, "Nombre"] == "Centro Niñez (ficticio)"


def test_detect_format():
    assert detect_format("a.csv", b"name,town") == "csv"
    assert detect_format("a.tsv", b"name\ttown") == "csv"
    assert detect_format("a.geojson", b"{") == "geojson"
    assert detect_format("a.json", b'{"type": "FeatureCollection"') == "geojson"
    assert detect_format("a.gpkg", b"SQLite format 3\x00") == "gpkg"
    assert detect_format("a.xlsx", b"PK\x03\x04") == "xlsx"
    assert detect_format("pkg.zip", b"PK\x03\x04") == "hsds"
    with pytest.raises(ValueError, match=r"\.xls workbooks are not read; save the sheet as \.xlsx"):
        detect_format("old.xls", b"\xd0\xcf")
    with pytest.raises(ValueError, match=r"unrecognised file type '\.pdf'"):
        detect_format("a.pdf", b"%PDF")


# ----------------------------------------------------------------------------- XLSX


def test_xlsx_first_and_chosen_sheet_typed_cells_as_text():
    from datetime import datetime

    rows = [["Name", "Latitude", "Longitude", "Capacity", "Open 24h", "Last verified"],
            ["Shelter A (fictional)", 6.5, -12.25, 12, True, datetime(2024, 5, 1)]]
    data = _xlsx_bytes(rows, extra_sheets={"Other": [["name"], ["Other one (fictional)"]]})
    assert list_sheets(data, filename="w.xlsx") == ["Hoja1", "Other"]
    df = read_directory(data, filename="w.xlsx")
    assert df.attrs["format"] == "xlsx"
    assert df.attrs["sheet"] == "Hoja1"
    row = df.iloc[0]
    assert row["latitude"] == "6.5"
    assert row["longitude"] == "-12.25"
    assert row["capacity"] == "12"
    assert row["open_24h"] == "TRUE"
    assert row["last_verified"] == "2024-05-01"
    assert row["source_row"] == 2
    for sheet in ("Other", 1):
        other = read_directory(data, filename="w.xlsx", sheet=sheet)
        assert list(other["name"]) == ["Other one (fictional)"]
    with pytest.raises(ValueError, match=r"no sheet named 'Nope'; sheets: \['Hoja1', 'Other'\]"):
        read_directory(data, filename="w.xlsx", sheet="Nope")
    with pytest.raises(ValueError, match="sheet index 5 out of range"):
        read_directory(data, filename="w.xlsx", sheet=5)


def test_xlsx_merged_cells_filled_with_warning():
    rows = [["State", "Name"], ["Lagos", "A (fictional)"], [None, "B (fictional)"], [None, "C (fictional)"]]
    data = _xlsx_bytes(rows, merges=["A2:A4"])
    df = read_directory(data, filename="m.xlsx")
    assert list(df["admin1_name"]) == ["Lagos", "Lagos", "Lagos"]
    assert any("merged cell range" in w and "R2C1:R4C1" in w for w in df.attrs["warnings"])


def test_xlsx_formula_without_cached_value_warns():
    rows = [["Name", "Capacity"], ["A (fictional)", "=1+1"]]
    df = read_directory(_xlsx_bytes(rows), filename="f.xlsx")
    assert df.loc[0, "capacity"] is None
    assert any("formula cell has no saved value" in w and "B2" in w for w in df.attrs["warnings"])


def test_xlsx_trailing_blank_rows_dropped_and_not_a_workbook():
    rows = [["Name"], ["A (fictional)"], [None], [None]]
    df = read_directory(_xlsx_bytes(rows), filename="t.xlsx")
    assert len(df) == 1
    with pytest.raises(ValueError, match="not a readable .xlsx workbook"):
        read_directory(b"PK\x03\x04garbage", filename="bad.xlsx")


# ----------------------------------------------------------------------------- HXL


HXL_CSV = (
    "Organisation,Acronym,Sector,State,State code,LGA code,Lat,Lon,Contact,HRP,Question\n"
    "#org,#org +acronym,#sector +cluster,#adm1 +name,#adm1+code,#adm2+code,#geo+lat,#geo +lon,#contact,#HRP,\n"
    "Fictional Aid,FA,Protection,Lagos,NG025,NG025001,6.45,3.39,+234 000,Yes,x\n"
)


def test_hxl_csv_tags_mapped_and_row_numbers():
    df = read_directory(HXL_CSV.encode("utf-8-sig"), filename="3w.csv")
    assert df.attrs["format"] == "hxl"
    assert df.attrs["hxl_tags"]["Acronym"] == "#org +acronym"
    assert "Question" not in df.attrs["hxl_tags"]
    assert df.attrs["mapping"] == {
        "Organisation": "organisation",
        "Sector": "service_types",
        "State": "admin1_name",
        "State code": "admin1_code",
        "Lat": "latitude",
        "Lon": "longitude",
        "Contact": "phone",
    }
    assert df.loc[0, "source_row"] == 3
    assert df.loc[0, "admin1_code"] == "NG025"
    assert df.loc[0, "extra"] == {"Acronym": "FA", "LGA code": "NG025001", "HRP": "Yes", "Question": "x"}


def test_hxl_tag_mapping_specificity():
    tags = {
        "a": "#org +acronym",
        "b": "#org +name",
        "c": "#org +type +name",
        "d": "#sector +cluster +code",
        "e": "#sector +cluster +name",
        "f": "#adm1",
        "g": "#service+open_24h",
    }
    assert readers.map_columns(list(tags), hxl_tags=tags) == {
        "b": "name",
        "c": "org_type",
        "e": "service_types",
        "f": "admin1_name",
        "g": "open_24h",
    }


def test_hxl_tags_win_over_headers_and_mapping_wins_over_tags():
    text = "Town,Name\n#adm1+name,#org+name\nLagos,X fictional\n"
    df = read_directory(text.encode(), filename="h.csv")
    assert df.attrs["mapping"] == {"Town": "admin1_name", "Name": "name"}
    df2 = read_directory(text.encode(), filename="h.csv", mapping={"Town": "town"})
    assert df2.loc[0, "town"] == "Lagos"
    assert df2.loc[0, "admin1_name"] is None


def test_hxl_forced_without_hashtags_raises():
    with pytest.raises(ValueError, match="no HXL hashtag row"):
        read_directory(b"name\nA\n", filename="x.csv", format="hxl")


def test_hxl_xlsx_hashtag_row():
    rows = [["Org", "State"], ["#org", "#adm1 +name"], ["Fictional Aid", "Kano"]]
    df = read_directory(_xlsx_bytes(rows), filename="3w.xlsx")
    assert df.attrs["hxl_tags"] == {"Org": "#org", "State": "#adm1 +name"}
    assert df.loc[0, "source_row"] == 3
    assert df.loc[0, "admin1_name"] == "Kano"


# ----------------------------------------------------------------------------- GeoJSON / GPKG


def _gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["A (fictional)", "B (fictional)", "C (fictional)"], "services": ["shelter", "legal", None]},
        geometry=[Point(3.5, 6.25), Polygon([(0, 0), (1, 0), (1, 1)]), None],
        crs="EPSG:4326",
    )


def test_geojson_point_fills_lat_lon():
    data = _gdf().to_json().encode()
    df = read_directory(data, filename="p.geojson")
    assert df.attrs["format"] == "geojson"
    assert df.loc[0, "latitude"] == "6.25"
    assert df.loc[0, "longitude"] == "3.5"
    assert df.loc[1, "latitude"] is None and df.loc[2, "latitude"] is None
    assert list(df["service_types"]) == ["shelter", "legal", None]
    assert list(df["source_row"]) == [1, 2, 3]
    assert any("1 feature has a non-Point geometry" in w for w in df.attrs["warnings"])


def test_geojson_properties_win_over_geometry_and_reprojection(tmp_path):
    g = gpd.GeoDataFrame({"name": ["A (fictional)"], "lat": ["1.5"], "lon": ["2.5"]}, geometry=[Point(9, 9)], crs=4326)
    df = read_directory(g.to_json().encode(), filename="p.geojson")
    assert (df.loc[0, "latitude"], df.loc[0, "longitude"]) == ("1.5", "2.5")
    # a projected GeoPackage is brought to EPSG:4326 before taking Point coordinates
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"name": ["A (fictional)"]}, geometry=[Point(500000, 0)], crs=32631).to_file(path, layer="sites")
    df = read_directory(path)
    assert df.attrs["format"] == "gpkg"
    assert df.attrs["sheet"] == "sites"
    assert float(df.loc[0, "longitude"]) == pytest.approx(3.0)
    assert float(df.loc[0, "latitude"]) == pytest.approx(0.0, abs=1e-9)


def test_gpkg_layers(tmp_path):
    path = tmp_path / "two.gpkg"
    _gdf().iloc[:1].to_file(path, layer="first")
    _gdf().iloc[1:].to_file(path, layer="second")
    assert list_sheets(path) == ["first", "second"]
    df = read_directory(path, sheet="second")
    assert list(df["name"]) == ["B (fictional)", "C (fictional)"]
    df = read_directory(path)
    assert list(df["name"]) == ["A (fictional)"]
    assert any("2 layers" in w for w in df.attrs["warnings"])


# ----------------------------------------------------------------------------- HSDS


def _csv(rows: list[dict[str, str]], cols: list[str]) -> str:
    buf = io.StringIO()
    pd.DataFrame(rows, columns=cols).to_csv(buf, index=False)
    return buf.getvalue()


def _hsds3(tmp_path: Path, *, drop: str | None = None, dangling: bool = False) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    files = {
        "organizations.csv": _csv([{"id": "o1", "name": "Fictional Org"}], ["id", "name", "email", "website"]),
        "services.csv": _csv(
            [
                {"id": "s1", "organization_id": "o1", "name": "Safe house (fictional)", "email": "a@example.org"},
                {"id": "s2", "organization_id": "o9" if dangling else "o1", "name": "Hotline (fictional)"},
            ],
            ["id", "organization_id", "name", "email", "url", "description", "status"],
        ),
        "locations.csv": _csv(
            [{"id": "l1", "organization_id": "o1", "name": "Site", "latitude": "6.5", "longitude": "3.25"}],
            ["id", "organization_id", "name", "latitude", "longitude"],
        ),
        "service_at_location.csv": _csv(
            [{"id": "sal1", "service_id": "s1", "location_id": "l1"}, {"id": "sal2", "service_id": "s2", "location_id": "lX" if dangling else "l1"}],
            ["id", "service_id", "location_id"],
        ),
        "phones.csv": _csv([{"id": "p1", "service_id": "s2", "number": "+000 111"}], ["id", "service_id", "location_id", "service_at_location_id", "organization_id", "number"]),
        "addresses.csv": _csv(
            [{"id": "a1", "location_id": "l1", "address_1": "1 Fictional Rd", "city": "Ikeja", "state_province": "Lagos"}],
            ["id", "location_id", "address_1", "address_2", "city", "state_province", "address_type"],
        ),
        "taxonomy_terms.csv": _csv([{"id": "t1", "name": "Shelter"}, {"id": "t2", "name": "Food"}], ["id", "code", "name"]),
        "attributes.csv": _csv(
            [{"id": "x1", "link_id": "s1", "taxonomy_term_id": "t1", "link_entity": "service"},
             {"id": "x2", "link_id": "s1", "taxonomy_term_id": "t2", "link_entity": "service"}],
            ["id", "link_id", "taxonomy_term_id", "link_entity"],
        ),
    }
    desc = {"name": "fictional", "version": "3.0.0", "resources": [{"name": n[:-4], "path": n} for n in files]}
    files["datapackage.json"] = json.dumps(desc)
    for name, text in files.items():
        if name != drop:
            (root / name).write_text(text, encoding="utf-8")
    return root


def test_hsds3_folder_and_zip(tmp_path):
    root = _hsds3(tmp_path)
    df = read_directory(root)
    assert df.attrs["format"] == "hsds"
    assert df.attrs["hsds_version"] == "3.0"
    assert len(df) == 2
    first, second = df.iloc[0], df.iloc[1]
    assert first["id"] == "sal1"
    assert first["name"] == "Safe house (fictional)"
    assert first["organisation"] == "Fictional Org"
    assert (first["latitude"], first["longitude"]) == ("6.5", "3.25")
    assert first["address"] == "1 Fictional Rd"
    assert first["town"] == "Ikeja"
    assert first["admin1_name"] == "Lagos"
    # "Food" is a humanitarian sector (food security) of the open category vocabulary
    assert first["service_types"] == "Shelter; Food"
    assert "taxonomy" not in first["extra"]
    assert first["source_file"] == "pkg/service_at_location.csv"
    assert first["source_row"] == 2
    assert second["phone"] == "+000 111"
    assert df.attrs["warnings"] == []
    # the same package zipped, as bytes and as an upload
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in root.iterdir():
            z.write(p, f"pkg/{p.name}")
    for src in (Upload("pkg.zip", buf.getvalue()), buf.getvalue()):
        dz = read_directory(src, filename="pkg.zip")
        assert list(dz["name"]) == list(df["name"])


def test_hsds_missing_table_names_package_and_table(tmp_path):
    root = _hsds3(tmp_path, drop="locations.csv")
    with pytest.raises(ValueError, match=r"pkg: HSDS data package is missing the required table locations.csv"):
        read_directory(root)


def test_hsds_dangling_keys_warn_and_keep_rows(tmp_path):
    df = read_directory(_hsds3(tmp_path, dangling=True))
    assert len(df) == 2
    w = df.attrs["warnings"]
    assert any("pkg/service_at_location.csv row 3: location_id 'lX' matches no id in locations.csv" in x for x in w)
    assert any("pkg/services.csv row 3: organization_id 'o9' matches no id in organizations.csv" in x for x in w)
    assert df.iloc[1]["organisation"] is None
    assert df.iloc[1]["latitude"] is None


# ----------------------------------------------------------------------------- real files


@pytest.mark.realdata
def test_real_nigeria_3w_xlsx(realdata_dir):
    path = realdata_dir / "hxl-3w" / "operational_presence_nga_who_is_doing_what_and_where_nga_3w_oct_dec_2023.xlsx"
    df = read_directory(path)
    assert len(df) == 9366
    assert df.attrs["sheet"] == "NGA 3Ws Data Q4 2023"
    m = df.attrs["mapping"]
    assert m["State"] == "admin1_name"
    assert m["State Pcode"] == "admin1_code"
    assert m["Organization"] == "organisation"
    assert m["Project Sector"] == "service_types"
    assert df.attrs["hxl_tags"]["Org. Acronym"] == "#org +acronym"
    assert df["source_row"].iloc[0] == 3
    assert df["source_row"].iloc[-1] == 9368
    assert set(df["admin1_code"]) == {"NGA008", "NGA002", "NGA036"}
    # a 3W has no provider-name column: the organisation is the name
    assert df.attrs["name_from"] == "Organization"
    assert (df["name"] == df["organisation"]).all()


@pytest.mark.realdata
def test_real_nigeria_3w_derived_csv(realdata_dir):
    df = read_directory(realdata_dir / "hxl-3w" / "nga_3w_oct_dec_2023.DERIVED-from-xlsx.csv")
    assert len(df) == 9366
    assert df.attrs["format"] == "hxl"
    assert df.attrs["mapping"]["State"] == "admin1_name"
    assert df.attrs["mapping"]["State Pcode"] == "admin1_code"
    assert "isHRP" in df.attrs["unmapped"]


@pytest.mark.realdata
def test_real_afghanistan_hxl_csv(realdata_dir):
    df = read_directory(realdata_dir / "hxl-3w" / "operational_presence_afg_afghanistan_3w_operational_presence_january_march_2024.csv")
    assert len(df) == 10902
    assert df.attrs["encoding"] == "utf-8-sig"
    assert df.attrs["headers"][0] == "REGION"
    m = df.attrs["mapping"]
    assert m == {
        "PROVINCE": "admin1_name",
        "PROV_CODE": "admin1_code",
        "ORG_NAME": "name",
        "ORG_TYPE": "org_type",
        "CLUSTER_SECTOR_NAME": "service_types",
    }
    assert df.attrs["hxl_tags"]["ORG_ACRONYM"] == "#org +acronym"
    assert "Question" not in df.attrs["hxl_tags"]
    assert "Question" in df.attrs["unmapped"]


@pytest.mark.realdata
def test_real_hsds_11(realdata_dir):
    df = read_directory(realdata_dir / "hsds-1.1-sample")
    assert df.attrs["hsds_version"] == "1.1"
    assert len(df) == 13
    assert df["name"].notna().all() and df["organisation"].notna().all()
    row = df[df["latitude"].notna()].iloc[0]
    assert (row["latitude"], row["longitude"]) == ("39.428192", "-119.897426")
    assert df.attrs["warnings"] == []


@pytest.mark.realdata
def test_real_hsds_30(realdata_dir):
    df = read_directory(realdata_dir / "hsds-3.0-examples")
    assert df.attrs["hsds_version"] == "3.0"
    assert len(df) == 1
    row = df.iloc[0]
    assert row["name"] == "Community Counselling"
    assert (row["latitude"], row["longitude"]) == ("100", "101")  # out of range: kept, resolver flags
    assert row["town"] == "MyCity"
    assert any("locations.csv row 2: organization_id" in w for w in df.attrs["warnings"])


# ----------------------------------------------------------------------------- limits, comments


def test_upload_limit_checked_before_reading(monkeypatch):
    from geomap.io.limits import UploadTooLarge

    monkeypatch.setenv("GEOMAP_MAX_UPLOAD_MB", "0.001")  # 1,048 bytes
    big = b"name\n" + b"A fictional provider\n" * 100
    with pytest.raises(UploadTooLarge, match="big.csv"):
        read_directory(big, filename="big.csv")
    with pytest.raises(UploadTooLarge):
        read_directory(io.BytesIO(big), filename="big.csv")
    assert len(read_directory(b"name\nA\n", filename="small.csv")) == 1


def test_hsds_zip_with_path_traversal_refused(tmp_path):
    from geomap.io.limits import UnsafeArchive

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("datapackage.json", "{}")
        z.writestr("../evil.csv", "id\n1\n")
    with pytest.raises(UnsafeArchive, match="evil.csv"):
        read_directory(buf.getvalue(), filename="pkg.zip")


def test_comment_line_above_header_skipped_rows_stay_physical():
    text = '"# Notice: fictional, for tests"\nname,town\nA (fictional),X\n'
    df = read_directory(text.encode(), filename="c.csv")
    assert df.attrs["delimiter"] == ","
    assert df.attrs["headers"] == ["name", "town"]
    assert list(df["source_row"]) == [3]
    assert any("row 1 is a comment line" in w and "Notice: fictional, for tests" in w for w in df.attrs["warnings"])


def test_read_table_of_hsds_package_is_joined_under_field_names(tmp_path):
    root = _hsds3(tmp_path)
    t = read_table(root)
    assert list(t.columns) == list(schema.FIELD_NAMES)
    assert readers.map_columns(t.attrs["headers"]) == {f: f for f in schema.FIELD_NAMES}
    assert list(t.index) == [2, 3]
    assert t.loc[2, "name"] == "Safe house (fictional)"
