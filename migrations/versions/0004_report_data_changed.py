"""monthly report: 数据有变动 (a case registered after the report was locked)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("monthly_report") as batch_op:
        batch_op.add_column(sa.Column("data_changed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("monthly_report") as batch_op:
        batch_op.drop_column("data_changed_at")
