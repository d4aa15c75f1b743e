"""Open (and on first start create, migrate and seed) the store: the one way in."""

from __future__ import annotations

from geomap.settings import Settings
from geomap.store.engine import HEAD, Store, known_revisions, migrate, open_engine, schema_version, store_url
from geomap.store.seed import seed_samples

__all__ = ["open_store"]


def open_store(
    url: str | None = None, *, settings: Settings | None = None, seed: bool = True, upgrade: bool = True
) -> Store:
    """Open (and on first start create) the store.

    Parameters
    ----------
    url : str, optional
        An SQLAlchemy URL (``sqlite:///path.gpkg`` or ``postgresql://…``); by default the one
        :func:`store_url` derives from the settings.
    settings : Settings, optional
        Settings to read ``data_dir`` and ``database_url`` from; :func:`get_settings` by default.
    seed : bool
        Seed a store that holds no directory yet with the bundled fictional samples.
    upgrade : bool
        Apply pending migrations (a store newer than this code is refused either way).

    Returns
    -------
    Store

    Raises
    ------
    ValueError
        The URL is neither GeoPackage nor PostgreSQL, or the store's schema is newer than this
        version of geomap knows.
    """
    engine, backend, location = open_engine(url or store_url(settings))
    store = Store(engine=engine, backend=backend, location=location)
    current = schema_version(store)
    if current and current not in known_revisions():
        store.close()
        msg = f"store {location} has schema version {current!r}, newer than this geomap knows ({HEAD!r}); upgrade geomap"
        raise ValueError(msg)
    if upgrade and current != HEAD:
        migrate(store)
    if seed and upgrade:
        seed_samples(store)
    return store
