"""Small hand-checkable fixtures shared by the analysis tests (no real places, no real data).

Three square units along the equator, one shelter at (0, 0), settlements placed at exact
geodesic distances from it with ``pyproj.Geod.fwd`` (so "30 km" is 30 km on the ellipsoid).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import box

GEOD = Geod(ellps="WGS84")


def at(lon: float, lat: float, azimuth: float, km: float) -> tuple[float, float]:
    """The point ``km`` away from (lon, lat) along ``azimuth`` (degrees from north)."""
    x, y, _ = GEOD.fwd(lon, lat, azimuth, km * 1000.0)
    return float(x), float(y)


def units() -> gpd.GeoDataFrame:
    """XA (pop 100,000), XB (population unknown), XC (pop 50,000, no settlements)."""
    return gpd.GeoDataFrame(
        {
            "code": ["XA", "XB", "XC"],
            "name": ["Alpha", "Beta", "Gamma"],
            "parent_code": ["", "", ""],
            "population": [100_000.0, np.nan, 50_000.0],
            "population_year": pd.array([2020, pd.NA, 2020], dtype="Int64"),
        },
        geometry=[box(-0.5, -0.5, 0.5, 0.5), box(0.5, -0.5, 1.5, 0.5), box(1.5, -0.5, 2.5, 0.5)],
        crs="EPSG:4326",
    )


def settlements() -> gpd.GeoDataFrame:
    """s30: 30 km east of the shelter (1,000 people); s10: 10 km north (3,000); sB: in XB, 111 km+ (500)."""
    pts = [at(0, 0, 90, 30), at(0, 0, 0, 10), (1.0, 0.0)]
    return gpd.GeoDataFrame(
        {"name": ["s30", "s10", "sB"], "population": [1000.0, 3000.0, 500.0]},
        geometry=gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]),
        crs="EPSG:4326",
        index=["s30", "s10", "sB"],
    )


def directory(*, confidential: bool = False) -> gpd.GeoDataFrame:
    """One shelter at (0, 0) with 20 beds, a medical provider in XB, one flagged row (ignored)."""
    return gpd.GeoDataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "name": ["Fictional shelter", "Fictional clinic", "Fictional flagged"],
            "service_types": pd.Series([["shelter"], ["medical"], ["shelter"]], dtype=object),
            "status": ["placed", "placed", "flagged"],
            "confidential": [confidential, False, False],
            "capacity": [20.0, np.nan, 5.0],
            "admin1_code": ["XA", "XB", ""],
        },
        geometry=gpd.points_from_xy([0.0, 1.2, 0.1], [0.0, 0.0, 0.1]),
        crs="EPSG:4326",
    )
