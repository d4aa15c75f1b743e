"""The CLI in the user's language: --lang, else GEOMAP_LANG, else LANG; the report says the same."""

from __future__ import annotations

import pandas as pd
import pytest

from geomap.cli import main
from i18n._english import PROBLEMS, PROJECT_PROBLEMS, english_in


def test_footprint_in_spanish_says_reached_29_of_32(tmp_path, capsys):
    out, report = tmp_path / "fp.csv", tmp_path / "fp.html"
    code = main(["footprint", "--country", "MEX", "--activity", "training", "--lang", "es", "--out", str(out), "--report", str(report)])
    assert code == 0
    text = capsys.readouterr().out
    assert "alcanzó 29 de 32 unidades" in text
    assert "unidades no alcanzadas: Chihuahua, Puebla, San Luis Potosí" in text
    assert "trata de personas" in text and "ficticios" in text  # the illustrative-sample notice
    html = report.read_text(encoding="utf-8")
    assert "Alcanzó 29 de 32 unidades" in html
    assert "<html lang='es' dir='ltr'>" in html
    assert "reached" not in html.split("<body>", 1)[1].split("<iframe", 1)[0]  # no English headline left
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("code,name")  # the CSV keeps field names


def test_language_from_lang_environment_and_arabic_report(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GEOMAP_LANG", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert main(["footprint", "--country", "MEX", "--activity", "training", "--out", str(tmp_path / "a.csv")]) == 0
    assert "a atteint 29 sur 32 unités" in capsys.readouterr().out
    report = tmp_path / "ar.html"
    assert main(["footprint", "--country", "MEX", "--activity", "training", "--lang", "ar", "--out", str(tmp_path / "b.csv"),
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "وصل إلى 29 من أصل 32 وحدة" in out
    assert "ولاية شيواوا" in out and "Chihuahua" not in out  # unit names in Arabic (Natural Earth name_ar)
    assert "ولاية شيواوا، " in out and "ولاية شيواوا, " not in out  # an Arabic list takes the Arabic comma
    html = report.read_text(encoding="utf-8")
    assert "<html lang='ar' dir='rtl'>" in html and "<bdi>ولاية شيواوا</bdi>" in html


def test_lang_option_before_or_after_the_command(tmp_path, capsys):
    assert main(["--lang", "es", "boundaries", "list", "--out", str(tmp_path / "c.csv")]) == 0
    assert capsys.readouterr().out.strip().endswith("unidades")


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_directory_check_says_reasons_and_warnings_in_the_language(tmp_path, capsys, lang):
    src = tmp_path / "problems.csv"
    src.write_bytes(PROBLEMS)
    assert main(["directory", "check", str(src), "--country", "MEX", "--out", str(tmp_path / "out.csv"), "--lang", lang]) == 0
    text = capsys.readouterr().out
    assert not english_in(text, lang), english_in(text, lang)
    assert "problems.csv" in text and '"Cobertura Nacional"' in text  # file names and cell text stay as given
    english = main(["directory", "check", str(src), "--country", "MEX", "--out", str(tmp_path / "en.csv"), "--lang", "en"])
    assert english == 0
    en_text = capsys.readouterr().out
    assert "  row 5: could not be placed in a unit; coordinates are outside Mexico (8266 km from the nearest unit, tolerance 5 km); not used" in en_text
    assert "warning: problems.csv: row 1 is a comment line and was skipped: # fictional sample: every row has something to say" in en_text
    # the CSV is for machines: its reason column is English in every language
    reasons = [pd.read_csv(tmp_path / f, dtype=str, keep_default_na=False)["reason"].tolist() for f in ("out.csv", "en.csv")]
    assert "exact duplicate of row 3" in reasons[0] and reasons[0][:5] == reasons[1][:5]  # (unit names follow --lang)
    if lang == "ar":
        assert "، " in text and "؛ " in text


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_footprint_says_the_project_files_problems_in_the_language(tmp_path, capsys, lang):
    src = tmp_path / "projects.csv"
    src.write_bytes(PROJECT_PROBLEMS)
    args = ["footprint", "--country", "MEX", "--projects", str(src), "--out", str(tmp_path / "fp.csv")]
    assert main([*args, "--lang", lang]) == 0
    text = capsys.readouterr().out
    problems = [line for line in text.splitlines() if "projects.csv" in line]
    assert len(problems) == 9 and "'Narnia'" in text  # one line per problem; cell text as typed
    assert not english_in(text, lang), english_in(text, lang)
    assert main([*args, "--lang", "en"]) == 0
    assert "  projects.csv row 4, country 'Narnia': unknown country 'Narnia'; use an ISO 3166-1 code such as MEX" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_boundaries_check_says_the_files_notes_in_the_language(tmp_path, capsys, lang):
    import geopandas as gpd
    import shapely

    src = tmp_path / "states.geojson"
    gdf = gpd.GeoDataFrame({"ADM1_EN": ["Uno", "Dos"], "ADM1_PCODE": ["MX01", ""]},
                           geometry=[shapely.box(-103, 20, -102, 21), shapely.box(-102, 20, -101, 21)], crs=4326)
    src.write_text(gdf.to_json(), encoding="utf-8")
    assert main(["boundaries", "check", str(src), "--country", "MEX", "--lang", lang]) == 0
    text = capsys.readouterr().out
    notes = next(line for line in text.splitlines() if line.startswith("notes:"))
    assert notes != "notes: []" and not english_in(notes, lang), notes
    assert main(["boundaries", "check", str(src), "--country", "MEX", "--lang", "en"]) == 0
    assert "notes: ['1 units without a code use their name as code']" in capsys.readouterr().out
