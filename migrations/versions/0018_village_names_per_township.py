"""Village names unique per township (issue 15 §1)

Two townships of a county may each have a “新村”: the unique key on ``village.name`` becomes
(township_id, name). Village codes stay unique county-wide (they prefix the case numbers).

The downgrade restores the county-wide key and refuses when two villages share a name (the key
could not be created).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

NEW_KEY = "uq_village_township_name"
OLD_KEY = "uq_village_name"  # the unnamed key of 0001 as SQLite's batch mode names it (NAMING)
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _drop_name_key(batch, bind) -> None:
    """The unique key on ``name`` alone: unnamed on SQLite (named by NAMING when reflected),
    ``village_name_key`` on PostgreSQL (found by its columns, whatever its name)."""
    if bind.dialect.name == "sqlite":
        batch.drop_constraint(OLD_KEY, type_="unique")
        return
    for uq in sa.inspect(bind).get_unique_constraints("village"):
        if uq["column_names"] == ["name"]:
            batch.drop_constraint(uq["name"], type_="unique")


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("village", naming_convention=NAMING) as batch:
        _drop_name_key(batch, bind)
        batch.create_unique_constraint(NEW_KEY, ["township_id", "name"])


def downgrade():
    bind = op.get_bind()
    shared = bind.execute(sa.text("SELECT name FROM village GROUP BY name HAVING count(*) > 1")).scalars().all()
    if shared:
        raise RuntimeError(f"villages of several townships share a name ({', '.join(shared)}): rename them first")
    with op.batch_alter_table("village", naming_convention=NAMING) as batch:
        batch.drop_constraint(NEW_KEY, type_="unique")
        # PostgreSQL's own name for the key of 0001, SQLite's as batch mode reflects it
        batch.create_unique_constraint("village_name_key" if bind.dialect.name == "postgresql" else OLD_KEY, ["name"])
