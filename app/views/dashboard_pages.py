"""The dashboards as screens — SPEC §10: what the township's and a village's first screen show,
built from the figures of :mod:`app.services.dashboard` (counts, ids, codes, dates).

Here live the screens' choices: the links (``url_for``), the alerts and their wording, the
percentages, the colour thresholds of the rates (``DASHBOARD_RATE_*`` in ``config.py``) and the
JSON the charts draw. Used by the home page (``app.views.home``) and ``app.views.dashboard``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, flash, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l

from ..models import SIX_ONES, Village
from ..policy import PolicyViolation
from ..policy.periods import (
    PERIOD_KINDS,
    Period,
    check_not_future,
    month_axis_label,
    month_period,
    parse_period,
    quarter_period,
)
from ..policy.ratings import RatingFigures
from ..services import calendar as calendar_service
from ..services import dashboard as figures
from ..services import ratings as rating_service


@dataclass
class Alert:
    level: str  # danger / warning / info
    text: str
    url: str | None = None


@dataclass(frozen=True)
class RateMarks:
    """Where a rate turns green (``good``: 按时办结率 and 当日登记率; ``signin``: 签到率) and
    where it stops being red (``warn``) — ``config.py`` ``DASHBOARD_RATE_*``."""

    good: float
    signin: float
    warn: float


def rate_marks() -> RateMarks:
    cfg = current_app.config
    return RateMarks(cfg["DASHBOARD_RATE_GOOD"], cfg["DASHBOARD_SIGNIN_GOOD"], cfg["DASHBOARD_RATE_WARN"])


def percent_text(value) -> str:
    """A per-cent figure already in per cent (``95.0`` → ``"95.0%"``), ``"—"`` for none."""
    return "—" if value is None else f"{value}%"


def pct(value: float | None) -> str:
    """A rate as the dashboards print it: ``"33%"``, ``"—"`` when there is nothing to rate."""
    return "—" if value is None else f"{round(value * 100)}%"


# --------------------------------------------------------------------------------------
# The period shown: ``?period=2026-09`` / ``2026Q3`` / ``2026`` (none: this month and quarter)
# --------------------------------------------------------------------------------------
PERIOD_ARG = "period"


def requested_period(today: dt.date, text: str | None = None) -> Period | None:
    """The period a dashboard URL asks for (``?period=…``, or ``text``); ``None``: the current
    month and quarter. A malformed or future period is refused with a flashed Chinese message
    and the current period is shown instead (never an error page)."""
    try:
        return period_from(today, text)
    except PolicyViolation as exc:
        flash(str(exc.message), "warning")
        return None


def period_from(today: dt.date, text: str | None = None) -> Period | None:
    """:func:`requested_period` without the flash: a bad or future period raises
    :class:`PolicyViolation` (the chart JSON answers it with a 400)."""
    if text is None:
        text = request.args.get(PERIOD_ARG) if has_request_context() else None
    if not text or not text.strip():
        return None
    return check_not_future(parse_period(text), today)


@dataclass
class PeriodNav:
    """The period bar of a dashboard: what is shown, and the links to the neighbours."""

    label: str  # “2026年第三季度”
    kind: str  # month | quarter | year
    param: str | None  # the ``period`` value of this page's links (``None``: the current period)
    past: bool  # a chosen period, not the default view
    prev_url: str
    next_url: str | None  # ``None`` when the next period lies in the future
    current_url: str | None  # “回到本期”; ``None`` when already on it
    kinds: list[tuple[str, str, str, bool]]  # (kind, 月/季/年, url, selected)
    action: str  # the selector form's URL (its path)
    hidden: list[tuple[str, str]]  # the form's other query values (e.g. ``problems=1``)


def period_nav(period: Period | None, today: dt.date, endpoint: str, **values) -> PeriodNav:
    """The period bar for ``endpoint`` (its other URL ``values`` kept): the period shown
    (``None``: this month), 上一期 / 下一期 (none into the future), 回到本期 and 月 / 季 / 年 for
    the same day (the chosen period's last day, or today when that is still to come)."""
    shown = period or month_period(today)

    def url(p: Period | None) -> str:
        return url_for(endpoint, **values, **({PERIOD_ARG: p.text} if p is not None else {}))

    action = urlsplit(url_for(endpoint, **values))
    following = shown.next()
    anchor = min(shown.last, today)
    kinds = [
        (kind, str(word), url(Period.containing(kind, anchor)), period is not None and kind == shown.kind)
        for kind, word in PERIOD_KINDS.items()
    ]
    return PeriodNav(
        label=shown.label,
        kind=shown.kind,
        param=period.text if period is not None else None,
        past=period is not None,
        prev_url=url(shown.previous()),
        next_url=url(following) if following.first <= today else None,
        current_url=url(None) if period is not None else None,
        kinds=kinds,
        action=action.path,
        hidden=parse_qsl(action.query),
    )


def period_ratings(period: Period | None, today: dt.date, village_id: int | None = None):
    """The 好差评 line of the dashboards: this month's (``period`` None), or the ratings given
    in the chosen period's months, summed; the open 差评 items past due are always as of today."""
    now = rating_service.rating_summary(today, village_id)
    if period is None:
        return now
    total = RatingFigures(0, 0, 0, 0, 0)
    for y, m in period.months():
        if (y, m) > (today.year, today.month):
            break
        for f in rating_service.rating_figures(y, m, village_id=village_id, today=today).values():
            total = RatingFigures(
                total.rated + f.rated,
                total.good + f.good,
                total.bad + f.bad,
                total.bad_due + f.bad_due,
                total.bad_on_time + f.bad_on_time,
            )
    return rating_service.RatingSummary(total, now.overdue_items)


def _period_words(nav: PeriodNav, month: Period, quarter: Period | None) -> dict:
    """The headings of the two figure slots: “本月”/“本季” today, the periods' names otherwise."""
    if not nav.past:
        return {"first": str(_l("本月")), "second": str(_l("本季")), "rate": str(_l("本季"))}
    return {
        "first": month.label,
        "second": quarter.label if quarter else None,
        "rate": month.label,  # the chosen period's own 按时办结率
    }


# --------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------
def calendar_alerts(today: dt.date) -> list[Alert]:
    """“2027年工作日历尚未配置” — for this year, and for next year from the fourth quarter."""
    url = url_for("CalendarDayView.list")
    return [
        Alert(
            "danger" if y == today.year else "warning",
            str(_l("%(y)s年工作日历尚未配置：期限按周末休息估算，请乡便民中心录入当年法定节假日和调休安排", y=y)),
            url,
        )
        for y in figures.unconfigured_years(today)
    ]


#: An alert names at most this many villages, the most urgent first, then “等N个村” (a county's
#: 400 names would be a wall of text; the village table below lists them all).
ALERT_NAMES = 10


def _most_first(items: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], int]:
    """``items`` to name and how many there are: all of them, in village order, up to
    :data:`ALERT_NAMES`; else the :data:`ALERT_NAMES` largest (ties in village order)."""
    if len(items) <= ALERT_NAMES:
        return items, len(items)
    return sorted(items, key=lambda item: -item[1])[:ALERT_NAMES], len(items)


def _more(named: int, total: int) -> str:
    return str(_l("等%(n)s个村", n=total)) if total > named else ""


def _names(items: list[tuple[str, int]], single: bool) -> str:
    """``：青山村 2件、石桥村 1件`` — nothing on one village's own dashboard."""
    if single:
        return ""
    named, total = _most_first(items)
    each = str(_l("%(v)s %(n)s件"))  # translated once, filled in per village
    return "：" + "、".join(each % {"v": v, "n": n} for v, n in named) + _more(len(named), total)


def _village_list(names: list[str]) -> str:
    """``青山村、石桥村`` — the first :data:`ALERT_NAMES`, then “等N个村”."""
    return "、".join(names[:ALERT_NAMES]) + _more(min(len(names), ALERT_NAMES), len(names))


# The alerts read what :class:`figures.VillageStatus` and :class:`figures.VillageRow` both
# hold: ``name``, ``now``, ``reports``, ``agent`` and ``flag``.
def _overdue_alerts(villages: list, single: bool) -> list[Alert]:
    overdue = [(v.name, v.now.overdue) for v in villages if v.now.overdue]
    if not overdue:
        return []
    total = sum(n for _, n in overdue)
    text = str(_l("超期未办结 %(n)s 件%(list)s", n=total, list=_names(overdue, single)))
    return [Alert("danger", text, url_for("CaseView.list"))]


#: More villages than this with a missing monthly report: one alert naming them all.
REPORT_ALERTS_ONE_EACH = 5


def _months(v) -> str:
    return "、".join(str(c.month) for c in v.reports["missing"])


def _report_alerts(villages: list) -> list[Alert]:
    missing = [v for v in villages if v.reports["missing"]]
    if len(missing) > REPORT_ALERTS_ONE_EACH:
        names = _village_list([f"{v.name}（{_months(v)}月）" for v in missing])
        text = _l(
            "%(n)s个村月汇总表未报送（政策第五条（一）4，逾期按第二条（四）2④扣款）：%(list)s",
            n=len(missing),
            list=names,
        )
        return [Alert("danger", str(text), url_for("MonthlyReportView.list"))]
    return [
        Alert(
            "danger",
            str(
                _l(
                    "%(v)s %(months)s月汇总表未报送（政策第五条（一）4，逾期按第二条（四）2④扣款）",
                    v=v.name,
                    months=_months(v),
                )
            ),
            url_for("MonthlyReportView.list"),
        )
        for v in missing
    ]


def _flag_alerts(villages: list, flags: list[figures.AgentFlag]) -> list[Alert]:
    names = {v.id: v.name for v in villages}
    out = []
    for f in flags:
        village = names.get(f.village_id, "")
        for line in f.messages:
            url = url_for("StrikeAlertView.agent", pk=f.agent_id)
            out.append(Alert("danger" if f.dismiss else "warning", f"{village} {f.name}：{line}", url))
    return out


def _staffing_alerts(villages: list) -> list[Alert]:
    no_agent = [v.name for v in villages if v.agent is None]
    if not no_agent:
        return []
    text = _l("暂无在岗代办员（第二条（三）1“每村确定一名”）：%(list)s", list=_village_list(no_agent))
    return [Alert("warning", str(text), url_for("AgentView.list"))]


def _due_soon_alerts(villages: list, single: bool) -> list[Alert]:
    soon = [(v.name, v.now.due_soon) for v in villages if v.now.due_soon]
    if not soon:
        return []
    text = _l("临期（1个工作日内到期）%(n)s 件%(list)s", n=sum(n for _, n in soon), list=_names(soon, single))
    return [Alert("info", str(text), url_for("CaseView.list"))]


def alerts(villages: list, today: dt.date, flags: list[figures.AgentFlag], single: bool = False) -> list[Alert]:
    """The reminders above the figures, most urgent kinds first (``villages``: statuses or rows)."""
    return [
        *calendar_alerts(today),
        *_overdue_alerts(villages, single),
        *_report_alerts(villages),
        *_flag_alerts(villages, flags),
        *_staffing_alerts(villages),
        *_due_soon_alerts(villages, single),
    ]


# --------------------------------------------------------------------------------------
# The village table: labels translated once per page, problems first in a big township
# --------------------------------------------------------------------------------------
#: Villages per page of the full table (``/dashboard/villages``).
TABLE_PAGE = 50


def table_labels() -> dict:
    """The words of the village table, each translated once per page (not once per cell):
    the templates fill them in with Jinja's ``format``."""
    from ..models.enums import REPORT_STATUSES

    return {
        "signin_title": str(_l("签到%(a)s天 / 应签%(b)s天，迟到%(c)s天")),
        "ontime_title": str(_l("按时办结%(a)s件 / 已办结%(b)s件 + 超期未办结%(c)s件")),
        "late_entry_title": str(_l("未当日登记%(n)s件")),
        "report_cell": str(_l("%(m)s月%(s)s")),
        "report_late": str(_l("逾期报送")),
        "report_current": str(_l("本月（月底前报送）")),
        "report_status": {k: str(v) for k, v in REPORT_STATUSES.items()},
        "report_none": str(_l("未填报")),
        "vacant": str(_l("暂缺")),
        "dismiss": str(_l("应予解聘")),
        "warning": str(_l("两次警示")),
        "six_ok": str(_l("达标")),
        "six_missing": str(_l("缺%(n)s项")),
    }


def full_table_villages() -> int:
    """Up to this many villages the township's first screen shows every village's row
    (``DASHBOARD_FULL_TABLE_VILLAGES``); above it, the villages with a problem, and the full
    table one click away."""
    return int(current_app.config.get("DASHBOARD_FULL_TABLE_VILLAGES", 30))


def problem_rows_shown() -> int:
    """The villages a big township's first screen shows (``DASHBOARD_PROBLEM_ROWS``): the rows
    of its table, the bars of its on-time chart."""
    return int(current_app.config.get("DASHBOARD_PROBLEM_ROWS", 20))


def _problem_rank(v: figures.VillageStatus) -> tuple | None:
    """Why a village needs the township's attention now, most urgent first; ``None``: in order."""
    dismiss = bool(v.flag and v.flag.dismiss)
    warning = bool(v.flag and v.flag.warning)
    missing = len(v.reports["missing"])
    if not (dismiss or warning or missing or v.now.overdue or v.agent is None):
        return None
    return (not dismiss, -v.now.overdue, -missing, not warning, v.agent is not None, v.code)


def problem_villages(statuses: list[figures.VillageStatus]) -> list[figures.VillageStatus]:
    """The villages with 超期 cases, a missing monthly report, strikes or no agent in post,
    most urgent first."""
    ranked = [(rank, v) for v in statuses if (rank := _problem_rank(v)) is not None]
    return [v for _, v in sorted(ranked, key=lambda x: x[0])]


# --------------------------------------------------------------------------------------
# The two dashboards
# --------------------------------------------------------------------------------------
HOME = "HomeView.index"


def township_dashboard(
    today: dt.date | None = None, period: Period | None = None, endpoint: str = HOME, *, pick=None, **values
) -> dict:
    """Everything the township's first screen shows (one village for a village user): of this
    month and quarter, or of a chosen past ``period`` (its period bar links to ``endpoint``).

    Where every village stands is read for all of them (light: :func:`figures.village_statuses`);
    the full figures only for the rows on screen — every village up to
    :func:`full_table_villages`, else the ``DASHBOARD_PROBLEM_ROWS`` most urgent — or for
    ``pick(statuses, problems)``'s choice (a page of the full table): the screen's time does not
    grow with the villages of a county."""
    today = today or calendar_service.today()
    picked: dict = {}

    def shown(statuses: list[figures.VillageStatus]) -> list[figures.VillageStatus]:
        picked["full"] = full = pick is None and len(statuses) <= full_table_villages()
        picked["problems"] = problems = [] if full else problem_villages(statuses)
        if pick is not None:
            return pick(statuses, problems)
        return statuses if full else problems[: problem_rows_shown()]

    t = figures.township_figures(today, period, shown)
    nav = period_nav(period, today, endpoint, **values)
    flags = t.flags
    return {
        "table_rows": t.rows,
        "table_full": picked["full"],
        "rows_shown": problem_rows_shown(),
        "problems": len(picked["problems"]),
        "labels": table_labels(),
        "today": t.today,
        "month": t.month,
        "quarter": t.quarter,
        "rows": t.rows,
        "total_month": t.total_month,
        "total_quarter": t.total_quarter,
        "open_now": t.open_now,
        "overdue_now": t.overdue_now,
        "due_soon_now": t.due_soon_now,
        "villages": t.villages,
        "six_ones_met": t.six_ones_met,
        "reports_prev_in": t.reports_prev_in,
        "prev_month": t.prev_month[1],
        "dismiss": [f for f in flags if f.dismiss],
        "warnings": [f for f in flags if f.warning and not f.dismiss],
        "alerts": alerts(t.statuses, t.today, flags),
        "ratings": period_ratings(period, t.today),
        "pct": pct,
        "percent": percent_text,
        "rates": rate_marks(),
        "nav": nav,
        "words": _period_words(nav, t.month, t.quarter),
        "rate_total": t.total_month if nav.past else t.total_quarter,
        "chart_src": url_for("DashboardView.township_data", **({PERIOD_ARG: nav.param} if nav.param else {})),
        "annual_url": url_for("ExportView.download", kind="annual", year=(period or t.month).first.year),
    }


def village_table_page(
    page: int, problems_only: bool = False, today: dt.date | None = None, period: Period | None = None
) -> dict:
    """``/dashboard/villages?page=N``: every village's row (``problems_only``: those needing
    attention, most urgent first), :data:`TABLE_PAGE` a page — figures counted for that page's
    villages only."""
    values = {"problems": 1} if problems_only else {}
    at: dict = {}

    def one_page(statuses, problems):
        listed = problems if problems_only else statuses
        pages = max(1, -(-len(listed) // TABLE_PAGE))
        at.update(page=min(max(1, page), pages), pages=pages, listed=len(listed))
        return listed[(at["page"] - 1) * TABLE_PAGE : at["page"] * TABLE_PAGE]

    d = township_dashboard(today, period, "DashboardView.villages", pick=one_page, **values)
    d.update(table_full=True, problems_only=problems_only, **at)
    return d


def _village_links(village: Village) -> dict:
    return {
        "add_case": url_for("CaseView.add"),
        "cases": url_for("CaseView.list"),
        "sign_in": url_for("SignInView.today"),
        "reports": url_for("MonthlyReportView.list"),
        "card": url_for("NoticeView.card", code=village.code),
        "board": url_for("NoticeView.board", code=village.code),
        "bulletin": url_for("NoticeView.bulletin", code=village.code),
        "public": url_for("public.village", code=village.code),
    }


def village_dashboard(
    village: Village,
    today: dt.date | None = None,
    todo_village_id: int | None = None,
    period: Period | None = None,
    endpoint: str = HOME,
    **values,
) -> dict:
    """The same figures for one village (of this month and quarter, or of a chosen past
    ``period``), plus its to-do list and 六个一 checklist.

    ``todo_village_id``: township staff looking at one village (their scope is every village).
    """
    today = today or calendar_service.today()
    v = figures.village_figures(village, today, todo_village_id, period)
    nav = period_nav(period, today, endpoint, **values)
    row = v.row
    return {
        "today": v.today,
        "village": village,
        "month": v.month,
        "quarter": v.quarter,
        "row": row,
        "alerts": alerts([row], v.today, [row.flag] if row.flag else [], single=True)
        if row
        else calendar_alerts(v.today),
        "todo": v.todo,
        "signed_today": v.signed_today,
        "workday_today": v.workday_today,
        "ratings": period_ratings(period, v.today, village.id),
        "pct": pct,
        "percent": percent_text,
        "rates": rate_marks(),
        "nav": nav,
        "words": _period_words(nav, v.month, v.quarter),
        "chart_src": url_for(
            "DashboardView.village_data", code=village.code, **({PERIOD_ARG: nav.param} if nav.param else {})
        ),
        "six_ones": SIX_ONES,
        "case_url": lambda pk: url_for("CaseView.show", pk=pk),
        "links": _village_links(village),
    }


def home_dashboard(home: dict) -> dict:
    """The first screen's context (``app.services.home.home_context``) with its dashboard ``d``:
    the township's for township roles, the village's for 村支书 and 村代办员."""
    if home["kind"] in ("township", "village"):
        today = calendar_service.today()
        period = requested_period(today)
        if home["kind"] == "township":
            home["d"] = township_dashboard(today, period)
        else:
            home["d"] = village_dashboard(home["village"], today, period=period)
    return home


# --------------------------------------------------------------------------------------
# Chart data (JSON endpoints)
# --------------------------------------------------------------------------------------
def _trend_json(trend: figures.Trend) -> dict:
    return {
        "months": [f"{y}-{m:02d}" for y, m in trend.months],
        "labels": [month_axis_label(y, m) for y, m in trend.months],
        "consult": trend.consult,
        "proxy": trend.proxy,
        "overdue": trend.overdue,
    }


def _chart_labels(period: Period | None = None) -> dict:
    return {
        "consult": str(_l("咨询")),
        "proxy": str(_l("代办")),
        "overdue": str(_l("超期")),
        "trend": str(_l("近12个月受理量") if period is None else _l("%(p)s止12个月受理量", p=period.label)),
        "rate": str(_l("按时办结率")),
        "none": str(_l("暂无数据")),
    }


def chart_period(today: dt.date, period: Period | None) -> Period:
    """The period the ontime and category charts count over: this quarter, or the chosen one."""
    return period or quarter_period(today)


def township_chart_data(today: dt.date | None = None, period: Period | None = None) -> dict:
    with figures.shared_reads():  # the trend and the on-time rates read the same past-due cases
        return _township_chart_data(today, period)


def _township_chart_data(today: dt.date | None, period: Period | None) -> dict:
    today = today or calendar_service.today()
    quarter = chart_period(today, period)
    marks = rate_marks()
    if figures.active_village_count() > full_table_villages():
        # a big township: the lowest rates (400 bars are not a chart; the full table lists every
        # village's rate), ranked by the database
        ontime = figures.lowest_ontime(quarter, today, problem_rows_shown())
        title = str(_l("%(q)s按时办结率最低的%(n)s个村", q=quarter.label, n=problem_rows_shown()))
    else:
        ontime = figures.ontime_by_village(quarter, today)
        title = str(_l("%(q)s各村按时办结率", q=quarter.label))
    return {
        "period": quarter.text,
        "trend": _trend_json(figures.trend(today, until=period)),
        "ontime": {
            "title": title,
            "villages": [v.name for v, _ in ontime],
            "rates": [None if r is None else round(r * 100, 1) for _, r in ontime],
            "marks": {"good": round(marks.good * 100, 1), "warn": round(marks.warn * 100, 1)},  # bar colours, %
        },
        "categories": {
            "title": str(_l("%(q)s受理事项分类", q=quarter.label)),
            "items": figures.categories(quarter, today=today),
        },
        "labels": _chart_labels(period),
    }


def village_chart_data(village: Village, today: dt.date | None = None, period: Period | None = None) -> dict:
    today = today or calendar_service.today()
    quarter = chart_period(today, period)
    return {
        "period": quarter.text,
        "trend": _trend_json(figures.trend(today, village.id, until=period)),
        "categories": {
            "title": str(_l("%(q)s受理事项分类", q=quarter.label)),
            "items": figures.categories(quarter, village.id, today),
        },
        "labels": _chart_labels(period),
    }
