"""Screens of issue 12 §5 as the users see them: search operators in natural Chinese, the
发放 confirmation, a returned report, materials on 办结, 咨询 pages, the required-field banner."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.extensions import db
from app.models import Case, MonthlyReport
from app.services import cases as svc
from app.services import payouts
from app.services import reports as rs
from seeds.reference import ensure_catalog
from tests.factories import make_case
from tests.integration.test_cases_support import acting, clock_fixture, items_fixture  # noqa: F401 - fixtures


def _text(r) -> str:
    return r.get_data(as_text=True)


def _json(word: str) -> str:
    """How a word appears in the page's filter JSON (``tojson`` escapes non-ASCII)."""
    return json.dumps(word)


def test_search_operators_are_natural_chinese(app, world, login):
    page = _text(login("zhongxin").get("/case/list/"))
    assert "AdminFilters" in page  # the search widget and its operator names are on the page
    for word in ("开头是", "结尾是", "包含", "不包含", "等于", "不等于", "晚于", "早于"):
        assert _json(word) in page, word
    for awkward in ("以开始", "以结束", "不以开始", "不关联", "关联", "多重关联", "Starts with", "Relation"):
        assert _json(awkward) not in page and awkward not in page, awkward
    # a related column (村) offers 等于 / 不等于, not 关联 / 不关联
    agents = _text(login("zhongxin").get("/agent/list/"))
    assert _json("等于") in agents and _json("关联") not in agents and _json("不关联") not in agents


def test_pay_asks_for_confirmation_like_approve(app, world, login):
    with app.app_context():
        sheet = payouts.compute_sheet({"quarter": "2026Q3"}, today=dt.date(2026, 11, 26))
        page_draft_id = sheet.id
    page = _text(login("zhongxin").get(f"/payoutsheet/show/{page_draft_id}"))
    assert "审核后本表数据将冻结，确定审核？" in page
    with app.app_context():
        from app.models import PayoutSheet

        sheet = db.session.get(PayoutSheet, page_draft_id)
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=dt.date(2026, 11, 26))
    page = _text(login("zhongxin").get(f"/payoutsheet/show/{page_draft_id}"))
    form = page[
        page.index("PayoutSheetView.pay")
        if "PayoutSheetView.pay" in page
        else page.index(f"/pay/{page_draft_id}") - 200 :
    ]
    form = form[: form.index("</form>")]
    assert (
        'data-bm-confirm="发放登记后不能撤回，确定已按本表发放？"' in form
    )  # asked by bm/app.js (CSP: no inline handlers)
    assert 'id="bm-pay"' in form


def test_a_returned_report_waits_for_resubmission_not_on_time(app, world, login):
    with app.app_context():
        ensure_catalog()
        r = rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=dt.datetime(2026, 10, 30, 16))
        rs.return_report(r, {"note": "数据有误", "version": r.version}, now=dt.datetime(2026, 11, 2, 9))
        pk = db.session.execute(select(MonthlyReport.id)).scalar()
    show = _text(login("zhongxin").get(f"/monthlyreport/show/{pk}"))
    assert "已退回修改" in show and "待重新报送" in show and "按时报送" not in show
    status = _text(login("zhongxin").get("/monthlyreport/status?month=2026-10"))
    row = status[status.index("青山村", status.index("<tbody>")) :]
    row = row[: row.index("</tr>")]
    assert "待重新报送" in row and "按时报送" not in row
    fill = _text(login("qs_daiban").get("/monthlyreport/fill?month=2026-10"))
    assert ">按时报送<" not in fill and "已退回修改" in fill


def test_materials_handed_to_the_window_stay_there_when_the_case_closes(app, world, items, clock):
    at_window = make_case(app, world, items)
    with acting(app, "qs_daiban"):
        case = db.session.get(Case, at_window)
        assert case.custody_state == "held"
        svc.transition_case(
            case, {"to": "submitted", "submitted_window": "乡便民服务中心社保窗口", "at": "2026-11-24 09:00"}
        )
        assert case.custody_state == "submitted"
        svc.transition_case(case, {"to": "completed", "window_result": "已办结", "reply_at": "2026-11-25 15:00"})
        assert case.status == "completed" and case.custody_state == "submitted"  # 已报送窗口, not 已退还


def test_a_consultation_page_has_no_proxy_wording_or_gaps(app, world, items, clock, login):
    c = login("qs_daiban")
    r = c.post(
        "/case/add",
        data={
            "kind": "consult",
            "channel": "phone",
            "received_at": "2026-11-26T09:00",
            "applicant_name": "张老伯",
            "request_text": "问医保缴费时间",
        },
    )
    assert r.status_code == 302, _text(r)
    page = _text(c.get(r.headers["Location"]))
    assert "张老伯" in page and "已登记咨询事项" in page
    assert "尚未报送" not in page and "受理回执" not in page and "尚未答复" in page
    with app.app_context():
        case_id = db.session.execute(select(Case.id).where(Case.applicant_name == "张老伯")).scalar()
    step = _text(c.get(f"/case/step/{case_id}/answered"))
    assert "张老伯 ·" not in step and "· ·" not in step and "张老伯" in step
    # the required field of the step carries *
    assert 'for="answer_text">答复内容<span class="bm-required"' in step


def test_required_fields_are_marked_and_an_empty_one_shows_the_banner(app, world, items, clock, login):
    c = login("qs_daiban")
    case_id = make_case(app, world, items)
    with acting(app, "qs_daiban"):
        svc.transition_case(
            db.session.get(Case, case_id), {"to": "submitted", "submitted_window": "社保窗口", "at": "2026-11-24 09:00"}
        )
    step = _text(c.get(f"/case/step/{case_id}/completed"))
    assert '窗口办理结果<span class="bm-required"' in step and "带 * 的为必填项" in step
    r = c.post(f"/case/step/{case_id}/completed", data={"window_result": "", "reply_at": "2026-11-26T09:00"})
    body = _text(r)
    assert r.status_code == 200 and 'class="alert alert-danger' in body and "未保存" in body
    # the form itself refusing (an empty required select) also gives the banner at the top
    r = c.post("/case/add", data={"kind": "proxy", "received_at": "2026-11-26T09:00", "applicant_name": ""})
    body = _text(r)
    assert "未保存：请填写或更正以下项目" in body and "申请人姓名" in body
    with app.app_context():
        assert db.session.execute(select(Case.id).where(Case.id != case_id)).first() is None
    # the banner script for the browser's own required check is on every page
    assert "bm/forms.js" in body and "bm/datepicker.js" in body
