"""年度考核 as a workflow and 追责问责 records (issue 15 §3)

``annual_assessment`` gains the workflow: status (草稿/已提议/已决定), the gathered inputs (JSON
snapshot, when), the proposed grade and its reasons, the decision's reason, who decided and
when, and a version for optimistic locking; ``grade`` becomes empty until decided. Existing
rows were entered as decisions: they become 已决定 (decided_at = their creation time).

New tables: ``assessment_evidence`` (调查问卷 / 入户走访 / 个别座谈 of an assessment),
``accountability`` (追责问责) with ``accountability_case`` and ``accountability_complaint``.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("annual_assessment") as batch:
        batch.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="decided"))
        batch.add_column(sa.Column("inputs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("gathered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("proposed_grade", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("proposal_reasons", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("proposed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.alter_column("grade", existing_type=sa.String(length=10), nullable=True)
        batch.create_foreign_key("fk_annual_assessment_decided_by_id", "ab_user", ["decided_by_id"], ["id"])
    # rows entered before the workflow were decisions
    op.execute("UPDATE annual_assessment SET decided_at = created_at WHERE status = 'decided'")

    op.create_table(
        "assessment_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=True),
        sa.Column("satisfied", sa.Integer(), nullable=True),
        sa.Column("household", sa.String(length=60), nullable=True),
        sa.Column("person", sa.String(length=60), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["annual_assessment.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assessment_evidence_assessment_id", "assessment_evidence", ["assessment_id"])
    op.create_index("ix_assessment_evidence_village_id", "assessment_evidence", ["village_id"])

    op.create_table(
        "accountability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accountability_village_id", "accountability", ["village_id"])
    op.create_index("ix_accountability_agent_id", "accountability", ["agent_id"])
    op.create_index("ix_accountability_user_id", "accountability", ["user_id"])
    op.create_table(
        "accountability_case",
        sa.Column("accountability_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["accountability_id"], ["accountability.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["service_case.id"]),
        sa.PrimaryKeyConstraint("accountability_id", "case_id"),
    )
    op.create_index("ix_accountability_case_case_id", "accountability_case", ["case_id"])
    op.create_table(
        "accountability_complaint",
        sa.Column("accountability_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["accountability_id"], ["accountability.id"]),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("accountability_id", "complaint_id"),
    )
    op.create_index("ix_accountability_complaint_complaint_id", "accountability_complaint", ["complaint_id"])


def downgrade():
    op.drop_index("ix_accountability_complaint_complaint_id", table_name="accountability_complaint")
    op.drop_table("accountability_complaint")
    op.drop_index("ix_accountability_case_case_id", table_name="accountability_case")
    op.drop_table("accountability_case")
    op.drop_index("ix_accountability_user_id", table_name="accountability")
    op.drop_index("ix_accountability_agent_id", table_name="accountability")
    op.drop_index("ix_accountability_village_id", table_name="accountability")
    op.drop_table("accountability")
    op.drop_index("ix_assessment_evidence_village_id", table_name="assessment_evidence")
    op.drop_index("ix_assessment_evidence_assessment_id", table_name="assessment_evidence")
    op.drop_table("assessment_evidence")
    # an undecided assessment has no grade to keep under the old schema: it is dropped
    op.execute("DELETE FROM annual_assessment WHERE grade IS NULL")
    with op.batch_alter_table("annual_assessment") as batch:
        batch.drop_constraint("fk_annual_assessment_decided_by_id", type_="foreignkey")
        batch.alter_column("grade", existing_type=sa.String(length=10), nullable=False)
        for name in (
            "version",
            "decided_at",
            "decided_by_id",
            "decided_by",
            "decision_reason",
            "proposed_at",
            "proposal_reasons",
            "proposed_grade",
            "gathered_at",
            "inputs",
            "status",
        ):
            batch.drop_column(name)
