"""Forward migrations on both backends: the versioned migrations build exactly the schema the
code defines, step by step, and a store newer than this code is refused, untouched."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geomap import store as st
from geomap.store import engine, tables
from tests.store.conftest import BACKENDS

#: On PostGIS only, ``records`` also has a generated point ``geom`` with a GiST index.
POSTGIS_ONLY = {("remove_column", "records", "geom"), ("remove_index", "records", "ix_records_geom")}


def _schema_differences(store: st.Store) -> set[tuple[str, str, str]]:
    def ours(_obj, _name, type_, reflected, compare_to) -> bool:  # the GeoPackage/PostGIS system tables are not ours
        return not (type_ == "table" and reflected and compare_to is None)

    with store.engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # the reflected PostGIS geometry type
        ctx = MigrationContext.configure(conn, opts={"include_object": ours, "compare_type": True})
        diffs = compare_metadata(ctx, tables.metadata)
    out = set()
    for diff in diffs:
        kind = diff[0]
        if kind == "remove_column":
            out.add((kind, diff[2], diff[3].name))
        elif kind in ("remove_index", "add_index"):
            out.add((kind, diff[1].table.name, diff[1].name))
        else:
            out.add((kind, repr(diff[1:])[:200], ""))
    return out


@BACKENDS
def test_each_migration_step_leads_to_the_schema_the_code_defines(store_url):
    s = st.open_store(store_url, upgrade=False, seed=False)
    try:
        script = ScriptDirectory.from_config(engine._alembic_config())
        revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
        assert revisions[-1] == st.HEAD and len(revisions) >= 2
        for revision in revisions:  # one step at a time, as stores of each older version are brought forward
            assert st.migrate(s, revision=revision) == revision
        extra = POSTGIS_ONLY if s.backend == "postgis" else set()
        assert _schema_differences(s) == extra
    finally:
        s.close()


@BACKENDS
def test_a_store_newer_than_this_code_is_refused_and_left_as_it_is(store):
    url = store.engine.url.render_as_string(hide_password=False)
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    before = st.dump(store)
    with pytest.raises(ValueError, match="newer than this geomap knows"):
        st.open_store(url)
    assert st.dump(store) == before
