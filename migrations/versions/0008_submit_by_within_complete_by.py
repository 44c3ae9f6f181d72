"""报送期限 never after 办结期限 (issue 12 §4): cases stored before the rule

An item promised in fewer working days than the 3 allowed for 报送 got a submit-by later than
its complete-by (SP2026-0017: 应报送 09-04, 应办结 09-02). New cases get the earlier of the two
(``policy.case_flow.submit_within_completion``); this brings the stored ones in line. Data only:
no schema change, and nothing to undo (the old, later date was never the binding one: before
报送 ``current_due`` already measured such cases against the earlier date).

Revision ID: 0008
Revises: 0001
"""

from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE service_case SET submit_by = complete_by "
        "WHERE kind = 'proxy' AND submit_by IS NOT NULL AND complete_by IS NOT NULL AND complete_by < submit_by"
    )


def downgrade():
    pass
