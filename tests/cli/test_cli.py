"""The core ``geomap`` commands: boundaries, directory check/export, coverage."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geomap import cli, pipeline

NG_SAMPLE = str(pipeline.REPO_DATA / "providers" / "nigeria_sample_fictional.csv")

SMALL = (
    "name,service_types,state,latitude,longitude,address,phone,confidential,front_door_contact\n"
    "Open Clinic (fictional),medical,Kano,12.0,8.52,1 Open Road,+234 000 111,no,\n"
    "Hidden Shelter (fictional),shelter,Lagos,6.512345,3.376543,9 Secret Lane,+234 000 999,yes,Sample Hotline 0800\n"
    "Lost Row (fictional),legal aid,Atlantis,,,,,no,\n"
)


@pytest.fixture()
def small_csv(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_boundaries_list(capsys, tmp_path):
    out = tmp_path / "countries.csv"
    assert cli.main(["boundaries", "list", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "NGA  NG  Nigeria" in text
    table = pd.read_csv(out, keep_default_na=False)
    assert int(table.loc[table["country"] == "NGA", "units"].iloc[0]) == 37
    assert int(table.loc[table["country"] == "MEX", "units"].iloc[0]) == 32
    assert text.strip().endswith(f"{len(table)} countries, {int(table['units'].sum()):,} units")


def test_coverage_done_when(tmp_path, capsys):
    """Issue 2's check: 37 rows whose provider counts sum to the placed rows (exact figures)."""
    out = tmp_path / "x.csv"
    assert cli.main(["coverage", "--country", "NG", "--directory", NG_SAMPLE, "--out", str(out), "--include-confidential"]) == 0
    table = pd.read_csv(out, comment="#")
    assert len(table) == 37
    assert list(table.columns[:6]) == ["code", "name", "providers", "per_100k", "population", "population_year"]
    units = pipeline.load_units("NGA")
    directory = pipeline.load_directory(NG_SAMPLE, units=units, country="NGA")
    assert table["providers"].sum() == (directory["status"] == "placed").sum()
    assert set(table["population_year"]) == {2006}
    assert "37 units" in capsys.readouterr().out


def test_coverage_alpha3_and_service_filter(tmp_path):
    out = tmp_path / "x.csv"
    exact = ["--include-confidential"]
    assert cli.main(["coverage", "--country", "NGA", "--directory", NG_SAMPLE, "--service", "shelter", "--out", str(out), *exact]) == 0
    shelters = pd.read_csv(out, comment="#")["providers"].sum()
    out2 = tmp_path / "y.csv"
    cli.main(["coverage", "--country", "NGA", "--directory", NG_SAMPLE, "--out", str(out2), *exact])
    assert 0 < shelters < pd.read_csv(out2, comment="#")["providers"].sum()


def test_directory_check_accounts_for_every_row(small_csv, tmp_path, capsys):
    out = tmp_path / "checked.csv"
    assert cli.main(["directory", "check", str(small_csv), "--country", "NG", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 rows: 2 placed in 2 units, 1 flagged" in text  # and the placed rows per unit (aggregates)
    assert "  Kano: 1\n" in text and "  Lagos: 1\n" in text
    assert "row 4:" in text  # the flagged row, by its spreadsheet row number
    table = pd.read_csv(out, keep_default_na=False, comment=None)
    assert len(table) == 3
    assert table["status"].tolist() == ["placed", "placed", "flagged"]
    # the confidential shelter is the only one in Lagos: its unit is withheld (disclosure control)
    assert table["admin1_code"].tolist()[:2] == ["NG-KN", ""]
    for col in ("admin1_code", "admin1_name", "location_method", "status", "reason"):
        assert col in table.columns
    # public by default: the confidential shelter's location, address and phone are not written
    raw = out.read_text(encoding="utf-8-sig")
    for secret in ("6.512345", "3.376543", "6.51", "9 Secret Lane", "000 999"):
        assert secret not in raw
    assert "Sample Hotline 0800" in raw


def test_directory_export_full_needs_flag_and_says_so(small_csv, tmp_path, capsys):
    out = tmp_path / "full.geojson"
    assert cli.main(["directory", "export", str(small_csv), "--country", "NG", "--to", "geojson", "--out", str(out), "--include-confidential"]) == 0
    assert "FULL EXPORT" in capsys.readouterr().out
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "FULL EXPORT" in doc["notice"]
    assert "9 Secret Lane" in out.read_text(encoding="utf-8")
    public = tmp_path / "public.geojson"
    assert cli.main(["directory", "export", str(small_csv), "--country", "NG", "--to", "geojson", "--out", str(public)]) == 0
    text = public.read_text(encoding="utf-8")
    assert "9 Secret Lane" not in text and "6.512345" not in text and "FULL EXPORT" not in text


def test_errors_are_actionable(tmp_path, capsys):
    assert cli.main(["coverage", "--country", "Narnia", "--directory", NG_SAMPLE, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "Narnia" in err and "geomap: error" in err


def test_every_feature_command_is_registered():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"boundaries", "directory", "coverage", "gaps", "site", "report", "refer", "footprint", "users"} <= set(sub.choices)
