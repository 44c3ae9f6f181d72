"""Data fixtures for the upgrade-over-data test (tests/integration/test_migrations_data.py).

``tests/fixtures/rev<REV>.sql.gz`` is the demo township (``flask demo``) as it was at Alembic
revision REV: portable ``INSERT`` statements (SQLite and PostgreSQL), one table after the other
in foreign-key order. ``scripts/make_migration_fixture.py REV`` writes one; this module writes
and reads them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from decimal import Decimal
from pathlib import Path

from sqlalchemy import JSON, Boolean, MetaData, inspect, select, text

FIXTURES = Path(__file__).parent / "fixtures"
SKIP_TABLES = {"alembic_version"}


def fixture_path(revision: str) -> Path:
    return FIXTURES / f"rev{revision}.sql.gz"


def _literal(value, column) -> str:
    if value is None:
        return "NULL"
    if isinstance(column.type, Boolean):
        return "TRUE" if value in (1, True, "1", "t", "true") else "FALSE"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, bytes):
        raise ValueError(f"binary column {column} is not supported by the fixture format")
    elif isinstance(column.type, JSON) and not isinstance(value, str):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return "'" + str(value).replace("'", "''") + "'"


def dump_sql(conn) -> str:
    """Every row of every table (raw stored values, FK order, by primary key) as INSERTs."""
    meta = MetaData()
    meta.reflect(conn)
    lines = [
        f"-- demo data at Alembic revision {conn.execute(text('SELECT version_num FROM alembic_version')).scalar()}"
    ]
    for table in meta.sorted_tables:
        if table.name in SKIP_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        cols = list(table.columns)
        names = ", ".join(f'"{c.name}"' for c in cols)
        # raw values: no type processing, so what is stored is what is written
        raw = select(*[text(f'"{c.name}"') for c in cols]).select_from(table).order_by(*order)
        for row in conn.execute(raw):
            values = ", ".join(_literal(v, c) for v, c in zip(row, cols, strict=True))
            lines.append(f'INSERT INTO "{table.name}" ({names}) VALUES ({values});')
    return "\n".join(lines) + "\n"


def split_statements(sql: str) -> list[str]:
    """Split on ``;`` outside single-quoted literals (the format written above)."""
    out, start, quoted = [], 0, False
    for i, ch in enumerate(sql):
        if ch == "'":
            quoted = not quoted
        elif ch == ";" and not quoted:
            stmt = sql[start:i].strip()
            if stmt:
                out.append(stmt)
            start = i + 1
    return [s for s in map(_drop_leading_comments, out) if s]


def _drop_leading_comments(stmt: str) -> str:
    """Comment lines before a statement (the header); never lines inside a literal."""
    while stmt.startswith("--"):
        stmt = stmt.partition("\n")[2].lstrip()
    return stmt


_INSERT_INTO = re.compile(r'INSERT INTO "([^"]+)"')


def load_fixture(conn, path: Path) -> int:
    """Insert a fixture's rows; on PostgreSQL move the id sequences past them."""
    statements = split_statements(gzip.decompress(path.read_bytes()).decode("utf-8"))
    # rows a migration wrote into the empty schema (0015's township) are the fixture's to give
    tables = dict.fromkeys(m.group(1) for stmt in statements if (m := _INSERT_INTO.match(stmt.lstrip())))
    for table in tables:
        if conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar():
            conn.execute(text(f'DELETE FROM "{table}"'))
    for stmt in statements:
        conn.exec_driver_sql(stmt.replace("%", "%%") if conn.dialect.name == "postgresql" else stmt)
    if conn.dialect.name == "postgresql":
        insp = inspect(conn)
        for table in insp.get_table_names():
            pk = insp.get_pk_constraint(table).get("constrained_columns") or []
            if len(pk) == 1:
                seq = conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table}"', "c": pk[0]}
                ).scalar()
                if seq:
                    conn.execute(
                        text(f'SELECT setval(:s, COALESCE((SELECT max("{pk[0]}") FROM "{table}"), 0) + 1, false)'),
                        {"s": seq},
                    )
    return len(statements)
