"""The store knows its schema versions without importing Alembic, and agrees with Alembic."""

from __future__ import annotations

import subprocess
import sys

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geomap import store
from geomap.store import engine


def test_head_and_known_revisions_are_alembics():
    scripts = ScriptDirectory.from_config(engine._alembic_config())
    assert engine.HEAD == scripts.get_current_head()
    assert engine.known_revisions() == {rev.revision for rev in scripts.walk_revisions()}


def test_schema_version_reads_what_alembic_reads(tmp_path):
    st = store.open_store(f"sqlite:///{tmp_path / 'store.gpkg'}", seed=False)
    try:
        with st.engine.connect() as conn:
            assert store.schema_version(st) == MigrationContext.configure(conn).get_current_revision() == engine.HEAD
    finally:
        st.close()
    empty = store.open_store(f"sqlite:///{tmp_path / 'empty.gpkg'}", seed=False, upgrade=False)
    try:
        assert store.schema_version(empty) == ""
    finally:
        empty.close()


def test_an_up_to_date_store_opens_without_alembic(tmp_path):
    path = tmp_path / "store.gpkg"
    store.open_store(f"sqlite:///{path}", seed=False).close()  # created and migrated here
    code = (
        "import sys\n"
        "from geomap import store\n"
        f"st = store.open_store('sqlite:///{path}', seed=False)\n"
        "print(store.schema_version(st), 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split() == [engine.HEAD, "False"]
