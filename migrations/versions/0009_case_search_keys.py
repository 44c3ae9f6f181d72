"""Case search by index (issue 11): a normalized name key, case numbers in code-point order

1. ``service_case.applicant_name_key``: the applicant's name as searched (NFKC, without
   spaces, case-folded — ``app/policy/search_keys.name_key``), kept by the model from then on.
   Backfilled in batches of ``BATCH`` rows by id: one range UPDATE copies the name (the key of
   almost every name is the name itself), then only the rows whose key differs are updated
   one by one — a 1M-row table takes seconds, not a million statements.
2. ``ix_case_applicant_name_key (applicant_name_key, received_at, id)``: “name starts with” is
   a range over it, covering the list's order and the rows' ids (COUNT and pages read only
   the index).
3. ``ix_case_status_received (status, received_at, id)``: a list by status (办结 is most of
   the rows) in the ledger's order without sorting every row of that status.
4. PostgreSQL only: the key and ``case_number`` compare in code-point order (``COLLATE "C"``,
   as SQLite's BINARY does), so a prefix range can use their b-tree indexes whatever the
   database's collation; ``pg_trgm`` (in ``public``) and a GIN trigram index on the key for
   “name contains”. On SQLite ``ix_case_applicant_name_trgm`` is an empty partial index
   (``WHERE 0``) — the same schema on both engines, nothing to maintain.

Revision ID: 0009
Revises: 0008
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 20_000
KEY_LENGTH = 64
TRGM_SCHEMA = "public"

# ``policy.search_keys.name_key`` as of this revision (a migration does not import the app;
# tests/integration/test_case_search.py checks that the two agree).
_DOTS = dict.fromkeys(map(ord, "•‧・･∙⋅"), "·")
_DROPPED = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def _name_key(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in _DROPPED)
    return unicodedata.normalize("NFKC", text.translate(_DOTS).casefold())[:KEY_LENGTH]


def _code_point(length: int, postgresql: bool) -> sa.String:
    return sa.String(length, collation="C") if postgresql else sa.String(length)


def _backfill(bind) -> None:
    table = sa.table("service_case", sa.column("id"), sa.column("applicant_name"), sa.column("applicant_name_key"))
    copy = table.update().where(table.c.id.between(sa.bindparam("lo"), sa.bindparam("hi")))
    copy = copy.values(applicant_name_key=table.c.applicant_name)
    fix = table.update().where(table.c.id == sa.bindparam("pk")).values(applicant_name_key=sa.bindparam("key"))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.applicant_name).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(copy, {"lo": rows[0][0], "hi": rows[-1][0]})
        last = rows[-1][0]
        odd = [{"pk": pk, "key": key} for pk, name in rows if (key := _name_key(name)) != name]
        if odd:
            bind.execute(fix, odd)


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.add_column("service_case", sa.Column("applicant_name_key", _code_point(KEY_LENGTH, postgresql), nullable=True))
    if postgresql:
        op.alter_column(
            "service_case",
            "case_number",
            type_=sa.String(20, collation="C"),
            existing_type=sa.String(20),
            existing_nullable=False,
        )
    _backfill(bind)
    op.create_index("ix_case_applicant_name_key", "service_case", ["applicant_name_key", "received_at", "id"])
    op.create_index("ix_case_status_received", "service_case", ["status", "received_at", "id"])
    if postgresql:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {TRGM_SCHEMA}")
        op.create_index(
            "ix_case_applicant_name_trgm",
            "service_case",
            ["applicant_name_key"],
            postgresql_using="gin",
            postgresql_ops={"applicant_name_key": f"{TRGM_SCHEMA}.gin_trgm_ops"},
        )
    else:
        op.create_index(
            "ix_case_applicant_name_trgm", "service_case", ["applicant_name_key"], sqlite_where=sa.text("0")
        )
    if postgresql:
        # the backfilled key has no statistics yet: without them the planner walks the
        # received_at index for a name prefix (seconds at 1M rows) instead of the key's index
        op.execute("ANALYZE service_case")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_case_applicant_name_trgm", table_name="service_case")
    op.drop_index("ix_case_status_received", table_name="service_case")
    op.drop_index("ix_case_applicant_name_key", table_name="service_case")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_column("applicant_name_key")
    if postgresql:
        op.alter_column(
            "service_case",
            "case_number",
            type_=sa.String(20),
            existing_type=sa.String(20, collation="C"),
            existing_nullable=False,
        )
