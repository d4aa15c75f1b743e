"""Grep every public output for confidential coordinates, addresses, phones, emails and names.

Each output is built from the bundled fictional samples and from a generated directory with
1,000 confidential records, and searched with :func:`leaks._leakcheck.assert_no_leak`. Every
group also has a positive control: the same output built for a partner (or from the full
directory) *does* contain the details, so the grep is known to see that output's encoding.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from geomap.directory import privacy, writers
from leaks._leakcheck import assert_no_leak, find_leaks, output_text
from leaks.conftest import load_case

# ------------------------------------------------------------------ the public view itself


def test_there_is_something_to_hide(case):
    label, _units, _directory, secrets = case
    assert len(secrets) > 0, f"{label}: no confidential record with coordinates; the leak tests would be vacuous"
    assert secrets.texts
    if label.startswith("generated"):
        # (in the bundled samples every shelter's own phone is also its public hotline)
        assert len(secrets.phones) == 1000


def test_public_view_as_text(case):
    label, _units, directory, secrets = case
    view = privacy.public_view(directory)
    assert_no_leak(view.to_json(default=str), directory, where=f"{label} public_view.to_json", secrets=secrets)
    assert_no_leak(pd.DataFrame(view).to_csv(), directory, where=f"{label} public_view.to_csv", secrets=secrets)
    assert_no_leak(repr(view.attrs), directory, where=f"{label} public_view.attrs", secrets=secrets)
    # positive control: the partner view holds them
    assert find_leaks(pd.DataFrame(privacy.view_for_role(directory, "partner")).to_csv(), directory, secrets=secrets)


def test_public_view_drops_unmapped_columns_of_confidential_rows(tmp_path, nga_units):
    """An input column the schema does not know (e.g. "GPS", "Street 2") must not survive."""
    from geomap import pipeline

    csv = tmp_path / "extra_cols.csv"
    csv.write_text(
        "name,service_types,confidential,admin1_name,GPS,Street 2,Mobile\n"
        "Fictional Hidden Refuge,shelter,yes,Lagos,\"6.512345, 3.398765\",Plot 7 Fictional Close,+999 803 111 2222\n",
        encoding="utf-8",
    )
    directory = pipeline.load_directory(csv, units=nga_units, country="NGA")
    view = privacy.public_view(directory)
    text = pd.DataFrame(view).to_csv() + view.to_json(default=str)
    for secret in ("6.512345", "Plot 7 Fictional Close", "803 111 2222"):
        assert secret not in text
    assert secret in pd.DataFrame(directory).to_csv()  # positive control


# ------------------------------------------------------------------ exports (writers)


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
def test_every_export_format_of_the_public_view(case, fmt):
    label, _units, directory, secrets = case
    data = writers.to_bytes(privacy.public_view(directory), format=fmt)
    assert_no_leak(output_text(data, format=fmt), directory, where=f"{label} {fmt} export", secrets=secrets)


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
def test_full_export_positive_control(fmt):
    _label, _units, directory, secrets = load_case("NGA")
    data = writers.to_bytes(directory, format=fmt)
    assert find_leaks(output_text(data, format=fmt), directory, secrets=secrets), fmt


# ------------------------------------------------------------------ map layers


def _coverage_map_html(units, directory, role):
    from geomap.analysis import coverage
    from geomap.layers import coverage_map

    table = coverage.published_coverage(units, directory, role=role)  # bands for the public
    m = coverage_map.build_coverage_map(units, table, privacy.view_for_role(directory, role), role=role)
    return m.get_root().render(), m


def test_coverage_map_html(case):
    from geomap.layers import assets

    label, units, directory, secrets = case
    html_text, m = _coverage_map_html(units, directory, "public")
    assert_no_leak(html_text, directory, where=f"{label} coverage map", secrets=secrets)
    assert_no_leak(assets.standalone_html(m), directory, where=f"{label} standalone map", secrets=secrets)


def test_partner_coverage_map_shows_confidential_sites(sample):
    _country, units, directory, secrets = sample
    partner_html, _ = _coverage_map_html(units, directory, "partner")
    assert find_leaks(partner_html, directory, secrets=secrets), "partner map should show confidential sites"


def test_marker_layer_refuses_a_full_directory(sample):
    from geomap.layers import markers

    _c, _u, directory, _s = sample
    with pytest.raises(ValueError, match="public view"):
        markers.marker_layer(directory)


def test_catchments_of_confidential_sites_hidden_from_public(case):
    """A catchment circle centred on a shelter pins it down: drawn only for partners."""
    from geomap.analysis import catchments, distance
    from geomap.layers import catchments as catchment_layers

    label, _units, directory, secrets = case
    providers = distance.providers_offering(directory, "shelter")
    circles = catchments.buffer_catchments(providers, radius_km=10)
    public = catchments.visible_catchments(circles, role="public")
    centres = public.to_crs("EPSG:3857").geometry.centroid.to_crs("EPSG:4326")
    conf_xy = np.column_stack([secrets.lon, secrets.lat])
    for c in centres:
        d = np.hypot(conf_xy[:, 0] - c.x, conf_xy[:, 1] - c.y)
        assert d.min() > 0.01, f"{label}: a public catchment is centred on a confidential site"
    assert len(catchments.visible_catchments(circles, role="partner")) > len(public)
    import folium

    m = folium.Map(tiles=None)
    catchment_layers.catchment_layer(public).add_to(m)
    assert_no_leak(m.get_root().render(), directory, where=f"{label} catchment layer", secrets=secrets)


def test_catchments_of_shelters_with_blank_flag_are_hidden(nga_units):
    """privacy treats a shelter with a blank confidential flag as confidential: so must catchments."""
    from geomap import pipeline
    from geomap.analysis import catchments, distance

    raw = io.BytesIO(
        b"name,service_types,confidential,latitude,longitude\n"
        b"Fictional Unflagged Refuge,shelter,,6.512345,3.398765\n"
    )
    directory = pipeline.load_directory(raw, units=nga_units, country="NGA", filename="blank_flag.csv")
    assert privacy.is_confidential(directory).all()
    circles = catchments.buffer_catchments(distance.providers_offering(directory, "shelter"), radius_km=10)
    assert len(catchments.visible_catchments(circles, role="public")) == 0


def test_nearest_distance_to_confidential_sites_redacted(case):
    """An exact nearest-distance from a known point pins a shelter down: bands only for the public."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geomap.analysis import distance

    label, _units, directory, secrets = case
    providers = distance.providers_offering(directory, "shelter")
    # demand points at 0.05 deg from each confidential site
    pts = gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(min(50, len(secrets)))]},
        geometry=[Point(lo + 0.05, la) for la, lo in zip(secrets.lat[:50], secrets.lon[:50])],
        crs="EPSG:4326",
    )
    nearest = distance.nearest_provider(pts, providers)
    public = distance.redact_nearest(nearest, role="public")
    conf = public["nearest_confidential"].astype(bool)
    assert conf.any()
    assert public.loc[conf, "distance_km"].isna().all()
    assert public.loc[conf, "nearest_provider"].isna().all()
    assert_no_leak(public.to_csv(), directory, where=f"{label} nearest table", secrets=secrets)


# ------------------------------------------------------------------ referral


def test_referral_outputs(case):
    from geomap.analysis import referral
    from geomap.report import referral as referral_report

    label, units, directory, secrets = case
    # start right next to a confidential site: the worst case for distance leaks
    # (the start itself is the user's point, shown rounded: keep it > 0.01 deg off the site)
    start = referral.start_from_point(float(secrets.lat[0]) + 0.05, float(secrets.lon[0]))
    results = referral.relax_filters(directory, start, services=["shelter"], n=10, units=units, role="public")
    shown = referral.publish_referrals(results, role="public")
    assert (shown["group"] == referral.GROUP_CONFIDENTIAL).any()
    assert_no_leak(shown.to_json(default=str), directory, where=f"{label} referral list", secrets=secrets)
    assert_no_leak(referral.referral_table(shown).to_csv(), directory, where=f"{label} referral table", secrets=secrets)
    assert_no_leak(
        referral_report.referral_sheet_html(shown, role="public"), directory, where=f"{label} referral sheet", secrets=secrets
    )
    assert_no_leak(referral_report.referral_sheet_csv(shown, role="public"), directory, where=f"{label} referral csv", secrets=secrets)
    conf_km = shown.loc[shown["group"] == referral.GROUP_CONFIDENTIAL, "distance"].astype(str)
    assert conf_km.str.match(r"^[<>] \d+ km$").all(), conf_km.tolist()
    # partner: exact distance and details
    full = referral.publish_referrals(results, role="partner")
    assert find_leaks(full.to_json(default=str), directory, secrets=secrets)


def test_referral_share_url_never_holds_a_confidential_start(sample):
    from urllib.parse import urlencode

    from geomap.analysis import referral

    _c, _units, directory, secrets = sample
    conf_ids = directory.loc[privacy.is_confidential(directory) & directory["id"].notna(), "id"].astype(str)
    if conf_ids.empty:
        pytest.skip("sample has no confidential record with an id")
    start = referral.start_from_provider(directory, conf_ids.iloc[0], role="partner")
    query = referral.ReferralQuery(start_kind="org", start_value=conf_ids.iloc[0], services=("shelter",))
    url = "?" + urlencode(referral.share_params(query, start))
    assert conf_ids.iloc[0] not in url
    assert_no_leak(url, directory, where="share URL", secrets=secrets)
    with pytest.raises(ValueError):
        referral.start_from_provider(directory, conf_ids.iloc[0], role="public")


# ------------------------------------------------------------------ gaps report


def test_gaps_report(case):
    """The printable gaps report (catchments, nearest distances, maps) for the public."""
    from geomap.analysis import demand as demand_mod
    from geomap.report import gaps as gaps_report

    label, units, directory, secrets = case
    country = "MEX" if label.endswith("MEX") else "NGA"
    demand = demand_mod.demand_points(units, demand_mod.load_settlements(country))
    page = gaps_report.gaps_report(units, directory, demand, services=("shelter",), role="public")
    assert_no_leak(page, directory, where=f"{label} gaps report", secrets=secrets)
    assert "Shelter" in page and str(units["name"].iloc[0]) in page  # a real report was searched


# ------------------------------------------------------------------ CLI


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geomap.cli", *args], capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "hxl"])
def test_cli_export_is_public_by_default(tmp_path, sample, fmt):
    from geomap import pipeline

    country, _u, directory, secrets = sample
    src = pipeline.sample_directory_path(country)
    out = tmp_path / f"out.{fmt}"
    r = _cli("directory", "export", str(src), "--country", country, "--to", fmt, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert_no_leak(output_text(out, format=fmt), directory, where=f"CLI {fmt} export", secrets=secrets)
    assert_no_leak(r.stdout + r.stderr, directory, where="CLI output", secrets=secrets)
    assert "FULL EXPORT" not in r.stdout

    full = tmp_path / f"full.{fmt}"
    r = _cli("directory", "export", str(src), "--country", country, "--to", fmt, "--out", str(full), "--include-confidential")
    assert r.returncode == 0, r.stderr
    assert "FULL EXPORT" in r.stdout
    text = output_text(full, format=fmt)
    assert "FULL EXPORT" in text, "a full export must say so in the file itself"
    assert find_leaks(text, directory, secrets=secrets)


def test_cli_directory_check_is_public_by_default(tmp_path, sample):
    from geomap import pipeline

    country, _u, directory, secrets = sample
    out = tmp_path / "check.csv"
    r = _cli("directory", "check", str(pipeline.sample_directory_path(country)), "--country", country, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert_no_leak(out.read_text(encoding="utf-8-sig") + r.stdout, directory, where="CLI directory check", secrets=secrets)
