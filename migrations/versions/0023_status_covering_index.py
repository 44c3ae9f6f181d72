"""The open-case counts and a list by status read one index on SQLite (issue 11)

``ix_case_status_received`` becomes ``(status, received_at, id, village_id, due_on)`` (was
``(status, received_at, id)``). Every list and case page counts the user's open, overdue and
due-soon cases (``services.cases.open_counts``); SQLite answers it through this index (not the
partial ``ix_case_open_due``, whatever its columns) and read each open case's row for its
village and deadline — with both in the index it reads none: 3.6 → 0.5 ms for the ~1,600 open
cases of 1M / 400 villages. A list by status (办结: most rows) also keeps its township's scope
in the index. PostgreSQL already counts through ``ix_case_open_village_due``; the index is the
same on both engines. Then ``ANALYZE``.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

NAME = "ix_case_status_received"


def upgrade():
    op.drop_index(NAME, table_name="service_case")
    op.create_index(NAME, "service_case", ["status", "received_at", "id", "village_id", "due_on"])
    op.execute("ANALYZE service_case")


def downgrade():
    op.drop_index(NAME, table_name="service_case")
    op.create_index(NAME, "service_case", ["status", "received_at", "id"])
