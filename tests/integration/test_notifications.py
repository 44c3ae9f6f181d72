"""The notification outbox (issue 14 §3): never the same event twice to a recipient; delivery
to a local 企业微信/SMS endpoint (pytest-httpserver) and a local SMTP server (aiosmtpd) — what
arrived; retries with backoff then success; a failing channel blocks neither the others nor the
request that caused the event; the 办结通知; the bell and 我的提醒, scoped by village."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.extensions import db
from app.models import BmUser, Case, Notification
from app.services import notifications as svc
from app.services.cases import transition_case
from app.services.notifications import Notice, deliver_due, notify
from tests.factories import make_case
from tests.integration.test_cases_support import acting, items_fixture  # noqa: F401 - fixtures

T0 = dt.datetime(2026, 11, 26, 9, 0)


def _rows(app, **where):
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        rows = db.session.execute(stmt).scalars().all()
        db.session.expunge_all()
        return rows


def _users(*names):
    return [db.session.execute(select(BmUser).where(BmUser.username == n)).scalar_one() for n in names]


def _notice(event="case.overdue:1:2026-11-23", village_id=None, text="【已超期】QS2026-0001“参保登记”的期限已过"):
    return Notice("case_overdue", event, text, village_id, ("case", 1))


# --- dedupe ----------------------------------------------------------------------------------------


def test_the_same_event_reaches_each_recipient_once(app, world):
    with app.app_context():
        users = _users("zhongxin", "jijian")
        assert notify(_notice(), users, now=T0) == 2
        assert notify(_notice(), users + users, now=T0) == 0  # again, and twice in one call
        assert notify(_notice(), _users("admin"), now=T0) == 1  # a new recipient of the same event
        assert notify(_notice(event="case.overdue:1:2026-11-27"), users, now=T0) == 2  # a new event
        assert db.session.execute(select(func.count(Notification.id))).scalar() == 5
        assert svc.unread_count(users[0].id) == 2


# --- delivery --------------------------------------------------------------------------------------


@pytest.fixture
def robot(app, httpserver):
    app.config["WECOM_WEBHOOK_URL"] = httpserver.url_for("/robot/township?key=secret-t")
    app.config["WECOM_WEBHOOK_URLS"] = {"QS": httpserver.url_for("/robot/qs?key=secret-q")}
    return httpserver


def test_wecom_robot_receives_the_chinese_text_message(app, world, robot):
    robot.expect_request("/robot/qs", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    robot.expect_request("/robot/township", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    with app.app_context():
        notify(_notice(village_id=world.village_a), _users("qs_daiban"), group="QS", now=T0)
        notify(
            _notice(event="strike:1:3:warning", text="【考核警告】青山村 代办员王秀兰"), [], group="township", now=T0
        )
        notify(_notice(event="x", text="石桥村没有机器人"), [], group="SQ", now=T0)  # no robot: no row
        result = deliver_due(T0)
    assert (result.sent, result.retrying, result.failed) == (2, 0, 0)
    bodies = {req.path: req.get_json() for req, _ in robot.log}
    assert bodies["/robot/qs"] == {"msgtype": "text", "text": {"content": "【已超期】QS2026-0001“参保登记”的期限已过"}}
    assert bodies["/robot/township"]["text"]["content"] == "【考核警告】青山村 代办员王秀兰"
    rows = _rows(app, channel="wecom")
    assert [(r.recipient_address, r.status, r.attempts) for r in rows] == [("QS", "sent", 1), ("township", "sent", 1)]
    assert all("secret" not in (r.recipient_address or "") + r.dedupe_key for r in rows)
    with app.app_context():
        assert deliver_due(T0 + dt.timedelta(minutes=5)).sent == 0  # nothing sent twice


def test_a_failing_endpoint_is_retried_with_backoff_then_succeeds(app, world, robot):
    robot.expect_ordered_request("/robot/qs", method="POST").respond_with_data("busy", status=500)
    robot.expect_ordered_request("/robot/qs", method="POST").respond_with_json({"errcode": 45009})
    robot.expect_ordered_request("/robot/qs", method="POST").respond_with_json({"errcode": 0})
    with app.app_context():
        notify(_notice(village_id=world.village_a), [], group="QS", now=T0)
        assert deliver_due(T0).retrying == 1
    (row,) = _rows(app, channel="wecom")
    assert row.attempts == 1 and row.next_attempt_at == T0 + dt.timedelta(seconds=60) and row.last_error == "HTTP 500"
    with app.app_context():
        assert deliver_due(T0 + dt.timedelta(seconds=30)).retrying == 0  # not yet due: not tried
        assert deliver_due(T0 + dt.timedelta(seconds=61)).retrying == 1  # errcode ≠ 0 is a failure too
    (row,) = _rows(app, channel="wecom")
    assert row.attempts == 2 and row.next_attempt_at == T0 + dt.timedelta(seconds=61 + 120)
    assert "45009" in row.last_error
    with app.app_context():
        assert deliver_due(T0 + dt.timedelta(seconds=200)).sent == 1
    (row,) = _rows(app, channel="wecom")
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 3, T0 + dt.timedelta(seconds=200), None)
    assert len(robot.log) == 3


def test_after_the_last_attempt_a_row_is_given_up(app, world, robot):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    robot.expect_request("/robot/qs", method="POST").respond_with_data("down", status=503)
    with app.app_context():
        notify(_notice(village_id=world.village_a), [], group="QS", now=T0)
        deliver_due(T0)
        result = deliver_due(T0 + dt.timedelta(hours=1))
    assert result.failed == 1
    (row,) = _rows(app, channel="wecom")
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="bm@jianning.example", SMTP_TIMEOUT=5)
    yield inbox
    controller.stop()


def _set_email(app, username, address):
    with app.app_context():
        (user,) = _users(username)
        user.email = address
        db.session.commit()


def test_email_arrives_over_smtp_in_chinese(app, world, smtp):
    import email
    from email.policy import default

    _set_email(app, "zhongxin", "zhongxin@jianning.example")
    with app.app_context():
        # jijian keeps an address of the reserved .invalid domain: in-app only
        assert notify(_notice(), _users("zhongxin", "jijian"), now=T0) == 3
        assert deliver_due(T0).sent == 1
    (envelope,) = smtp.messages
    assert envelope.rcpt_tos == ["zhongxin@jianning.example"]
    message = email.message_from_bytes(envelope.content, policy=default)
    assert message["Subject"] == "已超期" and message["To"] == "zhongxin@jianning.example"
    assert "【已超期】QS2026-0001“参保登记”的期限已过" in message.get_content()


def test_a_failing_channel_does_not_hold_up_the_others(app, world, robot, smtp):
    robot.expect_request("/robot/township", method="POST").respond_with_data("down", status=500)
    _set_email(app, "zhongxin", "zhongxin@jianning.example")
    with app.app_context():
        notify(_notice(), _users("zhongxin"), group="township", now=T0)
        result = deliver_due(T0)
    assert (result.sent, result.retrying) == (1, 1)
    assert len(smtp.messages) == 1
    assert {r.channel: r.status for r in _rows(app)} == {"inapp": "sent", "email": "sent", "wecom": "pending"}


def test_an_unreachable_server_is_a_retry_not_an_error(app, world):
    app.config["WECOM_WEBHOOK_URLS"] = {"QS": f"http://127.0.0.1:{_free_port()}/robot"}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())
    _set_email(app, "qs_daiban", "wangxl@jianning.example")
    with app.app_context():
        notify(_notice(village_id=world.village_a), _users("qs_daiban"), group="QS", now=T0)
        result = deliver_due(T0)
    assert (result.sent, result.retrying) == (0, 2)
    assert {r.channel: (r.status, r.attempts) for r in _rows(app) if r.channel != "inapp"} == {
        "wecom": ("pending", 1),
        "email": ("pending", 1),
    }


# --- 办结通知 -----------------------------------------------------------------------------------


@pytest.fixture
def sms(app, httpserver):
    app.config.update(
        SMS_GATEWAY_URL=httpserver.url_for("/sms/send"),
        SMS_GATEWAY_KEY="sms-key-1",
        SMS_TEMPLATE_CASE_COMPLETED="T1001",
    )
    return httpserver


def _complete(app, world, items, clock):
    clock.set("2026-11-24 16:00")
    case_id = make_case(app, world, items, received_at="2026-11-24 09:00")
    with acting(app, "qs_daiban"):
        case = db.session.get(Case, case_id)
        transition_case(case, {"to": "submitted", "submitted_window": "社保窗口", "at": "2026-11-24 10:00"})
        transition_case(
            case,
            {"to": "completed", "window_result": "已登记", "reply_at": "2026-11-24 15:00", "reply_method": "phone"},
        )
    return case_id


def test_completing_a_case_tells_the_applicant_by_sms(app, world, items, clock, sms):
    sms.expect_request("/sms/send", method="POST").respond_with_json({"code": "OK"})
    case_id = _complete(app, world, items, clock)
    (row,) = _rows(app, channel="sms")
    assert (row.kind, row.recipient_address, row.about_id, row.village_id) == (
        "case_completed",
        "13973112345",
        case_id,
        world.village_a,
    )
    assert "13973112345" not in row.dedupe_key  # the phone is hashed in the key
    with app.app_context():
        assert deliver_due(dt.datetime(2026, 11, 24, 16, 5)).sent == 1
    ((request, _),) = sms.log
    assert request.headers["Authorization"] == "Bearer sms-key-1"
    body = request.get_json()
    assert body["phone"] == "13973112345" and body["template_id"] == "T1001"
    assert body["params"]["case_number"] == "QS2026-0001" and body["params"]["village"] == "青山村"
    assert "您委托青山村便民代办点办理的" in body["text"] and "已办结" in body["text"]
    assert "【建宁乡便民服务】" in body["text"]


def test_no_sms_without_a_gateway(app, world, items, clock):
    _complete(app, world, items, clock)
    assert _rows(app, channel="sms") == []


def test_a_broken_outbox_never_fails_the_completion(app, world, items, clock, sms, monkeypatch):
    def broken(rows):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(svc, "_insert_new", broken)
    case_id = _complete(app, world, items, clock)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "completed" and case.window_result == "已登记"
    assert _rows(app, channel="sms") == []


# --- the bell and 我的提醒 ---------------------------------------------------------------------------


@pytest.fixture
def scoped(app, world):
    from tests.factories import populate_scoped_rows

    with app.app_context():
        return populate_scoped_rows(world)


def _bell(body: str) -> str | None:
    m = re.search(r'bm-unread-count">(\d+)<', body)
    return m.group(1) if m else None


def test_every_role_has_the_bell_and_my_reminders(app, world, login):
    for username in ("admin", "zhongxin", "jijian", "qs_shuji", "qs_daiban"):
        c = login(username)
        body = c.get("/notifications/").get_data(as_text=True)
        assert "我的提醒" in body and "fa-bell" in body, username
        assert "暂无提醒" in body, username


def test_my_reminders_lists_only_my_own_and_marks_them_read(app, world, login, scoped):
    from app.models import Notification as N

    a_id, b_id = scoped[N][world.village_a], scoped[N][world.village_b]
    c = login("qs_daiban")
    body = c.get("/notifications/").get_data(as_text=True)
    assert "【已超期】青山村的代办事项已超期" in body and "石桥村" not in body
    assert _bell(body) == "1" and "未读 1 条，共 1 条" in body
    # another village's row by URL: 404, and nothing changes
    assert c.post(f"/notifications/read/{b_id}").status_code == 404
    # another user of the township cannot mark the agent's reminder either
    assert login("zhongxin").post(f"/notifications/read/{a_id}").status_code == 404
    r = c.post(f"/notifications/read/{a_id}", data={"open": "1"})
    assert r.status_code == 302 and f"/case/show/{scoped[Case][world.village_a]}" in r.headers["Location"]
    body = c.get("/notifications/").get_data(as_text=True)
    assert _bell(body) is None and "未读 0 条，共 1 条" in body
    rows = {r.id: r for r in _rows(app)}
    assert rows[a_id].read_at is not None and rows[b_id].read_at is None


def test_mark_all_read_and_unread_filter(app, world, login):
    with app.app_context():
        for i in range(3):
            notify(
                _notice(event=f"e{i}", village_id=world.village_a, text=f"【即将到期】第{i}件"),
                _users("qs_daiban"),
                now=T0,
            )
    c = login("qs_daiban")
    body = c.get("/").get_data(as_text=True)
    assert _bell(body) == "3"
    assert c.post("/notifications/read-all").status_code == 302
    body = c.get("/notifications/?unread=1").get_data(as_text=True)
    assert "暂无提醒" in body and _bell(body) is None
    assert "【即将到期】第2件" in c.get("/notifications/").get_data(as_text=True)
    assert c.get("/notifications/?page=abc").status_code == 200


def test_anonymous_visitors_are_sent_to_login(app, world, client):
    r = client.get("/notifications/")
    assert r.status_code in (302, 401) and "login" in r.headers.get("Location", "login")
    assert client.post("/notifications/read-all").status_code in (302, 401)


def test_scoping_hides_another_villages_row_even_when_addressed_to_me(app, world, login):
    """Belt and braces: a row of 石桥村 addressed to 青山村's agent (say, after a transfer) is
    still out of the agent's scope — not counted, not listed, not markable."""
    with app.app_context():
        notify(
            Notice("case_overdue", "moved", "【已超期】石桥村 SQ2026-0009", world.village_b, ("case", 9)),
            _users("qs_daiban"),
            now=T0,
        )
        (row,) = db.session.execute(select(Notification)).scalars().all()
        row_id = row.id
    c = login("qs_daiban")
    body = c.get("/notifications/").get_data(as_text=True)
    assert "石桥村" not in body and "暂无提醒" in body and _bell(body) is None
    assert c.post(f"/notifications/read/{row_id}").status_code == 404
    assert _rows(app)[0].read_at is None
