"""geomap.directory.schema: vocabulary parsing helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from geomap.directory import schema


def test_parse_codes_parses_each_distinct_cell_once_and_keeps_the_index():
    cells = pd.Series(["shelter; legal aid", None, "shelter; legal aid", ["medical"], "albergue"], index=[5, 6, 7, 8, 9])
    codes = schema.parse_codes(cells)
    assert list(codes.index) == [5, 6, 7, 8, 9]
    assert codes[5] == ["shelter", "legal_aid"] and codes[5] is codes[7]
    assert codes[6] == [] and codes[8] == ["medical"] and codes[9] == ["shelter"]
    pops = schema.parse_codes(pd.Series(["women; children"]), vocabulary="population")
    assert pops[0] == [schema.parse_populations("women")[0][0], schema.parse_populations("children")[0][0]]
    assert schema.parse_codes(pd.Series([], dtype=object)).empty
    with pytest.raises(ValueError, match="unknown vocabulary"):
        schema.parse_codes(cells, vocabulary="colour")


def _parser(vocabulary: str):
    """The cell parser; for categories, unknown items are kept verbatim after the codes (as parse_codes does)."""
    if vocabulary == "service":

        def categories(cell):
            known, unknown = schema.parse_service_types(cell)
            return known + [u for u in unknown if u not in known], unknown

        return categories
    return schema.parse_populations


@pytest.mark.parametrize(
    ("vocabulary", "cells"),
    [
        (
            "service",
            [
                ["shelter", "medical"],  # already codes: the fast path
                ["shelter", "medical", "shelter"],  # a duplicate code: kept once, first order
                ("legal_aid", "legal_aid"),
                ["medical", "shelter"],  # order kept
                ["shelter", "refuge"],  # a synonym among codes: parsed (refuge -> shelter, once)
                ["safe house", "medical"],
                ["Medical care"],  # a label, not a code
                [" shelter"],  # padded: not a code as it stands
                ["SHELTER"],
                ["women"],  # a code of the other vocabulary: unknown here, kept verbatim
                ["shelter", None],  # a blank item
                ["shelter", float("nan"), "hotline"],
                [],
                "shelter; shelter; medical",
                "albergue",
                None,
            ],
        ),
        (
            "population",
            [
                ["women", "children", "women"],
                ["children", "girls"],  # girls -> children: once
                ["female"],
                ["women", "shelter"],
                ("lgbtqi",),
                "women; women",
            ],
        ),
    ],
)
def test_parse_codes_equals_the_parser_cell_by_cell(vocabulary, cells):
    parser = _parser(vocabulary)
    series = pd.Series(cells, dtype=object)
    got = schema.parse_codes(series, vocabulary=vocabulary)
    assert [list(v) for v in got] == [parser(c)[0] for c in cells]
    # the same cells in another order (the memo is filled in another order): the same codes
    backwards = schema.parse_codes(series.iloc[::-1], vocabulary=vocabulary)
    assert [list(v) for v in backwards] == [parser(c)[0] for c in cells[::-1]]


def test_parse_codes_fast_path_by_hand():
    got = schema.parse_codes(pd.Series([["shelter", "medical", "shelter"], ["shelter", "refuge"], ["refuge", "shelter"]]))
    assert got.tolist() == [["shelter", "medical"], ["shelter"], ["shelter"]]
    # every code of each vocabulary stands for itself
    assert schema.parse_codes(pd.Series([[c] for c in schema.SERVICE_TYPES])).tolist() == [[c] for c in schema.SERVICE_TYPES]
    pops = schema.parse_codes(pd.Series([[c, c] for c in schema.POPULATIONS]), vocabulary="population")
    assert pops.tolist() == [[c] for c in schema.POPULATIONS]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        # as the real OCHA 3Ws write them (Nigeria: #sector+cluster; Afghanistan: code and name)
        ("PRO", ["protection"]),
        ("NUT", ["nutrition"]),
        ("HEA", ["health"]),
        ("WASH", ["wash"]),
        ("CCCM", ["cccm"]),
        ("FSC", ["food_security"]),
        ("SHL", ["shelter_nfi"]),
        ("EDU", ["education"]),
        ("ERL", ["early_recovery"]),
        ("PROTECTION_OP", ["protection"]),
        ("ESNFI_OP", ["shelter_nfi"]),
        ("EiE_OP", ["education"]),
        ("FSAC_OP", ["food_security"]),
        ("Operational Presence: Protection", ["protection"]),
        ("Operatioanl Presence: Water, Sanitation & Hygiene", ["wash"]),
        ("Operational Presence: Emergency Shelter & Non-Food Items", ["shelter_nfi"]),
        ("Operational Presence: Food Security & Agriculture", ["food_security"]),
        # HXL / HDX codes and Spanish and French spellings
        ("PRO-CPN", ["child_protection"]),
        ("PRO-GBV", ["gbv"]),
        ("PRO-MIN", ["mine_action"]),
        ("Protección", ["protection"]),
        ("Violencia basada en género", ["gbv"]),
        ("Eau, hygiène et assainissement", ["wash"]),
        ("Sécurité alimentaire", ["food_security"]),
        ("Logistique", ["logistics"]),
        ("Multi-purpose cash", ["multipurpose_cash"]),
        # the anti-trafficking core is unchanged, and mixes with sectors
        ("Albergue; PRO; legal aid", ["shelter", "protection", "legal_aid"]),
    ],
)
def test_sector_spellings(text, codes):
    assert schema.parse_service_types(text) == (codes, [])


def test_every_category_has_four_labels_and_core_stays_first():
    assert list(schema.CATEGORIES)[: len(schema.SERVICE_TYPES)] == list(schema.SERVICE_TYPES)
    for code, labels in schema.CATEGORIES.items():
        assert set(labels) == {"en", "es", "fr", "ar"} and all(labels.values()), code
    for code in set(schema.SECTOR_SYNONYMS.values()):
        assert code in schema.CATEGORIES, code
    assert schema.label("wash", lang="es") == "Agua, saneamiento e higiene"
    assert schema.label("Spa days") == "Spa days"  # a verbatim category is its own label


def test_unknown_categories_are_kept_verbatim_in_parse_codes():
    got = schema.parse_codes(pd.Series(["PRO; Spa days", "Spa days", None]))
    assert got.tolist() == [["protection", "Spa days"], ["Spa days"], []]
    assert schema.categories_present(pd.Series(["Spa days; PRO", "shelter", "aardvark"])) == ["shelter", "protection", "aardvark", "Spa days"]


def test_user_category_mapping():
    assert schema.parse_service_types("Spa days; PRO", mapping={"spa DAYS": "psychosocial"}) == (["psychosocial", "protection"], [])
    assert schema.parse_service_types("PRO", mapping={"PRO": ""}) == ([], [])  # "" ignores a spelling
    assert schema.check_category_mapping({"x": "Protección"}) == {"x": "protection"}  # a label is read as its code
    with pytest.raises(ValueError, match=r"my file: 'x' is mapped to 'nope', which is not a category code; valid codes: shelter"):
        schema.check_category_mapping({"x": "nope"}, source="my file")
