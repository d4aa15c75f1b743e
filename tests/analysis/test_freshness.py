"""Freshness against a hand-computed fixture."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geomap.analysis import coverage, freshness


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


def test_verified_dates_parse_each_distinct_cell_once_and_window():
    cells = pd.Series(["2026-12-01", "01/02/2026", None, "not a date", "2026-12-01", date(2025, 12, 6)], dtype=object)
    dates = freshness.verified_dates(cells)
    assert dates.dtype == np.dtype("datetime64[D]")
    assert [str(d) for d in dates] == ["2026-12-01", "2026-02-01", "NaT", "NaT", "2026-12-01", "2025-12-06"]
    recent = freshness.verified_within(dates, today=date(2026, 12, 7))
    assert recent.tolist() == [True, True, False, False, True, False]  # 2025-12-06 is 366 days old


def _coverage_fixture():
    units = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"], "population": [1e5, 2e5, 3e5]})
    rows = [  # id, unit, confidential shelter?, verified
        ("1", "A", False, "2026-11-01"), ("2", "A", False, "2024-01-01"), ("3", "A", True, "2026-10-01"),
        ("4", "B", False, None), ("5", "B", True, "2026-10-01"), ("6", "B", True, "2026-09-01"), ("7", "B", True, None),
        ("8", "C", False, "2026-06-01"),
    ]
    directory = pd.DataFrame({
        "id": [r[0] for r in rows], "admin1_code": [r[1] for r in rows], "status": "placed",
        "service_types": [["shelter"] if r[2] else ["legal_aid"] for r in rows],
        "confidential": [r[2] for r in rows], "last_verified": [r[3] for r in rows],
        "capacity": None, "populations_served": [[] for _ in rows],
    })
    return units, directory


def test_verified_share_is_a_coverage_measure_hand_computed():
    units, directory = _coverage_fixture()
    assert "verified_share" in coverage.MEASURES
    exact = coverage.coverage_by_unit(units, directory, today=date(2026, 12, 7)).set_index("code")
    assert exact.loc["A", ["providers", "verified_recently"]].tolist() == [3, 2]
    assert exact.loc["A", "verified_share"] == pytest.approx(200 / 3)
    assert exact.loc["B", ["providers", "verified_recently", "confidential_verified"]].tolist() == [4, 2, 2]
    assert exact.loc["B", "verified_share"] == 50.0 and exact.loc["C", "verified_share"] == 100.0


def test_public_verified_share_never_counts_a_lone_confidential_record():
    units, directory = _coverage_fixture()
    public = coverage.published_coverage(units, directory, role="public", today=date(2026, 12, 7), k=3).set_index("code")
    # A: one confidential record (verified) -> banded; known 2 public, 1 verified: 1/(2+2)..(1+2)/(2+2)
    assert bool(public.loc["A", "banded"]) and public.loc["A", "verified_share"] == "25.0–75.0"
    assert public.loc["A", "verified_recently"] == "1–3" and public.loc["A", "verified_share_known"] == 50.0
    # B: three confidential records -> exact
    assert not public.loc["B", "banded"] and public.loc["B", "verified_share"] == "50.0"
    # the same public figures without A's confidential record: nothing singles it out
    without = directory[directory["id"] != "3"]
    again = coverage.published_coverage(units, without, role="public", today=date(2026, 12, 7), k=3).set_index("code")
    cols = ["verified_share", "verified_recently", "verified_share_known", "providers"]
    assert again.loc["A", cols].tolist() == public.loc["A", cols].tolist()
    partner = coverage.published_coverage(units, directory, role="partner", today=date(2026, 12, 7)).set_index("code")
    assert partner.loc["A", "verified_share_known"] == pytest.approx(200 / 3)
    assert "confidential_verified" not in partner.columns and "confidential_verified" not in public.columns


def test_published_freshness_bands_units_for_the_public():
    units, directory = _coverage_fixture()
    public = freshness.published_freshness(units, directory, role="public", stale_after_days=180,
                                           today=date(2026, 12, 7), k=3).set_index("code")
    assert public.loc["A", ["records", "verified_recently", "stale"]].tolist() == [2, 1, 1]
    assert bool(public.loc["A", "banded"]) and not bool(public.loc["B", "banded"])
    assert public.loc["B", ["records", "verified_recently"]].tolist() == [4, 2]
    without = directory[directory["id"] != "3"]
    again = freshness.published_freshness(units, without, role="public", stale_after_days=180,
                                          today=date(2026, 12, 7), k=3)
    pd.testing.assert_frame_equal(again, public.reset_index())
    partner = freshness.published_freshness(units, directory, role="partner", stale_after_days=180, today=date(2026, 12, 7))
    assert partner.set_index("code").loc["A", "records"] == 3
