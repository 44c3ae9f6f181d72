"""The monthly statistics report (村级便民服务报送事项办理情况统计表) — 政策第五条（一）4, SPEC §8.

"按月填写……并于每月月底前将本月的统计表报乡便民服务中心（注：没有情况每月报空表）";
a report not submitted by the end of its due day (:func:`report_due_date`) is late — deduction ④
of 第二条（四）2. It may be submitted from the month's last working day on
(:func:`report_submission_opens`).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from .workdays import WorkCalendar


def month_last_day(year: int, month: int) -> date:
    """The calendar's last day of the month (月底)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def report_due_date(year: int, month: int, cal: WorkCalendar) -> date:
    """The day by whose end the report of ``(year, month)`` is on time.

    第五条（一）4 "于每月月底前将本月的统计表报乡便民服务中心": due on the month's last day. When
    that day is a rest day of the working-day calendar (a weekend, a holiday — not a make-up
    working day), the report is on time until the end of the next working day: 《中华人民共和国
    民法典》第二百零三条 "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日"
    (the township office that receives it is closed on a rest day). Examples: October 2026 ends
    on Saturday 10-31 → due Monday 2026-11-02; January 2027 ends on Sunday 01-31 → due Monday
    2027-02-01; September 2026 ends on Wednesday 09-30 → due that day.
    """
    last = month_last_day(year, month)
    return last if cal.is_workday(last) else cal.add_workdays(last, 1)


def report_deadline(year: int, month: int, cal: WorkCalendar) -> datetime:
    """The last moment a report counts as on time: 23:59:59.999999 of its due day."""
    return datetime.combine(report_due_date(year, month, cal), time.max)


def report_submission_opens(year: int, month: int, cal: WorkCalendar) -> date:
    """The first day the report of ``(year, month)`` may be submitted: the month's last working
    day. A report covers the whole month (第五条（一）4 "按月填写……每月月底前" 报送), so it is not
    locked before the month's business is done — yet it can still be handed in on time when the
    month ends on a weekend or holiday. December 2026: Thursday 12-31; October 2026: Friday 10-30
    (10-31 is a Saturday). A month without any working day (not in any real calendar) opens on
    its last day."""
    first, day = date(year, month, 1), month_last_day(year, month)
    while day > first and not cal.is_workday(day):
        day -= timedelta(days=1)
    return day


def submission_is_open(year: int, month: int, today: date, cal: WorkCalendar) -> bool:
    """Whether the report of ``(year, month)`` may be submitted on ``today``."""
    return _as_date(today) >= report_submission_opens(year, month, cal)


def _as_date(d: date | datetime) -> date:
    return d.date() if isinstance(d, datetime) else d


def _naive(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None)


def is_report_late(submitted_at: datetime | None, year: int, month: int, now: datetime, cal: WorkCalendar) -> bool:
    """Late when submitted after its due day (:func:`report_due_date`), or still not submitted
    once that day has passed. Times are local wall-clock times."""
    return is_late_for(report_deadline(year, month, cal), submitted_at, now)


def is_late_for(deadline: datetime, submitted_at: datetime | None, now: datetime) -> bool:
    """:func:`is_report_late` against a month's :func:`report_deadline` already worked out (the
    same month of many villages: the calendar is walked once)."""
    if submitted_at is not None:
        return _naive(submitted_at) > deadline
    return _naive(now) > deadline


def reports_required(year: int, month: int, start: tuple[int, int] | None) -> bool:
    """Whether a report of ``(year, month)`` is required at all: from the go-live month
    ``start`` (the setting ``MONTHLY_REPORTS_FROM``) on; never before it (installing the system
    does not fine the villages for the months before it), and not at all without a start."""
    return start is not None and (year, month) >= tuple(start)


def months_between(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    """Every ``(year, month)`` from ``start`` up to and including ``end`` (empty if end < start)."""
    months, (y, m) = [], start
    while (y, m) <= end:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months
