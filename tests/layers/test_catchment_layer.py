"""Catchment polygons: drawn, escaped, refused for confidential records in public maps."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geomap.directory import privacy
from geomap.layers import catchments


@pytest.fixture
def buffers() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"display_name": ["<b>A</b>", "B"], "km": [10, 25], "confidential": [False, False]},
        geometry=[Point(0, 0).buffer(0.1), Point(1, 1).buffer(0.2)],
        crs="EPSG:4326",
    )


def test_buffers_become_one_layer_with_escaped_tooltips(buffers):
    layer = catchments.catchment_layer(buffers, label_column="display_name", tooltip_columns={"km": "Radius (km)"})
    feats = layer.data["features"]
    assert len(feats) == 2
    assert feats[0]["properties"]["tip"] == "<b>&lt;b&gt;A&lt;/b&gt;</b><br>Radius (km): 10"


def test_confidential_buffers_are_refused_unless_partner(buffers):
    buffers.loc[1, "confidential"] = True
    with pytest.raises(ValueError, match="confidential"):
        catchments.catchment_layer(buffers)
    layer = catchments.catchment_layer(buffers, role=privacy.PARTNER)
    assert len(layer.data["features"]) == 2


def test_missing_column_is_named(buffers):
    with pytest.raises(ValueError, match="'name'"):
        catchments.catchment_layer(buffers, label_column="name")
