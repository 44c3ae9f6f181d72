"""“Name starts with” reads its page and its count from one index (issue 11)

``ix_case_applicant_name_key`` becomes ``(applicant_name_key, village_id, received_at, id)``
(was ``(applicant_name_key, received_at, id)``). A common surname (“王”) matches some 20,000 of
a million cases: the list's scope (``village_id IN`` the township's villages, or one village)
and its order are then read from the index itself, not from 20,000 table rows — at 1M cases /
400 villages on SQLite the ids query went from 73 to 7 ms and the capped count from 26 to 3 ms.
A full name's few hundred matches sort in a moment either way. Both engines; then ``ANALYZE``.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NAME = "ix_case_applicant_name_key"


def upgrade():
    op.drop_index(NAME, table_name="service_case")
    op.create_index(NAME, "service_case", ["applicant_name_key", "village_id", "received_at", "id"])
    op.execute("ANALYZE service_case")


def downgrade():
    op.drop_index(NAME, table_name="service_case")
    op.create_index(NAME, "service_case", ["applicant_name_key", "received_at", "id"])
