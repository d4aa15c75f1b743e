"""geomap's I/O layer: bytes in (size limit, encoding, zip safety) and the registry of formats.

- :mod:`geomap.io.limits` — the size limit and the one set of zip limits;
- :mod:`geomap.io.sources` — :func:`~geomap.io.sources.read_source`, the one way in for bytes;
- :mod:`geomap.io.text` — :func:`~geomap.io.text.decode`, the one encoding detection;
- :mod:`geomap.io.vector` — :func:`~geomap.io.vector.gpkg_bytes`, a layer as a GeoPackage's bytes;
- :mod:`geomap.io.formats` — the registry of directory formats (name, label, extensions, MIME
  type, reader, writer).

This package imports nothing of geomap's but :mod:`geomap.settings` (and, when a format is
used, the module its registry entry names).
"""
