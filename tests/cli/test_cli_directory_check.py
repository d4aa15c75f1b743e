"""``geomap directory check`` matches the Data page: columns named and mappable, categories
counted and mappable, file errors that name the file (issue #13). Fixtures are written here."""

from __future__ import annotations

import csv
import json

import pytest

from geomap import cli
from geomap.directory import readers

ROWS = (
    "Provider,Sector,Town/City,State,Serves\n"
    "Alpha Clinic (fictional),PRO,Ikeja,Lagos State,women\n"
    "Beta House (fictional),Spa days,Kano,Kano,children\n"
    "Gamma Office (fictional),Spa days; HEA,Nowhere-ville,Atlantis,\n"
)


@pytest.fixture()
def three_w(tmp_path):
    path = tmp_path / "3w.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def _check(capsys, tmp_path, *args):
    out = tmp_path / "checked.csv"
    code = cli.main(["directory", "check", *map(str, args), "--country", "NGA", "--out", str(out)])
    text = capsys.readouterr()
    rows = list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() else []
    return code, text, rows


def test_unknown_columns_are_named_and_categories_counted(three_w, tmp_path, capsys):
    code, text, rows = _check(capsys, tmp_path, three_w)
    assert code == 0
    assert "not used (map one with --map \"Header=field\" or --mapping FILE): 'Town/City', 'Serves'" in text.out
    assert "3 rows: 2 placed in 2 units, 1 flagged" in text.out
    assert "  Spa days: 2 rows" in text.out
    assert [r["service_types"] for r in rows] == ["protection", "Spa days", "health; Spa days"]
    assert rows[1]["status"] == "placed"  # an unknown category never flags a located row


def test_map_option_maps_columns(three_w, tmp_path, capsys):
    code, text, rows = _check(capsys, tmp_path, three_w, "--map", "Town/City=town", "--map", "Serves=populations_served")
    assert code == 0
    assert "Town/City -> town" in text.out and "Serves -> populations_served" in text.out
    assert rows[0]["town"] == "Ikeja" and rows[0]["populations_served"] == "women"
    assert 'town: "Nowhere-ville" not found in the GeoNames gazetteer' in rows[2]["reason"]


def test_mapping_file_from_the_page_maps_columns_and_categories(three_w, tmp_path, capsys):
    mapping = tmp_path / "geomap_mapping.json"
    readers.save_mappings(mapping, columns={"Town/City": "town"}, categories={"Spa days": "psychosocial"})
    assert json.loads(mapping.read_text(encoding="utf-8")) == {
        "columns": {"Town/City": "town"}, "categories": {"Spa days": "psychosocial"},
    }
    code, text, rows = _check(capsys, tmp_path, three_w, "--mapping", mapping)
    assert code == 0
    assert [r["service_types"] for r in rows] == ["protection", "psychosocial", "psychosocial; health"]
    assert "Spa days" not in text.out
    # --map wins over the file; an old column-only mapping file still reads
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"Town/City": "town"}), encoding="utf-8")
    assert readers.load_mappings(old) == ({"Town/City": "town"}, {})


def test_file_errors_name_the_file_and_the_reason(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    code, text, _ = _check(capsys, tmp_path, missing)
    assert code == 2
    assert text.err.strip() == f"geomap: error: {missing}: No such file or directory"


def test_bad_map_and_mapping_are_explained(three_w, tmp_path, capsys):
    code, text, _ = _check(capsys, tmp_path, three_w, "--map", "Town/City")
    assert code == 2 and "--map 'Town/City': write it as \"Column header=field\"" in text.err
    code, text, _ = _check(capsys, tmp_path, three_w, "--map", "Town/City=city")
    assert code == 2 and "'city' is not a directory field" in text.err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"columns": {}, "categories": {"Spa days": "massage"}}), encoding="utf-8")
    code, text, _ = _check(capsys, tmp_path, three_w, "--mapping", bad)
    assert code == 2 and f"{bad}: 'Spa days' is mapped to 'massage', which is not a category code" in text.err
    bad.write_text("{not json", encoding="utf-8")
    code, text, _ = _check(capsys, tmp_path, three_w, "--mapping", bad)
    assert code == 2 and f"{bad}: not a JSON mapping file" in text.err


def test_coverage_filters_on_a_sector_and_a_verbatim_category(three_w, tmp_path, capsys):
    out = tmp_path / "cov.csv"
    assert cli.main(["coverage", "--country", "NGA", "--directory", str(three_w), "--service", "Spa days", "--out", str(out)]) == 0
    assert "37 units, 1 providers" in capsys.readouterr().out  # Beta House in Kano; Gamma Office is not placed
    assert cli.main(["coverage", "--country", "NGA", "--directory", str(three_w), "--service", "protection", "--out", str(out)]) == 0
    assert "37 units, 1 providers" in capsys.readouterr().out
    assert cli.main(["coverage", "--country", "NGA", "--directory", str(three_w), "--service", "haircut", "--out", str(out)]) == 2
    assert "unknown service type(s) ['haircut']" in capsys.readouterr().err
