"""Project records: header/HXL mapping, parsing, unit splitting, whole-country expansion, row accounting."""

from __future__ import annotations

import io
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geomap import projects as P

CODES = ["MX-JAL", "MX-NLE", "MX-OAX", "MX-MEX"]


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    """Four synthetic square units carrying real Mexican codes and names (incl. the state "México")."""
    return gpd.GeoDataFrame(
        {"code": CODES, "name": ["Jalisco", "Nuevo León", "Oaxaca", "México"], "country": "MEX", "iso_a2": "MX"},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:4326",
    )


CSV = """Project,Implementing partner,Funder,Program category,Activity type,Country,States,Start date,End date,Budget,Currency,People reached,Status
Multi codes,Partner A,Donor 1,Training and technical assistance,training,MEX,"MX-JAL; MX-NLE",2021-01-01,2022-06-30,"USD 120,000",,50,completed
Multi names,Partner B,Donor 1,Capacitación y asistencia técnica,Capacitación,Mexico,"Jalisco, Nuevo León",2022,2023,90000,USD,,En curso
Nationwide,Partner A,Donor 2,Emergency victim assistance,Shelter,MX,national,2020-03-01,,10000,USD,12,ongoing
Spanish national,Partner A,Donor 2,eva,hotline,MEX,todo el país,2020-03-01,,10000,USD,12,ongoing
Bad row,Partner C,Donor 2,bogus,training,MEX,Narnialand,2020-03-01,,abc,USD,x,ongoing
Other country,Partner C,Donor 2,eva,training,NGA,Lagos,2020-03-01,,1,USD,1,ongoing
Partly known,Partner C,Donor 2,eva,training,,"Oaxaca; Atlantis",2020-03-01,,1,USD,1,ongoing
The state,Partner C,Donor 2,eva,training,MEX,México,2020-03-01,,1,USD,1,ongoing
No unit,Partner C,Donor 2,eva,training,MEX,,2020-03-01,,1,USD,1,ongoing
"""


@pytest.fixture(scope="module")
def resolved(units) -> pd.DataFrame:
    return P.load_projects(CSV.encode("utf-8"), units, country="MEX", filename="fixture.csv")


def _row(df: pd.DataFrame, project: str) -> pd.Series:
    return df.loc[df["project"] == project].iloc[0]


def test_vocabularies_have_four_languages():
    assert list(P.PROGRAM_CATEGORIES) == [
        "bilateral_regional",
        "child_protection_compact",
        "training_technical_assistance",
        "emergency_victim_assistance",
        "global_research_innovation",
        "end_modern_slavery",
    ]
    for vocab in (P.PROGRAM_CATEGORIES, P.ACTIVITY_TYPES, P.PROJECT_STATUSES):
        for labels in vocab.values():
            assert set(labels) == {"en", "es", "fr", "ar"} and all(labels.values())
    assert P.parse_category("Asistencia de emergencia a víctimas") == "emergency_victim_assistance"
    assert P.parse_category("Formation et assistance technique") == "training_technical_assistance"
    assert P.project_label("end_modern_slavery", lang="es") == "Programa para erradicar la esclavitud moderna"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("USD 150,000", (150000.0, "USD")),
        ("$1,200.50", (1200.5, "USD")),
        ("150 000", (150000.0, None)),
        ("1.234.567,5 EUR", (1234567.5, "EUR")),
        (42, (42.0, None)),
        ("", (None, None)),
        ("lots", (None, None)),
    ],
)
def test_parse_amount(cell, expected):
    assert P.parse_amount(cell) == expected


def test_split_units():
    assert P.split_units("MX-JAL; MX-NLE") == ["MX-JAL", "MX-NLE"]
    assert P.split_units("Jalisco, Nuevo León|Oaxaca\nMéxico") == ["Jalisco", "Nuevo León", "Oaxaca", "México"]
    assert P.split_units(None) == []


def test_hxl_tags_win_over_headers():
    headers = ["Who", "Paid by", "Where", "Girls", "Total", "What", "Kind"]
    tags = {"Who": "#org+impl", "Paid by": "#org+funder", "Where": "#adm1+code", "Girls": "#reached+f+children",
            "Total": "#reached", "What": "#activity+name", "Kind": "#activity+type"}
    fmap = P.map_project_headers(headers, hxl_tags=tags)
    assert fmap == {
        "Who": "implementing_partner",
        "Paid by": "funder",
        "Where": "admin1_code",
        "Girls": "reached_girls",
        "Total": "reached",
        "What": "project",
        "Kind": "activity_type",
    }


def test_spanish_headers_map():
    fmap = P.map_project_headers(["Proyecto", "Socio implementador", "Donante", "Estados", "Fecha de inicio", "Presupuesto"])
    assert fmap == {"Proyecto": "project", "Socio implementador": "implementing_partner", "Donante": "funder",
                    "Estados": "admin1_name", "Fecha de inicio": "start_date", "Presupuesto": "budget"}


def test_multi_unit_cells_by_code_and_by_name(resolved):
    assert _row(resolved, "Multi codes")["unit_codes"] == ["MX-JAL", "MX-NLE"]
    assert _row(resolved, "Multi codes")["location_method"] == "admin_code"
    assert _row(resolved, "Multi names")["unit_codes"] == ["MX-JAL", "MX-NLE"]
    assert _row(resolved, "Multi names")["category"] == "training_technical_assistance"
    assert _row(resolved, "Multi names")["project_status"] == "ongoing"


def test_whole_country_values_expand_to_every_unit(resolved):
    for project in ("Nationwide", "Spanish national"):
        row = _row(resolved, project)
        assert row["unit_codes"] == CODES
        assert bool(row["whole_country"]) is True
        assert row["location_method"] == "whole_country"


def test_a_unit_named_like_the_country_is_the_unit(resolved):
    row = _row(resolved, "The state")
    assert row["unit_codes"] == ["MX-MEX"]
    assert bool(row["whole_country"]) is False


def test_typed_fields(resolved):
    row = _row(resolved, "Multi codes")
    assert row["budget"] == 120000.0 and row["currency"] == "USD" and row["reached"] == 50.0
    assert row["start_date"] == pd.Timestamp("2021-01-01") and row["end_date"] == pd.Timestamp("2022-06-30")
    years = _row(resolved, "Multi names")
    assert years["start_date"] == pd.Timestamp("2022-01-01") and years["end_date"] == pd.Timestamp("2023-12-31")


def test_every_row_is_counted_or_listed_with_its_reason(resolved):
    acc = P.project_row_accounting(resolved)
    assert acc == {"total": 9, "placed": 6, "flagged": 2, "elsewhere": 1}
    assert acc["placed"] + acc["flagged"] + acc["elsewhere"] == acc["total"]
    issues = P.project_issues(resolved)
    # Row numbers are spreadsheet rows: the header is row 1.
    bad = issues[issues["source_row"] == 6].set_index("field")
    assert set(bad.index) == {"category", "budget", "reached", "admin1_name"}
    assert bad.loc["admin1_name", "value"] == "Narnialand"
    assert (issues["source_file"] == "fixture.csv").all()
    # Partly known: placed in Oaxaca, and the unknown unit still listed.
    partly = _row(resolved, "Partly known")
    assert partly["status"] == "placed" and partly["unit_codes"] == ["MX-OAX"]
    assert issues.loc[issues["source_row"] == 8, "value"].tolist() == ["Atlantis"]
    no_unit = _row(resolved, "No unit")
    assert no_unit["status"] == "flagged" and "no admin-1 unit" in no_unit["reason"]
    assert _row(resolved, "Other country")["status"] == "elsewhere"
    flagged = resolved[resolved["status"] == "flagged"]
    assert (flagged["reason"].str.len() > 0).all()


def test_hxl_csv_and_xlsx_read_the_same(units):
    hxl = (
        b"Activity,Partner,Donor,Unit,Start,People\n"
        b"#activity,#org+impl,#org+funder,#adm1+code,#date+start,#reached\n"
        b"Training,Partner A,Donor 1,MX-OAX;MX-JAL,2021-05-01,7\n"
    )
    from_hxl = P.load_projects(hxl, units, country="MEX", filename="p.csv")
    assert from_hxl.attrs["hxl"] is True
    assert from_hxl["source_row"].tolist() == [3]  # the hashtag row counts
    assert from_hxl["unit_codes"].iloc[0] == ["MX-OAX", "MX-JAL"]
    assert from_hxl["implementing_partner"].iloc[0] == "Partner A"

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for line in hxl.decode().strip().splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    from_xlsx = P.load_projects(buf.getvalue(), units, country="MEX", filename="p.xlsx")
    assert from_xlsx["unit_codes"].iloc[0] == ["MX-OAX", "MX-JAL"]
    assert from_xlsx["reached"].iloc[0] == 7.0


def test_missing_unit_column_is_an_actionable_error(units):
    with pytest.raises(ValueError, match=r"nofile\.csv: no column names the admin-1 unit"):
        P.read_projects(b"Project,Budget\nA,1\n", filename="nofile.csv")


# ------------------------------------------------------------------- the bundled sample
@pytest.fixture(scope="module")
def mexico():
    from geomap.boundaries import load_boundaries

    return load_boundaries("MEX")


def test_sample_is_illustrative_and_fictional():
    raw = P.read_projects(P.SAMPLE_PROJECTS)
    assert raw["implementing_partner"].str.match(r"^Illustrative Partner [A-Z] \(fictional\)$").all()
    assert raw["funder"].str.match(r"^Illustrative Donor \d$").all()
    assert raw["project"].str.endswith("(illustrative)").all()
    assert set(raw["country"]) == {"MEX", "NGA", "UKR", "LBN"}


def test_sample_mexico_judicial_training_reaches_29_of_32(mexico):
    from geomap.analysis import footprint as F

    projects = P.load_projects(P.SAMPLE_PROJECTS, mexico, country="MEX")
    assert P.project_row_accounting(projects)["flagged"] == 0
    kept = F.filter_projects(projects, categories="training_technical_assistance", activity_types="training")
    summary = F.footprint_summary(F.footprint_by_unit(mexico, kept), kept)
    assert summary["headline"] == "reached 29 of 32 units"
    assert len(summary["units_not_reached"]) == 3


def test_sample_script_rebuilds_the_bundled_file(tmp_path, repo_dir):
    out = tmp_path / "sample.csv"
    subprocess.run([sys.executable, str(repo_dir / "scripts" / "make_sample_projects.py"), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == P.SAMPLE_PROJECTS.read_bytes()


def test_bare_unit_code_and_names_in_a_code_column(units):
    data = b"Project,Country,Unit code\nA,MEX,MEX\nB,MEX,MX\nC,MEX,JAL; Oaxaca\n"
    got = P.load_projects(data, units, country="MEX", filename="codes.csv").set_index("project")
    assert got.loc["A", "unit_codes"] == ["MX-MEX"]  # the state's bare code, not the country
    assert got.loc["B", "unit_codes"] == CODES and bool(got.loc["B", "whole_country"])  # the country's ISO2
    assert got.loc["C", "unit_codes"] == ["MX-JAL", "MX-OAX"]
    assert got.loc["C", "location_method"] == "admin_code; admin_name"


def test_reach_totals_from_disaggregation_and_bad_counts(units):
    data = (
        b"Project,State,Women reached,Men reached,Girls reached,Boys reached,People reached,Officials trained\n"
        b"Split only,Oaxaca,3,4,5,6,,\n"
        b"Total wins,Oaxaca,3,4,5,6,100,\n"
        b"Negative,Oaxaca,,,,,-5,2\n"
    )
    got = P.load_projects(data, units, country="MEX", filename="reach.csv").set_index("project")
    assert got.loc["Split only", "reached"] == 18.0
    assert got.loc["Total wins", "reached"] == 100.0
    assert pd.isna(got.loc["Negative", "reached"]) and got.loc["Negative", "officials_trained"] == 2.0
    issues = P.project_issues(got)
    assert issues[["source_row", "field", "value"]].values.tolist() == [[4, "reached", "-5"]]
