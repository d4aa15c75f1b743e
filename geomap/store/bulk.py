"""Bulk writes of plain rows (the change log of an import), through each driver's fast path.

PostgreSQL gets a ``COPY … FROM STDIN`` (psycopg 3) inside the caller's transaction; SQLite an
``executemany`` of the statement SQLAlchemy compiled for it. The SQL comes from the table's
definition only; values are always passed as parameters or COPY data, never spliced in.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["insert_rows"]


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples of every column of ``table`` in its order, JSON-free) in ``conn``'s transaction."""
    if not rows:
        return
    columns = [c.name for c in table.columns]
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
        with driver.cursor() as cur, cur.copy(f"COPY {conn.dialect.identifier_preparer.quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        compiled = table.insert().compile(dialect=conn.dialect, column_keys=columns)
        if list(compiled.positiontup or columns) != columns:
            msg = f"unexpected parameter order compiling the insert into {table.name}"
            raise RuntimeError(msg)
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.executemany(str(compiled), rows)
        finally:
            cursor.close()
        return
    conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
