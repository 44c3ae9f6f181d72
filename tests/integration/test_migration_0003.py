"""Migration 0003 on a database that already holds doubled supervision records: it must not
fail, must delete nothing, marks the later copies ``duplicate_of_id``, voids their deductions
while the quarter is open (keeps them once the payout sheet is approved), then the unique
indexes refuse any new copy. SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError


def _dummy(col):
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.Integer):
        return 1
    if isinstance(t, sa.Numeric):
        return 0
    if isinstance(t, sa.DateTime):
        return dt.datetime(2026, 1, 1, 9, 0)
    if isinstance(t, sa.Date):
        return dt.date(2026, 1, 1)
    if isinstance(t, sa.JSON):
        return {}
    return "x"


def insert(conn, table: str, **values) -> int:
    """A row with the given values; every other NOT NULL column gets a plain dummy value
    (the tables are those of revision 0001, not of today's models)."""
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    row = dict(values)
    for col in t.columns:
        if col.name in row or col.primary_key or col.nullable or col.server_default is not None:
            continue
        row[col.name] = _dummy(col)
    return conn.execute(t.insert().values(**row)).inserted_primary_key[0]


def deduction(conn, source_type, source_id, code, year, month, agent, village) -> int:
    return insert(
        conn,
        "deduction",
        code=code,
        agent_id=agent,
        village_id=village,
        year=year,
        month=month,
        occurred_on=dt.date(year, month, 5),
        amount=50,
        source_type=source_type,
        source_id=source_id,
        state="active",
    )


@pytest.fixture
def migrated_app(empty_db_url):
    from app import create_app

    return create_app("config.Config", SQLALCHEMY_DATABASE_URI=empty_db_url, SECRET_KEY=uuid.uuid4().hex, TESTING=True)


def test_0003_marks_existing_duplicates_and_then_refuses_new_ones(migrated_app):
    from app.extensions import db

    app = migrated_app
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            village = insert(conn, "village", name="青山村", code="QS")
            agent = insert(conn, "agent", name="王秀兰", village_id=village, level="village", status="active")
            at = dt.datetime(2026, 11, 3, 10, 0)
            first = insert(
                conn, "inspection", inspected_at=at, inspector="张三", village_id=village, agent_id=agent, on_duty=False
            )
            copy = insert(
                conn,
                "inspection",
                inspected_at=at + dt.timedelta(seconds=20),
                inspector="张三",
                village_id=village,
                agent_id=agent,
                on_duty=False,
            )
            other = insert(
                conn,
                "inspection",
                inspected_at=at + dt.timedelta(hours=5),
                inspector="张三",
                village_id=village,
                agent_id=agent,
                on_duty=False,
            )
            # a doubled inspection of Q3, whose payout sheet is approved: its ③ is frozen
            q3 = dt.datetime(2026, 9, 8, 10, 0)
            q3_first = insert(
                conn, "inspection", inspected_at=q3, inspector="李四", village_id=village, agent_id=agent, on_duty=False
            )
            q3_copy = insert(
                conn, "inspection", inspected_at=q3, inspector="李四", village_id=village, agent_id=agent, on_duty=False
            )
            insert(conn, "payout_sheet", year=2026, quarter=3, status="approved")
            d = {
                i: deduction(conn, "inspection", i, "3", 2026, m, agent, village)
                for i, m in ((first, 11), (copy, 11), (other, 11), (q3_first, 9), (q3_copy, 9))
            }
            c1 = insert(
                conn,
                "complaint",
                received_on=dt.date(2026, 11, 10),
                channel="phone",
                village_id=village,
                agent_id=agent,
                content="代办员拒绝代办医保缴费",
                result="true",
            )
            c2 = insert(
                conn,
                "complaint",
                received_on=dt.date(2026, 11, 10),
                channel="phone",
                village_id=village,
                agent_id=agent,
                content="  代办员拒绝代办医保缴费\n",
                result="true",
            )
            c3 = insert(
                conn,
                "complaint",
                received_on=dt.date(2026, 11, 10),
                channel="visit",
                village_id=village,
                agent_id=agent,
                content="代办员拒绝代办医保缴费",
                result="true",
            )
            dc = {i: deduction(conn, "complaint", i, "1", 2026, 11, agent, village) for i in (c1, c2, c3)}

        upgrade(revision="0003")

        with db.engine.begin() as conn:
            marks = dict(conn.execute(sa.text("SELECT id, duplicate_of_id FROM inspection")).all())
            assert marks == {
                first: None,
                copy: first,
                other: None,
                q3_first: None,
                q3_copy: q3_first,
            }  # nothing deleted
            states = dict(conn.execute(sa.text("SELECT id, state FROM deduction")).all())
            assert states[d[first]] == states[d[other]] == states[d[q3_first]] == "active"
            assert states[d[copy]] == "void"
            assert states[d[q3_copy]] == "active"  # its quarter is approved: left for the township to reopen
            reason = conn.execute(sa.text("SELECT void_reason FROM deduction WHERE id = :i"), {"i": d[copy]}).scalar()
            assert reason == f"重复录入的督查记录（与第{first}号为同一次检查），扣款撤销"
            cmarks = dict(conn.execute(sa.text("SELECT id, duplicate_of_id FROM complaint")).all())
            assert cmarks == {c1: None, c2: c1, c3: None}
            assert (states[dc[c1]], states[dc[c2]], states[dc[c3]]) == ("active", "void", "active")
            digests = (
                conn.execute(sa.text("SELECT content_digest FROM complaint WHERE id IN (:a, :b)"), {"a": c1, "b": c2})
                .scalars()
                .all()
            )
            assert len(set(digests)) == 1 and len(digests[0]) == 64

        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            insert(
                conn, "inspection", inspected_at=at, inspector="王五", village_id=village, agent_id=agent, on_duty=True
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            insert(
                conn,
                "complaint",
                received_on=dt.date(2026, 11, 10),
                channel="phone",
                village_id=village,
                content="代办员拒绝代办医保缴费",
                content_digest=digests[0],
            )
