"""全县汇总 (issue 15 §1): one row per township for the county 政务服务中心.

Read from the monthly aggregate (``VillageMonthStats``, issue 11) and the ledgers, grouped by
township — a constant number of queries whatever the number of townships or villages. The
month and the quarter are inputs (``year``, ``month``; the quarter is the month's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from ..models import Agent, CaseRating, Deduction, MonthlyReport, Township, Village, VillageMonthStats
from ..models.village import SIX_ONES
from ..policy.deductions import STRIKE_CODES, strike_status
from ..policy.periods import month_label, quarter_label, quarter_months, quarter_of
from ..policy.ratings import GOOD_LEVELS, percent
from .common import session
from .settings import strike_threshold


@dataclass
class TownshipRow:
    id: int
    name: str
    code: str
    villages: int = 0
    cases_month: int = 0
    cases_quarter: int = 0
    completed: int = 0  # 代办 已办结 in the quarter
    on_time: int = 0
    received: int = 0  # in the quarter, for 当日受理率
    late_entry: int = 0
    rated: int = 0
    good: int = 0
    reports_submitted: int = 0
    deductions: Decimal = Decimal("0.00")
    strike_warn: int = 0  # agents at threshold - 1 (two of one kind)
    strike_dismiss: int = 0  # agents at the threshold (应予解聘)
    six_ones_met: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.completed)

    @property
    def same_day_rate(self) -> Decimal | None:
        return percent(self.received - self.late_entry, self.received)

    @property
    def good_rate(self) -> Decimal | None:
        return percent(self.good, self.rated) if self.rated else None

    @property
    def reports_missing(self) -> int:
        return max(0, self.villages - self.reports_submitted)


@dataclass
class CountyBoard:
    year: int
    month: int
    quarter: int
    month_text: str
    quarter_text: str
    rows: list[TownshipRow] = field(default_factory=list)


def county_board(year: int, month: int) -> CountyBoard:
    """The county dashboard of a month (and its quarter): eight grouped queries."""
    _, quarter = quarter_of(year, month)
    months = [m for _, m in quarter_months(year, quarter)]
    rows = {
        t.id: TownshipRow(t.id, t.name, t.code)
        for t in session().execute(select(Township).order_by(Township.code)).scalars()
    }
    six = and_(*(getattr(Village, attr).is_(True) for attr, _ in SIX_ONES))
    for tid, n, met in session().execute(
        select(Village.township_id, func.count(Village.id), func.sum(case((six, 1), else_=0)))
        .where(Village.active.is_(True))
        .group_by(Village.township_id)
    ):
        if tid in rows:
            rows[tid].villages, rows[tid].six_ones_met = n, int(met or 0)
    s = VillageMonthStats
    for tid, m_received, q_received, completed, on_time, late in session().execute(
        select(
            Village.township_id,
            func.sum(case((s.month == month, s.received), else_=0)),
            func.sum(s.received),
            func.sum(s.completed),
            func.sum(s.on_time),
            func.sum(s.late_entry),
        )
        .join(Village, Village.id == s.village_id)
        .where(s.year == year, s.month.in_(months))
        .group_by(Village.township_id)
    ):
        if tid in rows:
            r = rows[tid]
            r.cases_month, r.cases_quarter = int(m_received or 0), int(q_received or 0)
            r.completed, r.on_time, r.received, r.late_entry = (
                int(completed or 0),
                int(on_time or 0),
                int(q_received or 0),
                int(late or 0),
            )
    start = dt.datetime(year, min(months), 1)
    end = dt.datetime(year + 1, 1, 1) if max(months) == 12 else dt.datetime(year, max(months) + 1, 1)
    rated = session().execute(
        select(
            Village.township_id,
            func.count(CaseRating.id),
            func.sum(case((CaseRating.level.in_(GOOD_LEVELS), 1), else_=0)),
        )
        .join(Village, Village.id == CaseRating.village_id)
        .where(
            CaseRating.given_at >= start,
            CaseRating.given_at < end,
        )
        .group_by(Village.township_id)
    )
    for tid, n, good in rated:
        if tid in rows:
            rows[tid].rated, rows[tid].good = int(n or 0), int(good or 0)
    for tid, n in session().execute(
        select(Village.township_id, func.count(MonthlyReport.id))
        .join(Village, Village.id == MonthlyReport.village_id)
        .where(MonthlyReport.year == year, MonthlyReport.month == month, MonthlyReport.status == "submitted")
        .group_by(Village.township_id)
    ):
        if tid in rows:
            rows[tid].reports_submitted = int(n or 0)
    for tid, amount in session().execute(
        select(Village.township_id, func.sum(Deduction.amount))
        .join(Village, Village.id == Deduction.village_id)
        .where(Deduction.state == "active", Deduction.year == year, Deduction.month.in_(months))
        .group_by(Village.township_id)
    ):
        if tid in rows:
            rows[tid].deductions = Decimal(amount or 0).quantize(Decimal("0.01"))
    threshold = strike_threshold()
    per_agent: dict[tuple[int, int], dict[str, int]] = {}
    for tid, agent_id, code, n in session().execute(
        select(Village.township_id, Deduction.agent_id, Deduction.code, func.count(Deduction.id))
        .join(Agent, Agent.id == Deduction.agent_id)
        .join(Village, Village.id == Deduction.village_id)
        .where(
            Agent.status != "dismissed",
            Deduction.state == "active",
            Deduction.code.in_([c.value for c in STRIKE_CODES]),
            (Agent.hired_on.is_(None)) | (Deduction.occurred_on >= Agent.hired_on),
        )
        .group_by(Village.township_id, Deduction.agent_id, Deduction.code)
    ):
        per_agent.setdefault((tid, agent_id), {})[code] = int(n)
    for (tid, _agent), counts in per_agent.items():
        status = strike_status(counts, threshold)
        if tid not in rows:
            continue
        if status.should_dismiss:
            rows[tid].strike_dismiss += 1
        elif status.warnings:
            rows[tid].strike_warn += 1
    return CountyBoard(
        year, month, quarter, month_label(year, month), quarter_label(year, quarter), list(rows.values())
    )
