"""Reading many rows, the fast way: every open order for a match index, order rows by key.

* :func:`stream_rows` hands out the rows of a large query a batch at a time, never all at once.
  On PostgreSQL it uses psycopg's streaming in chunks (libpq 17 or later): the server runs the
  query through and sends its rows as fast as the socket takes them, so it works while the
  client indexes the rows it already has. A server-side cursor (SQLAlchemy's ``yield_per``, the
  fallback here and the way on SQLite) makes the client wait a round trip and the server's work
  for every batch: for a million orders, two thousand waits.
* :func:`key_in` is the condition "key among these": on PostgreSQL one array parameter
  (``= ANY(:keys)``), so that the statement's text is the same for any number of keys and
  psycopg prepares it once; an ``IN`` list of a new length is a new statement the server parses
  and plans again.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import ColumnElement, Select, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection


@contextmanager
def stream_rows(
    conn: Connection, query: Select[Any], batch: int
) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of ``query`` as tuples, fetched ``batch`` at a time, inside ``conn``'s
    transaction: ``with stream_rows(conn, query, 500) as rows: ...``.

    Within the block the connection serves nothing else; leaving it (also on an error) ends the
    stream, so that the connection is free again (on PostgreSQL a stream left open would block
    the rollback).

    Values come as the driver gives them: every selected column must be of a type SQLAlchemy
    does not convert on reading (integers, strings, text), which is checked.
    """
    dialect = conn.dialect
    for column in query.selected_columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            raise TypeError(f"stream_rows: column {column.name} is converted on reading")
    rows = _rows(conn, query, batch)
    try:
        yield rows
    finally:
        rows.close()


def _rows(conn: Connection, query: Select[Any], batch: int) -> Generator[tuple[Any, ...]]:
    if conn.dialect.name != "postgresql" or not _chunked_streaming():
        yield from conn.execute(query.execution_options(yield_per=batch))
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield from cursor.stream(str(compiled), compiled.params, size=batch)
    finally:
        cursor.close()


def _chunked_streaming() -> bool:
    capabilities = getattr(psycopg, "capabilities", None)  # psycopg 3.2 and later
    return capabilities is not None and bool(capabilities.has_stream_chunked())


def key_in(
    conn: Connection, column: ColumnElement[Any], keys: Sequence[Any]
) -> ColumnElement[bool]:
    """``column`` is one of ``keys``."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(keys), type_=ARRAY(column.type)))
    return column.in_(keys)
