"""The one redaction step: ``geomap.directory.privacy``."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geomap.directory import privacy, schema

HIDDEN = [f.name for f in schema.FIELDS if not f.public]
KEPT = ["admin1_code", "admin1_name", "service_types", "populations_served", "hours", "capacity", "front_door_contact", "last_verified"]


def _directory() -> gpd.GeoDataFrame:
    """Three fictional records: a confidential shelter, a public office, an unflagged shelter."""
    base = {f: [None, None, None] for f in schema.FIELD_NAMES}
    base.update(
        {
            "id": ["C1", "P1", "U1"],
            "name": ["Fictional Hidden Refuge", "Fictional Open Office", "Fictional Unflagged Refuge"],
            "organisation": ["Fictional Org", "Fictional Org", "Fictional Org"],
            "service_types": [["shelter", "psychosocial"], ["legal_aid"], ["shelter"]],
            "populations_served": [["women"], ["men"], ["children"]],
            "address": ["12 Fictional Secret Road", "1 Fictional Public Road", "3 Fictional Quiet Lane"],
            "town": ["Fictional Town", "Fictional City", "Fictional Village"],
            "admin1_code": ["NG-LA", "NG-KN", "NG-OY"],
            "admin1_name": ["Lagos", "Kano", "Oyo"],
            "latitude": [6.453871, 12.0, 7.38],
            "longitude": [3.379204, 8.5, 3.95],
            "phone": ["+999 803 555 0101", "+999 100 0000", "+999 100 0003"],
            "email": ["refuge@fictional.invalid", "office@fictional.invalid", "u@fictional.invalid"],
            "website": ["https://refuge.fictional.invalid", "https://office.fictional.invalid", None],
            "hours": ["24/7", "Mon-Fri", "24/7"],
            "capacity": [20, None, 8],
            "confidential": [True, False, None],
            "front_door_contact": ["+999 800 0000 hotline", None, None],
            "notes": ["gate code 4471", "walk-ins welcome", "back door"],
        }
    )
    df = pd.DataFrame(base)
    df["source_row"] = [2, 3, 4]
    df["reason"] = ["warning: latitude 6.453871 looked odd", "", ""]
    df["duplicate_of"] = [None, None, 2]
    df["extra"] = [{"GPS": "6.453871,3.379204"}, {"GPS": "12,8.5"}, {"Street 2": "Plot 7"}]
    df["distance_km"] = [1.234, 5.0, 2.0]
    geom = [Point(3.379204, 6.453871), Point(8.5, 12.0), Point(3.95, 7.38)]
    return gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")


def test_roles():
    assert privacy.ROLES == ("public", "partner", "editor")
    assert [privacy.can_see_confidential(r) for r in privacy.ROLES] == [False, True, True]
    with pytest.raises(ValueError, match="unknown role 'admin'"):
        privacy.can_see_confidential("admin")


@pytest.mark.parametrize(
    ("flag", "services", "expected"),
    [
        (True, ["legal_aid"], True),
        ("yes", ["legal_aid"], True),
        ("Sí", ["legal_aid"], True),
        ("oui", ["legal_aid"], True),
        (False, ["shelter"], False),
        ("no", ["shelter"], False),
        (None, ["shelter"], True),  # shelters are confidential unless said otherwise
        ("", "Shelter; Medical care", True),
        (None, ["legal_aid"], False),
        ("maybe", ["shelter"], True),  # unreadable flag on a shelter: confidential
    ],
)
def test_is_confidential(flag, services, expected):
    df = pd.DataFrame({"confidential": [flag], "service_types": [services]})
    assert privacy.is_confidential(df).tolist() == [expected]


def test_is_confidential_without_columns():
    assert privacy.is_confidential(pd.DataFrame({"name": ["a"]})).tolist() == [False]
    assert privacy.is_confidential(pd.DataFrame({"service_types": ["shelter"]})).tolist() == [True]


def test_public_view_strips_confidential_records():
    d = _directory()
    before = d.copy()
    v = privacy.public_view(d)
    pd.testing.assert_frame_equal(pd.DataFrame(d), pd.DataFrame(before))  # input not modified
    assert v.attrs["view"] == "public"
    assert v["confidential"].tolist() == [True, False, True]
    for i in (0, 2):  # the flagged shelter and the unflagged one
        row = v.iloc[i]
        assert row.geometry is None or row.geometry.is_empty
        for f in HIDDEN:
            assert row[f] is None or (isinstance(row[f], float) and np.isnan(row[f])), f
        for col in ("extra", "duplicate_of", "distance_km"):
            assert row[col] is None or (isinstance(row[col], float) and np.isnan(row[col])), col
        # (alone in their unit: the unit is withheld too, and the reason says so)
        assert row["reason"].startswith(privacy.CONFIDENTIAL_REASON)
        assert row["display_name"].startswith("Confidential shelter")
    assert v.iloc[0]["display_name"] == "Confidential shelter — contact via +999 800 0000 hotline — ref. C1"
    assert v.iloc[2]["display_name"] == "Confidential shelter — contact via the national hotline — ref. U1"
    # alone in Lagos: with k=3 its unit is withheld; with k=1 (no disclosure control) kept
    assert v.iloc[0]["admin1_code"] is None and v.iloc[0]["admin1_name"] is None
    v1 = privacy.public_view(d, k=1)
    for f in KEPT:
        assert v1.iloc[0][f] == d.iloc[0][f] or (pd.isna(v1.iloc[0][f]) and pd.isna(d.iloc[0][f])), f


def test_public_view_keeps_public_records_whole():
    d = _directory()
    v = privacy.public_view(d)
    row, src = v.iloc[1], d.iloc[1]
    for f in [*schema.FIELD_NAMES, "reason", "extra", "distance_km"]:
        if f == "confidential":
            continue
        assert row[f] == src[f] or (pd.isna(row[f]) and pd.isna(src[f])), f
    assert row.geometry.equals(src.geometry)
    assert row["display_name"] == "Fictional Open Office"


def test_public_view_of_a_plain_dataframe():
    """A raw (unresolved) table without geometry: still a GeoDataFrame, still stripped."""
    raw = pd.DataFrame(
        {"name": ["Fictional A"], "service_types": ["shelter"], "confidential": ["yes"], "latitude": ["6.45"], "longitude": ["3.38"]}
    )
    v = privacy.public_view(raw)
    assert isinstance(v, gpd.GeoDataFrame)
    assert v["latitude"].isna().all() and v["longitude"].isna().all() and v["name"].isna().all()


def test_public_view_has_no_confidential_text_anywhere():
    d = _directory()
    text = pd.DataFrame(privacy.public_view(d)).to_csv() + privacy.public_view(d).to_json(default=str)
    for secret in ("6.453871", "3.379204", "Secret Road", "803 555", "refuge@", "gate code", "Hidden Refuge", "Plot 7", "Quiet Lane", "1.234"):
        assert secret not in text, secret


def test_view_for_role():
    d = _directory()
    assert privacy.view_for_role(d, "public").attrs["view"] == "public"
    full = privacy.view_for_role(d, "partner")
    assert full.attrs["view"] == "full"
    assert full.iloc[0]["address"] == "12 Fictional Secret Road" and full.iloc[0].geometry is not None
    assert full["display_name"].tolist() == [
        "Fictional Hidden Refuge (confidential)",
        "Fictional Open Office",
        "Fictional Unflagged Refuge (confidential)",
    ]
    with pytest.raises(ValueError, match="unknown role"):
        privacy.view_for_role(d, "Partner")


@pytest.mark.parametrize(
    ("km", "band"),
    [(0.0, "< 10 km"), (9.99, "< 10 km"), (10.0, "< 25 km"), (49.9, "< 50 km"), (249.0, "< 250 km"), (250.0, "> 250 km"), (float("nan"), "unknown"), (None, "unknown")],
)
def test_distance_band(km, band):
    assert privacy.distance_band(km) == band


def test_confidential_sites_behind_one_front_door_are_told_apart():
    d = _directory()
    d.loc[2, "front_door_contact"] = d.loc[0, "front_door_contact"]  # two shelters, one hotline
    v = privacy.public_view(d)
    names = v["display_name"].tolist()
    assert names[0] == "Confidential shelter — contact via +999 800 0000 hotline — ref. C1"
    assert names[2] == "Confidential shelter — contact via +999 800 0000 hotline — ref. U1"
    assert names[1] == "Fictional Open Office"  # public records keep their own name
    # a record without an id is told apart by its row in the file; nothing of its place is said
    d.loc[2, "id"] = None
    names = privacy.public_view(d)["display_name"].tolist()
    assert names[2].endswith("— ref. row 4")
    # the reference is there whether or not a namesake is in the same view (a site reads the same everywhere)
    assert privacy.public_view(d.iloc[[0]])["display_name"].iloc[0].endswith("— ref. C1")
    assert not any("Secret" in n or "Quiet" in n or "6.45" in n for n in names)
