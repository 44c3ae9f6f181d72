"""seeds.bulk: values written as SQLAlchemy itself would write them, the Python defaults of the
columns a row leaves out, COPY text escaped."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    select,
)

from app.models import Case
from seeds.bulk import BulkWriter

metadata = MetaData()
_serial = itertools.count(1)
thing = Table(
    "thing",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("at", DateTime),
    Column("day", Date),
    Column("amount", Numeric(12, 2)),
    Column("flag", Boolean, nullable=False),
    Column("items", JSON),
    Column("kind", String(5), nullable=False, default="plain"),  # left out: its default
    Column("token", String(10), nullable=False, default=lambda: f"T{next(_serial)}"),
    Column("echo", String(20), default=lambda ctx: ctx.get_current_parameters()["name"] + "!"),
)


def test_sqlite_values_are_sqlalchemys_own():
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        writer = BulkWriter(conn)
        for col in Case.__table__.columns:
            if isinstance(col.type, DateTime | Date):
                value = dt.datetime(2026, 10, 8, 9, 5) if isinstance(col.type, DateTime) else dt.date(2026, 10, 8)
                ours, theirs = writer.sqlite_converter(col), col.type._cached_bind_processor(conn.dialect)
                assert ours(value) == theirs(value) and ours(None) is None, col.name
        micro = dt.datetime(2026, 10, 8, 9, 5, 7, 120)
        col = Case.__table__.c.received_at
        assert writer.sqlite_converter(col)(micro) == col.type._cached_bind_processor(conn.dialect)(micro)


def test_rows_read_back_like_orm_rows_with_the_defaults_of_columns_left_out():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [
        {
            "name": "王建国",
            "at": dt.datetime(2026, 10, 8, 9, 30),
            "day": dt.date(2026, 10, 9),
            "amount": Decimal("12.50"),
            "flag": True,
            "items": ["身份证复印件", "户口簿"],
        },
        {"name": "李秀英", "at": None, "day": None, "amount": None, "flag": False, "items": []},
    ]
    with engine.begin() as conn:
        assert BulkWriter(conn).write(thing, rows) == 2
    with engine.connect() as conn:
        got = conn.execute(select(thing).order_by(thing.c.id)).mappings().all()
        assert got[0]["at"] == dt.datetime(2026, 10, 8, 9, 30) and got[0]["day"] == dt.date(2026, 10, 9)
        assert got[0]["amount"] == Decimal("12.50") and got[0]["flag"] is True
        assert got[0]["items"] == ["身份证复印件", "户口簿"] and got[1]["items"] == []
        assert [g["kind"] for g in got] == ["plain", "plain"]
        assert len({g["token"] for g in got}) == 2
        assert [g["echo"] for g in got] == ["王建国!", "李秀英!"]
        assert conn.execute(select(thing.c.id).where(thing.c.at >= dt.datetime(2026, 10, 8, 9, 30))).all() == [(1,)]


def test_copy_text_is_escaped():
    text = BulkWriter.copy_converter(thing.c.name)
    assert text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert text(None) == "\\N"
    assert BulkWriter.copy_converter(thing.c.flag)(False) == "f"
    assert BulkWriter.copy_converter(thing.c["items"])(["x\ty"]) == '["x\\\\ty"]'
    assert BulkWriter.copy_converter(thing.c.at)(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00"
