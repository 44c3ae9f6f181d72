"""“Name contains” a two-character part finds it through an index on PostgreSQL (issue 11)

A Chinese given name is two characters (“建国”): it has no trigram, so the pg_trgm index of
0009/0017 cannot answer “contains 建国”, and PostgreSQL read all 1M keys (count and page
~165 ms of SQL at 1M cases). This adds, on PostgreSQL only:

1. ``bm_name_bigrams(text) → text[]``: the distinct two-character pieces of a text, an
   IMMUTABLE SQL function (``models.search.BIGRAMS_DDL``) in the schema of the tables;
2. ``ix_case_applicant_name_bigrams``: a GIN index on ``bm_name_bigrams(applicant_name_key)``.

“contains” adds ``bm_name_bigrams(key) @> bm_name_bigrams('建国')`` beside its ``LIKE`` (which
still decides): the index narrows a million keys to the few hundred holding every piece.
SQLite gets neither (it scans, as before). Down: both dropped.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# ``models.search.BIGRAMS_DDL`` as of this revision
BIGRAMS_DDL = """CREATE OR REPLACE FUNCTION bm_name_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
      FROM generate_series(1, char_length(t) - 1) AS i $$"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(BIGRAMS_DDL)
    op.execute(
        "CREATE INDEX ix_case_applicant_name_bigrams ON service_case USING gin (bm_name_bigrams(applicant_name_key))"
    )
    op.execute("ANALYZE service_case")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_case_applicant_name_bigrams")
    op.execute("DROP FUNCTION IF EXISTS bm_name_bigrams(text)")
