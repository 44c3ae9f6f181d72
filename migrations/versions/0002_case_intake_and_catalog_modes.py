"""cases: 当日受理 (registered_at, backdate_reason), 代缴 money; catalog: mode, verification,
applicant fields, 代缴 flag, seed ownership

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:40:00

- service_case.registered_at: when the case was entered, township time (Asia/Shanghai, naive).
  Backfilled from created_at (UTC) + 8 hours — Asia/Shanghai has had no daylight saving time
  since 1991, so the offset is fixed for every stored row.
- service_case.backdate_reason, payment_received, payment_paid, payment_voucher, payment_paid_on.
- service_item.mode (立即办/承诺办/报送办; existing rows "promised" until `flask seed` sets the
  seed's modes), needs_verification, applicant_fields (["id_number"]: what was required before),
  pays_on_behalf, owner, seed_version. Items with a code of the catalog seed that were never
  edited after they were installed (updated_at within a minute of created_at) are owned by the
  seed (version 1, so the next `flask seed` brings them up to date); every other item is the
  township's and is never overwritten.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The codes the catalog seed (seeds/catalog.py) had installed at revision 0001.
SEED_CODES = frozenset({"0101", "0102", "0103", "0104", "0105", "0106", "0201", "0202", "0203", "0204", "0205", "0206", "0207", "0301", "0302", "0303", "0304", "0305", "0401", "0402", "0403", "0404", "0501", "0502", "0503", "0504", "0505", "0601", "0602", "0603", "0604", "0701", "0702", "0703", "0704", "0705", "0706", "0801", "0802", "0803", "0804", "0805", "0901", "0902", "0903", "0904", "1001", "1002", "1003", "1004"})


def upgrade():
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("backdate_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("payment_received", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("payment_paid", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("payment_voucher", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("payment_paid_on", sa.Date(), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE service_case SET registered_at = created_at + interval '8 hours'")
    else:
        op.execute("UPDATE service_case SET registered_at = datetime(created_at, '+8 hours')")

    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.alter_column("registered_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index("ix_case_village_registered", ["village_id", "registered_at"], unique=False)

    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=10), nullable=False, server_default="promised"))
        batch_op.add_column(sa.Column("needs_verification", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("applicant_fields", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pays_on_behalf", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("owner", sa.String(length=10), nullable=False, server_default="township"))
        batch_op.add_column(sa.Column("seed_version", sa.Integer(), nullable=True))

    item = sa.table(
        "service_item",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
        sa.column("applicant_fields", sa.JSON),
        sa.column("owner", sa.String),
        sa.column("seed_version", sa.Integer),
    )
    rows = bind.execute(sa.select(item.c.id, item.c.code, item.c.created_at, item.c.updated_at)).all()
    for row in rows:
        untouched = (
            row.created_at is not None
            and row.updated_at is not None
            and abs(row.updated_at - row.created_at) <= dt.timedelta(minutes=1)
        )
        seed_owned = row.code in SEED_CODES and untouched
        bind.execute(
            item.update()
            .where(item.c.id == row.id)
            .values(
                applicant_fields=["id_number"],
                owner="seed" if seed_owned else "township",
                seed_version=1 if seed_owned else None,
            )
        )
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.alter_column("applicant_fields", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("service_item", schema=None) as batch_op:
        batch_op.drop_column("seed_version")
        batch_op.drop_column("owner")
        batch_op.drop_column("pays_on_behalf")
        batch_op.drop_column("applicant_fields")
        batch_op.drop_column("needs_verification")
        batch_op.drop_column("mode")
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_village_registered")
        batch_op.drop_column("payment_paid_on")
        batch_op.drop_column("payment_voucher")
        batch_op.drop_column("payment_paid")
        batch_op.drop_column("payment_received")
        batch_op.drop_column("backdate_reason")
        batch_op.drop_column("registered_at")
