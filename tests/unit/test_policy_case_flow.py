"""The life of a case — 政策第五条（二）代办程序, 第二条（三）4, 第三条5、6, SPEC §5."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.policy import case_flow as flow
from app.policy.workdays import WorkCalendar

CAL = WorkCalendar()
LABELS = {"answer_text": "答复内容", "reason": "原因", "verify_result": "核实结果"}


def _codes(findings):
    return [f.code for f in findings]


def _facts(kind, frm, to, values=None, at=datetime(2026, 11, 24, 10, 0), **kw):
    return flow.StepFacts(
        kind=kind,
        from_status=frm,
        to_status=to,
        values=values or {},
        received_at=datetime(2026, 11, 23, 9, 0),
        at=at,
        now=datetime(2026, 11, 26, 12, 0),
        **kw,
    )


# --- case numbers ---------------------------------------------------------------------------


def test_case_number_is_village_code_year_and_four_digit_serial():
    assert flow.format_case_number("QS", 2026, 42) == "QS2026-0042"
    assert flow.format_case_number("qs", 2026, 12345) == "QS2026-12345"
    assert flow.parse_case_number("QS2026-0042") == ("QS", 2026, 42)
    assert flow.parse_case_number("not a number") is None
    with pytest.raises(ValueError):
        flow.format_case_number("QS", 2026, 0)


# --- statuses and moves ---------------------------------------------------------------------


def test_statuses_match_the_model_and_the_api():
    from app.models.case import CLOSED_STATUSES, OPEN_STATUSES
    from app.models.enums import CASE_STATUSES

    assert flow.OPEN_STATUSES == OPEN_STATUSES and flow.CLOSED_STATUSES == CLOSED_STATUSES
    assert set(flow.OPEN_STATUSES + flow.CLOSED_STATUSES) == set(CASE_STATUSES)


def test_consultation_is_registered_then_answered_or_referred():
    assert flow.initial_status("consult") == "registered"
    assert flow.allowed_targets("consult", "registered") == ("answered", "referred", "voided")
    assert flow.allowed_targets("consult", "answered") == ()


def test_proxy_case_accepted_verified_submitted_completed_or_rejected():
    assert flow.initial_status("proxy") == "accepted"
    assert flow.allowed_targets("proxy", "accepted") == ("verifying", "submitted", "rejected", "voided")
    assert flow.allowed_targets("proxy", "verifying") == ("submitted", "rejected", "voided")
    assert flow.allowed_targets("proxy", "submitted") == ("completed", "rejected", "voided")
    assert "completed" not in flow.allowed_targets("proxy", "accepted")  # 报送 first


def test_only_the_township_voids_a_closed_case():
    assert flow.allowed_targets("proxy", "completed") == ()
    assert flow.allowed_targets("proxy", "completed", may_void_closed=True) == ("voided",)
    assert flow.allowed_targets("proxy", "voided", may_void_closed=True) == ()
    findings = flow.check_transition(_facts("proxy", "completed", "voided", {"reason": "重复登记"}), LABELS)
    assert _codes(findings) == ["transition_not_allowed"]
    assert "只能由乡便民中心作废" in str(findings[0].message)


def test_each_step_records_what_the_policy_asks():
    assert flow.required_fields("consult", "registered", "answered") == ("answer_text",)
    assert flow.required_fields("proxy", "accepted", "rejected") == ("reason",)  # 向群众说明原因
    assert flow.required_fields("proxy", "verifying", "submitted") == ("submitted_window", "verify_result")
    assert flow.required_fields("proxy", "submitted", "completed") == ("window_result", "reply_at")
    findings = flow.check_transition(_facts("proxy", "accepted", "rejected", {"reason": "  "}), LABELS)
    assert _codes(findings) == ["step_field_missing"] and findings[0].field == "reason"
    assert "原因为必填项" in str(findings[0].message)


def test_a_step_is_dated_between_acceptance_and_now():
    early = _facts("proxy", "accepted", "submitted", {"submitted_window": "社保窗口"}, at=datetime(2026, 11, 22, 9, 0))
    assert _codes(flow.check_transition(early, LABELS)) == ["before_received"]
    late = _facts("proxy", "accepted", "submitted", {"submitted_window": "社保窗口"}, at=datetime(2026, 11, 27, 9, 0))
    assert _codes(flow.check_transition(late, LABELS)) == ["in_future"]


def test_reply_is_not_before_submission():
    values = {"window_result": "已办", "reply_at": datetime(2026, 11, 24, 8, 0), "reply_method": "phone"}
    findings = flow.check_transition(
        _facts("proxy", "submitted", "completed", values, submitted_at=datetime(2026, 11, 24, 9, 0)), LABELS
    )
    assert _codes(findings) == ["reply_before_submission"]
    assert flow.closing_time("completed", datetime(2026, 11, 25, 9, 0), values) == values["reply_at"]


# --- deadlines ------------------------------------------------------------------------------


def test_spec_example_submit_by_is_the_make_up_saturday():
    submit_by, complete_by = flow.case_deadlines("proxy", datetime(2026, 9, 30, 10, 0), False, 3, CAL)
    assert submit_by == date(2026, 10, 10) == complete_by


def test_urgent_case_is_submitted_the_same_day():
    submit_by, complete_by = flow.case_deadlines("proxy", datetime(2026, 11, 26, 10, 0), True, 5, CAL)
    assert submit_by == date(2026, 11, 26)
    assert complete_by == date(2026, 12, 3)
    assert flow.current_due("proxy", "accepted", submit_by, complete_by) == date(2026, 11, 26)


def test_consultation_is_answered_within_three_working_days():
    assert flow.case_deadlines("consult", datetime(2026, 11, 26, 10, 0), False, 10, CAL) == (None, date(2026, 12, 1))


def test_due_date_is_submit_by_until_submitted_then_complete_by_with_extensions():
    submit_by, complete_by = date(2026, 11, 26), date(2026, 12, 3)
    assert flow.current_due("proxy", "accepted", submit_by, complete_by) == submit_by
    assert flow.current_due("proxy", "verifying", submit_by, complete_by) == submit_by
    assert flow.current_due("proxy", "submitted", submit_by, complete_by) == complete_by
    assert flow.current_due("proxy", "submitted", submit_by, complete_by, [date(2026, 12, 10)]) == date(2026, 12, 10)


def test_an_item_promised_in_one_day_must_also_be_submitted_within_it():
    submit_by, complete_by = flow.case_deadlines("proxy", datetime(2026, 11, 23, 10, 0), False, 1, CAL)
    # 第五条（一）3 binds the matter to its 1-day 承诺时限: 报送 by then too, never after 办结期限
    assert (submit_by, complete_by) == (date(2026, 11, 24), date(2026, 11, 24))
    assert flow.current_due("proxy", "accepted", submit_by, complete_by) == date(2026, 11, 24)
    # SP2026-0017 of the demo: received Mon 31 Aug 2026, promised 1 day → both Tue 1 Sep (was 报送 3 Sep)
    assert flow.case_deadlines("proxy", datetime(2026, 8, 31, 9, 2), False, 1, CAL) == (
        date(2026, 9, 1),
        date(2026, 9, 1),
    )
    # 即时办结 (0 days): submitted and done the same day; 3 days or more: 报送 within 3 as before
    assert flow.case_deadlines("proxy", datetime(2026, 11, 23, 10, 0), False, 0, CAL) == (date(2026, 11, 23),) * 2
    assert flow.case_deadlines("proxy", datetime(2026, 11, 23, 10, 0), False, 5, CAL)[0] == date(2026, 11, 26)
    assert flow.submit_within_completion(date(2026, 11, 26), date(2026, 11, 24)) == date(2026, 11, 24)


def test_closed_late_and_deadline_states():
    assert flow.closed_late("completed", datetime(2026, 11, 27, 9, 0), date(2026, 11, 26))
    assert not flow.closed_late("completed", datetime(2026, 11, 26, 23, 0), date(2026, 11, 26))
    assert not flow.closed_late("voided", datetime(2026, 12, 27, 9, 0), date(2026, 11, 26))
    today, soon = date(2026, 11, 26), flow.soon_limit(date(2026, 11, 26), CAL)
    assert soon == date(2026, 11, 27)
    assert flow.deadline_state("accepted", date(2026, 11, 25), False, today, soon) == "overdue"
    assert flow.deadline_state("accepted", date(2026, 11, 27), False, today, soon) == "soon"
    assert flow.deadline_state("accepted", date(2026, 11, 30), False, today, soon) == "open"
    assert flow.deadline_state("completed", date(2026, 11, 25), True, today, soon) == "late"
    assert flow.deadline_state("completed", date(2026, 11, 25), False, today, soon) == "closed"
    assert flow.deadline_state("voided", date(2026, 11, 25), False, today, soon) == "void"


def test_extension_needs_reason_a_later_date_and_is_asked_in_time():
    today = date(2026, 11, 26)
    assert flow.check_extension(date(2026, 12, 8), date(2026, 12, 1), today, "县级会审") == []
    assert _codes(flow.check_extension(date(2026, 12, 1), date(2026, 12, 1), today, "x")) == ["not_later"]
    assert _codes(flow.check_extension(date(2026, 12, 8), date(2026, 12, 1), today, "")) == ["reason_missing"]
    assert _codes(flow.check_extension(date(2026, 12, 8), date(2026, 11, 25), today, "x")) == ["already_overdue"]


# --- intake and closing -----------------------------------------------------------------------


def test_proxy_needs_the_applicants_voluntary_request():
    assert _codes(flow.check_voluntary("proxy", False)) == ["not_voluntary"]
    assert flow.check_voluntary("proxy", True) == [] == flow.check_voluntary("consult", False)


def test_no_agency_fee_and_a_receipt_for_any_fee():
    assert _codes(flow.check_fee(Decimal("5.00"), Decimal("0.00"), "No.1")) == ["fee_above_statutory"]
    assert _codes(flow.check_fee(Decimal("10.00"), Decimal("10.00"), None)) == ["receipt_missing"]
    assert flow.check_fee(Decimal("10.00"), Decimal("10.00"), "No.123") == []
    assert flow.check_fee(Decimal("0.00"), Decimal("0.00"), None) == []


def test_missing_materials_keep_the_items_order():
    assert flow.missing_materials(["身份证", "户口簿", "申请表"], ["申请表"]) == ["身份证", "户口簿"]


# --- every allowed and every forbidden move ------------------------------------------------

ALL = flow.OPEN_STATUSES + flow.CLOSED_STATUSES
STATUSES_OF = {
    "consult": ("registered", "answered", "referred", "voided"),
    "proxy": ("accepted", "verifying", "submitted", "completed", "rejected", "voided"),
}
ALLOWED = {  # SPEC §5, written out
    ("consult", "registered"): {"answered", "referred", "voided"},
    ("proxy", "accepted"): {"verifying", "submitted", "rejected", "voided"},
    ("proxy", "verifying"): {"submitted", "rejected", "voided"},
    ("proxy", "submitted"): {"completed", "rejected", "voided"},
}


@pytest.mark.parametrize("township", [False, True])
@pytest.mark.parametrize(("kind", "frm", "to"), [(k, f, t) for k, fs in STATUSES_OF.items() for f in fs for t in ALL])
def test_every_move_is_allowed_or_refused_as_the_spec_says(kind, frm, to, township):
    allowed = set(ALLOWED.get((kind, frm), set()))
    if township and frm in flow.CLOSED_STATUSES and frm != "voided":
        allowed.add("voided")
    values = {
        name: "x"
        for name in (
            "answer_text",
            "referred_to",
            "verified_by",
            "submitted_window",
            "window_result",
            "reply_method",
            "reason",
            "verify_result",
        )
    }
    values["reply_at"] = datetime(2026, 11, 25, 9, 0)
    findings = flow.check_transition(_facts(kind, frm, to, values, may_void_closed=township), LABELS)
    refused = "transition_not_allowed" in _codes(findings)
    assert refused is (to not in allowed), (kind, frm, to, township)
    if not refused:
        assert findings == []


# --- real dates ----------------------------------------------------------------------------------


def test_spring_festival_and_national_day_spans():
    # Fri 2026-02-13: 02-14 (Sat, make-up) counts; 02-15..02-23 holiday; then 02-24, 02-25.
    assert flow.case_deadlines("proxy", datetime(2026, 2, 13, 9, 0), False, 3, CAL)[0] == date(2026, 2, 25)
    # An item promised in 10 working days across National Day 2026 (10-01..10-07, 10-10 works).
    assert flow.case_deadlines("proxy", datetime(2026, 9, 28, 9, 0), False, 10, CAL)[1] == date(2026, 10, 16)


def test_township_override_turns_a_weekday_into_a_holiday():
    cal = WorkCalendar({date(2026, 11, 27): False})
    assert flow.case_deadlines("proxy", datetime(2026, 11, 26, 9, 0), False, 3, cal)[0] == date(2026, 12, 2)


def test_unknown_year_counts_weekends_and_never_raises():
    from app.policy.deadlines import calendar_warning

    submit_by, complete_by = flow.case_deadlines("proxy", datetime(2027, 9, 30, 9, 0), False, 3, CAL)
    assert submit_by == date(2027, 10, 5)  # Fri 10-01, Mon 10-04, Tue 10-05: no holidays known
    assert "2027年工作日历尚未配置" in calendar_warning([submit_by, complete_by], CAL)


# --- registering and correcting a ledger line ---------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0)  # Thu
ITEM = flow.IntakeItem(
    applicant_fields=("id_number",), materials=("身份证复印件", "申请表"), fee=Decimal("10.00"), pays_on_behalf=False
)


def _case(**kw):
    values = {
        "kind": "proxy",
        "received_at": datetime(2026, 11, 26, 9, 0),
        "applicant_id_number": "430124199001011234",
        "voluntary_confirmed": True,
        "materials_received": ["申请表"],
        "fee": Decimal("0.00"),
    }
    return {**values, **kw}


def _ctx(**kw):
    return flow.IntakeContext(now=NOW, calendar=CAL, **kw)


def test_a_complete_proxy_case_passes_intake():
    assert flow.check_intake(_case(), ITEM, _ctx()) == []


def test_a_proxy_case_needs_an_item_an_id_number_and_the_applicants_request():
    findings = flow.check_intake(_case(voluntary_confirmed=False, materials_received=[]), None, _ctx())
    assert [(f.field, f.code) for f in findings] == [
        ("service_item_id", "item_missing"),
        ("voluntary_confirmed", "not_voluntary"),
    ]
    findings = flow.check_intake(_case(applicant_id_number=""), ITEM, _ctx())
    assert [(f.field, f.code) for f in findings] == [("applicant_id_number", "id_missing")]


def test_a_consultation_needs_no_item():
    assert flow.check_intake({"kind": "consult", "received_at": NOW}, None, _ctx()) == []


def test_intake_time_not_in_the_future_nor_beyond_three_working_days():
    assert _codes(flow.check_intake(_case(received_at=datetime(2026, 11, 26, 12, 6)), ITEM, _ctx())) == ["in_future"]
    # Thu 26 Nov: Mon 23 Nov is 3 working days back (allowed), Fri 20 Nov is 4 (township only, with a reason)
    assert flow.check_intake(_case(received_at=datetime(2026, 11, 23, 9, 0)), ITEM, _ctx()) == []
    far = _case(received_at=datetime(2026, 11, 20, 9, 0))
    assert _codes(flow.check_intake(far, ITEM, _ctx())) == ["backdate_too_far"]
    assert _codes(flow.check_intake(far, ITEM, _ctx(township=True))) == ["reason_missing"]
    assert flow.check_intake({**far, "backdate_reason": "系统停电补登"}, ITEM, _ctx(township=True)) == []
    assert _codes(flow.check_intake(_case(received_at=datetime(1999, 12, 31, 9, 0)), ITEM, _ctx())) == ["invalid"]
    closed = _ctx(township=True, closed_quarters=[(2026, 4)])
    assert _codes(flow.check_intake(_case(), ITEM, closed)) == ["quarter_closed"]


def test_materials_come_from_the_items_checklist_and_the_fee_from_its_cost():
    findings = flow.check_intake(_case(materials_received=["申请表", "结婚证"]), ITEM, _ctx())
    assert [(f.field, f.code) for f in findings] == [("materials_received", "not_in_checklist")]
    assert "结婚证" in str(findings[0].message)
    assert _codes(flow.check_intake(_case(fee=Decimal("10.01"), receipt_number="No.1"), ITEM, _ctx())) == [
        "fee_above_statutory"
    ]
    assert _codes(flow.check_intake(_case(fee=Decimal("10.00")), ITEM, _ctx())) == ["receipt_missing"]


def test_payment_money_only_on_a_payment_item():
    assert _codes(flow.check_intake(_case(payment_received=Decimal("100.00")), ITEM, _ctx())) == ["not_payment_item"]
    pays = flow.IntakeItem(pays_on_behalf=True)
    assert flow.check_intake(_case(materials_received=[], payment_received=Decimal("100.00")), pays, _ctx()) == []


def test_an_edit_checks_the_catalog_and_clock_rules_only_for_what_it_touches():
    old = _case(received_at=datetime(2026, 10, 1, 9, 0), materials_received=["旧清单材料"])
    assert flow.check_intake(old, ITEM, _ctx(changed=frozenset({"notes"}))) == []
    assert _codes(flow.check_intake(old, ITEM, _ctx(changed=frozenset({"materials_received"})))) == ["not_in_checklist"]
    # the applicant's own request is checked whatever the edit touches
    assert _codes(flow.check_intake({**old, "voluntary_confirmed": False}, ITEM, _ctx(changed=frozenset()))) == [
        "not_voluntary"
    ]


def test_locked_fields_once_the_case_left_its_first_status():
    assert flow.locked_fields("proxy", "accepted") == ()
    assert flow.locked_fields("consult", "registered") == ()
    assert flow.locked_fields("proxy", "verifying") == ("service_item_id", "urgent", "received_at")
    assert flow.locked_fields("consult", "answered") == flow.INTAKE_LOCKED


EDIT_LABELS = {"received_at": "受理时间", "urgent": "急办件", "applicant_name": "申请人姓名"}
RECEIVED = datetime(2026, 11, 23, 9, 0)


def _edit(status, changed, township=False, kind="proxy"):
    return [(f.field, f.code) for f in flow.check_edit(kind, status, changed, RECEIVED, EDIT_LABELS, township=township)]


def test_check_edit():
    assert _edit("accepted", {"urgent": True, "notes": "x"}) == []
    assert _edit("accepted", {"applicant_name": None}) == [("applicant_name", "required")]
    assert _edit("accepted", {"kind": "consult"}) == [("kind", "kind_fixed")]
    assert _edit("submitted", {"urgent": True}) == [("urgent", "locked")]
    assert "急办件" in str(flow.check_edit("proxy", "submitted", {"urgent": True}, RECEIVED, EDIT_LABELS)[0].message)
    assert _edit("accepted", {"received_at": datetime(2025, 12, 31, 9, 0)}) == [("received_at", "other_year")]


def test_a_closed_case_only_gets_its_evaluation_and_receipt_completed_except_by_the_township():
    assert _edit("completed", {"followup_note": "好", "receipt_number": "No.9"}) == []
    # 好差评 is the applicant's (issue 14 §1): the agent no longer records a satisfaction level
    assert _edit("completed", {"satisfaction": 5}) == [("satisfaction", "closed")]
    assert _edit("completed", {"applicant_phone": "13800000000"}) == [("applicant_phone", "closed")]
    assert _edit("completed", {"applicant_phone": "13800000000"}, township=True) == []


def test_optional_fields_of_a_step():
    assert flow.optional_fields("submitted", "completed") == ("reply_method", "fee", "receipt_number")
    assert flow.optional_fields("submitted", "completed", pays_on_behalf=True)[-3:] == flow.PAYMENT_STEP_FIELDS
    assert flow.optional_fields("registered", "answered") == ("reply_method",)
    assert flow.optional_fields("verifying", "rejected") == ("verify_result",)
    assert flow.optional_fields("accepted", "rejected") == ()
    assert flow.optional_fields("accepted", "verifying") == ()


def test_a_case_found_untrue_is_not_submitted():
    values = {"submitted_window": "社保窗口", "verify_result": "not_confirmed"}
    findings = flow.check_transition(_facts("proxy", "verifying", "submitted", values), LABELS)
    assert [(f.field, f.code) for f in findings] == [("verify_result", "not_confirmed")]
    assert flow.check_verify_result("verifying", "submitted", "confirmed") == []
    assert flow.check_verify_result("verifying", "rejected", "not_confirmed") == []
