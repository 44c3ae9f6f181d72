"""Dashboard figures — SPEC §10, policy §二(四)2–3, §六(二).

Every figure is an SQL aggregate grouped by village (``GROUP BY village_id``); Python only
arranges the few rows per village that come back. Village scoping is automatic: the queries
go through the ORM session, so a village user's dashboard only ever contains their village
(``app.security``), and the same functions serve the township and the village dashboards.

Definitions (shown on the page as footnotes):

- a period's cases are the cases *received* in it (作废 not counted);
- 在办: of those, still open; 超期: of those, open past their deadline or closed after it
  (``Case.overdue_clause``);
- 按时办结率 (代办 only): completed on time ÷ (completed + still open past the deadline) —
  a case already overdue counts against the rate before it is closed;
- 签到率: working days with a sign-in ÷ working days so far in the period (from the later of
  the period start and the agent's hire date; today counts once signed);
- 月报: the previous month's report (and earlier months of this quarter) must be 已报送;
- 扣款: active deductions of the period's months (①–⑤);
- strikes: active ①②③ deductions over the agent's current appointment (§二(四)2).

Figures only — counts, ids, codes, dates and the periods they belong to. The screens built from
them (links, alerts, percentages, chart JSON, colour thresholds) are ``app/views/dashboard_pages.py``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, and_, case, cast, distinct, false, func, literal, or_, select, union_all
from sqlalchemy.orm import lazyload, load_only

from ..models import (
    Agent,
    Case,
    Deduction,
    MonthlyReport,
    ServiceCategory,
    ServiceItem,
    SignIn,
    TownshipMonthCategoryStats,
    TownshipMonthStats,
    Village,
    VillageMonthCategoryStats,
    VillageMonthStats,
)
from ..models.case import OPEN_STATUSES
from ..models.enums import CASE_KINDS, CASE_STATUSES, REPORT_STATUSES, label
from ..models.stats import NO_CATEGORY
from ..models.village import SIX_ONES
from ..policy.deductions import DeductionCode, StrikeStatus
from ..policy.intake import registered_same_day
from ..policy.periods import (
    Period,
    month_bounds,
    month_period,
    months_back,
    months_between,
    previous_month,
    quarter_period,
)
from ..policy.reports import is_late_for, report_deadline, report_due_date
from ..security import current_village_scope, scoped_where
from . import calendar as calendar_service
from . import stats as stats_service
from .cases import open_literal_clause, todo_cases
from .common import session
from .deductions import strike_alerts

# One screen's reads asked for twice (the month's and the quarter's figures read the same open
# cases past their deadline, and the same sign-ins of the current month): kept for the length of
# ``shared_reads()`` — a read-only stretch, one screen's figures — keyed by what was asked.
_shared: ContextVar[dict | None] = ContextVar("dashboard_shared_reads", default=None)


@contextmanager
def shared_reads():
    """Within: the same read of :func:`_past_due_rows` / :func:`_live_signins` runs once."""
    token = _shared.set({}) if _shared.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _shared.reset(token)


def _once(key: tuple, read):
    memo = _shared.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


#: The villages a figure is counted for: ``None`` every village in scope, an id one village, a
#: tuple of ids those villages (the rows one township screen shows). The same statements either
#: way (a tuple is one expanding ``IN``): the query count does not grow with the villages.
Villages = int | tuple[int, ...] | None


def _narrow(stmt, column, villages: Villages):
    """``stmt`` limited to ``villages`` on ``column`` (unchanged for ``None``)."""
    if villages is None:
        return stmt
    return stmt.where(column.in_(villages) if isinstance(villages, tuple) else column == villages)


def _start_of(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.min)


def month_runs(months: Iterable[tuple[int, int]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``months`` as runs of consecutive months, first and last of each, in order:
    [(2026, 11), (2026, 12), (2027, 1), (2027, 3)] → [((2026, 11), (2027, 1)), ((2027, 3), (2027, 3))]."""
    runs: list[list[tuple[int, int]]] = []
    for y, m in sorted(set(months)):
        if runs and runs[-1][1][0] * 12 + runs[-1][1][1] + 1 == y * 12 + m:
            runs[-1][1] = (y, m)
        else:
            runs.append([(y, m), (y, m)])
    return [(first, last) for first, last in runs]


def _months_condition(year_col, month_col, months: Iterable[tuple[int, int]]):
    """Rows of ``months``: one range per run of consecutive months (a year of months is a few
    terms, not twelve — a small statement and cache key, and a range on the (year, month) index)."""
    terms = []
    for (y0, m0), (y1, m1) in month_runs(months):
        if y0 == y1:
            terms.append(and_(year_col == y0, month_col.between(m0, m1) if m0 != m1 else month_col == m0))
            continue
        terms.append(and_(year_col == y0, month_col >= m0))
        if y1 > y0 + 1:
            terms.append(year_col.between(y0 + 1, y1 - 1))
        terms.append(and_(year_col == y1, month_col <= m1))
    return or_(*terms) if terms else false()


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------
@dataclass
class CaseFigures:
    received: int = 0
    consult: int = 0
    proxy: int = 0
    open: int = 0
    overdue: int = 0
    completed: int = 0
    completed_on_time: int = 0
    open_overdue_proxy: int = 0
    rejected: int = 0
    late_entry: int = 0  # 未当日登记 (第五条（一）2)

    @property
    def ontime_base(self) -> int:
        return self.completed + self.open_overdue_proxy

    @property
    def ontime_rate(self) -> float | None:
        """按时办结率 as a fraction; ``None`` when nothing is decided yet."""
        return self.completed_on_time / self.ontime_base if self.ontime_base else None

    @property
    def same_day_rate(self) -> float | None:
        """当日登记率: cases entered on the working day they were received, of all received."""
        return (self.received - self.late_entry) / self.received if self.received else None

    def add(self, other: CaseFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _case_period_columns(today: dt.date) -> list:
    proxy = Case.kind == "proxy"
    completed = and_(proxy, Case.status == "completed")
    return [
        func.count(Case.id),
        _count_if(Case.kind == "consult"),
        _count_if(proxy),
        _count_if(Case.open_clause()),
        _count_if(Case.overdue_clause(today)),
        _count_if(completed),
        _count_if(and_(completed, Case.closed_late.is_(False))),
        _count_if(and_(proxy, Case.open_clause(), Case.due_on < today)),
        _count_if(and_(proxy, Case.status == "rejected")),
    ]


# The counts a village publishes each month (§六(四)) — the totals of the monthly report
# (村级便民服务报送事项办理情况统计表, ``services/reports.py``: ``figures["total"]``).
PUBLISHED_KEYS = ("consult", "accepted", "completed", "on_time", "overdue", "open")


def published_totals(report_figures, live: CaseFigures) -> dict:
    """The month's published counts: the submitted report's frozen totals when it has them
    (``frozen``: as of its submission), else the same counts computed from the cases now."""
    total = report_figures.get("total") if isinstance(report_figures, dict) else None
    if isinstance(total, dict) and all(isinstance(total.get(k), int) for k in PUBLISHED_KEYS):
        out = {k: int(total[k]) for k in PUBLISHED_KEYS}
        out["rejected"] = int(total.get("rejected") or 0)
        out["received"] = out["consult"] + out["accepted"] + out["rejected"]
        out["frozen"] = True
        return out
    return {
        "consult": live.consult,
        "accepted": live.proxy - live.rejected,
        "completed": live.completed,
        "on_time": live.completed_on_time,
        "overdue": live.overdue,
        "open": live.open,
        "rejected": live.rejected,
        "received": live.received,
        "frozen": False,
    }


def live_case_figures(period: Period, today: dt.date, village_id: int | None = None) -> dict[int, CaseFigures]:
    """Cases received in ``period`` per village, counted from the cases (one grouped query, and
    one over the few cases entered on a later day): the current month's, and the reference
    the aggregate is tested against."""
    stmt = (
        select(Case.village_id, *_case_period_columns(today))
        .where(Case.received_at >= _start_of(period.first), Case.received_at < _start_of(period.after))
        .where(Case.status != "voided")
        .group_by(Case.village_id)
    )
    if village_id is not None:
        stmt = stmt.where(Case.village_id == village_id)
    figures = {row[0]: CaseFigures(*(int(v or 0) for v in row[1:])) for row in session().execute(stmt)}
    # 未当日登记: only a case entered on a later calendar day can be late; the calendar decides.
    later = (
        stmt.with_only_columns(Case.village_id, Case.received_at, Case.registered_at)
        .group_by(None)
        .where(func.date(Case.registered_at) > func.date(Case.received_at))
    )
    cal = calendar_service.work_calendar()
    for vid, received, registered in session().execute(later):
        if vid in figures and not registered_same_day(received, registered, cal):
            figures[vid].late_entry += 1
    return figures


def _month_bucket(months: list[tuple[int, int]]):
    """The index (0…) in the sorted ``months`` of a case's received month, as one SQL ``CASE``
    over the month boundaries — portable, and on SQLite twice as fast as ``EXTRACT``
    (``STRFTIME``) per row. Labelled ``bucket`` so GROUP BY can name it."""
    bounds = [_start_of(Period.month(y, m).after) for y, m in months]
    return case(*((Case.received_at < b, i) for i, b in enumerate(bounds)), else_=len(months)).label("bucket")


def _by_month(months: list[tuple[int, int]], columns: list, *where) -> dict[tuple[int, int], tuple]:
    """``columns`` aggregated per calendar month of ``received_at`` over ``months`` (one
    contiguous, sorted range of months), 作废 excluded: one grouped query."""
    start = _start_of(month_bounds(*months[0])[0])
    end = _start_of(Period.month(*months[-1]).after)
    stmt = (
        select(_month_bucket(months), *columns)
        .where(Case.received_at >= start, Case.received_at < end, Case.status != "voided", *where)
        .group_by("bucket")
    )
    return {
        months[int(r[0])]: tuple(int(v or 0) for v in r[1:]) for r in session().execute(stmt) if int(r[0]) < len(months)
    }


def live_month_figures(
    village_id: int, months: list[tuple[int, int]], today: dt.date
) -> dict[tuple[int, int], CaseFigures]:
    """Cases received per calendar month of one village, counted from the cases (one query
    grouped by month; 未当日登记 not counted — see :func:`month_figures`)."""
    if not months:
        return {}
    got = _by_month(
        months_between(min(months), max(months)), _case_period_columns(today), Case.village_id == village_id
    )
    return {k: CaseFigures(*got[k]) if k in got else CaseFigures() for k in months}


# --------------------------------------------------------------------------------------
# The aggregate: closed months from ``village_month_stats`` (``services/stats.py`` keeps it
# right), the current month live; 超期 of a closed month's still-open cases is judged today.
# --------------------------------------------------------------------------------------
Month = tuple[int, int]


def _stored_months(months: Iterable[Month], today: dt.date) -> list[Month]:
    """The months read from the aggregate: all of them. The aggregate is kept in the same
    transaction as every change (``services/stats.py``), today's month included, so the
    current month is read from it too (issue 11); what moves with the date alone — an open
    case passing its deadline — is added live (:func:`_past_due_open`)."""
    del today  # every month alike: the aggregate holds whatever cases a month has
    return sorted(months)


def _split(period: Period, today: dt.date) -> tuple[list[Month], Period | None]:
    """The months of ``period`` read from the aggregate (:func:`_stored_months`) and the part
    left to count from the cases — always ``None`` now (kept for the callers' shape)."""
    return _stored_months(period.months(), today), None


def _stored(model, months: list[Month], village_id: Villages, group, columns):
    stats_service.settle()
    stmt = select(*group, *columns).where(_months_condition(model.year, model.month, months)).group_by(*group)
    if village_id is not None:
        stmt = _narrow(stmt, model.village_id, village_id)
    return session().execute(scoped_where(stmt, model)).all()


_S = VillageMonthStats
_TS = TownshipMonthStats


def _sums_of(village_id: Villages):
    """The month table a figure of ``village_id`` is summed from: the townships' sums when it
    is every village in scope of a township or county user (a row a township and month, not
    one a village), else the villages' rows. A village user's scope is their village: never
    the township's sums (their scope reads none of those rows either)."""
    return _TS if village_id is None and current_village_scope() is None else _S


def _past_due_open(months: list[Month], today: dt.date, village_id: Villages, by_month: bool | str) -> dict:
    """The still-open cases of closed ``months`` past their deadline today — the part of 超期
    that moves with the date: key → (overdue not yet counted, 代办 ones). Read by their deadline
    from the partial index of the open cases alone (``ix_case_open_due``, which holds every
    column read: the open cases past it are few — the to-do lists' overdue ones) and
    sorted into months here; a range on ``received_at`` would walk a year of cases (and a
    GROUP BY on the month, even of these few rows, costs SQLite more than the sorting here).
    ``by_month``: key by month (True), by village (False) or by (village, month) (``"both"``)."""
    wanted = set(months)
    out: dict = {}
    for vid, received, closed_late, kind in _past_due_rows(today, village_id):
        ym = (received.year, received.month)
        if ym not in wanted:
            continue
        key = (vid, ym) if by_month == "both" else ym if by_month else vid
        late, proxy = out.get(key, (0, 0))
        out[key] = (late + (0 if closed_late else 1), proxy + (1 if kind == "proxy" else 0))
    return out


def _past_due_rows(today: dt.date, village_id: Villages) -> list:
    """The open cases past their deadline today: (village, received_at, closed_late, kind)."""

    def read() -> list:
        stmt = select(Case.village_id, Case.received_at, Case.closed_late, Case.kind).where(
            open_literal_clause(), Case.due_on < today
        )
        stmt = _narrow(stmt, Case.village_id, village_id)
        return session().execute(scoped_where(stmt, Case)).all()

    return _once(("past_due", today, village_id), read)


def _figure_columns(t) -> tuple:
    """The sums :func:`_figures_of` reads, of the month table ``t`` (a village's or a township's)."""
    return tuple(
        func.sum(c)
        for c in (
            t.received,
            t.consult,
            t.proxy,
            t.open,
            t.closed_late,
            t.completed,
            t.on_time,
            t.rejected,
            t.late_entry,
        )
    )


_FIGURE_COLUMNS = _figure_columns(_S)


def _figures_of(row, past_due: tuple[int, int]) -> CaseFigures:
    received, consult, proxy, open_, late, completed, on_time, rejected, late_entry = (int(v or 0) for v in row)
    return CaseFigures(
        received, consult, proxy, open_, late + past_due[0], completed, on_time, past_due[1], rejected, late_entry
    )


def stored_case_figures(months: list[Month], today: dt.date, village_id: Villages = None) -> dict[int, CaseFigures]:
    """The closed ``months``' cases per village, from the aggregate (two grouped queries)."""
    if not months:
        return {}
    rows = _stored(_S, months, village_id, [_S.village_id], _FIGURE_COLUMNS)
    past_due = _past_due_open(months, today, village_id, by_month=False)
    # a month row of sign-ins only has no cases: no figures (as counted live)
    return {r[0]: _figures_of(r[1:], past_due.get(r[0], (0, 0))) for r in rows if r[1]}


def case_figures(period: Period, today: dt.date, village_id: Villages = None) -> dict[int, CaseFigures]:
    """Cases received in ``period`` per village: closed months from the aggregate, the current
    month counted live."""
    closed, live = _split(period, today)
    if live is None:
        return stored_case_figures(closed, today, village_id)
    out = live_case_figures(live, today, village_id)
    for vid, f in stored_case_figures(closed, today, village_id).items():
        out.setdefault(vid, CaseFigures()).add(f)
    return out


def month_figures(village_id: int, months: list[Month], today: dt.date) -> dict[Month, CaseFigures]:
    """Cases received per calendar month of one village: closed months from the aggregate,
    the others counted live."""
    closed = _stored_months(months, today)
    out: dict[Month, CaseFigures] = {}
    if closed:
        group = [_S.year, _S.month]
        rows = {(r[0], r[1]): r[2:] for r in _stored(_S, closed, village_id, group, _FIGURE_COLUMNS)}
        past_due = _past_due_open(closed, today, village_id, by_month=True)
        for ym in closed:
            out[ym] = _figures_of(rows[ym], past_due.get(ym, (0, 0))) if ym in rows else CaseFigures()
    return out


def village_month_figures(months: list[Month], today: dt.date) -> dict[tuple[int, Month], CaseFigures]:
    """Cases received per village and calendar month over ``months`` (every village in scope),
    from the aggregate — the same figures as :func:`case_figures` of each single month (the
    annual statistics export)."""
    closed = _stored_months(months, today)
    out: dict[tuple[int, Month], CaseFigures] = {}
    if closed:
        rows = _stored(_S, closed, None, [_S.village_id, _S.year, _S.month], _FIGURE_COLUMNS)
        past_due = _past_due_open(closed, today, None, by_month="both")
        for vid, y, m, *rest in rows:
            if rest[0]:  # a month row of sign-ins only has no cases
                out[(vid, (y, m))] = _figures_of(rest, past_due.get((vid, (y, m)), (0, 0)))
    return out


def village_month_signins(months: list[Month], today: dt.date) -> dict[tuple[int, Month], int]:
    """Working days with a sign-in per village and month, from the aggregate."""
    closed = _stored_months(months, today)
    out: dict[tuple[int, Month], int] = {}
    if closed:
        columns = [func.sum(_S.signin_days)]
        for vid, y, m, days in _stored(_S, closed, None, [_S.village_id, _S.year, _S.month], columns):
            if days:
                out[(vid, (y, m))] = int(days)
    return out


def village_month_deductions(year: int) -> dict[tuple[int, Month], Decimal]:
    """The active deductions' amounts per village and month of ``year`` (①–⑤)."""
    stmt = (
        select(Deduction.village_id, Deduction.month, func.coalesce(func.sum(Deduction.amount), 0))
        .where(Deduction.state == "active", Deduction.year == year)
        .group_by(Deduction.village_id, Deduction.month)
    )
    return {(vid, (year, m)): Decimal(str(a)).quantize(Decimal("0.01")) for vid, m, a in session().execute(stmt)}


def village_month_reports(year: int) -> dict[tuple[int, Month], str]:
    """The monthly reports' status per village and month of ``year``."""
    stmt = select(MonthlyReport.village_id, MonthlyReport.month, MonthlyReport.status).where(MonthlyReport.year == year)
    return {(vid, (year, m)): status for vid, m, status in session().execute(stmt)}


def trend(today: dt.date, village_id: int | None = None, months: int = 12, until: Period | None = None) -> Trend:
    """Cases received per month over the last ``months`` months (咨询 / 代办 / 超期) — ending
    with today's month, or with the last month of ``until`` (a past period) — from the aggregate."""
    keys = months_back(min(today, until.last) if until else today, months)
    closed = _stored_months(keys, today)
    got: dict = {}
    if closed:
        t = _sums_of(village_id)
        columns = (func.sum(t.consult), func.sum(t.proxy), func.sum(t.closed_late))
        past_due = _past_due_open(closed, today, village_id, by_month=True)
        for y, m, consult, proxy, late in _stored(t, closed, village_id, [t.year, t.month], columns):
            got[(y, m)] = (int(consult or 0), int(proxy or 0), int(late or 0) + past_due.get((y, m), (0, 0))[0])
    zero = (0, 0, 0)
    return Trend(keys, *([got.get(k, zero)[i] for k in keys] for i in range(3)))


_C = VillageMonthCategoryStats
_TC = TownshipMonthCategoryStats


def categories(period: Period, village_id: int | None = None, today: dt.date | None = None) -> list[dict]:
    """Cases received in ``period`` per service category (largest first)."""
    closed, live = _split(period, today or calendar_service.today())
    counts = live_category_counts(live, village_id) if live else {}
    if closed:
        if _sums_of(village_id) is _TS:
            rows = [
                (None if key == NO_CATEGORY else key, n)
                for key, n in _stored(_TC, closed, None, [_TC.category_key], [func.sum(_TC.received)])
            ]
        else:
            rows = _stored(_C, closed, village_id, [_C.category_id], [func.sum(_C.received)])
        for cid, n in rows:
            counts[cid] = counts.get(cid, 0) + int(n or 0)
    names = dict(session().execute(select(ServiceCategory.id, ServiceCategory.name)).all())
    out = [{"name": names.get(cid) or str(_l("未分类")), "value": int(n)} for cid, n in counts.items() if n]
    return sorted(out, key=lambda d: (-d["value"], d["name"]))


def public_categories(period: Period, village_id: int, today: dt.date | None = None) -> list[dict]:
    """:func:`categories` as a public notice names them: a matter without a service item is
    “咨询” when it is a consultation and “其他事项” otherwise — never “未分类”."""
    closed, live = _split(period, today or calendar_service.today())
    rows = live_public_counts(live, village_id) if live else []
    if closed:
        columns = [func.sum(_C.consult), func.sum(_C.proxy)]
        for cid, consult, proxy in _stored(_C, closed, village_id, [_C.category_id], columns):
            rows += [(cid, "consult", int(consult or 0)), (cid, "proxy", int(proxy or 0))]
    return _public_names(rows)


def live_categories(period: Period, village_id: int | None = None) -> list[dict]:
    """:func:`categories` counted from the cases only (the reference of the tests)."""
    names = dict(session().execute(select(ServiceCategory.id, ServiceCategory.name)).all())
    counts = live_category_counts(period, village_id)
    out = [{"name": names.get(cid) or str(_l("未分类")), "value": int(n)} for cid, n in counts.items() if n]
    return sorted(out, key=lambda d: (-d["value"], d["name"]))


def live_public_categories(period: Period, village_id: int) -> list[dict]:
    """:func:`public_categories` counted from the cases only (the reference of the tests)."""
    return _public_names(live_public_counts(period, village_id))


def _stored_signins(months: list[Month], village_id: Villages) -> dict[int, tuple]:
    if not months:
        return {}
    columns = [func.sum(_S.signin_days), func.sum(_S.signin_late_days)]
    rows = _stored(_S, months, village_id, [_S.village_id], columns)
    return {vid: (int(days or 0), int(late or 0), False) for vid, days, late in rows}


@dataclass
class OpenNow:
    open: int = 0
    overdue: int = 0
    due_soon: int = 0


def open_now(today: dt.date, village_id: Villages = None) -> dict[int, OpenNow]:
    """All open cases per village right now, with those overdue and due soon (≤ 1 working day)."""
    soon = calendar_service.work_calendar().add_workdays(today, 1)
    stmt = (
        select(
            Case.village_id,
            func.count(Case.id),
            _count_if(Case.due_on < today),
            _count_if(and_(Case.due_on >= today, Case.due_on <= soon)),
        )
        .where(open_literal_clause())  # the partial index of the open cases, in village order
        .group_by(Case.village_id)
    )
    stmt = _narrow(stmt, Case.village_id, village_id)
    rows = session().execute(scoped_where(stmt, Case))
    return {row[0]: OpenNow(int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in rows}


def todo_list(today: dt.date, limit: int = 20, village_id: int | None = None) -> list[Case]:
    """The to-do list: open cases in scope, overdue first, then due soon, then by deadline.

    For the user's own scope the cases' ``todo_cases`` (one definition); for one village
    chosen by township staff (``village_id``) the same ordering within that village.
    """
    if village_id is None:
        return list(todo_cases(today, limit=limit))
    soon = calendar_service.work_calendar().add_workdays(today, 1)
    rank = case((Case.due_on < today, 0), (Case.due_on <= soon, 1), else_=2)
    stmt = (
        select(Case)
        .where(Case.open_clause(), Case.village_id == village_id)
        .order_by(rank, Case.due_on.is_(None), Case.due_on, Case.id)
        .limit(limit)
    )
    return list(session().execute(stmt).unique().scalars())


def case_state(c: Case, today: dt.date, soon: dt.date) -> str:
    """``overdue`` / ``soon`` / ``""`` for a to-do row (one case, already loaded)."""
    if c.due_on is None:
        return ""
    if c.due_on < today:
        return "overdue"
    if c.due_on <= soon:
        return "soon"
    return ""


@dataclass
class Trend:
    """Cases received per month (咨询 / 代办 / 超期), oldest month first."""

    months: list[tuple[int, int]]
    consult: list[int]
    proxy: list[int]
    overdue: list[int]


def live_trend(today: dt.date, village_id: int | None = None, months: int = 12, keys=None) -> Trend:
    """Cases received per month over the last ``months`` months (咨询 / 代办 / 超期), counted
    from the cases."""
    keys = keys or months_back(today, months)
    columns = [
        _count_if(Case.kind == "consult"),
        _count_if(Case.kind == "proxy"),
        _count_if(Case.overdue_clause(today)),
    ]
    where = [Case.village_id == village_id] if village_id is not None else []
    got = _by_month(keys, columns, *where)
    zero = (0, 0, 0)
    return Trend(
        keys,
        [got.get(k, zero)[0] for k in keys],
        [got.get(k, zero)[1] for k in keys],
        [got.get(k, zero)[2] for k in keys],
    )


def live_category_counts(period: Period, village_id: int | None = None) -> dict:
    """Cases received in ``period`` per service category id, counted from the cases."""
    stmt = (
        select(Case.category_id, func.count(Case.id))
        .where(Case.received_at >= _start_of(period.first), Case.received_at < _start_of(period.after))
        .where(Case.status != "voided")
        .group_by(Case.category_id)
    )
    if village_id is not None:
        stmt = stmt.where(Case.village_id == village_id)
    return {cid: int(n) for cid, n in session().execute(stmt).all()}


def live_public_counts(period: Period, village_id: int) -> list[tuple]:
    """(category id, kind, count) of the cases received in ``period``, counted from the cases."""
    stmt = (
        select(Case.category_id, Case.kind, func.count(Case.id))
        .where(Case.received_at >= _start_of(period.first), Case.received_at < _start_of(period.after))
        .where(Case.status != "voided", Case.village_id == village_id)
        .group_by(Case.category_id, Case.kind)
    )
    return [(cid, kind, int(n)) for cid, kind, n in session().execute(stmt)]


def _public_names(rows: Iterable[tuple]) -> list[dict]:
    names = dict(session().execute(select(ServiceCategory.id, ServiceCategory.name)).all())
    counts: dict[str, int] = {}
    for cid, kind, n in rows:
        name = names.get(cid) if cid is not None else None
        name = name or str(_l("咨询") if kind == "consult" else _l("其他事项"))
        counts[name] = counts.get(name, 0) + int(n)
    return sorted(({"name": k, "value": v} for k, v in counts.items() if v), key=lambda d: (-d["value"], d["name"]))


# --------------------------------------------------------------------------------------
# Sign-in, deductions, reports, strikes
# --------------------------------------------------------------------------------------
@dataclass
class SignInFigures:
    signed: int = 0
    late: int = 0
    due: int = 0

    @property
    def rate(self) -> float | None:
        return min(1.0, self.signed / self.due) if self.due else None


def _workdays(start: dt.date, end_inclusive: dt.date) -> list[dt.date]:
    cal = calendar_service.work_calendar()
    out, d = [], start
    while d <= end_inclusive:
        if cal.is_workday(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def signin_figures(
    period: Period, today: dt.date, hired: dict[int, dt.date | None], village_id: Villages = None
) -> dict[int, SignInFigures]:
    """签到率 per village: working days with a sign-in ÷ working days so far (§二(四)3) —
    closed months from the aggregate, the current month from the sign-ins."""
    return _signin_figures(period, today, hired, village_id, stored=True)


def live_signin_figures(
    period: Period, today: dt.date, hired: dict[int, dt.date | None], village_id: int | None = None
) -> dict[int, SignInFigures]:
    """:func:`signin_figures` counted from the sign-ins only (the reference of the tests)."""
    return _signin_figures(period, today, hired, village_id, stored=False)


def _signin_figures(period, today, hired, village_id, stored: bool) -> dict[int, SignInFigures]:
    last = min(today, period.last)
    if last < period.first:
        return {}
    days = _workdays(period.first, last)
    # closed months from the aggregate; today's month from the sign-ins of its working days so
    # far (the aggregate's month would also hold days after ``today``, and “signed today”
    # decides whether today is due yet)
    current = (today.year, today.month)
    closed = [ym for ym in period.months() if ym < current] if stored else []
    live_days = [d for d in days if (d.year, d.month) >= current] if stored else days
    rows = _stored_signins(closed, village_id)
    for vid, got in _live_signins(live_days, today, village_id).items():
        signed, late, _ = rows.get(vid, (0, 0, False))
        rows[vid] = (signed + got[0], late + got[1], got[2])
    out = {}
    today_due = today in days  # a working day of the period: due once signed
    for vid, hired_on in hired.items():
        signed, late, signed_today = rows.get(vid, (0, 0, False))
        start = max(period.first, hired_on) if hired_on else period.first
        # the working days from ``start`` (``days`` is sorted: a bisection, not a walk per village)
        due = len(days) - bisect_left(days, start)
        if today_due and not signed_today and start <= today:
            due -= 1
        out[vid] = SignInFigures(signed, late, due)
    return out


def _live_signins(days: list[dt.date], today: dt.date, village_id: Villages) -> dict[int, tuple]:
    if not days:
        return {}
    return dict(_once(("signins", tuple(days), today, village_id), lambda: _read_signins(days, today, village_id)))


def _read_signins(days: list[dt.date], today: dt.date, village_id: Villages) -> dict[int, tuple]:
    counted = SignIn.day.in_(days)
    stmt = (
        select(
            SignIn.village_id,
            func.count(distinct(SignIn.day)),
            func.count(distinct(case((SignIn.late.is_(True), SignIn.day)))),
            _count_if(SignIn.day == today),
        )
        .where(counted)
        .group_by(SignIn.village_id)
    )
    stmt = _narrow(stmt, SignIn.village_id, village_id)
    return {r[0]: (int(r[1]), int(r[2]), int(r[3] or 0) > 0) for r in session().execute(scoped_where(stmt, SignIn))}


@dataclass
class DeductionFigures:
    count: int = 0
    amount: Decimal = Decimal("0.00")
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def codes_text(self) -> str:
        return "　".join(
            f"{DeductionCode(c).symbol}{DeductionCode(c).label}×{n}" for c, n in sorted(self.by_code.items()) if n
        )


def deduction_figures(period: Period, village_id: Villages = None) -> dict[int, DeductionFigures]:
    codes = tuple(c.value for c in DeductionCode)  # ①–⑤
    stmt = (
        select(
            Deduction.village_id,
            func.count(Deduction.id),
            func.coalesce(func.sum(Deduction.amount), 0),
            *(_count_if(Deduction.code == c) for c in codes),
        )
        .where(Deduction.state == "active")
        .where(_months_condition(Deduction.year, Deduction.month, period.months()))
        .group_by(Deduction.village_id)
    )
    stmt = _narrow(stmt, Deduction.village_id, village_id)
    out = {}
    for row in session().execute(scoped_where(stmt, Deduction)):
        amount = Decimal(str(row[2])).quantize(Decimal("0.01"))
        out[row[0]] = DeductionFigures(int(row[1]), amount, {c: int(n) for c, n in zip(codes, row[3:], strict=True)})
    return out


def report_months(today: dt.date) -> list[tuple[int, int]]:
    """The months whose report must already be in: the previous month, and the earlier
    months of the current quarter (all past their month's end)."""
    prev = previous_month(today.year, today.month)
    q = quarter_period(today)
    months = [(y, m) for y, m in q.months() if dt.date(y, m, 1) < today.replace(day=1)]
    if prev not in months:
        months.insert(0, prev)
    return months


@dataclass
class ReportCell:
    year: int
    month: int
    status: str | None  # None = not created
    late: bool = False

    @property
    def label(self) -> str:
        if self.status is None:
            return str(_l("未填报"))
        return str(REPORT_STATUSES.get(self.status, self.status))

    @property
    def ok(self) -> bool:
        return self.status == "submitted"


def report_status(
    today: dt.date, village_ids: Iterable[int], village_id: Villages = None, period: Period | None = None
) -> dict[int, dict]:
    """Per village: ``due`` (ReportCells of the months that must be in) and ``current`` (this
    month's cell; ``None`` for a ``period`` that does not contain today). Without ``period``:
    the months due now (:func:`report_months`); with one: the period's months already due."""
    now = calendar_service.now_local()
    cal = calendar_service.work_calendar()
    # a month whose due day (the next working day when it ends on a rest day) has not passed yet
    # is not "due" — October 2026 ends on a Saturday and is not missing on Sunday 11-01
    wanted = report_months(today) if period is None else period.months()
    due_months = [(y, m) for y, m in wanted if today > report_due_date(y, m, cal)]
    current = (today.year, today.month)
    show_current = period is None or today in period
    stmt = select(
        MonthlyReport.village_id,
        MonthlyReport.year,
        MonthlyReport.month,
        MonthlyReport.status,
        MonthlyReport.submitted_at,
    ).where(_months_condition(MonthlyReport.year, MonthlyReport.month, [*due_months, current]))
    stmt = _narrow(stmt, MonthlyReport.village_id, village_id)
    found = {(r[0], r[1], r[2]): (r[3], r[4]) for r in session().execute(scoped_where(stmt, MonthlyReport))}
    deadlines = {(y, m): report_deadline(y, m, cal) for y, m in due_months}  # one calendar walk a month
    out = {}
    for vid in village_ids:
        cells = []
        for y, m in due_months:
            status, submitted_at = found.get((vid, y, m), (None, None))
            late = is_late_for(deadlines[(y, m)], submitted_at if status == "submitted" else None, now)
            cells.append(ReportCell(y, m, status, late))
        status, _ = found.get((vid, *current), (None, None))
        out[vid] = {
            "due": cells,
            "current": ReportCell(*current, status) if show_current else None,
            "missing": [c for c in cells if not c.ok],
        }
    return out


@dataclass
class AgentFlag:
    agent_id: int
    name: str
    village_id: int | None
    status: StrikeStatus | None
    assessment_fail_year: int | None = None

    @property
    def dismiss(self) -> bool:
        return bool((self.status and self.status.should_dismiss) or self.assessment_fail_year)

    @property
    def warning(self) -> bool:
        return bool(self.status and self.status.warnings)

    @property
    def messages(self) -> list[str]:
        lines = [str(m) for m in self.status.messages()] if self.status else []
        if self.assessment_fail_year:
            lines.append(str(_l("%(y)s年度考核不合格，依照政策第二条（四）2应予解聘", y=self.assessment_fail_year)))
        return lines


#: A village's agent in post: a village-level agent, active, with a village.
_IN_POST = (Agent.level == "village", Agent.status == "active", Agent.village_id.is_not(None))


def active_agents(village_id: Villages = None) -> list[Agent]:
    """The villages' agents in post — only the columns the dashboards read (an agent row is
    some thirty columns; 400 of them were a tenth of the township's first screen). Another
    column, if ever read, is loaded then (SQLAlchemy's deferred load), not refused."""
    stmt = (
        select(Agent)
        .options(
            lazyload(Agent.village),  # the villages are loaded once, by _villages()
            load_only(
                Agent.id, Agent.name, Agent.village_id, Agent.township_id, Agent.hired_on, Agent.level, Agent.status
            ),
        )
        .where(*_IN_POST)
        .order_by(Agent.village_id, Agent.id)
    )
    stmt = _narrow(stmt, Agent.village_id, village_id)
    return list(session().execute(stmt).unique().scalars())


def agent_flags(agent_ids: Iterable[int]) -> dict[int, AgentFlag]:
    """Agents with strikes (two of a kind: warning; three: 应予解聘) or a failed annual
    assessment during the current appointment, keyed by agent id."""
    wanted = set(agent_ids)
    if not wanted:
        return {}
    return {
        al.agent.id: AgentFlag(
            al.agent.id, al.agent.name, al.agent.village_id, al.status, max(al.failed_years, default=None)
        )
        for al in strike_alerts()
        if al.agent.id in wanted
    }


# --------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------
def unconfigured_years(today: dt.date) -> list[int]:
    """The years whose working-day calendar is not confirmed yet, of those the deadlines need
    now: this year, and from the fourth quarter next year too."""
    cal = calendar_service.work_calendar()
    years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    return [y for y in years if not cal.is_configured_year(y)]


# --------------------------------------------------------------------------------------
# The two dashboards
# --------------------------------------------------------------------------------------
class AgentInPost(NamedTuple):
    id: int
    name: str
    hired_on: dt.date | None


@dataclass
class VillageStatus:
    """Where one village stands right now: what decides whether the township must look at it
    (超期 cases, a monthly report not in, strikes, no agent in post). Light enough to hold for
    every village of a county; the full figures (:class:`VillageRow`) are counted only for the
    villages a screen shows."""

    id: int
    code: str
    name: str
    agent: AgentInPost | None
    now: OpenNow
    reports: dict
    flag: AgentFlag | None


@dataclass
class VillageRow:
    village: Village
    agent: Agent | None
    month: CaseFigures
    quarter: CaseFigures
    now: OpenNow
    signin_month: SignInFigures
    signin_quarter: SignInFigures
    deductions_month: DeductionFigures
    deductions_quarter: DeductionFigures
    reports: dict
    flag: AgentFlag | None

    @property
    def id(self) -> int:
        return self.village.id

    @property
    def name(self) -> str:
        return self.village.name


def _villages(village_id: Villages = None) -> list[Village]:
    stmt = select(Village).where(Village.active.is_(True)).order_by(Village.code)
    stmt = _narrow(stmt, Village.id, village_id)
    return list(session().execute(stmt).scalars())


def shown_periods(today: dt.date, period: Period | None = None) -> tuple[Period, Period | None]:
    """The two periods a dashboard counts over: today's month and quarter, or the chosen
    ``period`` and the one enclosing it (a month's quarter, a quarter's year; a year: none)."""
    if period is None:
        return month_period(today), quarter_period(today)
    return period, period.enclosing()


def _agents_in_post(village_id: Villages) -> dict[int, AgentInPost]:
    """Each village's agent in post (the first by id, as :func:`active_agents` orders them)."""
    stmt = (
        select(Agent.village_id, Agent.id, Agent.name, Agent.hired_on)
        .where(*_IN_POST)
        .order_by(Agent.village_id, Agent.id)
    )
    out: dict[int, AgentInPost] = {}
    for vid, *agent in session().execute(_narrow(stmt, Agent.village_id, village_id)):
        out.setdefault(vid, AgentInPost(*agent))
    return out


def village_statuses(today: dt.date, village_id: Villages = None, period: Period | None = None) -> list[VillageStatus]:
    """Every active village in scope (or ``village_id``), in code order: its agent in post, its
    open cases now, its monthly reports due (of ``period``'s months when one is chosen) and its
    agent's strikes — the same few statements, whatever the number of villages."""
    stmt = select(Village.id, Village.code, Village.name).where(Village.active.is_(True)).order_by(Village.code)
    villages = session().execute(_narrow(stmt, Village.id, village_id)).all()
    agents = _agents_in_post(village_id)
    now = open_now(today, village_id)
    reports = report_status(today, [v[0] for v in villages], village_id, period)
    flags = agent_flags(a.id for a in agents.values())
    out = []
    for vid, code, name in villages:
        agent = agents.get(vid)
        flag = flags.get(agent.id) if agent else None
        out.append(VillageStatus(vid, code, name, agent, now.get(vid, OpenNow()), reports[vid], flag))
    return out


def village_rows(
    today: dt.date, village_id: int | None = None, period: Period | None = None
) -> tuple[list[VillageRow], Period, Period | None]:
    """One row of figures per active village in scope (or the one ``village_id``), with the
    two periods they are counted over (:func:`shown_periods`: the ``month`` and ``quarter``
    slots of a row). The second slot of a year is empty (zero figures, period ``None``)."""
    with shared_reads():
        month, quarter = shown_periods(today, period)
        statuses = village_statuses(today, village_id, period)
        return rows_of(statuses, today, month, quarter), month, quarter


def rows_of(statuses: list[VillageStatus], today: dt.date, month: Period, quarter: Period | None) -> list[VillageRow]:
    """The full figures of the villages of ``statuses``, in their order: counted for those
    villages only (one ``IN`` of their ids per statement)."""
    if not statuses:
        return []
    ids = tuple(st.id for st in statuses)
    villages = {v.id: v for v in _villages(ids)}
    agent_of: dict[int, Agent] = {}
    for a in active_agents(ids):
        agent_of.setdefault(a.village_id, a)
    hired = {vid: (agent_of[vid].hired_on if vid in agent_of else None) for vid in ids}
    cm = case_figures(month, today, ids)
    cq = case_figures(quarter, today, ids) if quarter else {}
    sm = signin_figures(month, today, hired, ids)
    sq = signin_figures(quarter, today, hired, ids) if quarter else {}
    dm = deduction_figures(month, ids)
    dq = deduction_figures(quarter, ids) if quarter else {}
    rows = []
    for st in statuses:
        vid = st.id
        if vid not in villages:  # closed (made inactive) since its status was read
            continue
        rows.append(
            VillageRow(
                village=villages[vid],
                agent=agent_of.get(vid),
                month=cm.get(vid, CaseFigures()),
                quarter=cq.get(vid, CaseFigures()),
                now=st.now,
                signin_month=sm.get(vid, SignInFigures()),
                signin_quarter=sq.get(vid, SignInFigures()),
                deductions_month=dm.get(vid, DeductionFigures()),
                deductions_quarter=dq.get(vid, DeductionFigures()),
                reports=st.reports,
                flag=st.flag,
            )
        )
    return rows


_ACTIVE_VILLAGES = select(Village.id).where(Village.active.is_(True))
_INACTIVE_VILLAGES = select(Village.id).where(Village.active.is_(False))


def township_case_totals(periods: list[Period | None], today: dt.date) -> list[CaseFigures]:
    """The cases received in each of ``periods`` in every active village in scope, added up by
    the database — a row a period, whatever the number of villages: the sum of the villages'
    rows of :func:`case_figures` (tested against it), open cases past their deadline included."""
    stats_service.settle()
    shown = [p for p in periods if p is not None]
    # the open cases past their deadline, read by status and deadline (few) and counted into
    # each period: its received-date range inside the sums, not in WHERE, where SQLite would
    # walk the period's cases by received date instead (18 ms against 3 at 1M cases)
    columns = []
    for p in shown:
        inside = and_(Case.received_at >= _start_of(p.first), Case.received_at < _start_of(p.after))
        columns += [_count_if(and_(inside, Case.closed_late.is_(False))), _count_if(and_(inside, Case.kind == "proxy"))]
    # ``village_id + 0``: the active villages are a filter, not an index to walk — SQLite would
    # read the cases village by village through ix_case_village_status_due (5.7 ms at 1M cases)
    # instead of the open ones past their deadline from ix_case_open_due alone (1.0 ms)
    past_due = select(*columns).where(
        open_literal_clause(), Case.due_on < today, (Case.village_id + 0).in_(_ACTIVE_VILLAGES)
    )
    counts = session().execute(scoped_where(past_due, Case)).one() if shown else ()
    out, i = [], 0
    for p in periods:
        if p is None:
            out.append(CaseFigures())
            continue
        row = _active_sums(_stored_months(p.months(), today))
        out.append(_figures_of(row, (int(counts[i] or 0), int(counts[i + 1] or 0))))
        i += 2
    return out


def _active_sums(months: list[Month]) -> tuple:
    """:data:`_FIGURE_COLUMNS` over ``months`` of the active villages in scope: the townships'
    sums less the inactive villages' rows (few) for a township or county user, else the villages'
    own rows."""
    t = _sums_of(None)
    if t is _S:
        stmt = select(*_FIGURE_COLUMNS).where(
            _months_condition(_S.year, _S.month, months), _S.village_id.in_(_ACTIVE_VILLAGES)
        )
        return session().execute(scoped_where(stmt, _S)).one()
    total = select(*_figure_columns(_TS)).where(_months_condition(_TS.year, _TS.month, months))
    gone = select(*_FIGURE_COLUMNS).where(
        _months_condition(_S.year, _S.month, months), _S.village_id.in_(_INACTIVE_VILLAGES)
    )
    row = session().execute(scoped_where(total, _TS)).one()
    less = session().execute(scoped_where(gone, _S)).one()
    return tuple(int(a or 0) - int(b or 0) for a, b in zip(row, less, strict=True))


def six_ones_met_count() -> int:
    """The active villages in scope with all six items of §六(二) (“六个一”达标)."""
    stmt = select(func.count(Village.id)).where(
        Village.active.is_(True), *(getattr(Village, attr).is_(True) for attr, _ in SIX_ONES)
    )
    return int(session().execute(stmt).scalar() or 0)


@dataclass
class TownshipFigures:
    """The township's figures: where every village stands (``statuses``), the full figures of
    the villages shown (``rows``, in the order chosen) and the township's totals."""

    today: dt.date
    month: Period
    quarter: Period | None
    statuses: list[VillageStatus]
    rows: list[VillageRow]
    total_month: CaseFigures
    total_quarter: CaseFigures
    prev_month: tuple[int, int]
    reports_prev_in: int  # villages whose previous month's report is in
    six_ones_met: int

    @property
    def villages(self) -> int:
        return len(self.statuses)

    @property
    def flags(self) -> list[AgentFlag]:
        return [st.flag for st in self.statuses if st.flag]

    @property
    def open_now(self) -> int:
        return sum(st.now.open for st in self.statuses)

    @property
    def overdue_now(self) -> int:
        return sum(st.now.overdue for st in self.statuses)

    @property
    def due_soon_now(self) -> int:
        return sum(st.now.due_soon for st in self.statuses)


def every_village(statuses: list[VillageStatus]) -> list[VillageStatus]:
    return statuses


def township_figures(
    today: dt.date,
    period: Period | None = None,
    shown: Callable[[list[VillageStatus]], list[VillageStatus]] = every_village,
) -> TownshipFigures:
    """Where every village in scope stands (one village for a village user), the township's
    totals — of today's month and quarter, or of a chosen ``period`` (:func:`shown_periods`) —
    and the full figures of the villages ``shown`` picks from the statuses (all of them by
    default; a county's first screen picks the twenty that need attention first)."""
    with shared_reads():
        month, quarter = shown_periods(today, period)
        statuses = village_statuses(today, period=period)
        rows = rows_of(shown(statuses), today, month, quarter)
        total_m, total_q = township_case_totals([month, quarter], today)
        prev = previous_month(today.year, today.month)
        if period is None:
            prev_in = sum(1 for st in statuses if any(c.ok for c in st.reports["due"] if (c.year, c.month) == prev))
        else:  # a chosen period: the villages with every due report of its months in
            prev_in = sum(1 for st in statuses if not st.reports["missing"])
        return TownshipFigures(
            today, month, quarter, statuses, rows, total_m, total_q, prev, prev_in, six_ones_met_count()
        )


@dataclass
class VillageFigures:
    """One village's figures, its to-do list (``(case, "overdue" | "soon" | "")``) and today's sign-in."""

    today: dt.date
    village: Village
    month: Period
    quarter: Period | None
    row: VillageRow | None
    todo: list[tuple[Case, str]]
    signed_today: bool
    workday_today: bool


def village_figures(
    village: Village, today: dt.date, todo_village_id: int | None = None, period: Period | None = None
) -> VillageFigures:
    """The same figures for one village (of today's month and quarter, or of ``period``),
    plus its to-do list (always now).

    ``todo_village_id``: township staff looking at one village (their scope is every village).
    """
    rows, month, quarter = village_rows(today, village.id, period)
    cal = calendar_service.work_calendar()
    soon = cal.add_workdays(today, 1)
    todo = [(c, case_state(c, today, soon)) for c in todo_list(today, village_id=todo_village_id)]
    return VillageFigures(
        today,
        village,
        month,
        quarter,
        rows[0] if rows else None,
        todo,
        _signed_today(village.id, today),
        cal.is_workday(today),
    )


def _signed_today(village_id: int, today: dt.date) -> bool:
    stmt = select(func.count(SignIn.id)).where(SignIn.village_id == village_id, SignIn.day == today)
    return bool(session().execute(stmt).scalar())


def ontime_by_village(quarter: Period, today: dt.date) -> list[tuple[VillageName, float | None]]:
    """按时办结率 of the cases received in ``quarter``, per active village in scope (a township
    up to ``DASHBOARD_FULL_TABLE_VILLAGES`` villages; a bigger one ranks with :func:`lowest_ontime`)."""
    figures = case_figures(quarter, today)
    return [(v, figures.get(v.id, CaseFigures()).ontime_rate) for v in village_names()]


def lowest_ontime(quarter: Period, today: dt.date, limit: int) -> list[tuple[VillageName, float]]:
    """The ``limit`` active villages in scope with the lowest 按时办结率 of ``quarter`` (those
    with something decided), lowest first, ties in village order — what sorting
    :func:`ontime_by_village` gives, ranked by the database: a county's chart gets twenty rows,
    not 400 (tested against it). The rate is :attr:`CaseFigures.ontime_rate` written in SQL:
    on time over completed plus the 代办 cases still open past their deadline."""
    stats_service.settle()
    months = _stored_months(quarter.months(), today)
    zero = literal(0)
    stored = select(
        _S.village_id.label("village_id"),
        _S.received.label("received"),
        _S.completed.label("completed"),
        _S.on_time.label("on_time"),
        zero.label("past_due"),
    ).where(_months_condition(_S.year, _S.month, months))
    # the 代办 cases received in the quarter, still open past their deadline: decided, not on
    # time (read from ix_case_open_due alone; ``village_id + 0`` keeps SQLite off the
    # village-ordered index of every open case)
    past_due = select((Case.village_id + 0).label("village_id"), zero, zero, zero, literal(1)).where(
        open_literal_clause(),
        Case.due_on < today,
        Case.kind == "proxy",
        Case.received_at >= _start_of(quarter.first),
        Case.received_at < _start_of(quarter.after),
    )
    # one GROUP BY over both (a join of the two grouped parts cost SQLite a scan of one per
    # village of the other)
    both = union_all(scoped_where(stored, _S), scoped_where(past_due, Case)).subquery()
    base = func.sum(both.c.completed) + func.sum(both.c.past_due)
    per_village = (
        select(both.c.village_id, func.sum(both.c.on_time).label("on_time"), base.label("base"))
        .group_by(both.c.village_id)
        .having(func.sum(both.c.received) > 0, base > 0)
        .subquery()
    )
    stmt = (
        select(Village.id, Village.name, Village.code, per_village.c.on_time, per_village.c.base)
        .join(per_village, per_village.c.village_id == Village.id)
        .where(Village.active.is_(True))
        .order_by(cast(per_village.c.on_time, Float) / per_village.c.base, Village.code)
        .limit(limit)
    )
    rows = session().execute(scoped_where(stmt, Village)).all()
    return [(VillageName(vid, name, code), int(n) / int(b)) for vid, name, code, n, b in rows]


def active_village_count() -> int:
    """The active villages in scope."""
    stmt = select(func.count(Village.id)).where(Village.active.is_(True))
    return int(session().execute(scoped_where(stmt, Village)).scalar() or 0)


class VillageName(NamedTuple):
    id: int
    name: str
    code: str


def village_names() -> list[VillageName]:
    """The active villages in scope (id, name, code), in code order — :func:`_villages` without
    loading 400 ORM objects where a chart only names them."""
    stmt = select(Village.id, Village.name, Village.code).where(Village.active.is_(True)).order_by(Village.code)
    return [VillageName(*row) for row in session().execute(stmt)]


# --------------------------------------------------------------------------------------
# 公开栏: the monthly publication of handled matters (§六(四))
# --------------------------------------------------------------------------------------
BULLETIN_ROWS = 300


def bulletin(village: Village, year: int, month: int, today: dt.date | None = None) -> dict:
    """Counts, categories and the list of matters received in one month — no applicant data
    (case number, item, dates, status and whether on time only)."""
    today = today or calendar_service.today()
    period = Period.month(year, month)
    figures = month_figures(village.id, [(year, month)], today)[(year, month)]
    stmt = (
        select(
            Case.case_number,
            Case.kind,
            ServiceItem.name,
            Case.received_at,
            Case.status,
            Case.closed_at,
            Case.closed_late,
            Case.due_on,
        )
        .outerjoin(ServiceItem, ServiceItem.id == Case.service_item_id)
        .where(Case.village_id == village.id, Case.status != "voided")
        .where(Case.received_at >= _start_of(period.first), Case.received_at < _start_of(period.after))
        .order_by(Case.received_at, Case.id)
        .limit(BULLETIN_ROWS + 1)
    )
    matters = []
    for number, kind, item, received_at, status, closed_at, closed_late, due_on in session().execute(stmt):
        open_ = status in OPEN_STATUSES
        late = bool(closed_late) or (open_ and due_on is not None and due_on < today)
        matters.append(
            {
                "number": number,
                "item": item or label(CASE_KINDS, kind),
                "kind": label(CASE_KINDS, kind),
                "received": received_at.date(),
                "status": label(CASE_STATUSES, status),
                "closed": closed_at.date() if closed_at else None,
                "late": late,
            }
        )
    report = (
        session()
        .execute(
            select(MonthlyReport.status, MonthlyReport.figures).where(
                MonthlyReport.village_id == village.id, MonthlyReport.year == year, MonthlyReport.month == month
            )
        )
        .first()
    )
    submitted = bool(report and report[0] == "submitted")
    return {
        "year": year,
        "month": month,
        "period": period,
        "figures": published_totals(report[1] if submitted else None, figures),
        "categories": public_categories(period, village.id, today),
        "matters": matters[:BULLETIN_ROWS],
        "truncated": len(matters) > BULLETIN_ROWS,
        "report": ReportCell(year, month, report[0] if report else None),
        "today": today,
    }
