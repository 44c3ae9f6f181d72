"""年度考核 proposal (第二条（四）2) with the policy's own numbers."""

from decimal import Decimal

from app.policy.annual_assessment import (
    EXCELLENT,
    FAILING,
    PASSING,
    AssessmentInputs,
    Thresholds,
    percent_text,
    propose_grade,
    rate,
)
from app.policy.deductions import DEFAULT_AMOUNTS, DeductionCode


def clean(**kw) -> AssessmentInputs:
    """A year without a blemish: every working day signed, every case on time (3 working days)."""
    base = dict(
        year=2025,
        workdays=245,
        signin_days=245,
        received=40,
        late_entry=0,
        completed=30,
        on_time=30,
        trainings_held=4,
        trainings_attended=4,
        survey_count=1,
        survey_respondents=20,
        survey_satisfied=20,
        visits=2,
    )
    base.update(kw)
    return AssessmentInputs(**base)


def amounts(counts: dict[str, int]) -> dict[str, str]:
    """The deduction amounts of 第二条（四）2: ①30 ②30 ③50 ④30 ⑤10 元 each."""
    return {c: str(DEFAULT_AMOUNTS[DeductionCode(c)] * n) for c, n in counts.items()}


def test_policy_amounts_are_the_documents():
    assert [DEFAULT_AMOUNTS[DeductionCode(c)] for c in "12345"] == [Decimal(x) for x in ("30", "30", "50", "30", "10")]


def test_clean_year_is_excellent():
    grade, reasons = propose_grade(clean())
    assert grade == EXCELLENT
    assert "均达到优秀标准" in reasons[0] and "100.0%" in reasons[0]


def test_three_off_duty_findings_fail():
    counts = {"3": 3}
    inputs = clean(deduction_counts=counts, deduction_amounts=amounts(counts), strikes={"3": 3})
    assert inputs.deduction_total == Decimal("150.00")
    grade, reasons = propose_grade(inputs)
    assert grade == FAILING
    assert reasons == ["③督查检查不在岗本次聘任期内已累计3次，依照第二条（四）2予以解聘"]


def test_three_of_any_strike_code_fail_but_kinds_never_add_up():
    assert propose_grade(clean(strikes={"1": 3}))[0] == FAILING
    assert propose_grade(clean(strikes={"2": 3}))[0] == FAILING
    # ①②③ once each: three deductions but no kind at 3 → not a dismissal
    counts = {"1": 1, "2": 1, "3": 1}
    grade, reasons = propose_grade(
        clean(deduction_counts=counts, deduction_amounts=amounts(counts), strikes={"1": 1, "2": 1, "3": 1})
    )
    assert grade == PASSING
    assert any("①1次，②1次，③1次，共110.00元" in r for r in reasons)


def test_two_of_a_kind_is_at_most_pass():
    grade, reasons = propose_grade(
        clean(strikes={"2": 2}, deduction_counts={"2": 2}, deduction_amounts=amounts({"2": 2}))
    )
    assert grade == PASSING
    assert "再发生1次予以解聘" in reasons[0]


def test_report_and_ledger_deductions_never_dismiss_but_bar_excellent():
    counts = {"4": 3, "5": 5}
    inputs = clean(deduction_counts=counts, deduction_amounts=amounts(counts))
    assert inputs.deduction_total == Decimal("140.00")  # 3×30 + 5×10
    grade, reasons = propose_grade(inputs)
    assert grade == PASSING and "共140.00元" in reasons[0]


def test_strike_threshold_is_a_setting():
    assert propose_grade(clean(strikes={"3": 2}), Thresholds(strike_threshold=2))[0] == FAILING


def test_on_time_marks():
    # 28 of 30 closed in time = 93.3% < 95%: 合格
    grade, reasons = propose_grade(clean(on_time=28))
    assert grade == PASSING and reasons == ["按时办结率93.3%，低于优秀标准95.0%"]
    # 15 of 30 closed in time and 5 still open past the deadline = 42.9%: 不合格
    grade, reasons = propose_grade(clean(on_time=15, overdue_open=5))
    assert grade == FAILING and "按时办结率42.9%" in reasons[0]


def test_same_day_signin_training_rating_survey_marks():
    assert propose_grade(clean(late_entry=4))[0] == PASSING  # 36/40 = 90%
    assert propose_grade(clean(signin_days=200))[0] == PASSING
    assert propose_grade(clean(trainings_attended=3, trainings_excused=1))[0] == PASSING
    assert propose_grade(clean(rated=10, good=8, bad=2))[0] == PASSING
    assert propose_grade(clean(rated=10, good=10))[0] == EXCELLENT
    assert propose_grade(clean(survey_satisfied=17))[0] == PASSING  # 85%
    grade, reasons = propose_grade(clean(survey_satisfied=10))  # 50%
    assert grade == FAILING and reasons == ["调查问卷满意率50.0%，低于60.0%"]


def test_findings_and_missing_evidence():
    assert propose_grade(clean(visits=2, visits_negative=1))[0] == PASSING
    assert propose_grade(clean(visits=2, visits_negative=2, talks=1, talks_negative=1))[0] == FAILING
    grade, reasons = propose_grade(clean(survey_count=0, survey_respondents=0, survey_satisfied=0, visits=0))
    assert grade == PASSING and reasons == ["尚未录入调查问卷、入户走访或个别座谈，不能提议优秀"]


def test_no_cases_is_not_a_failure():
    inputs = clean(received=0, completed=0, on_time=0)
    assert inputs.on_time_rate is None and inputs.same_day_rate is None
    assert propose_grade(inputs)[0] == EXCELLENT


def test_round_trip_and_rates():
    inputs = clean(deduction_counts={"5": 1}, deduction_amounts=amounts({"5": 1}))
    assert AssessmentInputs.from_dict(inputs.to_dict()) == inputs
    assert AssessmentInputs.from_dict({**inputs.to_dict(), "unknown": 1}) == inputs
    assert rate(1, 3) == Decimal("0.3333") and rate(1, 0) is None
    assert percent_text(Decimal("0.9512")) == "95.1%" and percent_text(None) == "—"


def test_thresholds_from_settings():
    limits = Thresholds.from_settings({"ANNUAL_EXCELLENT_ON_TIME_RATE": "0.9", "STRIKE_THRESHOLD": 3})
    assert limits.excellent_on_time == Decimal("0.9") and limits.strike_threshold == 3
    assert propose_grade(clean(on_time=28), limits)[0] == EXCELLENT
