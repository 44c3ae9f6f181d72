"""What the scheduled jobs tell whom (issue 14 §3) — each function is idempotent: it writes
notices through :func:`services.notifications.notify`, whose event keys make a second run
write nothing new. The rules of *when* live in :mod:`app.policy.reminders`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Agent, Case, Village
from ..policy.reminders import case_reminder, month_end_reminder, next_year_calendar_check
from ..policy.reports import report_due_date
from .calendar import work_calendar
from .common import session
from .dashboard import unconfigured_years
from .deductions import agent_in_post, strike_alerts
from .notifications import (
    ABOUT_AGENT,
    ABOUT_BAD_RATING,
    ABOUT_CASE,
    ABOUT_REPORT,
    ABOUT_VILLAGE,
    TOWNSHIP,
    Notice,
    calendar_keepers,
    notify,
    supervisors,
    told,
    township_staff,
    user_by_id,
)
from .reports import report_for, reports_start


def _agent_user(agent: Agent | None):
    return user_by_id(agent.user_id) if agent is not None else None


def _item(case: Case) -> str:
    return case.service_item.name if case.service_item else str(case.kind_label)


# --- cases: due soon / overdue ----------------------------------------------------------------


def remind_cases(now: dt.datetime) -> str:
    """Due soon (≤ 1 working day left) → the agent; overdue → the agent and 乡便民中心. One
    notice per case and deadline (an extension's new date is a new event)."""
    today, cal = now.date(), work_calendar()
    soon = cal.add_workdays(today, 1)
    cases = (
        session()
        .execute(
            select(Case)
            .where(Case.open_clause(), Case.due_on.is_not(None), Case.due_on <= soon)
            .order_by(Case.due_on, Case.id)
        )
        .scalars()
        .all()
    )
    staff = township_staff()
    # cases told of their current deadline before (every day's run after the first) are skipped
    # in one query; notify() would write nothing for them anyway
    states = [(case, case_reminder(case.status, case.due_on, today, cal)) for case in cases]
    done = told(_last_event(case, state) for case, state in states if state)
    added = 0
    for case, state in states:
        if state is None or _last_event(case, state) in done:
            continue
        if state == "soon":
            added += _case_soon(case, now)
        elif state == "overdue":
            added += _case_overdue(case, staff, now)
    return str(_l("检查临期、超期事项%(n)s件，新增提醒%(k)s条", n=len(cases), k=added))


def _last_event(case: Case, state: str | None) -> str:
    """The event written last for the case's state (the township's escalation of an overdue one)."""
    if state == "overdue":
        return f"case.overdue:{case.id}:{case.due_on}:township"
    return f"case.soon:{case.id}:{case.due_on}"


def _case_soon(case: Case, now) -> int:
    text = _l(
        "【即将到期】%(no)s“%(item)s”的期限为%(due)s，剩余不足1个工作日，请按时办理。",
        no=case.case_number,
        item=_item(case),
        due=f"{case.due_on:%Y-%m-%d}",
    )
    notice = Notice(
        "case_due_soon", f"case.soon:{case.id}:{case.due_on}", str(text), case.village_id, (ABOUT_CASE, case.id)
    )
    return notify(notice, [_agent_user(case.agent)], group=case.village.code, now=now)


def _case_overdue(case: Case, staff, now) -> int:
    due = f"{case.due_on:%Y-%m-%d}"
    text = _l(
        "【已超期】%(no)s“%(item)s”的期限%(due)s已过，尚未办结。请尽快办理；确实不能按期办结的，"
        "须向申请人说明原因并登记延期。",
        no=case.case_number,
        item=_item(case),
        due=due,
    )
    event = f"case.overdue:{case.id}:{case.due_on}"
    about = (ABOUT_CASE, case.id)
    added = notify(
        Notice("case_overdue", event, str(text), case.village_id, about),
        [_agent_user(case.agent)],
        case.village.code,
        now,
    )
    escalation = _l(
        "【超期未办结】%(village)s %(no)s“%(item)s”（代办员：%(agent)s）期限%(due)s已过，仍未办结。",
        village=case.village.name,
        no=case.case_number,
        item=_item(case),
        agent=case.agent.name if case.agent else "—",
        due=due,
    )
    notice = Notice("case_overdue_township", event + ":township", str(escalation), case.village_id, about)
    return added + notify(notice, staff, group=TOWNSHIP, now=now)


# --- 月汇总表 on the month's last two working days -------------------------------------------------


def _active_villages() -> list[Village]:
    return list(session().execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars())


def remind_month_end(now: dt.datetime) -> str:
    """On the month's last two working days: the agent of every village whose report of this
    month is not submitted yet (没有情况也须报空表)."""
    today, cal = now.date(), work_calendar()
    left = month_end_reminder(today, cal)
    if left is None:
        return str(_l("今天不是月末最后两个工作日，无需提醒"))
    start = reports_start()
    if start is not None and (today.year, today.month) < tuple(start):
        # before the go-live month (MONTHLY_REPORTS_FROM) no report is required; with no start
        # at all (a new installation) the reminder is given anyway — it costs nothing
        return str(_l("本月早于月汇总表启用月份，无需提醒"))
    due = f"{report_due_date(today.year, today.month, cal):%Y-%m-%d}"
    added = 0
    for village in _active_villages():
        report = report_for(village.id, today.year, today.month)
        if report is not None and report.submitted_at is not None:
            continue
        agent = agent_in_post(village.id, today)
        if agent is None:
            continue
        if left > 1:
            text = _l(
                "【月汇总表】%(m)s月汇总表将于本月最后一个工作日起可报送，报送期限为%(due)s；没有情况也须报空表。",
                m=today.month,
                due=due,
            )
        else:
            text = _l(
                "【月汇总表】今天是本月最后一个工作日，%(m)s月汇总表已可报送，报送期限为%(due)s；"
                "逾期未报将扣除当月补助（④）。没有情况也须报空表。",
                m=today.month,
                due=due,
            )
        event = f"report.month_end:{village.id}:{today.year}-{today.month:02d}:{today}"
        about = (ABOUT_REPORT, report.id) if report is not None else (ABOUT_VILLAGE, village.id)
        notice = Notice("report_month_end", event, str(text), village.id, about)
        added += notify(notice, [_agent_user(agent)], group=village.code, now=now)
    return str(_l("新增月汇总表报送提醒%(k)s条", k=added))


def tell_report_deductions(results: Iterable, now: dt.datetime) -> int:
    """After ④ was settled: the village's agent and 乡便民中心 hear of each new deduction."""
    added = 0
    staff = township_staff()
    by_id = {v.id: v for v in _active_villages()}
    for result in results:
        for village_id in getattr(result, "flagged_ids", []):
            village = by_id.get(village_id)
            if village is None:
                continue
            text = _l(
                "【逾期扣款④】%(village)s %(y)s年%(m)s月汇总表未按时报送，已扣除当月补助（④）。",
                village=village.name,
                y=result.year,
                m=result.month,
            )
            event = f"report.deduction:{village.id}:{result.year}-{result.month:02d}"
            agent = agent_in_post(village.id, dt.date(result.year, result.month, 1))
            notice = Notice("report_deduction", event, str(text), village.id, (ABOUT_VILLAGE, village.id))
            added += notify(notice, [_agent_user(agent), *staff], group=village.code, now=now)
    return added


# --- strikes: 2 = 警告, 3 = 应予解聘 ---------------------------------------------------------------


def remind_strikes(now: dt.datetime) -> str:
    """Every agent with two strikes of a kind (警告) or three (应予解聘), or a failed 年度考核:
    乡便民中心 and 乡纪检办 hear once per kind and level within the current appointment."""
    people = supervisors()
    added = 0
    alerts = strike_alerts()
    for alert in alerts:
        agent = alert.agent
        village = agent.village.name if agent.village else ""
        hired = agent.hired_on or ""
        for level, codes in (("dismiss", alert.status.dismiss), ("warning", alert.status.warnings)):
            for code in codes:
                count = alert.status.counts.get(code, 0)
                line = _strike_line(level, code, count, alert.status.threshold)
                text = f"【{_level_label(level)}】{village} 代办员{agent.name}：{line}"
                event = f"strike:{agent.id}:{hired}:{code.value}:{level}"
                kind = "strike_dismiss" if level == "dismiss" else "strike_warning"
                added += notify(
                    Notice(kind, event, text, agent.village_id, (ABOUT_AGENT, agent.id)), people, TOWNSHIP, now
                )
        for year in alert.failed_years:
            text = f"【{_level_label('dismiss')}】{village} 代办员{agent.name}：" + str(
                _l("%(y)s年度考核不合格，依照政策第二条（四）2应予解聘", y=year)
            )
            event = f"assessment.failed:{agent.id}:{year}"
            notice = Notice("strike_dismiss", event, text, agent.village_id, (ABOUT_AGENT, agent.id))
            added += notify(notice, people, TOWNSHIP, now)
    return str(_l("有考核警告或应予解聘的代办员%(n)s名，新增提醒%(k)s条", n=len(alerts), k=added))


def _level_label(level: str) -> str:
    return str(_l("应予解聘") if level == "dismiss" else _l("考核警告"))


def _strike_line(level: str, code, count: int, threshold: int) -> str:
    if level == "dismiss":
        return str(
            _l(
                "%(symbol)s%(label)s已累计%(count)s次，依照政策第二条（四）2应予解聘",
                symbol=code.symbol,
                label=code.label,
                count=count,
            )
        )
    return str(
        _l(
            "%(symbol)s%(label)s已累计%(count)s次，再发生%(left)s次将予以解聘",
            symbol=code.symbol,
            label=code.label,
            count=count,
            left=threshold - count,
        )
    )


# --- December: next year's working calendar ---------------------------------------------------


def remind_calendar(now: dt.datetime) -> str:
    """In December, while next year's working calendar is not configured: 乡便民中心 and Admin,
    once a week (a new ISO week is a new reminder)."""
    today = now.date()
    year = next_year_calendar_check(today)
    if year is None or year not in unconfigured_years(today):
        return str(_l("无需提醒工作日历"))
    week = today.isocalendar()
    text = _l(
        "【工作日历】%(y)s年的工作日历（法定节假日和调休）尚未配置。请在“代办台账 → 工作日历”中导入国务院办公厅"
        "公布的放假安排并确认全年；未配置前，%(y)s年的期限只按周末休息计算。",
        y=year,
    )
    notice = Notice("calendar_next_year", f"calendar.unconfigured:{year}:{week[0]}-W{week[1]:02d}", str(text))
    added = notify(notice, calendar_keepers(), group=TOWNSHIP, now=now)
    return str(_l("%(y)s年工作日历未配置，新增提醒%(k)s条", y=year, k=added))


def remind_bad_ratings(now: dt.datetime) -> str:
    """差评整改 (issue 14 §1): 乡便民中心 hears of every open 差评 item due within one working day;
    past its due day the item escalates to 乡便民中心 and 乡纪检办 (once per item and due day)."""
    from .ratings import open_items_due_by  # ratings imports notifications: keep the edge one-way

    today = now.date()
    soon = work_calendar().add_workdays(today, 1)
    staff, people = township_staff(), supervisors()
    added = overdue = 0
    for item in open_items_due_by(soon):
        late = item.due_on < today
        overdue += late
        values = {"no": item.case.case_number, "item": _item(item.case), "due": f"{item.due_on:%Y-%m-%d}"}
        text = str(
            _l("【差评整改超期】%(no)s“%(item)s”的差评整改反馈期限为%(due)s，已超期，请督办。", **values)
            if late
            else _l(
                "【差评整改即将到期】%(no)s“%(item)s”的差评整改反馈期限为%(due)s，请按期核实、整改并反馈申请人。",
                **values,
            )
        )
        kind, event = (
            ("bad_rating_overdue", f"bad_rating.overdue:{item.id}:{item.due_on}")
            if late
            else ("bad_rating_due_soon", f"bad_rating.soon:{item.id}:{item.due_on}")
        )
        notice = Notice(kind, event, text, item.village_id, (ABOUT_BAD_RATING, item.id))
        added += notify(notice, people if late else staff, TOWNSHIP, now)
    return str(_l("差评整改超期%(o)s件，新增提醒%(k)s条", o=overdue, k=added))
