"""Fisher-Jenks breaks in numpy are mapclassify's, value for value (mapclassify is not imported by the maps)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import mapclassify
import numpy as np
import pandas as pd
import pytest

from geomap.layers import classify
from geomap.layers.breaks import bin_ids, fisher_jenks_bins


def _samples():
    rng = np.random.default_rng(19)
    yield np.array([0, 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55], dtype=float)
    yield np.array([1, 1, 1, 1, 2, 2, 2, 9, 9, 9], dtype=float)  # many ties
    for n in (6, 12, 37, 80, 250):
        yield rng.integers(0, 15, n).astype(float)  # counts with ties (providers per unit)
        yield rng.lognormal(8, 2, n)  # rates per 100,000 spread over orders of magnitude
        yield np.round(rng.normal(50, 20, n), 1)


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_fisher_jenks_breaks_and_classes_equal_mapclassify(k):
    for y in _samples():
        if len(np.unique(y)) < k:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = mapclassify.FisherJenks(y, k=k)
        mine = fisher_jenks_bins(y, k)
        np.testing.assert_array_equal(mine, ref.bins)
        np.testing.assert_array_equal(bin_ids(y, mine), ref.yb)


def test_classify_gives_the_mapclassify_classification_by_default():
    y = pd.Series([0, 2, 5, np.nan, 9, 14, 3, 3, 40, 1, 0, 7])
    got = classify(y, k=4)
    valid = y.dropna().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = mapclassify.FisherJenks(valid, k=4)
    assert got.scheme == "FisherJenks"
    assert got.bins == tuple(float(b) for b in ref.bins)
    assert list(got.classes[y.notna()]) == list(ref.yb)
    assert got.classes[3] == -1 and got.no_data_count == 1
    # other schemes still go to mapclassify
    assert classify(y, scheme="Quantiles", k=3).scheme == "Quantiles"


def test_fisher_jenks_refuses_too_few_distinct_values():
    with pytest.raises(ValueError, match="at least k=3 distinct"):
        fisher_jenks_bins(np.array([1.0, 1.0, 2.0]), 3)


def test_drawing_a_coverage_map_does_not_import_mapclassify():
    code = (
        "import sys\n"
        "from geomap import pipeline\n"
        "from geomap.analysis import coverage\n"
        "from geomap.directory import privacy\n"
        "from geomap.layers import coverage_map\n"
        "units = pipeline.load_units('NGA')\n"
        "d = pipeline.load_directory(pipeline.sample_directory_path('NGA'), units=units, country='NGA')\n"
        "table = coverage.coverage_by_unit(units, d)\n"
        "coverage_map.build_coverage_map(units, table, privacy.public_view(d), measure='providers')\n"
        "print('mapclassify' in sys.modules, 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    assert out.stdout.split() == ["False", "False"]
