"""群众反映/举报 from the public page (网上反映): a complaint's source, the hash of the villager's
query code, the challenge it answered (one report per challenge) and a keyed hash of the
submitting address.

Existing complaints were all registered by township staff: source = 'staff'.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("source", sa.String(length=10), nullable=False, server_default="staff"))
        batch.add_column(sa.Column("query_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("public_ticket", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("submitter_digest", sa.String(length=64), nullable=True))
        batch.create_index("uq_complaint_query_digest", ["query_digest"], unique=True)
        batch.create_index("uq_complaint_public_ticket", ["public_ticket"], unique=True)
        batch.create_index("ix_complaint_submitter_received", ["submitter_digest", "received_on"])


def downgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.drop_index("ix_complaint_submitter_received")
        batch.drop_index("uq_complaint_public_ticket")
        batch.drop_index("uq_complaint_query_digest")
        batch.drop_column("submitter_digest")
        batch.drop_column("public_ticket")
        batch.drop_column("query_digest")
        batch.drop_column("source")
