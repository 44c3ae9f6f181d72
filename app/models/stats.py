"""月度统计 — the maintained monthly aggregate of a village's cases and sign-ins (issue 11).

One home for the figures of closed months: ``app/services/stats.py`` recomputes these rows
from the cases and sign-ins in the same transaction as any change to them (a session hook),
and ``flask stats rebuild`` rebuilds them. Nobody edits them by hand.

Only counts that do not depend on "today" are stored. Whether an open case is overdue *now*
does (its deadline passes while it lies), so the screens add the still-open cases past their
deadline live (few rows: ``services/dashboard.py``).

- :class:`VillageMonthStats` — per village and calendar month of ``received_at`` (sign-ins:
  of ``day``): the month's totals, 未当日登记, 代缴 money, sign-in days;
- :class:`VillageMonthCategoryStats` — the same case counts per service category (第四条),
  for the monthly report's table and the category charts.

作废 cases are never counted.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, Money, VillageScoped

#: The case counts both tables keep (one column each), in this order.
CASE_COUNTS = (
    "received",  # not voided
    "consult",  # kind 咨询
    "proxy",  # kind 代办
    "open",  # still open (any kind)
    "closed_late",  # closed after the deadline (any kind): the fixed part of 超期
    "overdue_month_end",  # 超期 as of the month's last day (the monthly report's column)
    "completed",  # 代办 已办结
    "on_time",  # 代办 已办结, not late
    "rejected",  # 代办 不予受理/退回
    "submitted",  # 代办 已报送 or 已办结
)
#: The month-only figures of :class:`VillageMonthStats`.
MONTH_COUNTS = ("late_entry", "paid_count", "signin_days", "signin_late_days")
MONTH_AMOUNTS = ("paid_received", "paid_paid")


def _count() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, default=0)


class VillageMonthStats(VillageScoped, Model):
    __tablename__ = "village_month_stats"
    __table_args__ = (
        UniqueConstraint("village_id", "year", "month", name="uq_village_month_stats"),
        Index("ix_village_month_stats_month", "year", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)

    received: Mapped[int] = _count()
    consult: Mapped[int] = _count()
    proxy: Mapped[int] = _count()
    open: Mapped[int] = _count()
    closed_late: Mapped[int] = _count()
    overdue_month_end: Mapped[int] = _count()
    completed: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    rejected: Mapped[int] = _count()
    submitted: Mapped[int] = _count()
    late_entry: Mapped[int] = _count()  # 未当日登记 (第五条（一）2), by the working-day calendar
    paid_count: Mapped[int] = _count()  # 代缴 (第四条9): cases with money paid on
    paid_received: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    paid_paid: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    signin_days: Mapped[int] = _count()  # working days with a sign-in
    signin_late_days: Mapped[int] = _count()  # of those, days signed late

    def __repr__(self) -> str:
        return f"{self.village_id}:{self.year}-{self.month:02d}"


class VillageMonthCategoryStats(VillageScoped, Model):
    __tablename__ = "village_month_category_stats"
    __table_args__ = (
        Index("ix_village_month_category_stats", "village_id", "year", "month"),
        Index("ix_village_month_category_stats_month", "year", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    category_id: Mapped[int | None] = mapped_column(Integer)  # None: 未分类 (no FK: a count, not a link)

    received: Mapped[int] = _count()
    consult: Mapped[int] = _count()
    proxy: Mapped[int] = _count()
    open: Mapped[int] = _count()
    closed_late: Mapped[int] = _count()
    overdue_month_end: Mapped[int] = _count()
    completed: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    rejected: Mapped[int] = _count()
    submitted: Mapped[int] = _count()
