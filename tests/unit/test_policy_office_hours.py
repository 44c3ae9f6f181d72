"""坐班代办时间 and sign-in — 政策第二条（三）1, 第二条（四）3, SPEC §6."""

from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.policy.office_hours import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    describe_hours,
    describe_schedule,
    describe_sessions,
    is_open,
    parse_sessions,
    season_on,
    sessions_on,
    signin_status,
)
from app.policy.workdays import WorkCalendar

CAL = WorkCalendar()
HOURS = OfficeHours()

SUMMER_DAY = date(2026, 7, 15)  # Wednesday
WINTER_DAY = date(2026, 11, 26)  # Thursday


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def test_defaults_are_the_policy_hours():
    assert HOURS == DEFAULT_OFFICE_HOURS
    assert HOURS.summer == ((time(9), time(11, 30)), (time(15), time(18)))
    assert HOURS.winter == ((time(9), time(11, 30)), (time(14, 30), time(17, 30)))
    assert (HOURS.summer_start, HOURS.winter_start) == ((5, 1), (10, 1))


# --- seasons --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (date(2026, 4, 30), "winter"),
        (date(2026, 5, 1), "summer"),
        (date(2026, 9, 30), "summer"),
        (date(2026, 10, 1), "winter"),
        (date(2026, 12, 31), "winter"),
        (date(2026, 1, 1), "winter"),
    ],
)
def test_season_switch_dates(day, season):
    assert season_on(day, HOURS) == season


def test_season_switch_dates_are_settings():
    hours = OfficeHours(summer_start=(6, 1), winter_start=(9, 15))
    assert season_on(date(2026, 5, 31), hours) == "winter"
    assert season_on(date(2026, 6, 1), hours) == "summer"
    assert season_on(date(2026, 9, 15), hours) == "winter"


def test_season_spanning_new_year():
    hours = OfficeHours(summer_start=(11, 1), winter_start=(3, 1))
    assert season_on(date(2026, 12, 1), hours) == "summer"
    assert season_on(date(2026, 2, 28), hours) == "summer"
    assert season_on(date(2026, 6, 1), hours) == "winter"


# --- sessions ---------------------------------------------------------------------------


def test_sessions_on_working_days_by_season():
    assert sessions_on(SUMMER_DAY, CAL, HOURS) == HOURS.summer
    assert sessions_on(WINTER_DAY, CAL, HOURS) == HOURS.winter


def test_no_sessions_on_rest_days():
    assert sessions_on(date(2026, 10, 1), CAL, HOURS) == ()  # 国庆节
    assert sessions_on(date(2026, 11, 28), CAL, HOURS) == ()  # Saturday


def test_make_up_saturday_has_sessions():
    assert sessions_on(date(2026, 10, 10), CAL, HOURS) == HOURS.winter
    assert sessions_on(date(2026, 5, 9), CAL, HOURS) == HOURS.summer


# --- open now ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(WINTER_DAY, 8, 59), False),
        (at(WINTER_DAY, 9, 0), True),  # start inclusive
        (at(WINTER_DAY, 11, 29), True),
        (at(WINTER_DAY, 11, 30), False),  # end exclusive
        (at(WINTER_DAY, 11, 31), False),
        (at(WINTER_DAY, 14, 29), False),  # winter afternoon starts 14:30
        (at(WINTER_DAY, 14, 30), True),
        (at(WINTER_DAY, 14, 31), True),
        (at(WINTER_DAY, 17, 29), True),
        (at(WINTER_DAY, 17, 30), False),
        (at(SUMMER_DAY, 11, 29), True),
        (at(SUMMER_DAY, 11, 31), False),
        (at(SUMMER_DAY, 12, 0), False),  # lunch break
        (at(SUMMER_DAY, 14, 31), False),  # summer afternoon starts 15:00
        (at(SUMMER_DAY, 15, 0), True),
        (at(SUMMER_DAY, 17, 45), True),
        (at(SUMMER_DAY, 18, 0), False),
    ],
)
def test_is_open_boundaries(moment, open_):
    assert is_open(moment, CAL, HOURS) is open_


def test_closed_on_a_holiday_during_office_hours():
    assert is_open(at(date(2026, 10, 5), 10), CAL, HOURS) is False
    assert is_open(at(date(2026, 2, 18), 10), CAL, HOURS) is False  # 春节


def test_open_on_a_make_up_saturday():
    assert is_open(at(date(2026, 10, 10), 10), CAL, HOURS) is True
    # 09-20 is a Sunday make-up working day, still in summer.
    assert is_open(at(date(2026, 9, 20), 15, 30), CAL, HOURS) is True


def test_closed_on_an_ordinary_weekend():
    assert is_open(at(date(2026, 11, 29), 10), CAL, HOURS) is False


def test_township_override_closes_a_day():
    cal = WorkCalendar({WINTER_DAY: False})
    assert is_open(at(WINTER_DAY, 10), cal, HOURS) is False


def test_aware_datetime_uses_its_wall_clock():
    beijing = timezone(timedelta(hours=8))
    assert is_open(datetime(2026, 11, 26, 10, 0, tzinfo=beijing), CAL, HOURS) is True


# --- sign-in ---------------------------------------------------------------------------------


def test_signin_on_time_and_late():
    assert signin_status(at(WINTER_DAY, 8, 40), WINTER_DAY, CAL, HOURS) == "on_time"
    assert signin_status(at(WINTER_DAY, 9, 0), WINTER_DAY, CAL, HOURS) == "on_time"
    assert signin_status(at(WINTER_DAY, 9, 1), WINTER_DAY, CAL, HOURS) == "late"
    assert signin_status(at(WINTER_DAY, 15, 0), WINTER_DAY, CAL, HOURS) == "late"


def test_signin_counts_whole_minutes():
    assert signin_status(datetime(2026, 11, 26, 9, 0, 59), WINTER_DAY, CAL, HOURS) == "on_time"


def test_signin_grace_minutes():
    moment = at(WINTER_DAY, 9, 5)
    assert signin_status(moment, WINTER_DAY, CAL, HOURS, grace_minutes=5) == "on_time"
    assert signin_status(at(WINTER_DAY, 9, 6), WINTER_DAY, CAL, HOURS, grace_minutes=5) == "late"


def test_signin_missing():
    assert signin_status(None, WINTER_DAY, CAL, HOURS) == "missing"
    # A sign-in of another day does not count for this one.
    assert signin_status(at(date(2026, 11, 25), 9), WINTER_DAY, CAL, HOURS) == "missing"


def test_signin_rest_day():
    assert signin_status(None, date(2026, 10, 2), CAL, HOURS) == "rest_day"
    assert signin_status(at(date(2026, 11, 28), 9), date(2026, 11, 28), CAL, HOURS) == "rest_day"


def test_signin_on_make_up_saturday_is_expected():
    assert signin_status(None, date(2026, 10, 10), CAL, HOURS) == "missing"
    assert signin_status(at(date(2026, 10, 10), 8, 55), date(2026, 10, 10), CAL, HOURS) == "on_time"


# --- descriptions -------------------------------------------------------------------------------


def test_describe_hours():
    assert describe_hours(SUMMER_DAY, CAL, HOURS) == "上午9:00—11:30，下午3:00—6:00"
    assert describe_hours(WINTER_DAY, CAL, HOURS) == "上午9:00—11:30，下午2:30—5:30"
    assert describe_hours(date(2026, 10, 1), CAL, HOURS) == "今日休息"


def test_describe_sessions_at_noon():
    assert describe_sessions(((time(12, 30), time(13, 0)),)) == "下午12:30—1:00"


def test_describe_schedule():
    assert describe_schedule(HOURS) == (
        "夏季（5月1日起）上午9:00—11:30，下午3:00—6:00；冬季（10月1日起）上午9:00—11:30，下午2:30—5:30"
    )


def test_parse_sessions_from_settings():
    assert parse_sessions("09:00-11:30,15:00-18:00") == HOURS.summer
    assert parse_sessions(" 14:30-17:30 , 09:00-11:30 ") == HOURS.winter
    with pytest.raises(ValueError):
        parse_sessions("11:30-09:00")
    with pytest.raises(ValueError):
        parse_sessions("nine to five")
