"""Open-case partial indexes and the trigram index checked (issue 11)

1. ``ix_case_open_due (due_on, received_at, id) WHERE status IN (open)`` and
   ``ix_case_open_village_due (village_id, due_on, received_at, id) WHERE status IN (open)``:
   the to-do lists (``services.cases.todo_cases``) and the list toolbar's counts
   (``open_counts``) read only the open cases — a few thousand of a million — in the to-do
   order, and stop at the list's length. Both engines; the WHERE is written with literal
   statuses (``models.case.OPEN_CASES_SQL``): SQLite uses a partial index only when a query
   repeats its terms with the same literals.
2. PostgreSQL only: ``pg_trgm`` and the GIN trigram index on the name key for “name contains”
   (made by 0009) are ensured — ``CREATE EXTENSION IF NOT EXISTS`` / ``CREATE INDEX IF NOT
   EXISTS`` in a savepoint; where the extension cannot be installed (no superuser, not
   packaged) the step is skipped with a logged warning and the migration goes on (“contains”
   then scans, as on SQLite).
3. ``ANALYZE service_case`` on both engines: without statistics SQLite keeps walking
   ``ix_case_status_due`` and sorting every open case.

Revision ID: 0017
Revises: 0016
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# ``models.case.OPEN_CASES_SQL`` as of this revision (``policy.case_flow.OPEN_STATUSES``).
OPEN_CASES_SQL = "status IN ('registered', 'accepted', 'verifying', 'submitted')"
TRGM_SCHEMA = "public"


def _partial(name: str, columns: list[str]) -> None:
    where = sa.text(OPEN_CASES_SQL)
    op.create_index(name, "service_case", columns, sqlite_where=where, postgresql_where=where)


def _ensure_trigram(bind) -> None:
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {TRGM_SCHEMA}"))
        bind.execute(
            sa.text(
                "CREATE INDEX IF NOT EXISTS ix_case_applicant_name_trgm ON service_case "
                f"USING gin (applicant_name_key {TRGM_SCHEMA}.gin_trgm_ops)"
            )
        )
        savepoint.commit()
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm 不可用，跳过姓名“包含”检索的三元组索引（检索仍可用，但较慢）：%s", exc.orig)


def upgrade():
    bind = op.get_bind()
    _partial("ix_case_open_due", ["due_on", "received_at", "id"])
    _partial("ix_case_open_village_due", ["village_id", "due_on", "received_at", "id"])
    if bind.dialect.name == "postgresql":
        _ensure_trigram(bind)
    # the planners' statistics of the new indexes (SQLite has none at all until ANALYZE and
    # would keep walking ix_case_status_due and sorting every open case)
    op.execute("ANALYZE service_case")


def downgrade():
    op.drop_index("ix_case_open_village_due", table_name="service_case")
    op.drop_index("ix_case_open_due", table_name="service_case")
