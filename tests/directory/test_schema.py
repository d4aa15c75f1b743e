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
