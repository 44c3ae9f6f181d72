"""The open cases past their deadline, and the open cases per village, are read from small indexes alone (issue 11)

``ix_case_open_due`` — the partial index of the open cases (a few thousand of a million) in the
to-do order — becomes ``(due_on, received_at, id, village_id, closed_late, kind, status)`` (was
``(due_on, received_at, id)``). Every township dashboard and chart reads the open cases past
their deadline (village, received date, closed late, kind: the part of 超期 and of the on-time
rate that moves with the date); with those columns in the index neither engine reads a table
row for them — on SQLite the 586 such cases of 1M / 400 villages took 3.5 ms through
``ix_case_status_due`` and the table, 0.7 ms from this index. ``status`` is there because
SQLite checks the index's own WHERE term against the row unless the index holds it. The to-do
order (its first three columns) is unchanged.

``ix_case_open_village_due`` gains ``status`` last, for the same reason: the dashboards' open
cases per village (``services/dashboard.open_now``) read it alone — 3.1 → 1.8 ms at 1M cases.
Then ``ANALYZE``.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# models.case.OPEN_CASES_SQL as this revision knows it
OPEN_CASES_SQL = "status IN ('registered', 'accepted', 'verifying', 'submitted')"


def _replace(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="service_case")
    where = sa.text(OPEN_CASES_SQL)
    op.create_index(name, "service_case", columns, sqlite_where=where, postgresql_where=where)


def upgrade():
    _replace("ix_case_open_due", ["due_on", "received_at", "id", "village_id", "closed_late", "kind", "status"])
    _replace("ix_case_open_village_due", ["village_id", "due_on", "received_at", "id", "status"])
    op.execute("ANALYZE service_case")


def downgrade():
    _replace("ix_case_open_due", ["due_on", "received_at", "id"])
    _replace("ix_case_open_village_due", ["village_id", "due_on", "received_at", "id"])
