"""Freshness against a hand-computed fixture."""

from __future__ import annotations

from datetime import date

import pandas as pd

from geomap.analysis import freshness


def _fixture():
    units = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"]})
    directory = pd.DataFrame({
        "id": ["1", "2", "3", "4", "5"],
        "admin1_code": ["A", "A", "A", "B", None],
        "status": ["placed", "placed", "placed", "placed", "flagged"],
        "last_verified": ["2026-12-01", "2025-06-01", None, "2026-01-10", "2026-12-01"],
    })
    return units, directory


def test_freshness_by_unit_hand_computed():
    units, directory = _fixture()
    table = freshness.freshness_by_unit(units, directory, stale_after_days=180, today=date(2026, 12, 7))
    a, b, c = (table.set_index("code").loc[k] for k in "ABC")
    # A: 6 days (recent), 554 days (stale), never (stale); B: 331 days (recent, stale after 180)
    assert (a["records"], a["verified_recently"], a["stale"], a["share_verified"]) == (3, 1, 2, 33.3)
    assert (b["records"], b["verified_recently"], b["stale"], b["share_verified"]) == (1, 1, 1, 100.0)
    assert c["records"] == 0 and pd.isna(c["share_verified"])
    assert freshness.share_verified(directory, today=date(2026, 12, 7)) == 50.0


def test_stale_records_oldest_first_never_verified_on_top():
    _, directory = _fixture()
    stale = freshness.stale_records(directory, stale_after_days=365, today=date(2026, 12, 7))
    assert stale["id"].tolist() == ["3", "2"]
