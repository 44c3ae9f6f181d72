"""Dashboards (SPEC §10): figures checked against a hand-computed data set, scoping per
village, the home page per role, the chart data, and SQL-only aggregation.

“Today” is Thursday 2026-11-26 (month: November, quarter: Q4 = October–December).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import (
    Agent,
    CalendarDay,
    CalendarYear,
    Deduction,
    MonthlyReport,
    ServiceCategory,
    ServiceItem,
    SignIn,
    Village,
)
from app.security import unscoped
from tests.factories import case_row, make_id

pytestmark = pytest.mark.dates

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 10, 0)

# Applicants: personal data that must never reach a public page.
APPLICANTS = {
    "QS": ("张三丰", make_id(dt.date(1950, 3, 4), "611"), "13800001111"),
    "SQ": ("赵灵儿", make_id(dt.date(1962, 8, 9), "622"), "15900002222"),
}


def freeze(monkeypatch, now: dt.datetime = NOW) -> None:
    """The township's clock, as every dashboard/public function reads it."""
    monkeypatch.setattr("app.services.calendar.today", lambda: now.date())
    monkeypatch.setattr("app.services.calendar.now_local", lambda: now)


def _case(n, village, agent_id, kind, received, status, due_on=None, closed_late=False, closed_at=None, item=None):
    code = village.code
    name, id_number, phone = APPLICANTS[code]
    return case_row(
        village.id,
        agent_id,
        f"{code}2026-{n:04d}",
        received,
        save=False,
        kind=kind,
        service_item_id=item.id if item else None,
        category_id=item.category_id if item else None,
        applicant_name=name,
        applicant_id_number=id_number,
        applicant_phone=phone,
        voluntary_confirmed=kind == "proxy",
        status=status,
        submit_by=due_on,
        complete_by=due_on,
        due_on=due_on,
        closed_late=closed_late,
        closed_at=closed_at,
    )


def _deduction(code, agent_id, village_id, day, amount, source_id, state="active"):
    return Deduction(
        code=code,
        agent_id=agent_id,
        village_id=village_id,
        year=day.year,
        month=day.month,
        occurred_on=day,
        amount=Decimal(amount),
        source_type="test",
        source_id=source_id,
        state=state,
    )


def seed_dashboard_data(world) -> dict:
    """The hand-computed data set. Expected figures (today 2026-11-26):

    青山村 QS — cases (作废 never counted):
      1 代办 11-02 已办结 on time            4 代办 11-25 已受理 due 11-30
      2 代办 11-10 已办结 late (closed_late)  5 咨询 11-03 已答复
      3 代办 11-20 已受理 due 11-25 (overdue) 6 代办 10-15 已办结 on time
      7 代办 10-20 已作废                     8 代办 09-28 已报送 due 10-09 (overdue, Q3)
      9 代办 11-26 已受理 due 11-27 (due soon: 1 working day)
      November: received 6 (咨询1/代办5), open 3 (3,4,9), overdue 2 (2,3),
                on-time 1 ÷ (completed 2 + open-overdue 1) = 33%
      Q4:       received 7, open 3, overdue 2, on-time 2 ÷ (3 + 1) = 50%
      now:      open 4 (3,4,8,9), overdue 2 (3,8), due soon 1 (9)
      sign-in:  Nov 2, 3, 4 (late), 26 → 4 of 19 working days (today counts, signed) = 21%;
                Q4: 4 of 18 (Oct) + 19 = 37 → 11%
      deductions: ③ 11-03 50.00, ⑤ 10-10 10.00, ④ 11-05 voided → Nov 1 / 50.00, Q4 2 / 60.00
      strikes: ② twice (06-10, 08-12) → 两次警示
      reports: October submitted on 10-31 → ok; November draft
      六个一: all six → 达标
    石桥村 SQ:
      1 代办 11-05 已办结 on time → November received 1, on-time 100%
      no sign-in → 0 of 18 (today not signed yet) = 0%
      strikes: ① three times (03-05, 04-06, 05-07) → 应予解聘
      reports: October missing → alert
      六个一: none → 缺6项
    """
    with unscoped():
        qs = db.session.get(Village, world.village_a)
        sq = db.session.get(Village, world.village_b)
        for attr in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board"):
            setattr(qs, attr, True)
        cat1 = ServiceCategory(code="01", name="养老医疗保险")
        cat2 = ServiceCategory(code="04", name="证明盖章/党团关系")
        db.session.add_all([cat1, cat2])
        db.session.flush()
        pension = ServiceItem(
            code="0101",
            category_id=cat1.id,
            name="城乡居民基本养老保险参保登记",
            window="社保窗口",
            materials=["户口簿", "居民身份证"],
            promised_days=3,
            fee=Decimal("0"),
        )
        proof = ServiceItem(
            code="0401",
            category_id=cat2.id,
            name="开具居住证明",
            window="民政窗口",
            materials=["居民身份证"],
            promised_days=1,
            fee=Decimal("0"),
        )
        db.session.add_all([pension, proof])
        db.session.flush()
        a, b = world.agent_a, world.agent_b
        d = dt.datetime
        cases = [
            _case(
                1,
                qs,
                a,
                "proxy",
                d(2026, 11, 2, 9),
                "completed",
                dt.date(2026, 11, 5),
                False,
                d(2026, 11, 4, 10),
                pension,
            ),
            _case(
                2,
                qs,
                a,
                "proxy",
                d(2026, 11, 10, 9),
                "completed",
                dt.date(2026, 11, 13),
                True,
                d(2026, 11, 18, 10),
                pension,
            ),
            _case(3, qs, a, "proxy", d(2026, 11, 20, 9), "accepted", dt.date(2026, 11, 25), item=proof),
            _case(4, qs, a, "proxy", d(2026, 11, 25, 9), "accepted", dt.date(2026, 11, 30), item=pension),
            _case(5, qs, a, "consult", d(2026, 11, 3, 15), "answered", None, False, d(2026, 11, 3, 15, 20)),
            _case(
                6,
                qs,
                a,
                "proxy",
                d(2026, 10, 15, 9),
                "completed",
                dt.date(2026, 10, 20),
                False,
                d(2026, 10, 19, 9),
                proof,
            ),
            _case(7, qs, a, "proxy", d(2026, 10, 20, 9), "voided", dt.date(2026, 10, 23), item=proof),
            _case(8, qs, a, "proxy", d(2026, 9, 28, 9), "submitted", dt.date(2026, 10, 9), item=pension),
            _case(9, qs, a, "proxy", d(2026, 11, 26, 8), "accepted", dt.date(2026, 11, 27), item=proof),
            _case(
                1,
                sq,
                b,
                "proxy",
                d(2026, 11, 5, 9),
                "completed",
                dt.date(2026, 11, 10),
                False,
                d(2026, 11, 6, 9),
                pension,
            ),
        ]
        db.session.add_all(cases)
        for day, late in ((2, False), (3, False), (4, True), (26, False)):
            db.session.add(
                SignIn(
                    agent_id=a,
                    village_id=qs.id,
                    day=dt.date(2026, 11, day),
                    signed_at=d(2026, 11, day, 9, 20 if late else 0),
                    late=late,
                )
            )
        db.session.add_all(
            [
                _deduction("3", a, qs.id, dt.date(2026, 11, 3), "50.00", 1),
                _deduction("5", a, qs.id, dt.date(2026, 10, 10), "10.00", 2),
                _deduction("4", a, qs.id, dt.date(2026, 11, 5), "30.00", 3, state="void"),
                _deduction("2", a, qs.id, dt.date(2026, 6, 10), "30.00", 4),
                _deduction("2", a, qs.id, dt.date(2026, 8, 12), "30.00", 5),
                _deduction("1", b, sq.id, dt.date(2026, 3, 5), "30.00", 6),
                _deduction("1", b, sq.id, dt.date(2026, 4, 6), "30.00", 7),
                _deduction("1", b, sq.id, dt.date(2026, 5, 7), "30.00", 8),
            ]
        )
        db.session.add_all(
            [
                MonthlyReport(
                    village_id=qs.id,
                    agent_id=a,
                    year=2026,
                    month=10,
                    status="submitted",
                    figures={},
                    submitted_at=d(2026, 10, 31, 18),
                ),
                MonthlyReport(village_id=qs.id, agent_id=a, year=2026, month=11, status="draft", figures={}),
            ]
        )
        db.session.commit()
    return {"qs": world.village_a, "sq": world.village_b}


@pytest.fixture
def data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        return seed_dashboard_data(world)


def _township(app):
    from app.views.dashboard_pages import township_dashboard

    with app.test_request_context():
        return township_dashboard(TODAY)


# -- figures ---------------------------------------------------------------------------------
def test_township_figures_match_the_hand_computed_data_set(app, data):
    d = _township(app)
    rows = {r.village.code: r for r in d["rows"]}
    qs, sq = rows["QS"], rows["SQ"]

    m = qs.month
    assert (m.received, m.consult, m.proxy, m.open, m.overdue) == (6, 1, 5, 3, 2)
    assert (m.completed, m.completed_on_time, m.open_overdue_proxy) == (2, 1, 1)
    assert d["pct"](m.ontime_rate) == "33%"
    q = qs.quarter
    assert (q.received, q.open, q.overdue, q.completed, q.completed_on_time) == (7, 3, 2, 3, 2)
    assert d["pct"](q.ontime_rate) == "50%"
    assert (qs.now.open, qs.now.overdue, qs.now.due_soon) == (4, 2, 1)

    assert (qs.signin_month.signed, qs.signin_month.due, qs.signin_month.late) == (4, 19, 1)
    assert d["pct"](qs.signin_month.rate) == "21%"
    assert (qs.signin_quarter.signed, qs.signin_quarter.due) == (4, 37)
    assert (sq.signin_month.signed, sq.signin_month.due) == (0, 18)

    assert (qs.deductions_month.count, qs.deductions_month.amount) == (1, Decimal("50.00"))
    assert (qs.deductions_quarter.count, qs.deductions_quarter.amount) == (2, Decimal("60.00"))
    assert qs.deductions_quarter.by_code == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert sq.deductions_quarter.count == 0

    assert [c.ok for c in qs.reports["due"]] == [True]
    assert qs.reports["current"].label == "草稿"
    assert [(c.month, c.ok) for c in sq.reports["missing"]] == [(10, False)]
    assert qs.village.six_ones_met and not sq.village.six_ones_met

    assert qs.flag.warning and not qs.flag.dismiss
    assert sq.flag.dismiss

    assert (sq.month.received, d["pct"](sq.month.ontime_rate)) == (1, "100%")
    assert (d["total_month"].received, d["total_quarter"].received) == (7, 8)
    assert (d["open_now"], d["overdue_now"], d["due_soon_now"]) == (4, 2, 1)
    assert d["reports_prev_in"] == 1 and d["six_ones_met"] == 1
    assert [f.name for f in d["dismiss"]] == ["李明"] and [f.name for f in d["warnings"]] == ["王秀兰"]


def test_alerts_name_overdue_cases_missing_reports_strikes_and_the_calendar(app, data):
    texts = [a.text for a in _township(app)["alerts"]]
    joined = "\n".join(texts)
    assert "2027年工作日历尚未配置" in joined  # Q4 and 2027 unknown to chinesecalendar
    assert "超期未办结 2 件：青山村 2件" in joined
    assert "石桥村 10月汇总表未报送" in joined
    assert "青山村" not in [t for t in texts if "汇总表未报送" in t][0]
    assert any("李明" in t and "应予解聘" in t for t in texts)
    assert any("王秀兰" in t and "再发生1次将予以解聘" in t for t in texts)
    assert "临期（1个工作日内到期）1 件" in joined


def test_calendar_alert_for_this_year_and_next_year(app, world, monkeypatch):
    from app.views.dashboard_pages import calendar_alerts

    with app.test_request_context():
        assert calendar_alerts(dt.date(2026, 6, 1)) == []  # 2026 known, not yet Q4
        assert "2027年工作日历尚未配置" in calendar_alerts(dt.date(2026, 10, 1))[0].text
        now_2027 = calendar_alerts(dt.date(2027, 3, 1))
        assert [a.level for a in now_2027] == ["danger"] and "2027年" in now_2027[0].text
    with app.app_context():
        db.session.add(CalendarDay(day=dt.date(2027, 1, 1), is_workday=False, note="元旦"))
        db.session.commit()
    with app.test_request_context():
        # one date entered is not the year: the alert stays until it is confirmed complete
        assert "2027年工作日历尚未配置" in calendar_alerts(dt.date(2026, 11, 26))[0].text
    with app.app_context():
        db.session.add(CalendarYear(year=2027, complete=True, confirmed_by="赵敏"))
        db.session.commit()
    with app.test_request_context():
        assert calendar_alerts(dt.date(2026, 11, 26)) == []
        assert calendar_alerts(dt.date(2027, 11, 1))[0].text.startswith("2028年")


def test_dashboard_is_sql_aggregates_query_count_independent_of_case_count(app, data, world):
    """No per-row Python loops: 10× more cases, the same number of SQL statements."""
    from app.views.dashboard_pages import township_chart_data, township_dashboard

    def count_queries():
        n = 0

        def inc(*_args, **_kw):
            nonlocal n
            n += 1

        with app.test_request_context():
            event.listen(db.engine, "before_cursor_execute", inc)
            try:
                township_dashboard(TODAY)
                township_chart_data(TODAY)
            finally:
                event.remove(db.engine, "before_cursor_execute", inc)
        return n

    before = count_queries()
    with app.app_context(), unscoped():
        qs = db.session.get(Village, world.village_a)
        db.session.add_all(
            _case(
                100 + i,
                qs,
                world.agent_a,
                "proxy",
                dt.datetime(2026, 11, 1 + i % 25, 10),
                "accepted",
                dt.date(2026, 11, 30),
            )
            for i in range(90)
        )
        db.session.commit()
    assert count_queries() == before
    assert _township(app)["rows"][0].month.received == 96


# -- pages -----------------------------------------------------------------------------------
def test_township_home_shows_where_the_township_stands(login, data):
    for user in ("zhongxin", "jijian", "admin"):
        body = login(user).get("/").get_data(as_text=True)
        assert "全乡便民代办工作概况" in body, user
        assert "青山村" in body and "石桥村" in body
        assert "2027年工作日历尚未配置" in body
        assert "石桥村 10月汇总表未报送" in body
        assert "应予解聘" in body and "两次警示" in body
        assert "33%" in body and "50%" in body and "100%" in body
        assert "缺6项" in body and "达标" in body
        assert "/static/vendor/echarts/echarts.common.min.js" in body
        assert "/dashboard/data/township" in body


def test_village_users_see_only_their_village(login, data):
    for user in ("qs_shuji", "qs_daiban"):
        c = login(user)
        body = c.get("/").get_data(as_text=True)
        assert "青山村便民代办工作台" in body
        for marker in ("石桥村", "李明", "SQ2026-", "赵灵儿", "全乡便民代办工作概况"):
            assert marker not in body, (user, marker)
        assert c.get("/dashboard/village/SQ").status_code == 404
        assert c.get("/dashboard/data/village?code=SQ").status_code == 404
        assert c.get("/dashboard/village/QS").status_code == 200
        township = c.get("/dashboard/data/township").get_json()
        assert township["ontime"]["villages"] == ["青山村"]
        own = c.get("/dashboard/data/village").get_json()
        assert sum(own["trend"]["proxy"]) == 7  # QS: 8 cases in 12 months, one voided
        assert "石桥村" not in c.get("/dashboard/data/township").get_data(as_text=True)


def test_the_agent_sees_the_to_do_list_first(login, data):
    body = login("qs_daiban").get("/").get_data(as_text=True)
    todo, figures = body.index("待办事项"), body.index("按时办结率")
    assert todo < figures
    numbers = re.findall(r"QS2026-000\d", body[todo:figures])
    assert numbers[:4] == ["QS2026-0008", "QS2026-0003", "QS2026-0009", "QS2026-0004"]  # overdue, overdue, soon, rest
    section = body[todo:figures]
    assert section.count("超期</span>") == 2 and section.count("临期</span>") == 1
    assert "今天还没有签到" not in body  # signed at 09:00 today


def test_the_secretary_sees_figures_first_and_the_open_cases_below(login, data):
    body = login("qs_shuji").get("/").get_data(as_text=True)
    assert body.index("按时办结率") < body.index("待办事项")
    assert "两次警示" in body and "再发生1次将予以解聘" in body
    assert "柜台式服务窗口" in body


def test_township_drills_down_into_one_village(login, data):
    c = login("zhongxin")
    body = c.get("/dashboard/village/SQ").get_data(as_text=True)
    assert "石桥村便民代办工作台" in body and "返回全乡概况" in body
    assert "没有在办事项" in body and "QS2026-" not in body  # SQ has no open case; QS's are not listed
    assert c.get("/dashboard/village/XX").status_code == 404
    assert c.get("/dashboard/village/%E4%B8%AD").status_code == 404


def test_chart_data(login, data):
    j = login("zhongxin").get("/dashboard/data/township").get_json()
    assert j["trend"]["months"][-1] == "2026-11" and len(j["trend"]["months"]) == 12
    assert j["trend"]["months"][0] == "2025-12"
    assert j["trend"]["proxy"][-1] == 6 and j["trend"]["consult"][-1] == 1  # Nov: QS 5 + SQ 1 代办
    assert j["trend"]["proxy"][-3] == 1  # Sep: QS case 8
    assert j["ontime"]["villages"] == ["青山村", "石桥村"] and j["ontime"]["rates"] == [50.0, 100.0]
    assert {c["name"]: c["value"] for c in j["categories"]["items"]} == {
        "养老医疗保险": 4,
        "证明盖章/党团关系": 3,
        "未分类": 1,
    }
    v = login("zhongxin").get("/dashboard/data/village?code=qs").get_json()
    assert sum(v["trend"]["proxy"]) == 7


def test_chart_data_needs_login(client, data):
    assert client.get("/dashboard/data/township").status_code == 401
    assert client.get("/dashboard/village/QS").status_code in (302, 401)


def test_anonymous_visitors_get_the_landing_page(client, world):
    body = client.get("/").get_data(as_text=True)
    assert "工作人员登录" in body and 'href="/public/"' in body
    assert "全乡便民代办工作概况" not in body


def test_empty_township_renders(login, app, world, monkeypatch):
    freeze(monkeypatch, dt.datetime(2027, 1, 4, 9, 30))
    body = login("zhongxin").get("/").get_data(as_text=True)
    assert "全乡便民代办工作概况" in body and "2027年工作日历尚未配置" in body
    assert "—" in body
    body = login("qs_daiban").get("/").get_data(as_text=True)
    assert "没有在办事项" in body and "今天还没有签到" in body


def test_village_without_agent_is_flagged(login, app, data):
    with app.app_context(), unscoped():
        for a in db.session.query(Agent).filter(Agent.village_id == data["sq"]):
            a.status = "dismissed"
            a.dismissed_on = dt.date(2026, 11, 20)
            a.dismissal_reason = "三次不受理"
        db.session.commit()
    body = login("zhongxin").get("/").get_data(as_text=True)
    assert "暂无在岗代办员" in body and "石桥村" in body
