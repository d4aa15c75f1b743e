"""Verification and freshness: how recently each unit's records were verified.

Pure functions of a resolved directory. :func:`freshness_by_unit` counts every record (exact,
for partners); :func:`published_freshness` is what a role may see (for the public, the
disclosure rule of :mod:`geomap.directory.disclosure`). :func:`stale_records` is per record:
show it only through the public view.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geomap.directory import disclosure, privacy, schema

__all__ = ["VERIFIED_WINDOW_DAYS", "verified_dates", "verified_within", "freshness_by_unit", "published_freshness", "stale_records",
           "share_verified"]

#: "Verified in the last 12 months".
VERIFIED_WINDOW_DAYS = 365


def verified_dates(values: pd.Series | np.ndarray | list) -> np.ndarray:
    """The ``last_verified`` cells as a ``datetime64[D]`` array (``NaT``: never, or unreadable).

    Each distinct cell is parsed once (:func:`geomap.directory.schema.parse_date`: ISO, day-first,
    Excel dates), so a directory of 100,000 records with a few hundred dates parses a few hundred.
    """
    codes, distinct = pd.factorize(pd.Series(np.asarray(values, dtype=object), dtype=object), use_na_sentinel=True)
    parsed = np.array([schema.parse_date(v) or np.datetime64("NaT") for v in distinct], dtype="datetime64[D]")
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[D]")
    known = codes >= 0
    out[known] = parsed[codes[known]]
    return out


def verified_within(dates: np.ndarray, *, today: date | None = None, window_days: int = VERIFIED_WINDOW_DAYS) -> np.ndarray:
    """Which of ``dates`` (from :func:`verified_dates`) lie within ``window_days`` before ``today``."""
    age = (np.datetime64(today or date.today(), "D") - dates).astype("timedelta64[D]").astype(float)
    age[np.isnat(dates)] = np.nan
    with np.errstate(invalid="ignore"):
        return age <= window_days


def _age_days(directory: pd.DataFrame, today: date) -> pd.Series:
    dates = verified_dates(directory["last_verified"]) if len(directory) else np.array([], dtype="datetime64[D]")
    age = (np.datetime64(today, "D") - dates).astype("timedelta64[D]").astype(float)
    age[np.isnat(dates)] = np.nan
    return pd.Series(age, index=directory.index)


def stale_records(directory: pd.DataFrame, *, stale_after_days: int, today: date | None = None) -> pd.DataFrame:
    """Placed records not verified within ``stale_after_days`` (never-verified ones included).

    Returns the rows of ``directory`` (same columns) plus ``days_since_verified`` (NaN: never),
    oldest first. Per-record output: pass ``privacy.public_view`` of the directory for the public.
    """
    placed = directory[directory["status"] == schema.STATUS_PLACED] if "status" in directory.columns else directory
    age = _age_days(placed, today or date.today())
    out = placed.assign(days_since_verified=age)
    out = out[age.isna() | (age > stale_after_days)]
    return out.sort_values("days_since_verified", ascending=False, na_position="first")


def freshness_by_unit(
    units: pd.DataFrame, directory: pd.DataFrame, *, stale_after_days: int, today: date | None = None,
    window_days: int = VERIFIED_WINDOW_DAYS,
) -> pd.DataFrame:
    """Per unit: records, verified within ``window_days``, their share (%), and stale records.

    Returns
    -------
    pandas.DataFrame
        ``code, name, records, verified_recently, share_verified, stale`` for every unit of
        ``units`` (``share_verified`` is NaN where a unit has no record).
    """
    day = today or date.today()
    placed = directory[directory["status"] == schema.STATUS_PLACED] if "status" in directory.columns else directory
    age = _age_days(placed, day)
    frame = pd.DataFrame({
        "code": placed["admin1_code"].to_numpy(),
        "recent": (age <= window_days).to_numpy(),
        "stale": (age.isna() | (age > stale_after_days)).to_numpy(),
    })
    grouped = frame.groupby("code").agg(records=("recent", "size"), verified_recently=("recent", "sum"), stale=("stale", "sum"))
    out = units[["code", "name"]].merge(grouped, left_on="code", right_index=True, how="left")
    for col in ("records", "verified_recently", "stale"):
        out[col] = out[col].fillna(0).astype(int)
    out["share_verified"] = (100.0 * out["verified_recently"] / out["records"].where(out["records"] > 0)).round(1)
    return out[["code", "name", "records", "verified_recently", "share_verified", "stale"]].reset_index(drop=True)


def share_verified(directory: pd.DataFrame, *, today: date | None = None, window_days: int = VERIFIED_WINDOW_DAYS) -> float:
    """Percentage of placed records verified within ``window_days`` (NaN for an empty directory)."""
    placed = directory[directory["status"] == schema.STATUS_PLACED] if "status" in directory.columns else directory
    if placed.empty:
        return float("nan")
    return round(100.0 * float((_age_days(placed, today or date.today()) <= window_days).mean()), 1)


def published_freshness(
    units: pd.DataFrame, directory: pd.DataFrame, *, role: str, stale_after_days: int, today: date | None = None,
    window_days: int = VERIFIED_WINDOW_DAYS, k: int | None = None,
) -> pd.DataFrame:
    """:func:`freshness_by_unit` as a session with ``role`` may see it, plus ``banded``.

    Partners and editors get the exact table (``banded`` all ``False``). For the public, the
    confidential records of a unit holding fewer than ``k`` of them (and of no unit) are left
    out of every count (:func:`geomap.directory.disclosure.withheld`) and the unit is
    ``banded``: its figures are those of the records shown exactly, the same whether it holds
    none, one or ``k - 1`` confidential records.
    """
    if privacy.can_see_confidential(role):
        out = freshness_by_unit(units, directory, stale_after_days=stale_after_days, today=today, window_days=window_days)
        out[disclosure.BANDED_COLUMN] = False
        return out
    placed = directory[directory["status"] == schema.STATUS_PLACED] if "status" in directory.columns else directory
    unit = placed["admin1_code"].astype(object).where(placed["admin1_code"].notna(), None).to_numpy(dtype=object)
    confidential = privacy.is_confidential(placed).to_numpy(dtype=bool) if len(placed) else np.zeros(0, dtype=bool)
    hidden = disclosure.withheld(unit, confidential, k=k)
    out = freshness_by_unit(units, placed[~hidden], stale_after_days=stale_after_days, today=today, window_days=window_days)
    # banded as the coverage table bands: fewer than k confidential records (0 included, so a
    # band does not say one exists), whenever the directory holds any
    held = out["code"].map(pd.Series(unit[confidential], dtype=object).value_counts()).fillna(0).to_numpy()
    out[disclosure.BANDED_COLUMN] = bool(confidential.any()) & (held < disclosure.disclosure_k(k))
    return out
