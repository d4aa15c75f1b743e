"""People within X km over a grid: a uniform grid around one provider, against a brute-force oracle."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from geomap.grids import io, reach

from ._rasters import degree_grid, providers_at, units_halves, write_raster

N = 120  # 120 x 120 cells of 0.01 degree around the equator


@pytest.fixture(scope="module")
def uniform(tmp_path_factory):
    t = degree_grid(N)
    path = write_raster(tmp_path_factory.mktemp("g") / "uniform.tif", np.full((N, N), 2.0), transform=t)
    return io.describe_raster(path), units_halves(t, (N, N)), t


def _brute(t, lon0, lat0, radius_km):
    cols, rows = np.meshgrid(np.arange(N) + 0.5, np.arange(N) + 0.5)
    lon, lat = t.c + cols * t.a, t.f + rows * t.e
    _, _, d = Geod(ellps="WGS84").inv(np.full(lon.size, lon0), np.full(lon.size, lat0), lon.ravel(), lat.ravel())
    return lon.ravel(), (np.asarray(d) / 1000.0)


def test_uniform_grid_around_one_provider(uniform) -> None:
    info, units, t = uniform
    lon0, lat0 = 10.6, -0.1  # on the W/E border, mid-height
    out = reach.grid_reach(info, units, providers_at([(lon0, lat0)]), radius_km=30, block=50)
    lon, km = _brute(t, lon0, lat0, 30)
    west = lon < lon0
    for code, side in (("W", west), ("E", ~west)):
        row = out.set_index("code").loc[code]
        assert row["grid_population"] == 2.0 * side.sum()
        assert row["pop_within_km"] == 2.0 * (side & (km <= 30)).sum()
        assert row["mean_distance_km"] == pytest.approx(km[side].mean(), rel=1e-9)
    # the disc of 30 km holds about pi r^2 / cell area cells (cells ~1.113 km square here)
    within = out["pop_within_km"].sum() / 2.0
    assert within == pytest.approx(np.pi * 30**2 / (1.1132 * 1.1057), rel=0.02)
    assert out["population_model"].eq("raster: uniform.tif").all()


def test_block_size_does_not_change_the_answer(uniform) -> None:
    info, units, _ = uniform
    prov = providers_at([(10.2, -0.3), (11.0, 0.2)])
    a = reach.grid_reach(info, units, prov, radius_km=20, block=N)
    b = reach.grid_reach(info, units, prov, radius_km=20, block=17)
    np.testing.assert_allclose(a[["grid_population", "pop_within_km", "mean_distance_km"]], b[["grid_population", "pop_within_km", "mean_distance_km"]], rtol=1e-12)


def test_no_provider_means_nobody_within_reach_and_no_distance(uniform) -> None:
    info, units, _ = uniform
    out = reach.grid_reach(info, units, providers_at([]), radius_km=50)
    assert (out["pop_within_km"] == 0).all()
    assert out["share_within"].eq(0).all()
    assert out["mean_distance_km"].isna().all()
    with pytest.raises(ValueError, match="radius_km"):
        reach.grid_reach(info, units, providers_at([]), radius_km=0)


def test_progress_reports_every_block(uniform) -> None:
    info, units, _ = uniform
    calls = []
    reach.grid_reach(info, units, providers_at([(10.5, 0.0)]), radius_km=10, block=60, progress=lambda d, n: calls.append((d, n)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
