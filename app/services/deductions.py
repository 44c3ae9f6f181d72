"""扣款 ①–⑤ and the three-strikes rule (政策第二条（四）2, SPEC §7).

Deductions are never entered by hand. Each source event keeps exactly one Deduction row per
code, found by ``(source_type, source_id, code)`` and reconciled by :func:`sync_deduction`
whenever the source is saved:

==================  ======  =====================================================
source_type         code    source
==================  ======  =====================================================
complaint           ①       Complaint verified true (不受理代办事项)
attendance          ②       TrainingAttendance marked 无故缺席
inspection          ③       Inspection that found the agent 不在岗
report              ④       MonthlyReport not submitted by the month's end
inspection_ledger   ⑤       Inspection that found the ledger incomplete
case_review         ⑤       township review of a case: 台账填写不完整
==================  ======  =====================================================

A corrected source voids its row (``state = "void"``, reason and time kept); a source that
turns true again re-activates the same row. Both are refused once the quarter of the
deduction's month is closed (its PayoutSheet approved or paid) — the approved sheet is
frozen and must be reopened first. The caller owns the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from ..models import Agent, AnnualAssessment, Deduction, PayoutSheet, Township, Village
from ..policy.deductions import (
    STRIKE_CODES,
    DeductionCode,
    StrikeStatus,
    apply_monthly_cap,
    deduction_amount,
    strike_status,
)
from ..policy.money import days_served, monthly_shares, prorate
from ..policy.periods import month_bounds, quarter_of
from ..policy.supervision import FAILING_GRADE, deduction_month
from .calendar import now_local
from .common import session
from .errors import Conflict
from .settings import annual_subsidy, deduction_amounts, strike_threshold

SOURCE_TYPES = {
    "complaint": _l("群众反映/举报"),
    "attendance": _l("培训会议出勤"),
    "inspection": _l("督查检查"),
    "report": _l("月汇总表报送"),
    "inspection_ledger": _l("督查检查（台账）"),
    "case_review": _l("受理登记审核"),
}
CLOSED_PAYOUT_STATUSES = ("approved", "paid")


# --- the quarter lock -------------------------------------------------------------------


def township_of(village_id: int | None = None, agent_id: int | None = None) -> Township | None:
    """The township of a deduction: its village's, else its agent's (a 乡级代办员); None unknown."""
    if village_id is not None:
        village = session().get(Village, village_id)
        return village.township if village is not None else None
    agent = session().get(Agent, agent_id) if agent_id is not None else None
    if agent is None:
        return None
    if agent.village_id is not None:
        return agent.village.township
    return session().get(Township, agent.township_id) if agent.township_id else None


def quarter_is_closed(year: int, month: int, *, village_id: int | None = None, agent_id: int | None = None) -> bool:
    """A quarter is closed once its 补助发放表 is approved (已审核) or paid (已发放): the sheet of
    the village's (or agent's) township; without either, any sheet the user may see (a township
    user sees their own township's only; county-wide, closed when one township's is)."""
    y, q = quarter_of(year, month)
    stmt = select(PayoutSheet.status).where(PayoutSheet.year == y, PayoutSheet.quarter == q)
    township = township_of(village_id, agent_id)
    if township is not None:
        stmt = stmt.where(PayoutSheet.township_id == township.id)
    return any(status in CLOSED_PAYOUT_STATUSES for status in session().execute(stmt).scalars())


def ensure_quarter_open(year: int, month: int, *, village_id: int | None = None, agent_id: int | None = None) -> None:
    if quarter_is_closed(year, month, village_id=village_id, agent_id=agent_id):
        y, q = quarter_of(year, month)
        raise Conflict(
            _l(
                "该扣款属于%(y)s年第%(q)s季度（%(y)s年%(m)s月），该季度补助发放表已审核或已发放，扣款已冻结，不能再更正；"
                "如确需更正，请由乡便民服务中心先重新打开该季度发放表",
                y=y,
                q=q,
                m=month,
            )
        )


# --- reconciling one source event ---------------------------------------------------------


def find_deduction(source_type: str, source_id: int, code: str) -> Deduction | None:
    return (
        session()
        .execute(
            select(Deduction)
            .where(Deduction.source_type == source_type, Deduction.source_id == source_id, Deduction.code == code)
            .order_by(Deduction.id)
        )
        .scalars()
        .first()
    )


def sync_deduction(
    *,
    source_type: str,
    source_id: int,
    code: str,
    active: bool,
    agent_id: int | None = None,
    village_id: int | None = None,
    occurred_on: dt.date | None = None,
    description: str | None = None,
    void_reason: str | None = None,
) -> Deduction | None:
    """Make the deduction of one source event exist (``active``) or not, without committing.

    The month is the month of ``occurred_on``; the amount comes from the settings when the
    deduction is created or re-activated (an existing deduction keeps its amount).
    """
    code = DeductionCode.coerce(code).value
    row = find_deduction(source_type, source_id, code)
    if not active:
        if row is not None and row.state == "active":
            ensure_quarter_open(row.year, row.month, village_id=row.village_id, agent_id=row.agent_id)
            row.state = "void"
            row.voided_at = now_local()
            row.void_reason = (void_reason or str(_l("来源记录已更正")))[:200]
            session().flush()
        return row

    assert agent_id is not None and village_id is not None and occurred_on is not None
    year, month = deduction_month(occurred_on)
    description = (description or "")[:200] or None
    where = {"village_id": village_id, "agent_id": agent_id}
    if row is None:
        ensure_quarter_open(year, month, **where)
        row = Deduction(
            code=code,
            agent_id=agent_id,
            village_id=village_id,
            year=year,
            month=month,
            occurred_on=occurred_on,
            amount=deduction_amount(code, deduction_amounts(township_of(**where))),
            source_type=source_type,
            source_id=source_id,
            description=description,
            state="active",
        )
        session().add(row)
        session().flush()
        return row

    moved = (row.agent_id, row.village_id, row.occurred_on) != (agent_id, village_id, occurred_on)
    before = {"village_id": row.village_id, "agent_id": row.agent_id}
    if row.state == "void":
        ensure_quarter_open(year, month, **where)
        row.state = "active"
        row.voided_at = None
        row.void_reason = None
        row.amount = deduction_amount(code, deduction_amounts(township_of(**where)))
    elif moved:
        ensure_quarter_open(row.year, row.month, **before)
        ensure_quarter_open(year, month, **where)
    elif row.description != description and quarter_is_closed(row.year, row.month, **before):
        return row  # a frozen deduction keeps its wording
    if moved or row.state != "active" or row.description != description:
        row.agent_id, row.village_id, row.occurred_on = agent_id, village_id, occurred_on
        row.year, row.month = year, month
        row.description = description
    session().flush()
    return row


def deductions_of_source(source_type: str | Iterable[str], source_id: int) -> list[Deduction]:
    types = [source_type] if isinstance(source_type, str) else list(source_type)
    return list(
        session()
        .execute(
            select(Deduction)
            .where(Deduction.source_type.in_(types), Deduction.source_id == source_id)
            .order_by(Deduction.id)
        )
        .scalars()
    )


# --- the agent on duty --------------------------------------------------------------------


def agent_in_post(village_id: int, on: dt.date) -> Agent | None:
    """The village's 村级 agent in post on day ``on`` (hired by then, not dismissed before)."""
    return (
        session()
        .execute(
            select(Agent)
            .where(
                Agent.village_id == village_id,
                Agent.level == "village",
                Agent.status.in_(("active", "dismissed")),
                or_(Agent.hired_on.is_(None), Agent.hired_on <= on),
                or_(Agent.dismissed_on.is_(None), Agent.dismissed_on >= on),
            )
            .order_by(case((Agent.status == "active", 0), else_=1), Agent.hired_on.desc(), Agent.id.desc())
        )
        .scalars()
        .first()
    )


# --- three strikes ----------------------------------------------------------------------


def strike_summary(agent_ids: Iterable[int]) -> dict[int, StrikeStatus]:
    """①②③ counts per agent over the current appointment (on or after ``hired_on``), read
    against the strike threshold — one SQL query. Every requested agent gets a status."""
    ids = sorted({int(i) for i in agent_ids if i is not None})
    if not ids:
        return {}
    strike_values = [c.value for c in STRIKE_CODES]
    rows = (
        session()
        .execute(
            select(Deduction.agent_id, Deduction.code, func.count(Deduction.id))
            .join(Agent, Agent.id == Deduction.agent_id)
            .where(
                Deduction.agent_id.in_(ids),
                Deduction.state == "active",
                Deduction.code.in_(strike_values),
                or_(Agent.hired_on.is_(None), Deduction.occurred_on >= Agent.hired_on),
            )
            .group_by(Deduction.agent_id, Deduction.code)
        )
        .all()
    )
    counts: dict[int, dict[DeductionCode, int]] = {i: {} for i in ids}
    for agent_id, code, n in rows:
        counts[agent_id][DeductionCode(code)] = int(n)
    threshold = strike_threshold()
    return {i: strike_status(c, threshold) for i, c in counts.items()}


@dataclass
class StrikeAlert:
    """An agent the township must look at: two of a kind (warning), three of a kind or a
    failed annual assessment (应予解聘)."""

    agent: Agent
    status: StrikeStatus
    failed_years: list[int] = field(default_factory=list)

    @property
    def should_dismiss(self) -> bool:
        return self.status.should_dismiss or bool(self.failed_years)

    def messages(self) -> list[str]:
        lines = [str(m) for m in self.status.messages()]
        for year in self.failed_years:
            lines.insert(0, str(_l("%(y)s年度考核不合格，依照政策第二条（四）2应予解聘", y=year)))
        return lines


def strike_alerts() -> list[StrikeAlert]:
    """Agents not yet dismissed with a strike warning, 应予解聘, or a failed 年度考核 during
    the current appointment — dismissals first."""
    threshold = strike_threshold()
    warn_at = max(1, threshold - 1)
    candidates = (
        session()
        .execute(
            select(Deduction.agent_id)
            .join(Agent, Agent.id == Deduction.agent_id)
            .where(
                Agent.status != "dismissed",
                Deduction.state == "active",
                Deduction.code.in_([c.value for c in STRIKE_CODES]),
                or_(Agent.hired_on.is_(None), Deduction.occurred_on >= Agent.hired_on),
            )
            .group_by(Deduction.agent_id, Deduction.code)
            .having(func.count(Deduction.id) >= warn_at)
        )
        .scalars()
        .all()
    )
    failed: dict[int, list[int]] = {}
    for agent_id, year in (
        session()
        .execute(
            select(AnnualAssessment.agent_id, AnnualAssessment.year)
            .join(Agent, Agent.id == AnnualAssessment.agent_id)
            .where(
                Agent.status != "dismissed",
                AnnualAssessment.grade == FAILING_GRADE,
                or_(Agent.hired_on.is_(None), AnnualAssessment.assessed_on >= Agent.hired_on),
            )
            .order_by(AnnualAssessment.year)
        )
        .all()
    ):
        failed.setdefault(agent_id, []).append(year)
    ids = set(candidates) | set(failed)
    if not ids:
        return []
    statuses = strike_summary(ids)
    agents = session().execute(select(Agent).where(Agent.id.in_(ids))).scalars().all()
    alerts = [
        StrikeAlert(a, statuses[a.id], failed.get(a.id, []))
        for a in agents
        if statuses[a.id].warnings or statuses[a.id].dismiss or a.id in failed
    ]
    alerts.sort(key=lambda x: (not x.should_dismiss, x.agent.village.code if x.agent.village else "", x.agent.name))
    return alerts


# --- per month ----------------------------------------------------------------------------


def month_deductions(year: int, month: int) -> dict[int, dict[str, Decimal]]:
    """Active deductions of a month, per agent and code (not yet capped) — for payouts."""
    out: dict[int, dict[str, Decimal]] = {}
    for agent_id, code, total in (
        session()
        .execute(
            select(Deduction.agent_id, Deduction.code, func.sum(Deduction.amount))
            .where(Deduction.year == year, Deduction.month == month, Deduction.state == "active")
            .group_by(Deduction.agent_id, Deduction.code)
        )
        .all()
    ):
        out.setdefault(agent_id, {})[code] = Decimal(total).quantize(Decimal("0.01"))
    return out


@dataclass
class MonthCapRow:
    """One agent's deductions of one month against that month's subsidy (SPEC §7 cap)."""

    agent: Agent
    by_code: dict[str, Decimal]
    share: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.by_code.values(), Decimal("0.00"))

    @property
    def taken(self) -> Decimal:
        return apply_monthly_cap(self.share, list(self.by_code.values()))

    @property
    def capped(self) -> bool:
        return self.taken < self.total

    @property
    def net(self) -> Decimal:
        return self.share - self.taken


def month_share(agent: Agent, year: int, month: int) -> Decimal:
    """The agent's township subsidy of the month: the month's share of the quarter
    (416.67 / 416.67 / 416.66 of 5000/4), prorated by calendar days served."""
    share = monthly_shares(annual_subsidy(township_of(agent.village_id, agent.id)))[(month - 1) % 3]
    first, last = month_bounds(year, month)
    served = days_served(first, last, agent.hired_on, agent.dismissed_on if agent.status == "dismissed" else None)
    return prorate(share, served, (last - first).days + 1)


def month_cap_rows(year: int, month: int) -> list[MonthCapRow]:
    """Agents with deductions in the month, with the capped amount actually taken."""
    amounts = month_deductions(year, month)
    if not amounts:
        return []
    agents = session().execute(select(Agent).where(Agent.id.in_(list(amounts)))).scalars().all()
    rows = [MonthCapRow(a, amounts[a.id], month_share(a, year, month)) for a in agents]
    rows.sort(key=lambda r: (r.agent.village.code if r.agent.village else "", r.agent.name))
    return rows


__all__ = [
    "SOURCE_TYPES",
    "MonthCapRow",
    "StrikeAlert",
    "agent_in_post",
    "deductions_of_source",
    "ensure_quarter_open",
    "find_deduction",
    "month_cap_rows",
    "month_deductions",
    "month_share",
    "quarter_is_closed",
    "strike_alerts",
    "strike_summary",
    "sync_deduction",
]
