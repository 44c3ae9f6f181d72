"""Upgrades on real data (issue 16 §3): every data fixture, made from ``flask demo`` at its
revision (tests/fixtures/rev<REV>.sql.gz, scripts/make_migration_fixture.py), is loaded into a
database at that revision and upgraded to the head one revision at a time — the chain is read
from migrations/versions, so every later migration runs over data. After every step no table
has lost a row, and the approved (frozen) payout sheets with their lines and the submitted
monthly reports are the same, value for value as stored (compared as text: byte for byte).

Every schema change adds the fixture of its revision here (run the script in the same commit).
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from tests.migration_fixtures import FIXTURES, fixture_path, load_fixture

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def revision_chain(directory: Path = MIGRATIONS) -> list[str]:
    """base → head, from migrations/versions."""
    from alembic.config import Config

    cfg = Config(str(directory / "alembic.ini"))
    cfg.set_main_option("script_location", str(directory))
    script = ScriptDirectory.from_config(cfg)
    assert len(script.get_heads()) == 1, f"migrations have several heads: {script.get_heads()}"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


CHAIN = revision_chain()
FIXTURE_REVS = [rev for rev in CHAIN if fixture_path(rev).exists()]


def _frozen(conn) -> dict:
    """Approved payout sheets, their lines and submitted monthly reports, every column as text."""

    def rows(table, where):
        cols = [c["name"] for c in inspect(conn).get_columns(table)]
        sel = ", ".join(f'CAST("{c}" AS TEXT) AS "{c}"' for c in cols)
        return {
            r.id: dict(r._mapping) for r in conn.execute(text(f'SELECT {sel} FROM "{table}" WHERE {where} ORDER BY id'))
        }

    return {
        "payout_sheet": rows("payout_sheet", "status IN ('approved', 'paid')"),
        "payout_line": rows(
            "payout_line", "sheet_id IN (SELECT id FROM payout_sheet WHERE status IN ('approved', 'paid'))"
        ),
        "monthly_report": rows("monthly_report", "status = 'submitted'"),
    }


def _counts(conn) -> dict[str, int]:
    return {
        t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
        for t in inspect(conn).get_table_names()
        if t != "alembic_version"
    }


def test_the_chain_is_covered_from_its_base():
    """The oldest revision has a fixture, and no fixture names a revision that does not exist."""
    assert FIXTURE_REVS and FIXTURE_REVS[0] == CHAIN[0], "tests/fixtures/rev<base>.sql.gz is missing"
    names = {p.name for p in FIXTURES.glob("rev*.sql.gz")}
    assert names == {fixture_path(r).name for r in FIXTURE_REVS}, names
    for rev in FIXTURE_REVS:
        assert fixture_path(rev).stat().st_size <= 400 * 1024, f"fixture of {rev} too large"


def _app(db_url, tmp_path):
    from app import create_app

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=db_url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        SECRET_KEY=uuid.uuid4().hex,
        TESTING=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    return app


def upgrade_over_fixture(app, revision: str, chain: list[str], directory: Path = MIGRATIONS) -> list[str]:
    """Load the fixture of ``revision``, upgrade step by step to the head, check each step."""
    from app.extensions import db

    steps = chain[chain.index(revision) + 1 :]
    with app.app_context():
        try:
            upgrade(str(directory), revision=revision)
            with db.engine.begin() as conn:
                assert load_fixture(conn, fixture_path(revision)) > 100
            with db.engine.connect() as conn:
                before_counts = _counts(conn)
                before = _frozen(conn)
            assert before["payout_sheet"] and before["payout_line"] and before["monthly_report"], (
                "the fixture must hold an approved payout sheet with lines and a submitted monthly report"
            )
            assert before_counts["audit_log"] > 0 and before_counts["service_case"] > 0

            for step in steps:
                upgrade(str(directory), revision=step)
                with db.engine.connect() as conn:
                    assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == step
                    counts = _counts(conn)
                    lost = {t: (n, counts.get(t)) for t, n in before_counts.items() if (counts.get(t) or 0) < n}
                    assert not lost, f"upgrade to {step} lost rows: {lost}"
                    after = _frozen(conn)
                for table, rows in before.items():
                    assert set(after[table]) == set(rows), f"{step}: {table} rows changed"
                    for pk, row in rows.items():
                        now = {k: after[table][pk].get(k) for k in row}
                        assert now == row, f"upgrade to {step} changed {table} #{pk}"
        finally:
            db.session.remove()
            db.engine.dispose()
    return steps


@pytest.mark.parametrize("revision", FIXTURE_REVS)
def test_upgrade_keeps_every_row_and_frozen_figures(empty_db_url, tmp_path, revision):
    steps = upgrade_over_fixture(_app(empty_db_url, tmp_path), revision, CHAIN)
    assert steps == CHAIN[CHAIN.index(revision) + 1 :]


# --- the check itself: a probe migration after the head, good and bad -------------------------
PROBE = """
import sqlalchemy as sa
from alembic import op

revision = "probe"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
"""
GOOD = """\
    # on SQLite a table rebuild (batch mode copies every row): must keep them all, unchanged
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("payout_line", recreate=recreate) as batch:
        batch.add_column(sa.Column("probe_note", sa.String(20)))
    with op.batch_alter_table("monthly_report", recreate=recreate) as batch:
        batch.add_column(sa.Column("probe_flag", sa.Boolean(), nullable=True))"""
BAD_FIGURES = """\
    op.execute("UPDATE monthly_report SET figures = '{}' WHERE status = 'submitted'")"""
BAD_ROWS = """\
    op.execute("DELETE FROM sign_in WHERE id IN (SELECT min(id) FROM sign_in)")"""
BAD_LINES = """\
    op.execute("UPDATE payout_line SET total = total + 0.01")"""


def _with_probe(tmp_path, body: str) -> Path:
    import shutil

    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "zz_probe.py").write_text(PROBE.format(head=CHAIN[-1], body=body), encoding="utf-8")
    return directory


def test_a_migration_that_rebuilds_tables_passes(empty_db_url, tmp_path):
    directory = _with_probe(tmp_path, GOOD)
    chain = revision_chain(directory)
    assert chain[-1] == "probe"
    assert upgrade_over_fixture(_app(empty_db_url, tmp_path), CHAIN[0], chain, directory)[-1] == "probe"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BAD_FIGURES, "changed monthly_report"),
        (BAD_ROWS, "lost rows"),
        (BAD_LINES, "changed payout_line"),
    ],
)
def test_a_migration_that_loses_or_changes_data_fails(empty_db_url, tmp_path, body, message):
    directory = _with_probe(tmp_path, body)
    with pytest.raises(AssertionError, match=message):
        upgrade_over_fixture(_app(empty_db_url, tmp_path), CHAIN[0], revision_chain(directory), directory)


def test_fixture_statements_split_outside_literals_only():
    from tests.migration_fixtures import split_statements

    sql = "-- header\nINSERT INTO t VALUES ('a;b', 'it''s');\nINSERT INTO t VALUES ('line\n-- not a comment');\n"
    assert split_statements(sql) == [
        "INSERT INTO t VALUES ('a;b', 'it''s')",
        "INSERT INTO t VALUES ('line\n-- not a comment')",
    ]
