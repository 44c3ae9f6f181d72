"""The monthly aggregate (issue 11) against a recomputation from the cases and sign-ins.

Two references: a plain-Python count of every (village, month) straight from the rows (the
definitions of ``app/models/stats.py``), and the dashboard's own live queries
(``live_case_figures`` …), which every screen used before the aggregate. Random cases in many
villages and months — backdated, moved, closed late, voided, re-categorised in bulk, bulk
inserted — and sign-ins and calendar changes; "today" on month, quarter and year ends.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import (
    CalendarDay,
    Case,
    ServiceCategory,
    SignIn,
    TownshipMonthCategoryStats,
    TownshipMonthStats,
    Village,
    VillageMonthCategoryStats,
    VillageMonthStats,
)
from app.models.case import OPEN_STATUSES
from app.models.stats import CASE_COUNTS, NO_CATEGORY
from app.policy.intake import registered_same_day
from app.policy.periods import Period, month_bounds
from app.security import unscoped
from app.services import dashboard, reports
from app.services.calendar import work_calendar
from tests.factories import make_village

STATUSES = ("registered", "accepted", "verifying", "submitted", "completed", "rejected", "answered", "voided")
FIRST_DAY = dt.date(2025, 11, 20)  # across a year end, two quarter ends and month ends
DAYS = 460
TODAYS = [dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2026, 9, 30), dt.date(2027, 1, 2)]


# --------------------------------------------------------------------------------------
# The reference: straight from the rows
# --------------------------------------------------------------------------------------
def reference() -> tuple[dict, dict]:
    """(village, year, month) → month figures; (village, year, month, category) → counts."""
    cal = work_calendar()
    months: dict = defaultdict(lambda: defaultdict(int))
    cats: dict = defaultdict(lambda: defaultdict(int))
    for c in db.session.execute(select(Case)).unique().scalars():
        if c.status == "voided":
            continue
        key = (c.village_id, c.received_at.year, c.received_at.month)
        last = month_bounds(*key[1:])[1]
        is_open = c.status in OPEN_STATUSES
        proxy = c.kind == "proxy"
        got = {
            "received": 1,
            "consult": c.kind == "consult",
            "proxy": proxy,
            "open": is_open,
            "closed_late": bool(c.closed_late),
            "overdue_month_end": bool(c.closed_late) or (is_open and c.due_on is not None and c.due_on < last),
            "completed": proxy and c.status == "completed",
            "on_time": proxy and c.status == "completed" and not c.closed_late,
            "rejected": proxy and c.status == "rejected",
            "submitted": proxy and c.status in ("submitted", "completed"),
        }
        for k, v in got.items():
            months[key][k] += int(v)
            cats[(*key, c.category_id)][k] += int(v)
        if not registered_same_day(c.received_at, c.registered_at, cal):
            months[key]["late_entry"] += 1
        if c.payment_paid is not None:
            months[key]["paid_count"] += 1
            months[key]["paid_received"] += c.payment_received or Decimal("0")
            months[key]["paid_paid"] += c.payment_paid
    days: dict = defaultdict(bool)
    for s in db.session.execute(select(SignIn)).unique().scalars():
        if cal.is_workday(s.day):
            days[(s.village_id, s.day)] |= bool(s.late)
    for (vid, day), late in days.items():
        months[(vid, day.year, day.month)]["signin_days"] += 1
        months[(vid, day.year, day.month)]["signin_late_days"] += int(late)
    return months, cats


MONTH_FIELDS = (
    *CASE_COUNTS,
    "late_entry",
    "paid_count",
    "paid_received",
    "paid_paid",
    "signin_days",
    "signin_late_days",
)


def stored() -> tuple[dict, dict]:
    months, cats = {}, defaultdict(lambda: defaultdict(int))
    for r in db.session.execute(select(VillageMonthStats)).scalars():
        months[(r.village_id, r.year, r.month)] = {k: getattr(r, k) for k in MONTH_FIELDS}
    for r in db.session.execute(select(VillageMonthCategoryStats)).scalars():
        for k in CASE_COUNTS:
            cats[(r.village_id, r.year, r.month, r.category_id)][k] += getattr(r, k)
    return months, cats


def township_stored() -> tuple[dict, dict]:
    """The townships' sums as stored: (township, year, month[, category]) → figures, rows and
    figures of nothing left out (a month emptied by a change keeps a row of zeros)."""
    months, cats = {}, {}
    for r in db.session.execute(select(TownshipMonthStats)).scalars():
        months[(r.township_id, r.year, r.month)] = {k: getattr(r, k) for k in MONTH_FIELDS}
    for r in db.session.execute(select(TownshipMonthCategoryStats)).scalars():
        key = (r.township_id, r.year, r.month, None if r.category_key == NO_CATEGORY else r.category_key)
        cats[key] = {k: getattr(r, k) for k in CASE_COUNTS}
    return _nonzero(months), _nonzero(cats)


def by_township(rows: dict) -> dict:
    """Village rows ((village, year, month[, category]) → figures) summed per township."""
    township_of = dict(db.session.execute(select(Village.id, Village.township_id)).all())
    out: dict = defaultdict(lambda: defaultdict(int))
    for (vid, *rest), figures in rows.items():
        for k, v in figures.items():
            out[(township_of[vid], *rest)][k] += v
    return {k: dict(v) for k, v in out.items()}


def _nonzero(d: dict) -> dict:
    return {k: {f: v for f, v in row.items() if v} for k, row in d.items() if any(row.values())}


def assert_matches_reference() -> None:
    """The villages' rows are the recomputation from the cases, and the townships' sums are
    the sums of the villages' rows."""
    with unscoped():
        db.session.expire_all()
        want_m, want_c = reference()
        got_m, got_c = stored()
        got_tm, got_tc = township_stored()
        want_tm, want_tc = by_township(want_m), by_township(want_c)
    assert _nonzero(got_m) == _nonzero({k: dict(v) for k, v in want_m.items()})
    assert _nonzero({k: dict(v) for k, v in got_c.items()}) == _nonzero({k: dict(v) for k, v in want_c.items()})
    assert _nonzero(got_tm) == _nonzero(want_tm)
    assert _nonzero(got_tc) == _nonzero(want_tc)


def assert_screens_match_live(app, village_ids: list[int]) -> None:
    """Every figure the screens read equals the same figure counted from the cases."""
    with app.test_request_context(), unscoped():
        for today in TODAYS:
            month, quarter = Period.month(today.year, today.month), Period.containing("quarter", today)
            previous = quarter.previous()
            for period in (month, quarter, previous, previous.previous()):
                assert dashboard.case_figures(period, today) == dashboard.live_case_figures(period, today), period
                assert dashboard.categories(period, today=today) == dashboard.live_categories(period)
                hired = dict.fromkeys(village_ids)
                assert dashboard.signin_figures(period, today, hired) == dashboard.live_signin_figures(
                    period, today, hired
                )
            assert dashboard.trend(today) == dashboard.live_trend(today)
            live = dashboard.live_case_figures(quarter, today)
            want = [(v, live[v.id].ontime_rate if v.id in live else None) for v in dashboard.village_names()]
            assert dashboard.ontime_by_village(quarter, today) == want
            rated = sorted(((v, r) for v, r in want if r is not None), key=lambda vr: vr[1])
            assert dashboard.lowest_ontime(quarter, today, 2) == rated[:2]
            for vid in village_ids:
                assert dashboard.trend(today, vid) == dashboard.live_trend(today, vid)
                keys = [(y, m) for y, m in previous.months() + quarter.months()]
                got, want = dashboard.month_figures(vid, keys, today), dashboard.live_month_figures(vid, keys, today)
                for k in keys:  # 未当日登记 is not a monthly publication figure (live: not counted)
                    got[k].late_entry = 0
                assert got == want
                assert dashboard.public_categories(previous, vid, today) == dashboard.live_public_categories(
                    previous, vid
                )
                now = dt.datetime.combine(today, dt.time(9))
                for y, m in previous.months():
                    assert reports.generate_figures(vid, y, m, now) == reports.live_figures(vid, y, m, now)


# --------------------------------------------------------------------------------------
# Random histories
# --------------------------------------------------------------------------------------
@pytest.fixture
def places(app, world):
    with app.app_context(), unscoped():
        extra = make_village("河口村", "HK")
        agent = None  # a village without an agent in post still has its cases counted
        cats = [ServiceCategory(code="01", name="养老医疗保险"), ServiceCategory(code="02", name="户籍证照")]
        db.session.add_all(cats)
        db.session.commit()
        return {
            "villages": [world.village_a, world.village_b, extra.id],
            "agents": {world.village_a: world.agent_a, world.village_b: world.agent_b, extra.id: agent},
            "categories": [None, cats[0].id, cats[1].id],
        }


case_spec = st.fixed_dictionaries(
    {
        "village": st.integers(0, 2),
        "day": st.integers(0, DAYS),
        "hour": st.integers(0, 23),
        "kind": st.sampled_from(("consult", "proxy")),
        "status": st.sampled_from(STATUSES),
        "closed_late": st.booleans(),
        "due": st.one_of(st.none(), st.integers(-5, 40)),
        "category": st.integers(0, 2),
        "registered_after": st.sampled_from((0, 0, 1, 2, 4)),
        "paid": st.one_of(st.none(), st.integers(1, 300)),
    }
)
edit_spec = st.fixed_dictionaries(
    {
        "which": st.integers(0, 10_000),
        "shift_days": st.integers(-70, 70),  # backdated or moved on: another month, even year
        "status": st.sampled_from(STATUSES),
        "village": st.one_of(st.none(), st.integers(0, 2)),
        "closed_late": st.booleans(),
    }
)
signin_spec = st.tuples(st.integers(0, 1), st.integers(0, DAYS), st.booleans())
calendar_spec = st.tuples(st.integers(0, DAYS), st.booleans())

_serial = iter(range(1, 10**9))


def _case(places, spec) -> Case:
    vid = places["villages"][spec["village"]]
    received = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=spec["day"]), dt.time(spec["hour"]))
    due = received.date() + dt.timedelta(days=spec["due"]) if spec["due"] is not None else None
    return Case(
        case_number=f"T{next(_serial):09d}",
        village_id=vid,
        agent_id=places["agents"][vid],
        kind=spec["kind"],
        applicant_name="张大爷",
        channel="visit",
        received_at=received,
        registered_at=received + dt.timedelta(days=spec["registered_after"]),
        voluntary_confirmed=True,
        status=spec["status"],
        closed_late=spec["closed_late"],
        due_on=due,
        category_id=places["categories"][spec["category"]],
        payment_received=Decimal(spec["paid"] or 0) + Decimal("0.50") if spec["paid"] else None,
        payment_paid=Decimal(spec["paid"]) if spec["paid"] else None,
    )


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example is a whole history
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    new=st.lists(case_spec, min_size=1, max_size=25),
    edits=st.lists(edit_spec, max_size=8),
    signins=st.lists(signin_spec, max_size=12),
    calendar=st.lists(calendar_spec, max_size=2),
)
def test_the_aggregate_is_the_recomputation_from_the_rows(app, world, places, new, edits, signins, calendar):
    with app.app_context(), unscoped():
        db.session.add_all(_case(places, spec) for spec in new)
        db.session.commit()
        ids = db.session.execute(select(Case.id).order_by(Case.id)).scalars().all()
        for e in edits:  # one commit per edit: a person correcting a case later
            c = db.session.get(Case, ids[e["which"] % len(ids)])
            c.received_at = c.received_at + dt.timedelta(days=e["shift_days"])
            c.status = e["status"]
            c.closed_late = e["closed_late"]
            if e["village"] is not None:
                c.village_id = places["villages"][e["village"]]
            db.session.commit()
        agents = [world.agent_a, world.agent_b]
        villages = [world.village_a, world.village_b]
        for who, day, late in signins:
            d = FIRST_DAY + dt.timedelta(days=day)
            if db.session.execute(select(SignIn.id).where(SignIn.agent_id == agents[who], SignIn.day == d)).first():
                continue
            db.session.add(
                SignIn(agent_id=agents[who], village_id=villages[who], day=d, late=late, signed_at=dt.datetime.now())
            )
        db.session.commit()
        for day, is_workday in calendar:
            d = FIRST_DAY + dt.timedelta(days=day)
            row = db.session.execute(select(CalendarDay).where(CalendarDay.day == d)).scalar_one_or_none()
            if row is None:
                db.session.add(CalendarDay(day=d, is_workday=is_workday, note="调休"))
            else:
                row.is_workday = is_workday
            db.session.commit()
    with app.app_context():
        assert_matches_reference()
    assert_screens_match_live(app, places["villages"])


# --------------------------------------------------------------------------------------
# The paths around the services
# --------------------------------------------------------------------------------------
def _row(vid: int, y: int, m: int) -> VillageMonthStats | None:
    db.session.expire_all()
    return db.session.execute(
        select(VillageMonthStats).where(
            VillageMonthStats.village_id == vid, VillageMonthStats.year == y, VillageMonthStats.month == m
        )
    ).scalar_one_or_none()


def _spec(**kw) -> dict:
    base = {
        "village": 0,
        "day": 20,
        "hour": 10,
        "kind": "proxy",
        "status": "accepted",
        "closed_late": False,
        "due": 3,
        "category": 1,
        "registered_after": 0,
        "paid": None,
    }
    return {**base, **kw}


def test_a_backdated_case_moves_between_closed_months(app, places):
    with app.app_context(), unscoped():
        c = _case(places, _spec(day=20))  # 2025-12-10
        db.session.add(c)
        db.session.commit()
        vid = c.village_id
        assert _row(vid, 2025, 12).received == 1
        c.received_at = dt.datetime(2025, 11, 28, 9)  # backdated into November
        db.session.commit()
        assert _row(vid, 2025, 12) is None
        assert (_row(vid, 2025, 11).received, _row(vid, 2025, 11).proxy) == (1, 1)
        c.status = "voided"
        db.session.commit()
        assert _row(vid, 2025, 11) is None


def test_a_rolled_back_change_leaves_the_aggregate(app, places):
    with app.app_context(), unscoped():
        db.session.add(_case(places, _spec()))
        db.session.commit()
        vid = places["villages"][0]
        db.session.add(_case(places, _spec()))
        db.session.flush()
        db.session.rollback()
        assert _row(vid, 2025, 12).received == 1


def test_bulk_inserts_and_bulk_updates_are_counted(app, places):
    vid = places["villages"][1]
    with app.app_context(), unscoped():
        rows = []
        for n in range(5):
            c = _case(places, _spec(village=1, day=60 + n, category=0))
            rows.append(
                {
                    col.key: getattr(c, col.key)
                    for col in Case.__table__.columns
                    if col.key not in ("id", "rating_token")
                }
            )
            rows[-1].update(version=1, materials_received=[], fee=Decimal("0"), urgent=False, ledger_incomplete=False)
            rows[-1].update(created_at=dt.datetime(2026, 1, 1), updated_at=dt.datetime(2026, 1, 1))
        db.session.connection().execute(insert(Case.__table__), rows)  # Core, as seeds.demo_cases does
        db.session.commit()
        assert _row(vid, 2026, 1).received == 5
        # the catalog moving an item to another category: an ORM bulk UPDATE
        db.session.execute(update(Case).where(Case.village_id == vid).values(category_id=places["categories"][2]))
        db.session.commit()
        cat = db.session.execute(
            select(VillageMonthCategoryStats.category_id, VillageMonthCategoryStats.received).where(
                VillageMonthCategoryStats.village_id == vid
            )
        ).all()
        assert cat == [(places["categories"][2], 5)]
        sign_in = {"agent_id": places["agents"][vid], "village_id": vid, "day": dt.date(2026, 1, 5), "late": True}
        db.session.execute(insert(SignIn), [{**sign_in, "signed_at": dt.datetime(2026, 1, 5, 9)}])  # ORM bulk
        db.session.commit()
        assert (_row(vid, 2026, 1).signin_days, _row(vid, 2026, 1).signin_late_days) == (1, 1)
    assert_matches_reference_in(app)


def assert_matches_reference_in(app) -> None:
    with app.app_context():
        assert_matches_reference()


def test_a_calendar_change_recounts_the_sign_in_days(app, world, places):
    day = dt.date(2026, 1, 10)  # a Saturday: no sign-in day until it is made a working day
    with app.app_context(), unscoped():
        db.session.add(
            SignIn(agent_id=world.agent_a, village_id=world.village_a, day=day, signed_at=dt.datetime(2026, 1, 10, 8))
        )
        db.session.commit()
        assert _row(world.village_a, 2026, 1) is None or _row(world.village_a, 2026, 1).signin_days == 0
        db.session.add(CalendarDay(day=day, is_workday=True, note="调休上班"))
        db.session.commit()
        assert _row(world.village_a, 2026, 1).signin_days == 1


def test_rebuild_command_gives_the_same_rows(app, runner, places):
    with app.app_context(), unscoped():
        db.session.add_all(_case(places, _spec(day=d, village=d % 3)) for d in range(0, 400, 7))
        db.session.commit()
        before = stored()[0], township_stored()[0]
        assert before[1]
    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "月度统计已重建：全部村，全部月份" in result.output
    with app.app_context():
        assert (stored()[0], township_stored()[0]) == before
    result = runner.invoke(args=["stats", "rebuild", "--village", "QS", "--from", "2026-03"])
    assert result.exit_code == 0 and "青山村" in result.output
    with app.app_context():
        assert (stored()[0], township_stored()[0]) == before
    bad = runner.invoke(args=["stats", "rebuild", "--village", "XX"])
    assert bad.exit_code != 0 and "没有村代码为 XX 的村" in bad.output
    bad = runner.invoke(args=["stats", "rebuild", "--from", "2026-13"])
    assert bad.exit_code != 0 and "月" in bad.output


def test_a_rebuild_in_batches_of_villages_and_years_gives_the_same_rows(app, places, monkeypatch):
    """``rebuild_connection`` recomputes REBUILD_VILLAGES villages and twelve months at a time:
    villages whose months start and end apart, batches of two, windows that cut through
    every village's span — the rows are those kept case by case; so are a rebuild of some
    villages (``village_ids``) and one from a month on."""
    from app.services import stats as stats_service

    monkeypatch.setattr(stats_service, "REBUILD_VILLAGES", 2)
    with app.app_context(), unscoped():
        db.session.add_all(
            _case(places, _spec(day=d, village=d // 9 % 3)) for d in range(0, 450, 9) if d // 9 % 3 or d > 90
        )
        db.session.commit()
        before = stored(), township_stored()
        assert len({k[0] for k in before[0][0]}) == 3
        conn = db.session.connection()
        assert stats_service.rebuild_connection(conn) > 24
        db.session.commit()
        assert (stored(), township_stored()) == before
        some = places["villages"][1:]
        stats_service.rebuild_connection(db.session.connection(), first=(2026, 4), village_ids=some)
        db.session.commit()
        assert (stored(), township_stored()) == before
        assert stats_service.rebuild_connection(db.session.connection(), village_ids=[]) == 0


def test_village_users_read_only_their_own_rows(app, places, world):
    from app.security import scoped_to

    with app.app_context():
        with unscoped():
            db.session.add_all(_case(places, _spec(village=v)) for v in (0, 1, 2))
            db.session.commit()
        with scoped_to(world.village_a):
            seen = db.session.execute(select(VillageMonthStats.village_id)).scalars().all()
            assert set(seen) == {world.village_a}
            seen = db.session.execute(select(VillageMonthCategoryStats.village_id)).scalars().all()
            assert set(seen) == {world.village_a}


def test_counts_of_a_village(app, places):
    """The stored months of one hand-made history (青山村, December 2025)."""
    with app.app_context(), unscoped():
        specs = [
            _spec(day=12, status="completed"),  # 12-02 on time
            _spec(day=13, status="completed", closed_late=True),  # late
            _spec(day=14, status="accepted", due=-1),  # open, due before the month's end
            _spec(day=15, kind="consult", status="answered", category=0, registered_after=4),  # entered late
            _spec(day=16, status="rejected", paid=100),
            _spec(day=17, status="voided"),
        ]
        db.session.add_all(_case(places, s) for s in specs)
        db.session.commit()
        r = _row(places["villages"][0], 2025, 12)
        assert (r.received, r.consult, r.proxy, r.open) == (5, 1, 4, 1)
        assert (r.completed, r.on_time, r.closed_late, r.overdue_month_end, r.rejected) == (2, 1, 1, 2, 1)
        assert (r.late_entry, r.paid_count, r.paid_received, r.paid_paid) == (
            1,
            1,
            Decimal("100.50"),
            Decimal("100.00"),
        )
    with app.app_context():
        assert db.session.execute(select(Village.code).order_by(Village.code)).scalars().all() == ["HK", "QS", "SQ"]


# --------------------------------------------------------------------------------------
# The township's table in a big township, and who sees it
# --------------------------------------------------------------------------------------
@pytest.fixture
def small_table(app, monkeypatch):
    """Two villages count as a big township: problems first, the full table a page away
    (today: Thursday 2026-11-26, as in the dashboard's hand-computed data set)."""
    from tests.integration.test_dashboard import freeze

    freeze(monkeypatch)
    monkeypatch.setitem(app.config, "DASHBOARD_FULL_TABLE_VILLAGES", 1)


def test_the_township_sees_problem_villages_first_and_all_one_click_away(login, app, world, small_table):
    from tests.integration.test_dashboard import seed_dashboard_data

    with app.app_context():
        seed_dashboard_data(world)
    c = login("zhongxin")
    body = c.get("/").get_data(as_text=True)
    assert "需关注的村" in body and "查看全部2个村" in body and "/dashboard/villages" in body
    # both have a problem: 青山村 overdue cases and two strikes, 石桥村 October's report and 应予解聘
    assert body.index('data-village="SQ"') < body.index('data-village="QS"')  # 应予解聘 first
    page = c.get("/dashboard/villages").get_data(as_text=True)
    assert "全部2个村" in page and "第1/1页" in page
    assert 'data-village="QS"' in page and 'data-village="SQ"' in page
    assert "签到4天 / 应签19天，迟到1天" in page and "33%" in page  # the same figures as the home page
    assert c.get("/dashboard/villages?page=abc").status_code == 200  # bad input: the first page


def test_a_village_user_sees_only_their_own_row_on_the_full_table(login, app, world, small_table):
    from tests.integration.test_dashboard import seed_dashboard_data

    with app.app_context():
        seed_dashboard_data(world)
    for user in ("qs_shuji", "qs_daiban"):
        page = login(user).get("/dashboard/villages")
        text = page.get_data(as_text=True)
        if page.status_code == 200:
            assert 'data-village="QS"' in text
        for marker in ("石桥村", 'data-village="SQ"', "李明"):
            assert marker not in text, (user, marker)


def test_problem_villages_order():
    from types import SimpleNamespace as NS

    from app.views.dashboard_pages import problem_villages

    def status(code, overdue=0, missing=0, dismiss=False, warning=False, agent=True):
        flag = NS(dismiss=dismiss, warning=warning) if (dismiss or warning) else None
        return NS(
            code=code,
            now=NS(overdue=overdue),
            reports={"missing": [1] * missing},
            flag=flag,
            agent=object() if agent else None,
        )

    statuses = [status("A"), status("B", overdue=1), status("C", overdue=5), status("D", dismiss=True)]
    statuses += [status("E", missing=1), status("F", agent=False), status("G", warning=True)]
    assert [v.code for v in problem_villages(statuses)] == ["D", "C", "B", "E", "G", "F"]


def test_the_first_screen_lists_the_most_urgent_problems(login, app, world, small_table, monkeypatch):
    from tests.integration.test_dashboard import seed_dashboard_data

    monkeypatch.setitem(app.config, "DASHBOARD_PROBLEM_ROWS", 1)
    with app.app_context():
        seed_dashboard_data(world)
    c = login("zhongxin")
    body = c.get("/").get_data(as_text=True)
    assert "暂缺代办员的村：2个，按紧急程度列出前1个" in body
    assert (
        'data-village="SQ"' in body
        and 'data-village="QS"' not in body.split("bm-village-table")[1].split("</table>")[0]
    )
    assert "查看全部需关注的村" in body
    page = c.get("/dashboard/villages?problems=1").get_data(as_text=True)
    assert page.index('data-village="SQ"') < page.index('data-village="QS"')


# --------------------------------------------------------------------------------------
# The townships' sums
# --------------------------------------------------------------------------------------
def test_a_village_moved_to_another_township_takes_its_months_along(app, places, world, county):
    """``county`` moved 石桥村 to 演示镇 before any case; here 河口村 moves there with its
    cases, then back, a case added in the same transaction as the second move."""
    extra = places["villages"][2]
    with app.app_context(), unscoped():
        db.session.add_all(_case(places, _spec(village=v, day=d)) for v in (0, 1, 2) for d in (5, 40, 90))
        db.session.commit()
        assert_matches_reference()
        village = db.session.get(Village, extra)
        home = village.township_id
        village.township_id = county.township_b
        db.session.commit()
        assert_matches_reference()
        assert {k[0] for k in township_stored()[0]} == {county.township_a, county.township_b}
        village = db.session.get(Village, extra)
        db.session.add(_case(places, _spec(village=2, day=41)))
        village.township_id = home
        db.session.commit()
    assert_matches_reference_in(app)


def test_each_reads_only_the_sums_of_their_own_township(app, places, world, county):
    from app.security import scoped_to, scoped_to_township

    with app.app_context():
        with unscoped():
            db.session.add_all(_case(places, _spec(village=v)) for v in (0, 1, 2))
            db.session.commit()
        with scoped_to_township(county.township_b):
            seen = db.session.execute(select(TownshipMonthStats.township_id)).scalars().all()
            assert set(seen) == {county.township_b}
            seen = db.session.execute(select(TownshipMonthCategoryStats.township_id)).scalars().all()
            assert set(seen) == {county.township_b}
        with scoped_to(world.village_a):  # a village user: their village's rows, no township's
            assert db.session.execute(select(TownshipMonthStats.id)).first() is None
            assert db.session.execute(select(TownshipMonthCategoryStats.id)).first() is None


def test_the_township_screens_read_the_sums_and_count_active_villages_only(app, places, world):
    """The township's totals are the sums less the inactive villages' rows: a village closed
    down keeps its history in the sums (the trend) but leaves the totals of active villages."""
    from app.security import scoped_to_township

    today = dt.date(2025, 12, 31)
    month, quarter = Period.month(2025, 12), Period.containing("quarter", today)
    with app.app_context():
        with unscoped():
            db.session.add_all(_case(places, _spec(village=v, day=d)) for v in (0, 1, 2) for d in (15, 20, 25))
            db.session.commit()
            township = db.session.get(Village, world.village_a).township_id
            db.session.get(Village, places["villages"][2]).active = False
            db.session.commit()
        with app.test_request_context(), scoped_to_township(township):
            totals = dashboard.township_case_totals([month, quarter], today)
            live = dashboard.live_case_figures(quarter, today)
            active = [world.village_a, world.village_b]
            assert totals[1].received == sum(live[v].received for v in active) == 6
            assert totals[1] == _added(live[v] for v in active)
            assert dashboard.trend(today) == dashboard.live_trend(today)
            assert sum(dashboard.trend(today).proxy) == 9  # the inactive village's history stays


def _added(figures) -> dashboard.CaseFigures:
    out = dashboard.CaseFigures()
    for f in figures:
        out.add(f)
    return out


def test_concurrent_registrations_in_the_villages_of_one_township_add_up(app, places):
    """Threads, each its own session, commit cases into the three villages of one township in
    the same month at once: every transaction adds its difference to the same township rows
    (PostgreSQL: their row locks; SQLite: one writer at a time). On PostgreSQL two of them
    insert into the same village at once, each holding the key-share lock the insert takes on
    the village's row: a recomputation's ``FOR UPDATE`` of that row deadlocked here (2 of 2
    runs); ``FOR NO KEY UPDATE`` does not wait for it."""
    import threading

    threads, per_thread = 6, 4
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def register(n: int) -> None:
        try:
            with app.app_context(), unscoped():
                start.wait()
                for i in range(per_thread):
                    db.session.add(_case(places, _spec(village=(n + i) % 3, day=20 + i % 2, category=i % 3)))
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=register, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context(), unscoped():
        months, _ = township_stored()
        assert sum(row.get("received", 0) for row in months.values()) == threads * per_thread
    assert_matches_reference_in(app)
