"""督查考核 by web forms and REST API: who may record what, Chinese messages, nothing saved on
bad input, pages show what the rules produced (SPEC §1, §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Case, Complaint, Deduction, Inspection, Training, TrainingAttendance, Village

NOW = dt.datetime(2026, 11, 26, 10, 0)

pytestmark = pytest.mark.dates


@pytest.fixture(autouse=True)
def _on_now(clock):
    """The module's events happen on Thursday 2026-11-26 (verification dates default to today)."""
    clock.set(NOW)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def active_deductions(app, **by):
    with app.app_context():
        stmt = select(Deduction).where(Deduction.state == "active")
        for k, v in by.items():
            stmt = stmt.where(getattr(Deduction, k) == v)
        return [(d.code, d.amount, d.year, d.month, d.agent_id) for d in db.session.execute(stmt).scalars()]


def inspection_form(world, **extra) -> dict:
    data = {
        "inspected_at": "2026-11-24 10:15:00",
        "inspector": "乡纪检办 张三",
        "village": str(world.village_a),
        "agent": str(world.agent_a),
        "on_duty": "False",
        "ledger_complete": "True",
        "six_std_counter": "True",
        "six_std_board": "False",
        "problems": "代办员不在岗，代办点无人值守",
        "rectification": "落实每日坐班制度",
        "rectify_by": "2026-12-01",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


# --- inspections -----------------------------------------------------------------------------------


def test_inspector_records_off_duty_finding_by_form(app, login, world):
    c = login("jijian")
    r = c.post("/inspection/add", data=inspection_form(world), follow_redirects=True)
    assert r.status_code == 200
    assert active_deductions(app) == [("3", Decimal("50.00"), 2026, 11, world.agent_a)]
    with app.app_context():
        item = db.session.execute(select(Inspection)).scalar()
        village = db.session.get(Village, world.village_a)
        assert item.six_ones == {"std_counter": True, "std_board": False}
        # the 六个一 findings update the village's checklist
        assert village.std_counter is True and village.std_counter_checked_on == dt.date(2026, 11, 24)
        assert village.std_board is False and village.std_board_checked_on == dt.date(2026, 11, 24)
        pk = item.id
    html = c.get(f"/inspection/show/{pk}").get_data(as_text=True)
    assert "由此产生的扣款" in html and "督查检查不在岗" in html and "50.00" in html
    assert "柜台式服务窗口：符合" in html and "代办员公示牌：不符合" in html
    # edit form shows the stored findings, and the correction voids the deduction
    edit = c.get(f"/inspection/edit/{pk}").get_data(as_text=True)
    assert 'value="False" selected' in edit or 'selected value="False"' in edit
    r = c.post(f"/inspection/edit/{pk}", data=inspection_form(world, on_duty="True"), follow_redirects=True)
    assert r.status_code == 200
    assert active_deductions(app) == []


def test_noon_inspection_on_a_summer_working_day_cannot_record_off_duty(app, login, world):
    c = login("jijian")
    r = c.post("/inspection/add", data=inspection_form(world, inspected_at="2026-07-15 12:00:00"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "不在坐班时间内" in html and "不能认定为“不在岗”" in html
    assert "未保存" in html
    assert count(app, Inspection) == 0
    assert active_deductions(app) == []


def test_inspection_form_refuses_an_agent_of_another_village(app, login, world):
    c = login("jijian")
    r = c.post("/inspection/add", data=inspection_form(world, agent=str(world.agent_b)))
    assert "不是青山村的代办员" in r.get_data(as_text=True)
    assert count(app, Inspection) == 0


def test_only_the_discipline_office_records_inspections(app, login, world):
    for username in ("zhongxin", "qs_shuji", "qs_daiban"):
        c = login(username)
        r = c.post("/inspection/add", data=inspection_form(world))
        assert r.status_code == 403, username
    assert count(app, Inspection) == 0
    assert login("zhongxin").get("/inspection/list/").status_code == 200  # township reads
    assert login("qs_shuji").get("/inspection/list/").status_code == 403


def test_inspection_api(app, api_token, world):
    c = app.test_client()
    headers = api_token("jijian")
    body = {
        "inspected_at": "2026-11-24T10:15:00+08:00",
        "village_id": world.village_a,
        "on_duty": False,
        "ledger_complete": False,
        "six_ones": {"std_card": False},
    }
    r = c.post("/api/v1/inspection/", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.json["result"]["agent_id"] == world.agent_a  # the village's agent in post
    assert r.json["result"]["inspector"] == "乡纪检办"  # the logged-in user
    assert sorted(d[0] for d in active_deductions(app)) == ["3", "5"]
    pk = r.json["id"]
    r = c.put(f"/api/v1/inspection/{pk}", json={"inspected_at": "2026-07-15T12:00:00"}, headers=headers)
    assert r.status_code == 422
    assert "不在坐班时间内" in r.json["errors"]["on_duty"][0]
    r = c.post("/api/v1/inspection/", json={"inspected_at": "昨天", "village_id": "x"}, headers=headers)
    assert r.status_code == 422
    assert "时间格式" in r.json["errors"]["inspected_at"][0] and "应为整数" in r.json["errors"]["village_id"][0]
    r = c.post("/api/v1/inspection/", json=["not", "an", "object"], headers=headers)
    assert r.status_code == 400
    r = c.post("/api/v1/inspection/", json=body, headers=api_token("zhongxin"))
    assert r.status_code == 403
    with app.app_context():
        assert db.session.execute(select(AuditLog).where(AuditLog.table_name == "inspection")).first() is not None
        assert db.session.execute(select(AuditLog).where(AuditLog.table_name == "deduction")).first() is not None


# --- complaints ---------------------------------------------------------------------------------------


def test_complaint_intake_verification_and_withdrawal_by_api(app, api_token, world):
    c = app.test_client()
    headers = api_token("jijian")
    r = c.post(
        "/api/v1/complaint/",
        json={
            "received_on": "2026-11-10",
            "channel": "phone",
            "village_id": world.village_a,
            "content": "群众反映代办员拒绝代办医保缴费",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    pk = r.json["id"]
    assert r.json["result"]["result"] == "pending" and r.json["result"]["complainant"] is None  # 匿名
    r = c.post(
        f"/api/v1/complaint/{pk}/verify",
        json={"result": "true", "verification_note": "走访申请人属实"},
        headers=headers,
    )
    assert r.status_code == 200, r.get_json()
    assert r.json["result"]["verified_by"] == "乡纪检办"
    assert active_deductions(app) == [("1", Decimal("30.00"), 2026, 11, world.agent_a)]
    r = c.post(f"/api/v1/complaint/{pk}/verify", json={"result": "maybe"}, headers=headers)
    assert r.status_code == 422 and "无效的选项" in r.json["message"]
    r = c.post(f"/api/v1/complaint/{pk}/verify", json={"result": "pending"}, headers=headers)
    assert r.status_code == 200
    assert active_deductions(app) == []
    # township staff read complaints but do not verify them
    r = c.post(f"/api/v1/complaint/{pk}/verify", json={"result": "true"}, headers=api_token("zhongxin"))
    assert r.status_code == 403
    assert active_deductions(app) == []


def test_complaint_form_shows_anonymous_and_deduction(app, login, world):
    c = login("jijian")
    r = c.post(
        "/complaint/add",
        data={
            "received_on": "2026-11-10",
            "channel": "visit",
            "village": str(world.village_a),
            "refused_request": "y",
            "content": "代办员不受理",
            "result": "true",
            "verified_on": "2026-11-12",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200
    html = c.get("/complaint/list/").get_data(as_text=True)
    assert "匿名" in html and "经核实属实" in html
    with app.app_context():
        pk = db.session.execute(select(Complaint.id)).scalar()
    html = c.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "群众反映不受理代办事项（经核实）" in html and "30.00" in html


# --- trainings ------------------------------------------------------------------------------------------


def test_training_roster_marks_absence_and_the_api_corrects_it(app, login, api_token, world):
    c = app.test_client()
    headers = api_token("zhongxin")
    r = c.post(
        "/api/v1/training/",
        json={"title": "便民代办政策培训", "held_on": "2026-11-20", "place": "乡政府三楼会议室"},
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    pk = r.json["id"]
    r = c.get(f"/api/v1/training/{pk}", headers=headers)
    assert {row["agent_id"] for row in r.json["result"]["attendance_list"]} == {world.agent_a, world.agent_b}

    web = login("zhongxin")
    html = web.get(f"/attendance/roster/{pk}").get_data(as_text=True)
    assert "王秀兰" in html and "李明" in html and "无故缺席" in html
    with app.app_context():
        rows = {r.agent_id: r.id for r in db.session.execute(select(TrainingAttendance)).scalars()}
    r = web.post(
        f"/attendance/roster/{pk}",
        data={
            f"a_{rows[world.agent_a]}": "absent",
            f"a_{rows[world.agent_b]}": "excused",
            f"n_{rows[world.agent_b]}": "病假",
        },
    )
    assert r.status_code == 302
    assert active_deductions(app) == [("2", Decimal("30.00"), 2026, 11, world.agent_a)]
    show = web.get(f"/training/show/{pk}").get_data(as_text=True)
    assert "登记出勤" in show and "无故缺席" in show

    r = c.post(
        f"/api/v1/training/{pk}/attendance",
        json={"agent_id": world.agent_a, "attendance": "excused", "note": "补假条"},
        headers=headers,
    )
    assert r.status_code == 200, r.get_json()
    assert active_deductions(app) == []
    r = c.post(
        f"/api/v1/training/{pk}/attendance", json={"agent_id": world.agent_a, "attendance": "迟到"}, headers=headers
    )
    assert r.status_code == 422 and "出席" in r.json["message"]
    # the discipline office reads but does not mark attendance
    assert login("jijian").post(f"/attendance/roster/{pk}", data={}).status_code == 403
    # a village secretary sees the own village's attendance only
    html = login("qs_shuji").get("/attendance/list/").get_data(as_text=True)
    assert "王秀兰" in html and "李明" not in html


def test_training_add_form_with_chosen_attendees(app, login, world):
    c = login("zhongxin")
    r = c.post(
        "/training/add", data={"title": "业务培训", "held_on": "2026-11-20", "attendee_ids": [str(world.agent_a)]}
    )
    assert r.status_code == 302
    with app.app_context():
        t = db.session.execute(select(Training)).scalar()
        assert [a.agent_id for a in t.attendances] == [world.agent_a]
    r = c.post("/training/add", data={"title": "", "held_on": "2026-13-01"})
    assert r.status_code == 200
    assert count(app, Training) == 1


# --- deductions are read-only, scoped ----------------------------------------------------------------------


def test_deductions_are_read_only_and_scoped(app, login, api_token, world):
    jijian = login("jijian")
    jijian.post("/inspection/add", data=inspection_form(world))
    jijian.post(
        "/inspection/add",
        data=inspection_form(
            world, village=str(world.village_b), agent=str(world.agent_b), inspected_at="2026-11-25 10:00:00"
        ),
    )
    assert len(active_deductions(app)) == 2
    html = login("qs_shuji").get("/deduction/list/").get_data(as_text=True)
    assert "扣款明细" in html and "王秀兰" in html and "③督查检查不在岗" in html and "李明" not in html
    c = app.test_client()
    headers = api_token("qs_daiban")
    r = c.get("/api/v1/deduction/", headers=headers)
    assert r.status_code == 200 and r.json["count"] == 1
    assert r.json["result"][0]["amount"] in (50, 50.0, "50.00")
    assert c.post("/api/v1/deduction/", json={"code": "3"}, headers=api_token("admin")).status_code == 405
    assert login("zhongxin").get("/deduction/add").status_code == 404
    # month filter and the capped summary
    r = login("zhongxin").get("/deduction/month?ym=2026-11")
    assert r.status_code == 302 and "_flt_0_year=2026" in r.headers["Location"]
    html = login("zhongxin").get(r.headers["Location"]).get_data(as_text=True)
    assert "王秀兰" in html and "李明" in html
    html = login("zhongxin").get("/deduction/summary?month=2026-11").get_data(as_text=True)
    assert "月度扣款汇总" in html and "416.67" in html and "366.67" in html
    html = login("zhongxin").get("/deduction/summary?month=2026年13月").get_data(as_text=True)
    assert "月份格式" in html


def test_strike_alert_page_and_agent_record(app, login, world):
    c = login("jijian")
    for day in (23, 24):
        c.post("/inspection/add", data=inspection_form(world, inspected_at=f"2026-11-{day} 10:00:00"))
    html = login("zhongxin").get("/strikes/").get_data(as_text=True)
    assert "考核预警" in html and "王秀兰" in html and "预警" in html and "再发生1次将予以解聘" in html
    c.post("/inspection/add", data=inspection_form(world, inspected_at="2026-11-25 10:00:00"))
    html = login("zhongxin").get("/strikes/").get_data(as_text=True)
    assert "应予解聘" in html and "办理解聘" in html
    html = login("qs_shuji").get("/strikes/").get_data(as_text=True)
    assert "应予解聘" in html and "办理解聘" not in html  # secretaries read only
    html = login("qs_shuji").get(f"/strikes/agent/{world.agent_a}").get_data(as_text=True)
    assert "代办员考核档案" in html and "<strong>3</strong> / 3" in html and html.count("50.00") == 3
    assert login("qs_shuji").get(f"/strikes/agent/{world.agent_b}").status_code == 404
    assert "目前没有需要预警" in login("sq_shuji").get("/strikes/").get_data(as_text=True)


def test_assessment_form(app, login, world):
    """年度考核 starts from the list's add form (agent and year); the grade is decided on its page
    (tests/integration/test_annual_assessment.py)."""
    c = login("zhongxin")
    r = c.post("/assessment/add", data={"agent": str(world.agent_a), "year": "2025", "notes": "年终考核"})
    assert r.status_code == 302
    r = c.post("/assessment/add", data={"agent": str(world.agent_a), "year": "2025"})
    assert "2025年度考核已录入" in r.get_data(as_text=True)
    r = c.post("/assessment/add", data={"agent": str(world.agent_a), "year": "2030"})
    assert "不能晚于今年" in r.get_data(as_text=True)
    assert login("jijian").post("/assessment/add", data={}).status_code == 403


# --- the township's case review ------------------------------------------------------------------------------


def test_case_review_records_incomplete_ledger(app, login, world):
    with app.app_context():
        case = Case(
            case_number="QS2026-0007",
            village_id=world.village_a,
            agent_id=world.agent_a,
            kind="proxy",
            applicant_name="张大爷",
            applicant_id_number="430123196001010011",
            applicant_phone="13812345678",
            channel="visit",
            received_at=dt.datetime(2026, 11, 2, 9, 30),
            voluntary_confirmed=True,
            status="accepted",
        )
        db.session.add(case)
        db.session.commit()
        pk, version = case.id, case.version
    c = login("zhongxin")
    html = c.get(f"/casereview/{pk}").get_data(as_text=True)
    assert "受理登记台账审核" in html and "QS2026-0007" in html and "430123********0011" in html
    r = c.post(f"/casereview/{pk}", data={"ledger_incomplete": "y", "note": "", "version": str(version)})
    assert "请写明" in r.get_data(as_text=True)
    assert active_deductions(app) == []
    r = c.post(
        f"/casereview/{pk}",
        data={"ledger_incomplete": "y", "note": "未填写收取材料", "version": str(version)},
        follow_redirects=True,
    )
    html = r.get_data(as_text=True)
    assert "已认定台账填写不完整" in html and "⑤台账填写不完整" in html
    assert active_deductions(app) == [("5", Decimal("10.00"), *_this_month(), world.agent_a)]
    # a stale form is refused
    r = c.post(f"/casereview/{pk}", data={"ledger_incomplete": "", "note": "x", "version": str(version)})
    assert "已被其他人修改" in r.get_data(as_text=True)
    for username in ("jijian", "qs_shuji", "qs_daiban"):
        assert login(username).get(f"/casereview/{pk}").status_code == 403, username
    assert c.get("/casereview/999999").status_code == 404


def _this_month():
    from app.services.calendar import today

    d = today()
    return d.year, d.month
