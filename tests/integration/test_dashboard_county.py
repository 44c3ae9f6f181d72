"""The township's first screen in a county-sized township (issue 11): where every village
stands is read for all of them, the full figures only for the rows on screen — and no figure
on screen changes for it (against the same screen with every village's row)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Village
from app.security import unscoped
from tests.factories import case_row, make_village
from tests.integration.test_dashboard import TODAY, freeze, seed_dashboard_data

SCREEN_FIGURES = (
    "open_now",
    "overdue_now",
    "due_soon_now",
    "villages",
    "six_ones_met",
    "reports_prev_in",
    "prev_month",
    "problems",
)


@pytest.fixture
def data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        return seed_dashboard_data(world)


def _screen(app, *, full_up_to: int, rows: int = 20, period=None) -> dict:
    from app.views.dashboard_pages import township_dashboard

    app.config["DASHBOARD_FULL_TABLE_VILLAGES"] = full_up_to
    app.config["DASHBOARD_PROBLEM_ROWS"] = rows
    with app.test_request_context():
        return township_dashboard(TODAY, period)


def _row(r) -> tuple:
    """What a village's row shows (its ORM objects belong to the request that read them)."""
    missing = [(c.year, c.month) for c in r.reports["missing"]]
    flag = (r.flag.dismiss, r.flag.warning, r.flag.messages) if r.flag else None
    figures = (r.month, r.quarter, r.now, r.signin_month, r.signin_quarter, r.deductions_month, r.deductions_quarter)
    return (r.village.code, r.agent.name if r.agent else None, *figures, missing, flag)


def _figures(d: dict) -> dict:
    out = {k: d[k] for k in SCREEN_FIGURES if k != "problems"}
    out["total_month"], out["total_quarter"] = d["total_month"], d["total_quarter"]
    out["alerts"] = [a.text for a in d["alerts"]]
    out["dismiss"] = [f.name for f in d["dismiss"]]
    out["warnings"] = [f.name for f in d["warnings"]]
    return out


def test_the_first_screen_of_a_big_township_shows_the_same_figures_as_the_full_table(app, data):
    full = _screen(app, full_up_to=30)
    big = _screen(app, full_up_to=1, rows=1)
    assert full["table_full"] and len(full["table_rows"]) == 2
    assert not big["table_full"] and [r.village.code for r in big["table_rows"]] == ["SQ"]  # 应予解聘 first
    assert big["problems"] == 2
    assert _figures(big) == _figures(full)
    # the one row shown is the very row of the full table
    (sq,) = big["table_rows"]
    assert _row(sq) == next(_row(r) for r in full["table_rows"] if r.village.code == "SQ")


def test_the_totals_are_the_sum_of_the_active_villages_rows(app, data, world):
    from app.services.dashboard import CaseFigures, village_rows

    with app.app_context(), unscoped():
        gone = make_village("旧村", "JC")
        case_row(gone.id, None, "JC2026-0001", dt.datetime(2026, 11, 3, 9, 0))
        db.session.get(Village, gone.id).active = False
        db.session.commit()
    d = _screen(app, full_up_to=1, rows=1)
    with app.test_request_context():
        rows, _, _ = village_rows(TODAY)
    total_m, total_q = CaseFigures(), CaseFigures()
    for r in rows:
        total_m.add(r.month)
        total_q.add(r.quarter)
    assert [r.village.code for r in rows] == ["QS", "SQ"]  # an inactive village has no row …
    assert (d["total_month"], d["total_quarter"]) == (total_m, total_q)  # … and is not in the totals
    assert d["total_month"].received == 7 and d["villages"] == 2


def test_a_past_quarter_shows_the_same_figures_either_way(app, data):
    from app.policy.periods import Period

    q3 = Period.quarter(2026, 3)
    assert _figures(_screen(app, full_up_to=1, rows=1, period=q3)) == _figures(_screen(app, full_up_to=30, period=q3))


def test_the_full_tables_page_counts_its_villages_only_with_the_same_figures(app, data, login):
    from app.views.dashboard_pages import TABLE_PAGE, village_table_page

    app.config["DASHBOARD_FULL_TABLE_VILLAGES"] = 1
    full = _screen(app, full_up_to=30)
    with app.test_request_context():
        page = village_table_page(1)
        problems = village_table_page(1, problems_only=True)
    assert [_row(r) for r in page["table_rows"]] == [_row(r) for r in full["table_rows"]]
    assert page["pages"] == 1 and TABLE_PAGE == 50
    assert [r.village.code for r in problems["table_rows"]] == ["SQ", "QS"]


def _queries(app) -> int:
    from app.views.dashboard_pages import township_dashboard

    n = 0

    def count(*_a, **_k):
        nonlocal n
        n += 1

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            township_dashboard(TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return n


def test_the_number_of_statements_does_not_grow_with_the_villages(app, data, world):
    app.config["DASHBOARD_FULL_TABLE_VILLAGES"] = 1
    before = _queries(app)
    with app.app_context(), unscoped():
        for i in range(6):
            code = "X" + "ABCDEF"[i]
            v = make_village(f"新村{i}", code)
            case_row(v.id, None, f"{code}2026-0001", dt.datetime(2026, 11, 20, 9, 0), due_on=dt.date(2026, 11, 24))
    assert _queries(app) == before
    d = _screen(app, full_up_to=1, rows=3)
    assert d["villages"] == 8 and len(d["table_rows"]) == 3 and d["problems"] == 8  # 6 without an agent
    assert d["overdue_now"] == 2 + 6


def _status(name: str, overdue: int = 0, due_soon: int = 0):
    return NS(id=hash(name), name=name, now=NS(overdue=overdue, due_soon=due_soon), reports={"missing": []},
              agent=object(), flag=None)  # fmt: skip


def test_an_alert_names_ten_villages_most_cases_first_then_says_how_many(app):
    from app.views.dashboard_pages import ALERT_NAMES, alerts

    few = [_status("甲村", 1), _status("乙村", 2)]
    many = [_status(f"村{i:02d}", overdue=1 + (i == 11) * 5 + (i == 7) * 2) for i in range(12)]
    with app.test_request_context():
        (one,) = [a.text for a in alerts(few, TODAY, []) if "超期" in a.text]
        (two,) = [a.text for a in alerts(many, TODAY, []) if "超期" in a.text]
    assert one == "超期未办结 3 件：甲村 1件、乙村 2件"  # a few villages: all, in village order
    assert ALERT_NAMES == 10
    assert two.startswith("超期未办结 19 件：村11 6件、村07 3件、村00 1件、")
    assert two.count("件、") == 9 and two.endswith("村06 1件、村08 1件等12个村")  # ties: village order


def test_the_village_users_screen_is_unchanged(app, data, login):
    """A village user's first screen is their village's dashboard; its alerts come from its row."""
    body = login("qs_daiban").get("/").get_data(as_text=True)
    assert "超期未办结 2 件" in body and "石桥村" not in body


def test_a_big_townships_on_time_chart_shows_the_lowest_rates_first(app, data, login):
    c = login("zhongxin")
    app.config["DASHBOARD_FULL_TABLE_VILLAGES"] = 30
    every = c.get("/dashboard/data/township").get_json()["ontime"]
    assert every["villages"] == ["青山村", "石桥村"] and every["rates"] == [50.0, 100.0]  # village order
    app.config["DASHBOARD_FULL_TABLE_VILLAGES"] = 1
    app.config["DASHBOARD_PROBLEM_ROWS"] = 1
    lowest = c.get("/dashboard/data/township").get_json()["ontime"]
    assert lowest["villages"] == ["青山村"] and lowest["rates"] == [50.0]
    assert lowest["title"] == "2026年第四季度按时办结率最低的1个村"
    assert "按时办结率最低的1个村（本季）" in c.get("/").get_data(as_text=True)


def test_the_lowest_rates_are_ranked_by_the_database_as_sorting_every_villages_rate(app, world):
    """``lowest_ontime`` against sorting ``ontime_by_village``: a village with nothing decided
    has no rate and no bar, past-due 代办 cases count as decided and late, ties keep village
    order, and the limit cuts."""
    from app.services import dashboard

    today = dt.date(2026, 11, 20)
    quarter = dashboard.quarter_period(today)
    received = dt.datetime(2026, 10, 12, 9)
    done = {"status": "completed", "closed_late": False}
    plans = {  # code: (on time, completed late, open past due)
        "PA": (9, 1, 0),  # 0.9
        "PB": (0, 0, 0),  # a consultation only: nothing decided
        "PC": (1, 1, 0),  # 0.5
        "PD": (9, 1, 0),  # 0.9, after PA (village order)
        "PE": (0, 0, 2),  # 0.0: past their deadline, still open
    }
    with app.app_context(), unscoped():
        for i, (code, (on_time, late, past_due)) in enumerate(plans.items()):
            vid = make_village(f"排名{i}村", code).id
            rows = [case_row(vid, None, f"{code}-{k}", received, save=False, **done) for k in range(on_time)]
            rows += [
                case_row(vid, None, f"{code}-L{k}", received, save=False, status="completed", closed_late=True)
                for k in range(late)
            ]
            rows += [case_row(vid, None, f"{code}-P{k}", received, save=False) for k in range(past_due)]
            rows.append(case_row(vid, None, f"{code}-Z", received, save=False, kind="consult", status="answered"))
            db.session.add_all(rows)
        db.session.commit()
    with app.test_request_context():
        rated = [(v, r) for v, r in dashboard.ontime_by_village(quarter, today) if r is not None]
        want = sorted(rated, key=lambda vr: vr[1])
        for limit in (1, 3, 10):
            assert dashboard.lowest_ontime(quarter, today, limit) == want[:limit]
        got = dashboard.lowest_ontime(quarter, today, 4)
        assert [(v.code, r) for v, r in got if v.code in plans] == [("PE", 0.0), ("PC", 0.5), ("PA", 0.9), ("PD", 0.9)]
