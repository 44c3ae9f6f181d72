"""我要反映 (issue 14 §2): a public 反映 flows into 待核实 for 乡纪检办 and cannot be flooded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Complaint
from app.policy.public_reports import CHINESE_DIGITS, query_digest
from app.security import unscoped
from tests.conftest import made_app
from tests.factories import build_world

CONTENT = "11月20日去村代办点办社保卡，代办员说不归他管，不给办，让我自己去乡里。"


@pytest.fixture(autouse=True)
def _no_wait(app):
    """A person takes seconds to fill the form; tests that check the wait set it back."""
    app.config["PUBLIC_REPORT_MIN_SECONDS"] = 0


def solve(html: str) -> dict:
    """The hidden challenge token of a form page and the answer to its question."""
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    a, op, b = re.search(r'class="q">(.)(加|减)(.)等于几？', html).groups()
    x, y = CHINESE_DIGITS.index(a), CHINESE_DIGITS.index(b)
    return {"challenge": token, "answer": str(x + y if op == "加" else x - y)}


def form(client, code="QS", **fields) -> dict:
    page = client.get(f"/public/{code}/report").get_data(as_text=True)
    data = {"content": CONTENT, "kind": "refused", "agent_id": "", "complainant": "", "complainant_phone": ""}
    data.update(solve(page))
    data.update(fields)
    return data


def post(client, data, code="QS"):
    return client.post(f"/public/{code}/report", data=data)


def complaints(app) -> list[Complaint]:
    with app.app_context(), unscoped():
        return list(db.session.execute(select(Complaint).order_by(Complaint.id)).scalars())


def query_code(client) -> str:
    body = client.get("/public/report/done").get_data(as_text=True)
    return re.search(r'id="query-code">([^<]+)<', body).group(1)


def test_village_page_links_to_the_form(client, world):
    body = client.get("/public/QS").get_data(as_text=True)
    assert "我要反映" in body and "/public/QS/report" in body and "/public/report/status" in body


def test_form_is_chinese_names_only_on_duty_agents_and_is_not_cached(client, world):
    r = client.get("/public/QS/report")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "我要反映" in body and "反映内容" in body and "可不填，不填即为匿名反映" in body
    assert "本村代办点（不指定代办员）" in body and "代办员王秀兰" in body
    assert "李明" not in body  # village B's agent is not offered
    assert re.search(r'class="q">.(加|减).等于几？', body)
    assert client.get("/public/XX/report").status_code == 404


def test_anonymous_report_flows_into_pending_for_discipline_office(app, client, world, login):
    r = post(client, form(client))
    assert r.status_code == 303 and r.headers["Location"].endswith("/public/report/done")
    code = query_code(client)
    assert re.fullmatch(r"[23456789A-HJKMNP-Z]{5}-[23456789A-HJKMNP-Z]{5}", code)
    (row,) = complaints(app)
    assert (row.source, row.channel, row.result, row.village_id) == ("public", "online", "pending", world.village_a)
    assert row.complainant is None and row.complainant_phone is None and row.refused_request is True
    assert row.query_digest == query_digest(code.replace("-", "")) and code not in (row.query_digest or "")
    assert row.submitter_digest and "127.0.0.1" not in row.submitter_digest
    with app.app_context(), unscoped():
        audit = db.session.execute(select(AuditLog).where(AuditLog.table_name == "complaint")).scalars().all()
    assert audit and audit[0].user_name == "public report form"

    jijian = login("jijian")
    listing = jijian.get("/complaint/list/").get_data(as_text=True)
    assert "网上反映" in listing and "公开页面提交" in listing and "待核实" in listing and "匿名" in listing
    assert "网上反映·待核实" in listing  # the quick filter
    show = jijian.get(f"/complaint/show/{row.id}").get_data(as_text=True)
    assert "不给办，让我自己去乡里" in show and "公开页面提交" in show


def test_source_filter_lists_only_public_reports(app, client, world, login):
    from app.services import supervision

    with app.app_context():
        supervision.create_complaint(
            {"received_on": "2026-11-02", "village_id": world.village_a, "content": "电话反映：代办员态度差"}
        )
    post(client, form(client))
    jijian = login("jijian")
    full = jijian.get("/complaint/list/").get_data(as_text=True)
    assert "工作人员登记" in full and "公开页面提交" in full
    link = re.search(r'href="([^"]+)">网上反映</a>', full).group(1).replace("&amp;", "&")
    only = jijian.get(link).get_data(as_text=True)
    assert "公开页面提交" in only and "工作人员登记" not in only


def test_named_report_with_phone_and_agent(app, client, world):
    data = form(client, complainant="张大爷", complainant_phone="139 7310 0003", agent_id=str(world.agent_a))
    data["kind"] = "other"
    assert post(client, data).status_code == 303
    (row,) = complaints(app)
    assert (row.complainant, row.complainant_phone, row.agent_id) == ("张大爷", "13973100003", world.agent_a)
    assert row.refused_request is False


def test_village_user_of_another_village_cannot_see_it(app, client, world, login):
    post(client, form(client, content="青山村代办员不受理，反映QS专用标记内容"))
    (row,) = complaints(app)
    for user in ("sq_shuji", "sq_daiban"):
        c = login(user)
        assert "反映QS专用标记内容" not in c.get("/complaint/list/").get_data(as_text=True)
        r = c.get(f"/complaint/show/{row.id}")
        assert r.status_code in (302, 403, 404) and "反映QS专用标记内容" not in r.get_data(as_text=True)
        r = c.get(f"/api/v1/complaint/{row.id}")
        assert r.status_code in (401, 403, 404)


def test_agent_of_another_village_is_refused(app, client, world):
    r = post(client, form(client, agent_id=str(world.agent_b)))
    assert r.status_code == 422 and "所选代办员不是本村在岗代办员" in r.get_data(as_text=True)
    assert complaints(app) == []


def test_status_shows_only_the_state_and_date(app, client, world, login):
    post(client, form(client, complainant="张大爷", complainant_phone="13973100003"))
    code = query_code(client)
    fresh = app.test_client()
    body = fresh.post("/public/report/status", data={"code": code.lower().replace("-", " ")}).get_data(as_text=True)
    assert "已收到" in body and "收到日期" in body
    for secret in ("张大爷", "13973100003", "不给办", "王秀兰", "青山村"):
        assert secret not in body

    (row,) = complaints(app)
    with app.app_context():
        from app.services import supervision

        item = db.session.get(Complaint, row.id)
        supervision.update_complaint(item, {"verification_note": "已约谈代办员，正在调取台账"})
    body = fresh.post("/public/report/status", data={"code": code}).get_data(as_text=True)
    assert "核实中" in body and "调取台账" not in body

    jijian = login("jijian")
    r = jijian.post(
        f"/complaint/edit/{row.id}",
        data={**_edit_form(row), "result": "true", "verification_note": "经核实属实", "verified_by": "乡纪检办"},
    )
    assert r.status_code in (200, 302)
    with app.app_context(), unscoped():
        item = db.session.get(Complaint, row.id)
        assert item.result == "true"
        from app.models import Deduction

        deductions = db.session.execute(select(Deduction).where(Deduction.source_type == "complaint")).scalars().all()
    assert [d.code for d in deductions] == ["1"]  # ① when verified as a refusal
    body = fresh.post("/public/report/status", data={"code": code}).get_data(as_text=True)
    assert "已办结" in body and "办结日期" in body and "经核实属实" not in body and "属实" not in body


def _edit_form(row: Complaint) -> dict:
    return {
        "received_on": row.received_on.isoformat(),
        "channel": row.channel,
        "complainant": row.complainant or "",
        "complainant_phone": row.complainant_phone or "",
        "village": str(row.village_id),
        "agent": str(row.agent_id or ""),
        "refused_request": "y",
        "content": row.content,
        "verified_on": "",
        "followup": "",
    }


def test_wrong_code_same_answer_shape(client, world):
    post(client, form(client))
    wrong = client.post("/public/report/status", data={"code": "ABCDE-FGHJK"})
    malformed = client.post("/public/report/status", data={"code": "<script>0O1I"})
    assert wrong.status_code == malformed.status_code == 200
    message = "没有查到这个查询码对应的反映"
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert message in strip(wrong) and strip(wrong) == strip(malformed)
    assert "<script>0O1I" not in malformed.get_data(as_text=True)


def test_csrf_is_required(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    data = form(client)
    r = post(client, data)
    assert r.status_code == 400 and "页面已过期或提交无效，没有保存任何内容" in r.get_data(as_text=True)
    assert complaints(app) == []
    page = client.get("/public/QS/report").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert post(client, {**data, **solve(page), "csrf_token": token}).status_code == 303
    assert len(complaints(app)) == 1
    assert client.post("/public/report/status", data={"code": "ABCDE-FGHJK"}).status_code == 400


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": ""}, "请回答验证题"),
        ({"answer": "99"}, "验证题答案不正确"),
        ({"challenge": ""}, "验证题已失效"),
        ({"challenge": "1700000000.aaaaaaaaaaaaaaaaaaaaaaaa.0123456789abcdef0123456789abcdef"}, "验证题已失效"),
        ({"website": "http://spam.example"}, "提交未通过校验"),
    ],
)
def test_challenge_wrong_or_missing_saves_nothing(app, client, world, change, message):
    data = form(client)
    data.update(change)
    r = post(client, data)
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and message in body and "提交未成功" in body
    assert CONTENT in body  # what was typed is kept for the next try
    assert complaints(app) == []


def test_too_fast_is_refused(app, client, world):
    app.config["PUBLIC_REPORT_MIN_SECONDS"] = 5
    r = post(client, form(client))
    assert r.status_code == 422 and "提交太快了" in r.get_data(as_text=True)
    assert complaints(app) == []


def test_expired_challenge_is_refused(app, client, world, clock):
    clock.set("2026-11-24 09:00")
    data = form(client)
    clock.set("2026-11-24 12:00")
    r = post(client, data)
    assert r.status_code == 422 and "验证题已过期" in r.get_data(as_text=True)


def test_one_report_per_challenge(app, client, world):
    data = form(client)
    assert post(client, data).status_code == 303
    r = post(client, {**data, "content": "另一件事：代办员收了我20元代办费。"})
    assert r.status_code == 422 and "这份表单已经提交过" in r.get_data(as_text=True)
    assert len(complaints(app)) == 1


def test_duplicate_content_is_fingerprinted(app, client, world):
    assert post(client, form(client)).status_code == 303
    again = form(client, content="  " + CONTENT.replace("，", "， \n") + " ")
    r = post(client, {**again, "content": CONTENT + "\n"})
    assert r.status_code == 422 and "今天已收到内容相同的反映" in r.get_data(as_text=True)
    assert len(complaints(app)) == 1
    assert post(client, form(client, content=CONTENT + "补充：第二次去还是不给办。")).status_code == 303


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "请填写反映内容"),
        ("不好", "反映内容太短"),
        ("字" * 1001, "不能超过1000个字"),
        ('代办员不办事 <a href="http://x.example">点这里</a>', "不能包含网页代码"),
        ("代办员不办事<script>alert(1)</script>", "不能包含网页代码"),
    ],
)
def test_bad_content_is_refused(app, client, world, content, message):
    r = post(client, form(client, content=content))
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in r.get_data(as_text=True)
    assert complaints(app) == []


def test_control_characters_are_stripped(app, client, world):
    assert post(client, form(client, content="代办员\x07不给办\u200b社保卡\r\n第二行\x1b[31m")).status_code == 303
    (row,) = complaints(app)
    assert row.content == "代办员不给办社保卡\n第二行[31m"


def test_bad_phone_and_missing_kind(app, client, world):
    r = post(client, form(client, complainant_phone="12345", kind=""))
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "电话号码格式不正确" in body and "请选择反映的问题" in body
    assert complaints(app) == []


def test_daily_cap_per_address(app, client, world):
    app.config["PUBLIC_REPORT_DAILY_MAX"] = 2
    for n in range(2):
        assert post(client, form(client, content=f"第{n}件事：代办员不在岗，电话也不接。")).status_code == 303
    r = post(client, form(client, content="第三件事：代办员不在岗，电话也不接。"))
    assert r.status_code == 429 and "今天从您的网络提交的反映已达2条" in r.get_data(as_text=True)
    assert len(complaints(app)) == 2


def test_get_only_elsewhere_and_no_500_on_junk(client, world):
    assert client.post("/public/report/done").status_code == 405
    r = client.post("/public/QS/report", data={"content": ["a", "b"], "challenge": "x" * 5000, "agent_id": "9" * 40})
    assert r.status_code == 422


def test_done_without_a_report_goes_to_status(client, world):
    r = client.get("/public/report/done")
    assert r.status_code == 302 and r.headers["Location"].endswith("/public/report/status")


# -- rate limit ------------------------------------------------------------------------------
@pytest.fixture
def limited_app(db_url, tmp_path):
    overrides = dict(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_RATE_LIMIT="100 per minute",
        PUBLIC_REPORT_RATE_LIMIT="2 per hour",
        PUBLIC_REPORT_STATUS_RATE_LIMIT="3 per hour",
        PUBLIC_REPORT_MIN_SECONDS=0,
    )
    with made_app(db_url, tmp_path, **overrides) as app:
        with app.app_context():
            build_world()
        yield app


def test_report_posts_are_rate_limited_per_address(limited_app):
    c = limited_app.test_client()
    codes = [post(c, form(c, content=f"第{n}件事：代办员不在岗，电话也不接。")).status_code for n in range(3)]
    assert codes == [303, 303, 429]
    r = post(c, form(c, content="第四件事：代办员不在岗。"))
    assert r.status_code == 429 and "提交过于频繁" in r.get_data(as_text=True)
    assert c.get("/public/QS/report").status_code == 200  # reading the form is not limited by it
    other = limited_app.test_client()
    data = form(other, content="另一个地址：代办员不在岗。")
    r = other.post("/public/QS/report", data=data, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 303
    with limited_app.app_context(), unscoped():
        assert db.session.execute(select(func.count(Complaint.id))).scalar_one() == 3


def test_status_lookups_are_rate_limited(limited_app):
    c = limited_app.test_client()
    codes = [c.post("/public/report/status", data={"code": "ABCDE-FGHJK"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_public_form_works_for_a_logged_in_village_user_and_reveals_nothing(app, world, login):
    """A village A user on the same phone may file a 反映 about village B (a public form): it is
    saved for B, the form offers only B's on-duty agent, and A learns only the status."""
    qs = login("qs_shuji")
    page = qs.get("/public/SQ/report").get_data(as_text=True)
    assert "代办员李明" in page and "王秀兰" not in page
    data = form(qs, code="SQ", content="石桥村代办员不受理，反映SQ的标记内容", agent_id=str(world.agent_b))
    assert post(qs, data, code="SQ").status_code == 303
    (row,) = complaints(app)
    assert (row.village_id, row.agent_id, row.source) == (world.village_b, world.agent_b, "public")
    code = query_code(qs)
    body = qs.post("/public/report/status", data={"code": code}).get_data(as_text=True)
    assert "已收到" in body and "反映SQ" not in body and "李明" not in body and "石桥村" not in body
    listing = qs.get("/complaint/list/")
    assert "反映SQ的标记内容" not in listing.get_data(as_text=True)
    assert qs.get(f"/complaint/show/{row.id}").status_code in (302, 403, 404)
