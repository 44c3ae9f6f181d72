"""The case pages (SPEC §5, §10, §12): ledger list, registration form, case page with its
timeline, steps, extension, printed documents — per role, and never across villages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case
from app.services import cases as svc
from tests.factories import APPLICANT_ID, make_case
from tests.integration.test_cases_support import clock_fixture, items_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.dates


def _text(r) -> str:
    return r.get_data(as_text=True)


def _case(app, case_id) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def _move(app, case_id, **data):
    with app.app_context():
        svc.transition_case(db.session.get(Case, case_id), data)


def _form(items, **extra) -> dict:
    data = {
        "kind": "proxy",
        "channel": "visit",
        "received_at": "2026-11-26T09:00",
        "applicant_name": "孙大娘",
        "applicant_id_number": APPLICANT_ID,
        "applicant_phone": "13973112345",
        "service_item": str(items["0101"]),
        "voluntary_confirmed": "y",
        "materials_received": ["居民身份证原件及复印件", "户口簿原件及复印件"],
    }
    data.update(extra)
    return data


def test_ledger_list_marks_overdue_due_soon_and_late(app, world, items, clock, login):
    overdue = make_case(app, world, items, received_at="2026-11-16 09:00", applicant_name="超期人")
    make_case(app, world, items, received_at="2026-11-23 11:00", applicant_name="临期人")
    late = make_case(app, world, items, received_at="2026-11-10 09:00", applicant_name="逾期办结人")
    make_case(app, world, items, received_at="2026-11-26 09:00", applicant_name="新受理人")
    make_case(app, world, items, received_at="2026-11-26 09:10", applicant_name="急件人", urgent=True)
    _move(app, late, to="submitted", submitted_window="窗口", at="2026-11-12 09:00")
    _move(app, late, to="completed", window_result="已办", reply_at="2026-11-20 09:00", reply_method="visit")
    c = login("zhongxin")
    page = _text(c.get("/case/list/"))
    body = _table(page)
    assert "受理登记台账" in page and "QS2026-0001" in body
    for mark in ("超期", "临期", "超期办结", "急"):
        assert f">{mark}</span>" in body, mark
    # Above the ledger: the overdue and due-soon cases first.
    priority = page[page.index("优先办理") : page.index("bm-quick")]
    assert priority.index("超期人") < priority.index("临期人") and "新受理人" not in priority
    assert "待办（超期、临期在前）" in page
    # The quick filter “超期未办结” is a plain FAB filter: it shows the overdue case only.
    link = next(q for k, _, q in _quick_links() if k == "overdue")
    body = _table(_text(c.get(f"/case/list/?{link}")))
    assert "超期人" in body and "临期人" not in body and "逾期办结人" not in body
    link = next(q for k, _, q in _quick_links() if k == "todo")
    body = _table(_text(c.get(f"/case/list/?{link}")))
    assert body.index("超期人") < body.index("临期人") < body.index("新受理人")
    assert "逾期办结人" not in body
    link = next(q for k, _, q in _quick_links() if k == "late")
    assert "逾期办结人" in _table(_text(c.get(f"/case/list/?{link}")))
    # Search by case number and applicant name, filter by category.
    body = _table(_text(c.get("/case/list/?_flt_0_applicant_name=超期")))
    assert "超期人" in body and "临期人" not in body
    body = _table(_text(c.get(f"/case/list/?_flt_0_case_number=QS2026-000{overdue}")))
    assert "超期人" in body and "新受理人" not in body
    with app.app_context():
        category = db.session.get(Case, overdue).category_id
    assert "超期人" in _table(_text(c.get(f"/case/list/?_flt_0_category_id={category}")))
    assert "超期人" not in _table(_text(c.get(f"/case/list/?_flt_0_category_id={category + 1}")))


def _table(page: str) -> str:
    """The ledger table of a list page (not the priority panel above it)."""
    start = page.find("bm-cards")
    return page[start:] if start >= 0 else ""


def _quick_links():
    from app.views.cases import quick_links

    return quick_links(dt.date(2026, 11, 26), dt.date(2026, 11, 27))


def test_agent_registers_through_the_form_for_own_village(app, world, items, clock, login):
    c = login("qs_daiban")
    page = _text(c.get("/case/add"))
    assert "受理登记" in page and 'id="village"' not in page and "bm-item-materials" in page
    r = c.post("/case/add", data=_form(items, village=str(world.village_b), agent=str(world.agent_b)))
    assert r.status_code == 302
    with app.app_context():
        case = db.session.execute(select(Case)).scalar_one()
        assert (case.village_id, case.agent_id, case.case_number) == (world.village_a, world.agent_a, "QS2026-0001")
        assert case.materials_received == ["居民身份证原件及复印件", "户口簿原件及复印件"]
        assert case.received_at == dt.datetime(2026, 11, 26, 9, 0) and case.custody_state == "held"
        assert r.headers["Location"].endswith(f"/case/show/{case.id}")
    page = _text(c.get(r.headers["Location"]))
    assert "已受理登记" in page and "QS2026-0001" in page and "打印受理回执" in page
    assert "尚缺材料" in page  # the item asks for more than was handed in


def test_bad_form_input_is_shown_in_chinese_and_nothing_is_saved(app, world, items, clock, login):
    c = login("qs_daiban")
    r = c.post("/case/add", data=_form(items, applicant_id_number="430123195803041234", voluntary_confirmed=""))
    body = _text(r)
    assert r.status_code == 200
    assert "身份证号校验位不正确" in body and "自愿委托（第三条6）" in body and "未保存" in body
    assert 'value="孙大娘"' in body  # the input stays on screen
    r = c.post("/case/add", data=_form(items, received_at="not a time", service_item="999999"))
    assert r.status_code == 200
    c2 = login("zhongxin")
    body = _text(c2.post("/case/add", data=_form(items)))
    assert "请选择所属村" in body and "请选择代办员" in body
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case)).scalar() == 0


def test_township_registers_for_a_village_and_its_agent(app, world, items, clock, login):
    c = login("zhongxin")
    assert 'id="village"' in _text(c.get("/case/add"))
    r = c.post("/case/add", data=_form(items, village=str(world.village_b), agent=str(world.agent_b)))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.execute(select(Case.case_number)).scalar_one() == "SQ2026-0001"


def test_case_page_timeline_review_link_and_full_numbers_per_role(app, world, items, clock, login):
    case_id = make_case(app, world, items)
    _move(app, case_id, to="verifying", verified_by="刘建国")
    township = _text(login("zhongxin").get(f"/case/show/{case_id}"))
    assert "办理留痕" in township and "已受理 → " in township and "核实中" in township and "刘建国" in township
    assert f'href="/casereview/{case_id}"' in township and "台账审核" in township
    assert APPLICANT_ID in township and "13973112345" in township
    agent = _text(login("qs_daiban").get(f"/case/show/{case_id}"))
    assert APPLICANT_ID in agent  # the case's own agent
    assert "台账审核" not in agent and "报送乡便民服务中心窗口" in agent
    secretary = _text(login("qs_shuji").get(f"/case/show/{case_id}"))
    assert APPLICANT_ID not in secretary and "430123********" in secretary and "139****2345" in secretary
    assert "报送乡便民服务中心窗口" not in secretary and "修改" not in secretary


def test_steps_through_the_pages(app, world, items, clock, login):
    case_id = make_case(app, world, items)
    c = login("qs_daiban")
    page = _text(c.get(f"/case/step/{case_id}/submitted"))
    assert "报送乡便民服务中心窗口" in page and "乡便民服务中心社保窗口" in page  # window prefilled
    r = c.post(f"/case/step/{case_id}/rejected", data={"reason": "", "version": "1"})
    assert r.status_code == 200 and "原因（已向申请人说明）为必填项" in _text(r)
    assert _case(app, case_id).status == "accepted"
    r = c.post(f"/case/step/{case_id}/submitted", data={"submitted_window": "乡便民服务中心社保窗口", "version": "1"})
    assert r.status_code == 302 and _case(app, case_id).status == "submitted"
    r = c.post(f"/case/step/{case_id}/submitted", data={"submitted_window": "x"})
    assert r.status_code == 302  # not allowed now: back to the case page with a message
    assert "不能进行" in _text(c.get(r.headers["Location"]))
    assert c.get(f"/case/step/{case_id}/nonsense").status_code == 404
    r = c.post(
        f"/case/step/{case_id}/completed",
        data={"window_result": "已登记", "reply_at": "2026-11-26T10:00", "reply_method": "phone", "fee": "0"},
    )
    assert r.status_code == 302 and _case(app, case_id).status == "completed"
    r = c.post(f"/case/step/{case_id}/voided", data={"reason": "想作废"})
    assert r.status_code == 302 and _case(app, case_id).status == "completed"  # agents cannot void a closed case
    assert login("qs_shuji").get(f"/case/step/{case_id}/voided").status_code == 403


def test_extension_page(app, world, items, clock, login):
    case_id = make_case(app, world, items, received_at="2026-11-25 09:00")
    _move(app, case_id, to="submitted", submitted_window="窗口")
    c = login("qs_daiban")
    assert "延期办结" in _text(c.get(f"/case/extend/{case_id}"))
    r = c.post(f"/case/extend/{case_id}", data={"new_due": "2026-11-27", "reason": ""})
    assert "请填写延期原因" in _text(r) and "延期后的办结日期须晚于" in _text(r)
    r = c.post(f"/case/extend/{case_id}", data={"new_due": "2026-12-10", "reason": "窗口会审，已告知申请人"})
    assert r.status_code == 302
    page = _text(c.get(f"/case/show/{case_id}"))
    assert "延期至" in page and "2026-12-10" in page and "窗口会审" in page


def test_edit_form_keeps_locked_fields_and_owner(app, world, items, clock, login):
    case_id = make_case(app, world, items)
    c = login("qs_daiban")
    page = _text(c.get(f"/case/edit/{case_id}"))
    assert "修改受理登记" in page and 'name="version"' in page and 'id="agent"' not in page
    assert "checked" in page and "居民身份证原件及复印件" in page  # the checklist, ticked
    data = _form(
        items,
        applicant_phone="0731-84560009",
        version=str(_case(app, case_id).version),
        received_at="2026-11-23T09:30",
        materials_received=["居民身份证原件及复印件"],
        agent=str(world.agent_b),
        custody_state="held",
    )
    data.pop("kind")
    r = c.post(f"/case/edit/{case_id}", data=data)
    assert r.status_code == 302, _text(r)
    case = _case(app, case_id)
    assert case.applicant_phone == "0731-84560009" and case.agent_id == world.agent_a
    _move(app, case_id, to="submitted", submitted_window="窗口")
    page = _text(c.get(f"/case/edit/{case_id}"))
    assert 'id="received_at"' not in page and "已进入办理环节" in page
    data.update(version=str(_case(app, case_id).version), received_at="2026-11-20T09:30", notes="补充说明")
    assert c.post(f"/case/edit/{case_id}", data=data).status_code == 302
    case = _case(app, case_id)
    assert case.notes == "补充说明" and case.received_at == dt.datetime(2026, 11, 23, 9, 30)
    assert c.get(f"/case/delete/{case_id}").status_code == 404  # never hard-deleted
    assert login("qs_shuji").get(f"/case/edit/{case_id}").status_code == 403


def test_receipt_and_one_time_notice(app, world, items, clock, login):
    case_id = make_case(app, world, items)
    c = login("qs_shuji")
    body = _text(c.get(f"/casedoc/receipt/{case_id}"))
    for text in (
        "便民代办受理回执",
        "QS2026-0001",
        "第一联 存根",
        "第二联 回执（交申请人）",
        "430123********",
        "城乡居民基本养老保险参保登记",
        "2026年11月26日",
        "王秀兰",
        "13973100001",
        "0731-84561234",
        "尚缺",
        "@page",
        "size: A4",
    ):
        assert text in body, text
    # no external assets (the printed 好差评 link under the QR code is text, issue 14 §1)
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", body), "external asset"
    assert "http://localhost/public/rate/" in body
    assert "便民服务代办点（盖章）" in body and "申请人电话" in body and "2026-11-26" not in body
    body = _text(c.get(f"/casedoc/notice/{case_id}"))
    assert "五、（一）2" in body and "第五条" not in body and "申请人签收" in body and "告知人" in body
    assert "一次性告知单" in body and "尚需补交" in body and "户口簿原件及复印件" in body and "赵大爷" in body
    body = _text(c.get(f"/casedoc/item/{items['0101']}"))
    assert "一次性告知单" in body and "所需材料" in body and "赵大爷" not in body
    assert c.get("/casedoc/item/999999").status_code == 404
    with app.app_context():
        consult = svc.create_case(
            {
                "village_id": world.village_a,
                "agent_id": world.agent_a,
                "kind": "consult",
                "applicant_name": "钱奶奶",
                "received_at": "2026-11-26 09:00",
            }
        ).id
    assert c.get(f"/casedoc/receipt/{consult}").status_code == 302
    assert c.get(f"/casedoc/notice/{consult}").status_code == 302


def test_calendar_warning_on_the_case_page(app, world, items, clock, login):
    case_id = make_case(app, world, items)
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.complete_by = case.due_on = dt.date(2027, 1, 5)
        db.session.commit()
    c = login("qs_daiban")
    assert "2027年工作日历尚未配置" in _text(c.get(f"/case/show/{case_id}"))
    page = _text(c.get("/case/list/"))
    assert "2027年工作日历尚未配置" in page and "fa-exclamation-triangle text-warning" in page
    assert "2027年工作日历尚未配置" in _text(c.get(f"/casedoc/receipt/{case_id}"))


def test_other_villages_case_pages_are_404(app, world, items, clock, login):
    b_case = make_case(app, world, items, village_id=world.village_b, agent_id=world.agent_b, applicant_name="申请人B")
    for user in ("qs_daiban", "qs_shuji"):
        c = login(user)
        for url in (
            f"/case/show/{b_case}",
            f"/case/edit/{b_case}",
            f"/case/step/{b_case}/voided",
            f"/case/extend/{b_case}",
            f"/casedoc/receipt/{b_case}",
            f"/casedoc/notice/{b_case}",
        ):
            for method in ("GET", "POST"):
                if url.startswith("/casedoc") and method == "POST":
                    continue
                r = c.open(url, method=method, data={"reason": "x", "new_due": "2026-12-30"})
                assert r.status_code in (403, 404, 405), (user, method, url, r.status_code)
                assert "申请人B" not in _text(r)
        assert "SQ2026-" not in _text(c.get("/case/list/"))
    assert _case(app, b_case).status == "accepted"
