"""The leak checker itself: it catches every encoding of a leak and ignores innocent numbers."""

from __future__ import annotations

import base64
import html
import json
import math
from urllib.parse import quote_plus

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from leaks._leakcheck import assert_no_leak, find_leaks, output_text, secrets_of

LAT, LON = 6.453871, 3.379204


def _directory() -> gpd.GeoDataFrame:
    """One confidential shelter and one public office (fictional)."""
    df = pd.DataFrame(
        {
            "id": ["C1", "P1"],
            "name": ["Fictional Hidden Refuge", "Fictional Open Office"],
            "service_types": [["shelter"], ["legal_aid"]],
            "address": ["12 Fictional Secret Road", "1 Fictional Public Road"],
            "latitude": [LAT, 9.1],
            "longitude": [LON, 7.4],
            "phone": ["+999 803 555 0101", "+999 100 0000"],
            "email": ["refuge@fictional.invalid", "office@fictional.invalid"],
            "notes": ["gate code 4471 behind the market", ""],
            "confidential": [True, False],
            "front_door_contact": ["+999 800 0000 hotline", "+999 800 0000 hotline"],
        }
    )
    return gpd.GeoDataFrame(df, geometry=[Point(LON, LAT), Point(7.4, 9.1)], crs="EPSG:4326")


def _trunc(x: float, d: int) -> str:
    f = 10**d
    return f"{math.trunc(x * f) / f:.{d}f}"


@pytest.mark.parametrize("d", [6, 5, 4, 3, 2])
@pytest.mark.parametrize(
    "template",
    [
        "[{lat}, {lon}]",  # folium / Leaflet
        '"coordinates": [{lon}, {lat}]',  # GeoJSON
        "?lat={lat}&lon={lon}&zoom=9",  # share URL
        "CONF-1,Shelter,{lat},{lon},Lagos",  # CSV
        "<td>{lat}</td><td>{lon}</td>",  # table
        "<c r='K2'><v>{lat}</v></c><c r='L2'><v>{lon}</v></c>",  # XLSX sheet xml
    ],
)
def test_coordinate_pair_found_at_every_precision_rounded_or_truncated(template, d):
    d_ = _directory()
    rounded = template.format(lat=f"{LAT:.{d}f}", lon=f"{LON:.{d}f}")
    truncated = template.format(lat=_trunc(LAT, d), lon=_trunc(LON, d))
    for text in (rounded, truncated):
        leaks = find_leaks(f"<p>intro 12.5 per 100k</p>{text}<p>end</p>", d_)
        assert any("coordinates of id C1" in x for x in leaks), text
        with pytest.raises(AssertionError, match="id C1"):
            assert_no_leak(text, d_, where="test page")


def test_coordinates_inside_encodings_are_found():
    d = _directory()
    payload = f"<div>{LAT:.5f}, {LON:.5f}</div>"
    b64 = base64.b64encode(payload.encode()).decode()
    assert find_leaks(f'<iframe src="data:text/html;charset=utf-8;base64,{b64}"></iframe>', d)
    assert find_leaks(quote_plus(f"{LAT:.4f},{LON:.4f}"), d)  # %2C between
    assert find_leaks(json.dumps({"html": f"<b>{LAT:.4f}</b>&nbsp;{LON:.4f}"}), d)


def test_public_record_coordinates_and_lone_numbers_are_not_leaks():
    d = _directory()
    assert find_leaks("[9.1, 7.4] [9.10, 7.40]", d) == []  # the public record
    # more than PAIR_WINDOW numbers apart: not a pair
    assert find_leaks(f"rate {LAT:.2f}; 1.25, 2.50, 3.75 then {LON:.2f} per 100k", d) == []
    assert find_leaks(f"{LAT:.2f}", d) == []  # a lone 2-decimal number
    assert find_leaks(f"[{LAT:.1f}, {LON:.1f}]", d) == []  # 1 decimal is ~10 km: below the searched precisions


@pytest.mark.parametrize(
    "text",
    [
        "12 Fictional Secret Road",
        "12 FICTIONAL SECRET ROAD",
        html.escape("<b>12 Fictional Secret Road</b>"),
        quote_plus("12 Fictional Secret Road"),
        json.dumps("12 Fictional Secret Road \u00e9", ensure_ascii=True),
        "tel:+9998035550101",
        "(999) 803-555-0101",
        "refuge@fictional.invalid",
        "Fictional Hidden Refuge",
        "gate code 4471 behind the market",
    ],
)
def test_text_fields_found_in_any_encoding(text):
    assert find_leaks(f"<html>{text}</html>", _directory())


def test_public_and_front_door_values_are_not_searched():
    d = _directory()
    # the public office's fields and the shared front-door hotline are public by design
    text = "1 Fictional Public Road +999 100 0000 office@fictional.invalid +999 800 0000 hotline"
    assert find_leaks(text, d) == []
    s = secrets_of(d)
    assert len(s) == 1 and {lab for _v, lab in s.texts} == {"id C1 address", "id C1 email", "id C1 name", "id C1 notes"}


def test_innocent_boundary_coordinates_never_match(repo_dir):
    """False-positive control: bundled boundary vertices at 2..6 decimals, 1,000 secret sites."""
    from geomap import boundaries
    from leaks import _generated

    units = boundaries.load_boundaries("NGA")
    directory = _generated.raw_directory(units, n_confidential=1000, n_public=0)
    s = secrets_of(directory)
    assert len(s) == 1000
    for d in (6, 4, 3, 2):
        text = units.set_geometry(units.geometry.set_precision(10**-d)).to_json()
        assert find_leaks(text, directory, secrets=s) == [], d


def test_output_text_reads_xlsx_zip_and_gpkg(tmp_path):
    d = _directory()
    xlsx = tmp_path / "x.xlsx"
    d.drop(columns="geometry").astype(str).to_excel(xlsx, index=False)
    assert find_leaks(output_text(xlsx), d)
    gpkg = tmp_path / "x.gpkg"
    d[["id", "geometry"]].to_file(gpkg)
    assert any("coordinates" in x for x in find_leaks(output_text(gpkg), d))
