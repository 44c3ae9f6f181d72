"""The to-do list through the open-case partial indexes (issue 11, migration 0017): the same
cases in the same order as the plain ``ORDER BY due_on NULLS LAST`` query, for the township and
a village, the plan using the index on SQLite, and two statements whatever the number of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text

from app.extensions import db
from app.models import Case
from app.security import scoped_to, unscoped
from app.services import cases as case_service
from tests.factories import case_row

TODAY = dt.date(2026, 11, 26)
STATUSES = ("accepted", "registered", "submitted", "verifying", "completed", "answered", "voided", "rejected")


def _seed(world, start: int, n: int) -> None:
    rows = []
    for i in range(start, start + n):
        vid, aid, code = (world.village_a, world.agent_a, "QS") if i % 3 else (world.village_b, world.agent_b, "SQ")
        received = dt.datetime(2026, 1 + i % 11, 1 + i % 27, 9 + i % 8)
        status = STATUSES[i % len(STATUSES)]
        due = None if i % 5 == 0 else dt.date(2026, 1 + (i * 7) % 12, 1 + (i * 3) % 28)
        kind = "consult" if due is None else "proxy"
        rows.append(
            case_row(vid, aid, f"{code}2026-{i:05d}", received, save=False, kind=kind, status=status, due_on=due)
        )
    with unscoped():
        db.session.add_all(rows)
        db.session.commit()


def _reference(limit: int) -> list[int]:
    stmt = (
        select(Case.id)
        .where(Case.open_clause())
        .order_by(Case.due_on.asc().nulls_last(), Case.received_at.asc(), Case.id.asc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


@pytest.mark.parametrize("limit", [5, 20, 500])
def test_todo_cases_in_the_order_of_the_plain_query(app, world, limit):
    with app.app_context():
        _seed(world, 1, 300)
        with unscoped():
            assert [c.id for c in case_service.todo_cases(TODAY, limit)] == _reference(limit)
        with scoped_to(world.village_b):
            got = case_service.todo_cases(TODAY, limit)
            assert [c.id for c in got] == _reference(limit)
            assert {c.village_id for c in got} == {world.village_b}
            assert any(c.due_on is None for c in case_service.todo_cases(TODAY, 500))  # the undated ones last


def test_open_counts_unchanged_and_the_plan_uses_the_partial_index(app, world):
    with app.app_context():
        _seed(world, 1, 120)
        with unscoped():
            got = case_service.open_counts(TODAY)
            open_ = [c for c in db.session.execute(select(Case)).unique().scalars() if c.is_open]
            assert got["open"] == len(open_)
            assert got["overdue"] == sum(1 for c in open_ if c.due_on and c.due_on < TODAY)
            if db.engine.dialect.name == "sqlite":
                db.session.execute(text("ANALYZE"))  # as migration 0017 leaves it
                stmt = (
                    select(Case.id)
                    .where(case_service.open_literal_clause(), Case.due_on.is_not(None))
                    .order_by(Case.due_on, Case.received_at, Case.id)
                    .limit(20)
                )
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                plan = " ".join(str(r[-1]) for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert "ix_case_open_due" in plan and "TEMP B-TREE" not in plan, plan


def test_todo_cases_statements_do_not_grow_with_the_cases(app, world):
    def count() -> int:
        n = 0

        def inc(*_a, **_k):
            nonlocal n
            n += 1

        event.listen(db.engine, "before_cursor_execute", inc)
        try:
            with unscoped():
                case_service.todo_cases(TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", inc)
        return n

    with app.app_context():
        _seed(world, 1, 60)
        before = count()
        _seed(world, 1000, 600)
        assert count() == before == 2


@pytest.mark.skipif(bool(__import__("os").environ.get("TEST_DATABASE_URL")), reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_open_counts_of_a_township_read_no_table_row_on_sqlite(app, world):
    """Migration 0023: SQLite counts a township's open cases through ix_case_status_received,
    which holds the village (the scope) and the deadline — a covering index."""
    from app.models import Village
    from app.security import scoped_to_township

    with app.app_context():
        _seed(world, 1, 60)
        db.session.execute(text("ANALYZE"))
        township = db.session.get(Village, world.village_a).township_id
        seen: list[tuple[str, tuple]] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            if "FILTER (WHERE" in statement:
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with scoped_to_township(township):
                case_service.open_counts(TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(seen) == 1
        plan = " ".join(
            str(r[-1]) for r in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + seen[0][0], seen[0][1])
        )
        assert "COVERING INDEX ix_case_status_received" in plan, plan


def _plans_of(read, marker: str) -> list[str]:
    """The SQLite plans of the statements ``read()`` runs whose SQL holds ``marker``."""
    seen: list[tuple[str, tuple]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if marker in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    conn = db.session.connection()
    return [" ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)) for s, p in seen]


@pytest.mark.skipif(bool(__import__("os").environ.get("TEST_DATABASE_URL")), reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_dashboards_read_the_open_cases_from_the_partial_indexes_alone_on_sqlite(app, world):
    """Migration 0025: the open cases past their deadline (超期 now, the on-time rate) and the
    open cases per village are read from ix_case_open_due / ix_case_open_village_due, which
    hold every column read — no table row, whatever the number of closed cases."""
    from app.models import Village
    from app.security import scoped_to_township
    from app.services import dashboard

    with app.app_context():
        _seed(world, 1, 120)
        db.session.execute(text("ANALYZE"))
        township = db.session.get(Village, world.village_a).township_id
        with app.test_request_context(), scoped_to_township(township):
            past_due = _plans_of(lambda: dashboard._past_due_rows(TODAY, None), "service_case.kind")
            totals = _plans_of(
                lambda: dashboard.township_case_totals([dashboard.month_period(TODAY)], TODAY), "FROM service_case"
            )
            per_village = _plans_of(lambda: dashboard.open_now(TODAY), "GROUP BY service_case.village_id")
        assert len(past_due) == len(totals) == len(per_village) == 1
        assert "COVERING INDEX ix_case_open_due" in past_due[0], past_due
        assert "COVERING INDEX ix_case_open_due" in totals[0], totals
        assert "COVERING INDEX ix_case_open_village_due" in per_village[0], per_village
