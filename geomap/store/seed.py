"""Seed a new store with the bundled fictional sample directories (marked fictional)."""

from __future__ import annotations

import sqlalchemy as sa

import geomap.store.tables as tables
from geomap import pipeline
from geomap.store._common import ADMIN
from geomap.store.directories import create_directory
from geomap.store.engine import Store
from geomap.store.importing import commit_import, preview_import, read_import_file
from geomap.store.reasons import SEEDED, system_reason

__all__ = ["SAMPLE_NAMES", "seed_samples"]

#: ISO3 -> name of the seeded sample directory.
SAMPLE_NAMES: dict[str, str] = {
    "NGA": "Nigeria — fictional sample directory",
    "MEX": "Mexico — fictional sample directory",
}
_SEEDER = "geomap (bundled fictional sample)"


def seed_samples(store: Store) -> list[str]:
    """Create and fill the sample directories when the store holds no directory; returns their names."""
    with store.engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(tables.directories)).scalar_one():
            return []
    made = []
    for iso3, name in SAMPLE_NAMES.items():
        path = pipeline.sample_directory_path(iso3)
        if path is None:
            continue
        try:
            create_directory(store, name, country=iso3, role=ADMIN, owner="geomap project (fictional sample)",
                             licence="fictional records; place names from GeoNames (CC BY 4.0)",
                             sensitivity="public", fictional=True)
        except ValueError:  # another server seeded it at the same moment
            continue
        rows, rejected = read_import_file(path)
        commit_import(store, preview_import(store, name, rows, rejected), by=_SEEDER, role=ADMIN,
                      reason=system_reason(SEEDED))
        made.append(name)
    return made
