"""签到考勤 (政策第二条（三）1, 第二条（四）3, SPEC §6): one tap from a phone, late and missing
days per agent and month, each user sees their own scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, SignIn
from app.services import signin as sv
from app.services.errors import Conflict, Forbidden, ValidationFailed

pytestmark = pytest.mark.dates

THU = dt.date(2026, 11, 26)


def at(d: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hh, mm))


def test_sign_in_on_time_late_twice_and_rest_day(app, world):
    with app.app_context():
        agent = db.session.get(Agent, world.agent_a)
        row = sv.sign_in(agent, at(THU, 8, 55))
        assert (row.day, row.late, row.village_id) == (THU, False, world.village_a)
        with pytest.raises(Conflict) as exc:
            sv.sign_in(agent, at(THU, 9, 30))
        assert "今天已于08:55签到" in exc.value.message
        late = sv.sign_in(agent, at(dt.date(2026, 11, 25), 9, 10))
        assert late.late is True
        with pytest.raises(ValidationFailed) as exc:
            sv.sign_in(agent, at(dt.date(2026, 11, 28), 9))  # Saturday
        assert "不是工作日" in exc.value.message
        with pytest.raises(ValidationFailed) as exc:
            sv.sign_in(agent, at(dt.date(2026, 11, 24), 17, 45))  # winter hours end 17:30
        assert "已结束" in exc.value.message
        with pytest.raises(Forbidden):
            sv.sign_in(None, at(THU, 9))


def test_grace_minutes_setting(app, world):
    app.config["SIGNIN_GRACE_MINUTES"] = 10
    with app.app_context():
        row = sv.sign_in(db.session.get(Agent, world.agent_a), at(THU, 9, 8))
        assert row.late is False


def test_month_overview_counts_late_and_missing(app, world):
    with app.app_context():
        agent = db.session.get(Agent, world.agent_a)
        for d, h, m in ((2, 8, 50), (3, 9, 20), (4, 8, 59)):
            sv.sign_in(agent, at(dt.date(2026, 11, d), h, m))
        rows = {r.agent.id: r.summary for r in sv.month_overview(2026, 11, now=at(THU, 18))}
        a = rows[world.agent_a]
        assert (a.workdays, a.signed, a.on_time, a.late, a.missing) == (19, 3, 2, 1, 16)
        b = rows[world.agent_b]
        assert (b.workdays, b.signed, b.missing) == (19, 0, 19)
        # before today's hours end, today is not missing yet
        rows = {r.agent.id: r.summary for r in sv.month_overview(2026, 11, now=at(THU, 10))}
        assert rows[world.agent_b].missing == 18


def test_agent_signs_in_with_one_tap(app, login, world, monkeypatch):
    monkeypatch.setattr("app.services.signin.now_local", lambda: at(THU, 8, 57))
    monkeypatch.setattr("app.views.signin.now_local", lambda: at(THU, 8, 57))
    c = login("qs_daiban")
    html = c.get("/signin/today").get_data(as_text=True)
    assert "每日签到" in html and "今日坐班时间：上午9:00—11:30，下午2:30—5:30" in html
    assert 'action="/signin/sign"' in html
    r = c.post("/signin/sign", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "签到成功（08:57）" in html and "今日已签到" in html
    r = c.post("/signin/sign", follow_redirects=True)
    assert "无需重复签到" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(SignIn.agent_id)).scalars().all() == [world.agent_a]


def test_who_may_sign_in_and_who_sees_what(app, login, world, monkeypatch):
    monkeypatch.setattr("app.services.signin.now_local", lambda: at(THU, 9, 15))
    for username in ("qs_shuji", "zhongxin", "jijian"):
        assert login(username).post("/signin/sign").status_code == 403, username
    login("sq_daiban").post("/signin/sign")
    with app.app_context():
        [row] = db.session.execute(select(SignIn)).scalars().all()
        assert (row.agent_id, row.late) == (world.agent_b, True)
    board = login("zhongxin").get("/signin/today").get_data(as_text=True)
    assert "今日签到情况" in board and "王秀兰" in board and "李明" in board
    mine = login("qs_shuji").get("/signin/today").get_data(as_text=True)
    assert "王秀兰" in mine and "李明" not in mine
    overview = login("zhongxin").get("/signin/overview?month=2026-11").get_data(as_text=True)
    assert "签到考勤统计" in overview and "青山村" in overview and "石桥村" in overview
    overview = login("qs_shuji").get("/signin/overview?month=2026-11").get_data(as_text=True)
    assert "青山村" in overview and "石桥村" not in overview
    assert "月份格式" in login("zhongxin").get("/signin/overview?month=abc").get_data(as_text=True)


def test_month_parameters_out_of_range_are_reported_not_500(app, login, world):
    for username, url in (
        ("zhongxin", "/signin/overview?month=0000-01"),
        ("zhongxin", "/deduction/summary?month=9999-12"),
        ("zhongxin", "/monthlyreport/status?month=0000-01"),
        ("qs_daiban", "/monthlyreport/fill?month=0000-01"),
    ):
        r = login(username).get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert "月份超出范围" in r.get_data(as_text=True), url
