"""Shared pytest fixtures.

``shared_dir`` gives the project's read-only ``../shared`` folder (real third-party files and
reference tables). On a user's fresh clone it may be absent: tests that need it skip with a
reason. Under CI (``CI=true``) it must be there, and a missing folder fails the test instead.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import uuid
from collections.abc import Callable, Iterator
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


# ------------------------------------------------------------------ the store's two backends
#: ``geopackage`` (default) or ``postgis``: which backend the tests that touch the store use.
BACKEND_ENV = "GEOMAP_TEST_BACKEND"
#: A PostgreSQL+PostGIS server (role allowed to create databases) for the PostGIS backend.
TEST_DB_ENV = "GEOMAP_TEST_DATABASE_URL"
BACKENDS = ("geopackage", "postgis")
#: Test folders and files whose every test touches the store (others carry ``@pytest.mark.store``).
STORE_DIRS = ("store", "pages", "browser")
STORE_FILES = ("cli/test_cli_store*.py", "cli/test_cli_users*.py")


def store_backend() -> str:
    """The backend the store-marked tests run on (``GEOMAP_TEST_BACKEND``; GeoPackage by default)."""
    value = os.environ.get(BACKEND_ENV, "").strip().lower() or "geopackage"
    if value not in BACKENDS:
        msg = f"{BACKEND_ENV}={value!r}: use one of {', '.join(BACKENDS)}"
        raise pytest.UsageError(msg)
    return value


@pytest.fixture(scope="session")
def store_backend_name() -> str:
    """The backend this run's store-marked tests use: ``geopackage`` or ``postgis``."""
    return store_backend()


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the store's tests ``store``; on PostGIS leave out the GeoPackage leg of BACKENDS tests."""
    postgis = store_backend() == "postgis"
    keep, dropped = [], []
    for item in items:
        path = Path(item.path).resolve()
        path = path.relative_to(REPO / "tests") if path.is_relative_to(REPO / "tests") else Path("elsewhere", path.name)
        if path.parts[0] in STORE_DIRS or any(fnmatch.fnmatch(path.as_posix(), pattern) for pattern in STORE_FILES):
            item.add_marker(pytest.mark.store)
        params = getattr(getattr(item, "callspec", None), "params", {})
        (dropped if postgis and params.get("store_url") == "geopackage" else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


class PostgisDatabases:
    """Throw-away databases on the test server (``GEOMAP_TEST_DATABASE_URL``), dropped at the end.

    ``seeded(key)`` is a store opened and seeded once (a template database) and cloned per
    key — a test module, a test's own data folder, an app server — in a fraction of a second.
    Database names are generated here, never taken from input.
    """

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self.server = sa.make_url(url).set(drivername="postgresql+psycopg")
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.prefix = f"geomap_test_{uuid.uuid4().hex[:8]}"
        self.template = ""
        self.made: dict[str, str] = {}

    def url(self, database: str) -> str:
        """The URL of ``database`` on the test server (with its password, for the store)."""
        return self.server.set(database=database).render_as_string(hide_password=False)

    def _create(self, *, template: str = "") -> str:
        name = f"{self.prefix}_{len(self.made) + 1}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(self._sa.text(f'CREATE DATABASE "{name}"{clause}'))
        self.made[name] = name
        return name

    def empty(self) -> str:
        """The URL of a new, empty database (PostGIS installed, no store yet)."""
        return self.url(self._create())

    def seeded(self, key: str) -> str:
        """The URL of the seeded store for ``key`` (the same database for the same key)."""
        if key not in self.made:
            if not self.template:
                from geomap import store

                self.template = self._create()
                store.open_store(self.url(self.template)).close()  # migrated and seeded, then idle
            self.made[key] = self._create(template=self.template)
        return self.url(self.made[key])

    def drop(self, url: str) -> None:
        """Drop one database made here (closing its connections)."""
        name = self._sa.make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(self._sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        for name in {*self.made.values(), self.template} - {""}:
            self.drop(self.url(name))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgis_databases() -> Iterator[PostgisDatabases]:
    """The PostGIS test server's throw-away databases; skip (fail under CI) without one."""
    url = os.environ.get(TEST_DB_ENV, "").strip()
    if not url:
        msg = f"{TEST_DB_ENV} is not set: the PostGIS backend needs a PostgreSQL+PostGIS server (.ci/postgis-cluster)"
        if in_ci() or store_backend() == "postgis":
            pytest.fail(msg + (" and CI=true, so it must not skip" if in_ci() else f" ({BACKEND_ENV}=postgis)"))
        pytest.skip(msg)
    dbs = PostgisDatabases(url)
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def store_vars(request) -> Callable[[Path], dict[str, str]]:
    """``env(data_dir)``: the environment that gives a process its own store.

    ``GEOMAP_DATA_DIR`` is ``data_dir`` and, on the PostGIS backend, ``GEOMAP_DATABASE_URL`` a
    seeded database of its own (the same one for the same folder). For app servers and other
    processes a test starts; :func:`store_env` sets the same in this process.
    """

    def env(data_dir: Path) -> dict[str, str]:
        out = {"GEOMAP_DATA_DIR": str(data_dir)}
        if store_backend() == "postgis":
            databases = request.getfixturevalue("postgis_databases")
            out["GEOMAP_DATABASE_URL"] = databases.seeded(str(Path(data_dir).resolve()))
        return out

    return env


@pytest.fixture(scope="session")
def store_env(store_vars) -> Callable[[pytest.MonkeyPatch, Path], str | None]:
    """``use(mp, data_dir)``: give a test (or a module) its own store, as :func:`store_vars`.

    Returns the PostGIS URL, or None on GeoPackage (whose store is the file under ``data_dir``).
    """

    def use(mp: pytest.MonkeyPatch, data_dir: Path) -> str | None:
        mp.delenv("GEOMAP_DATABASE_URL", raising=False)
        for key, value in store_vars(data_dir).items():
            mp.setenv(key, value)
        return os.environ.get("GEOMAP_DATABASE_URL")

    return use


@pytest.fixture(autouse=True)
def _isolated_store(request, _session_data_dir, monkeypatch):
    """No test writes to the user's real data folder or database.

    ``GEOMAP_DATA_DIR`` points at one temporary folder for the whole run (its embedded store is
    created and seeded once); tests that change the store set their own (``store_env``). A
    developer's ``GEOMAP_DATABASE_URL`` is removed. With ``GEOMAP_TEST_BACKEND=postgis`` a test
    marked ``store`` gets a PostGIS store instead, one seeded database per test module.
    """
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(_session_data_dir))
    monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)
    if store_backend() == "postgis" and request.node.get_closest_marker("store"):
        monkeypatch.setenv("GEOMAP_DATABASE_URL", request.getfixturevalue("_module_database"))


@pytest.fixture(scope="module")
def _module_database(request) -> Iterator[str]:
    """On PostGIS: the seeded database of one test module, dropped when the module ends."""
    databases = request.getfixturevalue("postgis_databases")
    url = databases.seeded(f"module:{request.module.__name__}")
    try:
        yield url
    finally:
        databases.drop(url)  # also closes what the module's cached app stores still hold


@pytest.fixture(autouse=True)
def _store_tests_are_marked(request):
    """A test that uses the store must be marked ``store``, so the PostGIS pass runs it too.

    On the default backend every connection a store (any SQLAlchemy pool) hands out in this
    process during the test is noticed; an unmarked test that took one fails with what to do.
    """
    if store_backend() != "geopackage" or request.node.get_closest_marker("store"):
        yield
        return
    import sqlalchemy as sa

    used: list[bool] = []

    def noticed(*_args) -> None:
        used.append(True)

    sa.event.listen(sa.pool.Pool, "checkout", noticed)
    try:
        yield
    finally:
        sa.event.remove(sa.pool.Pool, "checkout", noticed)
    if used:
        pytest.fail(f"{request.node.nodeid} uses the store but is not marked: add @pytest.mark.store "
                    "(or pytestmark) so the PostGIS pass (GEOMAP_TEST_BACKEND=postgis -m store) runs it")


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
