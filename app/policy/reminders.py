"""When the system reminds whom (issue 14 §3) — pure rules over the working-day calendar.

- a case is **due soon** with one working day or less left and **overdue** past its deadline
  (``case_flow.deadline_state``, SPEC §5); the agent is told of both, 乡便民中心 once it is
  overdue (§五(一)3 "对超时未办结的按相关规定追究责任");
- the month-end report reminder falls on the **last two working days** of the month
  (§五(一)4 "于每月月底前将本月的统计表报乡便民服务中心"; it may be submitted from the last
  working day on, ``reports.report_submission_opens``);
- in **December** the township is told when next year's working calendar is not configured
  (SPEC §5: the package knows only the years up to its release).
"""

from __future__ import annotations

from datetime import date, timedelta

from .case_flow import deadline_state, soon_limit
from .reports import report_submission_opens
from .workdays import WorkCalendar

#: How many of the month's last working days carry the report reminder.
MONTH_END_REMINDER_WORKDAYS = 2


def case_reminder(status: str, due_on: date | None, today: date, cal: WorkCalendar) -> str | None:
    """``"soon"`` (≤ 1 working day left), ``"overdue"`` (open past its deadline) or None."""
    state = deadline_state(status, due_on, False, today, soon_limit(today, cal))
    return state if state in ("soon", "overdue") else None


def month_end_reminder_days(
    year: int, month: int, cal: WorkCalendar, n: int = MONTH_END_REMINDER_WORKDAYS
) -> list[date]:
    """The month's last ``n`` working days, earliest first (November 2026: 11-27, 11-30)."""
    last = report_submission_opens(year, month, cal)
    days = [last] if cal.is_workday(last) else []
    day = last - timedelta(days=1)
    while len(days) < n and day.month == month:
        if cal.is_workday(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def month_end_reminder(today: date, cal: WorkCalendar) -> int | None:
    """How many working days are left in the month on ``today`` counting today (2 or 1) when
    ``today`` is one of the reminder days, else None."""
    days = month_end_reminder_days(today.year, today.month, cal)
    if today not in days:
        return None
    return len(days) - days.index(today)


def next_year_calendar_check(today: date) -> int | None:
    """The year whose calendar must be checked on ``today``: next year, in December only."""
    return today.year + 1 if today.month == 12 else None
