"""Two states of a directory compared per unit: providers added and removed.

Pure function of two resolved directories (e.g. :func:`geomap.store.as_of` at two dates,
resolved); counts per unit are aggregates and may include confidential records.
"""

from __future__ import annotations

import pandas as pd

from geomap.directory import schema

__all__ = ["compare_by_unit"]


def _placed_ids(directory: pd.DataFrame) -> pd.Series:
    placed = directory[directory["status"] == schema.STATUS_PLACED] if "status" in directory.columns else directory
    return pd.Series(placed["admin1_code"].to_numpy(), index=placed["id"].astype(str).to_numpy())


def compare_by_unit(units: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per unit: providers ``before``, ``after``, ``added`` and ``removed`` (matched by record id).

    A record that moved from one unit to another counts as removed from the first and added to
    the second.

    Returns
    -------
    pandas.DataFrame
        ``code, name, before, after, added, removed`` for every unit of ``units``.
    """
    old, new = _placed_ids(before), _placed_ids(after)
    pairs = pd.DataFrame({"old": old}).join(pd.DataFrame({"new": new}), how="outer")
    removed = pairs.loc[pairs["old"].notna() & (pairs["old"] != pairs["new"]), "old"].value_counts()
    added = pairs.loc[pairs["new"].notna() & (pairs["old"] != pairs["new"]), "new"].value_counts()
    out = units[["code", "name"]].copy()
    for col, counts in (("before", old.value_counts()), ("after", new.value_counts()), ("added", added), ("removed", removed)):
        out[col] = out["code"].map(counts).fillna(0).astype(int)
    return out.reset_index(drop=True)
