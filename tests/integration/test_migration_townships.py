"""Migration 0015 (issue 15 §1): a single-township database moves into one township named by
``TOWNSHIP_NAME`` with nothing lost — built at revision 0014 from its data fixture, upgraded to
the head; every table keeps its rows, the approved payout sheet its lines and totals, and every
village, township-level account, sheet and notification gets the township."""

from __future__ import annotations

import uuid

from flask_migrate import upgrade
from sqlalchemy import inspect, text

from tests.migration_fixtures import fixture_path, load_fixture


def _counts(conn) -> dict[str, int]:
    return {
        t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
        for t in inspect(conn).get_table_names()
        if t != "alembic_version"
    }


def _sheet(conn) -> tuple:
    sheet = conn.execute(
        text("SELECT id, year, quarter, status FROM payout_sheet WHERE status IN ('approved', 'paid') ORDER BY id")
    ).first()
    lines = conn.execute(
        text(
            "SELECT village_id, agent_name, CAST(gross AS TEXT), CAST(deductions_total AS TEXT), CAST(total AS TEXT)"
            " FROM payout_line WHERE sheet_id = :s ORDER BY seq"
        ),
        {"s": sheet.id},
    ).all()
    total = conn.execute(text("SELECT sum(total) FROM payout_line WHERE sheet_id = :s"), {"s": sheet.id}).scalar()
    return tuple(sheet), [tuple(r) for r in lines], str(total)


def test_0015_moves_the_township_into_one_township(empty_db_url, tmp_path):
    from app import create_app
    from app.extensions import db

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=empty_db_url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        SECRET_KEY=uuid.uuid4().hex,
        TESTING=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        TOWNSHIP_NAME="测试乡（迁移）",
    )
    with app.app_context():
        try:
            upgrade(revision="0014")
            with db.engine.begin() as conn:
                assert load_fixture(conn, fixture_path("0014")) > 100
            with db.engine.connect() as conn:
                before = _counts(conn)
                sheet_before = _sheet(conn)
            assert sheet_before[1], "the fixture holds an approved sheet with lines"

            upgrade(revision="0015")
            with db.engine.connect() as conn:
                after = _counts(conn)
                assert after.pop("township") == 1
                assert after == before  # every table, every row
                assert _sheet(conn) == sheet_before  # the frozen sheet: lines and total as they were
                township = conn.execute(text("SELECT id, name, code FROM township")).one()
                assert (township.name, township.code) == ("测试乡（迁移）", "JN")
                for table in ("village", "payout_sheet", "notification"):
                    missing = conn.execute(
                        text(f"SELECT count(*) FROM {table} WHERE township_id IS NULL OR township_id != :t"),
                        {"t": township.id},
                    ).scalar()
                    assert missing == 0, table
                users = {
                    r.username: (r.village_id, r.township_id, r.roles)
                    for r in conn.execute(
                        text(
                            "SELECT u.username, u.village_id, u.township_id, min(r.name) AS roles FROM ab_user u"
                            " JOIN ab_user_role ur ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id"
                            " GROUP BY u.username, u.village_id, u.township_id"
                        )
                    )
                }
                assert users
                for name, (village_id, township_id, role) in users.items():
                    if role in ("乡便民中心", "乡纪检办"):
                        assert township_id == township.id, name
                    else:  # Admin county-wide; village accounts keep their village, no township
                        assert township_id is None, name
                        assert (village_id is not None) == (role in ("村支书", "村代办员")), name
                assert any(r[2] == "乡便民中心" for r in users.values())
                # the new key: one sheet per township and quarter (a second township may have its own)
                conn.execute(
                    text(
                        "INSERT INTO township (id, name, code, version, created_at, updated_at)"
                        " VALUES (2, '演示镇（虚构）', 'YS', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    )
                )
                year, quarter = sheet_before[0][1], sheet_before[0][2]
                conn.execute(
                    text(
                        "INSERT INTO payout_sheet (township_id, year, quarter, status, changes_since_last, version,"
                        " created_at, updated_at) VALUES (2, :y, :q, 'draft', '[]', 1, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"y": year, "q": quarter},
                )
                conn.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()
