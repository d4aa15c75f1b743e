"""``geomap gaps`` / ``site`` / ``report`` end to end on the bundled Nigeria layer.

The directory is written by the test: fictional records placed at points *computed* from the
bundled boundaries (each unit's representative point), so no real coordinates are typed here.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from geomap import cli, pipeline


@pytest.fixture(scope="module")
def nga_directory(tmp_path_factory):
    units = pipeline.load_units("NGA")
    pts = units.geometry.representative_point()
    rows = []
    for i, (code, pt) in enumerate(zip(units["code"], pts)):
        if i % 3:  # every third unit gets a shelter; the others none
            continue
        rows.append(
            {
                "id": f"T{i}",
                "name": f"Fictional shelter {i}",
                "service_types": "shelter",
                "latitude": f"{pt.y:.5f}",
                "longitude": f"{pt.x:.5f}",
                "capacity": "12",
                "confidential": "yes" if i % 2 else "no",
                "front_door_contact": "Fictional hotline 000",
                "fictional": "true",
            }
        )
    path = tmp_path_factory.mktemp("dir") / "fictional_dir.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path, units, len(rows), rows


def test_gaps_command(nga_directory, tmp_path, capsys):
    path, units, n, _ = nga_directory
    out = tmp_path / "gaps.csv"
    rc = cli.main(
        ["gaps", "--country", "NGA", "--directory", str(path), "--service", "shelter", "--radius-km", "50", "--out", str(out), "--include-confidential"]
    )
    assert rc == 0
    table = pd.read_csv(out, comment="#")
    assert len(table) == len(units)
    assert {"population", "providers", "per_100k", "pop_within_km", "share_within", "gap_rank"} <= set(table.columns)
    assert table["providers"].sum() == n
    assert (table["providers"] == 0).sum() == len(units) - n
    assert table["share_within"].dropna().between(0, 1).all()
    text = capsys.readouterr().out
    assert "units with none" in text and "wrote" in text
    # the gap table holds no coordinates
    assert not {"latitude", "longitude", "geometry"} & set(table.columns)


def test_site_command(nga_directory, tmp_path, capsys):
    path, *_ = nga_directory
    out = tmp_path / "sites.csv"
    rc = cli.main(["site", "--country", "NG", "--directory", str(path), "--service", "shelter", "--add", "3", "--radius-km", "50", "--out", str(out)])
    assert rc == 0
    sites = pd.read_csv(out)
    assert list(sites["order"]) == [1, 2, 3]
    assert (sites["new_population_covered"] > 0).all()
    assert sites["new_population_covered"].is_monotonic_decreasing
    assert "newly covered" in capsys.readouterr().out


def test_report_command_public_hides_confidential(nga_directory, tmp_path, capsys):
    path, _, _, rows = nga_directory
    out = tmp_path / "report.html"
    rc = cli.main(["report", "--country", "NGA", "--directory", str(path), "--service", "shelter", "--out", str(out)])
    assert rc == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Fictional sample data" in html
    assert "Caveats" in html and "Data sources" in html
    from leaks._leakcheck import assert_no_leak

    units = pipeline.load_units("NGA")
    # coordinate pairs, names, phones of the confidential records (a lone 4-decimal latitude
    # matches settlement outlines by chance)
    assert_no_leak(html, pipeline.load_directory(path, units=units, country="NGA"), where="public gaps report")
    for r in rows:
        if r["confidential"] == "yes":
            assert r["name"] not in html
    full = tmp_path / "full.html"
    assert cli.main(["report", "--country", "NGA", "--directory", str(path), "--service", "shelter", "--include-confidential", "--out", str(full)]) == 0
    assert "FULL EXPORT" in full.read_text(encoding="utf-8") and "FULL EXPORT" in capsys.readouterr().out


def test_bad_weights_message(nga_directory, tmp_path, capsys):
    path, *_ = nga_directory
    rc = cli.main(["gaps", "--country", "NGA", "--directory", str(path), "--service", "shelter", "--weights", "reach=lots", "--out", str(tmp_path / "x.csv")])
    assert rc == 2
    assert "--weights" in capsys.readouterr().err
