"""case_attachment: 材料附件 — scanned materials of a case (issue 15 §3)

One row per stored file (original name for display, detected type, size, SHA-256, the random
storage key and backend, who uploaded it and when); retired (作废) with a reason, never deleted.
A new table only: nothing existing changes, so the downgrade simply drops it.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=True),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by", sa.String(length=64), nullable=True),
        sa.Column("retire_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["service_case.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_case_attachment_case_retired", "case_attachment", ["case_id", "retired_at"], unique=False)
    op.create_index("ix_case_attachment_village_id", "case_attachment", ["village_id"], unique=False)


def downgrade():
    op.drop_index("ix_case_attachment_village_id", table_name="case_attachment")
    op.drop_index("ix_case_attachment_case_retired", table_name="case_attachment")
    op.drop_table("case_attachment")
