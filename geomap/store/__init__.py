"""The system of record: named directories kept, edited, verified and audited.

One interface, two backends: an embedded GeoPackage file under ``settings.data_dir`` (the
default, created and seeded with the fictional samples on first start) and PostGIS when
``GEOMAP_DATABASE_URL`` is set. Schema changes are versioned migrations (Alembic).

Examples
--------
>>> from geomap import store
>>> s = store.open_store()                                     # doctest: +SKIP
>>> rows, rejected = store.read_import_file("nigeria.csv")     # doctest: +SKIP
>>> plan = store.preview_import(s, "Nigeria — national referral directory", rows, rejected)  # doctest: +SKIP
>>> plan.summary()                                             # doctest: +SKIP
'12 new, 3 changed, 135 unchanged, 0 not in the file'
"""

import geomap.store.importing as importing
from geomap.store._common import (
    ADMIN,
    EDITOR,
    PARTNER,
    PUBLIC,
    ROLES,
    SENSITIVITIES,
    ConflictError,
    RoleError,
    require_role,
)
from geomap.store.backup import backup, dump, restore
from geomap.store.directories import (
    KINDS,
    create_directory,
    delete_directory,
    directory_names,
    ensure_directory,
    get_directory,
    list_directories,
    rename_directory,
    update_directory,
)
from geomap.store.engine import HEAD, STORE_FILENAME, Store, migrate, schema_version, store_url
from geomap.store.importing import ImportPlan, commit_import, preview_import, read_import_file
from geomap.store.proposals import approve, list_proposals, propose, reject
from geomap.store.records import (
    as_of,
    delete_record,
    deleted_records,
    directory_stamp,
    get_record,
    history,
    load_directory,
    read_directory,
    restore_record,
    restore_version,
    update_record,
    verify_record,
    version_of,
)
from geomap.store.startup import open_store

__all__ = [
    "importing", "ADMIN", "EDITOR", "PARTNER", "PUBLIC", "ROLES", "SENSITIVITIES", "KINDS", "HEAD", "STORE_FILENAME",
    "ConflictError", "RoleError", "Store", "ImportPlan",
    "require_role", "open_store", "migrate", "schema_version", "store_url",
    "create_directory", "directory_names", "ensure_directory", "get_directory", "list_directories",
    "update_directory", "rename_directory", "delete_directory",
    "read_import_file", "preview_import", "commit_import",
    "read_directory", "load_directory", "directory_stamp", "get_record", "update_record", "verify_record", "delete_record",
    "restore_record", "deleted_records",
    "history", "version_of", "restore_version", "as_of",
    "propose", "list_proposals", "approve", "reject",
    "backup", "restore", "dump",
]
