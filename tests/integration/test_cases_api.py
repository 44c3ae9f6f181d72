"""/api/v1/case/ (SPEC §14): the same service, rules and scoping as the forms; 422 with
Chinese messages, 404 outside the village, 403 without the right, never 500."""

from __future__ import annotations

import datetime as dt

import prison
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case
from tests.factories import APPLICANT_ID, make_case, proxy_data
from tests.integration.test_cases_support import clock_fixture, items_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.dates


def _body(world, items, **extra) -> dict:
    data = proxy_data(world, items, **extra)
    data["received_at"] = "2026-11-23T09:30:00+08:00"
    return data


def test_agent_creates_moves_and_extends_a_case(app, world, items, clock, api_token):
    h = api_token("qs_daiban")
    c = app.test_client()
    r = c.post("/api/v1/case/", json=_body(world, items, village_id=world.village_b), headers=h)
    assert r.status_code == 201, r.json
    case = r.json["result"]
    assert case["case_number"] == "QS2026-0001" and case["village_id"] == world.village_a
    assert case["kind"] == "proxy" and case["status"] == "accepted" and case["received_at"] == "2026-11-23T09:30"
    assert case["submit_by"] == "2026-11-26" and case["complete_by"] == "2026-11-26"
    assert case["overdue"] is False and case["calendar_warning"] is None and case["fee"] == "0.00"
    assert case["applicant_id_number"] == APPLICANT_ID  # the case's own agent sees it in full
    pk = r.json["id"]
    r = c.post(f"/api/v1/case/{pk}/transition", json={"to": "completed"}, headers=h)
    assert r.status_code == 422 and r.json["errors"]["to"] == [
        "只有“立即办”事项可以受理后直接办结；其他事项须先报送窗口"
    ]
    r = c.post(f"/api/v1/case/{pk}/transition", json={"to": "submitted", "submitted_window": "社保窗口"}, headers=h)
    assert r.status_code == 200 and r.json["result"]["status"] == "submitted"
    r = c.post(f"/api/v1/case/{pk}/extension", json={"new_due": "2026-12-04", "reason": "窗口会审，已告知"}, headers=h)
    assert r.status_code == 201 and r.json["result"]["due_on"] == "2026-12-04"
    assert r.json["result"]["extensions"][0]["previous_due"] == "2026-11-26"
    r = c.post(
        f"/api/v1/case/{pk}/transition",
        headers=h,  # the README's example body
        json={"to": "completed", "window_result": "已登记", "reply_at": "2026-11-26T10:00:00"},
    )
    assert r.status_code == 200 and r.json["result"]["closed_late"] is False
    steps = [s["to"] for s in r.json["result"]["transitions"]]
    assert steps == ["accepted", "submitted", "completed"]
    r = c.put(f"/api/v1/case/{pk}", json={"notes": "已回访", "version": 1}, headers=h)
    assert r.status_code == 409 and "已被其他人修改" in r.json["message"]
    r = c.put(f"/api/v1/case/{pk}", json={"notes": "群众满意"}, headers=h)
    assert r.status_code == 422 and r.json["errors"]["version"] == ["请先读取记录并带上 version（版本号）后重试"]
    version = c.get(f"/api/v1/case/{pk}", headers=h).json["result"]["version"]
    # 好差评 is the applicant's (issue 14 §1): the agent cannot rate their own case
    r = c.put(f"/api/v1/case/{pk}", json={"satisfaction": 5, "notes": "群众满意", "version": version}, headers=h)
    assert r.status_code == 422 and "代办员不能登记" in str(r.json), r.json
    assert c.get(f"/api/v1/case/{pk}", headers=h).json["result"]["satisfaction"] is None
    r = c.put(f"/api/v1/case/{pk}", json={"notes": "群众满意", "version": version}, headers=h)
    assert r.status_code == 200 and r.json["result"]["notes"] == "群众满意"


def test_invalid_input_is_422_in_chinese_and_garbage_never_500(app, world, items, clock, api_token):
    h = api_token("qs_daiban")
    c = app.test_client()
    r = c.post(
        "/api/v1/case/", json=_body(world, items, applicant_id_number="123", voluntary_confirmed=False), headers=h
    )
    assert r.status_code == 422
    assert r.json["errors"]["applicant_id_number"] == ["申请人身份证号：身份证号应为18位"]
    assert "自愿委托" in r.json["errors"]["voluntary_confirmed"][0]
    for body in (
        [],
        "x",
        {"kind": {"a": 1}},
        {"kind": "proxy", "applicant_name": 5 * 10**40},
        {"kind": "proxy", "received_at": 12, "fee": [1], "materials_received": {"a": 1}},
        {"kind": "proxy", "service_item_id": "x", "urgent": "maybe", "applicant_name": "甲"},
    ):
        r = c.post("/api/v1/case/", json=body, headers=h)
        assert r.status_code in (400, 422), (body, r.status_code, r.json)
    r = c.post("/api/v1/case/", data="not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400
    pk = make_case(app, world, items)
    for body in ({"to": "nowhere"}, {"to": "submitted", "at": "yesterday"}, {}, {"to": ["submitted"]}):
        r = c.post(f"/api/v1/case/{pk}/transition", json=body, headers=h)
        assert r.status_code == 422, (body, r.json)
    r = c.post(f"/api/v1/case/{pk}/extension", json={"new_due": "2026-02-30", "reason": "x"}, headers=h)
    assert r.status_code == 422 and "日期格式" in r.json["errors"]["new_due"][0]
    assert c.post(f"/api/v1/case/{pk}/transition", data="x", headers=h).status_code == 400
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 1


def test_list_masks_numbers_and_detail_shows_them_only_to_township_and_own_agent(app, world, items, clock, api_token):
    pk = make_case(app, world, items)
    c = app.test_client()
    for user, full in (("zhongxin", True), ("qs_daiban", True), ("qs_shuji", False), ("jijian", True)):
        h = api_token(user)
        listed = c.get("/api/v1/case/", headers=h).json["result"][0]
        assert listed["applicant_id_number"] == "430123********" + APPLICANT_ID[-4:]
        assert listed["applicant_phone"] == "139****2345"
        shown = c.get(f"/api/v1/case/{pk}", headers=h).json["result"]
        assert (shown["applicant_id_number"] == APPLICANT_ID) is full, user
        # A column selection cannot bypass the masking.
        q = prison.dumps({"columns": ["applicant_id_number", "applicant_phone"]})
        assert APPLICANT_ID not in c.get(f"/api/v1/case/?q={q}", headers=h).get_data(as_text=True)
        assert (APPLICANT_ID in c.get(f"/api/v1/case/{pk}?q={q}", headers=h).get_data(as_text=True)) is full


def test_other_village_is_404_and_secretary_is_403(app, world, items, clock, api_token):
    b_case = make_case(app, world, items, village_id=world.village_b, agent_id=world.agent_b)
    a_case = make_case(app, world, items)
    c = app.test_client()
    h = api_token("qs_daiban")
    assert c.get(f"/api/v1/case/{b_case}", headers=h).status_code == 404
    assert (
        c.post(f"/api/v1/case/{b_case}/transition", json={"to": "voided", "reason": "x"}, headers=h).status_code == 404
    )
    assert (
        c.post(f"/api/v1/case/{b_case}/extension", json={"new_due": "2026-12-30", "reason": "x"}, headers=h).status_code
        == 404
    )
    assert c.put(f"/api/v1/case/{b_case}", json={"notes": "x"}, headers=h).status_code == 404
    assert c.get("/api/v1/case/", headers=h).json["ids"] == [a_case]
    s = api_token("qs_shuji")
    assert c.post("/api/v1/case/", json=_body(world, items), headers=s).status_code == 403
    assert (
        c.post(f"/api/v1/case/{a_case}/transition", json={"to": "voided", "reason": "x"}, headers=s).status_code == 403
    )
    assert c.delete(f"/api/v1/case/{a_case}", headers=api_token("zhongxin")).status_code in (404, 405)


def test_todo_endpoint_lists_overdue_first(app, world, items, clock, api_token):
    later = make_case(app, world, items, received_at="2026-11-26 09:00")
    overdue = make_case(app, world, items, received_at="2026-11-16 09:00")
    make_case(app, world, items, village_id=world.village_b, agent_id=world.agent_b, received_at="2026-11-02 09:00")
    r = app.test_client().get("/api/v1/case/todo?limit=5", headers=api_token("qs_daiban"))
    assert r.status_code == 200 and r.json["ids"] == [overdue, later]
    assert r.json["result"][0]["overdue"] is True and r.json["result"][0]["deadline_state"] == "overdue"
    assert app.test_client().get("/api/v1/case/todo?limit=x", headers=api_token("qs_daiban")).status_code == 200


def test_township_creates_for_a_village_through_the_api(app, world, items, clock, api_token):
    c = app.test_client()
    h = api_token("zhongxin")
    r = c.post("/api/v1/case/", json=_body(world, items, village_id=world.village_b, agent_id=world.agent_a), headers=h)
    assert r.status_code == 422 and r.json["errors"]["agent_id"] == ["所选代办员不是该村的代办员"]
    r = c.post("/api/v1/case/", json=_body(world, items, village_id=world.village_b, agent_id=world.agent_b), headers=h)
    assert r.status_code == 201 and r.json["result"]["case_number"] == "SQ2026-0001"
    with app.app_context():
        assert db.session.get(Case, r.json["id"]).received_at == dt.datetime(2026, 11, 23, 9, 30)
