"""审计日志 (SPEC §12): who, when, what changed (old → new)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class AuditLog(Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_target", "table_name", "row_id"),
        Index("ix_audit_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # create/update/delete/denied
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[int | None] = mapped_column(Integer)
    village_id: Mapped[int | None] = mapped_column(Integer)
    # a row about no village (a payout sheet, a township's own record): its township, so another
    # township's staff never read it; NULL with no village = county-wide (calendar, training)
    township_id: Mapped[int | None] = mapped_column(Integer, index=True)
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # col → [old, new]
    summary: Mapped[str | None] = mapped_column(String(255))

    # For the audit-log view: one list column needs the row's table with its values.
    def target(self) -> tuple[str, int | None]:
        return (self.table_name, self.row_id)

    def change_set(self) -> tuple[str, str, dict]:
        return (self.table_name, self.action, self.changes or {})
