"""township: many townships in one deployment (issue 15 §1)

A ``township`` table above the villages. The existing single-township database moves into one
township: its name is the app's ``TOWNSHIP_NAME`` (config, else the environment, else 建宁乡),
its code ``TOWNSHIP_CODE`` (config/environment, default ``JN``); no settings of its own (NULL:
the config.py values stay in force).

- every village gets that township; then ``village.township_id`` becomes NOT NULL;
- the township-level accounts (乡便民中心, 乡纪检办 without a village) are linked to it; Admin
  stays county-wide (no township), village accounts keep their village;
- payout sheets get ``township_id`` (NOT NULL, filled) and the unique key becomes
  (township_id, year, quarter);
- notifications get ``township_id``: their village's township, or the one township for the
  township-wide rows (village NULL);
- service items get a nullable ``township_id``: NULL (all existing items) is the county catalog,
  a township's own additions carry it.

Nothing is deleted or changed otherwise. The downgrade refuses when more than one township
exists (it would merge payout sheets of different townships).

Revision ID: 0015
Revises: 0014
"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TOWNSHIP_ROLES = ("乡便民中心", "乡纪检办")
OLD_SHEET_KEY = "uq_payout_sheet_year_quarter"
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _setting(name: str, default: str) -> str:
    try:
        from flask import current_app

        value = current_app.config.get(name)
    except RuntimeError:  # alembic run without the app
        value = None
    return (value or os.environ.get(name) or default).strip()


def _drop_sheet_key(batch, bind) -> None:
    if bind.dialect.name == "sqlite":
        batch.drop_constraint(OLD_SHEET_KEY, type_="unique")  # named by NAMING when reflected
        return
    for uq in sa.inspect(bind).get_unique_constraints("payout_sheet"):
        if sorted(uq["column_names"]) == ["quarter", "year"]:
            batch.drop_constraint(uq["name"], type_="unique")


def upgrade():
    bind = op.get_bind()
    op.create_table(
        "township",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("annual_subsidy", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("deduction_amounts", sa.JSON(), nullable=True),
        sa.Column("supervision_phone", sa.String(length=20), nullable=True),
        sa.Column("summer_starts", sa.String(length=5), nullable=True),
        sa.Column("winter_starts", sa.String(length=5), nullable=True),
        sa.Column("summer_hours", sa.String(length=60), nullable=True),
        sa.Column("winter_hours", sa.String(length=60), nullable=True),
        sa.Column("public_base_path", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    now = bind.execute(sa.text("SELECT CURRENT_TIMESTAMP")).scalar()
    bind.execute(
        sa.text(
            "INSERT INTO township (id, name, code, version, created_at, updated_at) "
            "VALUES (1, :name, :code, 1, :now, :now)"
        ),
        {"name": _setting("TOWNSHIP_NAME", "建宁乡"), "code": _setting("TOWNSHIP_CODE", "JN").upper(), "now": now},
    )
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('township', 'id'), 1)"))

    # villages: into the one township, then NOT NULL
    with op.batch_alter_table("village") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE village SET township_id = 1"))
    with op.batch_alter_table("village") as batch:
        batch.alter_column("township_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_village_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_village_township_id", ["township_id"], unique=False)

    # accounts: township-level ones are linked to it
    with op.batch_alter_table("ab_user") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_ab_user_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_ab_user_township_id", ["township_id"], unique=False)
    bind.execute(
        sa.text(
            "UPDATE ab_user SET township_id = 1 WHERE village_id IS NULL AND id IN ("
            " SELECT ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id"
            " WHERE r.name IN (:t, :d))"
            " AND id NOT IN ("
            " SELECT ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id"
            " WHERE r.name IN ('Admin', '县政务服务中心'))"
        ),
        {"t": TOWNSHIP_ROLES[0], "d": TOWNSHIP_ROLES[1]},
    )

    # payout sheets: one per township and quarter
    with op.batch_alter_table("payout_sheet", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE payout_sheet SET township_id = 1"))
    with op.batch_alter_table("payout_sheet", naming_convention=NAMING) as batch:
        batch.alter_column("township_id", existing_type=sa.Integer(), nullable=False)
        _drop_sheet_key(batch, bind)
        batch.create_unique_constraint("uq_payout_sheet_township_quarter", ["township_id", "year", "quarter"])
        batch.create_foreign_key("fk_payout_sheet_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_payout_sheet_township_id", ["township_id"], unique=False)

    # notifications: the township of their village, or the one township (township-wide rows)
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_notification_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_notification_township_id", ["township_id"], unique=False)
    bind.execute(sa.text("UPDATE notification SET township_id = 1"))

    # agents: the township of their village; a 乡级代办员 (no village) the one township
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_agent_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_agent_township_id", ["township_id"], unique=False)
    bind.execute(sa.text("UPDATE agent SET township_id = 1"))

    # the audit log: rows about no village belonged to the one township
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_index("ix_audit_log_township_id", ["township_id"], unique=False)
    bind.execute(sa.text("UPDATE audit_log SET township_id = 1 WHERE village_id IS NULL"))

    # the catalog: every existing item is the county catalog (NULL); townships add their own
    with op.batch_alter_table("service_item") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_service_item_township_id", "township", ["township_id"], ["id"])
        batch.create_index("ix_service_item_township_id", ["township_id"], unique=False)


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM township")).scalar() > 1:
        raise RuntimeError("more than one township: a downgrade would merge their payout sheets")
    with op.batch_alter_table("service_item") as batch:
        batch.drop_index("ix_service_item_township_id")
        batch.drop_constraint("fk_service_item_township_id", type_="foreignkey")
        batch.drop_column("township_id")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_township_id")
        batch.drop_column("township_id")
    with op.batch_alter_table("agent") as batch:
        batch.drop_index("ix_agent_township_id")
        batch.drop_constraint("fk_agent_township_id", type_="foreignkey")
        batch.drop_column("township_id")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_township_id")
        batch.drop_constraint("fk_notification_township_id", type_="foreignkey")
        batch.drop_column("township_id")
    with op.batch_alter_table("payout_sheet") as batch:
        batch.drop_index("ix_payout_sheet_township_id")
        batch.drop_constraint("fk_payout_sheet_township_id", type_="foreignkey")
        batch.drop_constraint("uq_payout_sheet_township_quarter", type_="unique")
        batch.create_unique_constraint(OLD_SHEET_KEY, ["year", "quarter"])
        batch.drop_column("township_id")
    with op.batch_alter_table("ab_user") as batch:
        batch.drop_index("ix_ab_user_township_id")
        batch.drop_constraint("fk_ab_user_township_id", type_="foreignkey")
        batch.drop_column("township_id")
    with op.batch_alter_table("village") as batch:
        batch.drop_index("ix_village_township_id")
        batch.drop_constraint("fk_village_township_id", type_="foreignkey")
        batch.drop_column("township_id")
    op.drop_table("township")
