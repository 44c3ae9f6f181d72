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
  for the monthly report's table and the category charts;
- :class:`TownshipMonthStats` / :class:`TownshipMonthCategoryStats` — the same rows summed over
  a township's villages, for the township and county screens (the twelve-month trend, the
  category chart, the township's totals): a row a month, whatever the number of villages. The
  service keeps them by adding each recomputation's difference (new rows minus old).

作废 cases are never counted.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from .base import Model, Money, TownshipScoped, VillageScoped

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


class CaseCounts:
    """The columns of :data:`CASE_COUNTS` (every table of the aggregate has them)."""

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


class MonthFigures(CaseCounts):
    """A month row's columns: the case counts and the month-only figures."""

    late_entry: Mapped[int] = _count()  # 未当日登记 (第五条（一）2), by the working-day calendar
    paid_count: Mapped[int] = _count()  # 代缴 (第四条9): cases with money paid on
    paid_received: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    paid_paid: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    signin_days: Mapped[int] = _count()  # working days with a sign-in
    signin_late_days: Mapped[int] = _count()  # of those, days signed late


class VillageMonthStats(MonthFigures, VillageScoped, Model):
    __tablename__ = "village_month_stats"
    __table_args__ = (
        UniqueConstraint("village_id", "year", "month", name="uq_village_month_stats"),
        Index("ix_village_month_stats_month", "year", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"{self.village_id}:{self.year}-{self.month:02d}"


class VillageMonthCategoryStats(CaseCounts, VillageScoped, Model):
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


#: ``TownshipMonthCategoryStats.category_key`` of the cases without a service category (未分类):
#: a key, not NULL, so that a row is unique per township, month and category (the upsert's target).
NO_CATEGORY = 0


class _TownshipSums(TownshipScoped):
    """A township's sums: township users read their own township's rows, the county every
    township's; a village user none (a village's figures are its own rows, never the township's)."""

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return false()


class TownshipMonthStats(MonthFigures, _TownshipSums, Model):
    """:class:`VillageMonthStats` summed over the township's villages (every village, active or
    not: the screens that count active villages only subtract the inactive ones' rows)."""

    __tablename__ = "township_month_stats"
    __table_args__ = (UniqueConstraint("township_id", "year", "month", name="uq_township_month_stats"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"T{self.township_id}:{self.year}-{self.month:02d}"


class TownshipMonthCategoryStats(CaseCounts, _TownshipSums, Model):
    """:class:`VillageMonthCategoryStats` summed over the township's villages."""

    __tablename__ = "township_month_category_stats"
    __table_args__ = (
        UniqueConstraint("township_id", "year", "month", "category_key", name="uq_township_month_category_stats"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    category_key: Mapped[int] = mapped_column(Integer, nullable=False)  # the category's id; NO_CATEGORY: 未分类
