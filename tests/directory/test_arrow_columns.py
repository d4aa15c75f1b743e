"""Arrow-held directories (``read_directory(..., arrow=True)``, what the pipeline reads) resolve
exactly as Python-object ones, and the vectorised steps equal the per-row ones they replaced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geomap import pipeline
from geomap.directory import readers, resolve

DATA = Path(__file__).resolve().parents[2] / "data" / "providers"

TRICKY = """id,name,organisation,service_types,populations_served,latitude,longitude,admin1_code,admin1_name,town,open_24h,capacity,last_verified,languages,notes,Custom column
1,Safe Haven (fictional),Org A,shelter; legal_aid,women; unknownpop,6.45,3.40,,,,yes,12,2024-01-05,en|yo,Fictional,x
1,Safe Haven (fictional),Org A,shelter; legal_aid,women; unknownpop,6.45,3.40,,,,yes,12,2024-01-05,en|yo,Fictional,x
3,SAFE  HAVEN (fictional),Org B,shelter,,6.4504,3.40,,,,maybe,-3,not a date,,Fictional,
4,,Org C (fictional),Peer support circles,,,,NG-LA,,,,,,,Fictional,
5,Town only (fictional),,counselling,,,,,,Ikeja,no,7.5,,,Fictional,
6,Swapped (fictional),,shelter,,3.40,6.45,,,,,,,,Fictional,
7,Comma (fictional),,shelter,,"6,45","3,40",,,,,,,,Fictional,
8,National (fictional),,hotline,,,,,Cobertura Nacional,,,,,,Fictional,
9,   ,  ,  , ,  ,  , , , , , , , , ,
10,Far away (fictional),,shelter,,48.85,2.35,,,,,,,,Fictional,
11,Typo state (fictional),,shelter,,,,,Lagox,,,,,,Fictional,
12,Bad coordinate (fictional),,shelter,,abc,3.4,,,,,,,,Fictional,
13,'=HYPERLINK (fictional),,shelter,,6.5,3.5,NG-LA,Kano,,,,,,Fictional,y
"""


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert [str(t) for t in a.dtypes] == [str(t) for t in b.dtypes]
    for c in a.columns:
        if c == a.geometry.name:
            assert shapely.to_wkt(a[c].to_numpy()).tolist() == shapely.to_wkt(b[c].to_numpy()).tolist()
        else:
            assert [repr(v) for v in a[c].tolist()] == [repr(v) for v in b[c].tolist()], c
    assert repr(sorted(a.attrs.items())) == repr(sorted(b.attrs.items()))


@pytest.fixture(scope="module")
def units():
    return pipeline.load_units("NGA")


@pytest.mark.parametrize(("source", "country"), [
    (DATA / "nigeria_sample_fictional.csv", "NGA"),
    (TRICKY.encode(), "NGA"),
])
def test_arrow_and_object_directories_resolve_the_same(source, country, units):
    kwargs = {"filename": "tricky_fictional.csv"} if isinstance(source, bytes) else {}
    objects = readers.read_directory(source, **kwargs)
    arrow = readers.read_directory(source, arrow=True, **kwargs)
    assert isinstance(arrow["name"].dtype, pd.ArrowDtype) and objects["name"].dtype == object
    a = resolve.resolve_directory(objects, units, country=country)
    b = resolve.resolve_directory(arrow, units, country=country)
    _same(a, b)
    assert pipeline.load_directory(source, units=units, country=country, **kwargs)["reason"].tolist() == a["reason"].tolist()
    if isinstance(source, bytes):
        reasons = a["reason"].tolist()
        assert "exact duplicate of row 2" in reasons[1]
        assert "possible duplicate of row 2" in reasons[2]
        assert "is not yes/no" in reasons[2] and "is not a date" in reasons[2]
        assert a["name"].iloc[3] == "Org C (fictional)"
        assert a["location_method"].iloc[5] == "coordinates_swapped"


def test_close_pairs_equal_an_strtree_dwithin_query():
    rng = np.random.default_rng(7)
    centres = rng.uniform(-5e5, 5e5, (300, 2))
    pts = centres[rng.integers(0, 300, 4000)] + rng.normal(0, 120, (4000, 2))
    # pairs exactly at the distance, and just beyond it
    pts = np.vstack([pts, [[0, 0], [100, 0], [0, 1e6], [0, 1e6 + 100.0000001]]])
    a, b = resolve._close_pairs(pts[:, 0], pts[:, 1], 100.0)
    geoms = shapely.points(pts)
    ta, tb = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=100.0)
    assert sorted(zip(a.tolist(), b.tolist())) == sorted((i, j) for i, j in zip(ta.tolist(), tb.tolist()) if i != j)


@pytest.mark.parametrize("cells", [
    ["a", "b c", None, "x"],
    [" a", "b", None],
    ["a\u00a0", "é", "b"],
    ["", "a", None],
    ["a\u3000", "\u2003b", "c\t"],
])
def test_text_columns_type_the_same_from_arrow_and_objects(cells):
    import pyarrow as pa

    from geomap.directory import cells as cell_columns

    objects = pd.Series(cells, dtype=object)
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(cells, type=pa.string())))
    a, b = cell_columns.str_column(objects), cell_columns.str_column(arrow)
    assert a.dtype == b.dtype and [repr(v) for v in a] == [repr(v) for v in b]
    assert cell_columns.texts(objects) == cell_columns.texts(arrow)
    assert cell_columns.blank_cells(objects).tolist() == cell_columns.blank_cells(arrow).tolist()


def test_near_pairs_equal_projected_dwithin():
    units_crs = "+proj=aeqd +lat_0=9.000000 +lon_0=8.000000 +datum=WGS84 +units=m +no_defs"
    to_m = resolve._to_metres(units_crs)
    rng = np.random.default_rng(11)
    centres = np.column_stack([rng.uniform(2, 15, 400), rng.uniform(4, 14, 400)])
    pts = centres[rng.integers(0, 400, 5000)] + rng.normal(0, 0.001, (5000, 2))
    a, b = resolve._near_pairs(pts[:, 0], pts[:, 1], to_m, 100.0)
    x, y = to_m.transform(pts[:, 0], pts[:, 1])
    geoms = shapely.points(x, y)
    ta, tb = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=100.0)
    expected = sorted((i, j) for i, j in zip(ta.tolist(), tb.tolist()) if i != j)
    assert expected and sorted(zip(a.tolist(), b.tolist())) == expected


def test_coordinate_cells_read_the_same_from_arrow_and_objects():
    import pyarrow as pa

    cells = ["6.45", "-0", "00012", "1.", ".5", "+3", "1e400", "1e-400", "6,45", " 6.4 ", '6°27\'14"N', "abc", "", None,
             "1_000", "inf", "nan", "7.123456789012345678901", "3.4e1", "N 6 27 14"]
    objects = pd.Series(cells, dtype=object)
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(cells, type=pa.large_string())))
    a, pa_ = resolve._parse_coordinates(objects, "latitude")
    b, pb_ = resolve._parse_coordinates(arrow, "latitude")
    assert [repr(x) for x in a] == [repr(x) for x in b]
    assert pa_ == pb_


def test_grid_pairs_are_every_pair_in_the_same_or_adjacent_cells():
    rng = np.random.default_rng(9)
    x = np.r_[rng.uniform(-3, 3, 700), np.zeros(5), [1e-9, -1e-9]]  # clusters, one cell, cell edges
    y = np.r_[rng.uniform(-2, 2, 700), np.zeros(5), [0.0, 0.0]]
    a, b = resolve._grid_pairs(x, y, 0.25, 0.2)
    cx, cy = np.floor(x / 0.25), np.floor(y / 0.2)
    near = (np.abs(cx[:, None] - cx[None, :]) <= 1) & (np.abs(cy[:, None] - cy[None, :]) <= 1)
    np.fill_diagonal(near, False)
    assert sorted(zip(a.tolist(), b.tolist())) == sorted(zip(*np.nonzero(near)))
    assert len(a) == len(set(zip(a.tolist(), b.tolist())))  # each pair once
