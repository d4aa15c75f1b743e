"""Generated, FICTIONAL directories with one and two confidential sites in a unit.

The small-count family of the leak tests (issue 20). Three *variants* hold the same records —
same ids, services, populations, capacities — and differ only in where three confidential
shelters (S1, S2, S3) sit:

=========  ==========  ==========  ==========
variant    Kano (X)    Oyo (Y)     Enugu (W)
=========  ==========  ==========  ==========
``a``      S1          S2, S3      —
``b``      S2, S3      S1          —
``c``      —           S3          S1, S2
=========  ==========  ==========  ==========

Lagos (Z) holds four more confidential shelters in every variant (a unit at or above k = 3,
shown exactly), and public legal-aid offices and one public shelter are the same everywhere.
S1 serves children (11 beds), S2 women (7 beds), S3 women and children and also offers legal
aid (23 beds): so filters (shelter / children / women / legal aid) and measures (count, per
100k, beds) all tell the variants apart *unless* the disclosure rule holds. Every public output
must therefore be the same for the three variants; partner outputs must differ.

Every record is invented (names "Fictional …", phones starting +999 — not a country code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geomap.directory import schema
from leaks import _generated

__all__ = ["BIG", "SMALL_UNITS", "VARIANTS", "raw_variant", "resolved_variant", "variant_csv"]

#: The units whose confidential counts move between variants (all below k = 3).
SMALL_UNITS: dict[str, str] = {"X": "NG-KN", "Y": "NG-OY", "W": "NG-EN"}
#: The unit with k or more confidential records in every variant.
BIG = "NG-LA"
#: Where S1, S2, S3 sit in each variant.
VARIANTS: dict[str, dict[str, str]] = {
    "a": {"S1": "X", "S2": "Y", "S3": "Y"},
    "b": {"S1": "Y", "S2": "X", "S3": "X"},
    "c": {"S1": "W", "S2": "W", "S3": "Y"},
}
#: The moving shelters: services, populations, capacity.
MOVING: dict[str, tuple[str, str, int]] = {
    "S1": ("shelter; psychosocial", "children", 11),
    "S2": ("shelter", "women", 7),
    "S3": ("shelter; legal_aid", "women; children", 23),
}
HOTLINE = "+999 800 0000 (fictional national hotline)"


def _unit_points(units, code: str, n: int, seed: int) -> list[tuple[float, float]]:
    lat, lon = _generated._points(units[units["code"] == code], n, np.random.default_rng(seed))
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def _row(rid: str, name: str, services: str, populations: str, point, *, confidential: bool, capacity: int | None, i: int) -> dict:
    return {
        "id": rid,
        "name": name,
        "organisation": "Fictional Network",
        "service_types": services,
        "populations_served": populations,
        "address": f"{i + 3} Fictional {'Hidden' if confidential else 'Open'} Road",
        "latitude": f"{point[0]:.6f}",
        "longitude": f"{point[1]:.6f}",
        "phone": f"+999 {'31' if confidential else '41'}{i:02d} {i:04d} 55",
        "email": f"{rid.lower()}@fictional.invalid",
        "capacity": "" if capacity is None else str(capacity),
        "confidential": "yes" if confidential else "no",
        "front_door_contact": HOTLINE if confidential else "",
        "fictional": "yes",
        "notes": f"Fictional record. Gate {i:03d}" if confidential else schema.FICTIONAL_NOTICE,
    }


def raw_variant(units, name: str) -> pd.DataFrame:
    """The raw (reader-shaped, text cells) directory of variant ``name`` (``"a"``, ``"b"``, ``"c"``)."""
    where = VARIANTS[name]
    # fixed points per unit, the same in every variant: the k-th record placed in a unit takes its k-th point
    spots = {key: _unit_points(units, code, 3, seed=31 + i) for i, (key, code) in enumerate(SMALL_UNITS.items())}
    big = _unit_points(units, BIG, 4, seed=41)
    public_units = ["NG-KN", "NG-KN", "NG-OY", "NG-LA", "NG-LA", "NG-LA", "NG-EN", "NG-FC", "NG-KD"]
    public_spots = {code: _unit_points(units, code, public_units.count(code), seed=51 + i) for i, code in enumerate(dict.fromkeys(public_units))}
    rows = []
    used: dict[str, int] = {}
    for i, code in enumerate(public_units):
        j = used[code] = used.get(code, -1) + 1
        services, pops = ("shelter", "women") if i == 2 else ("legal_aid; hotline", "")
        rows.append(_row(f"PUB-{i}", f"Fictional open office {i}", services, pops, public_spots[code][j], confidential=False, capacity=9 if i == 2 else None, i=i))
    taken: dict[str, int] = {}
    for i, (rid, (services, pops, cap)) in enumerate(MOVING.items()):
        key = where[rid]
        j = taken[key] = taken.get(key, -1) + 1
        rows.append(_row(rid, f"Fictional safe house {rid}", services, pops, spots[key][j], confidential=True, capacity=cap, i=20 + i))
    for i, point in enumerate(big):
        rows.append(_row(f"Z{i}", f"Fictional refuge Z{i}", "shelter", "women; children", point, confidential=True, capacity=10 + i, i=30 + i))
    df = pd.DataFrame(rows)
    for f in schema.FIELD_NAMES:
        if f not in df.columns:
            df[f] = None
    df = df[list(schema.FIELD_NAMES)].astype(object)
    df["source_file"] = "small_counts_fictional.csv"
    df["source_row"] = np.arange(2, len(df) + 2)
    return df


def resolved_variant(units, name: str) -> pd.DataFrame:
    """:func:`raw_variant` resolved (placed by coordinates, no gazetteer)."""
    from geomap.directory import resolve

    return resolve.resolve_directory(raw_variant(units, name), units, country="NGA", use_gazetteer=False)


def variant_csv(units, name: str) -> bytes:
    """Variant ``name`` as the CSV file a user would upload."""
    raw = raw_variant(units, name)
    return raw.drop(columns=["source_file", "source_row"]).to_csv(index=False).encode("utf-8")
