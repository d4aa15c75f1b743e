"""The small-count family: no public output gives back a confidential count below k.

Three fictional directories (:mod:`leaks._small_counts`) hold the same records and differ only
in which unit holds one or two confidential shelters (Kano 1 / Oyo 2, Kano 2 / Oyo 1, Oyo 1 /
Enugu 2). If a public output — or any pair of them, for two filters or two measures — gave back
such a count, a per-capita or capacity value from it, it would differ between the variants. So
each public output is built for every variant and must be *the same*; the partner's output
must differ (positive control: the outputs do see the records), and the public text shows the
band. See :mod:`geomap.directory.disclosure` for the rule and its argument.
"""

from __future__ import annotations

import io
import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from geomap.analysis import coverage
from geomap.directory import disclosure, privacy, schema, writers
from leaks import _small_counts as sc
from leaks._leakcheck import assert_no_leak, output_text

NAMES = tuple(sc.VARIANTS)
K = 3

#: Every filter of the Coverage page taken one code at a time, and some combinations.
FILTERS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    *[((s,) if s else (), (p,) if p else ()) for s in (None, *schema.SERVICE_TYPES) for p in (None, *schema.POPULATIONS)],
    (("shelter", "legal_aid"), ("women",)),
    (("shelter", "psychosocial"), ("children", "women")),
]

_CACHE: dict = {}


@pytest.fixture(scope="module")
def family(nga_units):
    """{variant: resolved directory} and the units (population attached)."""
    if "family" not in _CACHE:
        _CACHE["family"] = {name: sc.resolved_variant(nga_units, name) for name in NAMES}
    return nga_units, _CACHE["family"]


@pytest.fixture(autouse=True)
def _k(monkeypatch):
    monkeypatch.setenv("GEOMAP_DISCLOSURE_K", str(K))


def _same(outputs: dict, what: str) -> None:
    first = next(iter(outputs.values()))
    for name, out in outputs.items():
        assert out == first, f"{what}: the public output of variant {name!r} differs from variant {NAMES[0]!r}"


def _norm(text: str) -> str:
    """Drop what differs between two runs of the same output: random element ids, digests, clock."""
    text = re.sub(r"[0-9a-f]{20,64}", "ID", text)
    text = re.sub(r'("uuid": "|T_)[0-9a-f]{5}', r"\1ID", text)  # pandas Styler ids
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?( UTC)?", "TIME", text)
    return re.sub(r"\d\d?:\d\d UTC", "TIME", text)  # a report's "Generated … on <locale date> HH:MM UTC"


def _frame(df: pd.DataFrame) -> str:
    return pd.DataFrame(df).to_csv(index=False)


# ------------------------------------------------------------------ the family itself


def test_the_variants_differ_where_they_should(family):
    """Positive control: exact figures tell the variants apart (1 vs 2 in Kano, beds, children)."""
    units, dirs = family
    exact = {n: coverage.coverage_by_unit(units, d).set_index("code") for n, d in dirs.items()}
    assert [int(exact[n].loc["NG-KN", "confidential_providers"]) for n in NAMES] == [1, 2, 0]
    assert [int(exact[n].loc["NG-OY", "confidential_providers"]) for n in NAMES] == [2, 1, 1]
    assert [int(exact[n].loc["NG-EN", "confidential_providers"]) for n in NAMES] == [0, 0, 2]
    assert all(int(exact[n].loc[sc.BIG, "confidential_providers"]) == 4 for n in NAMES)
    women = {n: coverage.coverage_by_unit(units, d, populations=["women"]).set_index("code") for n, d in dirs.items()}
    assert int(women["a"].loc["NG-KN", "providers"]) != int(women["b"].loc["NG-KN", "providers"])
    for n, d in dirs.items():
        assert (d["status"] == schema.STATUS_PLACED).all(), n


# ------------------------------------------------------------------ coverage tables


def test_public_coverage_is_the_same_for_every_filter(family):
    """Every filter combination, every column (text, bands, known parts): one public table."""
    units, dirs = family
    for services, populations in FILTERS:
        outs = {n: _frame(coverage.published_coverage(units, d, role="public", services=services, populations=populations)) for n, d in dirs.items()}
        _same(outs, f"public coverage, services={services}, populations={populations}")
    assert len(FILTERS) >= 50


def test_partner_coverage_differs(family):
    units, dirs = family
    outs = {n: _frame(coverage.published_coverage(units, d, role="partner")) for n, d in dirs.items()}
    assert len(set(outs.values())) == 3


def test_small_units_show_a_band_and_big_ones_exact_figures(family):
    units, dirs = family
    table = coverage.published_coverage(units, dirs["a"], role="public").set_index("code")
    for code in sc.SMALL_UNITS.values():
        row = table.loc[code]
        assert row["confidential_providers"] == f"fewer than {K}"
        assert bool(row["banded"])
        assert "–" in row["providers"] and row["capacity"].endswith("or more") and row["per_100k"].count("–") == 1
    kano = table.loc["NG-KN"]
    assert kano["providers"] == "2–4"  # 2 public offices + a band of 0–2 confidential
    assert table.loc[sc.BIG, "confidential_providers"] == "4"
    assert table.loc[sc.BIG, "providers"] == "7"  # 3 public + 4 confidential, exact
    assert table.loc[sc.BIG, "capacity"] == f"{10 + 11 + 12 + 13}"
    # every unit without k confidential sites is banded, whether it has 0, 1 or 2
    assert int(table["banded"].sum()) == len(table) - 1


def test_differences_of_filters_and_measures_give_nothing_back(family):
    """For a banded unit, (total - public), (per_100k x population), beds and every filter pair
    are functions of public records only: the same in all three variants."""
    units, dirs = family
    pop = units.set_index("code")["population"]
    for n, d in dirs.items():
        view = privacy.public_view(d)
        public_only = d[~privacy.is_confidential(d).to_numpy()]
        for services, populations in FILTERS:
            table = coverage.published_coverage(units, d, role="public", services=services, populations=populations).set_index("code")
            pub = coverage.coverage_by_unit(units, public_only, services=services, populations=populations).set_index("code")
            for code in sc.SMALL_UNITS.values():
                row = table.loc[code]
                p = int(pub.loc[code, "providers"])
                assert row["providers"] == f"{p}–{p + K - 1}", (n, services, populations)
                assert row["providers_known"] == p
                assert row["capacity_known"] == pub.loc[code, "capacity"]
                assert np.isclose(row["per_100k_known"], p / pop[code] * 1e5)
        assert len(view) == len(d)


def test_map_shading_legend_and_tooltips_are_the_same(family):
    from geomap.layers import coverage_map

    units, dirs = family
    for measure in coverage.MEASURES:
        for services, populations in FILTERS[:: max(1, len(FILTERS) // 8)]:
            outs = {}
            for n, d in dirs.items():
                view = privacy.public_view(d)
                table = coverage.published_coverage(units, d, role="public", services=services, populations=populations)
                keep = coverage.filter_mask(coverage.coverage_index(view), services=services, populations=populations)
                update = coverage_map.coverage_update(units, table, view, visible=view.index[keep], measure=measure, measure_label=measure)
                outs[n] = json.dumps(update, sort_keys=True, default=str)
            _same(outs, f"map update {measure} {services} {populations}")
    text = outs["a"]
    assert f"fewer than {K}" in text and "dashed" in text  # legend says so; tooltips carry the band


def test_map_tooltip_of_a_banded_unit_says_band(family):
    from geomap.layers import coverage_map

    units, dirs = family
    view = privacy.public_view(dirs["a"])
    table = coverage.published_coverage(units, dirs["a"], role="public")
    update = coverage_map.coverage_update(units, table, view, measure="providers", measure_label="Providers")
    rows = {r[0]: r for r in update["shade"]["f"]}
    assert "2–4" in rows["NG-KN"][3]
    assert update["legend"]["banded"][1] == len(units) - 1
    html, _ = _coverage_map_html(units, dirs["a"], "public")
    assert "2–4" in html and "dashArray" in html


def _coverage_map_html(units, directory, role):
    from geomap.layers import coverage_map

    table = coverage.published_coverage(units, directory, role=role)
    m = coverage_map.build_coverage_map(units, table, privacy.view_for_role(directory, role), role=role)
    return m.get_root().render(), m


def test_coverage_map_html_is_the_same(family):
    units, dirs = family
    outs = {n: _norm(_coverage_map_html(units, d, "public")[0]) for n, d in dirs.items()}
    _same(outs, "coverage map HTML")
    partner = {n: _norm(_coverage_map_html(units, d, "partner")[0]) for n, d in dirs.items()}
    assert len(set(partner.values())) == 3


# ------------------------------------------------------------------ record-level exports


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
def test_public_exports_are_the_same_and_withhold_small_units(family, fmt):
    from geomap.directory import readers

    units, dirs = family
    outs = {}
    for n, d in dirs.items():
        data = writers.to_bytes(privacy.public_view(d), format=fmt)
        assert_no_leak(output_text(data, format=fmt), d, where=f"variant {n} {fmt} export")
        back = readers.read_directory(io.BytesIO(data), filename=f"export.{'zip' if fmt == 'hsds' else fmt}")
        outs[n] = _frame(back.drop(columns=["extra", "source_file"], errors="ignore"))
        moving = back[back["id"].isin(list(sc.MOVING))]
        assert len(moving) == 3
        assert moving["admin1_code"].map(schema.is_missing).all(), f"{fmt}: a confidential record of a small unit kept its unit"
        assert (back.loc[back["id"].astype(str).str.startswith("Z"), "admin1_code"] == sc.BIG).all()
    _same(outs, f"{fmt} export read back")


def test_the_public_view_reproduces_the_public_coverage(family):
    """What every public export writes (the public view) holds exactly what the public coverage
    shows: published from the view, every filter gives the same public table."""
    units, dirs = family
    for n, d in dirs.items():
        view = privacy.public_view(d)
        for services, populations in FILTERS:
            want = coverage.published_coverage(units, d, role="public", services=services, populations=populations)
            got = coverage.published_coverage(units, view, role="public", services=services, populations=populations)
            pd.testing.assert_frame_equal(got, want, obj=f"variant {n} {services} {populations}")


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
def test_public_export_read_back_reproduces_the_public_coverage(family, fmt):
    """The round trip: a public export, read back and resolved, published again with the same
    rule — the same public coverage for every filter. Its confidential records of small units
    come back without a unit (flagged, with the reason), the others in their unit."""
    from geomap import pipeline

    units, dirs = family
    d = dirs["a"]
    data = writers.to_bytes(privacy.public_view(d), format=fmt)
    back = pipeline.load_directory(io.BytesIO(data), units=units, country="NGA", filename=f"export.{'zip' if fmt == 'hsds' else fmt}")
    assert back.loc[back["id"].isin(list(sc.MOVING)), "status"].eq(schema.STATUS_FLAGGED).all()
    for services, populations in FILTERS:
        want = coverage.published_coverage(units, d, role="public", services=services, populations=populations)
        got = coverage.published_coverage(units, back, role="public", services=services, populations=populations)
        pd.testing.assert_frame_equal(
            disclosure.export_table(got).astype(str), disclosure.export_table(want).astype(str), obj=f"{fmt} {services} {populations}"
        )


@pytest.mark.parametrize("fmt", writers.WRITE_FORMATS)
def test_public_exports_carry_what_the_public_coverage_needs(family, fmt):
    """Read back, an export gives each record the unit, services, populations, capacity and flag
    of the public view (so the public coverage can be rebuilt from it, and nothing more)."""
    from geomap.directory import readers

    units, dirs = family
    view = privacy.public_view(dirs["a"]).set_index("id")
    data = writers.to_bytes(view.reset_index(), format=fmt)
    back = readers.read_directory(io.BytesIO(data), filename=f"export.{'zip' if fmt == 'hsds' else fmt}").set_index("id")
    assert sorted(back.index) == sorted(view.index)
    back = back.loc[view.index]
    unit = lambda s: s.map(lambda v: None if schema.is_missing(v) else str(v))  # noqa: E731
    assert unit(back["admin1_code"]).tolist() == unit(view["admin1_code"]).tolist(), fmt
    for col, vocab in (("service_types", "service"), ("populations_served", "population")):
        assert schema.parse_codes(back[col], vocabulary=vocab).tolist() == schema.parse_codes(view[col], vocabulary=vocab).tolist(), (fmt, col)
    assert np.allclose(pd.to_numeric(back["capacity"], errors="coerce"), pd.to_numeric(view["capacity"], errors="coerce"), equal_nan=True)
    assert privacy.is_confidential(back).tolist() == view["confidential"].astype(bool).tolist()


# ------------------------------------------------------------------ CLI


def test_cli_coverage_public_band_and_partner_exact(family, tmp_path, capsys):
    from geomap import cli

    units, _dirs = family
    outs = {}
    for n in NAMES:
        src = tmp_path / f"{n}.csv"
        src.write_bytes(sc.variant_csv(units, n))
        texts = []
        for services in ([], ["shelter"], ["legal_aid"], ["psychosocial"]):
            for populations in ([], ["children"], ["women"]):
                out = tmp_path / f"{n}_cov.csv"
                args = ["coverage", "--country", "NG", "--directory", str(src), "--out", str(out)]
                args += [x for s in services for x in ("--service", s)] + [x for p in populations for x in ("--population", p)]
                assert cli.main(args) == 0
                texts.append(out.read_text(encoding="utf-8-sig") + capsys.readouterr().out.replace(str(tmp_path), ""))
        outs[n] = "\n".join(texts)
        full = tmp_path / f"{n}_full.csv"
        assert cli.main(["coverage", "--country", "NG", "--directory", str(src), "--out", str(full), "--include-confidential"]) == 0
        said = capsys.readouterr().out
        assert "EXACT FIGURES" in said and "EXACT FIGURES" in full.read_text(encoding="utf-8-sig")
        exact = pd.read_csv(full, comment="#").set_index("code")
        assert int(exact.loc["NG-KN", "confidential_providers"]) == {"a": 1, "b": 2, "c": 0}[n]
    _same({n: _norm(t.replace(f"{n}.csv", "X.csv").replace(f"{n}_cov", "X_cov")) for n, t in outs.items()}, "geomap coverage")
    out = tmp_path / "a_plain.csv"
    assert cli.main(["coverage", "--country", "NG", "--directory", str(tmp_path / "a.csv"), "--out", str(out)]) == 0
    table = pd.read_csv(out).set_index("code")
    assert table.loc["NG-KN", "confidential_providers"] == f"fewer than {K}"
    assert table.loc["NG-KN", "providers"] == "2–4"
    assert table.loc["NG-KN", "banded"] == "yes"
    assert "Disclosure control" in outs["a"]


def test_cli_directory_export_withholds_small_units(family, tmp_path):
    from geomap import cli

    units, dirs = family
    outs = {}
    for n in NAMES:
        src = tmp_path / f"{n}.csv"
        src.write_bytes(sc.variant_csv(units, n))
        out = tmp_path / f"{n}.geojson"
        assert cli.main(["directory", "export", str(src), "--country", "NG", "--to", "geojson", "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert_no_leak(text, dirs[n], where=f"CLI export {n}")
        outs[n] = _norm(text.replace(f"{n}.csv", "X.csv"))
    _same(outs, "geomap directory export")


# ------------------------------------------------------------------ gaps, footprint, referral


@pytest.fixture(scope="module")
def demand(nga_units):
    from geomap.analysis import demand as demand_mod

    if "demand" not in _CACHE:
        _CACHE["demand"] = demand_mod.demand_points(nga_units, demand_mod.load_settlements("NGA"))
    return _CACHE["demand"]


def test_gaps_tables_maps_and_report_are_the_same(family, demand):
    from geomap.report import gaps as gaps_report

    units, dirs = family
    tables, reports, maps = {}, {}, {}
    for n, d in dirs.items():
        r = gaps_report.service_gaps(units, d, demand, service="shelter", role="public", add_sites=2)
        tables[n] = _frame(gaps_report.export_table(r.table)) + _frame(r.sites.drop(columns="geometry"))
        maps[n] = _norm(gaps_report.build_gaps_map(units, r, demand, role="public", measure="per_100k").get_root().render())
        reports[n] = _norm(gaps_report.gaps_report(units, d, demand, services=("shelter",), role="public", results=[r]))
        assert_no_leak(reports[n], d, where=f"gaps report {n}")
    _same(tables, "gap table and proposed sites")
    _same(maps, "gaps map")
    _same(reports, "gaps report")
    assert f"fewer than {K}" in reports["a"] and "Disclosure control" in reports["a"]
    partner = {n: _frame(gaps_report.service_gaps(units, d, demand, service="shelter", role="partner", with_access=False).table) for n, d in dirs.items()}
    assert len(set(partner.values())) == 3


def test_gaps_cli_is_the_same(family, tmp_path, capsys):
    from geomap import cli

    units, _dirs = family
    outs = {}
    for n in NAMES:
        src = tmp_path / f"{n}.csv"
        src.write_bytes(sc.variant_csv(units, n))
        out = tmp_path / "gaps.csv"
        assert cli.main(["gaps", "--country", "NG", "--directory", str(src), "--service", "shelter", "--radius-km", "50", "--out", str(out)]) == 0
        sites = tmp_path / "sites.csv"
        assert cli.main(["site", "--country", "NG", "--directory", str(src), "--service", "shelter", "--add", "2", "--radius-km", "50", "--out", str(sites)]) == 0
        outs[n] = out.read_text(encoding="utf-8-sig") + sites.read_text(encoding="utf-8-sig") + capsys.readouterr().out.replace(str(tmp_path), "")
    _same(outs, "geomap gaps / site")


def test_footprint_overlay_is_the_same(family):
    from geomap.analysis import footprint as F

    units, dirs = family
    fp = pd.DataFrame({"code": units["code"].astype(str), "name": units["name"].astype(str)})
    fp["reached_unit"] = np.arange(len(fp)) % 2 == 0
    outs = {n: _frame(F.footprint_overlay(fp, coverage.published_coverage(units, d, role="public"))) for n, d in dirs.items()}
    _same(outs, "footprint overlay")
    assert f"{K - 1}" in outs["a"] and "–" in outs["a"]


def test_footprint_report_with_overlay_is_the_same(family):
    from geomap import projects as P
    from geomap.report.footprint import footprint_document

    units, dirs = family
    projects = P.load_projects(P.SAMPLE_PROJECTS, units, country="NGA")
    outs = {}
    for n, d in dirs.items():
        cov = coverage.published_coverage(units, d, role="public")
        outs[n] = _norm(footprint_document(units, projects, country_name="Nigeria", coverage=cov, illustrative=True))
        assert_no_leak(outs[n], d, where=f"footprint report {n}")
    _same(outs, "footprint report with overlay")
    assert "Disclosure control" in outs["a"]


def test_referral_is_the_same(family):
    from geomap.analysis import referral
    from geomap.report import referral as referral_report

    units, dirs = family
    for code in sc.SMALL_UNITS.values():
        start = referral.start_from_unit(units, code)
        outs = {}
        for n, d in dirs.items():
            results = referral.relax_filters(d, start, services=["shelter"], n=10, units=units, role="public")
            assert not results["id"].isin(list(sc.MOVING)).any(), "a site of a small unit was offered to the public"
            partner = referral.relax_filters(d, start, services=["shelter"], n=10, units=units, role="partner")
            assert partner["id"].isin(list(sc.MOVING)).any()  # positive control: partners are offered them
            shown = referral.publish_referrals(results, role="public")
            outs[n] = _frame(referral.referral_table(shown)) + _norm(referral_report.referral_sheet_html(shown, role="public"))
        _same(outs, f"referral from {code}")
    assert "Disclosure control" in outs["a"]


# ------------------------------------------------------------------ pages (AppTest)


def _page_texts(module: str, upload: bytes, name: str, session=None) -> str:
    from streamlit.testing.v1 import AppTest

    from leaks.test_pages import _page_script, _upload_state, page_text

    at = AppTest.from_function(_page_script, args=(module,), default_timeout=300)
    at.session_state["cov_table_open"] = True
    # its own digest: the app's caches are keyed by it (a shared one would serve variant a's results)
    at.session_state["geomap_upload"] = _upload_state(upload, "small_counts_fictional.csv")
    if session is not None:
        at.session_state["geomap_auth"] = session
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return page_text(at)


@pytest.mark.store
@pytest.mark.parametrize("module", ["geomap.pages.coverage", "geomap.pages.gaps", "geomap.pages.data", "geomap.pages.referral"])
def test_pages_are_the_same(family, module):
    units, dirs = family
    outs = {n: _norm(_page_texts(module, sc.variant_csv(units, n), n)) for n in ("a", "b")}
    for n in ("a", "b"):
        assert_no_leak(outs[n], dirs[n], where=f"{module} variant {n}")
    if module.endswith("coverage"):
        assert f"fewer than {K}" in outs["a"] and "2–4" in outs["a"]
    _same(outs, module)


@pytest.mark.store
def test_partner_coverage_page_shows_exact_figures(family):
    from datetime import UTC, datetime, timedelta

    from geomap import auth

    units, _dirs = family
    now = datetime.now(UTC)
    session = auth.Session("fictional-partner", "partner", now + timedelta(hours=1), now)
    outs = {n: _norm(_page_texts("geomap.pages.coverage", sc.variant_csv(units, n), n, session=session)) for n in ("a", "b")}
    assert outs["a"] != outs["b"]
    assert "EXACT FIGURES" in outs["a"]
