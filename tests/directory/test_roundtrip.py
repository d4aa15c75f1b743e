"""Round trips keep aggregates: a public export, read back, gives the source's per-unit counts.

A public export keeps each confidential record's unit code (and no point); reading it back
places the record in that unit. Both bundled samples (fictional records), every export format.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geomap import pipeline
from geomap.analysis import coverage
from geomap.directory import privacy, writers

SAMPLES = {"NG": "nigeria_sample_fictional.csv", "MX": "mexico_sample_fictional.csv"}


@pytest.fixture(scope="module")
def sources() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    out = {}
    for country, name in SAMPLES.items():
        units = pipeline.load_units(country)
        out[country] = (units, pipeline.load_directory(Path("data/providers") / name, units=units, country=country))
    return out


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
@pytest.mark.parametrize("country", sorted(SAMPLES))
def test_public_export_read_back_keeps_counts_per_unit(sources, tmp_path, country, fmt):
    units, source = sources[country]
    confidential = privacy.is_confidential(source)
    assert confidential.sum() > 20  # the samples do hold confidential records
    out = tmp_path / f"public{writers.EXTENSIONS[fmt]}"
    writers.write_directory(privacy.public_view(source), out, format=fmt)
    back = pipeline.load_directory(out, units=units, country=country)
    assert len(back) == len(source)
    want = coverage.coverage_by_unit(units, source)
    got = coverage.coverage_by_unit(units, back)
    cols = ["code", "providers", "confidential_providers"]
    pd.testing.assert_frame_equal(got[cols], want[cols])
    # the confidential records are placed by their unit code, still without a point
    conf_back = back[privacy.is_confidential(back)]
    assert len(conf_back) == confidential.sum()
    placed = conf_back[conf_back["status"] == "placed"]
    assert (placed["location_method"] == "admin_code").all()
    assert placed.geometry.isna().all() or placed.geometry.is_empty.all()
    assert placed["latitude"].isna().all()
