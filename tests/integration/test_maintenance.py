"""The planner's statistics (``services.maintenance``, job ``db-statistics``): without them
SQLite picks slow plans at county scale (issue 11)."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import text

from app.extensions import db
from app.jobs import JOBS, run_job
from app.services.maintenance import app_tables, refresh_statistics
from tests.factories import case_row


def _analyzed(conn):
    """SQLite: the case table's indexes with statistics; PostgreSQL: when it was last analyzed."""
    if conn.dialect.name == "sqlite":
        if not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
            return set()
        rows = conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'service_case'"))
        return {r[0] for r in rows if r[0]}
    return conn.execute(
        text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND relname = 'service_case'"
        )
    ).scalar()


def _forget_statistics(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))


def test_refresh_statistics_analyzes_the_case_table_and_says_so_in_chinese(app, world):
    with app.app_context():
        for n in range(30):
            case_row(world.village_a, world.agent_a, f"QS2026-{n + 1:04d}", dt.datetime(2026, 11, 2, 9, 0))
        db.session.commit()
        with db.engine.begin() as conn:
            _forget_statistics(conn)
            before = _analyzed(conn)  # SQLite: none; PostgreSQL: maybe an earlier test's ANALYZE
        message = refresh_statistics()
        sqlite = db.engine.dialect.name == "sqlite"
        waited_until = time.monotonic() + 5
        while True:  # PostgreSQL's statistics views show the ANALYZE a moment later
            with db.engine.connect() as conn:
                after = _analyzed(conn)
            fresh = sqlite or (after is not None and (before is None or after > before))
            if fresh or time.monotonic() > waited_until:
                break
            time.sleep(0.1)
    if sqlite:
        assert before == set() and "ix_case_received" in after
    else:
        assert after is not None and (before is None or after > before)
    assert message.startswith(f"已更新{len(app_tables())}张表的查询统计信息，用时")


def test_the_nightly_job_refreshes_them(app, world):
    assert JOBS["db-statistics"].schedule.describe() == "每天 03:10"
    with app.app_context():
        with db.engine.begin() as conn:
            _forget_statistics(conn)
        outcome = run_job("db-statistics", dt.datetime(2026, 12, 7, 3, 10))
    assert outcome.status == "ok", outcome
    assert "查询统计信息" in outcome.result


def test_only_the_apps_own_tables_are_named():
    tables = app_tables()
    assert "service_case" in tables and "ab_user" in tables
    assert all(not t.startswith(("sqlite_", "pg_")) for t in tables)
