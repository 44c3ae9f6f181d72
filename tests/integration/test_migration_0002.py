"""Migration 0002 on a database that already holds rows (SQLite, and PostgreSQL with
TEST_DATABASE_URL): registered_at is backfilled from created_at (UTC → Asia/Shanghai, +8 h) and
installed catalog items get an owner — the seed's when untouched, the township's when edited."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_migrate import upgrade
from sqlalchemy import text


def test_0002_backfills_registered_at_and_item_owners(empty_db_url):
    from app import create_app
    from app.extensions import db

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=empty_db_url, SECRET_KEY=uuid.uuid4().hex, TESTING=True)
    with app.app_context():
        upgrade(revision="0001")
        t0 = dt.datetime(2026, 11, 30, 17, 30)  # UTC: 2026-12-01 01:30 in the township
        later = t0 + dt.timedelta(days=2)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO village (id, name, code, active, supplement_per_year, std_counter, std_agent, std_register,"
                    " std_card, std_system, std_board, version, created_at, updated_at) VALUES (1, '青山村', 'QS', :t,"
                    " 0, :f, :f, :f, :f, :f, :f, 1, :c, :c)"
                ),
                {"t": True, "f": False, "c": t0},
            )
            conn.execute(text("INSERT INTO service_category (id, code, name) VALUES (1, '04', '证明盖章与党团关系')"))
            for i, (code, updated) in enumerate((("0401", t0), ("0402", later), ("0499", t0)), start=1):
                conn.execute(
                    text(
                        'INSERT INTO service_item (id, code, category_id, name, "window", materials, promised_days, fee,'
                        " active, created_at, updated_at) VALUES (:i, :code, 1, :name, '村委会', '[]', 1, 0, :t, :c, :u)"
                    ),
                    {"i": i, "code": code, "name": f"事项{code}", "t": True, "c": t0, "u": updated},
                )
            conn.execute(
                text(
                    "INSERT INTO service_case (id, case_number, village_id, kind, applicant_name, channel, urgent,"
                    " received_at, voluntary_confirmed, materials_received, fee, ledger_incomplete, status, closed_late,"
                    " version, created_at, updated_at) VALUES (1, 'QS2026-0001', 1, 'proxy', '赵大爷', 'visit', :f,"
                    " :r, :t, '[]', 0, :f, 'accepted', :f, 1, :c, :c)"
                ),
                {"f": False, "t": True, "r": dt.datetime(2026, 11, 30, 16, 0), "c": t0},
            )
        upgrade()
        with db.engine.connect() as conn:
            registered = conn.execute(text("SELECT registered_at FROM service_case WHERE id = 1")).scalar()
            owners = dict(conn.execute(text("SELECT code, owner FROM service_item")).all())
            versions = dict(conn.execute(text("SELECT code, seed_version FROM service_item")).all())
            modes = set(conn.execute(text("SELECT mode FROM service_item")).scalars())
        if isinstance(registered, str):  # SQLite hands back text
            registered = dt.datetime.fromisoformat(registered)
        assert registered == dt.datetime(2026, 12, 1, 1, 30)
        # 0401 untouched → the seed's (version 1: the next `flask seed` updates it);
        # 0402 edited after install and 0499 (not a seed code) → the township's.
        assert owners == {"0401": "seed", "0402": "township", "0499": "township"}
        assert versions == {"0401": 1, "0402": None, "0499": None}
        assert modes == {"promised"}
        db.session.remove()
        db.engine.dispose()
