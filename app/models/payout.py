"""《建宁乡各村便民代办补助发放表》 per quarter (policy §二(四)1,3, SPEC §9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, Money, Timestamped, TownshipScoped, VillageScoped, utcnow, village_township
from .township import Township, fill_township
from .village import Village


class PayoutSheet(Timestamped, TownshipScoped, Model):
    """One sheet per township and quarter (issue 15 §1): it covers that township's villages."""

    __tablename__ = "payout_sheet"
    __audited__ = True
    __table_args__ = (UniqueConstraint("township_id", "year", "quarter", name="uq_payout_sheet_township_quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), nullable=False, index=True)
    township: Mapped[Township] = relationship(Township, lazy="joined")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    quarter: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    computed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    changes_since_last: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    prepared_by: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[PayoutLine]] = relationship("PayoutLine", back_populates="sheet", order_by="PayoutLine.seq")
    actions: Mapped[list[PayoutAction]] = relationship(
        "PayoutAction", back_populates="sheet", order_by="PayoutAction.at"
    )

    def __repr__(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


class PayoutLine(VillageScoped, Model):
    __tablename__ = "payout_line"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("payout_sheet.id"), nullable=False, index=True)
    sheet: Mapped[PayoutSheet] = relationship(PayoutSheet, back_populates="lines")
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    village: Mapped[Village] = relationship(Village, lazy="joined")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"))
    agent_name: Mapped[str] = mapped_column(String(30), nullable=False)
    gross: Mapped[Decimal] = mapped_column(Money, nullable=False)
    d1: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    d2: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    d3: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    d4: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    d5: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    deductions_total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    net_township: Mapped[Decimal] = mapped_column(Money, nullable=False)
    village_supplement: Mapped[Decimal] = mapped_column(Money, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # per-month working
    remarks: Mapped[str | None] = mapped_column(String(200))


class PayoutAction(Model):
    """计算 / 审核 / 发放 / 退回重算 — each a recorded action."""

    __tablename__ = "payout_action"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("payout_sheet.id"), nullable=False, index=True)
    sheet: Mapped[PayoutSheet] = relationship(PayoutSheet, back_populates="actions")
    action: Mapped[str] = mapped_column(String(12), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_name: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def _sheets(cls, clause):
        from sqlalchemy import select

        table = Model.metadata.tables["payout_sheet"]
        return cls.sheet_id.in_(select(table.c.id).where(clause(table.c.township_id)))

    @classmethod
    def township_scope_clause(cls, township_id: int):
        return cls._sheets(lambda col: col == township_id)

    @classmethod
    def scope_clause(cls, village_id: int):
        return cls._sheets(lambda col: col.in_(village_township(village_id)))

    def scope_township_id(self) -> int | None:
        return self.sheet.township_id if self.sheet is not None else None


event.listen(PayoutSheet, "before_insert", fill_township)
