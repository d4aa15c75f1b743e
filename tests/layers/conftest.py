"""Small fixtures for the map-layer tests (synthetic squares, fictional records)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

#: Every http(s) URL in a text.
URL_RE = re.compile(r"https?://[^\s\"'<>)\\]+")
#: The one URL a rendered map holds that is not a request: the SVG namespace of the hatch pattern.
SVG_NS = "http://www.w3.org/2000/svg"


def urls(text: str) -> set[str]:
    """All http(s) URLs in ``text`` except the SVG namespace."""
    return {u for u in URL_RE.findall(text) if u != SVG_NS}


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Four 1°×1° units in a row; the third has no value, the fourth is 0."""
    return gpd.GeoDataFrame(
        {
            "code": ["T-1", "T-2", "T-3", "T-4"],
            "name": ["One", "Two", "Three", "Four"],
            "per_100k": [2.0, 9.0, float("nan"), 0.0],
            "population": [1000.0, 2000.0, float("nan"), 500.0],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:4326",
    )


@pytest.fixture
def providers() -> gpd.GeoDataFrame:
    """Two fictional public records with locations (one hostile name) and one without."""
    return gpd.GeoDataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "name": ["<script>alert(1)</script>", "Plain", "No location"],
            "service_types": [["shelter"], ["legal_aid", "medical"], ["hotline"]],
            "phone": ['<img src=x onerror="alert(2)">', "000", None],
            "confidential": [False, False, False],
            "fictional": [True, False, True],
        },
        geometry=[Point(0.5, 0.5), Point(1.5, 0.5), None],
        crs="EPSG:4326",
    )
