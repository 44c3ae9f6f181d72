"""Bulk loading of generated rows (``flask demo --scale``, the county benchmark): no ORM objects,
no SQLAlchemy statement per row — the DB-API's own fast paths.

* PostgreSQL: ``COPY … FROM STDIN`` (text format) through psycopg2;
* SQLite: one ``executemany`` of a plain ``INSERT`` per batch.

Values are converted column by column into what SQLAlchemy itself would send (its bind
processors; a fast path for DateTime/Date with the same text), so the rows read back through
the ORM exactly like rows it wrote. Only the columns a row sets are written, plus the Python
defaults of the table's other columns (a column another feature adds later, with a default,
keeps working); server defaults are the database's.

:func:`indexes_dropped` takes a table's secondary indexes off during a large load and builds
them again afterwards (even when the load fails) — much faster than
maintaining ten indexes row by row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from flask_appbuilder import Model
from sqlalchemy import Index, Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql import sqltypes

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _iso_datetime(value):
    """SQLAlchemy's SQLite DATETIME text (``2026-10-08 09:30:00.000000``)."""
    return None if value is None else value.isoformat(" ", "microseconds")


def _iso_date(value):
    return None if value is None else value.isoformat()


class _Context:
    """What a column default called with a context may ask for (the row being inserted)."""

    def __init__(self, row: dict) -> None:
        self.current_parameters = row

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict:
        return self.current_parameters


def _defaults(table: Table, keys: Sequence[str]) -> dict[str, Callable[[dict], object]]:
    """Python-side defaults of the columns a row leaves out: ``key → f(row)``."""
    out = {}
    for col in table.columns:
        if col.key in keys or col.default is None or col.primary_key:
            continue
        default = col.default
        if default.is_scalar:
            out[col.key] = lambda row, v=default.arg: v
        elif default.is_callable:
            out[col.key] = lambda row, f=default.arg: f(_Context(row))
    return out


class BulkWriter:
    """``write(table, rows)``: rows are dicts with the same keys (column keys)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.postgresql = self.dialect.name == "postgresql"

    def write(self, table: Table, rows: list[dict]) -> int:
        if not rows:
            return 0
        keys = list(rows[0])
        extra = _defaults(table, keys)
        columns = [[row[k] for row in rows] for k in keys]
        for key, make in extra.items():
            keys.append(key)
            columns.append([make(row) for row in rows])
        cols = [table.c[k] for k in keys]
        if self.postgresql:
            self._copy(table, cols, columns)
        else:
            self._executemany(table, cols, columns)
        return len(rows)

    # --- SQLite (and any other DB-API): executemany ------------------------------------
    def sqlite_converter(self, col) -> Callable | None:
        kind = type(col.type)
        if self.dialect.name == "sqlite" and kind is sqltypes.DateTime:
            return _iso_datetime
        if self.dialect.name == "sqlite" and kind is sqltypes.Date:
            return _iso_date
        return col.type._cached_bind_processor(self.dialect)

    def _executemany(self, table: Table, cols, columns: list[list]) -> None:
        for i, col in enumerate(cols):
            convert = self.sqlite_converter(col)
            if convert is not None:
                columns[i] = list(map(convert, columns[i]))
        prep = self.dialect.identifier_preparer
        names = ", ".join(prep.quote(c.name) for c in cols)
        marks = ", ".join("?" if self.dialect.paramstyle == "qmark" else "%s" for _ in cols)
        sql = f"INSERT INTO {prep.format_table(table)} ({names}) VALUES ({marks})"
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(sql, zip(*columns, strict=True))
        finally:
            cursor.close()

    # --- PostgreSQL: COPY --------------------------------------------------------------
    @staticmethod
    def copy_converter(col) -> Callable[[object], str]:
        kind = col.type
        if isinstance(kind, sqltypes.Boolean):
            return lambda v: "\\N" if v is None else ("t" if v else "f")
        if isinstance(kind, sqltypes.DateTime | sqltypes.Date):
            return lambda v: "\\N" if v is None else v.isoformat()
        if isinstance(kind, sqltypes.JSON):
            return lambda v: "\\N" if v is None else json.dumps(v).translate(_COPY_ESCAPES)
        if isinstance(kind, sqltypes.String):
            return lambda v: "\\N" if v is None else str(v).translate(_COPY_ESCAPES)
        return lambda v: "\\N" if v is None else str(v)

    def _copy(self, table: Table, cols, columns: list[list]) -> None:
        texts = [list(map(self.copy_converter(col), values)) for col, values in zip(cols, columns, strict=True)]
        buffer = io.StringIO()
        buffer.writelines("\t".join(row) + "\n" for row in zip(*texts, strict=True))
        buffer.seek(0)
        prep = self.dialect.identifier_preparer
        names = ", ".join(prep.quote(c.name) for c in cols)
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            cursor.copy_expert(f"COPY {prep.format_table(table)} ({names}) FROM STDIN", buffer)
        finally:
            cursor.close()


# --------------------------------------------------------------------------------------
# Secondary indexes off during a large load
# --------------------------------------------------------------------------------------
def secondary_indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX …)`` of the table's indexes that back no constraint (not the
    primary key, not a UNIQUE constraint), as the database itself has them."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
            {"t": table},
        )
        return [(name, sql) for name, sql in rows if "UNIQUE" not in sql.upper().split("INDEX")[0]]
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "JOIN pg_namespace n ON n.nspname = i.schemaname "
                "JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = n.oid "
                "JOIN pg_index x ON x.indexrelid = c.oid "
                "WHERE i.tablename = :t AND i.schemaname = current_schema() "
                "AND NOT x.indisunique AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)"
            ),
            {"t": table},
        )
        return [(name, sql) for name, sql in rows]
    return []


def _declared_indexes(tables: Sequence[str]) -> dict[str, Index]:
    """The models' own ``Index`` objects of the tables, by name."""
    declared = {}
    for name in tables:
        table = Model.metadata.tables.get(name)
        for ix in table.indexes if table is not None else ():
            declared[ix.name] = ix
    return declared


@contextmanager
def indexes_dropped(session: Session, tables: Sequence[str], enabled: bool = True) -> Iterator[list[str]]:
    """Drop the tables' secondary indexes for the block (committed); re-create them after it,
    whatever happens in the block (committed). Yields the names dropped. The block may commit
    the session as often as it likes.

    An index the models declare is built again from its declaration — the same DDL that made
    it (PostgreSQL's own ``indexdef`` of a partial index's ``IN`` list reads back as a
    differently spelled predicate); any other index from the database's own DDL."""
    conn = session.connection()
    saved = [ix for t in tables for ix in secondary_indexes(conn, t)] if enabled else []
    declared = _declared_indexes(tables)
    prep = conn.dialect.identifier_preparer
    for name, _ in saved:
        conn.execute(text(f"DROP INDEX {prep.quote(name)}"))
    session.commit()
    try:
        yield [name for name, _ in saved]
    finally:
        if saved:
            session.rollback()  # a failed block's half-written batch
            conn = session.connection()
            for name, ddl in saved:
                conn.execute(CreateIndex(declared[name]) if name in declared else text(ddl))
            session.commit()


def load_settings(conn: Connection, on: bool = True) -> None:
    """Settings of this connection for a large generated load: SQLite does not wait for the
    disk at each commit (``synchronous = OFF``); PostgreSQL commits asynchronously. ``on=False``
    puts the defaults back."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA synchronous = {'OFF' if on else 'FULL'}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET synchronous_commit = off" if on else "RESET synchronous_commit")


__all__ = ["BulkWriter", "indexes_dropped", "load_settings", "secondary_indexes"]
