"""The working-day calendar — SPEC §5 (chinesecalendar + township overrides + weekend rule)."""

from datetime import date, datetime

import pytest

from app.policy.workdays import WorkCalendar, expand_ranges, package_knows_year

CAL = WorkCalendar()

# chinesecalendar 1.11.0 knows 2004–2026 (SPEC §5: "on 2026-11-26 it stops at 2026").
UNKNOWN_YEAR = 2027


def test_package_knows_2026_but_not_2027():
    assert package_knows_year(2026)
    assert not package_knows_year(UNKNOWN_YEAR)


# --- 2026 as chinesecalendar 1.11.0 records the State Council schedule ----------------


@pytest.mark.parametrize(
    "day",
    [date(2026, 10, d) for d in range(1, 8)],  # 国庆节 10月1日至7日
)
def test_national_day_2026_is_a_holiday(day):
    assert CAL.is_workday(day) is False


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday, 元旦调休上班
        date(2026, 2, 14),  # Saturday, 春节调休上班
        date(2026, 2, 28),  # Saturday, 春节调休上班
        date(2026, 5, 9),  # Saturday, 劳动节调休上班
        date(2026, 9, 20),  # Sunday, 国庆节调休上班
        date(2026, 10, 10),  # Saturday, 国庆节调休上班
    ],
)
def test_make_up_weekend_days_2026_are_working_days(day):
    assert day.weekday() >= 5
    assert CAL.is_workday(day) is True


@pytest.mark.parametrize(
    "day",
    [date(2026, 2, d) for d in range(15, 24)]  # 春节 2月15日至23日
    + [
        date(2026, 9, 25),
        date(2026, 1, 2),
        date(2026, 6, 19),
    ],  # 中秋, 元旦, 端午 on weekdays
)
def test_weekday_holidays_2026_are_rest_days(day):
    assert CAL.is_workday(day) is False


def test_ordinary_days_2026():
    assert CAL.is_workday(date(2026, 11, 26)) is True  # Thursday
    assert CAL.is_workday(date(2026, 11, 28)) is False  # Saturday


def test_datetime_is_read_as_its_date():
    assert CAL.is_workday(datetime(2026, 10, 10, 9, 30)) is True


# --- unknown years: weekend rule, never an error --------------------------------------


def test_unknown_year_falls_back_to_weekends():
    assert CAL.is_workday(date(2027, 1, 1)) is True  # Friday (real holiday unknown)
    assert CAL.is_workday(date(2027, 1, 2)) is False  # Saturday
    assert CAL.is_workday(date(2027, 1, 3)) is False  # Sunday
    assert CAL.is_workday(date(2027, 1, 4)) is True  # Monday


@pytest.mark.parametrize("year", [1999, 2003, 2027, 2040, 2100])
def test_no_year_raises(year):
    cal = WorkCalendar()
    cal.is_workday(date(year, 6, 1))
    cal.add_workdays(date(year, 12, 30), 3)
    assert cal.is_configured_year(year) is False


# --- overrides (township staff) -----------------------------------------------------------


def test_override_beats_the_package():
    cal = WorkCalendar({date(2026, 10, 1): True, date(2026, 11, 26): False})
    assert cal.is_workday(date(2026, 10, 1)) is True
    assert cal.is_workday(date(2026, 11, 26)) is False
    assert cal.is_workday(date(2026, 10, 2)) is False  # not overridden: package


def test_only_a_confirmed_year_is_configured():
    # 元旦 and 春节 entered do not make a year: its other holidays would be missed
    partial = WorkCalendar({date(2027, 1, 1): False, date(2027, 2, 6): False})
    assert partial.is_configured_year(2027) is False
    assert partial.is_workday(date(2027, 1, 1)) is False
    cal = WorkCalendar({date(2027, 1, 1): False}, complete_years=[2027])
    assert cal.is_configured_year(2027) is True
    assert cal.is_configured_year(2028) is False
    assert WorkCalendar().is_configured_year(2026) is True  # chinesecalendar knows it
    assert cal.is_workday(date(2027, 1, 4)) is True  # weekend rule for the other days


def test_overrides_accept_datetime_keys_and_are_copied():
    source = {datetime(2027, 2, 6, 0, 0): True}
    cal = WorkCalendar(source)
    source.clear()
    assert cal.is_workday(date(2027, 2, 6)) is True  # a Saturday made a working day
    assert cal.overrides == {date(2027, 2, 6): True}


def test_configured_years():
    assert CAL.is_configured_year(2026) is True
    assert CAL.is_configured_year(2004) is True
    assert CAL.is_configured_year(2027) is False


def test_unconfigured_years():
    cal = WorkCalendar({date(2028, 1, 1): False}, complete_years=[2028])
    assert cal.unconfigured_years(date(2026, 12, 30), None, date(2027, 1, 5), date(2027, 3, 1)) == [2027]
    assert cal.unconfigured_years(date(2029, 1, 1), date(2028, 1, 1), date(2027, 1, 1)) == [
        2027,
        2029,
    ]
    assert cal.unconfigured_years() == []
    assert cal.unconfigured_years(None) == []


# --- add_workdays / workdays_between ---------------------------------------------------------


def test_start_day_is_not_counted():
    assert CAL.add_workdays(date(2026, 11, 23), 1) == date(2026, 11, 24)  # Mon → Tue
    assert CAL.add_workdays(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_zero_days_is_the_start():
    assert CAL.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_counting_across_a_weekend():
    assert CAL.add_workdays(date(2026, 11, 26), 3) == date(2026, 12, 1)  # Thu → Tue


def test_counting_across_national_day_reaches_make_up_saturday():
    assert CAL.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_counting_from_a_rest_day():
    assert CAL.add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        CAL.add_workdays(date(2026, 1, 1), -1)


def test_workdays_between():
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.workdays_between(date(2026, 11, 26), date(2026, 11, 27)) == 1
    assert CAL.workdays_between(date(2026, 11, 27), date(2026, 11, 29)) == 0  # weekend
    assert CAL.workdays_between(date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert CAL.workdays_between(date(2026, 11, 27), date(2026, 11, 20)) == 0


def test_workdays_between_is_inverse_of_add_workdays():
    for start in (date(2026, 2, 10), date(2026, 9, 24), date(2026, 12, 29)):
        for n in range(12):
            assert CAL.workdays_between(start, CAL.add_workdays(start, n)) == n


# --- expand_ranges -----------------------------------------------------------------------


def test_expand_ranges_for_a_state_council_notice():
    days = expand_ranges(
        [
            (date(2027, 10, 1), date(2027, 10, 7), False),
            (date(2027, 9, 26), date(2027, 9, 26), True),
        ]
    )
    assert len(days) == 8
    assert days[date(2027, 10, 1)] is False
    assert days[date(2027, 10, 7)] is False
    assert days[date(2027, 9, 26)] is True
    cal = WorkCalendar(days, complete_years=[2027])
    assert cal.is_configured_year(2027)
    assert cal.add_workdays(date(2027, 9, 30), 1) == date(2027, 10, 8)


def test_expand_ranges_later_range_wins():
    days = expand_ranges(
        [
            (date(2027, 5, 1), date(2027, 5, 5), False),
            (date(2027, 5, 3), date(2027, 5, 3), True),
        ]
    )
    assert days[date(2027, 5, 3)] is True
    assert days[date(2027, 5, 2)] is False


def test_expand_ranges_rejects_reversed_range():
    with pytest.raises(ValueError):
        expand_ranges([(date(2027, 5, 5), date(2027, 5, 1), False)])


def test_expand_nothing():
    assert expand_ranges([]) == {}
