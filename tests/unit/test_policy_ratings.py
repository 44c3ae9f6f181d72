"""好差评 (issue 14 §1): five levels, 好评/差评, the 24 h change window, the 15-working-day due
date of a 差评 item on the working-day calendar, the close rules, the figures."""

from datetime import date, datetime

import pytest

from app.policy import ratings as r
from app.policy.workdays import WorkCalendar

CAL = WorkCalendar()  # chinesecalendar's 2026: 国庆 1–7 Oct off, Sun 20 Sep and Sat 10 Oct worked


def _codes(findings):
    return [f.code for f in findings]


def test_five_levels_keep_the_old_satisfaction_codes():
    assert [str(r.LEVELS[k]) for k in (5, 4, 3, 2, 1)] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


@pytest.mark.parametrize(
    ("level", "good", "bad"),
    [(5, True, False), (4, True, False), (3, False, False), (2, False, True), (1, False, True)],
)
def test_good_is_very_satisfied_or_satisfied_bad_is_the_two_lowest(level, good, bad):
    assert r.is_good(level) is good and r.is_bad(level) is bad


def test_only_a_closed_case_with_an_answer_can_be_rated():
    assert [s for s in ("registered", "accepted", "verifying", "submitted", "voided") if r.may_be_rated(s)] == []
    assert all(r.may_be_rated(s) for s in ("completed", "rejected", "answered", "referred"))
    now = datetime(2026, 11, 26, 10, 0)
    assert _codes(r.check_rating({"level": 5}, "submitted", None, now)) == ["not_closed"]


def test_a_rating_can_be_changed_for_24_hours():
    given = datetime(2026, 11, 26, 10, 0)
    assert r.may_change(given, datetime(2026, 11, 27, 9, 59))
    assert not r.may_change(given, datetime(2026, 11, 27, 10, 0))
    assert r.check_rating({"level": 4}, "completed", given, datetime(2026, 11, 27, 9, 59)) == []
    assert _codes(r.check_rating({"level": 4}, "completed", given, datetime(2026, 11, 27, 10, 1))) == ["window_closed"]


def test_level_is_required_and_scores_are_one_to_five():
    now = datetime(2026, 11, 26, 10, 0)
    assert _codes(r.check_rating({}, "completed", None, now)) == ["level_missing"]
    assert _codes(r.check_rating({"level": 5, "score_attitude": 6}, "completed", None, now)) == ["score_invalid"]
    assert _codes(r.check_rating({"level": 5, "comment": "x" * 501}, "completed", None, now)) == ["too_long"]


def test_due_15_working_days_after_the_rating_across_national_day_and_a_make_up_saturday():
    # Rated Mon 28 Sep 2026: 29, 30 Sep (2), 1–7 Oct off, Thu 8, Fri 9 (4), Sat 10 Oct 调休上班 (5),
    # 12–16 Oct (10), 19–23 Oct (15) → due Fri 23 Oct.
    assert r.bad_item_due(datetime(2026, 9, 28, 15, 30), CAL) == date(2026, 10, 23)
    # Without the make-up Saturday it would be Mon 26 Oct.
    no_makeup = WorkCalendar({date(2026, 10, 10): False})
    assert r.bad_item_due(date(2026, 9, 28), no_makeup) == date(2026, 10, 26)
    # An ordinary stretch: rated Thu 26 Nov 2026 → 15 working days → Thu 17 Dec.
    assert r.bad_item_due(date(2026, 11, 26), CAL) == date(2026, 12, 17)
    assert r.bad_item_due(date(2026, 11, 26), CAL, workdays=10) == date(2026, 12, 10)


def test_an_open_item_is_overdue_after_its_due_day():
    assert not r.is_overdue("pending", date(2026, 12, 17), date(2026, 12, 17))
    assert r.is_overdue("verified", date(2026, 12, 17), date(2026, 12, 18))
    assert not r.is_overdue("closed", date(2026, 12, 17), date(2026, 12, 18))


def _facts(**kw):
    base = dict(
        verified=True,
        rectification="已批评教育代办员",
        feedback_method="phone",
        feedback_at=datetime(2026, 12, 1, 10, 0),
        real_name=False,
        callback_at=None,
        now=datetime(2026, 12, 1, 11, 0),
    )
    return r.CloseFacts(**{**base, **kw})


def test_closing_needs_verification_rectification_feedback_and_for_real_name_a_callback():
    assert r.check_close(_facts()) == []
    assert _codes(r.check_close(_facts(verified=None))) == ["not_verified"]
    assert _codes(r.check_close(_facts(rectification=" "))) == ["not_rectified"]
    assert r.check_close(_facts(verified=False, rectification=None)) == []  # 不属实: nothing to rectify
    assert _codes(r.check_close(_facts(feedback_method=None))) == ["required"]
    assert _codes(r.check_close(_facts(real_name=True))) == ["callback_missing"]
    assert r.check_close(_facts(real_name=True, callback_at=datetime(2026, 12, 1, 9, 0))) == []
    assert _codes(r.check_close(_facts(feedback_at=datetime(2026, 12, 2, 10, 0)))) == ["in_future"]


def test_figures_good_rate_bad_count_and_on_time_rate():
    levels = [5, 5, 4, 3, 2, 1, 5, 4]
    items = [(date(2026, 12, 17), date(2026, 12, 10)), (date(2026, 12, 17), None)]
    f = r.rating_figures(levels, items, today=date(2026, 12, 18))
    assert (f.rated, f.good, f.bad) == (8, 5, 2)
    assert str(f.good_rate) == "62.5"
    assert (f.bad_due, f.bad_on_time) == (2, 1) and str(f.on_time_rate) == "50.0"
    # before the due day an open item is not counted yet
    g = r.rating_figures(levels, items, today=date(2026, 12, 17))
    assert (g.bad_due, g.bad_on_time, str(g.on_time_rate)) == (1, 1, "100.0")
    assert r.rating_figures([], [], date(2026, 12, 1)).good_rate is None
