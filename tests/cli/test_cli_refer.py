"""Tests for ``geomap refer`` on a small fictional directory placed inside the bundled NG-KN unit."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from leaks._leakcheck import assert_no_leak, output_text

from geomap import boundaries
from geomap.cli import FULL_EXPORT_NOTICE, main

@pytest.fixture(autouse=True)
def _no_disclosure_banding(monkeypatch):
    # These tests are about the referral's own redaction (bands, coarse grid, no details) on
    # fixtures with one confidential site per unit: k = 1 keeps those sites in the public
    # search. The disclosure rule (k = 3 leaves them out) is tested in tests/leaks/test_small_counts.py.
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", "1")



@pytest.fixture(scope="module")
def kano_point() -> tuple[float, float]:
    units = boundaries.load_boundaries("NGA")
    pt = units.loc[units["code"] == "NG-KN"].geometry.iloc[0].representative_point()
    return round(pt.y, 4), round(pt.x, 4)


@pytest.fixture
def directory_file(tmp_path: Path, kano_point) -> Path:
    lat, lon = kano_point
    rows = [
        # id, name, services, populations, lat, lon, confidential, phone, address, front door
        ("F1", "Fictional legal office", "legal aid", "women; men", lat + 0.02, lon, "no", "+999 100 201", "1 Fictional St", ""),
        ("F2", "Fictional open shelter", "shelter", "women; children", lat + 0.05, lon, "no", "+999 100 202", "2 Fictional St", ""),
        ("F3", "Fictional hidden shelter", "shelter", "women; children", lat + 0.1234567, lon + 0.0765432, "yes",
         "+999 777 4242", "9 Hidden Fictional Road", "Fictional hotline 0800 111"),
    ]
    df = pd.DataFrame(rows, columns=["id", "name", "service_types", "populations_served", "latitude", "longitude",
                                     "confidential", "phone", "address", "front_door_contact"])
    df["admin1_code"] = "NG-KN"
    df["last_verified"] = "2026-01-01"
    df["fictional"] = "yes"
    path = tmp_path / "fictional_directory.csv"
    df.to_csv(path, index=False)
    return path


def _dir_frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str)


def test_refer_public_csv(tmp_path, directory_file, kano_point, capsys):
    out = tmp_path / "refer.csv"
    lat, lon = kano_point
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--at", f"{lat},{lon}",
                 "--service", "shelter", "--service", "legal_aid", "--population", "women", "-n", "2", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "wrote 3 providers" in printed
    assert "Confidential shelter — contact via Fictional hotline 0800 111" in printed
    text = output_text(out)
    assert_no_leak(text, _dir_frame(directory_file), where="refer CSV")
    assert_no_leak(printed, _dir_frame(directory_file), where="refer stdout")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(table["display_name"][:2]) == ["Fictional legal office", "Fictional open shelter"]
    assert table["group"].iloc[2] == "Confidential services" and table["distance"].iloc[2].startswith("<")
    assert "+999 777 4242" not in text and "9 Hidden" not in text


def test_refer_town_html_sheet(tmp_path, directory_file, capsys):
    out = tmp_path / "sheet.html"
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--town", "Kanno",
                 "--service", "shelter", "--out", str(out)])
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "From: Kano (town)" in html
    assert_no_leak(html, _dir_frame(directory_file), where="refer HTML")


def test_refer_include_confidential_says_so(tmp_path, directory_file, kano_point, capsys):
    out = tmp_path / "full.csv"
    lat, lon = kano_point
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--at", f"{lat},{lon}",
                 "--service", "shelter", "--include-confidential", "--out", str(out)])
    assert code == 0
    assert FULL_EXPORT_NOTICE in capsys.readouterr().out
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("# " + FULL_EXPORT_NOTICE)
    assert "9 Hidden Fictional Road" in text


def test_refer_relaxes_and_reports(tmp_path, directory_file, kano_point, capsys):
    out = tmp_path / "r.csv"
    lat, lon = kano_point
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--at", f"{lat},{lon}",
                 "--service", "legal_aid", "--population", "lgbtqi", "--out", str(out)])
    assert code == 0
    assert "do not list every chosen population" in capsys.readouterr().out


def test_refer_errors_are_actionable(tmp_path, directory_file, capsys):
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--town", "Qwxzqwxz",
                 "--service", "shelter", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    assert "no town matching 'Qwxzqwxz'" in capsys.readouterr().err
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--org", "F3",
                 "--service", "shelter", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    assert "cannot be used as a starting point" in capsys.readouterr().err
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--at", "12,8",
                 "--service", "shelter", "--out", str(tmp_path / "x.pdf")])
    assert code == 2


def test_refer_with_road_graph_adds_travel_times(tmp_path, directory_file, kano_point):
    """A fictional road north from the start: travel times for open providers, none for the hidden one."""
    lat, lon = kano_point
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="geomap-test">']
    for i in range(15):
        xml.append(f'<node id="{i + 1}" version="1" lat="{lat + i * 0.01:.7f}" lon="{lon:.7f}"/>')
    xml.append('<way id="1" version="1">' + "".join(f'<nd ref="{i + 1}"/>' for i in range(15)))
    xml.append('<tag k="highway" v="primary"/><tag k="maxspeed" v="60"/></way>')
    # side streets at 0.02 and 0.05 degrees north: intersections survive graph simplification
    for way, (at_node, side) in enumerate(((3, 101), (6, 102)), start=2):
        xml.append(f'<node id="{side}" version="1" lat="{lat + (at_node - 1) * 0.01:.7f}" lon="{lon + 0.01:.7f}"/>')
        xml.append(f'<way id="{way}" version="1"><nd ref="{at_node}"/><nd ref="{side}"/><tag k="highway" v="residential"/></way>')
    xml.append("</osm>")
    road = tmp_path / "roads.osm"
    road.write_text("\n".join(xml), encoding="utf-8")
    out = tmp_path / "refer.csv"
    code = main(["refer", "--country", "NGA", "--directory", str(directory_file), "--at", f"{lat},{lon}",
                 "--service", "shelter", "--service", "legal_aid", "--road-graph", str(road), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False, comment="#")
    times = dict(zip(table["display_name"], table["travel_min"]))
    # 0.02 and 0.05 degrees north at 60 km/h: about 2.2 and 5.6 minutes
    assert float(times["Fictional legal office"]) == pytest.approx(2.2, abs=0.2)
    assert float(times["Fictional open shelter"]) == pytest.approx(5.6, abs=0.2)
    hidden = [t for name, t in times.items() if name.startswith("Confidential")]
    assert hidden == [""]
    assert_no_leak(output_text(out), _dir_frame(directory_file), where="refer CSV with travel times")
