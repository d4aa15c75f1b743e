"""The check of bundled admin-1 units against ISO 3166-2 (pycountry)."""

from __future__ import annotations

import pandas as pd

from geomap import boundaries, boundary_vintage


def _units(codes: list[str], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"code": codes, "name": names, "name_en": names, "name_alt": [""] * len(codes)})


def test_same_units_by_code_and_by_name():
    ng = boundaries.load_boundaries("NGA")
    row = boundary_vintage.check_country(ng, "NGA")
    assert row["status"] == boundary_vintage.SAME and row["units"] == row["iso_units"] == 37
    # two made-up codes, real names: matched by name, same count, but the codes differ
    renamed = ng.assign(code=[f"NG-Q{i:02d}" if i < 2 else c for i, c in enumerate(ng["code"])])
    row = boundary_vintage.check_country(renamed, "NGA")
    assert row["status"] == boundary_vintage.CODES_DIFFER and row["matched"] == 37 and row["codes_matched"] == 35


def test_kenya_provinces_against_counties():
    row = boundary_vintage.check_country(boundaries.load_boundaries("KEN"), "KEN")
    assert (row["units"], row["iso_units"], row["status"]) == (8, 47, boundary_vintage.UNITS_DIFFER)
    assert row["year_of_change"] == 2013
    assert len(row["iso_not_in_units"].split("; ")) == 47 - row["matched"]


def test_unknown_year_is_said_and_no_iso_is_not_flagged():
    fake = _units(["XX-1", "XX-2"], ["One", "Two"])
    row = boundary_vintage.check_country(fake, "AUS")  # 2 units against Australia's 8
    assert row["status"] == boundary_vintage.UNITS_DIFFER and row["year_of_change"] == "" and row["matched"] == 0
    assert boundary_vintage.check_country(fake, "ATA")["status"] == boundary_vintage.NO_ISO


def test_bundled_table_matches_the_check_and_notes_follow_it():
    table = pd.read_csv(boundary_vintage.CHECK_PATH, dtype=str, keep_default_na=False)
    assert len(table) == len(boundaries.list_countries())
    ken = table.set_index("country").loc["KEN"]
    assert (ken["units"], ken["iso_units"], ken["year_of_change"]) == ("8", "47", "2013")
    notes = " ".join(boundaries.load_boundaries("KEN").attrs["notes"])
    assert "8 provinces were replaced by 47 counties in 2013" in notes
    assert not any("outdated" in n for n in boundaries.load_boundaries("MEX").attrs["notes"])
    aus = boundary_vintage.vintage_note("AUS", country_name="Australia")
    assert aus is not None and "Year of change: not known" in aus
