"""village_month_stats, village_month_category_stats: the maintained monthly aggregate (issue 11)

Two tables of counts per village and calendar month (and per service category), then filled
from the existing cases and sign-ins. The fill is the application's own recomputation
(``app.services.stats.rebuild_connection``, read through this migration's connection), so the
figures are exactly those the running system keeps; ``flask stats rebuild`` does the same later.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CASE_COUNTS = (
    "received",
    "consult",
    "proxy",
    "open",
    "closed_late",
    "overdue_month_end",
    "completed",
    "on_time",
    "rejected",
    "submitted",
)


def _counts(names):
    return [sa.Column(n, sa.Integer(), nullable=False) for n in names]


def upgrade():
    op.create_table(
        "village_month_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        *_counts(CASE_COUNTS),
        *_counts(("late_entry", "paid_count")),
        sa.Column("paid_received", sa.Numeric(12, 2), nullable=False),
        sa.Column("paid_paid", sa.Numeric(12, 2), nullable=False),
        *_counts(("signin_days", "signin_late_days")),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("village_id", "year", "month", name="uq_village_month_stats"),
    )
    op.create_index("ix_village_month_stats_month", "village_month_stats", ["year", "month"])
    op.create_table(
        "village_month_category_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        *_counts(CASE_COUNTS),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_village_month_category_stats", "village_month_category_stats", ["village_id", "year", "month"])
    op.create_index("ix_village_month_category_stats_month", "village_month_category_stats", ["year", "month"])

    _fill(op.get_bind())


def _fill(conn) -> None:
    """Fill the aggregate with the application's recomputation — when the application's
    tables are still the ones this revision created. The application code is today's; once a
    later revision changes these tables (or what the fill reads), today's code cannot write at
    this revision, so the fill is left to that later revision, which must rebuild at its end
    (``rebuild_connection``; CONVENTIONS.md "Schema"). ``flask stats rebuild`` does the same by hand."""
    from app.models.stats import VillageMonthCategoryStats, VillageMonthStats
    from app.services.stats import rebuild_connection

    found = sa.inspect(conn)
    if not found.has_table("township_month_stats"):
        return  # today's rebuild also sums the townships (revision 0024 fills both)
    for model in (VillageMonthStats, VillageMonthCategoryStats):
        table = model.__table__
        have = {c["name"] for c in found.get_columns(table.name)}
        if have != set(table.c.keys()):
            return
    rebuild_connection(conn)


def downgrade():
    op.drop_index("ix_village_month_category_stats_month", table_name="village_month_category_stats")
    op.drop_index("ix_village_month_category_stats", table_name="village_month_category_stats")
    op.drop_table("village_month_category_stats")
    op.drop_index("ix_village_month_stats_month", table_name="village_month_stats")
    op.drop_table("village_month_stats")
