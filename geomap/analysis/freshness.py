"""Verification and freshness: how recently each unit's records were verified.

Pure functions of a resolved directory; aggregates per unit may include confidential records.
:func:`stale_records` is per record: show it only through the public view.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geomap.directory import schema

__all__ = ["VERIFIED_WINDOW_DAYS", "verified_dates", "verified_within", "freshness_by_unit", "stale_records", "share_verified"]

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
