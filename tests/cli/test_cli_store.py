"""``geomap store``: the command names and outputs the issue fixes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from geomap import pipeline
from geomap.cli import FULL_EXPORT_NOTICE, main
from geomap.store import seed

NAME = "Nigeria — national referral directory (test, fictional)"


pytestmark = pytest.mark.store


@pytest.fixture
def data_dir(tmp_path, monkeypatch, store_env) -> Path:
    store_env(monkeypatch, tmp_path / "data")  # a new store (a seeded PostGIS database on that backend)
    return tmp_path / "data"


def _edited(tmp_path: Path) -> Path:
    text = pipeline.sample_directory_path("NGA").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["phone"] = "+234 000 000 7777 (fictional)"
    rows = rows[:-2]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "edited.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_import_dry_run_then_import_then_history(data_dir, tmp_path, capsys):
    sample = pipeline.sample_directory_path("NGA")
    assert main(["store", "import", str(sample), "--country", "NG", "--directory", NAME, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "150 new" in out and "0 changed" in out and "0 unchanged" in out and "nothing written" in out
    assert main(["store", "list"]) == 0
    assert NAME not in capsys.readouterr().out
    assert main(["store", "import", str(sample), "--country", "NG", "--directory", NAME, "--by", "ana"]) == 0
    assert "150 new" in capsys.readouterr().out
    assert main(["store", "import", str(_edited(tmp_path)), "--country", "NGA", "--directory", NAME, "--by", "bo"]) == 0
    out = capsys.readouterr().out
    assert "0 new, 1 changed, 147 unchanged, 2 not in the file" in out
    assert "changed NG-SAMPLE-0001: phone" in out
    assert main(["store", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{NAME}  [NGA, restricted]  150 records" in out  # nothing deleted unless asked
    assert seed.SAMPLE_NAMES["NGA"] in out and "(fictional sample)" in out
    assert main(["store", "history", "NG-SAMPLE-0001", "--directory", NAME]) == 0
    out = capsys.readouterr().out
    assert "bo  import  phone: '+234 000 000 0001 (fictional)' -> '+234 000 000 7777 (fictional)'" in out
    assert "ana  create  name: None -> 'Sample Clinic 1 (fictional)'" in out


def test_import_refuses_a_directory_of_another_country(data_dir, capsys):
    sample = pipeline.sample_directory_path("MEX")
    assert main(["store", "import", str(sample), "--country", "MX", "--directory", seed.SAMPLE_NAMES["NGA"]]) == 2
    assert "is for NGA, not MEX" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "hsds", "hxl"])
def test_export_is_public_unless_asked(data_dir, tmp_path, fmt, capsys):
    from geomap.directory import readers

    out = tmp_path / f"export.{fmt if fmt != 'hsds' else 'zip'}"
    assert main(["store", "export", "--directory", seed.SAMPLE_NAMES["NGA"], "--to", fmt, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 150 records" in printed and FULL_EXPORT_NOTICE not in printed
    back = readers.read_directory(out)
    conf = back["confidential"].astype(str).str.lower().eq("true")
    assert conf.any()
    assert back.loc[conf, "latitude"].isna().all() and back.loc[conf, "address"].isna().all()
    full = tmp_path / f"full.{fmt if fmt != 'hsds' else 'zip'}"
    assert main(["store", "export", "--directory", seed.SAMPLE_NAMES["NGA"], "--to", fmt, "--out", str(full),
                 "--include-confidential"]) == 0
    assert FULL_EXPORT_NOTICE in capsys.readouterr().out
    back = readers.read_directory(full)
    assert back.loc[back["confidential"].astype(str).str.lower().eq("true"), "latitude"].notna().any()


def test_export_change_log_leaves_out_confidential_records(data_dir, tmp_path, capsys):
    out = tmp_path / "public.csv"
    assert main(["store", "export", "--directory", seed.SAMPLE_NAMES["NGA"], "--to", "csv", "--out", str(out),
                 "--with-history"]) == 0
    log = list(csv.DictReader(open(f"{out}.changes.csv", encoding="utf-8-sig")))
    public = list(csv.DictReader(open(out, encoding="utf-8-sig")))
    confidential = {r["id"] for r in public if r["confidential"] == "true"}
    assert confidential and log
    assert not confidential & {r["resource_id"] for r in log}


def test_backup_and_restore(data_dir, tmp_path, capsys):
    path = tmp_path / "backup.gpkg"
    assert main(["store", "backup", str(path)]) == 0
    assert "350 records" in capsys.readouterr().out
    assert main(["store", "import", str(pipeline.sample_directory_path("NGA")), "--country", "NG", "--directory", NAME]) == 0
    assert main(["store", "restore", str(path)]) == 2  # not a terminal and no --yes: refused
    assert "--yes" in capsys.readouterr().err
    assert main(["store", "restore", str(path), "--yes"]) == 0
    capsys.readouterr()
    assert main(["store", "list"]) == 0
    out = capsys.readouterr().out
    assert NAME not in out and "2 directories" in out
    assert json.dumps(out)  # printable


def test_history_of_unknown_record(data_dir, capsys):
    assert main(["store", "history", "NOPE", "--directory", seed.SAMPLE_NAMES["NGA"]]) == 2
    assert "no history" in capsys.readouterr().err


def test_compare_two_dates_per_unit(data_dir, capsys):
    from geomap import store as gs

    s = gs.open_store()
    name = seed.SAMPLE_NAMES["NGA"]
    start = gs.history(s, name)["last_action_date"].max()
    rec = gs.get_record(s, name, "NG-SAMPLE-0002")  # placed in Lagos (NG-LA)
    gs.delete_record(s, name, "NG-SAMPLE-0002", expected_version=rec["version"], by="ana", role=gs.EDITOR)
    s.close()
    assert main(["store", "compare", "--directory", name, "--from", start, "--to", "2999-01-01"]) == 0
    out = capsys.readouterr().out
    assert "NG-LA  Lagos:" in out and "(+0 -1)" in out
    assert "148 providers at" in out and "0 added, 1 removed in 1 units" in out
