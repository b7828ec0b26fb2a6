"""Bulk writes: many rows of one table inside the caller's transaction, the fast way.

SQLAlchemy's generic bulk statements (``executemany``, or multi-row ``INSERT ... RETURNING`` when
the keys are wanted back) cost more per row than the database's own work: on PostgreSQL,
psycopg parsed megabytes of SQL text in Python for a large intake. So:

* PostgreSQL gets ``COPY``: one stream per table, values converted by psycopg's C dumpers. Keys
  the caller needs back are drawn from the table's sequence first, so concurrent writers never
  share one.
* SQLite gets the driver's ``executemany`` of one plain ``INSERT``, with the values converted by
  the column types' own bind processors (so they are stored exactly as SQLAlchemy stores them).
  Keys follow the largest one in the table: SQLite's own rule for a new rowid, and safe because
  every writing transaction holds the database's write lock from its start (see ``engine``).

* Updates by key are the driver's ``executemany`` of one ``UPDATE`` on both databases, values
  converted in the same way.

Rows are dicts with the same keys; a column missing from them gets its SQL default (NULL).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.engine import Connection

from paymatch.core.store.codec import json_text

CHUNK = 5000
"""Rows per ``executemany`` on SQLite (bounds the converted copy held at once)."""


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        _sqlite_executemany(conn, table, rows)


def insert_rows_returning_ids(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` into ``table`` (whose key is an ``id`` column); their new ids, in order."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        draw = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        found = conn.execute(draw, {"t": table.name, "n": len(rows)}).scalars()
        ids = [int(i) for i in found]
        _copy(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    last = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    ids = list(range(int(last) + 1, int(last) + 1 + len(rows)))
    _sqlite_executemany(conn, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


def update_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Set ``columns`` of each row whose key (``id``) is the row's ``_id``."""
    if not rows:
        return
    mark = _placeholder(conn)
    assignments = ", ".join(f'"{name}" = {mark}' for name in columns)
    statement = f'UPDATE "{table.name}" SET {assignments} WHERE "id" = {mark}'
    keyed = [{**row, "id": row["_id"]} for row in rows]
    _executemany(conn, table, statement, [*columns, "id"], keyed)


def _sqlite_executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join(_placeholder(conn) for _ in names)
    _executemany(
        conn, table, f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', names, rows
    )


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _executemany(
    conn: Connection,
    table: Table,
    statement: str,
    names: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """The driver's ``executemany`` of ``statement`` with the values of ``names`` from each row,
    converted by the columns' own bind processors (as SQLAlchemy would convert them)."""
    dialect = conn.dialect
    take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    converting = []
    for at, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converting.append((at, process))

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        found: tuple[Any, ...] = take(row)
        if not converting:
            return found
        converted = list(found)
        for at, process in converting:
            converted[at] = process(converted[at])
        return tuple(converted)

    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(statement, [values(row) for row in rows[start : start + CHUNK]])


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    # JSON goes as its text, serialised as the JSON columns are (codec.json_text).
    as_json = [isinstance(table.c[name].type, JSON) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        json_text(row[name]) if is_json else row[name]
                        for name, is_json in zip(names, as_json, strict=True)
                    ]
                )
    finally:
        cursor.close()
