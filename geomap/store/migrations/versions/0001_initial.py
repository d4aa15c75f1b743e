"""Initial store: directories, records and their change log (HSDS 3.0 metadata shape).

On SQLite the file is made a GeoPackage 1.3 (the ``gpkg_*`` core tables, with the
store's tables registered as attribute tables); on PostgreSQL a PostGIS point is kept beside
each record's longitude and latitude.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)


def _geopackage_tables() -> None:
    op.create_table(
        "gpkg_spatial_ref_sys",
        sa.Column("srs_name", sa.Text, nullable=False),
        sa.Column("srs_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("organization", sa.Text, nullable=False),
        sa.Column("organization_coordsys_id", sa.Integer, nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
    )
    op.create_table(
        "gpkg_contents",
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("data_type", sa.Text, nullable=False),
        sa.Column("identifier", sa.Text, unique=True),
        sa.Column("description", sa.Text, server_default=""),
        sa.Column("last_change", sa.Text, nullable=False),
        sa.Column("min_x", sa.Float),
        sa.Column("min_y", sa.Float),
        sa.Column("max_x", sa.Float),
        sa.Column("max_y", sa.Float),
        sa.Column("srs_id", sa.Integer, sa.ForeignKey("gpkg_spatial_ref_sys.srs_id")),
    )
    op.create_table(
        "gpkg_geometry_columns",
        sa.Column("table_name", sa.Text, sa.ForeignKey("gpkg_contents.table_name"), primary_key=True),
        sa.Column("column_name", sa.Text, primary_key=True),
        sa.Column("geometry_type_name", sa.Text, nullable=False),
        sa.Column("srs_id", sa.Integer, sa.ForeignKey("gpkg_spatial_ref_sys.srs_id"), nullable=False),
        sa.Column("z", sa.SmallInteger, nullable=False),
        sa.Column("m", sa.SmallInteger, nullable=False),
        sa.UniqueConstraint("table_name"),
    )
    srs = sa.table(
        "gpkg_spatial_ref_sys",
        sa.column("srs_name"), sa.column("srs_id"), sa.column("organization"),
        sa.column("organization_coordsys_id"), sa.column("definition"), sa.column("description"),
    )
    op.bulk_insert(srs, [
        {"srs_name": "WGS 84 geodetic", "srs_id": 4326, "organization": "EPSG", "organization_coordsys_id": 4326,
         "definition": _WGS84, "description": "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"},
        {"srs_name": "Undefined cartesian SRS", "srs_id": -1, "organization": "NONE", "organization_coordsys_id": -1,
         "definition": "undefined", "description": "undefined cartesian coordinate reference system"},
        {"srs_name": "Undefined geographic SRS", "srs_id": 0, "organization": "NONE", "organization_coordsys_id": 0,
         "definition": "undefined", "description": "undefined geographic coordinate reference system"},
    ])
    contents = sa.table("gpkg_contents", sa.column("table_name"), sa.column("data_type"), sa.column("identifier"),
                        sa.column("description"), sa.column("last_change"))
    op.bulk_insert(contents, [
        {"table_name": name, "data_type": "attributes", "identifier": name, "description": text,
         "last_change": "2026-12-07T00:00:00.000Z"}
        for name, text in (
            ("directories", "geomap: named directories"),
            ("records", "geomap: current records (fields as JSON, longitude/latitude in EPSG:4326)"),
            ("changes", "geomap: change log in the HSDS 3.0 metadata shape"),
        )
    ])


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _geopackage_tables()
    op.create_table(
        "directories",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False, server_default=""),
        sa.Column("licence", sa.Text, nullable=False, server_default=""),
        sa.Column("sensitivity", sa.Text, nullable=False, server_default="restricted"),
        sa.Column("fictional", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("kind", sa.Text, nullable=False, server_default="directory"),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("directory", sa.Text, sa.ForeignKey("directories.name", ondelete="CASCADE"), primary_key=True),
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("directory", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("resource_type", sa.Text, nullable=False, server_default="service"),
        sa.Column("last_action_date", sa.Text, nullable=False),
        sa.Column("last_action_type", sa.Text, nullable=False),
        sa.Column("field_name", sa.Text, nullable=False),
        sa.Column("previous_value", sa.Text, nullable=True),
        sa.Column("replacement_value", sa.Text, nullable=True),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_changes_record", "changes", ["directory", "resource_id", "version"])
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE records ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS AS "
            "(CASE WHEN longitude IS NULL OR latitude IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) END) STORED"
        )
        op.execute("CREATE INDEX ix_records_geom ON records USING GIST (geom)")
