"""Tests for geomap.directory.resolve: every placement path, every flag reason, row accounting.

Most tests use hand-built square units (lon/lat degrees) so expected units are obvious:

    lat 8 +---------+
          | Charlie |            Charlie = "Federal Capital Territory" (alias FCT / Abuja)
    lat 7 +---------+---------+
          |  Alpha  |  Bravo  |  Bravo = "Nasarawa" (alias Nassarawa)
    lat 6 +---------+---------+
        lon 3     lon 4     lon 5
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geomap import boundaries, gazetteer
from geomap.directory import schema
from geomap.directory.readers import read_directory
from geomap.directory.resolve import (
    DUPLICATE_DISTANCE_M,
    parse_coordinate,
    resolve_admin,
    resolve_directory,
    row_accounting,
)

REPO = Path(__file__).resolve().parents[2]
KM_PER_DEG_LAT = 111.32


def _units(rows: list[dict], *, country: str = "NGA", iso_a2: str = "NG") -> gpd.GeoDataFrame:
    base = {"name_en": "", "name_es": "", "name_fr": "", "name_alt": "", "type_en": "State",
            "country": country, "iso_a2": iso_a2, "level": 1, "parent_code": ""}
    recs = [{**base, **r} for r in rows]
    return gpd.GeoDataFrame(recs, geometry=[r["geometry"] for r in rows], crs="EPSG:4326")


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return _units([
        {"code": "NG-AL", "name": "Alpha", "name_en": "Alpha State", "name_es": "Estado de Alfa",
         "name_alt": "Alfa|Alpha Land", "geometry": box(3, 6, 4, 7)},
        {"code": "NG-BR", "name": "Nasarawa", "name_en": "Nasarawa State", "geometry": box(4, 6, 5, 7)},
        {"code": "NG-FC", "name": "Federal Capital Territory", "geometry": box(3, 7, 4, 8)},
    ])


def _raw(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    data = {"name": [f"Provider {i}" for i in range(n)], "service_types": ["shelter"] * n}
    data.update(columns)
    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    df["source_file"] = "test.csv"
    df["source_row"] = np.arange(2, n + 2)
    return df


def _one(units: gpd.GeoDataFrame, **cells) -> pd.Series:
    out = resolve_directory(_raw(**{k: [v] for k, v in cells.items()}), units, country="NGA")
    assert len(out) == 1
    return out.iloc[0]


# ------------------------------------------------------------------ coordinate parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6,45", 6.45),
        (" 7.5 ", 7.5),
        ("6°27'14\"N", 6 + 27 / 60 + 14 / 3600),
        ("3°23'W", -(3 + 23 / 60)),
        ("3°23'O", -(3 + 23 / 60)),
        ("N 6 30", 6.5),
        ("6° 27.5' S", -(6 + 27.5 / 60)),
        ("-12.25", -12.25),
        ("6d27m14s", 6 + 27 / 60 + 14 / 3600),
        ("6d27m14s S", -(6 + 27 / 60 + 14 / 3600)),
        (4.5, 4.5),
    ],
)
def test_parse_coordinate_reads_decimal_comma_and_dms(text, expected):
    value, problem = parse_coordinate(text, axis="latitude")
    assert problem is None
    assert value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("abc", 'latitude: "abc" is not a number'), ("nan", "not a finite number"),
     ("inf", "not a finite number"), ("6°75'", "minutes or seconds"), ("1.2.3.4", "not a number")],
)
def test_parse_coordinate_names_bad_values(text, fragment):
    value, problem = parse_coordinate(text, axis="latitude")
    assert math.isnan(value)
    assert fragment in problem


def test_parse_coordinate_blank_is_not_a_problem():
    assert parse_coordinate("  ", axis="longitude")[1] is None
    assert math.isnan(parse_coordinate(None)[0])


# ------------------------------------------------------------------ placement by coordinates
def test_point_inside_unit_is_placed_by_coordinates(units):
    row = _one(units, latitude="6.5", longitude="4.5")
    assert row["status"] == schema.STATUS_PLACED
    assert row["location_method"] == "coordinates"
    assert row["admin1_code"] == "NG-BR" and row["admin1_name"] == "Nasarawa"
    assert row["confidence"] == 1.0
    assert row.geometry.equals(Point(4.5, 6.5))
    assert row["reason"] == ""


def test_decimal_comma_and_dms_coordinates_are_placed(units):
    out = resolve_directory(
        _raw(latitude=["6,5", "7°30'N"], longitude=["3,5", "3°30'E"]), units, country="NGA"
    )
    assert out["admin1_code"].tolist() == ["NG-AL", "NG-FC"]
    assert out.geometry.iloc[1].equals(Point(3.5, 7.5))


def test_swapped_coordinates_are_detected_and_corrected(units):
    row = _one(units, latitude="4.5", longitude="6.5")  # the point (6.5, 4.5) is nowhere
    assert row["status"] == schema.STATUS_PLACED
    assert row["location_method"] == "coordinates_swapped"
    assert row["admin1_code"] == "NG-BR"
    assert row["latitude"] == 6.5 and row["longitude"] == 4.5
    assert row.geometry.equals(Point(4.5, 6.5))
    assert "swapped" in row["reason"]
    assert 0 < row["confidence"] < 1


def test_point_a_few_km_outside_goes_to_nearest_unit(units):
    lon = 3 - 4.0 / (KM_PER_DEG_LAT * math.cos(math.radians(6.5)))  # ~4 km west of Alpha
    row = _one(units, latitude="6.5", longitude=f"{lon:.6f}")
    assert row["status"] == schema.STATUS_PLACED
    assert row["location_method"] == "coordinates_nearest"
    assert row["admin1_code"] == "NG-AL"
    assert "km outside every unit" in row["reason"]
    assert row.geometry is not None


def test_point_just_outside_two_units_prefers_the_unit_it_names(units):
    """South of the Alpha/Bravo border: 3 km from Alpha, 2 km from Bravo; the row says Alpha."""
    dlon = 1.0 / (KM_PER_DEG_LAT * math.cos(math.radians(6.0)))
    lat = 6 - 2.0 / KM_PER_DEG_LAT
    lon = 4 + 1.0 * dlon  # inside Bravo's longitude span: 2 km to Bravo, ~2.2 km to Alpha's corner
    row = _one(units, latitude=f"{lat:.6f}", longitude=f"{lon:.6f}", admin1_name="Alpha")
    assert row["location_method"] == "coordinates_nearest"
    assert row["admin1_code"] == "NG-AL"
    assert "the unit its admin-1 code/name gives" in row["reason"]
    plain = _one(units, latitude=f"{lat:.6f}", longitude=f"{lon:.6f}")
    assert plain["admin1_code"] == "NG-BR"


def test_point_far_outside_is_flagged_with_country_name(units):
    lon = 3 - 20.0 / (KM_PER_DEG_LAT * math.cos(math.radians(6.5)))  # ~20 km west
    row = _one(units, latitude="6.5", longitude=f"{lon:.6f}")
    assert row["status"] == schema.STATUS_FLAGGED
    assert pd.isna(row["location_method"])
    assert "outside Nigeria" in row["reason"]
    assert row.geometry is None
    wide = resolve_directory(_raw(latitude=["6.5"], longitude=[f"{lon:.6f}"]), units, country="NGA", tolerance_km=25)
    assert wide["location_method"].iloc[0] == "coordinates_nearest"


def test_far_point_with_admin_name_falls_back_to_the_name(units):
    row = _one(units, latitude="6.5", longitude="1.0", admin1_name="Alpha")
    assert row["status"] == schema.STATUS_PLACED
    assert row["location_method"] == "admin_name"
    assert row.geometry is None
    assert "outside Nigeria" in row["reason"]


@pytest.mark.parametrize(
    ("lat", "lon", "fragment"),
    [
        ("0", "0", "null island"),
        ("745000", "3500000", "projected metres"),
        ("abc", "4.5", 'latitude: "abc" is not a number'),
        ("95", "120", "between -90 and 90"),
        ("6.5", "", "latitude given without longitude"),
        ("NaN", "4.5", "not a finite number"),
    ],
)
def test_unusable_coordinates_are_flagged_with_reason(units, lat, lon, fragment):
    row = _one(units, latitude=lat, longitude=lon)
    assert row["status"] == schema.STATUS_FLAGGED
    assert fragment in row["reason"]
    assert row.geometry is None


def test_coordinates_win_over_a_conflicting_admin_name(units):
    row = _one(units, latitude="6.5", longitude="3.5", admin1_name="Nasarawa")
    assert row["admin1_code"] == "NG-AL"
    assert row["location_method"] == "coordinates"
    assert row["status"] == schema.STATUS_PLACED
    assert "coordinates fall in Alpha" in row["reason"] and "Nasarawa" in row["reason"]


def test_many_points_land_in_the_right_units(units):
    """1,000 points resolve in one vectorised call (spot-check: all land in the right unit)."""
    rng = np.random.default_rng(1)
    lon = rng.uniform(3.01, 4.99, 1000)
    lat = rng.uniform(6.01, 6.99, 1000)
    out = resolve_directory(
        _raw(latitude=[f"{v:.5f}" for v in lat], longitude=[f"{v:.5f}" for v in lon],
             name=[f"P{i}" for i in range(1000)], service_types=["medical"] * 1000),
        units, country="NGA",
    )
    expected = np.where(lon < 4, "NG-AL", "NG-BR")
    assert (out["admin1_code"].to_numpy() == expected).all()


def test_reasons_never_echo_coordinate_values(units):
    """Reasons may be logged or shown: numeric coordinates (a confidential site) stay out."""
    lon_near = 3 - 4.0 / (KM_PER_DEG_LAT * math.cos(math.radians(6.5)))
    lats = ["4.51234", "6.51234", "6.51234", "95.51234", "0"]
    lons = ["6.51234", f"{lon_near:.5f}", "1.51234", "120.51234", "0"]
    out = resolve_directory(_raw(latitude=lats, longitude=lons, admin1_name=["Nasarawa"] * 5), units, country="NGA")
    assert out["reason"].str.len().gt(0).all()
    for value in lats[:4] + lons[:4]:
        assert not out["reason"].str.contains(value, regex=False).any()


@pytest.mark.parametrize(
    ("lat", "lon", "fragments", "absent"),
    [
        # swapping does not help: the swapped point is far from Nigeria
        ("95.51234", "3.51234", ["latitude: 95.5 is outside -90..90"], ["3.51234", "3.5 "]),
        ("6.51234", "200.14", ["longitude: 200.1 is outside -180..180"], ["6.51234", "projected"]),
        ("95.5", "200.1", ["latitude: 95.5 is outside", "longitude: 200.1 is outside"], []),
    ],
)
def test_out_of_range_coordinates_name_the_field_and_range(units, lat, lon, fragments, absent):
    row = _one(units, latitude=lat, longitude=lon)
    assert row["status"] == schema.STATUS_FLAGGED
    assert row.geometry is None
    for fragment in fragments:
        assert fragment in row["reason"]
    for text in absent:  # the in-range value is never quoted; one bad value is not "metres"
        assert text not in row["reason"]


def test_projected_metre_pairs_are_not_quoted(units):
    row = _one(units, latitude="745000.25", longitude="3500000.75")
    assert "projected metres" in row["reason"]
    assert "745000" not in row["reason"] and "3500000" not in row["reason"]


# ------------------------------------------------------------------ admin-1 codes and names
@pytest.mark.parametrize("code", ["NG-AL", "ng.al", "NG_AL", " NG AL ", "AL"])
def test_admin_code_spellings(units, code):
    row = _one(units, admin1_code=code)
    assert row["location_method"] == "admin_code"
    assert row["admin1_code"] == "NG-AL"
    assert row["status"] == schema.STATUS_PLACED


@pytest.mark.parametrize(
    ("name", "code", "confidence"),
    [
        ("ALFA", "NG-AL", 1.0),
        ("Estado de Alfa", "NG-AL", 1.0),
        ("alpha state", "NG-AL", 1.0),
        ("Alpha Land", "NG-AL", 1.0),
        ("FCT", "NG-FC", 1.0),
        ("Abuja", "NG-FC", 1.0),
        ("Nassarawa State", "NG-BR", 1.0),
        ("Féderal Capital Territory", "NG-FC", 1.0),
    ],
)
def test_admin_name_spellings_and_aliases(units, name, code, confidence):
    row = _one(units, admin1_name=name)
    assert row["location_method"] == "admin_name"
    assert row["admin1_code"] == code
    assert row["confidence"] == confidence


def test_fuzzy_admin_name_has_score_confidence(units):
    row = _one(units, admin1_name="Nasarawaa")
    assert row["admin1_code"] == "NG-BR"
    assert row["confidence"] == pytest.approx(round(2 * 8 / 17, 3), abs=0.01)  # ratio 94.1
    assert "fuzzy" in row["reason"]


def test_unknown_admin_name_is_flagged_with_closest(units):
    row = _one(units, admin1_name="Xyzzy")
    assert row["status"] == schema.STATUS_FLAGGED
    assert "admin1_name: \"Xyzzy\" is not a state of the boundary layer (closest:" in row["reason"]


def test_ambiguous_admin_names_are_flagged():
    twins = _units([
        {"code": "NG-T1", "name": "Twin", "geometry": box(0, 5, 1, 6)},
        {"code": "NG-T2", "name": "Twin", "geometry": box(1, 5, 2, 6)},
        {"code": "NG-K1", "name": "Abcdefgh", "geometry": box(2, 5, 3, 6)},
        {"code": "NG-K2", "name": "Abcdefgi", "geometry": box(3, 5, 4, 6)},
    ])
    out = resolve_directory(_raw(admin1_name=["twin", "Abcdefgj"]), twins, country="NGA")
    assert (out["status"] == schema.STATUS_FLAGGED).all()
    assert "matches several state units" in out["reason"].iloc[0]
    assert "equally close" in out["reason"].iloc[1]


def test_code_wins_over_a_disagreeing_name(units):
    row = _one(units, admin1_code="NG-AL", admin1_name="Nasarawa")
    assert row["admin1_code"] == "NG-AL"
    assert "disagrees" in row["reason"]


def test_resolve_admin_pcodes_against_a_pcode_layer():
    cod = _units([
        {"code": "NG001", "name": "Abia", "geometry": box(0, 0, 1, 1)},
        {"code": "NG008", "name": "Borno", "geometry": box(1, 0, 2, 1)},
    ])
    out = resolve_admin(pd.Series(["NGA008", "NG008", "ng-008", "NG008023", "NG099"]),
                        pd.Series([""] * 5), cod, country="NGA")
    assert out["admin1_code"].tolist()[:4] == ["NG008"] * 4
    assert out["method"].tolist()[:4] == ["admin_code"] * 4
    assert out["confidence"].tolist()[:4] == [1.0, 1.0, 1.0, 0.9]
    assert "lower-level p-code" in out["reason"].iloc[3]
    assert pd.isna(out["admin1_code"].iloc[4])
    assert "NG099" in out["reason"].iloc[4]


def test_resolve_admin_pcode_against_iso_layer_explains(units):
    out = resolve_admin(pd.Series(["NGA008"]), pd.Series(["Alpha"]), units)
    assert out["admin1_code"].iloc[0] == "NG-AL"
    assert out["method"].iloc[0] == "admin_name"
    # said once for the file, not on every row (a 3W's rows would all "need a look")
    assert out["reason"].iloc[0] == ""
    assert "p-codes" in out.attrs["warnings"][0] and "'NGA008'" in out.attrs["warnings"][0]


def test_resolve_admin_mexico_codes_and_aliases():
    mx = _units([
        {"code": "MX-CMX", "name": "Ciudad de México", "name_en": "Mexico City", "name_fr": "Mexico",
         "name_alt": "Distrito Federal", "geometry": box(-99.3, 19.2, -99.0, 19.5)},
        {"code": "MX-MEX", "name": "México", "name_en": "State of Mexico", "name_es": "Estado de México",
         "geometry": box(-100, 18.5, -99.3, 20)},
        {"code": "MX-VER", "name": "Veracruz", "geometry": box(-98, 17, -94, 22)},
    ], country="MEX", iso_a2="MX")
    out = resolve_admin(
        ["MX-DIF", "", "", "", "", "", ""],
        ["", "CDMX", "Estado de México", "Distrito Federal", "Veracruz de Ignacio de la Llave", "Mexico", "Verakruz"],
        mx, country="MEX",
    )
    assert out["admin1_code"].tolist() == ["MX-CMX", "MX-CMX", "MX-MEX", "MX-CMX", "MX-VER", "MX-MEX", "MX-VER"]
    assert out["method"].tolist() == ["admin_code"] + ["admin_name"] * 6
    assert out["confidence"].iloc[-1] < 1.0


def test_resolve_admin_solves_each_distinct_pair_once(units, monkeypatch):
    from geomap.directory import resolve as mod

    calls = []
    real = mod._AdminIndex.match_name

    def counting(self, name):
        calls.append(name)
        return real(self, name)

    monkeypatch.setattr(mod._AdminIndex, "match_name", counting)
    out = resolve_admin(pd.Series([""] * 3000), pd.Series(["Alpha", "Nasarawa", "FCT"] * 1000), units)
    assert out["admin1_code"].value_counts().to_dict() == {"NG-AL": 1000, "NG-BR": 1000, "NG-FC": 1000}
    assert sorted(calls) == ["Alpha", "FCT", "Nasarawa"]


def test_resolve_admin_rejects_misaligned_input(units):
    with pytest.raises(ValueError, match="same length"):
        resolve_admin(["NG-AL"], ["a", "b"], units)


# ------------------------------------------------------------------ towns (gazetteer)
@pytest.fixture
def maiduguri_units() -> gpd.GeoDataFrame:
    """A square around the GeoNames point of Maiduguri, and one next to it."""
    places = gazetteer.settlements("NGA")
    pt = places.loc[places["name"] == "Maiduguri"].geometry.iloc[0]
    return _units([
        {"code": "NG-BO", "name": "Borno", "geometry": box(pt.x - 0.5, pt.y - 0.5, pt.x + 0.5, pt.y + 0.5)},
        {"code": "NG-YO", "name": "Yobe", "geometry": box(pt.x - 1.5, pt.y - 0.5, pt.x - 0.5, pt.y + 0.5)},
    ])


def test_town_only_row_is_placed_through_gazetteer(maiduguri_units):
    out = resolve_directory(_raw(town=["Maiduguri", "maiduguiri", "Qwertyuiopville"]), maiduguri_units, country="NGA")
    assert out["location_method"].tolist()[:2] == ["town", "town"]
    assert out["admin1_code"].tolist()[:2] == ["NG-BO", "NG-BO"]
    assert out["confidence"].iloc[0] == 1.0
    assert 0.85 <= out["confidence"].iloc[1] < 1.0
    assert out.geometry.iloc[0] is None  # the town centre is not the record's own location
    assert out["status"].iloc[2] == schema.STATUS_FLAGGED
    assert "not found in the GeoNames gazetteer" in out["reason"].iloc[2]


def test_town_is_not_used_when_something_else_placed_the_row(maiduguri_units):
    row = resolve_directory(_raw(town=["Maiduguri"], admin1_name=["Yobe"]), maiduguri_units, country="NGA").iloc[0]
    assert row["location_method"] == "admin_name" and row["admin1_code"] == "NG-YO"


def test_gazetteer_can_be_switched_off(maiduguri_units):
    row = resolve_directory(_raw(town=["Maiduguri"]), maiduguri_units, country="NGA", use_gazetteer=False).iloc[0]
    assert row["status"] == schema.STATUS_FLAGGED
    assert "gazetteer is switched off" in row["reason"]


# ------------------------------------------------------------------ validation
def test_row_without_any_location_is_flagged(units):
    row = _one(units, admin1_name="")
    assert row["status"] == schema.STATUS_FLAGGED
    assert row["reason"] == "no coordinates, admin-1 code, admin-1 name or town"


def test_missing_required_fields_warn_but_a_located_row_is_placed(units):
    # issue #13: placement is about location only; status means located or not
    out = resolve_directory(
        _raw(name=["", "Ok"], service_types=["shelter", ""], admin1_name=["Alpha", "Alpha"]), units, country="NGA"
    )
    assert out["status"].tolist() == [schema.STATUS_PLACED] * 2
    assert out["location_method"].tolist() == ["admin_name"] * 2
    assert "warning: name: missing (required)" in out["reason"].iloc[0]
    assert "warning: service_types: missing (required)" in out["reason"].iloc[1]
    assert row_accounting(out)["placed_with_warnings"] == 2


def test_unknown_categories_are_kept_verbatim_warned_and_counted(units):
    # issue #13: an unknown category never flags a located row
    out = resolve_directory(
        _raw(service_types=["Spa days", "shelter; Spa days", "Albergue; refuge", "WASH", "Operational Presence: Protection"],
             admin1_name=["Alpha"] * 5),
        units, country="NGA",
    )
    assert (out["status"] == schema.STATUS_PLACED).all()
    assert out["service_types"].tolist() == [["Spa days"], ["shelter", "Spa days"], ["shelter"], ["wash"], ["protection"]]
    assert 'warning: service_types: "Spa days" not in geomap\'s categories (kept as written' in out["reason"].iloc[0]
    assert out["reason"].iloc[2:].tolist() == ["", "", ""]
    assert out.attrs["unknown_categories"] == {"Spa days": 2}
    assert row_accounting(out)["unknown_categories"] == {"Spa days": 2}


def test_user_category_mapping_wins_and_is_checked(units):
    raw = _raw(service_types=["Spa days", "WASH", "Refugio; Spa days"], admin1_name=["Alpha"] * 3)
    out = resolve_directory(raw, units, country="NGA", categories={"Spa days": "psychosocial", "WASH": ""})
    assert out["service_types"].tolist() == [["psychosocial"], [], ["shelter", "psychosocial"]]
    assert out.attrs["unknown_categories"] == {}
    with pytest.raises(ValueError, match="'Spa days' is mapped to 'massage', which is not a category code"):
        resolve_directory(raw, units, country="NGA", categories={"Spa days": "massage"})


def test_fields_are_typed_per_schema(units):
    out = resolve_directory(
        _raw(admin1_name=["Alpha", "Alpha"], capacity=["12", "many"], open_24h=["yes", "maybe"],
             confidential=["sí", ""], last_verified=["2025-03-01", "someday"],
             populations_served=["Women; niños", "martians"], languages=["English; Hausa", None]),
        units, country="NGA",
    )
    assert str(out["capacity"].dtype) == "Int64" and out["capacity"].iloc[0] == 12 and pd.isna(out["capacity"].iloc[1])
    assert str(out["open_24h"].dtype) == "boolean" and bool(out["open_24h"].iloc[0]) is True
    assert bool(out["confidential"].iloc[0]) is True
    assert out["last_verified"].iloc[0].isoformat() == "2025-03-01" and out["last_verified"].iloc[1] is None
    assert out["populations_served"].iloc[0] == ["women", "children"]
    assert out["languages"].iloc[0] == ["English", "Hausa"] and out["languages"].iloc[1] == []
    reason = out["reason"].iloc[1]
    for fragment in ('capacity: "many"', 'open_24h: "maybe"', 'last_verified: "someday"', 'unknown population "martians"'):
        assert fragment in reason
    assert out["status"].tolist() == [schema.STATUS_PLACED] * 2  # warnings do not flag


# ------------------------------------------------------------------ duplicates
def _offset_lat(metres: float) -> float:
    return metres / 1000 / KM_PER_DEG_LAT


def test_exact_and_near_duplicates_are_reported_not_dropped(units):
    lat0 = 6.5
    out = resolve_directory(
        _raw(
            name=["Safe Haven", "Safe Haven", "SAFE  HAVEN", "Safe Haven", "Other Place", "Safe Haven"],
            latitude=[f"{lat0}", f"{lat0}", f"{lat0 + _offset_lat(50):.7f}", f"{lat0 + _offset_lat(300):.7f}",
                      f"{lat0 + _offset_lat(10):.7f}", ""],
            longitude=["3.5"] * 5 + [""],
            admin1_name=[""] * 5 + ["Alpha"],
        ),
        units, country="NGA",
    )
    assert len(out) == 6
    assert out["duplicate_of"].isna().tolist() == [True, False, False, True, True, True]
    assert out["duplicate_of"].iloc[1] == 2 and out["duplicate_of"].iloc[2] == 2
    assert "exact duplicate of row 2" in out["reason"].iloc[1]
    assert f"within {DUPLICATE_DISTANCE_M:.0f} m" in out["reason"].iloc[2]
    assert out["status"].iloc[1] == schema.STATUS_PLACED  # duplicates are not flagged


# ------------------------------------------------------------------ accounting and shape
def test_every_row_comes_out_in_order_and_counts_add_up(units):
    raw = _raw(
        latitude=["6.5", "4.5", "", "", "", "abc", "6.5"],
        longitude=["4.5", "6.5", "", "", "", "", "3.5"],
        admin1_code=["", "", "NG-FC", "", "", "", ""],
        admin1_name=["", "", "", "Alfa", "Xyz", "", ""],
        name=["a", "b", "c", "d", "e", "f", ""],
    )
    raw.index = [10, 11, 12, 13, 14, 15, 16]
    out = resolve_directory(raw, units, country="NGA")
    assert isinstance(out, gpd.GeoDataFrame) and out.crs.to_epsg() == 4326
    assert out["source_row"].tolist() == list(range(2, 9))
    assert out["name"].tolist()[:6] == ["a", "b", "c", "d", "e", "f"]
    acc = row_accounting(out)
    # the located row without a name (row 8) is placed with a warning (issue #13)
    assert acc == {
        "total": 7, "placed": 5, "flagged": 2,
        "by_method": {"coordinates": 2, "coordinates_swapped": 1, "admin_code": 1, "admin_name": 1},
        "flagged_unplaced": 2, "placed_with_warnings": 2, "duplicates": 0, "units": 3, "unknown_categories": {},
    }
    assert acc["placed"] + acc["flagged"] == acc["total"]
    for col in (*schema.FIELD_NAMES, *schema.RESOLUTION_FIELDS, "duplicate_of"):
        assert col in out.columns


def test_missing_columns_and_empty_input(units):
    out = resolve_directory(pd.DataFrame({"name": ["x"], "service_types": ["medical"], "admin1_name": ["Alpha"]}), units, country="NG")
    assert out["source_row"].tolist() == [2] and out["status"].iloc[0] == schema.STATUS_PLACED
    empty = resolve_directory(pd.DataFrame({"name": pd.Series([], dtype=object)}), units, country="NGA")
    assert len(empty) == 0 and row_accounting(empty)["total"] == 0


def test_world_layer_is_filtered_to_the_country(units):
    other = _units([{"code": "XX-ZZ", "name": "Alpha", "geometry": box(3, 6, 4, 7)}], country="XXX", iso_a2="XX")
    world = pd.concat([units, other], ignore_index=True)
    row = resolve_directory(_raw(admin1_name=["Alpha"]), world, country="NGA").iloc[0]
    assert row["admin1_code"] == "NG-AL"


def test_bad_arguments_raise(units):
    with pytest.raises(ValueError, match="tolerance_km"):
        resolve_directory(_raw(admin1_name=["Alpha"]), units, country="NGA", tolerance_km=-1)
    with pytest.raises(ValueError, match="'code', 'name'"):
        resolve_directory(_raw(admin1_name=["Alpha"]), pd.DataFrame({"x": [1]}), country="NGA")
    with pytest.raises(ValueError, match="status"):
        row_accounting(pd.DataFrame({"status": ["maybe"], "location_method": [None]}))


# ------------------------------------------------------------------ real bundled boundaries
@pytest.mark.parametrize(("iso3", "stem", "records"), [("NGA", "nigeria", 150), ("MEX", "mexico", 200)])
def test_bundled_samples_resolve(iso3, stem, records):
    path = REPO / "data" / "providers" / f"{stem}_sample_fictional.csv"
    raw = read_directory(path)
    units = boundaries.load_boundaries(iso3)
    out = resolve_directory(raw, units, country=iso3)
    acc = row_accounting(out)
    assert acc["total"] == records
    assert acc["flagged"] == 2  # the two deliberately unplaceable rows
    assert set(out.loc[out["status"] == schema.STATUS_FLAGGED, "notes"].str.contains("Deliberately unplaceable")) == {True}
    assert acc["by_method"].get("admin_name", 0) >= 3 and acc["by_method"].get("town", 0) >= 2
    assert out["fictional"].all() and out["name"].str.endswith("(fictional)").all()
    # every placed point lies in (or within the tolerance of) the unit it was assigned
    pts = out[out.geometry.notna()]
    geoms = units.set_index("code").loc[pts["admin1_code"], "geometry"].to_numpy()
    assert shapely.dwithin(pts.geometry.to_numpy(), geoms, 0.05).all()
    inside = shapely.within(pts.geometry.to_numpy(), geoms)
    assert (inside | (pts["location_method"] == "coordinates_nearest").to_numpy()).all()
    # coordinates agree with the admin-1 name the generator wrote
    given = raw.set_index("source_row").loc[pts["source_row"], "admin1_name"].to_numpy()
    assert (given == pts["admin1_name"].to_numpy()).all()


@pytest.mark.realdata
def test_nigeria_3w_every_row_accounted_and_states_matched(realdata_dir):
    path = realdata_dir / "hxl-3w" / "operational_presence_nga_who_is_doing_what_and_where_nga_3w_oct_dec_2023.xlsx"
    raw = read_directory(path)
    out = resolve_directory(raw, boundaries.load_boundaries("NGA"), country="NGA")
    acc = row_accounting(out)
    assert acc["total"] == 9366 == len(raw)
    assert acc["placed"] + acc["flagged"] == 9366
    assert set(out["admin1_code"]) == {"NG-BO", "NG-AD", "NG-YO"}
    assert out["admin1_code"].notna().all()
    by_state = out.groupby("admin1_code")["source_row"].count().to_dict()
    expected = raw["admin1_name"].map({"Borno": "NG-BO", "Adamawa": "NG-AD", "Yobe": "NG-YO"}).value_counts().to_dict()
    assert by_state == expected


@pytest.mark.realdata
def test_nigeria_3w_pcodes_match_a_brought_cod_layer(realdata_dir):
    cod = boundaries.read_boundaries(realdata_dir / "nga-cod-ab" / "ngaadmbndaadm1osgof20161215.geojson")
    codes = pd.Series(["NGA008", "NGA002", "NGA036"])
    out = resolve_admin(codes, pd.Series(["", "", ""]), cod, country="NGA")
    assert out["admin1_name"].tolist() == ["Borno", "Adamawa", "Yobe"]
    assert (out["method"] == "admin_code").all()


def test_bundled_samples_equal_the_generator_output(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sample_directories", REPO / "scripts" / "make_sample_directories.py")
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, mod)  # dataclasses look their module up
    spec.loader.exec_module(mod)
    for country in mod.SPECS.values():
        text = (REPO / "data" / "providers" / country.out).read_text(encoding="utf-8")
        assert mod.to_csv(mod.build(country)) == text, f"{country.out} is out of date: run scripts/make_sample_directories.py"


# ------------------------------------------------------------------ abbreviations and national values (issue #13)
@pytest.mark.parametrize(
    ("country", "name", "code"),
    [
        ("MEX", "Edo. de México", "MX-MEX"),
        ("MEX", "Edomex", "MX-MEX"),
        ("MEX", "Edo. Jalisco", "MX-JAL"),
        ("MEX", "State of Mexico", "MX-MEX"),
        ("NGA", "Lagos State", "NG-LA"),
        ("NGA", "State of Lagos", "NG-LA"),
        ("COL", "Dpto. de Antioquia", "CO-ANT"),
        ("COL", "Depto. Antioquia", "CO-ANT"),
        ("ARG", "Prov. de Buenos Aires", "AR-B"),
        ("ARG", "Prov. Córdoba", "AR-X"),
        ("CHL", "Región de Valparaíso", "CL-VS"),
    ],
)
def test_abbreviations_and_prefixes_resolve(country, name, code):
    out = resolve_admin(pd.Series([""]), pd.Series([name]), boundaries.load_boundaries(country))
    assert out["admin1_code"].iloc[0] == code
    assert out["method"].iloc[0] == "admin_name"


@pytest.mark.parametrize("value", ["Cobertura Nacional", "National", "Countrywide", "Nationwide", "Todo el país", "NG000", "MEX00"])
def test_national_values_are_recognised(units, value):
    from geomap.directory.resolve import is_national

    assert is_national(value)
    field = "admin1_code" if value[:2].isupper() and value[-1].isdigit() else "admin1_name"
    row = _one(units, **{field: value})
    assert row["status"] == schema.STATUS_FLAGGED
    assert row["reason"].startswith("national: covers the whole country, not one unit")
    assert f'{field}: "{value}" stands for the whole country (national)' in row["reason"]


def test_not_national():
    from geomap.directory.resolve import is_national

    for value in ("NG001", "Lagos", "Nationale Street 4", "", None, "MX-09"):
        assert not is_national(value), value


def test_a_name_shared_with_a_placeholder_unit_goes_to_the_code_keeper():
    # Natural Earth gives AF-URU to two features; the bundled layer keeps it on the largest
    layer = _units([
        {"code": "AF-URU", "name": "Uruzgan", "ne_code": "AF-URU", "geometry": box(0, 0, 2, 2)},
        {"code": "AF-NE1752", "name": "Uruzgan", "ne_code": "AF-URU", "geometry": box(2, 0, 3, 1)},
        {"code": "AF-KAB", "name": "Kabul", "ne_code": "AF-KAB", "geometry": box(3, 0, 4, 1)},
    ], country="AFG", iso_a2="AF")
    out = resolve_admin(pd.Series([""]), pd.Series(["Uruzgan"]), layer, country="AFG")
    assert out["admin1_code"].iloc[0] == "AF-URU" and out["reason"].iloc[0] == ""


# ------------------------------------------------------------------ speed paths give the same answers
def test_many_points_outside_resolve_as_few_do(units, monkeypatch):
    from geomap.directory import resolve

    rng = np.random.default_rng(3)
    lat = np.r_[rng.uniform(5.9, 8.1, 1200), rng.uniform(4.0, 10.0, 300)].round(4)  # units: 3..5 x 6..8
    lon = np.r_[rng.uniform(2.9, 5.1, 1200), rng.uniform(1.0, 7.0, 300)].round(4)
    raw = _raw(latitude=[str(v) for v in lat], longitude=[str(v) for v in lon], admin1_name=["Alpha", ""] * 750)
    fast = resolve_directory(raw, units, country="NGA", use_gazetteer=False)
    assert (fast["location_method"] == "coordinates_nearest").sum() > 50
    assert fast["reason"].str.contains("km from the nearest unit").sum() > 50
    assert fast["reason"].str.contains("outside every unit|from the nearest unit").sum() > resolve._MANY_OUTSIDE
    monkeypatch.setattr(resolve, "_MANY_OUTSIDE", 10**9)  # every point compared with the polygons
    slow = resolve_directory(raw, units, country="NGA", use_gazetteer=False)
    for c in ["admin1_code", "location_method", "confidence", "status", "reason"]:
        assert fast[c].tolist() == slow[c].tolist(), c


def test_the_collector_is_paused_while_resolving_and_resumed_after(units):
    import gc

    seen = []
    raw = _raw(latitude=["6.5"], longitude=["3.5"])
    resolve_directory(raw, units, country="NGA", progress=lambda _f, _s: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()
    gc.disable()
    try:
        resolve_directory(raw, units, country="NGA")
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
    with pytest.raises(ValueError, match="tolerance_km"):
        resolve_directory(raw, units, country="NGA", tolerance_km=-1)
    assert gc.isenabled()  # resumed after an error too


def test_the_resolved_table_can_be_edited_in_place(units):
    out = resolve_directory(_raw(latitude=["6.5", "7.5", ""], longitude=["3.5", "3.5", ""], town=["", "", "Ikeja"]), units, country="NGA", use_gazetteer=False)
    for c in out.columns:
        if c != "extra":
            out.loc[0, c] = out[c].iloc[1]  # no column is a read-only view
    out.loc[out.index[:2], "confidence"] *= 0.5
    assert out["confidence"].iloc[0] == out["confidence"].iloc[1] == 0.5
