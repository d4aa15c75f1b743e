"""``geomap footprint`` on a small project file over the bundled Nigerian states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geomap.cli import main

ROWS = """project,implementing partner,funder,program category,activity type,country,admin1 code,states,start date,end date,budget,currency,people reached,status
Training 1,Partner A,Donor 1,Training and technical assistance,training,NGA,NG-LA; NG-KN,,2021-01-01,2021-12-31,200,USD,20,completed
Training 2,Partner B,Donor 1,Training and technical assistance,training,NG,,"Kano, Oyo",2023-01-01,2023-06-30,100,USD,10,completed
Hotline,Partner B,Donor 2,Emergency victim assistance,hotline,NGA,,nationwide,2022-01-01,2024-12-31,370,USD,74,ongoing
Elsewhere,Partner B,Donor 2,Emergency victim assistance,hotline,UKR,,nationwide,2022-01-01,2024-12-31,5,USD,1,ongoing
Unknown,Partner B,Donor 2,Emergency victim assistance,hotline,NGA,,Atlantis,2022-01-01,2024-12-31,5,USD,1,ongoing
"""


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "projects.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_footprint_with_category_filter(project_file: Path, tmp_path: Path, capsys):
    out = tmp_path / "fp.csv"
    rc = main(["footprint", "--projects", str(project_file), "--country", "NG", "--category", "training_technical_assistance", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "reached 3 of 37 units" in text
    assert "5 rows: 3 placed, 1 flagged, 1 in other countries" in text
    assert "row 6, admin1_name 'Atlantis'" in text
    missed = next(line for line in text.splitlines() if line.startswith("units not reached: "))
    assert "Lagos" not in missed and "Kano" not in missed and "Oyo" not in missed and "Abia" in missed
    table = pd.read_csv(out)
    assert len(table) == 37
    assert table.columns.tolist()[:6] == ["code", "name", "projects", "budget", "currency", "reached"]
    kano = table.set_index("code").loc["NG-KN"]
    # Kano: half of Training 1 (200/2) + half of Training 2 (100/2).
    assert kano["projects"] == 2 and kano["budget"] == 150.0 and kano["reached"] == 15.0


def test_footprint_whole_country_and_year_filter(project_file: Path, tmp_path: Path, capsys):
    out = tmp_path / "fp.csv"
    assert main(["footprint", "--projects", str(project_file), "--country", "NGA", "--year-from", "2022", "--year-to", "2022", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "reached 37 of 37 units" in text  # the nationwide hotline is the only 2022 project
    assert "units not reached" not in text
    table = pd.read_csv(out)
    assert table["budget"].sum() == pytest.approx(370.0)


def test_footprint_writes_map_and_report(project_file: Path, tmp_path: Path, capsys):
    out, fmap, report = tmp_path / "fp.csv", tmp_path / "fp.html", tmp_path / "report.html"
    rc = main(["footprint", "--projects", str(project_file), "--country", "NGA", "--activity", "training",
               "--out", str(out), "--map", str(fmap), "--report", str(report)])
    assert rc == 0
    assert "Not reached" in fmap.read_text(encoding="utf-8")
    assert "Reached 3 of 37 units" in report.read_text(encoding="utf-8")


def test_footprint_bad_file_is_an_error(tmp_path: Path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("project,budget\nA,1\n", encoding="utf-8")
    rc = main(["footprint", "--projects", str(bad), "--country", "NGA", "--out", str(tmp_path / "x.csv")])
    assert rc == 2
    assert "bad.csv: no column names the admin-1 unit" in capsys.readouterr().err


def test_overlay_outputs_leak_no_confidential_provider(tmp_path: Path, repo_dir: Path, capsys):
    from leaks._leakcheck import assert_no_leak, output_text

    from geomap import pipeline
    from geomap.directory import privacy

    directory_path = repo_dir / "data" / "providers" / "mexico_sample_fictional.csv"
    units = pipeline.load_units("MEX")
    directory = pipeline.load_directory(directory_path, units=units, country="MEX")
    assert privacy.is_confidential(directory).any()  # the check below must have something to find
    out, fmap, report = tmp_path / "fp.csv", tmp_path / "fp.html", tmp_path / "report.html"
    rc = main(["footprint", "--country", "MEX", "--directory", str(directory_path),
               "--out", str(out), "--map", str(fmap), "--report", str(report)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "reached 29 of 32 units" in text  # the bundled illustrative sample
    assert "units with neither a funded project nor a provider" in text
    table = pd.read_csv(out)
    assert {"providers", "overlay"} <= set(table.columns)
    for path in (out, fmap, report):
        assert_no_leak(output_text(path), directory, where=str(path))
