"""好差评 by the applicant (issue 14 §1): the case's rating token, the rating, the 差评 item

1. ``service_case.rating_token``: an unguessable token per case (``secrets.token_urlsafe``) for
   its public rating page /public/rate/<token>. New rows get it from the column default; the
   existing cases are given one here, then the column is made NOT NULL and unique.
2. ``case_rating``: one rating per case (level 1–5 = the old ``satisfaction`` codes, the three
   optional scores, comment, optional call-back phone = 实名, source 扫码评价 / 电话回访).
3. ``bad_rating_item``: the 差评 item (核实 / 整改 / 反馈 / 回访, due date, status, ① complaint).

``service_case.satisfaction`` (what the agent typed before) stays as the old 代办员登记 value;
it is not copied into ``case_rating`` (it was not the applicant's rating).

Revision ID: 0011
Revises: 0010
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _backfill_tokens() -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM service_case WHERE rating_token IS NULL"))]
    update = sa.text("UPDATE service_case SET rating_token = :t WHERE id = :i")
    for start in range(0, len(ids), 500):
        conn.execute(update, [{"t": secrets.token_urlsafe(16), "i": i} for i in ids[start : start + 500]])


def upgrade():
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating_token", sa.String(length=32), nullable=True))
    _backfill_tokens()
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.alter_column("rating_token", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint("uq_service_case_rating_token", ["rating_token"])

    op.create_table(
        "case_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("score_efficiency", sa.Integer(), nullable=True),
        sa.Column("score_competence", sa.Integer(), nullable=True),
        sa.Column("score_attitude", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("callback_phone", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["service_case.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("case_rating", schema=None) as batch_op:
        batch_op.create_index("ix_case_rating_village_given", ["village_id", "given_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_rating_village_id"), ["village_id"], unique=False)

    op.create_table(
        "bad_rating_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("rectification", sa.Text(), nullable=True),
        sa.Column("rectified_by", sa.String(length=64), nullable=True),
        sa.Column("rectified_at", sa.DateTime(), nullable=True),
        sa.Column("feedback_method", sa.String(length=10), nullable=True),
        sa.Column("feedback_text", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(), nullable=True),
        sa.Column("feedback_by", sa.String(length=64), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("callback_at", sa.DateTime(), nullable=True),
        sa.Column("callback_by", sa.String(length=64), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["service_case.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["rating_id"], ["case_rating.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_id"),
    )
    with op.batch_alter_table("bad_rating_item", schema=None) as batch_op:
        batch_op.create_index("ix_bad_rating_status_due", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_bad_rating_item_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bad_rating_item_village_id"), ["village_id"], unique=False)


def downgrade():
    op.drop_table("bad_rating_item")
    op.drop_table("case_rating")
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_constraint("uq_service_case_rating_token", type_="unique")
        batch_op.drop_column("rating_token")
