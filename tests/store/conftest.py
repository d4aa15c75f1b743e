"""Store fixtures: every store test runs on the embedded GeoPackage and on PostGIS.

The PostGIS leg needs ``GEOMAP_TEST_DATABASE_URL`` (a PostgreSQL server with PostGIS, and a
role allowed to create databases): each test gets a new database, dropped afterwards (see
``postgis_databases`` in ``tests/conftest.py``). Without the variable that leg is skipped on a
workstation and fails under CI (``CI=true``), where ``.ci/run`` starts a throw-away cluster.
With ``GEOMAP_TEST_BACKEND=postgis`` only the PostGIS leg runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geomap import store as st


@pytest.fixture
def store_url(request, tmp_path) -> Iterator[str]:
    """A URL of a new, empty store on the backend of the test's parameter."""
    if request.param == "geopackage":
        yield f"sqlite:///{tmp_path / 'store.gpkg'}"
        return
    databases = request.getfixturevalue("postgis_databases")
    url = databases.empty()
    try:
        yield url
    finally:
        databases.drop(url)


BACKENDS = pytest.mark.parametrize("store_url", ["geopackage", "postgis"], indirect=True)


@pytest.fixture
def store(store_url) -> Iterator[st.Store]:
    """An opened, seeded store (fictional samples) on the test's backend."""
    s = st.open_store(store_url)
    try:
        yield s
    finally:
        s.close()
