"""The monthly report's dates — 政策第五条（一）4 "每月月底前", SPEC §8: due on the month's last day
or, when that is a rest day, the next working day (民法典第二百零三条); submission opens on the
month's last working day; reports are required from MONTHLY_REPORTS_FROM on."""

from datetime import date, datetime, timedelta, timezone

import pytest

from app.policy import PolicyViolation
from app.policy.periods import month_of, parse_month, previous_month
from app.policy.reports import (
    is_late_for,
    is_report_late,
    month_last_day,
    months_between,
    report_deadline,
    report_due_date,
    report_submission_opens,
    reports_required,
    submission_is_open,
)
from app.policy.workdays import WorkCalendar

pytestmark = pytest.mark.dates


CAL = WorkCalendar()  # chinesecalendar (2026 known), weekends for unknown years


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2026, 3, date(2026, 3, 31)),  # Tuesday
        (2026, 9, date(2026, 9, 30)),  # Wednesday
        (2026, 11, date(2026, 11, 30)),  # Monday
        (2026, 12, date(2026, 12, 31)),  # Thursday
        (2028, 2, date(2028, 2, 29)),  # leap year, Tuesday
    ],
)
def test_due_on_the_last_day_of_the_month_when_it_is_a_working_day(year, month, due):
    assert month_last_day(year, month) == due
    assert report_due_date(year, month, CAL) == due


def test_month_ending_on_a_saturday_is_due_the_next_working_day():
    # 民法典第二百零三条: the last day is a rest day → the next working day is the last day.
    assert month_last_day(2026, 10) == date(2026, 10, 31)  # Saturday
    assert report_due_date(2026, 10, CAL) == date(2026, 11, 2)  # Monday
    assert report_deadline(2026, 10, CAL) == datetime(2026, 11, 2, 23, 59, 59, 999999)
    assert is_report_late(datetime(2026, 11, 2, 17, 30), 2026, 10, now=datetime(2026, 11, 5), cal=CAL) is False
    assert is_report_late(None, 2026, 10, now=datetime(2026, 11, 1, 12), cal=CAL) is False  # Sunday: still time
    assert is_report_late(None, 2026, 10, now=datetime(2026, 11, 3, 0, 0, 1), cal=CAL) is True
    # May 2026 ends on a Sunday → Monday 06-01
    assert report_due_date(2026, 5, CAL) == date(2026, 6, 1)


def test_a_make_up_working_day_is_a_working_day():
    # 2026 Spring Festival: Saturday 2026-02-28 is a make-up working day (调休上班) → due that day.
    assert CAL.is_workday(date(2026, 2, 28))
    assert report_due_date(2026, 2, CAL) == date(2026, 2, 28)
    assert is_report_late(datetime(2026, 3, 2, 9), 2026, 2, now=datetime(2026, 3, 2, 9), cal=CAL) is True
    # the township's calendar can declare one: a Saturday month end that is worked
    cal = WorkCalendar({date(2026, 10, 31): True})
    assert report_due_date(2026, 10, cal) == date(2026, 10, 31)
    assert report_submission_opens(2026, 10, cal) == date(2026, 10, 31)


def test_year_boundary_december_rolls_into_january():
    # December 2028 ends on a Sunday; with 2029-01-01 (元旦) a rest day, the report is on time
    # until the end of Tuesday 2029-01-02.
    cal = WorkCalendar({date(2029, 1, 1): False})
    assert month_last_day(2028, 12).weekday() == 6
    assert report_due_date(2028, 12, cal) == date(2029, 1, 2)
    assert is_report_late(datetime(2029, 1, 2, 16), 2028, 12, now=datetime(2029, 1, 3), cal=cal) is False
    assert is_report_late(None, 2028, 12, now=datetime(2029, 1, 3, 0, 0, 1), cal=cal) is True
    # December 2026 ends on Thursday 12-31: due that day, January 2027 is late
    assert report_due_date(2026, 12, CAL) == date(2026, 12, 31)
    assert is_report_late(datetime(2027, 1, 1, 9), 2026, 12, now=datetime(2027, 1, 1, 9), cal=CAL) is True


def test_january_2027_with_its_calendar():
    # 2027 is not in chinesecalendar's data: the township enters it (元旦 2027-01-01 rest).
    cal = WorkCalendar({date(2027, 1, 1): False})
    assert report_submission_opens(2027, 1, cal) == date(2027, 1, 29)  # Friday
    assert report_due_date(2027, 1, cal) == date(2027, 2, 1)  # 01-31 is a Sunday → Monday
    # a make-up working Sunday 2027-01-31 would make it due that day
    worked = WorkCalendar({date(2027, 1, 1): False, date(2027, 1, 31): True})
    assert report_due_date(2027, 1, worked) == date(2027, 1, 31)
    assert report_submission_opens(2027, 1, worked) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("year", "month", "opens"),
    [
        (2026, 12, date(2026, 12, 31)),  # Thursday: the last day is the last working day
        (2026, 10, date(2026, 10, 30)),  # Friday (10-31 is a Saturday)
        (2026, 2, date(2026, 2, 28)),  # make-up working Saturday
        (2027, 2, date(2027, 2, 26)),  # Friday (weekends for an unconfigured year)
        (2026, 9, date(2026, 9, 30)),
    ],
)
def test_submission_opens_on_the_last_working_day(year, month, opens):
    assert report_submission_opens(year, month, CAL) == opens
    assert submission_is_open(year, month, opens, CAL)
    assert not submission_is_open(year, month, opens - timedelta(days=1), CAL)
    assert submission_is_open(year, month, datetime.combine(opens, datetime.min.time()), CAL)


def test_december_report_cannot_be_submitted_on_the_2nd():
    assert not submission_is_open(2026, 12, date(2026, 12, 2), CAL)
    assert not submission_is_open(2026, 12, date(2026, 12, 30), CAL)
    assert submission_is_open(2026, 12, date(2026, 12, 31), CAL)
    assert submission_is_open(2026, 12, date(2027, 1, 4), CAL)  # late, but still possible


def test_submitted_on_the_last_day_is_on_time():
    submitted = datetime(2026, 9, 30, 23, 59, 59)
    assert is_report_late(submitted, 2026, 9, now=datetime(2026, 10, 5), cal=CAL) is False
    assert report_deadline(2026, 9, CAL) == datetime(2026, 9, 30, 23, 59, 59, 999999)


def test_submitted_after_the_due_day_is_late():
    assert is_report_late(datetime(2026, 10, 1, 0, 0), 2026, 9, now=datetime(2026, 10, 1, 8), cal=CAL) is True


def test_not_submitted_is_not_late_before_the_day_has_passed():
    assert is_report_late(None, 2026, 9, now=datetime(2026, 9, 30, 23, 59, 59), cal=CAL) is False
    assert is_report_late(None, 2026, 9, now=datetime(2026, 9, 15), cal=CAL) is False
    assert is_report_late(None, 2026, 9, now=datetime(2026, 10, 1, 0, 0, 1), cal=CAL) is True
    assert is_report_late(None, 2026, 9, now=datetime(2027, 1, 1), cal=CAL) is True


def test_aware_datetimes_use_wall_clock():
    beijing = timezone(timedelta(hours=8))
    submitted = datetime(2026, 9, 30, 22, 0, tzinfo=beijing)
    assert is_report_late(submitted, 2026, 9, now=datetime(2026, 10, 2, tzinfo=beijing), cal=CAL) is False


def test_reports_required_from_the_go_live_month():
    # MONTHLY_REPORTS_FROM = "2026-11": October is never flagged, November on is.
    assert not reports_required(2026, 10, (2026, 11))
    assert reports_required(2026, 11, (2026, 11))
    assert reports_required(2027, 1, (2026, 11))
    assert not reports_required(2026, 12, None)  # no go-live month: nothing is required


def test_months_between_crosses_the_year():
    assert months_between((2026, 11), (2027, 2)) == [(2026, 11), (2026, 12), (2027, 1), (2027, 2)]
    assert months_between((2026, 11), (2026, 10)) == []


def test_month_of():
    assert month_of(date(2026, 9, 30)) == (2026, 9)
    assert month_of(datetime(2026, 12, 31, 23, 0)) == (2026, 12)


def test_previous_month():
    assert previous_month(2026, 1) == (2025, 12)
    assert previous_month(2026, 10) == (2026, 9)


@pytest.mark.parametrize("text", ["2026-09", "2026-9", "2026/09", "2026.09", "2026年9月", " 2026-09 "])
def test_parse_month(text):
    assert parse_month(text) == (2026, 9)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026", "09-2026", "", None, "2026-09-01"])
def test_parse_month_rejects(text):
    with pytest.raises(PolicyViolation) as caught:
        parse_month(text)
    assert caught.value.field == "month"
    assert str(caught.value) == "月份格式应为“年-月”，例如2026-09"


def test_a_months_deadline_worked_out_once_decides_like_the_rule():
    """``is_late_for`` (the dashboard's 400 villages against one deadline a month) is the rule."""
    deadline = report_deadline(2026, 10, CAL)  # Saturday 10-31 → Monday 11-02 23:59:59.999999
    cases = [
        (datetime(2026, 11, 2, 23, 59), datetime(2026, 11, 5)),
        (datetime(2026, 11, 3, 0, 0), datetime(2026, 11, 5)),
        (None, datetime(2026, 11, 1, 12)),
        (None, datetime(2026, 11, 3, 0, 0, 1)),
        (datetime(2026, 11, 3, 8, tzinfo=timezone(timedelta(hours=8))), datetime(2026, 11, 5)),
    ]
    for submitted, now in cases:
        assert is_late_for(deadline, submitted, now) is is_report_late(submitted, 2026, 10, now=now, cal=CAL)
    assert [is_late_for(deadline, s, n) for s, n in cases] == [False, True, False, True, True]
