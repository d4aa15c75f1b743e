"""Store fixtures: every store test runs on the embedded GeoPackage and on PostGIS.

The PostGIS leg needs ``GEOMAP_TEST_DATABASE_URL`` (a PostgreSQL server with PostGIS, and a
role allowed to create databases): each test gets a new database, dropped afterwards. Without
the variable that leg is skipped on a workstation and fails under CI (``CI=true``), where
``.ci/run`` starts a throw-away cluster.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from geomap import store as st

TEST_DB_ENV = "GEOMAP_TEST_DATABASE_URL"


def in_ci() -> bool:
    """True when running under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _admin_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, isolation_level="AUTOCOMMIT")


@pytest.fixture
def store_url(request, tmp_path) -> Iterator[str]:
    """A URL of a new, empty store on the backend of the test's parameter."""
    if request.param == "geopackage":
        yield f"sqlite:///{tmp_path / 'store.gpkg'}"
        return
    url = os.environ.get(TEST_DB_ENV, "").strip()
    if not url:
        msg = f"{TEST_DB_ENV} is not set: the PostGIS leg of the store tests needs a PostgreSQL+PostGIS server"
        if in_ci():
            pytest.fail(msg + " and CI=true, so it must not skip")
        pytest.skip(msg)
    name = f"geomap_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # name is generated above, never input
    try:
        yield sa.make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = pytest.mark.parametrize("store_url", ["geopackage", "postgis"], indirect=True)


@pytest.fixture
def store(store_url) -> Iterator[st.Store]:
    """An opened, seeded store (fictional samples) on the test's backend."""
    s = st.open_store(store_url)
    try:
        yield s
    finally:
        s.close()
