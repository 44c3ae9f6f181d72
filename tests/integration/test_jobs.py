"""Scheduled jobs (issue 14 §3): each job idempotent when run twice and when two runners start
at once, the database lock (busy, stale lock taken over), the run log, the reminder rules with
a pinned clock across month and year ends, the CLI and the in-process scheduler switch."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import JOBS, run_due, run_job
from app.jobs.registry import daily, job
from app.jobs.scheduler import scheduler_wanted, start_scheduler
from app.models import CalendarYear, Deduction, JobLock, JobRun, MonthlyReport, Notification
from tests.factories import case_row


@pytest.fixture
def reports_from(app):
    app.config["MONTHLY_REPORTS_FROM"] = "2026-10"
    return app


def _notes(app, **where) -> list[Notification]:
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        rows = db.session.execute(stmt).scalars().all()
        db.session.expunge_all()
        return rows


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def _run(app, name, when) -> str:
    with app.app_context():
        outcome = run_job(name, when)
    assert outcome.status == "ok", outcome
    return outcome.result


# --- 临期 / 超期 -------------------------------------------------------------------------------


def _cases(app, world):
    with app.app_context():
        soon = case_row(world.village_a, world.agent_a, "QS2026-0101", dt.datetime(2026, 11, 24, 9, 0))
        soon.due_on = dt.date(2026, 11, 27)
        late = case_row(world.village_a, world.agent_a, "QS2026-0102", dt.datetime(2026, 11, 18, 9, 0))
        late.due_on = dt.date(2026, 11, 23)
        later = case_row(world.village_b, world.agent_b, "SQ2026-0101", dt.datetime(2026, 11, 25, 9, 0))
        later.due_on = dt.date(2026, 12, 3)
        done = case_row(world.village_a, world.agent_a, "QS2026-0103", dt.datetime(2026, 11, 18, 9, 0))
        done.due_on, done.status = dt.date(2026, 11, 20), "completed"
        db.session.commit()
        return soon.id, late.id, later.id


def test_case_reminders_tell_the_agent_and_escalate_overdue_to_the_township(app, world, clock):
    soon_id, late_id, later_id = _cases(app, world)
    clock.set("2026-11-26 08:00")
    result = _run(app, "case-reminders", dt.datetime(2026, 11, 26, 8, 0))
    assert "新增提醒3条" in result
    agent = _notes(app, recipient_user_id=world.users["qs_daiban"])
    assert [(n.kind, n.about_id) for n in agent] == [("case_overdue", late_id), ("case_due_soon", soon_id)]
    assert "【已超期】QS2026-0102" in agent[0].text and "2026-11-23" in agent[0].text
    assert "【即将到期】QS2026-0101" in agent[1].text and "剩余不足1个工作日" in agent[1].text
    township = _notes(app, recipient_user_id=world.users["zhongxin"])
    assert [(n.kind, n.about_id) for n in township] == [("case_overdue_township", late_id)]
    assert "青山村" in township[0].text and "王秀兰" in township[0].text
    assert township[0].village_id == world.village_a
    assert _notes(app, recipient_user_id=world.users["sq_daiban"]) == []  # 12-03 is not due soon
    # the next day and a second run: nothing new (one notice per case and deadline)
    assert "新增提醒0条" in _run(app, "case-reminders", dt.datetime(2026, 11, 26, 8, 5))
    clock.set("2026-11-27 08:00")
    _run(app, "case-reminders", dt.datetime(2026, 11, 27, 8, 0))
    kinds = [n.kind for n in _notes(app, recipient_user_id=world.users["qs_daiban"])]
    assert kinds == ["case_overdue", "case_due_soon"]  # 0101 is due today: still “soon”, told once


def test_an_extension_is_a_new_deadline_and_a_new_reminder(app, world, clock):
    _soon, late_id, _later = _cases(app, world)
    clock.set("2026-11-26 08:00")
    _run(app, "case-reminders", dt.datetime(2026, 11, 26, 8, 0))
    with app.app_context():
        from app.models import Case

        db.session.get(Case, late_id).due_on = dt.date(2026, 11, 27)
        db.session.commit()
    _run(app, "case-reminders", dt.datetime(2026, 11, 26, 9, 0))
    about_late = [n.kind for n in _notes(app, recipient_user_id=world.users["qs_daiban"], about_id=late_id)]
    assert about_late == ["case_overdue", "case_due_soon"]


# --- 月汇总表 on the last two working days --------------------------------------------------------


def test_month_end_reminder_on_the_last_two_working_days_only(app, world, clock, reports_from):
    with app.app_context():
        db.session.add(
            MonthlyReport(
                village_id=world.village_b,
                year=2026,
                month=11,
                status="submitted",
                figures={},
                submitted_at=dt.datetime(2026, 11, 27, 9, 0),
            )
        )
        db.session.commit()
    for day, expected in (
        ("2026-11-26", 0),
        ("2026-11-27", 1),
        ("2026-11-28", 0),
        ("2026-11-30", 1),
        ("2026-11-30", 0),
    ):
        clock.set(f"{day} 08:30")
        result = _run(app, "report-reminders", dt.datetime.fromisoformat(f"{day} 08:30"))
        assert (f"新增月汇总表报送提醒{expected}条" in result) or (expected == 0 and "无需提醒" in result), (
            day,
            result,
        )
    rows = _notes(app, kind="report_month_end")
    assert [n.recipient_user_id for n in rows] == [world.users["qs_daiban"]] * 2  # 石桥村 has reported
    assert "本月最后一个工作日起可报送" in rows[0].text and "2026-11-30" in rows[0].text
    assert "今天是本月最后一个工作日" in rows[1].text and "没有情况也须报空表" in rows[1].text


def test_month_end_reminder_across_the_year_end(app, world, clock, reports_from):
    for day in ("2026-12-30", "2026-12-31", "2027-01-01"):
        clock.set(f"{day} 08:30")
        _run(app, "report-reminders", dt.datetime.fromisoformat(f"{day} 08:30"))
    rows = _notes(app, kind="report_month_end", recipient_user_id=world.users["qs_daiban"])
    assert len(rows) == 2 and all("12月汇总表" in n.text for n in rows)
    assert "报送期限为2026-12-31" in rows[1].text


# --- ④ -----------------------------------------------------------------------------------------


def test_settle_reports_is_idempotent_and_tells_the_village(app, world, clock, reports_from):
    clock.set("2026-11-03 00:30")  # October's report was due Monday 11-02 (10-31 is a Saturday)
    first = _run(app, "settle-reports", dt.datetime(2026, 11, 3, 0, 30))
    assert "新增扣款④ 2笔" in first
    second = _run(app, "settle-reports", dt.datetime(2026, 11, 3, 0, 35))
    assert "新增扣款④ 0笔" in second and "提醒0条" in second
    assert _count(app, Deduction, Deduction.code == "4") == 2
    told = _notes(app, kind="report_deduction", recipient_user_id=world.users["qs_daiban"])
    assert len(told) == 1 and "青山村 2026年10月汇总表未按时报送" in told[0].text
    assert len(_notes(app, kind="report_deduction", recipient_user_id=world.users["zhongxin"])) == 2


def test_a_village_name_shared_by_two_townships_tells_each_its_own(app, world, county, clock, reports_from):
    """Names are unique only within a township: the ④ reminder finds its village by id."""
    from app.models import BmUser, Village

    with app.app_context():
        db.session.get(Village, world.village_b).name = "青山村"  # 演示镇's own 青山村
        db.session.commit()
    clock.set("2026-11-03 00:30")
    assert "新增扣款④ 2笔" in _run(app, "settle-reports", dt.datetime(2026, 11, 3, 0, 30))
    for agent_user, village_id in (("qs_daiban", world.village_a), ("sq_daiban", world.village_b)):
        told = _notes(app, kind="report_deduction", recipient_user_id=world.users[agent_user])
        assert [n.village_id for n in told] == [village_id], agent_user
    with app.app_context():
        b_staff = db.session.execute(select(BmUser.id).where(BmUser.username == "b_zhongxin")).scalar()
    assert [n.village_id for n in _notes(app, kind="report_deduction", recipient_user_id=b_staff)] == [world.village_b]
    assert [n.village_id for n in _notes(app, kind="report_deduction", recipient_user_id=world.users["zhongxin"])] == [
        world.village_a
    ]


def test_settle_reports_before_the_due_day_does_nothing(app, world, clock, reports_from):
    clock.set("2026-11-02 22:00")
    assert "新增扣款④ 0笔" in _run(app, "settle-reports", dt.datetime(2026, 11, 2, 22, 0))
    assert _count(app, Deduction) == 0


# --- strikes -------------------------------------------------------------------------------------


def _strikes(app, world, n: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + n):
            db.session.add(
                Deduction(
                    code="3",
                    agent_id=world.agent_a,
                    village_id=world.village_a,
                    year=2026,
                    month=10,
                    occurred_on=dt.date(2026, 10, 5 + i),
                    amount=Decimal("50.00"),
                    source_type="inspection",
                    source_id=1000 + i,
                )
            )
        db.session.commit()


def test_strike_alerts_warn_at_two_and_call_for_dismissal_at_three(app, world, clock):
    clock.set("2026-11-26 07:30")
    _strikes(app, world, 2)
    assert "新增提醒2条" in _run(app, "strike-alerts", dt.datetime(2026, 11, 26, 7, 30))
    assert "新增提醒0条" in _run(app, "strike-alerts", dt.datetime(2026, 11, 26, 7, 35))
    for user in ("zhongxin", "jijian"):
        rows = _notes(app, recipient_user_id=world.users[user])
        assert [n.kind for n in rows] == ["strike_warning"]
        assert "【考核警告】青山村 代办员王秀兰" in rows[0].text and "再发生1次将予以解聘" in rows[0].text
    assert _notes(app, recipient_user_id=world.users["qs_daiban"]) == []
    _strikes(app, world, 1, start=2)
    _run(app, "strike-alerts", dt.datetime(2026, 11, 27, 7, 30))
    rows = _notes(app, recipient_user_id=world.users["jijian"])
    assert [n.kind for n in rows] == ["strike_warning", "strike_dismiss"]
    assert "【应予解聘】" in rows[1].text and "已累计3次" in rows[1].text


# --- December: next year's calendar --------------------------------------------------------------


def test_calendar_reminder_in_december_weekly_until_configured(app, world, clock):
    for day in ("2026-11-30", "2026-12-01", "2026-12-04", "2026-12-07"):
        clock.set(f"{day} 09:00")
        _run(app, "calendar-check", dt.datetime.fromisoformat(f"{day} 09:00"))
    rows = _notes(app, kind="calendar_next_year", recipient_user_id=world.users["zhongxin"])
    assert len(rows) == 2  # the week of 12-01 and the week of 12-07
    assert "2027年的工作日历" in rows[0].text and "尚未配置" in rows[0].text
    assert len(_notes(app, kind="calendar_next_year", recipient_user_id=world.users["admin"])) == 2
    assert _notes(app, kind="calendar_next_year", recipient_user_id=world.users["qs_daiban"]) == []
    with app.app_context():
        db.session.add(CalendarYear(year=2027, complete=True))
        db.session.commit()
    clock.set("2026-12-14 09:00")
    assert "无需提醒" in _run(app, "calendar-check", dt.datetime(2026, 12, 14, 9, 0))
    clock.set("2027-01-04 09:00")
    assert "无需提醒" in _run(app, "calendar-check", dt.datetime(2027, 1, 4, 9, 0))


# --- every job twice, and two runners at once ------------------------------------------------------


def _snapshot(app) -> tuple:
    with app.app_context():
        notes = db.session.execute(select(Notification.dedupe_key).order_by(Notification.dedupe_key)).scalars().all()
        deductions = db.session.execute(select(func.count(Deduction.id))).scalar()
        return tuple(notes), deductions


def _busy_world(app, world):
    _cases(app, world)
    _strikes(app, world, 3)


@pytest.mark.parametrize(
    "name",
    [
        "settle-reports",
        "case-reminders",
        "report-reminders",
        "strike-alerts",
        "calendar-check",
        "deliver",
        "bad-ratings",
    ],
)
def test_every_job_is_idempotent_when_run_twice(app, world, clock, reports_from, name):
    _busy_world(app, world)
    clock.set("2026-12-31 08:00")
    when = dt.datetime(2026, 12, 31, 8, 0)
    _run(app, name, when)
    once = _snapshot(app)
    _run(app, name, when)
    assert _snapshot(app) == once


def _in_threads(app, target, n: int = 2) -> list:
    barrier = threading.Barrier(n)
    out: list = [None] * n
    errors: list = []

    def work(i):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                out[i] = target()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return out


@pytest.mark.parametrize("name", ["settle-reports", "case-reminders", "strike-alerts", "calendar-check", "bad-ratings"])
def test_two_runners_at_once_do_the_work_once(app, world, clock, reports_from, name):
    _busy_world(app, world)
    clock.set("2026-12-01 08:00")
    when = dt.datetime(2026, 12, 1, 8, 0)
    outcomes = _in_threads(app, lambda: run_job(name, when))
    assert {o.status for o in outcomes} <= {"ok", "busy"} and "ok" in {o.status for o in outcomes}
    together = _snapshot(app)
    _run(app, name, when)
    assert _snapshot(app) == together  # nothing was missed, nothing doubled
    assert _count(app, JobLock) == 0


@pytest.fixture
def slow_job(app):
    started, release = threading.Event(), threading.Event()
    calls = []

    @job("test-slow", schedule=daily("06:00"), title="测试")
    def slow(now):
        calls.append(now)
        started.set()
        assert release.wait(timeout=20)
        return "慢任务完成"

    yield started, release, calls
    JOBS.pop("test-slow", None)


def test_the_lock_keeps_a_second_runner_out_while_the_first_runs(app, world, slow_job):
    started, release, calls = slow_job
    results = {}

    def first():
        with app.app_context():
            results["first"] = run_job("test-slow")
            db.session.remove()

    t = threading.Thread(target=first)
    t.start()
    assert started.wait(timeout=20)
    with app.app_context():
        results["second"] = run_job("test-slow")
    release.set()
    t.join(timeout=30)
    assert results["second"].status == "busy" and results["first"].status == "ok"
    assert len(calls) == 1
    with app.app_context():
        runs = db.session.execute(
            select(JobRun.status, JobRun.result).where(JobRun.name == "test-slow").order_by(JobRun.id)
        ).all()
    assert sorted(r[0] for r in runs) == ["busy", "ok"]
    assert ("ok", "慢任务完成") in [tuple(r) for r in runs]
    assert _count(app, JobLock) == 0


def test_a_stale_lock_expires_and_a_live_one_holds(app, world, clock, slow_job):
    started, release, calls = slow_job
    release.set()
    clock.set("2026-11-26 10:00")
    with app.app_context():
        db.session.add(
            JobLock(
                name="test-slow",
                owner="dead-runner",
                acquired_at=dt.datetime(2026, 11, 26, 9, 0),
                expires_at=dt.datetime(2026, 11, 26, 9, 30),
            )
        )
        db.session.add(
            JobLock(
                name="case-reminders",
                owner="live-runner",
                acquired_at=dt.datetime(2026, 11, 26, 9, 55),
                expires_at=dt.datetime(2026, 11, 26, 10, 25),
            )
        )
        db.session.commit()
        assert run_job("test-slow").status == "ok"
        assert run_job("case-reminders").status == "busy"
        assert db.session.execute(select(JobLock.owner)).scalars().all() == ["live-runner"]
    assert len(calls) == 1


def test_a_failing_job_is_logged_and_the_others_still_run(app, world, clock):
    @job("test-broken", schedule=daily("06:00"), title="测试")
    def broken(now):
        raise RuntimeError("出错了")

    try:
        clock.set("2026-11-26 10:00")
        with app.app_context():
            outcomes = {o.name: o for o in run_due()}
            assert outcomes["test-broken"].status == "failed"
            assert "RuntimeError: 出错了" in outcomes["test-broken"].error
            assert {o.status for n, o in outcomes.items() if n != "test-broken"} == {"ok"}
            run = db.session.execute(select(JobRun).where(JobRun.name == "test-broken")).scalar_one()
            assert run.status == "failed" and run.finished_at is not None and "出错了" in run.error
            assert db.session.execute(select(func.count(JobLock.name))).scalar() == 0
    finally:
        JOBS.pop("test-broken", None)


def test_run_due_runs_each_job_once_per_slot(app, world, clock):
    clock.set("2026-11-26 08:10")
    with app.app_context():
        first = {o.name for o in run_due()}
        assert {"settle-reports", "case-reminders", "strike-alerts", "deliver"} <= first
        clock.set("2026-11-26 08:20", tick=False)
        # bad-ratings' 08:15 slot has come; the 08:30 and 09:00 jobs ran at 08:10 for yesterday's slot
        assert {o.name for o in run_due()} == {"deliver", "bad-ratings"}
        clock.set("2026-11-26 08:31", tick=False)
        assert {o.name for o in run_due()} == {"deliver", "report-reminders"}
        clock.set("2026-11-27 00:31", tick=False)
        assert "settle-reports" in {o.name for o in run_due()}


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_lists_and_runs_jobs(app, world, runner, clock):
    clock.set("2026-11-26 08:10")
    out = runner.invoke(args=["jobs", "list"]).output
    assert "case-reminders\t每天 08:00\t临期、超期事项提醒\t从未运行" in out
    assert "deliver\t每 1 分钟" in out
    result = runner.invoke(args=["jobs", "run", "case-reminders"])
    assert result.exit_code == 0 and "case-reminders：完成（检查临期、超期事项0件，新增提醒0条）" in result.output
    assert "完成" in runner.invoke(args=["jobs", "list"]).output.split("case-reminders")[1].splitlines()[0]
    result = runner.invoke(args=["jobs", "run", "nope"])
    assert result.exit_code != 0 and "没有名为“nope”的定时任务" in result.output
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "settle-reports：完成" in result.output and "case-reminders" not in result.output


# --- the in-process scheduler ---------------------------------------------------------------------


def test_scheduler_is_off_under_tests_and_with_jobs_in_process_0():
    testing = Flask("t")
    testing.config.update(TESTING=True, JOBS_IN_PROCESS=True)
    assert not scheduler_wanted(testing) and start_scheduler(testing) is None
    off = Flask("t")
    off.config.update(TESTING=False, JOBS_IN_PROCESS=False)
    assert start_scheduler(off) is None


def test_scheduler_starts_with_jobs_in_process_and_ticks_run_due(app, world, clock, monkeypatch):
    served = Flask("served")
    served.config.update(TESTING=False, JOBS_IN_PROCESS=True, JOBS_TICK_SECONDS=60, TIMEZONE="Asia/Shanghai")
    scheduler = start_scheduler(served, first_run_in=3600)
    try:
        assert scheduler is not None and scheduler.running
        (tick,) = scheduler.get_jobs()
        assert tick.id == "bm-jobs-tick" and tick.trigger.interval == dt.timedelta(seconds=60)
    finally:
        scheduler.shutdown(wait=False)
    # one tick, as the scheduler thread runs it: what is due runs, logged as trigger “scheduler”
    from app.jobs.scheduler import tick as run_tick

    clock.set("2026-11-26 08:10")
    run_tick(app)
    with app.app_context():
        triggers = set(db.session.execute(select(JobRun.trigger)).scalars())
    assert triggers == {"scheduler"}


def test_the_run_log_keeps_jobs_log_keep_days(app, world, clock):
    app.config["JOBS_LOG_KEEP_DAYS"] = 30
    with app.app_context():
        for name, day in (("case-reminders", 1), ("case-reminders", 51), ("deliver", 1)):
            start = dt.datetime(2026, 10, 1, 8, 0) + dt.timedelta(days=day - 1)
            db.session.add(JobRun(name=name, owner="x", started_at=start, status="ok"))
        db.session.commit()
    clock.set("2026-11-26 10:00")
    _run(app, "case-reminders", dt.datetime(2026, 11, 26, 10, 0))
    with app.app_context():
        kept = db.session.execute(select(JobRun.name, JobRun.started_at).order_by(JobRun.id)).all()
    assert [(n, s.date()) for n, s in kept] == [
        ("case-reminders", dt.date(2026, 11, 20)),
        ("deliver", dt.date(2026, 10, 1)),
        ("case-reminders", dt.date(2026, 11, 26)),
    ]


def test_a_quiet_minute_of_deliver_leaves_no_log_row(app, world, clock):
    clock.set("2026-11-26 10:00")
    assert _run(app, "deliver", dt.datetime(2026, 11, 26, 10, 0)) == ""
    assert _count(app, JobRun) == 0
    with app.app_context():
        db.session.add(
            Notification(
                dedupe_key="k",
                event_key="e",
                kind="case_overdue",
                recipient_address="QS",
                text="x",
                channel="wecom",
                status="pending",
                created_at=dt.datetime(2026, 11, 26, 9, 0),
                next_attempt_at=dt.datetime(2026, 11, 26, 9, 0),
            )
        )
        db.session.commit()
    assert "放弃0条" in _run(app, "deliver", dt.datetime(2026, 11, 26, 10, 1))  # no robot configured: a retry
    assert _count(app, JobRun) == 1


# --- 系统 → 定时任务 (Admin) ------------------------------------------------------------------------


def test_admin_sees_the_jobs_page_and_runs_one(app, world, login, clock):
    clock.set("2026-11-26 10:00")
    with app.app_context():
        from app.services.notifications import Notice, notify

        app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/none"
        db.session.add(
            Notification(
                dedupe_key="k1",
                event_key="e1",
                kind="case_completed",
                recipient_address="13973112345",
                village_id=world.village_a,
                text="已办结",
                channel="sms",
                status="pending",
                attempts=2,
                last_error="HTTP 500",
                created_at=dt.datetime(2026, 11, 26, 9, 0),
                next_attempt_at=dt.datetime(2026, 11, 26, 11, 0),
            )
        )
        db.session.commit()
        notify(Notice("case_overdue", "e2", "x"), [], now=dt.datetime(2026, 11, 26, 9, 0))
    c = login("admin")
    body = c.get("/jobs/").get_data(as_text=True)
    assert "定时任务" in body and "临期、超期事项提醒" in body and "每天 08:00" in body and "从未运行" in body
    assert "139****2345" in body and "13973112345" not in body and "HTTP 500" in body
    r = c.post("/jobs/run/case-reminders", follow_redirects=True)
    assert "case-reminders：完成" in r.get_data(as_text=True)
    assert c.post("/jobs/run/nope").status_code == 404
    for username in ("zhongxin", "qs_daiban"):
        other = login(username)
        assert other.get("/jobs/").status_code in (302, 403)
        assert other.post("/jobs/run/case-reminders").status_code in (302, 403)
    with app.app_context():
        assert [r.trigger for r in db.session.execute(select(JobRun)).scalars()] == ["manual"]


def test_month_end_reminder_respects_the_go_live_month(app, world, clock):
    app.config["MONTHLY_REPORTS_FROM"] = "2026-12"
    clock.set("2026-11-30 08:30")
    assert "早于月汇总表启用月份" in _run(app, "report-reminders", dt.datetime(2026, 11, 30, 8, 30))
    app.config["MONTHLY_REPORTS_FROM"] = ""  # a new installation: no report yet, reminded anyway
    assert "提醒2条" in _run(app, "report-reminders", dt.datetime(2026, 11, 30, 8, 31))  # both villages
