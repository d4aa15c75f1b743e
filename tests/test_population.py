"""Tests for geomap.population: bundled census tables, the join to units, brought tables.

The national totals are the published ones stated in ``../shared/reference/population/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geomap import boundaries as b
from geomap import population as p

NIGERIA_2006 = 140_431_790
MEXICO_2020 = 126_014_024


def test_bundled_tables_are_the_reference_files_unchanged(repo_dir: Path, shared_dir: Path) -> None:
    ref = sorted((shared_dir / "reference/population").glob("*.csv"))
    assert [f.name for f in ref] == sorted(f.name for f in (repo_dir / "data/population").glob("*.csv"))
    for f in ref:
        assert (repo_dir / "data/population" / f.name).read_bytes() == f.read_bytes()


def test_load_population_totals() -> None:
    ng = p.load_population("Nigeria")
    assert list(ng.columns) == ["code", "name", "population", "year", "source"]
    assert len(ng) == 37 and ng["population"].sum() == NIGERIA_2006
    assert set(ng["year"]) == {2006}
    mx = p.load_population("MX")
    assert len(mx) == 32 and mx["population"].sum() == MEXICO_2020
    assert "MX-CMX" in set(mx["code"]) and set(mx["year"]) == {2020}
    assert p.available_countries() == ["MEX", "NGA"]


def test_load_population_without_table_is_empty() -> None:
    gh = p.load_population("GHA")
    assert gh.empty and list(gh.columns) == ["code", "name", "population", "year", "source"]


@pytest.mark.parametrize(("country", "total", "n"), [("NGA", NIGERIA_2006, 37), ("MEX", MEXICO_2020, 32)])
def test_every_bundled_unit_gets_its_population(country: str, total: int, n: int) -> None:
    units = p.attach_population(b.load_boundaries(country))
    assert len(units) == n
    assert units["population"].notna().all()
    assert units["population"].sum() == total
    assert units["population_year"].dtype == "Int64"
    assert units["population"].dtype == float
    assert (units["population_source"] != "").all()
    assert units.attrs["population_methods"] == {"code": n}
    assert "Natural Earth" in units.attrs["source"]  # the unit attrs are kept


def test_cdmx_population_joins_through_the_renamed_code() -> None:
    mx = b.load_boundaries("MEX")
    cdmx_census = p.load_population("MEX").set_index("code").loc["MX-CMX", "population"]
    units = p.attach_population(mx).set_index("code")
    assert units.loc["MX-CMX", "population"] == cdmx_census
    # an old-style table or unit layer still coded MX-DIF
    old = gpd.GeoDataFrame(
        {"code": ["MX-DIF"], "name": ["Distrito Federal"], "country": ["MEX"]}, geometry=[None], crs=4326
    )
    assert p.attach_population(old)["population"].iloc[0] == cdmx_census


def test_unknown_is_nan_never_zero() -> None:
    units = p.attach_population(b.load_boundaries("GHA"))
    assert units["population"].isna().all()
    assert units["population_year"].isna().all()
    assert (units["population_source"] == "").all()
    odd = gpd.GeoDataFrame(
        {"code": ["NG-LA", "NG-ZZ"], "name": ["Lagos", "Made-up"], "country": ["NGA", "NGA"]},
        geometry=[None, None],
        crs=4326,
    )
    out = p.attach_population(odd)
    assert out["population"].iloc[0] > 0
    assert np.isnan(out["population"].iloc[1])
    assert pd.isna(out["population_year"].iloc[1])


def test_zero_in_a_table_is_not_a_population() -> None:
    units = gpd.GeoDataFrame(
        {"code": ["ZZ-A"], "name": ["A"], "country": ["NGA"]}, geometry=[box(0, 0, 1, 1)], crs=4326
    )
    table = pd.DataFrame(
        {
            "code": ["ZZ-A"],
            "name": ["A"],
            "population": [0.0],
            "year": pd.array([2020], dtype="Int64"),
            "source": ["t"],
        }
    )
    assert np.isnan(p.attach_population(units, table=table)["population"].iloc[0])


@pytest.mark.realdata
def test_brought_boundaries_get_census_population(realdata_dir: Path) -> None:
    ng = b.read_boundaries(realdata_dir / "nga-cod-ab/ngaadmbndaadm1osgof20161215.geojson")
    out = p.attach_population(ng)
    assert out["population"].notna().all() and out["population"].sum() == NIGERIA_2006
    mx = b.read_boundaries(realdata_dir / "mex-inegi/00ent_mexico.geojson", country="MEX")
    out = p.attach_population(mx)
    assert out["population"].notna().all() and out["population"].sum() == MEXICO_2020
    # INEGI codes are "01".."32": names, then the crosswalk to the bundled layer, match them
    assert set(out.attrs["population_methods"]) <= {"name", "crosswalk"}


@pytest.mark.realdata
def test_read_cod_ps_nigeria(realdata_dir: Path) -> None:
    table = p.read_population(realdata_dir / "nga-cod-ps/population_nga_nga_admpop_adm1_2020.csv")
    assert len(table) == 37
    assert table.attrs["code_col"] == "ADM1_PCODE"
    assert table.attrs["name_col"] == "ADM1_NAME"
    assert table.attrs["population_col"] == "T_TL"
    assert sorted(table["code"]) == [f"NG{i:03d}" for i in range(1, 38)]
    names = set(table["name"])
    assert {"Akwa Ibom", "Federal Capital Territory", "Abia"} <= names
    assert set(table["year"]) == {2020}  # from the file name
    assert (table["population"] > 0).all()
    # joins to the COD-AB layer of the same p-codes
    units = b.read_boundaries(realdata_dir / "nga-cod-ab/ngaadmbndaadm1osgof20161215.geojson")
    out = p.attach_population(units, table=table)
    assert out["population"].notna().all()
    assert out.attrs["population_methods"] == {"code": 37}
    assert out["population"].sum() == table["population"].sum()


def test_read_population_messy_csv(tmp_path: Path) -> None:
    # 3W-style headers, BOM, upper-case names, thousands separators, a zero and an empty cell
    path = tmp_path / "pop.csv"
    text = 'State Pcode,STATE,Population\nNGA008,BORNO,"4,171,104"\nNGA002,AKWA IBOM,0\nNG-LA,Lagos,\n'
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    table = p.read_population(path)
    assert table.attrs["code_col"] == "State Pcode" and table.attrs["name_col"] == "STATE"
    assert table["code"].tolist() == ["NG008", "NG002", "NG-LA"]
    assert table["name"].tolist() == ["Borno", "Akwa Ibom", "Lagos"]
    assert table["population"].iloc[0] == 4_171_104
    assert np.isnan(table["population"].iloc[1]) and np.isnan(table["population"].iloc[2])
    assert any("zero" in n for n in table.attrs["notes"])
    assert table["year"].isna().all()


def test_read_population_rejects_text_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,name,population\nNG-LA,Lagos,100\nNG-KN,Kano,many\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv: row 3, column 'population': 'many'"):
        p.read_population(path)
    with pytest.raises(ValueError, match="no population column"):
        p.read_population(b"code,name\nA,B\n", filename="nopop.csv")


def test_unit_populations_replace_the_census_and_refuse_unknown_units() -> None:
    """The app's and CLI's brought population table goes through the strict reader (issue #14)."""
    units = b.load_boundaries("NG")
    out = p.unit_populations(units, b"code,name,population\nNG-LA,,12 345 678\n,Kano,9000000\n", filename="pop_2022.csv")
    by_code = out.set_index("code")
    assert by_code.loc["NG-LA", "population"] == 12_345_678
    assert by_code.loc["NG-KN", "population"] == 9_000_000
    assert by_code.loc["NG-LA", "population_year"] == 2022
    assert by_code.loc["NG-LA", "population_source"] == "pop_2022.csv"
    assert np.isnan(by_code.loc["NG-OY", "population"])  # not in the table: no data, never 0
    with pytest.raises(ValueError, match=r"pop\.csv, row 3: unit 'Atlantis' is not in the boundaries"):
        p.unit_populations(units, b"name,population\nLagos,1\nAtlantis,5\n", filename="pop.csv")
    with pytest.raises(ValueError, match=r"row 2, column 'population': 'many' is not a number"):
        p.unit_populations(units, b"code,population\nNG-LA,many\n", filename="pop.csv")
