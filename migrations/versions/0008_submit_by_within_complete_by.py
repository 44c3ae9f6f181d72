"""报送期限 never after 办结期限; 制表人/审核人/报送人 are 姓名 (issue 12 §4) — data only

1. Cases stored before the rule:

An item promised in fewer working days than the 3 allowed for 报送 got a submit-by later than
its complete-by (SP2026-0017: 应报送 09-04, 应办结 09-02). New cases get the earlier of the two
(``policy.case_flow.submit_within_completion``); this brings the stored ones in line. Data only:
no schema change, and nothing to undo (the old, later date was never the binding one: before
报送 ``current_due`` already measured such cases against the earlier date).

2. 制表人 / 审核人 / 报送人 stored as a login or a command ("flask demo", "system", "zhongxin"):
a login becomes that user's 姓名 (first_name); a command name becomes blank (signed by hand) —
on open records only. An approved/paid payout sheet and a submitted monthly report are frozen
(SPEC §8, §9): they keep what they recorded, and the upgrade test
(tests/integration/test_migrations_data.py) proves they come through byte for byte.

Revision ID: 0008
Revises: 0006
"""

from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


# (table, column, the condition of a row that may still change)
PEOPLE = (
    ("payout_sheet", "prepared_by", "status = 'draft'"),
    ("payout_sheet", "approved_by", "status = 'draft'"),
    ("monthly_report", "submitted_by", "status <> 'submitted'"),
)


def upgrade():
    op.execute(
        "UPDATE service_case SET submit_by = complete_by "
        "WHERE kind = 'proxy' AND submit_by IS NOT NULL AND complete_by IS NOT NULL AND complete_by < submit_by"
    )
    for table, column, still_open in PEOPLE:
        op.execute(
            f"UPDATE {table} SET {column} = (SELECT NULLIF(TRIM(u.first_name), '') FROM ab_user u "
            f"WHERE u.username = {table}.{column}) "
            f"WHERE {column} IN (SELECT username FROM ab_user) AND {still_open}"
        )
        op.execute(
            f"UPDATE {table} SET {column} = NULL WHERE ({column} LIKE 'flask %' OR {column} = 'system') AND {still_open}"
        )


def downgrade():
    pass
