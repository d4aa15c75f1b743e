"""Store-backed outputs hold no confidential detail: exports of a stored directory in every
format, the exported change log, and the Records page in the public view.

The generated directory (1,000 confidential records) is imported into a fresh store; each
output is searched with :func:`leaks._leakcheck.assert_no_leak`, with a positive control (the
full export does hold the details).
"""

from __future__ import annotations

import pytest

from geomap.cli import main
from geomap.directory import writers
from leaks import _generated
from leaks._leakcheck import assert_no_leak, find_leaks, output_text

NAME = "Generated confidential directory (fictional)"
pytestmark = pytest.mark.store


@pytest.fixture(scope="module")
def stored(tmp_path_factory, nga_units, store_env):
    """A store holding the generated directory; yields (data_dir, resolved directory, secrets)."""
    from leaks.conftest import load_case

    _label, _units, directory, secrets = load_case("generated")
    folder = tmp_path_factory.mktemp("leak-store")
    raw = _generated.raw_directory(nga_units)
    source = folder / "generated.csv"
    writers.write_directory(raw, source, format="csv")
    mp = pytest.MonkeyPatch()
    store_env(mp, folder / "data")
    assert main(["store", "import", str(source), "--country", "NG", "--directory", NAME, "--by", "leaktest"]) == 0
    yield folder, directory, secrets
    mp.undo()


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "hsds", "hxl"])
def test_store_export_public_holds_no_confidential_detail(stored, store_env, fmt, monkeypatch, tmp_path):
    folder, directory, secrets = stored
    store_env(monkeypatch, folder / "data")
    out = tmp_path / f"public.{'zip' if fmt == 'hsds' else fmt}"
    assert main(["store", "export", "--directory", NAME, "--to", fmt, "--out", str(out), "--with-history"]) == 0
    assert_no_leak(output_text(out), directory, where=f"store export {fmt}", secrets=secrets)
    assert_no_leak(output_text(f"{out}.changes.csv"), directory, where="store change log", secrets=secrets)
    full = tmp_path / f"full.{'zip' if fmt == 'hsds' else fmt}"
    assert main(["store", "export", "--directory", NAME, "--to", fmt, "--out", str(full), "--include-confidential",
                 "--with-history"]) == 0
    assert find_leaks(output_text(full), directory, secrets=secrets)  # positive control
    assert find_leaks(output_text(f"{full}.changes.csv"), directory, secrets=secrets)


def test_records_page_public_view_holds_no_confidential_detail(stored, store_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from leaks._leakcheck import text_of_json

    folder, directory, secrets = stored
    store_env(monkeypatch, folder / "data")

    def app() -> None:
        from geomap.pages import _sidebar, records

        records.render()
        _sidebar.render()

    at = AppTest.from_function(app, default_timeout=300)
    at.session_state["geomap_country"] = "NGA"
    at.session_state["geomap_store_directory"] = NAME
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the sidebar names the stored directory (a markdown line since the newcomer work)
    assert any(NAME in c.value for c in [*at.sidebar.caption, *at.sidebar.markdown])
    text = text_of_json([str(e.proto) for e in at.main]) + " ".join(df.value.to_csv() for df in at.dataframe)
    assert_no_leak(text, directory, where="Records page (public)", secrets=secrets)
