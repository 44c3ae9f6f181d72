"""Cases through the service (SPEC §5): numbering, owner, intake rules, deadlines, lifecycle,
extensions, the to-do list, and deadlines recounted when the calendar changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseCounter, CaseExtension, CaseTransition
from app.services import cases as svc
from app.services.errors import Conflict, Forbidden, ValidationFailed
from tests.factories import APPLICANT_ID, make_case, proxy_data
from tests.integration.test_cases_support import acting, clock_fixture, items_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.dates


def _get(app, case_id) -> Case:
    return db.session.get(Case, case_id)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


# --- registering ------------------------------------------------------------------------------


def test_numbers_run_per_village_and_year(app, world, items, clock):
    numbers = [
        make_case(app, world, items),
        make_case(app, world, items),
        make_case(app, world, items, village_id=world.village_b, agent_id=world.agent_b),
        make_case(app, world, items, received_at="2025-12-31 16:00", backdate_reason="纸质登记簿补录"),
    ]
    with app.app_context():
        got = [db.session.get(Case, n).case_number for n in numbers]
        assert got == ["QS2026-0001", "QS2026-0002", "SQ2026-0001", "QS2025-0001"]
        counters = db.session.execute(select(CaseCounter.year, CaseCounter.last).order_by(CaseCounter.id)).all()
        assert [tuple(c) for c in counters] == [(2026, 2), (2026, 1), (2025, 1)]


def test_number_counter_resyncs_after_a_clash(app, world, items, clock):
    """Numbers issued outside the counter (imported ledgers) do not block new cases."""
    first = make_case(app, world, items)
    with app.app_context():
        db.session.execute(CaseCounter.__table__.update().values(last=0))
        db.session.commit()
    second = make_case(app, world, items)
    with app.app_context():
        assert db.session.get(Case, first).case_number == "QS2026-0001"
        assert db.session.get(Case, second).case_number == "QS2026-0002"


def test_agent_registers_for_own_village_whatever_the_input(app, world, items, clock):
    with acting(app, "qs_daiban"):
        case = svc.create_case(proxy_data(world, items, village_id=world.village_b, agent_id=world.agent_b))
        assert (case.village_id, case.agent_id) == (world.village_a, world.agent_a)
        assert case.created_by_id == world.users["qs_daiban"]
        assert case.case_number.startswith("QS2026-")


def test_user_without_agent_record_cannot_register(app, world, items, clock):
    with acting(app, "qs_shuji"), pytest.raises(Forbidden) as err:
        svc.create_case(proxy_data(world, items))
    assert "没有关联本村代办员档案" in err.value.message


def test_township_must_choose_a_village_and_its_agent(app, world, items, clock):
    with app.app_context():
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(proxy_data(world, items, village_id=None, agent_id=None))
        assert err.value.errors == {"village_id": ["请选择所属村"], "agent_id": ["请选择代办员"]}
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(proxy_data(world, items, agent_id=world.agent_b))
        assert err.value.errors["agent_id"] == ["所选代办员不是该村的代办员"]
        assert _count(Case) == 0


BAD_INPUT = [
    ({"voluntary_confirmed": False}, "voluntary_confirmed", "自愿委托（第三条6）"),
    ({"applicant_id_number": "430123195803041234"}, "applicant_id_number", "校验位不正确"),
    ({"applicant_id_number": None}, "applicant_id_number", "该代办事项须登记申请人身份证号"),
    ({"service_item_id": None}, "service_item_id", "代办须选择代办事项"),
    ({"service_item_id": 999999}, "service_item_id", "所选代办事项不存在"),
    ({"applicant_phone": "12345"}, "applicant_phone", "电话号码格式不正确"),
    ({"applicant_name": " "}, "applicant_name", "申请人姓名为必填项"),
    ({"applicant_name": ["x"]}, "applicant_name", "应为文本"),
    ({"kind": "other"}, "kind", "无效的选项"),
    ({"received_at": "2026-13-01"}, "received_at", "时间格式应为"),
    ({"received_at": "2026-11-27 09:00"}, "received_at", "不能晚于当前时间"),
    ({"materials_received": ["结婚证"]}, "materials_received", "不在该事项的材料清单中"),
    ({"materials_received": "身份证\n结婚证"}, "materials_received", "不在该事项的材料清单中"),
    ({"fee": "5.00", "receipt_number": "No.1"}, "fee", "不得收取代办费"),
    ({"fee": "-1"}, "fee", "金额不能为负数"),
    ({"fee": "abc"}, "fee", "应为金额"),
    ({"urgent": "maybe"}, "urgent", "应为是或否"),
]


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(app, world, items, clock):
    with app.app_context():
        for change, field, message in BAD_INPUT:
            with pytest.raises(ValidationFailed) as err:
                svc.create_case(proxy_data(world, items, **change))
            assert message in "".join(err.value.errors.get(field, [])), (change, err.value.errors)
            db.session.rollback()
        assert _count(Case) == 0 and _count(CaseTransition) == 0 and _count(CaseCounter) == 0


def test_retired_item_takes_no_new_cases(app, world, items, clock):
    from app.models import ServiceItem
    from app.services.catalog import retire_item

    with app.app_context():
        retire_item(db.session.get(ServiceItem, items["0101"]))
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(proxy_data(world, items))
        assert err.value.errors["service_item_id"] == ["该代办事项已停用，请选择其他事项"]


def test_fee_within_the_state_set_cost_needs_a_receipt(app, world, items, clock):
    data = proxy_data(world, items, service_item_id=items["0299"], materials_received=["身份证"], fee="10.00")
    with app.app_context():
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(data)
        assert "合法收费票据" in err.value.errors["receipt_number"][0]
        case = svc.create_case({**data, "receipt_number": "No.00012345"})
        assert case.fee == Decimal("10.00")


def test_consultation_needs_no_id_number_nor_item(app, world, items, clock):
    with app.app_context():
        case = svc.create_case(
            {
                "village_id": world.village_a,
                "agent_id": world.agent_a,
                "kind": "consult",
                "applicant_name": "钱奶奶",
                "request_text": "咨询高龄津贴",
                "received_at": "2026-11-26 09:00",
            }
        )
        assert case.status == "registered" and case.submit_by is None
        assert case.complete_by == case.due_on == dt.date(2026, 12, 1)
        assert case.custody_state is None and case.category_id is None


# --- deadlines ----------------------------------------------------------------------------------


def test_spec_example_deadlines_and_the_stored_due_date(app, world, items, clock):
    case_id = make_case(app, world, items, received_at="2026-09-30 16:20")
    with app.app_context():
        case = _get(app, case_id)
        assert case.submit_by == dt.date(2026, 10, 10)  # a Saturday, make-up working day
        assert case.complete_by == dt.date(2026, 10, 10)
        assert case.due_on == dt.date(2026, 10, 10)
        assert case.category_id is not None
        assert case.is_overdue(dt.date(2026, 11, 26))
        assert svc.case_calendar_warning(case) is None


def test_urgent_case_is_due_the_same_day(app, world, items, clock):
    case_id = make_case(app, world, items, urgent=True, received_at="2026-11-26 09:00")
    with app.app_context():
        case = _get(app, case_id)
        assert case.submit_by == case.due_on == dt.date(2026, 11, 26)


def test_deadline_in_an_unconfigured_year_is_estimated_and_warned_about(app, world, items, clock):
    case_id = make_case(
        app, world, items, received_at="2026-11-26 09:00", service_item_id=items["0103"], materials_received=[]
    )  # 10 working days → 2026-12-10
    late_id = make_case(
        app, world, items, received_at="2026-11-26 09:30", service_item_id=items["0103"], materials_received=[]
    )
    with app.app_context():
        assert svc.case_calendar_warning(_get(app, case_id)) is None
        case = _get(app, late_id)
        case.complete_by = dt.date(2027, 1, 4)  # as if received late in December
        db.session.commit()
        warning = svc.case_calendar_warning(case)
        assert warning and "2027年工作日历尚未配置" in warning


# --- lifecycle ----------------------------------------------------------------------------------


def _step(case, **data):
    return svc.transition_case(case, data)


def test_full_proxy_lifecycle_leaves_a_trace(app, world, items, clock):
    case_id = make_case(app, world, items)
    with acting(app, "qs_daiban"):
        case = db.session.get(Case, case_id)
        _step(case, to="verifying", verified_by="刘建国", at="2026-11-23 10:00")
        assert case.status == "verifying" and case.due_on == case.submit_by
        with pytest.raises(ValidationFailed) as err:
            _step(case, to="submitted", submitted_window="社保窗口", verify_result="not_confirmed")
        assert "不能报送" in err.value.errors["verify_result"][0]
        _step(
            case,
            to="submitted",
            submitted_window="乡便民服务中心社保窗口",
            verify_result="confirmed",
            at="2026-11-24 09:00",
        )
        assert case.custody_state == "submitted" and case.due_on == case.complete_by
        with pytest.raises(ValidationFailed) as err:
            _step(case, to="completed", window_result="", reply_method="phone")
        assert set(err.value.errors) == {"window_result", "reply_at"}  # how the reply went is optional
        _step(case, to="completed", window_result="已登记", reply_at="2026-11-25 15:00", reply_method="phone")
        assert case.status == "completed" and case.closed_at == dt.datetime(2026, 11, 25, 15, 0)
        # the materials went to the window: closing the case does not pretend they came back
        assert case.closed_late is False and case.custody_state == "submitted"
        steps = [(t.from_status, t.to_status, t.user_name) for t in case.transitions]
        assert steps == [
            (None, "accepted", "系统"),
            ("accepted", "verifying", "王秀兰"),
            ("verifying", "submitted", "王秀兰"),
            ("submitted", "completed", "王秀兰"),
        ]
        assert "核实人（村干部）：刘建国" in case.transitions[1].note
    with app.app_context():
        from app.models import AuditLog

        logged = db.session.execute(
            select(AuditLog.table_name, AuditLog.action, AuditLog.user_name).where(AuditLog.row_id.is_not(None))
        ).all()
        assert ("service_case", "create", "system") in logged
        assert ("case_transition", "create", "qs_daiban") in logged
        assert ("service_case", "update", "qs_daiban") in logged
        masked = db.session.execute(
            select(AuditLog.changes).where(AuditLog.table_name == "service_case", AuditLog.action == "create")
        ).scalar_one()
        assert masked["applicant_id_number"][1] == "430123********" + APPLICANT_ID[-4:]


def test_closing_after_the_deadline_is_late_for_good(app, world, items, clock):
    case_id = make_case(app, world, items, received_at="2026-11-16 09:00")  # submit-by 11-19
    with app.app_context():
        case = _get(app, case_id)
        _step(case, to="submitted", submitted_window="社保窗口", at="2026-11-18 09:00")
        assert case.due_on == dt.date(2026, 11, 19) and case.is_overdue(dt.date(2026, 11, 26))
        _step(case, to="completed", window_result="已办", reply_at="2026-11-24 09:00", reply_method="visit")
        assert case.closed_late is True and case.is_overdue(dt.date(2026, 11, 26))


def test_rejection_needs_the_reason_told_to_the_applicant(app, world, items, clock):
    case_id = make_case(app, world, items)
    with app.app_context():
        case = _get(app, case_id)
        with pytest.raises(ValidationFailed) as err:
            _step(case, to="rejected")
        assert err.value.errors["reason"] == ["原因（已向申请人说明）为必填项"]
        _step(case, to="rejected", reason="不符合参保条件，已当面说明")
        assert case.status == "rejected" and case.closed_at is not None and case.custody_state == "returned"


def test_consultation_is_answered_or_referred(app, world, items, clock):
    with app.app_context():
        data = {
            "village_id": world.village_a,
            "agent_id": world.agent_a,
            "kind": "consult",
            "applicant_name": "钱奶奶",
            "received_at": "2026-11-26 09:00",
        }
        a, b = svc.create_case(data), svc.create_case(data)
        _step(a, to="answered", answer_text="按标准每月发放", reply_method="visit")
        _step(b, to="referred", referred_to="县民政局 0731-84560001")
        assert (a.status, b.status) == ("answered", "referred")
        assert a.reply_at == b.reply_at == dt.datetime(2026, 11, 26, 10, 0)
        with pytest.raises(ValidationFailed) as err:
            _step(a, to="submitted", submitted_window="x")
        assert err.value.errors["to"] == ["当前状态不能进行此操作"]


def test_voiding_agents_open_cases_only_township_any(app, world, items, clock):
    open_id, closed_id = make_case(app, world, items), make_case(app, world, items, received_at="2026-11-16 09:00")
    with app.app_context():
        closed = _get(app, closed_id)
        _step(closed, to="submitted", submitted_window="窗口", at="2026-11-18 09:00")
        _step(closed, to="completed", window_result="已办", reply_at="2026-11-24 09:00", reply_method="visit")
        assert closed.closed_late
    with acting(app, "qs_daiban"):
        closed = db.session.get(Case, closed_id)
        assert "voided" not in svc.transitions_for(closed)
        with pytest.raises(ValidationFailed) as err:
            _step(closed, to="voided", reason="想删掉")
        assert "只能由乡便民中心作废" in err.value.errors["to"][0]
        _step(db.session.get(Case, open_id), to="voided", reason="重复登记")
    with acting(app, "zhongxin"):
        closed = db.session.get(Case, closed_id)
        closed_at = closed.closed_at
        _step(closed, to="voided", reason="登记错误，经乡便民中心核实作废")
        assert closed.status == "voided" and closed.closed_late is False and closed.closed_at == closed_at
    with app.app_context():
        assert _get(app, open_id).status == "voided" and _count(Case) == 2  # never deleted


def test_stale_form_gets_a_conflict(app, world, items, clock):
    case_id = make_case(app, world, items)
    with app.app_context():
        case = _get(app, case_id)
        version = case.version
        _step(case, to="submitted", submitted_window="窗口")
        with pytest.raises(Conflict):
            svc.transition_case(case, {"to": "rejected", "reason": "x", "version": version})
        with pytest.raises(Conflict):
            svc.update_case(case, {"notes": "x", "version": version})


# --- editing ---------------------------------------------------------------------------------


def test_edit_rules_follow_the_stage_of_the_case(app, world, items, clock):
    case_id = make_case(app, world, items)
    with acting(app, "qs_daiban"):
        case = db.session.get(Case, case_id)
        svc.update_case(
            case, {"version": case.version, "received_at": "2026-11-24 09:30", "applicant_phone": "0731-84560001"}
        )
        assert case.submit_by == dt.date(2026, 11, 27)  # deadlines follow the corrected time
        with pytest.raises(ValidationFailed) as err:  # 4 working days back: not for an agent
            svc.update_case(case, {"version": case.version, "received_at": "2026-11-20 09:30"})
        assert "早于3个工作日前" in err.value.errors["received_at"][0]
        with pytest.raises(ValidationFailed) as err:
            svc.update_case(case, {"version": case.version, "kind": "consult"})
        assert "类型不能修改" in err.value.errors["kind"][0]
        with pytest.raises(ValidationFailed) as err:
            svc.update_case(case, {"version": case.version, "received_at": "2025-11-20 09:30"})
        assert "不能改到其他年份" in err.value.errors["received_at"][0]
        _step(case, to="submitted", submitted_window="窗口")
        with pytest.raises(ValidationFailed) as err:
            svc.update_case(case, {"version": case.version, "urgent": True})
        assert "已进入办理环节" in err.value.errors["urgent"][0]
        _step(case, to="completed", window_result="已办", reply_at="2026-11-26 10:00", reply_method="visit")
        with pytest.raises(ValidationFailed) as err:
            svc.update_case(case, {"version": case.version, "applicant_name": "改名"})
        assert "只能补充回访" in err.value.errors["applicant_name"][0]
        with pytest.raises(ValidationFailed) as err:  # 好差评 is the applicant's (issue 14 §1)
            svc.update_case(case, {"version": case.version, "satisfaction": 2})
        assert "代办员不能登记" in err.value.errors["satisfaction"][0]
        svc.update_case(
            case,
            {"version": case.version, "followup_note": "已电话回访并解释", "followup_at": "2026-11-26 09:50"},
        )
        assert case.satisfaction is None and case.followup_note == "已电话回访并解释"
        svc.update_case(case, {"version": case.version, "agent_id": world.agent_b})  # ignored for an agent
        assert case.agent_id == world.agent_a
    with acting(app, "zhongxin"):
        case = db.session.get(Case, case_id)
        svc.update_case(case, {"version": case.version, "applicant_name": "赵大伯"})  # township corrects a closed line
        assert case.applicant_name == "赵大伯"
        with pytest.raises(ValidationFailed):
            svc.update_case(case, {"version": case.version, "agent_id": world.agent_b})


# --- extensions -------------------------------------------------------------------------------


def test_extension_moves_the_deadline_and_keeps_the_old_one(app, world, items, clock):
    case_id = make_case(
        app, world, items, received_at="2026-11-24 09:00", service_item_id=items["0103"], materials_received=[]
    )
    with app.app_context():
        case = _get(app, case_id)
        _step(case, to="submitted", submitted_window="社保窗口")
        assert case.due_on == dt.date(2026, 12, 8)
        with pytest.raises(ValidationFailed) as err:
            svc.extend_case(case, {"new_due": "2026-12-08", "reason": ""})
        assert set(err.value.errors) == {"new_due", "reason"}
        svc.extend_case(case, {"new_due": "2026-12-15", "reason": "需县级会审，已电话告知申请人"})
        svc.extend_case(case, {"new_due": "2026-12-18", "reason": "会审推迟，已告知"})
        assert case.due_on == dt.date(2026, 12, 18) and case.complete_by == dt.date(2026, 12, 8)
        rows = db.session.execute(
            select(CaseExtension.previous_due, CaseExtension.new_due).order_by(CaseExtension.id)
        ).all()
        assert [tuple(r) for r in rows] == [
            (dt.date(2026, 12, 8), dt.date(2026, 12, 15)),
            (dt.date(2026, 12, 15), dt.date(2026, 12, 18)),
        ]
        assert [r["kind"] for r in svc.timeline(case)] == ["transition", "transition", "extension", "extension"]
        from app.models import AuditLog

        assert (
            db.session.execute(
                select(func.count()).where(AuditLog.table_name == "case_extension", AuditLog.action == "create")
            ).scalar()
            == 2
        )


def test_no_extension_once_late_or_closed(app, world, items, clock):
    late_id = make_case(app, world, items, received_at="2026-11-16 09:00")
    with app.app_context():
        late = _get(app, late_id)
        with pytest.raises(ValidationFailed) as err:
            svc.extend_case(late, {"new_due": "2026-12-15", "reason": "x"})
        assert "不能再延期" in err.value.errors["new_due"][0]
        _step(late, to="voided", reason="重复")
        with pytest.raises(Conflict):
            svc.extend_case(late, {"new_due": "2026-12-15", "reason": "x"})


# --- the to-do list -----------------------------------------------------------------------------


def test_todo_lists_overdue_then_due_soon_then_by_date_in_scope(app, world, items, clock):
    later = make_case(app, world, items, received_at="2026-11-26 09:00")  # due 12-01
    overdue = make_case(app, world, items, received_at="2026-11-16 09:00")  # due 11-19
    soon = make_case(app, world, items, received_at="2026-11-23 11:00")  # due 11-26
    done = make_case(app, world, items, received_at="2026-11-10 09:00")
    other = make_case(
        app, world, items, village_id=world.village_b, agent_id=world.agent_b, received_at="2026-11-02 09:00"
    )
    with app.app_context():
        _step(_get(app, done), to="voided", reason="重复")
    today = dt.date(2026, 11, 26)
    with acting(app, "qs_daiban"):
        assert [c.id for c in svc.todo_cases(today)] == [overdue, soon, later]
        assert [c.id for c in svc.todo_cases(today, limit=1)] == [overdue]
        assert svc.open_counts(today) == {"open": 3, "overdue": 1, "soon": 1}
    with acting(app, "zhongxin"):
        assert [c.id for c in svc.todo_cases(today)] == [other, overdue, soon, later]
        assert svc.open_counts(today)["overdue"] == 2


# --- the calendar changes -------------------------------------------------------------------------


def test_entering_a_years_schedule_recounts_open_deadlines(app, world, items, clock):
    from app.services.calendar_admin import import_schedule

    case_id = make_case(
        app, world, items, received_at="2026-11-26 09:00", service_item_id=items["0103"], materials_received=[]
    )
    closed_id = make_case(
        app, world, items, received_at="2026-11-26 09:10", service_item_id=items["0103"], materials_received=[]
    )
    with app.app_context():
        _step(_get(app, closed_id), to="voided", reason="重复")
        case = _get(app, case_id)
        assert case.complete_by == dt.date(2026, 12, 10)
        result = import_schedule({"year": 2026, "schedule": "12-01 至 12-02 休 测试停工"})
        assert result["added"] == 2 and result["cases"] == 1
        db.session.refresh(case)
        assert case.complete_by == dt.date(2026, 12, 14)
        assert _get(app, closed_id).complete_by == dt.date(2026, 12, 10)  # closed: unchanged
