"""The store's engine: the embedded GeoPackage by default, PostGIS when a database URL is set.

:func:`geomap.store.startup.open_store` is the one way in. It creates the GeoPackage file under
``settings.data_dir`` on first start, brings the schema up to the newest migration (Alembic)
and, for a new store, seeds the bundled fictional sample directories. Database credentials come
only from the environment (``GEOMAP_DATABASE_URL``) and never appear in a message or a log: the
:class:`Store`'s ``repr`` hides the password.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from geomap.settings import Settings, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["STORE_FILENAME", "HEAD", "Store", "known_revisions", "migrate", "open_engine", "schema_version", "store_url"]

#: File name of the embedded store under ``settings.data_dir``.
STORE_FILENAME = "geomap-store.gpkg"
#: GeoPackage application id ("GPKG") and version 1.3 (SQLite header fields).
_GPKG_APPLICATION_ID = 0x47504B47
_GPKG_USER_VERSION = 10300


def _alembic_config() -> Config:
    # Alembic (and Mako, Pygments) is imported only to migrate: an up-to-date store opens without it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "geomap.store:migrations")
    return cfg


_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:None|[\"']([^\"']+)[\"'])", re.MULTILINE)


def _revision_graph() -> dict[str, str | None]:
    """``{revision: down_revision}`` of the migration scripts, read as text (as Alembic reads them)."""
    graph: dict[str, str | None] = {}
    for path in sorted(_VERSIONS.glob("*.py")):
        found = {m.group(1): m.group(2) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if found.get("revision"):
            graph[found["revision"]] = found.get("down_revision")
    return graph


def _head(graph: dict[str, str | None]) -> str:
    heads = set(graph) - {down for down in graph.values() if down}
    if len(heads) > 1:
        msg = f"the store's migrations have several heads ({', '.join(sorted(heads))}); merge them (alembic merge)"
        raise RuntimeError(msg)
    return next(iter(heads), "")


#: The newest schema version (Alembic revision) this code knows.
HEAD: str = _head(_revision_graph())


@dataclasses.dataclass(frozen=True, repr=False)
class Store:
    """An open store: an SQLAlchemy engine and what kind of backend it is.

    Attributes
    ----------
    engine : sqlalchemy.engine.Engine
        The connection pool; use :meth:`begin` for one transaction.
    backend : str
        ``"geopackage"`` or ``"postgis"``.
    location : str
        The GeoPackage path, or the database URL with its password hidden.
    """

    engine: sa.Engine
    backend: str
    location: str

    def __repr__(self) -> str:
        return f"Store(backend={self.backend!r}, location={self.location!r})"

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def store_url(settings: Settings | None = None) -> str:
    """The SQLAlchemy URL of the store the settings point at (embedded GeoPackage or PostGIS)."""
    s = settings or get_settings()
    if s.database_url:
        url = sa.make_url(s.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(s.data_dir) / STORE_FILENAME}"


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache for bulk imports
    cur.close()


def _sqlite_engine(path: Path) -> sa.Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    if new:
        with sqlite3.connect(path) as raw:
            raw.execute(f"PRAGMA application_id={_GPKG_APPLICATION_ID:d}")
            raw.execute(f"PRAGMA user_version={_GPKG_USER_VERSION:d}")
            raw.execute("PRAGMA journal_mode=WAL")
        raw.close()
    engine = sa.create_engine(f"sqlite:///{path}", hide_parameters=True)  # errors never quote record values
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_engine(url: str) -> tuple[sa.Engine, str, str]:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        return _sqlite_engine(path), "geopackage", str(path)
    if parsed.get_backend_name() != "postgresql":
        msg = f"the store needs a postgresql:// URL or the embedded GeoPackage; got a {parsed.get_backend_name()} URL"
        raise ValueError(msg)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    return engine, "postgis", parsed.render_as_string(hide_password=True)


def migrate(store: Store, *, revision: str = "head") -> str:
    """Bring the store's schema forward to ``revision`` (default: the newest); returns the version."""
    from alembic import command

    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return schema_version(store)


def schema_version(store: Store) -> str:
    """The store's schema version (the Alembic revision; ``""`` for an empty database)."""
    with store.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return ""
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        msg = f"store {store.location} has several schema versions ({', '.join(versions)}); it needs `alembic merge`"
        raise ValueError(msg)
    return versions[0] if versions else ""


def known_revisions() -> set[str]:
    """Every schema version (Alembic revision) this code knows."""
    return set(_revision_graph())
