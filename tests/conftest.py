"""Shared pytest fixtures.

``shared_dir`` gives the project's read-only ``../shared`` folder (real third-party files and
reference tables). On a user's fresh clone it may be absent: tests that need it skip with a
reason. Under CI (``CI=true``) it must be there, and a missing folder fails the test instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: ``../shared`` next to the checkout; ``GEOMAP_TEST_SHARED`` points elsewhere (a worktree whose
#: parent folder is not the project's).
SHARED = Path(os.environ.get("GEOMAP_TEST_SHARED") or (REPO / ".." / "shared")).resolve()


def in_ci() -> bool:
    """True when running under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder; skip (or fail under CI) when it is absent."""
    if not SHARED.is_dir():
        msg = f"../shared is not present at {SHARED} (real-data tests need the project's shared folder)"
        if in_ci():
            pytest.fail(msg + " and CI=true, so this must not skip")
        pytest.skip(msg)
    return SHARED


@pytest.fixture(scope="session")
def realdata_dir(shared_dir: Path) -> Path:
    """``../shared/realdata``: real third-party files for importer tests."""
    path = shared_dir / "realdata"
    if not path.is_dir():
        msg = f"{path} is missing"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(autouse=True)
def _english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests expect English unless they ask for a language: a developer's own ``LANG=es_MX``
    must not change what the CLI prints under test (tests of ``LANG`` unset this)."""
    monkeypatch.setenv("GEOMAP_LANG", "en")


@pytest.fixture(scope="session")
def _session_data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("geomap-data")


@pytest.fixture(autouse=True)
def _isolated_store(_session_data_dir, monkeypatch):
    """No test writes to the user's real data folder or database.

    ``GEOMAP_DATA_DIR`` points at one temporary folder for the whole run (its embedded store is
    created and seeded once); tests that change the store set their own folder. A developer's
    ``GEOMAP_DATABASE_URL`` is removed; the store's PostGIS leg uses ``GEOMAP_TEST_DATABASE_URL``.
    """
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(_session_data_dir))
    monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Put back the ``__main__`` module a Streamlit AppTest run replaces with its own script.

    Streamlit's script runner installs the page script as ``sys.modules["__main__"]`` and leaves
    it there. A later test that starts worker processes with ``spawn`` (a Dask LocalCluster)
    would then make every child re-run that vanished script and fail to start.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main
