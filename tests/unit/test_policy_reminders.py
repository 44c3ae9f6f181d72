"""When reminders fall (issue 14 §3): 临期/超期 on the working-day calendar, the month's last two
working days for the 月汇总表 (§五(一)4), December for next year's calendar; the retry delay
and the job schedules."""

from __future__ import annotations

import datetime as dt

import pytest

from app.jobs.registry import daily, every
from app.notify import backoff_delay
from app.policy.reminders import (
    case_reminder,
    month_end_reminder,
    month_end_reminder_days,
    next_year_calendar_check,
)
from app.policy.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("year", "month", "days"),
    [
        (2026, 11, [D(2026, 11, 27), D(2026, 11, 30)]),  # ends on a Monday; Friday before it
        (2026, 10, [D(2026, 10, 29), D(2026, 10, 30)]),  # 10-31 is a Saturday
        (2026, 9, [D(2026, 9, 29), D(2026, 9, 30)]),  # before 国庆
        (2026, 12, [D(2026, 12, 30), D(2026, 12, 31)]),  # the year's end
        (2027, 1, [D(2027, 1, 28), D(2027, 1, 29)]),  # a year the calendar does not know: weekends
        (2026, 2, [D(2026, 2, 27), D(2026, 2, 28)]),  # 02-28 is a make-up working Saturday (调休)
    ],
)
def test_month_end_reminder_falls_on_the_last_two_working_days(year, month, days):
    assert month_end_reminder_days(year, month, CAL) == days
    assert month_end_reminder(days[0], CAL) == 2
    assert month_end_reminder(days[1], CAL) == 1
    assert month_end_reminder(days[0] - dt.timedelta(days=1), CAL) is None


def test_month_end_reminder_not_on_a_rest_day_at_the_end():
    assert month_end_reminder(D(2026, 10, 31), CAL) is None  # Saturday, not a working day
    assert month_end_reminder(D(2026, 11, 26), CAL) is None


def test_case_due_soon_with_one_working_day_or_less_across_guoqing():
    # 2026-09-30 → the next working day is 10-08 (国庆 10-01…10-07): one working day left
    assert case_reminder("accepted", D(2026, 10, 8), D(2026, 9, 30), CAL) == "soon"
    assert case_reminder("accepted", D(2026, 10, 9), D(2026, 9, 30), CAL) is None
    # submit-by 2026-10-10, a make-up working Saturday: soon on Friday 10-09, overdue on Sunday 10-11
    assert case_reminder("accepted", D(2026, 10, 10), D(2026, 10, 9), CAL) == "soon"
    assert case_reminder("accepted", D(2026, 10, 10), D(2026, 10, 10), CAL) == "soon"
    assert case_reminder("accepted", D(2026, 10, 10), D(2026, 10, 11), CAL) == "overdue"


def test_case_reminder_only_for_open_cases_with_a_deadline():
    assert case_reminder("completed", D(2026, 11, 1), D(2026, 11, 26), CAL) is None
    assert case_reminder("voided", D(2026, 11, 1), D(2026, 11, 26), CAL) is None
    assert case_reminder("accepted", None, D(2026, 11, 26), CAL) is None
    assert case_reminder("submitted", D(2026, 11, 25), D(2026, 11, 26), CAL) == "overdue"
    # over the year's end: 2027 is not configured, so Friday 2027-01-01 counts as a working day
    # (weekends rule) — due on Monday 01-04 is two working days away on 12-31
    assert case_reminder("accepted", D(2027, 1, 4), D(2026, 12, 31), CAL) is None
    assert case_reminder("accepted", D(2027, 1, 1), D(2026, 12, 31), CAL) == "soon"
    assert case_reminder("accepted", D(2026, 12, 31), D(2027, 1, 1), CAL) == "overdue"


def test_next_years_calendar_is_checked_in_december_only():
    assert next_year_calendar_check(D(2026, 12, 1)) == 2027
    assert next_year_calendar_check(D(2026, 12, 31)) == 2027
    assert next_year_calendar_check(D(2026, 11, 30)) is None
    assert next_year_calendar_check(D(2027, 1, 1)) is None


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff_delay(50).total_seconds() == 6 * 3600
    assert backoff_delay(3, base_seconds=10, cap_seconds=25).total_seconds() == 25


def test_daily_schedule_slots_across_month_and_year_ends():
    s = daily("00:30")
    assert s.last_slot(dt.datetime(2027, 1, 1, 0, 10)) == dt.datetime(2026, 12, 31, 0, 30)
    assert s.last_slot(dt.datetime(2026, 12, 1, 0, 30)) == dt.datetime(2026, 12, 1, 0, 30)
    assert s.is_due(None, dt.datetime(2026, 12, 1, 0, 0))
    assert not s.is_due(dt.datetime(2026, 11, 30, 23, 59), dt.datetime(2026, 12, 1, 0, 29))
    assert s.is_due(dt.datetime(2026, 11, 30, 23, 59), dt.datetime(2026, 12, 1, 0, 31))
    assert s.describe() == "每天 00:30"


def test_every_schedule_counts_slots_from_midnight():
    s = every(5)
    assert s.last_slot(dt.datetime(2026, 11, 30, 8, 7, 30)) == dt.datetime(2026, 11, 30, 8, 5)
    assert not s.is_due(dt.datetime(2026, 11, 30, 8, 5, 1), dt.datetime(2026, 11, 30, 8, 9, 59))
    assert s.is_due(dt.datetime(2026, 11, 30, 8, 5, 1), dt.datetime(2026, 11, 30, 8, 10))
    with pytest.raises(ValueError):
        every(7)
