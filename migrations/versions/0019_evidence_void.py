"""年度考核 evidence can be voided or corrected before the decision (issue 15 §3)

``assessment_evidence`` gains ``voided_at``, ``voided_by``, ``void_reason`` (作废: the row is
kept, struck through, and no longer counts) and ``replaces_id`` (更正: the new row names the
voided one). Existing rows stay valid (all NULL).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessment_evidence") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("voided_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.String(length=240), nullable=True))
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_assessment_evidence_replaces_id", "assessment_evidence", ["replaces_id"], ["id"]
        )


def downgrade():
    # Under the old schema a voided row would count again, and deleting it would lose it:
    # refuse while there are any.
    voided = op.get_bind().execute(sa.text("SELECT count(*) FROM assessment_evidence WHERE voided_at IS NOT NULL"))
    if voided.scalar():
        raise RuntimeError("assessment_evidence has voided rows: downgrading below 0019 would count them again")
    with op.batch_alter_table("assessment_evidence") as batch:
        batch.drop_constraint("fk_assessment_evidence_replaces_id", type_="foreignkey")
        for name in ("replaces_id", "void_reason", "voided_by", "voided_at"):
            batch.drop_column(name)
