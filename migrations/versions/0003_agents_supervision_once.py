"""乡级 appointment decision date; supervision records never doubled

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

* ``agent.committee_decided_on`` — 乡级代办员: date of the 党委（扩大）会议 decision (§二(二)2).
* ``inspection.duplicate_of_id`` / ``complaint.duplicate_of_id`` and ``complaint.content_digest``
  (SHA-256 of the content, white space collapsed), and the unique indexes
  ``uq_inspection_event`` (village, inspected_at) and ``uq_complaint_event`` (village, received
  date, channel, content digest) — partial: ``WHERE duplicate_of_id IS NULL``.

Existing data (dedupe-safe, nothing deleted): before the indexes are created, a record that
doubles an earlier one (inspection: same village and the same minute; complaint: same village,
received date, channel and content) is marked ``duplicate_of_id = <the earliest record>`` and
so stays outside the unique index. Its active deductions (③/⑤ of an inspection, ① of a
complaint) are voided with the reason, unless that quarter's payout sheet is already approved or
paid — those are left untouched (the approved sheet is frozen) and reported. Every mark is
reported on the migration log (logger ``alembic``), so the township can review them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic")
WHERE = "duplicate_of_id IS NULL"


def _digest(content: str | None) -> str:
    return hashlib.sha256(" ".join((content or "").split()).encode("utf-8")).hexdigest()


def _minute(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = dt.datetime.fromisoformat(value)
    return value.replace(second=0, microsecond=0)


def _quarter_closed(conn, year: int, month: int) -> bool:
    status = conn.execute(
        sa.text("SELECT status FROM payout_sheet WHERE year = :y AND quarter = :q"),
        {"y": year, "q": (month - 1) // 3 + 1},
    ).scalar()
    return status in ("approved", "paid")


def _void_deductions(conn, source_types: tuple[str, ...], source_id: int, reason: str) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT id, year, month, code FROM deduction WHERE source_id = :sid AND state = 'active' "
            "AND source_type IN :types"
        ).bindparams(sa.bindparam("types", expanding=True)),
        {"sid": source_id, "types": list(source_types)},
    ).all()
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)
    for deduction_id, year, month, code in rows:
        if _quarter_closed(conn, year, month):
            log.warning(
                "0003: deduction %s (code %s, %s-%02d) of duplicate %s #%s kept: its quarter's payout sheet is "
                "approved or paid; reopen that sheet and correct the source to void it",
                deduction_id,
                code,
                year,
                month,
                source_types[0],
                source_id,
            )
            continue
        conn.execute(
            sa.text("UPDATE deduction SET state = 'void', voided_at = :now, void_reason = :reason WHERE id = :id"),
            {"now": now, "reason": reason[:200], "id": deduction_id},
        )
        log.warning(
            "0003: deduction %s (code %s) of duplicate %s #%s voided", deduction_id, code, source_types[0], source_id
        )


def _mark_duplicate_inspections(conn) -> None:
    first: dict[tuple, int] = {}
    rows = conn.execute(sa.text("SELECT id, village_id, inspected_at FROM inspection ORDER BY id")).all()
    for row_id, village_id, inspected_at in rows:
        key = (village_id, _minute(inspected_at))
        if key not in first:
            first[key] = row_id
            continue
        original = first[key]
        conn.execute(
            sa.text("UPDATE inspection SET duplicate_of_id = :o WHERE id = :id"), {"o": original, "id": row_id}
        )
        log.warning(
            "0003: inspection #%s doubles inspection #%s (same village and minute) — marked duplicate", row_id, original
        )
        _void_deductions(
            conn,
            ("inspection", "inspection_ledger"),
            row_id,
            f"重复录入的督查记录（与第{original}号为同一次检查），扣款撤销",
        )


def _mark_duplicate_complaints(conn) -> None:
    first: dict[tuple, int] = {}
    rows = conn.execute(
        sa.text("SELECT id, village_id, received_on, channel, content FROM complaint ORDER BY id")
    ).all()
    for row_id, village_id, received_on, channel, content in rows:
        digest = _digest(content)
        conn.execute(sa.text("UPDATE complaint SET content_digest = :d WHERE id = :id"), {"d": digest, "id": row_id})
        key = (village_id, str(received_on), channel, digest)
        if key not in first:
            first[key] = row_id
            continue
        original = first[key]
        conn.execute(sa.text("UPDATE complaint SET duplicate_of_id = :o WHERE id = :id"), {"o": original, "id": row_id})
        log.warning(
            "0003: complaint #%s doubles complaint #%s (same village, date, channel, content) — marked duplicate",
            row_id,
            original,
        )
        _void_deductions(conn, ("complaint",), row_id, f"重复录入的群众反映（与第{original}号为同一反映），扣款撤销")


def upgrade():
    with op.batch_alter_table("agent") as batch_op:
        batch_op.add_column(sa.Column("committee_decided_on", sa.Date(), nullable=True))

    with op.batch_alter_table("inspection") as batch_op:
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_inspection_duplicate_of_id", "inspection", ["duplicate_of_id"], ["id"])
    with op.batch_alter_table("complaint") as batch_op:
        batch_op.add_column(sa.Column("content_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_complaint_duplicate_of_id", "complaint", ["duplicate_of_id"], ["id"])

    conn = op.get_bind()
    _mark_duplicate_inspections(conn)
    _mark_duplicate_complaints(conn)

    with op.batch_alter_table("complaint") as batch_op:
        batch_op.alter_column("content_digest", existing_type=sa.String(length=64), nullable=False)

    op.create_index(
        "uq_inspection_event",
        "inspection",
        ["village_id", "inspected_at"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )
    op.create_index(
        "uq_complaint_event",
        "complaint",
        ["village_id", "received_on", "channel", "content_digest"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade():
    op.drop_index("uq_complaint_event", table_name="complaint")
    op.drop_index("uq_inspection_event", table_name="inspection")
    with op.batch_alter_table("complaint") as batch_op:
        batch_op.drop_constraint("fk_complaint_duplicate_of_id", type_="foreignkey")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("content_digest")
    with op.batch_alter_table("inspection") as batch_op:
        batch_op.drop_constraint("fk_inspection_duplicate_of_id", type_="foreignkey")
        batch_op.drop_column("duplicate_of_id")
    with op.batch_alter_table("agent") as batch_op:
        batch_op.drop_column("committee_decided_on")
