"""``geomap gaps --population-raster`` (and ``--friction``, ``--dask``) on a raster the test writes over Nigeria."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from grids._rasters import write_raster
from rasterio.transform import from_origin

from geomap import cli, pipeline


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    units = pipeline.load_units("NGA")
    pts = units.geometry.representative_point()
    rows = [
        {"id": f"T{i}", "name": f"Fictional shelter {i}", "service_types": "shelter", "latitude": f"{pt.y:.5f}",
         "longitude": f"{pt.x:.5f}", "capacity": "12", "confidential": "yes" if i % 2 else "no",
         "front_door_contact": "Fictional hotline 000", "fictional": "true"}
        for i, pt in enumerate(pts) if i % 4 == 0
    ]
    directory = tmp / "fictional_dir.csv"
    with directory.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    t = from_origin(2.6, 14.0, 0.1, 0.1)  # Nigeria's extent at 0.1 degree: 100 people per cell
    pop = write_raster(tmp / "pop.tif", np.full((110, 130), 100.0, dtype="float32"), transform=t)
    fr = write_raster(tmp / "friction.tif", np.full((110, 130), 60 / 30_000, dtype="float32"), transform=t)  # 30 km/h
    rng = np.random.default_rng(5)
    rough = rng.choice([60 / 5_000, 60 / 30_000, 60 / 60_000, -1.0], size=(110, 130), p=[0.3, 0.4, 0.2, 0.1])
    write_raster(tmp / "rough.tif", rough.astype("float32"), transform=t, nodata=-1.0)  # walking, roads, highways, water
    return tmp, directory, pop, fr


def test_gaps_over_a_population_raster(inputs, capsys) -> None:
    tmp, directory, pop, fr = inputs
    out = tmp / "gaps_grid.csv"
    rc = cli.main(["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
                   "--population-raster", str(pop), "--friction", str(fr), "--minutes", "90", "--out", str(out)])
    assert rc == 0
    said = capsys.readouterr().out
    assert "population model: raster: pop.tif" in said
    assert "minutes from one" in said
    table = pd.read_csv(out)
    assert len(table) == 37
    assert (table["population_model"] == "raster: pop.tif").all()
    assert table["grid_population"].sum() % 100 == 0  # whole cells, by centre
    assert 0 < table["pop_within_km"].sum() < table["grid_population"].sum()
    assert (table["pop_within_min"] >= 0).all() and table["mean_minutes"].notna().any()
    assert table["grid_to_census"].notna().all()
    assert "latitude" not in table.columns


def test_gaps_on_dask_writes_the_same_numbers(inputs) -> None:
    tmp, directory, pop, _ = inputs
    common = ["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
              "--population-raster", str(pop), "--block", "40"]
    assert cli.main([*common, "--out", str(tmp / "serial.csv")]) == 0
    assert cli.main([*common, "--dask", "--out", str(tmp / "dask.csv")]) == 0
    a = pd.read_csv(tmp / "serial.csv").set_index("code").sort_index()
    b = pd.read_csv(tmp / "dask.csv").set_index("code").sort_index()
    cols = ["grid_population", "pop_within_km", "mean_distance_km", "share_within"]
    np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-9)


def _grid_table(path):
    return pd.read_csv(path).set_index("code").sort_index()


TRAVEL = ["grid_population", "pop_within_km", "mean_distance_km", "pop_within_min", "mean_minutes", "unreachable_population"]


def test_travel_time_on_dask_writes_the_same_numbers(inputs) -> None:
    tmp, directory, pop, _ = inputs
    common = ["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
              "--population-raster", str(pop), "--friction", str(tmp / "rough.tif"), "--minutes", "240", "--tile", "40"]
    assert cli.main([*common, "--out", str(tmp / "t_serial.csv")]) == 0
    assert cli.main([*common, "--dask", "--out", str(tmp / "t_dask.csv")]) == 0
    a, b = _grid_table(tmp / "t_serial.csv"), _grid_table(tmp / "t_dask.csv")
    np.testing.assert_allclose(a[TRAVEL].to_numpy(float), b[TRAVEL].to_numpy(float), rtol=1e-9)
    assert 0 < a["pop_within_min"].sum() < a["grid_population"].sum()
    assert a["unreachable_population"].sum() > 0  # cells walled in by water


def test_dask_on_an_existing_cluster_by_its_address(inputs, capsys) -> None:
    from dask.distributed import LocalCluster

    tmp, directory, pop, _ = inputs
    common = ["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
              "--population-raster", str(pop), "--friction", str(tmp / "rough.tif"), "--minutes", "240",
              "--block", "50", "--tile", "50"]
    assert cli.main([*common, "--out", str(tmp / "c_serial.csv")]) == 0
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        assert cli.main([*common, "--dask", cluster.scheduler_address, "--out", str(tmp / "c_cluster.csv")]) == 0
        ran = set(cluster.scheduler.task_prefixes)  # the blocks and the tiles ran on that cluster
    assert {"tile_travel", "Problem", "sum-aggregate"} <= ran, ran  # the tiles (problem scattered) and the blocks
    a, b = _grid_table(tmp / "c_serial.csv"), _grid_table(tmp / "c_cluster.csv")
    np.testing.assert_allclose(a[TRAVEL].to_numpy(float), b[TRAVEL].to_numpy(float), rtol=1e-9)


def test_a_missing_raster_is_named(inputs, capsys) -> None:
    tmp, directory, _, _ = inputs
    rc = cli.main(["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter",
                   "--population-raster", str(tmp / "nope.tif"), "--out", str(tmp / "x.csv")])
    assert rc != 0
    assert "nope.tif" in capsys.readouterr().err


def test_capacity_coverage_and_siting_on_the_grid(inputs, capsys) -> None:
    tmp, directory, pop, _ = inputs
    out = tmp / "cap.csv"
    rc = cli.main(["gaps", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
                   "--population-raster", str(pop), "--capacity-km", "100", "--out", str(out)])
    assert rc == 0
    assert "facilities filled" in capsys.readouterr().out
    table = pd.read_csv(out)
    # ten shelters of capacity 12 serve at most 120 people; everyone else is uncovered
    assert table["capacity_covered_population"].sum() == pytest.approx(12 * 10, abs=1e-6)
    assert table["capacity_uncovered_population"].sum() == pytest.approx(table["grid_population"].sum() - 120, rel=1e-9)
    sites = tmp / "sites.csv"
    rc = cli.main(["site", "--country", "NG", "--directory", str(directory), "--service", "shelter", "--radius-km", "50",
                   "--add", "2", "--population-raster", str(pop), "--aggregate", "2", "--out", str(sites)])
    assert rc == 0
    said = capsys.readouterr().out
    assert "population model: raster: pop.tif (aggregated 2x2)" in said
    got = pd.read_csv(sites)
    assert len(got) == 2 and (got["new_population_covered"] > 0).all()


def test_report_has_a_population_grid_section(inputs) -> None:
    tmp, directory, pop, _ = inputs
    out = tmp / "report.html"
    rc = cli.main(["report", "--country", "NG", "--directory", str(directory), "--service", "shelter",
                   "--population-raster", str(pop), "--out", str(out)])
    assert rc == 0
    html = out.read_text(encoding="utf-8")
    assert "Over every person: the population grid" in html
    assert "Population model: raster: pop.tif" in html
    assert "people on the population grid live beyond reach" in html
