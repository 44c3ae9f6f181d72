"""Case deadlines — 政策第五条（一）3, 第五条（二）4, SPEC §5."""

from datetime import date, datetime

import pytest

from app.policy.deadlines import (
    calendar_warning,
    complete_deadline,
    effective_deadline,
    is_due_soon,
    is_overdue,
    submit_deadline,
)
from app.policy.workdays import WorkCalendar

pytestmark = pytest.mark.dates

CAL = WorkCalendar()


# --- 报送: 三个工作日内; 急办件即时报送 ---------------------------------------------------------


def test_spec_example_received_before_national_day():
    # 10-01..10-07 holiday; 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up working day).
    received = datetime(2026, 9, 30, 16, 20)
    assert submit_deadline(received, False, CAL) == date(2026, 10, 10)


def test_urgent_case_is_due_the_same_day():
    received = datetime(2026, 9, 30, 16, 20)
    assert submit_deadline(received, True, CAL) == date(2026, 9, 30)
    # Even when received on a holiday.
    assert submit_deadline(date(2026, 10, 3), True, CAL) == date(2026, 10, 3)


def test_ordinary_week():
    # Mon → Thu, Thu → Tue.
    assert submit_deadline(date(2026, 11, 23), False, CAL) == date(2026, 11, 26)
    assert submit_deadline(date(2026, 11, 26), False, CAL) == date(2026, 12, 1)


def test_spring_festival_2026():
    # Fri 02-13 → Sat 02-14 (make-up) is day 1; 02-15..02-23 holiday; 02-24, 02-25.
    assert submit_deadline(date(2026, 2, 13), False, CAL) == date(2026, 2, 25)
    # Received during the holiday: 02-24, 02-25, 02-26.
    assert submit_deadline(date(2026, 2, 18), False, CAL) == date(2026, 2, 26)


def test_mid_autumn_2026():
    # 09-25 (Fri) .. 09-27 holiday: Thu 09-24 → 09-28, 09-29, 09-30.
    assert submit_deadline(date(2026, 9, 24), False, CAL) == date(2026, 9, 30)


def test_received_on_a_sunday_make_up_day():
    # 09-20 is a Sunday working day; counting starts the day after.
    assert submit_deadline(date(2026, 9, 20), False, CAL) == date(2026, 9, 23)


def test_township_override_turns_a_weekday_into_a_holiday():
    cal = WorkCalendar({date(2026, 11, 25): False})
    assert submit_deadline(date(2026, 11, 23), False, cal) == date(2026, 11, 27)


def test_township_override_turns_a_saturday_into_a_working_day():
    cal = WorkCalendar({date(2026, 11, 28): True})
    assert submit_deadline(date(2026, 11, 26), False, cal) == date(2026, 11, 30)


def test_unknown_year_2027_works_with_weekends():
    # Thu 2026-12-31 → Fri 2027-01-01 (weekend rule; real holiday not known), Mon, Tue.
    assert submit_deadline(date(2026, 12, 31), False, CAL) == date(2027, 1, 5)
    assert submit_deadline(date(2027, 3, 5), False, CAL) == date(2027, 3, 10)


def test_days_is_a_parameter():
    assert submit_deadline(date(2026, 11, 23), False, CAL, days=1) == date(2026, 11, 24)


# --- 办结: 承诺时限 -----------------------------------------------------------------------------


def test_complete_deadline_uses_the_items_promised_days():
    assert complete_deadline(date(2026, 11, 23), 5, CAL) == date(2026, 11, 30)
    assert complete_deadline(date(2026, 9, 30), 3, CAL) == date(2026, 10, 10)


def test_complete_deadline_default_three_days():
    received = datetime(2026, 11, 23, 10)
    assert complete_deadline(received, None, CAL) == date(2026, 11, 26)
    assert complete_deadline(received, None, CAL, days_default=2) == date(2026, 11, 25)


def test_complete_deadline_zero_days_is_same_day():
    assert complete_deadline(date(2026, 11, 23), 0, CAL) == date(2026, 11, 23)


# --- extensions ---------------------------------------------------------------------------


def test_no_extension_keeps_the_deadline():
    assert effective_deadline(date(2026, 10, 10), []) == date(2026, 10, 10)


def test_latest_extension_wins():
    extensions = [date(2026, 10, 20), date(2026, 10, 15)]
    assert effective_deadline(date(2026, 10, 10), extensions) == date(2026, 10, 20)


def test_extension_never_brings_the_deadline_forward():
    original = date(2026, 10, 10)
    assert effective_deadline(original, [date(2026, 10, 9)]) == original


# --- overdue / due soon -----------------------------------------------------------------------

DEADLINE = date(2026, 10, 10)  # a Saturday make-up working day


@pytest.mark.parametrize(
    ("closed_on", "today", "overdue"),
    [
        (None, date(2026, 10, 9), False),
        (None, date(2026, 10, 10), False),  # the deadline day itself is still in time
        (None, date(2026, 10, 11), True),  # open past the deadline
        (date(2026, 10, 10), date(2026, 12, 1), False),  # closed on the day
        (date(2026, 10, 12), date(2026, 12, 1), True),  # closed after it: stays overdue
        (date(2026, 10, 1), date(2026, 10, 20), False),
    ],
)
def test_is_overdue(closed_on, today, overdue):
    assert is_overdue(DEADLINE, closed_on, today) is overdue


def test_is_overdue_accepts_datetimes():
    closed_at = datetime(2026, 10, 10, 23, 59)
    assert is_overdue(DEADLINE, closed_at, date(2026, 12, 1)) is False


@pytest.mark.parametrize(
    ("today", "due_soon"),
    [
        (date(2026, 10, 10), True),  # 0 working days left
        (date(2026, 10, 9), True),  # 1 working day left (10-10)
        (date(2026, 10, 8), False),  # 2 left (10-09, 10-10)
        (date(2026, 9, 30), False),  # 3 left
        (date(2026, 10, 11), False),  # overdue, not "due soon"
    ],
)
def test_is_due_soon_around_national_day(today, due_soon):
    assert is_due_soon(DEADLINE, None, today, CAL) is due_soon


def test_due_soon_over_a_holiday_counts_only_working_days():
    # Deadline Thu 10-08; on 10-03 (holiday) only 10-08 lies ahead: one working day.
    assert is_due_soon(date(2026, 10, 8), None, date(2026, 10, 3), CAL) is True
    # Deadline Fri 10-09: 10-08 and 10-09 lie ahead.
    assert is_due_soon(date(2026, 10, 9), None, date(2026, 10, 3), CAL) is False


def test_closed_case_is_never_due_soon():
    assert is_due_soon(DEADLINE, date(2026, 10, 9), date(2026, 10, 9), CAL) is False


def test_due_soon_agrees_with_workdays_between():
    for deadline in (date(2026, 10, 10), date(2026, 2, 25), date(2027, 1, 5)):
        for offset in range(20):
            today = date.fromordinal(deadline.toordinal() - offset)
            expected = CAL.workdays_between(today, deadline) <= 1
            assert is_due_soon(deadline, None, today, CAL) is expected


# --- calendar warning ---------------------------------------------------------------------


def test_no_warning_for_configured_years():
    assert calendar_warning([date(2026, 10, 10), None], CAL) is None
    assert calendar_warning([], CAL) is None


def test_warning_names_the_unconfigured_year():
    warning = calendar_warning([date(2026, 12, 31), date(2027, 1, 5)], CAL)
    assert warning == ("2027年工作日历尚未配置，期限按周末休息估算，请乡便民中心录入当年法定节假日安排")
    assert isinstance(warning, str)


def test_warning_names_several_years():
    warning = calendar_warning([date(2028, 1, 3), date(2027, 1, 5), date(2027, 2, 1)], CAL)
    assert warning is not None
    assert warning.startswith("2027、2028年工作日历尚未配置")


def test_warning_goes_away_once_the_year_is_entered():
    assert calendar_warning([date(2027, 1, 5)], WorkCalendar({date(2027, 1, 1): False})) is not None
    cal = WorkCalendar({date(2027, 1, 1): False}, complete_years=[2027])
    assert calendar_warning([date(2027, 1, 5)], cal) is None
