"""Tests for geomap.directory.writers: every format re-imports with the same rows and fields.

All provider records here are fictional and made up for the tests.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point

from geomap.directory import schema, writers
from geomap.directory.readers import read_directory
from geomap.directory.writers import (
    EXTENSIONS,
    WRITE_FORMATS,
    flat_table,
    neutralise,
    to_bytes,
    to_csv_bytes,
    to_hxl_bytes,
    to_xlsx_bytes,
    write_directory,
)


def _typed_directory() -> pd.DataFrame:
    """A resolved-looking directory: lists, booleans, dates, floats, ints, resolution columns."""
    n = 3
    d = pd.DataFrame({f: pd.Series([None] * n, dtype=object) for f in schema.FIELD_NAMES})
    d["id"] = ["p-1", "p-2", "p-3"]
    d["name"] = ["Casa Esperanza (ficticio)", "=HYPERLINK(\"http://x\")", "Refuge Étoile (fictif)"]
    d["organisation"] = ["Organización Ñandú (ficticia)", "Organización Ñandú (ficticia)", None]
    d["service_types"] = pd.Series([["shelter", "legal_aid"], ["hotline"], []], dtype=object)
    d["populations_served"] = pd.Series([["women", "children"], [], ["foreign_nationals"]], dtype=object)
    d["languages"] = pd.Series([["es", "en"], [], ["fr"]], dtype=object)
    d["latitude"] = [19.4326, -12.5, None]
    d["longitude"] = [-99.1332, -77.0282, None]
    d["phone"] = ["+52 000 000 0000", "-1", "@handle"]
    d["address"] = ["Calle Ficticia 1, Colonia Centro", None, "\tTabbed"]
    d["town"] = ["Ciudad de México", "Lima", "Saint-Étienne"]
    d["admin1_code"] = ["MX-CMX", None, None]
    d["open_24h"] = [True, False, None]
    d["accepting_referrals"] = [None, True, False]
    d["confidential"] = [True, False, False]
    d["capacity"] = [12, None, 3]
    d["last_verified"] = [date(2024, 5, 1), None, date(2023, 1, 31)]
    d["notes"] = ["línea 1\nlínea 2", None, "a, b; c"]
    d["fictional"] = [True, True, True]
    d["location_method"] = ["coordinates", None, None]
    d["status"] = ["placed", "flagged", "flagged"]
    d["reason"] = [None, "outside every unit", "no location: give coordinates, an admin-1 code or a town"]
    return d


def _canon(field: str, value):
    """Parsed value of a field, for comparing an original and its re-import."""
    f = schema.field_by_name(field) if field in schema.FIELD_NAMES else None
    kind = f.kind if f else "str"
    if field == "service_types":
        return schema.parse_service_types(value)[0]
    if field == "populations_served":
        return schema.parse_populations(value)[0]
    if kind == "list":
        return schema.parse_list(value)
    if kind == "bool":
        return schema.parse_bool(value)
    if kind == "date":
        return schema.parse_date(value)
    if value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(float(value))
    return str(value)


def _assert_same(original: pd.DataFrame, back: pd.DataFrame, *, columns=None) -> None:
    assert len(back) == len(original)
    columns = columns or [*schema.FIELD_NAMES, "location_method", "status", "reason"]
    for c in columns:
        if c not in original.columns:
            continue
        assert c in back.columns, c
        got = [_canon(c, v) for v in back[c].tolist()]
        want = [_canon(c, v) for v in original[c].tolist()]
        assert got == want, c


@pytest.mark.parametrize("fmt", WRITE_FORMATS)
def test_round_trip_typed_directory(fmt, tmp_path):
    d = _typed_directory()
    path = tmp_path / f"export{EXTENSIONS[fmt]}"
    write_directory(d, path, format=fmt)
    back = read_directory(path)
    _assert_same(d, back)
    assert back.attrs["format"] == fmt


@pytest.mark.parametrize("fmt", WRITE_FORMATS)
def test_round_trip_raw_directory_exact_text(fmt):
    # a raw directory (reader output: text cells) comes back with the very same text
    text = (
        "name,service type,latitude,longitude,phone,Funding\n"
        "Albergue Ñ (ficticio),shelter; legal aid,-12.5,-77.25,+51 000,Fondo X\n"
        "=evil (fictional),hotline,,,@x,\n"
    )
    raw = read_directory(text.encode(), filename="in.csv")
    back = read_directory(to_bytes(raw, format=fmt), filename="out" + EXTENSIONS[fmt])
    fields = ["name", "latitude", "longitude", "phone"]
    assert back[fields].values.tolist() == raw[fields].values.tolist()
    assert [schema.parse_service_types(v)[0] for v in back["service_types"]] == [["shelter", "legal_aid"], ["hotline"]]
    assert back.loc[0, "extra"]["Funding"] == "Fondo X"


def test_neutralise_rules():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+52 55") == "'+52 55"
    assert neutralise("-cmd") == "'-cmd"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "'\rx"
    assert neutralise("-12.5") == "-12.5"
    assert neutralise("+3") == "+3"
    assert neutralise("-1e-3") == "-1e-3"
    assert neutralise("Lagos") == "Lagos"


def test_csv_cells_neutralised_numbers_not():
    d = _typed_directory()
    text = to_csv_bytes(d).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    by = {h: [r[i] for r in rows[1:]] for i, h in enumerate(header)}
    assert by["name"][1] == "'=HYPERLINK(\"http://x\")"
    assert by["phone"] == ["'+52 000 000 0000", "-1", "'@handle"]
    assert by["address"][2] == "'\tTabbed"
    assert by["latitude"] == ["19.4326", "-12.5", ""]
    assert by["longitude"][1] == "-77.0282"
    assert by["service_types"][0] == "shelter; legal_aid"
    assert by["open_24h"] == ["true", "false", ""]
    assert by["last_verified"] == ["2024-05-01", "", "2023-01-31"]
    assert header[: len(schema.FIELD_NAMES)] == list(schema.FIELD_NAMES)
    assert header[len(schema.FIELD_NAMES):] == ["location_method", "status", "reason"]


def test_xlsx_cells_typed_and_neutralised():
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(_typed_directory())))
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    row2 = [c.value for c in ws[2]]
    row3 = [c.value for c in ws[3]]
    assert row3[col["name"]] == "'=HYPERLINK(\"http://x\")"
    assert ws.cell(3, col["name"] + 1).data_type == "s"  # text, not a formula
    assert row2[col["latitude"]] == pytest.approx(19.4326)
    assert row3[col["latitude"]] == pytest.approx(-12.5)
    assert row2[col["capacity"]] == 12
    assert row2[col["open_24h"]] is True
    assert row2[col["phone"]] == "'+52 000 000 0000"


def test_hxl_hashtag_row_from_schema():
    text = to_hxl_bytes(_typed_directory()).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    tags = dict(zip(rows[0], rows[1]))
    for f in schema.FIELDS:
        assert tags[f.name] == f.hxl
    assert tags["status"] == "#status"
    back = read_directory(text.encode(), filename="x.csv")
    assert back.attrs["format"] == "hxl"
    assert back.loc[0, "source_row"] == 3


def test_hxl_output_read_by_libhxl():
    import hxl

    text = to_hxl_bytes(_typed_directory()).decode("utf-8")
    source = hxl.data(hxl.input.make_input(io.BytesIO(text.encode("utf-8")), hxl.input.InputOptions(encoding="utf-8")))
    tags = [c.display_tag for c in source.columns]
    assert "#org+name" in tags
    assert "#geo+lat" in tags
    # every schema tag that is valid HXL survives libhxl's parser
    valid = [hxl.model.Column.parse(f.hxl) for f in schema.FIELDS]
    assert [c.display_tag for c in valid if c] == [t for t in tags[: len(schema.FIELDS)] if t]
    assert len(list(source)) == 3


def test_geojson_points_and_null_geometry():
    data = json.loads(to_bytes(_typed_directory(), format="geojson"))
    feats = data["features"]
    assert len(feats) == 3
    assert feats[0]["geometry"]["coordinates"] == pytest.approx([-99.1332, 19.4326])
    assert feats[2]["geometry"] is None
    assert feats[0]["properties"]["latitude"] == pytest.approx(19.4326)
    assert feats[0]["properties"]["service_types"] == "shelter; legal_aid"


def test_geodataframe_geometry_used_when_no_lat_lon():
    g = gpd.GeoDataFrame({"name": ["A (fictional)"]}, geometry=[Point(3.5, 6.25)], crs=4326)
    feats = json.loads(to_bytes(g, format="geojson"))["features"]
    assert feats[0]["geometry"]["coordinates"] == pytest.approx([3.5, 6.25])
    back = read_directory(to_bytes(g, format="gpkg"), filename="x.gpkg")
    assert back.loc[0, "name"] == "A (fictional)"


def test_hsds_package_tables_and_folder(tmp_path):
    from geomap.directory import hsds

    d = _typed_directory()
    z = zipfile.ZipFile(io.BytesIO(to_bytes(d, format="hsds")))
    names = set(z.namelist())
    # every table of the specification, each with its columns in the specification's order
    assert names == {"datapackage.json"} | {t.path for t in hsds.TABLES.values()}
    for table in hsds.TABLES.values():
        header = next(csv.reader(io.StringIO(z.read(table.path).decode("utf-8"))))
        assert header == table.column_names, table.path
    desc = json.loads(z.read("datapackage.json"))
    assert desc["version"] == "3.0.0"
    assert {r["path"] for r in desc["resources"]} <= names
    orgs = pd.read_csv(io.BytesIO(z.read("organizations.csv")), dtype=str)
    # two rows share an organisation; the third has none and stands for itself
    assert list(orgs["name"]) == ["Organización Ñandú (ficticia)", "Refuge Étoile (fictif)"]
    assert orgs["description"].notna().all()
    sal = pd.read_csv(io.BytesIO(z.read("service_at_location.csv")), dtype=str)
    # UUIDs derived from the record id: the same in every export
    assert list(sal["id"]) == [hsds.stable_id("record", rid) for rid in ("p-1", "p-2", "p-3")]
    assert all(hsds.is_uuid(x) for x in sal["id"])
    again = zipfile.ZipFile(io.BytesIO(to_bytes(d, format="hsds")))
    assert again.read("service_at_location.csv") == z.read("service_at_location.csv")
    folder = tmp_path / "pkg"
    write_directory(d, folder)  # no suffix -> HSDS folder
    assert (folder / "datapackage.json").is_file()
    back = read_directory(folder)
    assert back.attrs["hsds_version"] == "3.0"
    _assert_same(d, back)
    assert list(back["id"]) == ["p-1", "p-2", "p-3"]
    assert back.loc[2, "organisation"] is None  # the stand-in organisation is not read back as one
    assert back.attrs["warnings"] == []


def test_hsds_ids_stay_uuids_and_duplicates_stay_distinct():
    from geomap.directory import hsds

    d = _typed_directory()
    uid = "0b7e2b9e-5a38-4a11-9a47-3f4d1c9e8a10"
    d["id"] = [uid, "dup", "dup"]
    z = zipfile.ZipFile(io.BytesIO(to_bytes(d, format="hsds")))
    sal = pd.read_csv(io.BytesIO(z.read("service_at_location.csv")), dtype=str)
    assert sal.loc[0, "id"] == uid  # already a UUID: kept
    assert sal["id"].is_unique
    back = read_directory(to_bytes(d, format="hsds"), filename="x.zip")
    assert list(back["id"]) == [uid, "dup", "dup"]


def test_hsds_values_that_do_not_fit_a_column_travel_as_attributes():
    d = _typed_directory()
    d["website"] = ["example.org/no-scheme", None, None]
    d["email"] = ["not an email", None, None]
    d["latitude"] = ["12°N", -12.5, None]
    z = zipfile.ZipFile(io.BytesIO(to_bytes(d, format="hsds")))
    services = pd.read_csv(io.BytesIO(z.read("services.csv")), dtype=str)
    assert services.loc[0, ["url", "email"]].isna().all()
    back = read_directory(to_bytes(d, format="hsds"), filename="x.zip")
    assert back.loc[0, "website"] == "example.org/no-scheme"
    assert back.loc[0, "email"] == "not an email"
    assert back.loc[0, "latitude"] == "12°N"


def test_extra_values_written_back_as_columns():
    raw = read_directory(b"name,Donor,Project code\nA (fictional),Fund Z,=X1\n", filename="a.csv")
    table = flat_table(raw, neutralise_text=True)
    assert table.loc[0, "Donor"] == "Fund Z"
    assert table.loc[0, "Project code"] == "'=X1"
    assert table.loc[0, "source_row"] == "2"


def test_buffers_and_errors(tmp_path):
    d = _typed_directory()
    buf = io.BytesIO()
    write_directory(d, buf, format="csv")
    assert buf.getvalue() == to_csv_bytes(d)
    with pytest.raises(ValueError, match="format= is required"):
        write_directory(d, io.BytesIO())
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        to_bytes(d, format="pdf")
    with pytest.raises(ValueError, match=r"cannot tell the export format from the suffix '\.pdf'"):
        write_directory(d, tmp_path / "x.pdf")
    write_directory(d, tmp_path / "x.hxl.csv")
    assert (tmp_path / "x.hxl.csv").read_text(encoding="utf-8").splitlines()[1].startswith("#org+id,")


def test_mime_and_extension_tables_cover_every_format():
    assert set(writers.MIME_TYPES) == set(WRITE_FORMATS) == set(writers.EXTENSIONS)


NOTICE = "FULL EXPORT: includes confidential locations, addresses and phones. Do not share."


@pytest.mark.parametrize("fmt", WRITE_FORMATS)
def test_notice_written_and_skipped_on_reimport(fmt, tmp_path):
    d = _typed_directory()
    data = to_bytes(d, format=fmt, notice=NOTICE)
    if fmt in ("csv", "hxl"):
        first = data.decode("utf-8-sig").splitlines()[0]
        assert first == f'"# {NOTICE}"'
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(data)).active["A1"].value == f"# {NOTICE}"
    elif fmt == "geojson":
        assert json.loads(data)["notice"] == NOTICE
    elif fmt == "gpkg":
        import pyogrio

        path = tmp_path / "n.gpkg"
        path.write_bytes(data)
        assert pyogrio.read_info(path)["layer_metadata"]["DESCRIPTION"] == NOTICE
    else:
        z = zipfile.ZipFile(io.BytesIO(data))
        assert json.loads(z.read("datapackage.json"))["notice"] == NOTICE
        assert z.read("NOTICE.txt").decode().strip() == NOTICE
    back = read_directory(data, filename="n" + EXTENSIONS[fmt])
    _assert_same(d, back)
