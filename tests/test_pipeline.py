"""The front of the data flow: units with population, directory read + resolve, edits."""

from __future__ import annotations

import pandas as pd
import pytest

from geomap import pipeline
from geomap.directory import schema

CSV = b"name,service_types,state\nA (fictional),shelter,Kano\nB (fictional),legal aid,Nowhere\n"


def test_load_units_attaches_population():
    units = pipeline.load_units("NG")
    assert len(units) == 37
    assert units["population"].sum() == 140_431_790
    assert set(units["population_year"]) == {2006}


def test_samples_exist_for_default_countries():
    for iso3 in ("NGA", "MEX"):
        path = pipeline.sample_directory_path(iso3)
        assert path is not None and path.exists()
        assert path.name.endswith("_fictional.csv")
    assert pipeline.sample_directory_path("KEN") is None


def test_load_directory_accounts_for_every_row():
    units = pipeline.load_units("NGA")
    d = pipeline.load_directory(CSV, units=units, country="NGA", filename="x.csv")
    assert d["status"].tolist() == [schema.STATUS_PLACED, schema.STATUS_FLAGGED]
    assert d["source_row"].tolist() == [2, 3]
    assert d.crs.to_epsg() == 4326


def test_edits_are_resolved_like_input():
    units = pipeline.load_units("NGA")
    d = pipeline.load_directory(CSV, units=units, country="NGA", filename="x.csv", edits={3: {"admin1_name": "Lagos"}})
    assert d["status"].tolist() == [schema.STATUS_PLACED] * 2
    assert d["admin1_code"].tolist() == ["NG-KN", "NG-LA"]


def test_bad_edits_raise_clear_errors():
    raw = pd.DataFrame({f: [None] for f in schema.FIELD_NAMES} | {"source_row": [2]})
    with pytest.raises(ValueError, match="row 9"):
        pipeline.apply_edits(raw, {9: {"name": "x"}})
    with pytest.raises(ValueError, match="'colour' is not a directory field"):
        pipeline.apply_edits(raw, {2: {"colour": "x"}})


def test_load_directory_reports_progress_in_order():
    """The progress callback hears every step, fractions rising from 0 to 1 (pages show a bar)."""
    from geomap.directory.resolve import PROGRESS_STAGES

    units = pipeline.load_units("NGA")
    heard: list[tuple[float, str]] = []
    out = pipeline.load_directory(
        pipeline.sample_directory_path("NGA"), units=units, country="NGA", progress=lambda f, s: heard.append((f, s))
    )
    assert len(out) > 0
    assert [s for _f, s in heard] == ["read", *PROGRESS_STAGES]
    fractions = [f for f, _s in heard]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
