"""《村级便民服务报送事项办理情况统计表》— the monthly report (政策第五条（一）4, SPEC §8),
and deduction ④ for a report not submitted by the month's end (第二条（四）2④).

Lifecycle: 草稿 (figures live from the cases) → 已报送 (figures frozen, locked) → 已退回修改
(the township's recorded action; the agent edits and submits again) → 已报送 …
An empty month is still reported (报空表).

A report may be submitted from its month's last working day on
(``policy.reports.report_submission_opens``) — it covers the whole month — and is on time until
the end of its due day (``policy.reports.report_due_date``: the month's last day, or the next
working day when that is a rest day, 民法典第二百零三条).

Deduction ④ is created
- when a report is submitted after its due day (at that submission), and
- by :func:`flag_missing_reports` (one month) / :func:`settle_missing_reports` (every month past
  its due day since ``MONTHLY_REPORTS_FROM``) for every active village whose report is missing or
  was late. Idempotent; it runs
  * from the command line and the daily scheduled job: ``flask reports flag-missing [2026-10]``,
  * before a quarter's payout sheet is computed and again before it is approved
    (:func:`settle_quarter`, called by ``services.payouts``), and
  * when township staff press “核定逾期扣款” on the status page (a POST).
  Viewing a page never writes.
The first submission counts for lateness: a report returned for correction and submitted
again is not late if it was first submitted on time.

A case registered later for a month whose report is locked marks that report 数据有变动
(:func:`note_case_added`); the frozen figures stay as submitted until the township returns the
report for correction and the agent submits it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import lazyload

from ..models import (
    Agent,
    Case,
    Deduction,
    MonthlyReport,
    MonthlyReportAction,
    PayoutSheet,
    Village,
    VillageMonthCategoryStats,
    VillageMonthStats,
)
from ..models.case import OPEN_STATUSES
from ..models.catalog import ServiceCategory
from ..policy import PolicyViolation
from ..policy.deductions import code_for, deduction_amount
from ..policy.intake import registered_same_day
from ..policy.periods import month_bounds, parse_month, previous_month, quarter_months, quarter_of
from ..policy.reports import (
    month_last_day,
    months_between,
    report_deadline,
    report_due_date,
    report_submission_opens,
    reports_required,
)
from ..policy.roles import village_of
from ..policy.supervision import ReportState, check_report_month, report_costs_deduction, report_state
from ..policy.workdays import WorkCalendar
from ..security import current_user_or_none
from .audit import acting_account, actor_name
from .calendar import now_local, work_calendar
from .common import check_version, session
from .deductions import CLOSED_PAYOUT_STATUSES, agent_in_post, quarter_is_closed, sync_deduction
from .errors import Conflict, ValidationFailed
from .fields import Field, parse, policy_field, to_int, to_str
from .settings import deduction_amounts
from .stats import settle as settle_stats
from .supervision import atomic

FIGURE_COLUMNS = (
    ("consult", _l("咨询")),
    ("accepted", _l("受理代办")),
    ("rejected", _l("不予受理/退回")),
    ("submitted", _l("已报送")),
    ("completed", _l("已办结")),
    ("on_time", _l("按时办结")),
    ("overdue", _l("超期")),
    ("open", _l("未办结")),
)
FIGURE_KEYS = tuple(k for k, _ in FIGURE_COLUMNS)


# --- figures from the cases ---------------------------------------------------------------


def generate_figures(village_id: int, year: int, month: int, now: dt.datetime | None = None) -> dict:
    """Counts of the village's cases received in the month, per category of 第四条 (all ten,
    zeros included). Overdue is judged as of the month's last day (or today while the month
    runs). A closed month (before ``now``'s) is read from the monthly aggregate
    (``services/stats.py``), the running month counted from the cases: the same figures."""
    now = now or now_local()
    if (year, month) < (now.year, now.month):
        return _figures_table(stored_figures(village_id, year, month), month_bounds(year, month)[1], now)
    return live_figures(village_id, year, month, now)


def stored_figures(village_id: int, year: int, month: int) -> dict:
    """category id → the eight counts of a closed month, from the aggregate, and ``None`` →
    the month's 未当日登记 and 代缴 money."""
    settle_stats()
    c = VillageMonthCategoryStats
    where = (c.village_id == village_id, c.year == year, c.month == month)
    columns = (c.consult, c.proxy - c.rejected, c.rejected, c.submitted, c.completed, c.on_time)
    rows = session().execute(select(c.category_id, *columns, c.overdue_month_end, c.open).where(*where)).all()
    by_cat = {r[0]: [int(v or 0) for v in r[1:]] for r in rows}
    m = VillageMonthStats
    row = (
        session()
        .execute(
            select(m.late_entry, m.paid_count, m.paid_received, m.paid_paid).where(
                m.village_id == village_id, m.year == year, m.month == month
            )
        )
        .first()
    )
    late, count, received, paid = row if row else (0, 0, 0, 0)
    money = lambda v: f"{(v or 0):.2f}"  # noqa: E731
    intake = {
        "late_entries": int(late),
        "payments": {"count": int(count), "received": money(received), "paid": money(paid)},
    }
    return {"by_cat": by_cat, "intake": intake}


def live_figures(village_id: int, year: int, month: int, now: dt.datetime | None = None) -> dict:
    """:func:`generate_figures` counted from the cases (the running month; the reference the
    aggregate is tested against) — one grouped query."""
    now = now or now_local()
    first, last = month_bounds(year, month)
    as_of = min(now.date(), last)
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    proxy = Case.kind == "proxy"

    def count(cond):
        return func.sum(case((cond, 1), else_=0))

    rows = (
        session()
        .execute(
            select(
                Case.category_id,
                count(Case.kind == "consult"),
                count(and_(proxy, Case.status != "rejected")),
                count(and_(proxy, Case.status == "rejected")),
                count(and_(proxy, Case.status.in_(("submitted", "completed")))),
                count(and_(proxy, Case.status == "completed")),
                count(and_(proxy, Case.status == "completed", Case.closed_late.is_(False))),
                count(Case.overdue_clause(as_of)),
                count(Case.status.in_(OPEN_STATUSES)),
            )
            .where(
                Case.village_id == village_id,
                Case.received_at >= start,
                Case.received_at < end,
                Case.status != "voided",
            )
            .group_by(Case.category_id)
        )
        .all()
    )
    by_cat = {r[0]: [int(v or 0) for v in r[1:]] for r in rows}
    return _figures_table({"by_cat": by_cat, "intake": intake_figures(village_id, start, end)}, as_of, now)


def _figures_table(got: dict, as_of: dt.date, now: dt.datetime) -> dict:
    by_cat = dict(got["by_cat"])
    table = []
    for cat_id, name in (
        session().execute(select(ServiceCategory.id, ServiceCategory.name).order_by(ServiceCategory.code)).all()
    ):
        table.append(
            {
                "category_id": cat_id,
                "category": name,
                **dict(zip(FIGURE_KEYS, by_cat.pop(cat_id, [0] * 8), strict=True)),
            }
        )
    if any(by_cat.values()):
        rest = [sum(col) for col in zip(*by_cat.values(), strict=True)]
        table.append(
            {"category_id": None, "category": str(_l("其他（未分类）")), **dict(zip(FIGURE_KEYS, rest, strict=True))}
        )
    total = {k: sum(r[k] for r in table) for k in FIGURE_KEYS}
    return {
        "rows": table,
        "total": total,
        "as_of": as_of.isoformat(),
        "generated_at": now.isoformat(timespec="minutes"),
        **got["intake"],
    }


def intake_figures(village_id: int, start: dt.datetime, end: dt.datetime) -> dict:
    """未当日登记 (第五条（一）2) and the 代缴 money (第四条9) of the cases received in [start, end):
    ``late_entries`` (count) and ``payments`` {"count", "received", "paid"} (strings, 2 places)."""
    where = (Case.village_id == village_id, Case.received_at >= start, Case.received_at < end, Case.status != "voided")
    # Only a case entered on a later calendar day can be late; the calendar decides the rest.
    pairs = (
        session()
        .execute(
            select(Case.received_at, Case.registered_at).where(
                *where, func.date(Case.registered_at) > func.date(Case.received_at)
            )
        )
        .all()
    )
    cal = work_calendar()
    late = sum(1 for received, registered in pairs if not registered_same_day(received, registered, cal))
    count, received, paid = (
        session()
        .execute(
            select(func.count(Case.payment_paid), func.sum(Case.payment_received), func.sum(Case.payment_paid)).where(
                *where, Case.payment_paid.is_not(None)
            )
        )
        .one()
    )
    money = lambda v: f"{(v or 0):.2f}"  # noqa: E731
    return {
        "late_entries": late,
        "payments": {"count": int(count or 0), "received": money(received), "paid": money(paid)},
    }


def figures_of(report: MonthlyReport, now: dt.datetime | None = None) -> dict:
    """Frozen figures of a submitted report; live ones of a draft."""
    if report.status == "submitted" and report.figures:
        return report.figures
    return generate_figures(report.village_id, report.year, report.month, now)


def is_empty(figures: Mapping) -> bool:
    return not any((figures.get("total") or {}).values())


# --- input ----------------------------------------------------------------------------------


_month_value = policy_field(parse_month)


SPEC = {
    "village_id": Field(to_int, _l("村")),
    "month": Field(_month_value, _l("月份")),
    "year": Field(to_int, _l("年度")),
    "hot_issues": Field(lambda v: to_str(v, 4000), _l("向村党组织报告的热点、难点问题")),
    "note": Field(lambda v: to_str(v, 1000), _l("说明")),
}


def _target(values: dict, now: dt.datetime) -> tuple[Village, int, int]:
    user = current_user_or_none()
    village_id = values.get("village_id") or village_of(user)
    if not village_id:
        raise ValidationFailed(errors={"village_id": [_l("请选择村")]})
    village = session().get(Village, village_id)
    if village is None:
        raise ValidationFailed(errors={"village_id": [_l("所选村不存在")]})
    if values.get("month"):
        year, month = values["month"]
    elif values.get("year") and values.get("month_number"):
        year, month = values["year"], values["month_number"]
    else:
        year, month = now.year, now.month
    try:
        check_report_month(year, month, now.date())
    except PolicyViolation as exc:
        raise ValidationFailed.of(exc, field="month") from None
    return village, year, month


def _parse(data: Mapping) -> dict:
    data = dict(data)
    # The API may send year and month as two numbers.
    if isinstance(data.get("month"), int) and not isinstance(data.get("month"), bool):
        data["month_number"] = data.pop("month")
    values = parse(data, SPEC)
    if "month_number" in data:
        try:
            values["month_number"] = int(data["month_number"])
        except (TypeError, ValueError):
            raise ValidationFailed(errors={"month": [_l("月份格式应为“年-月”，例如2026-09")]}) from None
    return values


def report_for(village_id: int, year: int, month: int) -> MonthlyReport | None:
    return (
        session()
        .execute(
            select(MonthlyReport).where(
                MonthlyReport.village_id == village_id, MonthlyReport.year == year, MonthlyReport.month == month
            )
        )
        .scalar()
    )


def _get_or_create(village: Village, year: int, month: int, now: dt.datetime) -> MonthlyReport:
    report = report_for(village.id, year, month)
    if report is None:
        agent = agent_in_post(village.id, min(month_last_day(year, month), now.date()))
        report = MonthlyReport(
            village_id=village.id,
            agent_id=agent.id if agent else None,
            year=year,
            month=month,
            status="draft",
            figures={},
        )
        session().add(report)
        session().flush()
    return report


def _ensure_editable(report: MonthlyReport) -> None:
    if report.status == "submitted":
        raise Conflict(
            _l(
                "%(r)s的月汇总表已报送并锁定，不能修改；如需更正，请联系乡便民服务中心退回修改",
                r=f"{report.year}年{report.month}月",
            )
        )


# --- use cases --------------------------------------------------------------------------------


def save_draft(data: Mapping, now: dt.datetime | None = None) -> MonthlyReport:
    """Create or update the month's report before submission (hot issues text)."""
    now = now or now_local()
    values = _parse(data)
    with atomic():
        village, year, month = _target(values, now)
        existing = report_for(village.id, year, month)
        if existing is not None:  # a report begun earlier: based on the version read
            check_version(existing, data.get("version"))
        report = existing or _get_or_create(village, year, month, now)
        _ensure_editable(report)
        if "hot_issues" in data and report.hot_issues != values.get("hot_issues"):
            report.hot_issues = values.get("hot_issues")
        session().commit()
    return report


def update_report(report: MonthlyReport, data: Mapping, now: dt.datetime | None = None) -> MonthlyReport:
    """PUT of the API: only the hot-issues text of an unlocked report."""
    check_version(report, data.get("version"))
    values = parse(data, {"hot_issues": SPEC["hot_issues"]}, partial=True)
    with atomic():
        _ensure_editable(report)
        if "hot_issues" in values and report.hot_issues != values["hot_issues"]:
            report.hot_issues = values["hot_issues"]
        session().commit()
    return report


def _sync_report_deduction(report: MonthlyReport, state: ReportState, cal: WorkCalendar) -> Deduction | None:
    """④ of the report's month (扣除当月补助: the month reported on, even when its due day falls
    in the next month)."""
    if report_costs_deduction(state):
        month_end = month_last_day(report.year, report.month)
        agent = agent_in_post(report.village_id, month_end)
        if agent is None:
            return None  # nobody in post at the month's end: nobody to deduct from
        if report.agent_id is None:
            report.agent_id = agent.id
        return sync_deduction(
            source_type="report",
            source_id=report.id,
            code=code_for("report"),
            active=True,
            agent_id=agent.id,
            village_id=report.village_id,
            occurred_on=month_end,
            description=_report_deduction_text(report, state, cal),
        )
    return None


def submit_report(data: Mapping, now: dt.datetime | None = None) -> MonthlyReport:
    """报送: figures generated from the cases and frozen, the report locked, the action kept.
    Not before the month's last working day; submitted after its due day → ④."""
    now = now or now_local()
    values = _parse(data)
    cal = work_calendar()
    with atomic():
        village, year, month = _target(values, now)
        opens = report_submission_opens(year, month, cal)
        if now.date() < opens:
            raise ValidationFailed(
                errors={
                    "month": [
                        _l(
                            "%(y)s年%(m)s月汇总表自%(d)s起可报送（月汇总表反映全月情况，每月最后一个工作日起报送）",
                            y=year,
                            m=month,
                            d=f"{opens.month}月{opens.day}日",
                        )
                    ]
                }
            )
        existing = report_for(village.id, year, month)
        if existing is not None:  # a report begun earlier: based on the version read
            check_version(existing, data.get("version"))
        report = existing or _get_or_create(village, year, month, now)
        _ensure_editable(report)
        if "hot_issues" in data:
            report.hot_issues = values.get("hot_issues")
        report.figures = generate_figures(village.id, year, month, now)
        report.status = "submitted"
        report.data_changed_at = None  # the figures now include every case on record
        if report.submitted_at is None:
            report.submitted_at = now
        report.submitted_by = actor_name() or None  # 报送人: a 姓名, never a login
        if report.agent_id is None:
            agent = agent_in_post(village.id, min(month_last_day(year, month), now.date()))
            report.agent_id = agent.id if agent else None
        session().add(
            MonthlyReportAction(
                report_id=report.id,
                village_id=village.id,
                action="submit",
                at=now,
                user_name=actor_name(default=acting_account()[1]),
                note=str(_l("报空表")) if is_empty(report.figures) else values.get("note"),
            )
        )
        session().flush()
        state = report_state(year, month, report.submitted_at, now, cal)
        if report_costs_deduction(state) and not quarter_is_closed(year, month, village_id=village.id):
            _sync_report_deduction(report, state, cal)
        session().commit()
    return report


RETURN_SPEC = {"note": Field(lambda v: to_str(v, 1000), _l("退回原因"), required=True)}


def return_report(report: MonthlyReport, data: Mapping, now: dt.datetime | None = None) -> MonthlyReport:
    """退回修改 by the township: a recorded action with the reason; the report unlocks.
    A deduction ④ already incurred stays (the first submission counts)."""
    now = now or now_local()
    check_version(report, data.get("version"))
    values = parse(data, RETURN_SPEC)
    with atomic():
        if report.status != "submitted":
            raise Conflict(_l("只有已报送的月汇总表可以退回修改"))
        report.status = "returned"
        session().add(
            MonthlyReportAction(
                report_id=report.id,
                village_id=report.village_id,
                action="return",
                at=now,
                user_name=actor_name(default=acting_account()[1]),
                note=values["note"],
            )
        )
        session().commit()
    return report


# --- which villages have reported --------------------------------------------------------------


@dataclass
class StatusRow:
    village: Village
    report: MonthlyReport | None
    state: ReportState
    deduction: Deduction | None

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else "none"

    @property
    def unsettled(self) -> bool:
        """Late or missing, and its ④ not (yet) on record: the scheduled job settles it."""
        return report_costs_deduction(self.state) and self.deduction is None

    @property
    def data_changed(self) -> bool:
        return self.report is not None and self.report.status == "submitted" and self.report.data_changed_at is not None


def report_status(year: int, month: int, now: dt.datetime | None = None) -> list[StatusRow]:
    """Every active village's report of the month and where it stands (three queries)."""
    now = now or now_local()
    cal = work_calendar()
    villages = session().execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars().all()
    reports = {
        r.village_id: r
        for r in session()
        .execute(select(MonthlyReport).where(MonthlyReport.year == year, MonthlyReport.month == month))
        .scalars()
    }
    deductions = {}
    if reports:
        for d in (
            session()
            .execute(
                select(Deduction).where(
                    Deduction.source_type == "report",
                    Deduction.source_id.in_([r.id for r in reports.values()]),
                    Deduction.state == "active",
                )
            )
            .scalars()
        ):
            deductions[d.source_id] = d
    rows = []
    for v in villages:
        report = reports.get(v.id)
        submitted_at = report.submitted_at if report is not None else None
        state = report_state(year, month, submitted_at, now, cal)
        rows.append(StatusRow(v, report, state, deductions.get(report.id) if report is not None else None))
    return rows


@dataclass
class FlagResult:
    year: int
    month: int
    flagged: list[str]  # village names, for messages
    closed: bool = False
    not_over: bool = False
    before_start: bool = False
    # the same villages by id: names are unique only within a township (issue 15)
    flagged_ids: list[int] = field(default_factory=list)

    def add(self, village) -> None:
        self.flagged.append(village.name)
        self.flagged_ids.append(village.id)


def flag_missing_reports(year: int, month: int, now: dt.datetime | None = None) -> FlagResult:
    """Settle ④ for ``(year, month)``: a deduction for every active village whose report was not
    submitted by its due day (missing, or submitted late). Idempotent (a report has at most one
    ④); does nothing for a month before ``MONTHLY_REPORTS_FROM``, a month whose due day has not
    passed, or one whose quarter's payout is already approved (frozen — which is why the payout
    settles ④ before it is approved)."""
    return settle_months([(year, month)], now)[0]


def settle_months(months: list[tuple[int, int]], now: dt.datetime | None = None) -> list[FlagResult]:
    """:func:`flag_missing_reports` for several months at once, in one transaction and a fixed
    number of SQL queries whatever the number of villages and months (villages, agents, reports
    and their ④ are each read once; missing reports and new ④ are written in one flush)."""
    now = now or now_local()
    cal = work_calendar()
    start = reports_start()
    results = [FlagResult(y, m, []) for y, m in months]
    todo = []
    closed = _closed_quarters({y for y, _ in months})
    for result in results:
        y, m = result.year, result.month
        if not reports_required(y, m, start):
            result.before_start = True
        elif now.replace(tzinfo=None) <= report_deadline(y, m, cal):
            result.not_over = True
        elif quarter_of(y, m) in closed:
            result.closed = True
        else:
            todo.append(result)
    if not todo:
        return results
    with atomic():
        _settle(todo, now, cal)
        session().commit()
    return results


def _closed_quarters(years: set[int]) -> set[tuple[int, int]]:
    """The quarters of ``years`` whose payout sheet is approved or paid (one query)."""
    rows = session().execute(
        select(PayoutSheet.year, PayoutSheet.quarter).where(
            PayoutSheet.year.in_(sorted(years)), PayoutSheet.status.in_(CLOSED_PAYOUT_STATUSES)
        )
    )
    return {(y, q) for y, q in rows}


class _Posts:
    """``deductions.agent_in_post`` for many villages and days from one query: the village
    agents in the same order as that function's, the first one in post on the day wins."""

    def __init__(self) -> None:
        self.by_village: dict[int, list] = {}
        rows = session().execute(
            select(Agent.id, Agent.village_id, Agent.hired_on, Agent.dismissed_on)
            .where(
                Agent.village_id.is_not(None),
                Agent.level == "village",
                Agent.status.in_(("active", "dismissed")),
            )
            .order_by(case((Agent.status == "active", 0), else_=1), Agent.hired_on.desc(), Agent.id.desc())
        )
        for agent in rows:
            self.by_village.setdefault(agent.village_id, []).append(agent)

    def on(self, village_id: int, day: dt.date):
        """The agent in post (a row: ``id``, ``village_id``, ``hired_on``, ``dismissed_on``)."""
        for a in self.by_village.get(village_id, ()):
            if (a.hired_on is None or a.hired_on <= day) and (a.dismissed_on is None or a.dismissed_on >= day):
                return a
        return None


def _reports_of(months: set[tuple[int, int]]) -> dict[tuple[int, int, int], MonthlyReport]:
    """The reports of ``months`` by (village, year, month) — one query, no joined loads."""
    by_year: dict[int, list[int]] = {}
    for y, m in sorted(months):
        by_year.setdefault(y, []).append(m)
    cond = or_(*(and_(MonthlyReport.year == y, MonthlyReport.month.in_(ms)) for y, ms in by_year.items()))
    rows = session().execute(select(MonthlyReport).where(cond).options(lazyload("*"))).scalars()
    return {(r.village_id, r.year, r.month): r for r in rows}


def _settle(todo: list[FlagResult], now: dt.datetime, cal: WorkCalendar) -> None:
    villages = (
        session().execute(select(Village.id, Village.name).where(Village.active.is_(True)).order_by(Village.code)).all()
    )
    posts = _Posts()
    reports = _reports_of({(r.year, r.month) for r in todo})
    plan, created = [], []  # (result, village, report, state, agent)
    for result in todo:
        year, month = result.year, result.month
        month_end = month_last_day(year, month)
        for v in villages:
            agent = posts.on(v.id, month_end)
            if agent is None:
                continue
            report = reports.get((v.id, year, month))
            if report is None:
                author = posts.on(v.id, min(month_end, now.date()))
                report = MonthlyReport(
                    village_id=v.id,
                    agent_id=author.id if author else None,
                    year=year,
                    month=month,
                    status="draft",
                    figures={},
                )
                created.append(report)
            state = report_state(year, month, report.submitted_at, now, cal)
            if report_costs_deduction(state):
                plan.append((result, v, report, state, agent))
    if created:
        session().add_all(created)
        session().flush()
    _settle_deductions(plan, cal)


def _settle_deductions(plan: list, cal: WorkCalendar) -> None:
    """④ of each planned report: new ones added in one flush; an existing one left alone when
    it is active and unchanged, else reconciled by ``sync_deduction`` (reactivated, moved …)."""
    code = code_for("report").value
    existing: dict[int, Any] = {}  # the first ④ of each report, as a row (compared, not changed)
    ids = [report.id for _, _, report, _, _ in plan]
    if ids:
        for d in session().execute(
            select(
                Deduction.source_id,
                Deduction.agent_id,
                Deduction.village_id,
                Deduction.occurred_on,
                Deduction.description,
                Deduction.state,
            )
            .where(Deduction.source_type == "report", Deduction.source_id.in_(ids), Deduction.code == code)
            .order_by(Deduction.id)
        ):
            existing.setdefault(d.source_id, d)
    texts: dict[tuple[int, int, str], str | None] = {}  # the wording is the same for every village
    new = []
    for result, village, report, state, agent in plan:
        if report.agent_id is None:
            report.agent_id = agent.id
        month_end = month_last_day(report.year, report.month)
        key = (report.year, report.month, state)
        if key not in texts:
            texts[key] = _report_deduction_text(report, state, cal)[:200] or None
        description = texts[key]
        row = existing.get(report.id)
        if row is None:
            new.append(
                Deduction(
                    code=code,
                    agent_id=agent.id,
                    village_id=report.village_id,
                    year=month_end.year,
                    month=month_end.month,
                    occurred_on=month_end,
                    amount=deduction_amount(code, deduction_amounts(village)),  # the village's township's
                    source_type="report",
                    source_id=report.id,
                    description=description,
                    state="active",
                )
            )
            result.add(village)
            continue
        same = (row.agent_id, row.village_id, row.occurred_on, row.description) == (
            agent.id,
            report.village_id,
            month_end,
            description,
        )
        if row.state == "active" and same:
            continue
        was_active = row.state == "active"
        _sync_report_deduction(report, state, cal)
        if not was_active:
            result.add(village)
    if new:
        session().add_all(new)
        session().flush()


def _report_deduction_text(report: MonthlyReport, state: ReportState, cal: WorkCalendar) -> str:
    due = report_due_date(report.year, report.month, cal)
    kind = _l("逾期报送") if state == "late" else _l("未报送")
    return str(
        _l(
            "%(y)s年%(m)s月月汇总表%(k)s（应于%(d)s前报送）",
            y=report.year,
            m=report.month,
            k=kind,
            d=due.isoformat(),
        )
    )


def due_months(now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """Every month since ``MONTHLY_REPORTS_FROM`` whose report's due day is over at ``now``."""
    now = now or now_local()
    start = reports_start()
    if start is None:
        return []
    cal = work_calendar()
    last = previous_month(now.year, now.month)
    return [(y, m) for y, m in months_between(start, last) if now.replace(tzinfo=None) > report_deadline(y, m, cal)]


def settle_missing_reports(now: dt.datetime | None = None) -> list[FlagResult]:
    """Settle ④ for every month past its due day since ``MONTHLY_REPORTS_FROM`` — what the daily
    scheduled job ``flask reports flag-missing`` runs. Idempotent; months of an approved quarter
    are left as they were frozen."""
    now = now or now_local()
    return settle_months(due_months(now), now)


def settle_quarter(year: int, quarter: int, now: dt.datetime | None = None) -> list[FlagResult]:
    """Settle ④ for the months of a quarter whose due day has passed (before its payout sheet is
    computed and before it is approved)."""
    return settle_months(quarter_months(year, quarter), now)


def note_case_added(
    village_id: int, received_at: dt.datetime | dt.date, now: dt.datetime | None = None
) -> MonthlyReport | None:
    """A case was registered for a month whose report is already locked (late registration):
    mark that report 数据有变动 for the township, who may return it for correction. The frozen
    figures are not touched. Runs inside the caller's transaction (no commit)."""
    year, month = received_at.year, received_at.month
    with session().no_autoflush:  # the new case is flushed by the caller's commit (number clash retry)
        report = report_for(village_id, year, month)
    if report is None or report.status != "submitted":
        return None
    if report.data_changed_at is None:
        report.data_changed_at = now or now_local()
    return report


def reports_required_for(year: int, month: int) -> bool:
    """Whether ``(year, month)`` is on or after the go-live month (see :func:`reports_start`)."""
    return reports_required(year, month, reports_start())


def reports_start() -> tuple[int, int] | None:
    """The go-live month: from it on a report is required every month. The setting
    ``MONTHLY_REPORTS_FROM`` (``"2026-11"``); when it is empty, the month of the earliest report
    ever submitted — so that installing the system never fines the villages for the months
    before it."""
    setting = str(current_app.config.get("MONTHLY_REPORTS_FROM") or "").strip()
    if setting:
        return parse_month(setting)
    first = (
        session()
        .execute(
            select(MonthlyReport.year, MonthlyReport.month)
            .where(MonthlyReport.submitted_at.is_not(None))
            .order_by(MonthlyReport.year, MonthlyReport.month)
            .limit(1)
        )
        .first()
    )
    return (first[0], first[1]) if first else None


__all__ = [
    "FIGURE_COLUMNS",
    "FIGURE_KEYS",
    "FlagResult",
    "StatusRow",
    "due_months",
    "figures_of",
    "flag_missing_reports",
    "generate_figures",
    "is_empty",
    "note_case_added",
    "report_for",
    "report_status",
    "reports_required_for",
    "reports_start",
    "return_report",
    "save_draft",
    "settle_missing_reports",
    "settle_months",
    "settle_quarter",
    "submit_report",
    "update_report",
]
