"""便民代办员的条件与产生办法 — 政策第二条（一）（二）, SPEC §3."""

from dataclasses import replace
from datetime import date

import pytest

from app.policy.eligibility import (
    EDUCATION_LEVELS,
    AgentFacts,
    Finding,
    age_reference_date,
    check_appointment_chain,
    check_dismissal,
    check_eligibility,
    check_township_appointment,
    meets_education,
)

ON = date(2026, 11, 26)

GOOD = AgentFacts(
    level="村级",
    long_term_resident=True,
    education="高中",
    is_grid_worker=False,
    birth_date=date(1985, 3, 15),
    on=ON,
    age_override_reason=None,
)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# --- 第二条（一）3 education ---------------------------------------------------------


def test_education_levels_in_order():
    assert EDUCATION_LEVELS == (
        "小学",
        "初中",
        "高中",
        "中专",
        "大专",
        "本科",
        "研究生",
    )


@pytest.mark.parametrize(
    ("level", "ok"),
    [
        ("小学", False),
        ("初中", False),
        ("高中", True),
        ("中专", True),
        ("大专", True),
        ("本科", True),
        ("研究生", True),
        ("", False),
        (None, False),
        ("博士后", False),
    ],
)
def test_meets_education(level, ok):
    assert meets_education(level) is ok


# --- 第二条（一）hard rules ------------------------------------------------------------


def test_a_qualified_village_agent_has_no_findings():
    assert check_eligibility(GOOD) == []


def test_must_be_a_long_term_resident():
    findings = check_eligibility(replace(GOOD, long_term_resident=False))
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.field, finding.code, finding.overridable) == (
        "long_term_resident",
        "not_resident",
        False,
    )
    assert str(finding.message) == "村级代办员必须是在本村长期居住的本村村民（政策第二条（一）1）"


@pytest.mark.parametrize("education", ["小学", "初中"])
def test_education_below_high_school_is_a_hard_rule(education):
    findings = check_eligibility(replace(GOOD, education=education))
    assert codes(findings) == ["education_below"]
    assert findings[0].field == "education"
    assert findings[0].overridable is False
    assert str(findings[0].message) == ("村级代办员须具有高中、中专同等学历及以上文化程度（第二条（一）3）")


def test_grid_worker_may_not_be_agent():
    findings = check_eligibility(replace(GOOD, is_grid_worker=True))
    assert codes(findings) == ["grid_worker"]
    assert findings[0].field == "is_grid_worker"
    assert str(findings[0].message) == "村级代办员不得由全科网格员担任（第二条（一）5）"


def test_every_failed_condition_is_reported_at_once():
    facts = replace(
        GOOD,
        long_term_resident=False,
        education="初中",
        is_grid_worker=True,
        birth_date=date(1960, 1, 1),
    )
    assert codes(check_eligibility(facts)) == [
        "not_resident",
        "education_below",
        "grid_worker",
        "over_age",
    ]


# --- 第二条（一）2 age "原则上在50周岁以下" -------------------------------------------------


def test_age_exactly_50_passes():
    facts = replace(GOOD, birth_date=date(1976, 11, 26))  # 50th birthday on ON
    assert check_eligibility(facts) == []


def test_age_51_needs_an_override_reason():
    facts = replace(GOOD, birth_date=date(1975, 11, 26))  # 51 on ON
    findings = check_eligibility(facts)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.code == "over_age"
    assert finding.field == "age_override_reason"
    assert finding.overridable is True
    assert str(finding.message) == (
        "村级代办员年龄原则上在50周岁以下，截至2026-11-26年满51周岁；如确需聘任，请填写破格聘任理由"
    )


def test_day_before_51st_birthday_is_still_50():
    facts = replace(GOOD, birth_date=date(1975, 11, 27))
    assert check_eligibility(facts) == []


def test_override_reason_removes_the_age_warning():
    facts = replace(
        GOOD,
        birth_date=date(1970, 1, 1),
        age_override_reason="村内无其他合适人选，经两委会议研究同意",
    )
    assert check_eligibility(facts) == []


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_blank_override_reason_does_not_count(reason):
    facts = replace(GOOD, birth_date=date(1970, 1, 1), age_override_reason=reason)
    assert codes(check_eligibility(facts)) == ["over_age"]


def test_override_reason_does_not_lift_hard_rules():
    facts = replace(
        GOOD,
        is_grid_worker=True,
        birth_date=date(1970, 1, 1),
        age_override_reason="理由",
    )
    assert codes(check_eligibility(facts)) == ["grid_worker"]


def test_max_age_is_a_parameter():
    facts = replace(GOOD, birth_date=date(1980, 1, 1))  # 46
    findings = check_eligibility(facts, max_age=45)
    assert codes(findings) == ["over_age"]
    assert "45周岁以下，截至2026-11-26年满46周岁" in str(findings[0].message)


def test_unknown_birth_date_skips_the_age_rule():
    assert check_eligibility(replace(GOOD, birth_date=None)) == []


# --- the age is taken on the appointment day, not on the day of an edit -------------------

BORN = date(1975, 6, 1)
HIRED_AT_48 = date(2023, 7, 1)
TODAY_51 = date(2026, 12, 1)


def test_age_reference_is_the_hire_date_then_the_decision_then_today():
    assert age_reference_date(HIRED_AT_48, date(2023, 6, 20), TODAY_51) == HIRED_AT_48
    assert age_reference_date(None, date(2023, 6, 20), TODAY_51) == date(2023, 6, 20)
    assert age_reference_date(None, None, TODAY_51) == TODAY_51


def test_hired_at_48_and_51_now_needs_no_reason():
    on = age_reference_date(HIRED_AT_48, None, TODAY_51)
    assert check_eligibility(replace(GOOD, birth_date=BORN, on=on)) == []
    # the same person checked on today's date would be asked for a 破格 reason
    assert codes(check_eligibility(replace(GOOD, birth_date=BORN, on=TODAY_51))) == ["over_age"]


def test_exactly_50_on_the_hire_date_passes_and_51_does_not():
    fiftieth = date(2025, 6, 1)
    assert check_eligibility(replace(GOOD, birth_date=BORN, on=age_reference_date(fiftieth, None, TODAY_51))) == []
    day_51 = date(2026, 6, 1)
    findings = check_eligibility(replace(GOOD, birth_date=BORN, on=age_reference_date(day_51, None, TODAY_51)))
    assert codes(findings) == ["over_age"]
    assert "截至2026-06-01年满51周岁" in str(findings[0].message)


# --- 第二条（二）2 乡级 agents -----------------------------------------------------------


def test_township_agent_with_the_committee_decision_date():
    assert check_township_appointment("在岗", date(2023, 12, 20), date(2024, 1, 1)) == []
    assert check_township_appointment("在岗", date(2024, 1, 1), date(2024, 1, 1)) == []  # hired the same day


def test_township_agent_without_the_committee_decision_date():
    findings = check_township_appointment("在岗", None, date(2024, 1, 1))
    assert [(f.field, f.code) for f in findings] == [("committee_decided_on", "committee_decision_missing")]
    assert str(findings[0].message) == "在岗的乡级代办员须填写党委（扩大）会议研究决定日期（第二条（二）2）"


def test_township_agent_hired_before_the_decision():
    findings = check_township_appointment("在岗", date(2024, 1, 2), date(2024, 1, 1))
    assert codes(findings) == ["appointment_order"]
    assert str(findings[0].message) == "聘任日期（2024-01-01）不能早于党委（扩大）会议研究决定日期（2024-01-02）"


def test_township_candidate_needs_no_dates_but_an_active_one_needs_the_hire_date():
    assert check_township_appointment("拟任", None, None) == []
    assert [f.field for f in check_township_appointment("在岗", date(2024, 1, 2), None)] == ["hired_on"]
    assert codes(check_township_appointment("退休", None, None)) == ["invalid_status"]


def test_township_agents_are_not_held_to_village_rules():
    facts = replace(
        GOOD,
        level="乡级",
        long_term_resident=False,
        education="初中",
        is_grid_worker=True,
        birth_date=date(1960, 1, 1),
    )
    assert check_eligibility(facts) == []


# --- 第二条（二）1 appointment chain ------------------------------------------------------

NOMINATED = date(2026, 3, 2)
APPROVED = date(2026, 3, 10)
FILED = date(2026, 3, 16)
HIRED = date(2026, 3, 20)


def test_active_agent_with_full_chain_in_order():
    assert check_appointment_chain("在岗", NOMINATED, APPROVED, FILED, HIRED) == []


def test_steps_on_the_same_day_are_in_order():
    day = date(2026, 3, 2)
    assert check_appointment_chain("在岗", day, day, day, day) == []


def test_active_agent_needs_every_step():
    findings = check_appointment_chain("在岗", None, None, None, None)
    assert [f.field for f in findings] == [
        "nominated_on",
        "approved_on",
        "filed_on",
        "hired_on",
    ]
    assert {f.code for f in findings} == {"appointment_missing"}
    messages = [str(f.message) for f in findings]
    assert "“两委会议提名”" in messages[0]
    assert "“党员、村民代表会议通过”" in messages[1]
    assert "“乡政府审核备案”" in messages[2]
    assert "“聘任”" in messages[3]
    assert messages[0] == "在岗代办员须填写“两委会议提名”日期（第二条（二）1）"


def test_active_agent_missing_only_the_filing():
    findings = check_appointment_chain("在岗", NOMINATED, APPROVED, None, HIRED)
    assert [(f.field, f.code) for f in findings] == [("filed_on", "appointment_missing")]


@pytest.mark.parametrize("status", ["拟任", "已解聘"])
def test_other_statuses_do_not_need_the_dates(status):
    assert check_appointment_chain(status, None, None, None, None) == []
    assert check_appointment_chain(status, NOMINATED, None, None, None) == []


def test_hired_before_filing_is_out_of_order():
    findings = check_appointment_chain("在岗", NOMINATED, APPROVED, FILED, date(2026, 3, 15))
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.field, finding.code) == ("hired_on", "appointment_order")
    assert str(finding.message) == ("“聘任”日期（2026-03-15）不能早于“乡政府审核备案”日期（2026-03-16）")


def test_order_is_checked_whatever_the_status():
    findings = check_appointment_chain("拟任", date(2026, 3, 10), date(2026, 3, 2), None, None)
    assert [(f.field, f.code) for f in findings] == [("approved_on", "appointment_order")]
    assert "“两委会议提名”" in str(findings[0].message)


def test_order_skips_missing_steps():
    # Approval missing: filing is compared with the nomination.
    findings = check_appointment_chain("拟任", date(2026, 3, 10), None, date(2026, 3, 5), None)
    assert [(f.field, f.code) for f in findings] == [("filed_on", "appointment_order")]
    assert "“两委会议提名”日期（2026-03-10）" in str(findings[0].message)


def test_missing_and_out_of_order_together():
    findings = check_appointment_chain("在岗", NOMINATED, None, date(2026, 3, 1), HIRED)
    assert [(f.field, f.code) for f in findings] == [
        ("approved_on", "appointment_missing"),
        ("filed_on", "appointment_order"),
    ]


def test_unknown_status():
    findings = check_appointment_chain("试用", None, None, None, None)
    assert [(f.field, f.code) for f in findings] == [("status", "invalid_status")]


# --- dismissal ------------------------------------------------------------------------


def test_dismissal_needs_date_and_reason():
    findings = check_dismissal("已解聘", None, "  ", HIRED)
    assert [(f.field, f.code) for f in findings] == [
        ("dismissed_on", "dismissal_date_missing"),
        ("dismissal_reason", "dismissal_reason_missing"),
    ]
    assert str(findings[0].message) == "已解聘的代办员须填写解聘日期"
    assert str(findings[1].message) == "已解聘的代办员须填写解聘原因"


def test_dismissal_complete():
    reason = "督查检查不在岗累计3次，依照第二条（四）2予以解聘"
    assert check_dismissal("已解聘", date(2026, 10, 9), reason, HIRED) == []


def test_dismissal_on_the_hire_day_is_allowed():
    assert check_dismissal("已解聘", HIRED, "本人辞职", HIRED) == []


def test_dismissal_before_hire_is_rejected():
    findings = check_dismissal("已解聘", date(2026, 3, 19), "本人辞职", HIRED)
    assert [(f.field, f.code) for f in findings] == [("dismissed_on", "dismissal_before_hire")]
    assert str(findings[0].message) == "解聘日期（2026-03-19）不能早于聘任日期（2026-03-20）"


def test_active_agent_needs_no_dismissal_data():
    assert check_dismissal("在岗", None, None, HIRED) == []


def test_dismissal_without_hire_date_only_checks_presence():
    assert check_dismissal("已解聘", date(2026, 1, 1), "原因", None) == []
