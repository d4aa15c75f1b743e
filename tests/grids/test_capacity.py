"""Capacity-limited coverage: facilities fill nearest-first and the rest is left uncovered."""

from __future__ import annotations

import numpy as np
import pytest

from geomap.grids import capacity, cells, io

from ._rasters import degree_grid, providers_at, units_halves, write_raster


@pytest.fixture()
def grid(tmp_path):
    # 1 x 10 cells of 0.01 degree on the equator, 10 people each: W holds cells 0-4, E 5-9.
    t = degree_grid(10, west=10.0, north=0.005)
    arr = np.full((1, 10), 10.0)
    info = io.describe_raster(write_raster(tmp_path / "row.tif", arr, transform=t))
    return info, units_halves(t, (1, 10))


def test_capacity_that_fills(grid) -> None:
    info, units = grid
    pts = cells.populated_cells(info)
    # one facility on cell 0 with room for 35 people: cells 0, 1, 2 and half of 3
    prov = providers_at([(10.005, 0.0)], capacity=[35])
    by_unit, by_fac = capacity.capacity_coverage(pts, units, prov, max_km=100)
    u = by_unit.set_index("code")
    assert u.loc["W", "covered_population"] == pytest.approx(35)
    assert u.loc["W", "uncovered_population"] == pytest.approx(15)
    assert u.loc["E", "covered_population"] == pytest.approx(0)
    assert by_fac["status"].tolist() == ["filled"]
    assert by_fac["served"].tolist() == [35]


def test_larger_facility_fills_first_and_takes_the_shared_cells(grid) -> None:
    info, units = grid
    pts = cells.populated_cells(info)
    # A on cell 4 (capacity 30) and B on cell 6 (capacity 100): B goes first and takes all 10 cells
    # within reach (it has room), so A finds nobody left.
    prov = providers_at([(10.045, 0.0), (10.065, 0.0)], capacity=[30, 100])
    by_unit, by_fac = capacity.capacity_coverage(pts, units, prov, max_km=100)
    assert by_fac["served"].tolist() == [0, 100]
    assert by_unit["uncovered_population"].sum() == pytest.approx(0)
    # in the table's order A fills first (its 3 nearest cells: 4, then 3 and 5 at equal distance)
    by_unit, by_fac = capacity.capacity_coverage(pts, units, prov, max_km=100, order="given")
    assert by_fac["served"].tolist() == [30, 70]
    assert by_fac["status"].tolist() == ["filled", "spare capacity"]


def test_reach_limit_and_missing_capacity(grid) -> None:
    info, units = grid
    pts = cells.populated_cells(info)
    prov = providers_at([(10.005, 0.0), (10.095, 0.0)], capacity=[1000, None])
    by_unit, by_fac = capacity.capacity_coverage(pts, units, prov, max_km=2.5)  # cells 0, 1, 2 (0, 1.1, 2.2 km)
    assert by_unit.set_index("code").loc["W", "covered_population"] == pytest.approx(30)
    assert by_unit.set_index("code").loc["E", "uncovered_population"] == pytest.approx(50)
    assert by_fac["status"].tolist() == ["spare capacity", "no capacity stated"]
    with pytest.raises(ValueError, match="capacity"):
        capacity.capacity_coverage(pts, units, providers_at([(10.0, 0.0)]), max_km=5)


def test_aggregated_cells_keep_the_population(grid) -> None:
    info, _ = grid
    agg = cells.populated_cells(info, factor=4)
    assert len(agg) == 3
    assert agg["population"].sum() == pytest.approx(100)
