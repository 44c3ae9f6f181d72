"""追责问责 (第五条（一）3, 第六条（四）, issue 15 §3): candidates, records, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Accountability, AuditLog, CaseExtension
from app.services import accountability as svc
from app.services import supervision as ss
from app.services.errors import Conflict, ValidationFailed
from tests.factories import case_row

TODAY = dt.date(2026, 11, 26)


def overdue_cases(world):
    """QS-1 open past its deadline, QS-2 the same but extended (延期), QS-3 open and in time,
    SQ-1 overdue in the other village."""
    received = dt.datetime(2026, 11, 2, 9, 30)
    late = case_row(world.village_a, world.agent_a, "QS-2026-0001", received, due_on=dt.date(2026, 11, 5))
    extended = case_row(world.village_a, world.agent_a, "QS-2026-0002", received, due_on=dt.date(2026, 11, 5))
    db.session.add(
        CaseExtension(
            case_id=extended.id,
            village_id=world.village_a,
            previous_due=dt.date(2026, 11, 5),
            new_due=dt.date(2026, 11, 10),
            reason="需上级部门审核",
        )
    )
    fresh = case_row(world.village_a, world.agent_a, "QS-2026-0003", dt.datetime(2026, 11, 25, 9), due_on=TODAY)
    other = case_row(world.village_b, world.agent_b, "SQ-2026-0001", received, due_on=dt.date(2026, 11, 5))
    db.session.commit()
    return late, extended, fresh, other


def verified_complaint(world, content="代办员推诿，不给办理"):
    c = ss.create_complaint(
        {"received_on": "2026-11-10", "village_id": world.village_a, "content": content, "channel": "phone"}, day=TODAY
    )
    ss.verify_complaint(c, {"result": "true", "verified_by": "纪检办李四", "verified_on": "2026-11-12"}, day=TODAY)
    return c


def test_candidates_are_overdue_cases_without_extension_and_verified_complaints(app, world):
    with app.app_context():
        late, extended, fresh, other = overdue_cases(world)
        complaint = verified_complaint(world)
        found = svc.candidates(TODAY)
        numbers = [c.case_number for c in found.cases]
        assert "QS-2026-0001" in numbers and "SQ-2026-0001" in numbers
        assert "QS-2026-0002" not in numbers  # extended
        assert "QS-2026-0003" not in numbers  # not overdue
        assert [c.id for c in found.complaints] == [complaint.id]
        svc.create_record(
            {
                "subject": "agent",
                "agent_id": world.agent_a,
                "kind": "overdue",
                "description": "超过承诺时限未办结，也未申请延期",
                "case_ids": [str(late.id)],
            },
            day=TODAY,
        )
        found = svc.candidates(TODAY)
        assert [c.case_number for c in found.cases] == ["SQ-2026-0001"]


def test_record_and_decision_audited(app, world):
    with app.app_context():
        late, *_ = overdue_cases(world)
        complaint = verified_complaint(world)
        item = svc.create_record(
            {
                "subject": "secretary",
                "user_id": world.users["qs_shuji"],
                "kind": "shirking",
                "description": "支部书记对代办工作督促不力，群众反映推诿",
                "case_numbers": "QS-2026-0001",
                "complaint_ids": [str(complaint.id)],
            },
            day=TODAY,
        )
        assert (item.status, item.village_id, item.subject_name) == ("open", world.village_a, "刘建国")
        assert [c.id for c in item.cases] == [late.id] and [c.id for c in item.complaints] == [complaint.id]
        with pytest.raises(ValidationFailed) as exc:
            svc.decide(
                item,
                {"version": item.version, "decision": "dismiss", "decided_on": "2026-11-26", "decision_note": "x"},
                day=TODAY,
            )
        assert exc.value.errors["decision"] == ["解聘只适用于代办员"]
        svc.decide(
            item,
            {
                "version": item.version,
                "decision": "admonish",
                "decided_on": "2026-11-26",
                "decision_note": "乡纪委诫勉谈话",
            },
            day=TODAY,
        )
        assert (item.status, item.decision, item.decided_on, item.decided_by) == (
            "decided",
            "admonish",
            TODAY,
            "系统",
        )
        logged = db.session.execute(
            select(func.count(AuditLog.id)).where(AuditLog.table_name == "accountability", AuditLog.row_id == item.id)
        ).scalar()
        assert logged >= 2


def test_bad_input_changes_nothing(app, world):
    with app.app_context():
        late, extended, fresh, other = overdue_cases(world)
        base = {"subject": "agent", "agent_id": world.agent_a, "kind": "overdue", "description": "超时未办结"}
        cases = [
            ({**base, "agent_id": 999, "case_ids": [str(late.id)]}, "agent_id", "所选代办员不存在"),
            ({**base, "kind": "late"}, "kind", None),
            ({**base}, "case_ids", "超时未办结的追责问责须写明涉及的登记"),
            ({**base, "case_ids": [str(other.id)]}, "case_ids", "登记SQ-2026-0001不是被追责对象所在村的"),
            ({**base, "case_numbers": "QS-9999-0001"}, "case_numbers", "没有这些登记编号：QS-9999-0001"),
            (
                {**base, "subject": "secretary", "user_id": world.users["qs_daiban"], "case_ids": [str(late.id)]},
                "user_id",
                "王秀兰不是村党支部书记的账号",
            ),
            ({**base, "description": "", "case_ids": [str(late.id)]}, "description", "问题描述为必填项"),
        ]
        for data, field, message in cases:
            with pytest.raises(ValidationFailed) as exc:
                svc.create_record(data, day=TODAY)
            assert field in exc.value.errors, (data, exc.value.errors)
            if message:
                assert exc.value.errors[field] == [message]
        assert db.session.execute(select(func.count(Accountability.id))).scalar() == 0
        item = svc.create_record({**base, "case_ids": [str(late.id)]}, day=TODAY)
        with pytest.raises(ValidationFailed) as exc:
            svc.create_record({**base, "case_ids": [str(late.id)]}, day=TODAY)
        assert exc.value.errors["case_ids"] == ["所选登记已有追责问责记录"]
        with pytest.raises(ValidationFailed) as exc:
            svc.decide(
                item,
                {"version": item.version, "decision": "education", "decided_on": "2026-11-27", "decision_note": "x"},
                day=TODAY,
            )
        assert exc.value.errors["decided_on"] == ["决定日期不能晚于今天"]
        with pytest.raises(Conflict):
            svc.decide(
                item,
                {
                    "version": item.version + 1,
                    "decision": "education",
                    "decided_on": "2026-11-26",
                    "decision_note": "x",
                },
                day=TODAY,
            )
        db.session.expire_all()
        assert db.session.get(Accountability, item.id).status == "open"


def follow(c, r) -> str:
    assert r.status_code == 302, r.status_code
    return c.get(r.headers["Location"].split("#")[0]).get_data(as_text=True)


def test_pages_for_the_township_and_discipline_office(app, login, world, clock):
    clock.set("2026-11-26 10:00")
    with app.app_context():
        late, extended, *_ = overdue_cases(world)
        late_id = late.id
    for user in ("zhongxin", "jijian"):
        html = login(user).get("/accountability/candidates").get_data(as_text=True)
        assert "QS-2026-0001" in html and "QS-2026-0002" not in html and "登记追责问责" in html
    c = login("jijian")
    html = c.get(f"/accountability/new?case={late_id}").get_data(as_text=True)
    assert "QS-2026-0001" in html and 'value="overdue" selected' in html
    r = c.post(
        "/accountability/new",
        data={
            "subject": "agent",
            "agent_id": str(world.agent_a),
            "kind": "overdue",
            "description": "超时未办结未申请延期",
            "case_ids": str(late_id),
        },
    )
    html = follow(c, r)
    assert "已登记追责问责" in html and "超时未办结未申请延期" in html and "QS-2026-0001" in html
    with app.app_context():
        item = db.session.execute(select(Accountability)).scalar_one()
        pk, version = item.id, item.version
    r = c.post(
        f"/accountability/decide/{pk}",
        data={
            "version": str(version),
            "decision": "dismiss",
            "decided_on": "2026-11-26",
            "decision_note": "屡次超时，予以解聘",
        },
    )
    html = follow(c, r)
    assert "已作出处理决定：解聘" in html and "处理决定为解聘，请办理解聘" in html
    assert "QS-2026-0001" not in c.get("/accountability/candidates").get_data(as_text=True)
    # village users have no access to the records (nor to the ones about themselves)
    for user in ("qs_shuji", "qs_daiban"):
        assert login(user).get(f"/accountability/show/{pk}").status_code in (302, 403, 404)
        assert login(user).post(f"/accountability/decide/{pk}", data={}).status_code in (302, 403, 404)
    r = c.post("/accountability/new", data={"subject": "agent", "kind": "other", "description": "x"})
    assert "请选择被追责的代办员" in r.get_data(as_text=True)


def test_read_only_apis(app, api_token, world, clock):
    clock.set("2026-11-26 10:00")
    with app.app_context():
        late, *_ = overdue_cases(world)
        item = svc.create_record(
            {
                "subject": "agent",
                "agent_id": world.agent_a,
                "kind": "overdue",
                "description": "超时",
                "case_ids": [str(late.id)],
            },
            day=TODAY,
        )
        pk, late_id = item.id, late.id
        from app.services import annual

        a = annual.start_assessment({"agent_id": world.agent_a, "year": 2025}, day=TODAY)
        a_pk = a.id
    c = app.test_client()
    headers = api_token("jijian")
    r = c.get(f"/api/v1/accountability/{pk}", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()["result"]
    assert body["kind"] == "overdue" and body["status"] == "open" and body["cases"] == [{"id": late_id}]
    assert c.post("/api/v1/accountability/", json={}, headers=headers).status_code in (403, 404, 405)
    r = c.get(f"/api/v1/assessment/{a_pk}", headers=api_token("zhongxin"))
    assert r.status_code == 200 and r.get_json()["result"]["status"] == "draft"
    assert r.get_json()["result"]["inputs"]["year"] == 2025
    assert c.get(f"/api/v1/accountability/{pk}", headers=api_token("qs_shuji")).status_code in (401, 403, 404)


def test_new_records_are_village_scoped(app, world):
    """Until the generic isolation material (tests/factories.populate_scoped_rows) has rows of
    them: 追责问责, 年度考核 and its evidence of village B are invisible in village A's scope."""
    from app.models import AnnualAssessment, AssessmentEvidence
    from app.security import scoped_to
    from app.services import annual

    with app.app_context():
        late, _ext, _fresh, other = overdue_cases(world)
        for agent, case in ((world.agent_a, late), (world.agent_b, other)):
            svc.create_record(
                {
                    "subject": "agent",
                    "agent_id": agent,
                    "kind": "overdue",
                    "description": "超时",
                    "case_ids": [str(case.id)],
                },
                day=TODAY,
            )
            a = annual.start_assessment({"agent_id": agent, "year": 2025}, day=TODAY)
            annual.record_visit(
                a, {"version": a.version, "day": "2026-01-05", "household": "某户", "findings": "好"}, day=TODAY
            )
        db.session.expire_all()
        with scoped_to(world.village_a):
            for model in (Accountability, AnnualAssessment, AssessmentEvidence):
                villages = set(db.session.execute(select(model.village_id)).scalars())
                assert villages == {world.village_a}, model
            assert [c.case_number for c in svc.candidates(TODAY).cases] == []


def test_list_pages(app, login, world, clock):
    clock.set("2026-11-26 10:00")
    from app.services import annual

    with app.app_context():
        late, *_ = overdue_cases(world)
        svc.create_record(
            {
                "subject": "agent",
                "agent_id": world.agent_a,
                "kind": "attitude",
                "description": "态度恶劣",
                "case_ids": [str(late.id)],
            },
            day=TODAY,
        )
        annual.start_assessment({"agent_id": world.agent_b, "year": 2025}, day=TODAY)
    for user in ("zhongxin", "jijian", "admin"):
        html = login(user).get("/accountability/list/").get_data(as_text=True)
        assert "追责问责" in html and "服务态度恶劣" in html and "待决定" in html and "王秀兰" in html
        html = login(user).get("/assessment/list/").get_data(as_text=True)
        assert "年度考核" in html and "李明" in html and "草稿" in html and "评先评优名单" in html
    menu = login("jijian").get("/").get_data(as_text=True)
    assert "/accountability/list/" in menu and "/assessment/list/" in menu
