"""Per-unit comparison of two states of a directory, against a hand-computed fixture."""

from __future__ import annotations

import pandas as pd

from geomap.analysis.compare import compare_by_unit


def test_added_removed_and_moved_per_unit():
    units = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"]})
    before = pd.DataFrame({"id": ["1", "2", "3"], "admin1_code": ["A", "A", "B"], "status": ["placed"] * 3})
    # 1 kept in A, 2 removed, 3 moved B -> C, 4 added in A, 5 flagged (not counted)
    after = pd.DataFrame({"id": ["1", "3", "4", "5"], "admin1_code": ["A", "C", "A", "B"],
                          "status": ["placed", "placed", "placed", "flagged"]})
    table = compare_by_unit(units, before, after).set_index("code")
    assert table.loc["A"].tolist() == ["Alpha", 2, 2, 1, 1]
    assert table.loc["B"].tolist() == ["Beta", 1, 0, 0, 1]
    assert table.loc["C"].tolist() == ["Gamma", 0, 1, 1, 0]
