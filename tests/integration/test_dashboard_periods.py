"""Past periods on the dashboards (issue 15 §3): ``?period=2026-09`` / ``2026Q3`` / ``2025`` —
figures equal to a recount from the cases, bad and future periods refused in Chinese, village
scoping through the period URLs, and the 年度统计 export read back with openpyxl.

“Today” is Thursday 2026-11-26. Cases lie in every month from January 2025 to November 2026,
in both villages, in every state (open past their deadline, closed late, voided …).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Case, Deduction, MonthlyReport, SignIn
from app.policy import PolicyViolation
from app.policy.intake import registered_same_day
from app.policy.periods import Period, parse_period
from app.security import unscoped
from app.services.calendar import work_calendar
from app.services.dashboard import CaseFigures
from tests.factories import case_row

pytestmark = pytest.mark.dates

TODAY = dt.date(2026, 11, 26)
STATES = ("completed", "completed", "accepted", "submitted", "rejected", "answered", "voided", "completed")


@pytest.fixture
def today(clock):
    clock.set(f"{TODAY.isoformat()} 10:00")
    return TODAY


def _seed(world, start: int = 0) -> None:
    """About 170 cases over 23 months, sign-ins, deductions and monthly reports (case numbers
    from ``n`` + 1)."""
    rows, n = [], start
    for vid, aid, code in ((world.village_a, world.agent_a, "QS"), (world.village_b, world.agent_b, "SQ")):
        for month_index in range(23):  # 2025-01 … 2026-11
            year, month = 2025 + month_index // 12, month_index % 12 + 1
            for i in range(3 + (month_index + len(code) + (vid % 2)) % 3 + (1 if code == "QS" else 0)):
                n += 1
                received = dt.datetime(year, month, 1 + (i * 7 + month_index) % 27, 9 + i % 7)
                status = STATES[(n + month_index) % len(STATES)]
                kind = "consult" if status == "answered" else "proxy"
                due = received.date() + dt.timedelta(days=2 + (n % 9))
                late = status == "completed" and n % 4 == 0
                registered = received + dt.timedelta(days=2 if n % 11 == 0 else 0, hours=1)
                rows.append(
                    case_row(
                        vid,
                        aid,
                        f"{code}{year}-{n:04d}",
                        received,
                        save=False,
                        kind=kind,
                        status=status,
                        due_on=None if kind == "consult" else due,
                        closed_late=late,
                        closed_at=received + dt.timedelta(days=3) if status in ("completed", "rejected") else None,
                        registered_at=registered,
                        voluntary_confirmed=kind == "proxy",
                    )
                )
            day = dt.date(year, month, 3 + month_index % 5 + (10 if start else 0))
            rows.append(
                SignIn(
                    agent_id=aid,
                    village_id=vid,
                    day=day,
                    signed_at=dt.datetime.combine(day, dt.time(8, 40)),
                    late=month_index % 3 == 0,
                )
            )
    if start == 0:  # one deduction; one report per village and month
        rows.append(
            Deduction(
                code="3", agent_id=world.agent_a, village_id=world.village_a, year=2026, month=9,
                occurred_on=dt.date(2026, 9, 8), amount=Decimal("50"), source_type="inspection", source_id=1,
                description="督查时不在岗",
            )
        )  # fmt: skip
        rows.append(
            MonthlyReport(
                village_id=world.village_a,
                agent_id=world.agent_a,
                year=2026,
                month=9,
                status="submitted",
                submitted_at=dt.datetime(2026, 10, 3, 9),
            )
        )
    with unscoped():
        db.session.add_all(rows)
        db.session.commit()


@pytest.fixture
def data(app, world, today):
    with app.app_context():
        _seed(world)
    return world


def recount(period: Period, today: dt.date) -> dict[int, CaseFigures]:
    """The figures of ``period`` per village, counted case by case in Python (the definitions
    of the dashboards' footnotes), not through any aggregate or SQL sum."""
    cal = work_calendar()
    out: dict[int, CaseFigures] = defaultdict(CaseFigures)
    with unscoped():
        for c in db.session.execute(select(Case)).unique().scalars():
            if c.status == "voided" or not (period.first <= c.received_at.date() <= period.last):
                continue
            f = out[c.village_id]
            proxy = c.kind == "proxy"
            is_open = c.status in ("registered", "accepted", "verifying", "submitted")
            past_due = is_open and c.due_on is not None and c.due_on < today
            f.received += 1
            f.consult += c.kind == "consult"
            f.proxy += proxy
            f.open += is_open
            f.overdue += bool(c.closed_late) or past_due
            f.completed += proxy and c.status == "completed"
            f.completed_on_time += proxy and c.status == "completed" and not c.closed_late
            f.open_overdue_proxy += proxy and past_due
            f.rejected += proxy and c.status == "rejected"
            f.late_entry += not registered_same_day(c.received_at, c.registered_at, cal)
    return dict(out)


def _township(app, period: Period | None):
    from app.views.dashboard_pages import township_dashboard

    with app.test_request_context():
        return township_dashboard(TODAY, period)


# -- the policy's parser ---------------------------------------------------------------------
def test_parse_period_reads_months_quarters_and_years():
    assert parse_period("2026-09") == Period.month(2026, 9)
    assert parse_period("2026年9月") == Period.month(2026, 9)
    assert parse_period("2026Q3") == Period.quarter(2026, 3)
    assert parse_period("2026年第三季度") == Period.quarter(2026, 3)
    assert parse_period(" 2025 ") == Period.year(2025)
    assert parse_period("2025年") == Period.year(2025)
    assert Period.year(2025).label == "2025年"
    assert Period.quarter(2026, 3).label == "2026年第三季度"
    assert [p.text for p in (Period.month(2026, 9), Period.quarter(2026, 3), Period.year(2025))] == [
        "2026-09",
        "2026Q3",
        "2025",
    ]
    assert Period.year(2025).next() == Period.year(2026) and Period.year(2025).previous() == Period.year(2024)
    assert Period.month(2026, 9).enclosing() == Period.quarter(2026, 3)
    assert Period.quarter(2026, 3).enclosing() == Period.year(2026) and Period.year(2026).enclosing() is None
    for bad in ("abc", "2026-13", "2026Q5", "26", "1899", "2026-09-01", ""):
        with pytest.raises(PolicyViolation) as exc:
            parse_period(bad)
        assert "期间格式应为" in str(exc.value.message)


# -- figures of past periods equal a recount ---------------------------------------------------
@pytest.mark.parametrize(
    "period",
    [Period.month(2026, 9), Period.month(2025, 2), Period.quarter(2026, 2), Period.quarter(2026, 4), Period.year(2025)],
    ids=lambda p: p.text,
)
def test_past_period_figures_equal_a_recount_from_the_cases(app, data, period):
    d = _township(app, period)
    want = recount_in(app, period)
    assert want, "the data set has cases in every period tested"
    got = {r.village.id: r.month for r in d["rows"]}
    for vid in got:
        assert got[vid] == want.get(vid, CaseFigures()), (period.text, vid)
    total = CaseFigures()
    for f in want.values():
        total.add(f)
    assert d["total_month"] == total
    # the enclosing period (a month's quarter, a quarter's year) is counted the same way
    outer = period.enclosing()
    if outer is None:
        assert d["quarter"] is None
    else:
        want_outer = recount_in(app, outer)
        assert {r.village.id: r.quarter for r in d["rows"]} == {vid: want_outer.get(vid, CaseFigures()) for vid in got}


def test_past_period_sign_ins_deductions_and_reports(app, data, world):
    d = _township(app, Period.month(2026, 9))
    qs = next(r for r in d["rows"] if r.village.id == world.village_a)
    sq = next(r for r in d["rows"] if r.village.id == world.village_b)
    with app.app_context():
        workdays = [x for x in range(1, 31) if work_calendar().is_workday(dt.date(2026, 9, x))]
    assert qs.signin_month.signed == 1 and qs.signin_month.due == len(workdays)
    assert (qs.deductions_month.count, qs.deductions_month.amount) == (1, Decimal("50.00"))
    assert qs.deductions_quarter.amount == Decimal("50.00") and sq.deductions_month.count == 0
    assert [(c.month, c.ok) for c in qs.reports["due"]] == [(9, True)] and qs.reports["current"] is None
    assert [(c.month, c.ok) for c in sq.reports["missing"]] == [(9, False)]
    assert d["reports_prev_in"] == 1


def test_chart_data_of_a_past_period(app, data, login):
    c = login("zhongxin")
    r = c.get("/dashboard/data/township?period=2025")
    assert r.status_code == 200
    j = r.get_json()
    assert j["period"] == "2025" and j["trend"]["months"] == [f"2025-{m:02d}" for m in range(1, 13)]
    want = recount_in(app, Period.month(2025, 3))
    got = j["trend"]["months"].index("2025-03")
    assert j["trend"]["consult"][got] + j["trend"]["proxy"][got] == sum(f.received for f in want.values())
    assert "2025年" in j["ontime"]["title"] and "2025年止12个月受理量" == j["labels"]["trend"]
    bad = c.get("/dashboard/data/township?period=2027")
    assert bad.status_code == 400 and "尚未开始" in bad.get_json()["message"]
    assert c.get("/dashboard/data/village?code=QS&period=nonsense").status_code == 400


# -- the pages ---------------------------------------------------------------------------------
def test_township_page_of_a_past_quarter_names_it_and_links_its_neighbours(app, data, login):
    c = login("zhongxin")
    html = c.get("/?period=2026Q3").get_data(as_text=True)
    assert "2026年第三季度" in html and "2026年第三季度受理" in html
    assert "period=2026Q2" in html and "period=2026Q4" in html  # 上一期 / 下一期
    assert "上一期" in html and "下一期" in html and "回到本期" in html
    assert "各村按时办结率（2026年第三季度）" in html
    assert "/dashboard/data/township?period=2026Q3" in html
    assert "/dashboard/village/QS?period=2026Q3" in html  # the drill-down keeps the period
    # a year: one slot only, no “next” into the future from the current year
    html = c.get("/?period=2026").get_data(as_text=True)
    assert "2026年受理" in html and "下一期" not in html
    # the default view is unchanged: this month and quarter, no “回到本期”
    html = c.get("/").get_data(as_text=True)
    assert "本月受理" in html and "回到本期" not in html and "本季按时办结率" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "期间格式应为"),
        ("abc", "期间格式应为"),
        ("2027", "2027年尚未开始"),
        ("2026-12", "2026年12月尚未开始"),
    ],
)
def test_bad_or_future_period_flashes_chinese_and_shows_the_current_one(app, data, login, text, message):
    c = login("zhongxin")
    for url in (f"/?period={text}", f"/dashboard/village/QS?period={text}", f"/dashboard/villages?period={text}"):
        r = c.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        assert message in html, url
        assert "2026年11月" in html and "回到本期" not in html


def test_village_user_reaches_only_their_village_through_period_urls(app, data, login, world):
    c = login("qs_shuji")
    assert c.get("/dashboard/village/SQ?period=2025").status_code == 404
    assert c.get("/dashboard/data/village?code=SQ&period=2025").status_code == 404
    html = c.get("/?period=2025").get_data(as_text=True)
    assert "青山村" in html and "石桥村" not in html and "2025年" in html
    own = c.get("/dashboard/village/QS?period=2025Q4")
    assert own.status_code == 200 and "石桥村" not in own.get_data(as_text=True)
    table = c.get("/dashboard/villages?period=2025").get_data(as_text=True)
    assert 'data-village="QS"' in table and 'data-village="SQ"' not in table
    j = c.get("/dashboard/data/township?period=2025").get_json()
    assert j["ontime"]["villages"] == ["青山村"]
    # the chart's year is QS's cases only (SQ has cases in 2025 too)
    year = recount_in(app, Period.year(2025))
    assert year[world.village_b].received > 0
    assert sum(j["trend"]["consult"]) + sum(j["trend"]["proxy"]) == year[world.village_a].received


def recount_in(app, period):
    with app.test_request_context():
        return recount(period, TODAY)


def test_period_pages_make_a_constant_number_of_queries(app, data, world):
    """A year costs the same number of statements with twice the cases."""
    from app.views.dashboard_pages import township_chart_data, township_dashboard

    def count(period):
        n = 0

        def inc(*_a, **_k):
            nonlocal n
            n += 1

        with app.test_request_context():
            event.listen(db.engine, "before_cursor_execute", inc)
            try:
                township_dashboard(TODAY, period)
                township_chart_data(TODAY, period)
            finally:
                event.remove(db.engine, "before_cursor_execute", inc)
        return n

    periods = [Period.year(2025), Period.quarter(2026, 3), Period.month(2026, 9)]
    before = [count(p) for p in periods]
    with app.app_context():
        _seed(world, 5000)  # twice the cases and sign-ins
    assert [count(p) for p in periods] == before


# -- 年度统计 ----------------------------------------------------------------------------------
def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


HEADERS = [
    "村名",
    "月份",
    "受理件数",
    "办结件数",
    "按时办结率",
    "当日受理率",
    "超期件数",
    "签到天数",
    "月报状态",
    "扣款金额",
]


def _body(ws) -> tuple[list[str], list[tuple]]:
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r and r[0] == "村名")
    return list(rows[at]), [r for r in rows[at + 1 :] if r and r[1] is not None and r[0] != "全部合计"]


def test_annual_export_per_village_and_month_with_totals(app, data, login, world):
    r = login("zhongxin").get("/export/annual?year=2026")
    assert r.status_code == 200 and "年度统计_2026年" in unquote(r.headers["Content-Disposition"])
    ws = _book(r.data)
    assert "2026年度统计表" in ws["A1"].value
    headers, body = _body(ws)
    assert headers[: len(HEADERS)] == HEADERS and "好评率" not in headers  # no ratings given
    qs = [row for row in body if row[0] == "青山村"]
    assert [row[1] for row in qs] == [f"{m}月" for m in range(1, 13)] + ["合计"]
    want = {m: recount_in(app, Period.month(2026, m)).get(world.village_a, CaseFigures()) for m in range(1, 12)}
    for m in range(1, 12):
        row = qs[m - 1]
        f = want[m]
        assert (row[2], row[3], row[6]) == (f.received, f.completed, f.overdue), m
        assert row[4] == (pytest.approx(f.ontime_rate) if f.ontime_rate is not None else None)
        with app.app_context():
            signed = work_calendar().is_workday(dt.date(2026, m, 3 + (m + 11) % 5))
        assert row[7] == int(signed)  # one sign-in a month (counted on a working day)
    assert qs[11][2] is None and qs[11][8] == "—"  # December has not begun
    assert qs[8][8] == "已报送" and qs[8][9] == 50  # September: report in, ① deduction
    assert qs[7][8] == "未填报"
    total = qs[12]
    assert total[2] == sum(f.received for f in want.values()) and total[9] == 50
    assert total[7] == sum(row[7] for row in qs[:11])
    year = recount_in(app, Period.year(2026))[world.village_a]
    assert total[6] == year.overdue and total[4] == pytest.approx(year.ontime_rate)
    assert total[8] == "已报送1/10"  # October's report is due by 11-26, November's not yet
    rows = [tuple(x) for x in ws.iter_rows(values_only=True)]
    grand = next(x for x in rows if x and x[0] == "全部合计")
    assert grand[2] == sum(f.received for f in recount_in(app, Period.year(2026)).values())


def test_annual_export_is_scoped_and_refuses_a_bad_year(app, data, login):
    c = login("qs_daiban")
    _, body = _body(_book(c.get("/export/annual?year=2025").data))
    assert {row[0] for row in body} == {"青山村"} and len(body) == 13
    bad = c.get("/export/annual?year=20x5", follow_redirects=True).get_data(as_text=True)
    assert "年份格式应为四位数字" in bad
    future = c.get("/export/annual?year=2030", follow_redirects=True).get_data(as_text=True)
    assert "2030年尚未开始" in future
    page = login("zhongxin").get("/export/").get_data(as_text=True)
    assert "年度统计" in page and 'name="year"' in page
    assert "/export/annual?year=2026" in login("zhongxin").get("/").get_data(as_text=True)


def test_annual_export_cli(app, data, runner, tmp_path):
    out = tmp_path / "a.xlsx"
    r = runner.invoke(args=["export", "annual", "--year", "2025", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "已导出 26 行" in r.output
    r = runner.invoke(args=["export", "annual", "--year", "2025", "--village", "SQ", "-o", str(out)])
    assert r.exit_code == 0 and "已导出 13 行" in r.output
    _, body = _body(openpyxl.load_workbook(out).active)
    assert {row[0] for row in body} == {"石桥村"}
    r = runner.invoke(args=["export", "monthly", "--year", "2025", "-o", str(out)])
    assert r.exit_code != 0 and "只用于年度统计" in r.output
