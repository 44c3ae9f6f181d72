"""好差评 by the applicant (issue 14 §1): the public rating page by the case's token, one
rating per case changeable for 24 hours, the 差评 item (due 15 working days later, overdue
listing, 核实/整改/反馈, 实名 needs 回访), the agent cannot rate, CSRF, the POST rate limit,
isolation of the new pages, the figures, the QR on the 受理回执 and the 办结通知."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.exports.qr import qr_inline_svg
from app.extensions import db
from app.models import Case, Complaint
from app.models.rating import BadRatingItem, CaseRating
from app.security import unscoped
from app.services import ratings as svc
from tests.conftest import made_app
from tests.factories import build_world, case_row

RATED_ON = "2026-09-28 15:30"  # Mon: 15 working days across 国庆 and Sat 10 Oct (调休) → Fri 23 Oct


def _closed(app, village_id, agent_id, number, status="completed", **extra) -> tuple[int, str]:
    with app.app_context():
        case = case_row(
            village_id,
            agent_id,
            number,
            dt.datetime(2026, 9, 21, 9, 30),
            status=status,
            closed_at=dt.datetime(2026, 9, 25, 10, 0),
            applicant_phone="13812345678",
            applicant_id_number="430121196001011234",
            applicant_name="张大爷",
            window_result="已办结" if status == "completed" else None,
            **extra,
        )
        return case.id, case.rating_token


@pytest.fixture
def cases(app, world):
    a = _closed(app, world.village_a, world.agent_a, "QS2026-0101")
    b = _closed(app, world.village_b, world.agent_b, "SQ2026-0101")
    open_a = _closed(app, world.village_a, world.agent_a, "QS2026-0102", status="submitted")
    return {"a": a, "b": b, "open": open_a}


def _rate(client, token, **data):
    return client.post(f"/public/rate/{token}", data={"level": "5", **data})


def _rating(app, case_id):
    with app.app_context(), unscoped():
        return db.session.execute(select(CaseRating).where(CaseRating.case_id == case_id)).scalar_one_or_none()


def _item(app, case_id):
    with app.app_context(), unscoped():
        return db.session.execute(select(BadRatingItem).where(BadRatingItem.case_id == case_id)).scalar_one_or_none()


# -- the public page ----------------------------------------------------------------------------
def test_every_case_gets_an_unguessable_token(app, cases):
    with app.app_context():
        tokens = db.session.execute(select(Case.rating_token)).scalars().all()
    assert len(set(tokens)) == len(tokens) == 3 and all(len(t) >= 20 for t in tokens)


def test_the_page_shows_number_item_village_status_and_nothing_personal(app, client, cases):
    body = client.get(f"/public/rate/{cases['a'][1]}").get_data(as_text=True)
    assert "QS2026-0101" in body and "青山村" in body and "已办结" in body and "非常满意" in body
    assert "张大爷" not in body and "13812345678" not in body and "430121" not in body
    assert "王秀兰" not in body  # nor the agent's name


def test_a_wrong_token_is_a_plain_404(app, client, cases):
    for token in ("nope", "x" * 200, cases["a"][1] + "x"):
        r = client.get(f"/public/rate/{token}")
        assert r.status_code == 404 and "没有找到这个评价页面" in r.get_data(as_text=True)
        assert client.post(f"/public/rate/{token}", data={"level": "5"}).status_code == 404
    assert _rating(app, cases["a"][0]) is None


def test_an_open_case_cannot_be_rated(app, client, cases):
    token = cases["open"][1]
    assert "事项办结后即可在此评价" in client.get(f"/public/rate/{token}").get_data(as_text=True)
    r = _rate(client, token)
    assert r.status_code == 422 and "事项办结（或答复、转介、不予受理）后才能评价" in r.get_data(as_text=True)
    assert _rating(app, cases["open"][0]) is None


def test_one_rating_per_case_changeable_for_24_hours(app, client, cases, clock):
    case_id, token = cases["a"]
    clock.set("2026-11-26 10:00", tick=False)
    r = _rate(client, token, level="4", score_attitude="5", comment="态度很好")
    assert r.status_code == 303
    assert "感谢您的评价" in client.get(r.headers["Location"]).get_data(as_text=True)
    clock.set("2026-11-27 09:30", tick=False)  # 23.5 h later: may change
    assert "修改评价" in client.get(f"/public/rate/{token}").get_data(as_text=True)
    assert _rate(client, token, level="5").status_code == 303
    rating = _rating(app, case_id)
    assert rating.level == 5 and rating.given_at == dt.datetime(2026, 11, 26, 10, 0)
    assert rating.changed_at == dt.datetime(2026, 11, 27, 9, 30) and rating.source == "qr"
    clock.set("2026-11-27 10:01", tick=False)  # past 24 h
    r = _rate(client, token, level="1")
    assert r.status_code == 422 and "评价已提交超过24小时，不能再修改" in r.get_data(as_text=True)
    assert "不能再修改" in client.get(f"/public/rate/{token}").get_data(as_text=True)
    with app.app_context(), unscoped():
        assert db.session.execute(select(func.count(CaseRating.id))).scalar() == 1
    assert _rating(app, case_id).level == 5


def test_bad_input_is_refused_in_chinese(app, client, cases):
    token = cases["a"][1]
    r = client.post(f"/public/rate/{token}", data={})
    assert r.status_code == 422 and "评价等级为必填项" in r.get_data(as_text=True)
    r = _rate(client, token, level="9")
    assert r.status_code == 422 and "请选择评价等级（非常满意至非常不满意）" in r.get_data(as_text=True)
    r = _rate(client, token, score_efficiency="7")
    assert r.status_code == 422 and "服务效率应为1至5星" in r.get_data(as_text=True)
    r = _rate(client, token, callback_phone="12345")
    assert r.status_code == 422 and "手机号码应为11位" in r.get_data(as_text=True)
    assert _rating(app, cases["a"][0]) is None


# -- the 差评 item -------------------------------------------------------------------------------
def test_a_bad_rating_opens_an_item_due_15_working_days_later(app, client, cases, clock):
    case_id, token = cases["a"]
    clock.set(RATED_ON, tick=False)
    assert _rate(client, token, level="2", comment="跑了两趟").status_code == 303
    item = _item(app, case_id)
    assert item.status == "pending" and item.due_on == dt.date(2026, 10, 23)
    # changed to 满意 within the 24 h: the untouched item is withdrawn; back to 差评: reopened
    assert _rate(client, token, level="4").status_code == 303
    assert _item(app, case_id).status == "withdrawn"
    clock.set("2026-09-29 09:00", tick=False)
    assert _rate(client, token, level="1").status_code == 303
    item = _item(app, case_id)
    assert item.status == "pending" and item.due_on == dt.date(2026, 10, 26)  # 15 working days after 29 Sep


def test_overdue_items_are_listed_first_for_the_township(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["a"][1], level="1")
    _rate(client, cases["b"][1], level="5")
    with app.app_context():
        assert svc.overdue_items(dt.date(2026, 10, 23)) == []
        overdue = svc.overdue_items(dt.date(2026, 10, 24))
        assert [i.case.case_number for i in overdue] == ["QS2026-0101"]
    clock.set("2026-10-26 10:00", tick=False)
    body = login("zhongxin").get("/badrating/list/").get_data(as_text=True)
    assert "QS2026-0101" in body and "已超期" in body and "非常不满意" in body


def _step(c, item_id, step, **data):
    with c.application.app_context(), unscoped():
        version = db.session.get(BadRatingItem, item_id).version
    return c.post(f"/badrating/step/{item_id}/{step}", data={"version": version, **data})


def test_an_item_closes_with_feedback(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["a"][1], level="2")
    item_id = _item(app, cases["a"][0]).id
    c = login("zhongxin")
    clock.set("2026-10-09 10:00", tick=False)
    r = _step(c, item_id, "feedback", feedback_method="phone")
    assert r.status_code == 302 and "当前状态不能进行此操作" in c.get(r.headers["Location"]).get_data(as_text=True)
    assert _item(app, cases["a"][0]).status == "pending"
    assert _step(c, item_id, "verify", verified="true", verification_note="确需两次").status_code == 302
    r = _step(c, item_id, "feedback", feedback_method="phone")
    assert r.status_code == 200 and "核实属实的差评须先登记整改情况" in r.get_data(as_text=True)
    assert _step(c, item_id, "rectify", rectification="一次性告知全部材料").status_code == 302
    assert _step(c, item_id, "feedback", feedback_method="phone", feedback_text="已电话说明").status_code == 302
    item = _item(app, cases["a"][0])
    assert item.status == "closed" and item.closed_on == dt.date(2026, 10, 9)
    assert item.verified_by == "乡便民中心" and item.feedback_by == "乡便民中心"
    body = c.get(f"/badrating/show/{item_id}").get_data(as_text=True)
    assert "已反馈办结" in body and "一次性告知全部材料" in body and "电话告知" in body
    with app.app_context():
        figures = svc.rating_figures(2026, 9, today=dt.date(2026, 11, 1))[_village(app, "QS")]
    assert (figures.rated, figures.bad, figures.bad_on_time, str(figures.on_time_rate)) == (1, 1, 1, "100.0")


def _village(app, code):
    from app.models import Village

    with app.app_context():
        return db.session.execute(select(Village.id).where(Village.code == code)).scalar()


def test_a_real_name_bad_rating_needs_a_callback_to_close(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["a"][1], level="1", callback_phone="139 0000 1111")
    assert _rating(app, cases["a"][0]).callback_phone == "13900001111"
    _rate(client, cases["a"][1], level="1", comment="改一下意见")  # a change without the number keeps it
    assert _rating(app, cases["a"][0]).callback_phone == "13900001111"
    item_id = _item(app, cases["a"][0]).id
    c = login("zhongxin")
    clock.set("2026-10-09 10:00", tick=False)
    _step(c, item_id, "verify", verified="false", verification_note="情况不属实")
    r = _step(c, item_id, "feedback", feedback_method="visit")
    assert r.status_code == 200 and "实名差评须先登记回访记录，才能办结" in r.get_data(as_text=True)
    assert _item(app, cases["a"][0]).status == "verified"
    assert _step(c, item_id, "callback", callback_note="已电话回访，申请人表示理解").status_code == 302
    assert _step(c, item_id, "feedback", feedback_method="visit").status_code == 302
    assert _item(app, cases["a"][0]).status == "closed"


def test_a_stale_version_is_refused(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["a"][1], level="1")
    item_id = _item(app, cases["a"][0]).id
    c = login("zhongxin")
    r = c.post(f"/badrating/step/{item_id}/verify", data={"version": "99", "verified": "true"})
    assert r.status_code == 200 and "已被其他人修改" in r.get_data(as_text=True)
    assert _item(app, cases["a"][0]).verified is None


def test_a_bad_rating_becomes_a_complaint_only_when_the_township_files_it(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["a"][1], level="1", comment="代办员不给办")
    item_id = _item(app, cases["a"][0]).id
    assert login("zhongxin").get(f"/badrating/complaint/{item_id}").status_code == 403  # 乡纪检办 files complaints
    c = login("jijian")
    form = c.get(f"/badrating/complaint/{item_id}").get_data(as_text=True)
    assert "QS2026-0101" in form and "代办员不给办" in form
    with app.app_context():
        assert db.session.execute(select(func.count(Complaint.id))).scalar() == 0
    r = c.post(f"/badrating/complaint/{item_id}", data={"content": "好差评转办：代办员不给办", "refused_request": "y"})
    assert r.status_code == 302
    with app.app_context(), unscoped():
        complaint = db.session.execute(select(Complaint)).scalar_one()
        assert complaint.case_id == cases["a"][0] and complaint.result == "pending"
        assert _item(app, cases["a"][0]).complaint_id == complaint.id


# -- 电话回访 and the agent -------------------------------------------------------------------------
def test_the_township_records_a_phone_rating_the_agent_cannot(app, cases, clock, login):
    clock.set("2026-11-26 10:00", tick=False)
    case_id = cases["a"][0]
    agent = login("qs_daiban")
    assert agent.get(f"/badrating/phone/{case_id}").status_code in (302, 403)
    edit = agent.get(f"/case/edit/{case_id}").get_data(as_text=True)
    assert 'name="satisfaction"' not in edit
    c = login("zhongxin")
    r = c.post(f"/badrating/phone/{case_id}", data={"level": "2", "comment": "等太久", "given_at": "2026-11-26T09:40"})
    assert r.status_code == 302
    rating = _rating(app, case_id)
    assert (rating.source, rating.recorded_by, rating.given_at) == (
        "phone",
        "乡便民中心",
        dt.datetime(2026, 11, 26, 9, 40),
    )
    assert _item(app, case_id).due_on == dt.date(2026, 12, 17)
    show = c.get(f"/case/show/{case_id}").get_data(as_text=True)
    assert "不满意（电话回访" in show
    r = c.post(f"/badrating/phone/{case_id}", data={"level": "5"})
    assert r.status_code == 200 and "该事项已有申请人的评价" in r.get_data(as_text=True)
    # the applicant cannot overwrite the phone rating from the QR
    r = app.test_client().post(f"/public/rate/{cases['a'][1]}", data={"level": "5"})
    assert r.status_code == 422 and "电话回访登记评价" in r.get_data(as_text=True)


# -- isolation ----------------------------------------------------------------------------------
def test_village_users_see_nothing_of_the_rating_pages_of_another_village(app, client, cases, clock, login):
    clock.set(RATED_ON, tick=False)
    _rate(client, cases["b"][1], level="1", comment="石桥村差评")
    b_item = _item(app, cases["b"][0]).id
    for username in ("qs_daiban", "qs_shuji"):
        c = login(username)
        for url in (
            "/badrating/list/",
            f"/badrating/show/{b_item}",
            f"/badrating/step/{b_item}/verify",
            f"/badrating/complaint/{b_item}",
            f"/badrating/phone/{cases['b'][0]}",
            f"/ratingdoc/closed/{cases['b'][0]}",
        ):
            r = c.get(url)
            assert r.status_code in (302, 403, 404), (username, url, r.status_code)
            assert "SQ2026-0101" not in r.get_data(as_text=True) and "石桥村差评" not in r.get_data(as_text=True)
        r = c.post(f"/badrating/step/{b_item}/verify", data={"version": 1, "verified": "true"})
        assert r.status_code in (302, 403, 404)
    assert _item(app, cases["b"][0]).verified is None
    # a village user's scope also hides the figures of village B
    c = login("qs_daiban")
    assert c.get(f"/ratingdoc/closed/{cases['a'][0]}").status_code == 200


# -- QR on the receipt and the 办结通知 --------------------------------------------------------------
def test_the_receipt_and_the_closing_slip_print_the_rating_qr(app, cases, login):
    app.config["PUBLIC_BASE_URL"] = "https://bm.jianning.gov.cn/"
    try:
        c = login("qs_daiban")
        case_id, token = cases["a"]
        url = f"https://bm.jianning.gov.cn/public/rate/{token}"
        for page in (f"/casedoc/receipt/{case_id}", f"/ratingdoc/closed/{case_id}"):
            body = c.get(page).get_data(as_text=True)
            assert url in body and str(qr_inline_svg(url, scale=3)) in body, page
            assert "PUBLIC_BASE_URL" not in body
        slip = c.get(f"/ratingdoc/closed/{case_id}").get_data(as_text=True)
        assert "便民代办办结通知" in slip and "请您为本次代办服务评价" in slip and "张大爷" in slip
        r = c.get(f"/ratingdoc/closed/{cases['open'][0]}")
        assert r.status_code == 302  # an open case has no 办结通知
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    body = login("qs_daiban").get(f"/casedoc/receipt/{cases['a'][0]}").get_data(as_text=True)
    assert "请设置 PUBLIC_BASE_URL" in body and f"http://localhost/public/rate/{cases['a'][1]}" in body


# -- figures ------------------------------------------------------------------------------------
def test_figures_on_the_report_and_the_public_village_page(app, client, world, cases, clock, login):
    clock.set("2026-11-26 10:00", tick=False)
    _rate(client, cases["a"][1], level="5")
    more = [_closed(app, world.village_a, world.agent_a, f"QS2026-02{n:02d}") for n in range(3)]
    for (_, token), level in zip(more, ("4", "3", "1"), strict=True):
        _rate(client, token, level=level)
    _rate(client, cases["b"][1], level="1")
    with app.app_context():
        figures = svc.rating_figures(2026, 11, today=dt.date(2026, 11, 26))
    a = figures[world.village_a]
    assert (a.rated, a.good, a.bad, str(a.good_rate), a.on_time_rate) == (4, 2, 1, "50.0", None)
    assert figures[world.village_b].bad == 1
    body = client.get("/public/QS").get_data(as_text=True)
    section = body[body.index("群众评价（好差评）") :]
    assert re.search(r"<td>2026-11</td><td>4</td><td>2</td><td>1</td>", section), section[:600]
    report = login("qs_daiban").get("/monthlyreport/fill?month=2026-11").get_data(as_text=True)
    assert "评价4件，好评率50.0%，差评1件" in report


# -- CSRF and the POST rate limit --------------------------------------------------------------------
def _csrf(body: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def test_csrf_is_required(app, cases):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        token = cases["a"][1]
        r = c.post(f"/public/rate/{token}", data={"level": "5"})
        assert r.status_code == 400 and "页面已过期或提交无效，没有保存任何内容" in r.get_data(as_text=True)
        assert _rating(app, cases["a"][0]) is None
        csrf = _csrf(c.get(f"/public/rate/{token}").get_data(as_text=True))
        assert c.post(f"/public/rate/{token}", data={"level": "5", "csrf_token": csrf}).status_code == 303
        assert _rating(app, cases["a"][0]).level == 5
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def limited_app(db_url, tmp_path):
    overrides = dict(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_RATE_LIMIT="100 per minute",
        RATING_POST_RATE_LIMIT="3 per minute",
    )
    with made_app(db_url, tmp_path, **overrides) as app:
        with app.app_context():
            world = build_world()
        yield app, world


def test_posts_are_rate_limited_per_address(limited_app):
    app, world = limited_app
    _, token = _closed(app, world.village_a, world.agent_a, "QS2026-0301")
    c = app.test_client()
    codes = [c.post(f"/public/rate/{token}", data={"level": "9"}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert "提交过于频繁，请稍后再试" in c.post(f"/public/rate/{token}", data={"level": "5"}).get_data(as_text=True)
    assert c.get(f"/public/rate/{token}").status_code == 200  # reading is not blocked
    other = app.test_client()
    r = other.post(f"/public/rate/{token}", data={"level": "5"}, environ_base={"REMOTE_ADDR": "10.1.1.2"})
    assert r.status_code == 303  # another address
