"""The jobs of issue 14 §3. Each is a thin, idempotent call of a service for ``now``."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from ..services import maintenance, notifications, reminders
from ..services.reports import settle_missing_reports
from .registry import daily, every, job


@job("settle-reports", schedule=daily("00:30"), title=_l("核定逾期未报月汇总表的扣款④"))
def settle_reports(now: dt.datetime) -> str:
    """④ for every month past its due day (``services.reports.settle_missing_reports``); the
    villages fined and 乡便民中心 are told."""
    results = settle_missing_reports(now)
    flagged = sum(len(r.flagged) for r in results)
    told = reminders.tell_report_deductions(results, now)
    return str(_l("核定%(n)s个月，新增扣款④ %(k)s笔，提醒%(t)s条", n=len(results), k=flagged, t=told))


@job("case-reminders", schedule=daily("08:00"), title=_l("临期、超期事项提醒"))
def case_reminders(now: dt.datetime) -> str:
    return reminders.remind_cases(now)


@job("report-reminders", schedule=daily("08:30"), title=_l("月末月汇总表报送提醒"))
def report_reminders(now: dt.datetime) -> str:
    return reminders.remind_month_end(now)


@job("strike-alerts", schedule=daily("07:30"), title=_l("考核警告与应予解聘提醒"))
def strike_alerts(now: dt.datetime) -> str:
    return reminders.remind_strikes(now)


@job("calendar-check", schedule=daily("09:00"), title=_l("12月提醒配置下一年工作日历"))
def calendar_check(now: dt.datetime) -> str:
    return reminders.remind_calendar(now)


@job("deliver", schedule=every(1), title=_l("发送企业微信、邮件、短信提醒（失败重试）"), lock_minutes=10, quiet=True)
def deliver(now: dt.datetime) -> str:
    """Quiet: a minute with nothing to send leaves no run-log row."""
    result = notifications.deliver_due(now)
    return result.text() if (result.sent or result.retrying or result.failed) else ""


@job("db-statistics", schedule=daily("03:10"), title=_l("更新数据库查询统计信息"))
def db_statistics(now: dt.datetime) -> str:
    """The planner's statistics (``services.maintenance``): without them SQLite picks slow plans
    at county scale."""
    del now  # the same work whenever it runs
    return maintenance.refresh_statistics()
