"""月汇总表 (政策第五条（一）4, SPEC §8): figures from the cases, 报空表, lock on submit,
return for correction as a recorded action, the township's “which villages have not
reported”, deduction ④ — by service, web page and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Deduction, MonthlyReport, MonthlyReportAction, ServiceCategory
from app.services import reports as rs
from app.services.errors import Conflict, ValidationFailed
from seeds.reference import ensure_catalog
from tests.factories import case_row

pytestmark = pytest.mark.dates


def add_case(
    world, n: int, category_code: str, received: dt.datetime, *, kind="proxy", status="accepted", village=None, **extra
):
    cat = db.session.execute(select(ServiceCategory).where(ServiceCategory.code == category_code)).scalar()
    village_id = village or world.village_a
    return case_row(
        village_id,
        world.agent_a if village_id == world.village_a else world.agent_b,
        f"QS2026-{n:04d}" if village_id == world.village_a else f"SQ2026-{n:04d}",
        received,
        kind=kind,
        category_id=cat.id,
        status=status,
        due_on=received.date() + dt.timedelta(days=5),
        **extra,
    )


def four():
    return [
        (d.code, d.amount, d.year, d.month, d.village_id)
        for d in db.session.execute(
            select(Deduction).where(Deduction.state == "active", Deduction.code == "4")
        ).scalars()
    ]


def test_figures_are_generated_from_the_cases_per_category(app, world):
    with app.app_context():
        ensure_catalog()
        sep = lambda d, h=10: dt.datetime(2026, 9, d, h)  # noqa: E731
        add_case(world, 1, "01", sep(2), status="completed", closed_late=False, submitted_at=sep(3))
        add_case(world, 2, "01", sep(3), status="completed", closed_late=True, submitted_at=sep(4))
        add_case(world, 3, "02", sep(4), status="submitted", submitted_at=sep(5))  # due 09-09: overdue by 30th
        add_case(world, 4, "05", sep(7), kind="consult", status="answered")
        add_case(world, 5, "02", sep(8), status="rejected")
        add_case(world, 6, "02", sep(9), status="voided")  # not counted
        add_case(world, 7, "01", dt.datetime(2026, 10, 1, 9))  # next month
        add_case(world, 8, "01", sep(10), village=world.village_b)  # other village
        f = rs.generate_figures(world.village_a, 2026, 9, now=dt.datetime(2026, 10, 20))
        assert len(f["rows"]) == 10  # the ten categories of 第四条, zeros included
        assert f["as_of"] == "2026-09-30"
        first = f["rows"][0]  # category 01 养老/医疗保险
        assert (first["accepted"], first["completed"], first["on_time"], first["overdue"]) == (2, 2, 1, 1)
        assert f["total"] == {
            "consult": 1,
            "accepted": 3,
            "rejected": 1,
            "submitted": 3,
            "completed": 2,
            "on_time": 1,
            "overdue": 2,
            "open": 1,
        }


def test_submit_freezes_figures_and_locks_the_report(app, world):
    with app.app_context():
        ensure_catalog()
        add_case(world, 1, "01", dt.datetime(2026, 10, 12, 10))
        now = dt.datetime(2026, 10, 30, 16, 0)
        r = rs.submit_report(
            {"village_id": world.village_a, "month": "2026-10", "hot_issues": "群众关心医保缴费时间"}, now=now
        )
        assert r.status == "submitted" and r.figures["total"]["accepted"] == 1 and r.submitted_at == now
        assert [a.action for a in r.actions] == ["submit"]
        add_case(world, 2, "01", dt.datetime(2026, 10, 13, 10))  # entered afterwards
        assert rs.figures_of(r)["total"]["accepted"] == 1  # frozen
        with pytest.raises(Conflict) as exc:
            rs.save_draft(
                {"village_id": world.village_a, "month": "2026-10", "hot_issues": "改", "version": r.version}, now=now
            )
        assert "已报送并锁定" in exc.value.message
        with pytest.raises(Conflict):
            rs.submit_report({"village_id": world.village_a, "month": "2026-10", "version": r.version}, now=now)
        with pytest.raises(ValidationFailed, match="version"):  # a write to an existing report names its version
            rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=now)
        # returned for correction: a recorded action, the report opens again
        rs.return_report(r, {"note": "热点问题请写具体", "version": r.version}, now=dt.datetime(2026, 11, 2, 9))
        assert r.status == "returned"
        rs.save_draft(
            {
                "village_id": world.village_a,
                "month": "2026-10",
                "hot_issues": "群众关心医保缴费截止时间和渠道",
                "version": r.version,
            },
            now=dt.datetime(2026, 11, 2, 10),
        )
        r = rs.submit_report(
            {"village_id": world.village_a, "month": "2026-10", "version": r.version}, now=dt.datetime(2026, 11, 2, 11)
        )
        assert r.figures["total"]["accepted"] == 2  # regenerated at resubmission
        assert r.submitted_at == now  # the first submission counts
        assert [(a.action, a.note) for a in r.actions] == [
            ("submit", None),
            ("return", "热点问题请写具体"),
            ("submit", None),
        ]
        assert four() == []  # first submitted on time: no ④
        with pytest.raises(ValidationFailed) as exc:
            rs.return_report(r, {"note": "", "version": r.version})
        assert "退回原因为必填项" in exc.value.message


def test_empty_month_report_is_recorded_as_such(app, world):
    with app.app_context():
        r = rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=dt.datetime(2026, 10, 31, 9))
        assert rs.is_empty(r.figures)
        assert r.actions[0].note == "报空表"


def test_late_report_costs_30_and_future_months_are_refused(app, world):
    with app.app_context():
        # September 2026 ends on Wednesday 09-30: a minute past midnight is late
        rs.submit_report({"village_id": world.village_a, "month": "2026-09"}, now=dt.datetime(2026, 10, 1, 0, 1))
        assert four() == [("4", Decimal("30.00"), 2026, 9, world.village_a)]
        # October ends on a Saturday: submitted on Monday 11-02 it is on time (民法典第二百零三条)
        r = rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=dt.datetime(2026, 11, 2, 17, 0))
        assert r.status == "submitted" and len(four()) == 1
        with pytest.raises(ValidationFailed) as exc:
            rs.submit_report({"village_id": world.village_a, "month": "2026-12"}, now=dt.datetime(2026, 11, 26, 9))
        assert "尚未开始" in exc.value.message
        with pytest.raises(ValidationFailed) as exc:
            rs.submit_report({"village_id": world.village_a, "month": "2026/13"}, now=dt.datetime(2026, 11, 26, 9))
        assert "月份格式" in exc.value.message


def row_counts() -> dict:
    return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar() for t in db.metadata.sorted_tables}


def test_status_page_shows_missing_villages_and_writes_nothing(app, login, world, clock):
    clock.set("2026-11-10 10:00")
    with app.app_context():
        # reports started in October: village A reported October on time, B did not
        rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=dt.datetime(2026, 10, 30, 9))
    c = login("zhongxin")
    with app.app_context():
        before = row_counts()
    html = c.get("/monthlyreport/status?month=2026-10").get_data(as_text=True)
    assert "各村月汇总表报送情况" in html and "逾期未报送" in html and "按时报送" in html
    assert "2026-11-02" in html  # 10-31 is a Saturday: due the next working day
    assert "扣款④尚待核定：石桥村" in html and "待核定" in html
    c.get("/monthlyreport/status")
    with app.app_context():
        assert row_counts() == before  # a GET writes nothing
        assert four() == []
    # the township's explicit action (a POST) settles it; again: no second deduction
    r = c.post("/monthlyreport/status?month=2026-10", follow_redirects=True)
    assert "未按时报送，已扣除当月补助（④）：石桥村" in r.get_data(as_text=True)
    r = c.post("/monthlyreport/status?month=2026-10", follow_redirects=True)
    assert "逾期扣款已核定，没有新增" in r.get_data(as_text=True)
    with app.app_context():
        assert four() == [("4", Decimal("30.00"), 2026, 10, world.village_b)]
    assert "待核定" not in c.get("/monthlyreport/status?month=2026-10").get_data(as_text=True)
    # secretaries see their own village only, and never trigger deductions
    html = login("qs_shuji").get("/monthlyreport/status?month=2026-10").get_data(as_text=True)
    assert "青山村" in html and "石桥村" not in html
    assert login("qs_shuji").post("/monthlyreport/status?month=2026-09").status_code == 403


def test_no_deductions_before_reports_start(app, login, world, clock):
    clock.set("2026-11-10 10:00")
    c = login("zhongxin")
    html = c.get("/monthlyreport/status?month=2026-10").get_data(as_text=True)
    assert "逾期未报送" in html and "早于月汇总表启用月份" in html
    with app.app_context():
        assert four() == []  # nothing on record yet: the system has not started taking reports
        assert rs.flag_missing_reports(2026, 10).before_start
        assert four() == []
    # go-live in October (MONTHLY_REPORTS_FROM): the explicit action settles it
    app.config["MONTHLY_REPORTS_FROM"] = "2026-10"
    r = c.post("/monthlyreport/status?month=2026-10", follow_redirects=True)
    assert "青山村、石桥村" in r.get_data(as_text=True)
    with app.app_context():
        assert len(four()) == 2
        assert rs.flag_missing_reports(2026, 9).before_start  # before go-live: never


def test_december_report_opens_on_its_last_working_day(app, login, world, clock):
    clock.set("2026-12-02 10:00")
    c = login("qs_daiban")
    html = c.get("/monthlyreport/fill?month=2026-12").get_data(as_text=True)
    assert "本月汇总表自12月31日起可报送" in html and "disabled" in html
    r = c.post("/monthlyreport/fill?month=2026-12", data={"action": "submit", "hot_issues": ""}, follow_redirects=True)
    assert "2026年12月汇总表自12月31日起可报送" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(MonthlyReport).where(MonthlyReport.status == "submitted")).first() is None
        with pytest.raises(ValidationFailed, match="自12月31日起可报送"):
            rs.submit_report({"village_id": world.village_a, "month": "2026-12"}, now=dt.datetime(2026, 12, 30, 17))
    clock.set("2026-12-31 09:00")  # Thursday, the last working day
    html = c.get("/monthlyreport/fill?month=2026-12").get_data(as_text=True)
    assert "可报送" in html and "本月汇总表自12月31日起可报送" not in html
    r = c.post("/monthlyreport/fill?month=2026-12", data={"action": "submit"}, follow_redirects=True)
    assert "2026年12月汇总表已报送并锁定" in r.get_data(as_text=True)


def test_case_registered_after_lock_marks_the_report_data_changed(app, login, world, clock):
    from app.models import ServiceItem
    from app.services import cases as case_service
    from tests.factories import proxy_data
    from tests.integration.test_cases_support import acting

    clock.set("2026-11-30 16:00")
    with app.app_context():
        ensure_catalog()
        items = dict(db.session.execute(select(ServiceItem.code, ServiceItem.id)).all())
        report = rs.submit_report({"village_id": world.village_a, "month": "2026-11"})
        frozen = report.figures["total"]["accepted"]
        pk = report.id
    clock.set("2026-12-01 09:00")
    with app.app_context(), acting(app, "qs_daiban"):
        case_service.create_case(proxy_data(world, items, received_at="2026-11-30 15:00"))
    with app.app_context():
        report = db.session.get(MonthlyReport, pk)
        assert report.data_changed_at is not None and report.status == "submitted"
        assert report.figures["total"]["accepted"] == frozen  # never changed silently
    t = login("zhongxin")
    assert "数据有变动" in t.get("/monthlyreport/status?month=2026-11").get_data(as_text=True)
    assert "数据有变动" in t.get(f"/monthlyreport/show/{pk}").get_data(as_text=True)
    # a case of another month, or of a month not yet locked, marks nothing
    with app.app_context(), acting(app, "qs_daiban"):
        case_service.create_case(proxy_data(world, items, received_at="2026-12-01 08:30"))
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count()).select_from(MonthlyReport).where(MonthlyReport.data_changed_at.is_not(None))
            ).scalar()
            == 1
        )
    # the township returns it (recorded); resubmitted, the figures include the case
    with app.app_context():
        version = db.session.get(MonthlyReport, pk).version
    t.post(f"/monthlyreport/return/{pk}", data={"note": "补登记了11月30日的代办事项，请重新报送", "version": version})
    with app.app_context():
        returned = db.session.get(MonthlyReport, pk)
        assert returned.status == "returned"
        report = rs.submit_report({"village_id": world.village_a, "month": "2026-11", "version": returned.version})
        assert report.figures["total"]["accepted"] == frozen + 1 and report.data_changed_at is None
        assert [a.action for a in report.actions] == ["submit", "return", "submit"]
    assert "数据有变动" not in t.get(f"/monthlyreport/show/{pk}").get_data(as_text=True)


def test_agent_fills_and_submits_by_web(app, login, world, clock):
    clock.set("2026-11-10 10:00")
    c = login("qs_daiban")
    html = c.get("/monthlyreport/fill?month=2026-10").get_data(as_text=True)
    assert "村级便民服务报送事项办理情况统计表" in html and "报送（报空表）" in html and "2026-11-02" in html
    r = c.post("/monthlyreport/fill?month=2026-10", data={"action": "save", "hot_issues": "村民关心粮食补贴发放"})
    assert r.status_code == 302
    with app.app_context():
        report = db.session.execute(select(MonthlyReport)).scalar()
        assert report.status == "draft" and report.hot_issues == "村民关心粮食补贴发放"
        version = str(report.version)
    r = c.post(
        "/monthlyreport/fill?month=2026-10",
        data={"action": "submit", "hot_issues": "村民关心粮食补贴发放", "version": version},
        follow_redirects=True,
    )
    html = r.get_data(as_text=True)
    assert "已报送并锁定" in html and "逾期报送" in html  # today is after October
    with app.app_context():
        assert four() == [("4", Decimal("30.00"), 2026, 10, world.village_a)]
        pk = db.session.execute(select(MonthlyReport.id)).scalar()
    # the secretary reads, cannot submit
    s = login("qs_shuji")
    assert "村民关心粮食补贴发放" in s.get(f"/monthlyreport/show/{pk}").get_data(as_text=True)
    assert s.post("/monthlyreport/fill?month=2026-11", data={"action": "submit"}).status_code == 403
    # the other village cannot see it
    assert login("sq_daiban").get(f"/monthlyreport/show/{pk}").status_code == 404
    # the township returns it with a reason
    t = login("zhongxin")
    with app.app_context():
        version = str(db.session.get(MonthlyReport, pk).version)
    r = t.post(
        f"/monthlyreport/return/{pk}", data={"note": "数据有误，请核对", "version": version}, follow_redirects=True
    )
    html = r.get_data(as_text=True)
    assert "已退回修改" in html and "数据有误，请核对" in html
    with app.app_context():
        assert [a.action for a in db.session.execute(select(MonthlyReportAction)).scalars()] == ["submit", "return"]
    assert "乡便民服务中心已退回修改：数据有误，请核对" in c.get("/monthlyreport/fill?month=2026-10").get_data(
        as_text=True
    )
    assert login("qs_daiban").post(f"/monthlyreport/return/{pk}", data={"note": "x"}).status_code == 403


def test_monthly_report_api(app, api_token, world, clock):
    clock.set("2026-12-01 10:00")
    c = app.test_client()
    agent = api_token("qs_daiban")
    r = c.post("/api/v1/monthlyreport/submit", json={"month": "2026-11", "hot_issues": "无"}, headers=agent)
    assert r.status_code == 200, r.get_json()
    pk, version = r.json["id"], r.json["result"]["version"]
    assert r.json["result"]["status"] == "submitted" and r.json["result"]["village_id"] == world.village_a
    r = c.put(f"/api/v1/monthlyreport/{pk}", json={"hot_issues": "改"}, headers=agent)
    assert r.status_code == 422 and r.json["errors"]["version"] == ["请先读取记录并带上 version（版本号）后重试"]
    r = c.put(f"/api/v1/monthlyreport/{pk}", json={"hot_issues": "改", "version": version}, headers=agent)
    assert r.status_code == 409 and "锁定" in r.json["message"]
    r = c.post("/api/v1/monthlyreport/submit", json={"month": "2026-12"}, headers=agent)
    assert r.status_code == 422 and "自12月31日起可报送" in r.json["errors"]["month"][0]
    r = c.post("/api/v1/monthlyreport/submit", json={"month": "2027-01"}, headers=agent)
    assert r.status_code == 422 and "尚未开始" in r.json["errors"]["month"][0]
    r = c.post(f"/api/v1/monthlyreport/{pk}/return", json={"note": "请补充"}, headers=agent)
    assert r.status_code == 403
    township = api_token("zhongxin")
    r = c.post(f"/api/v1/monthlyreport/{pk}/return", json={"version": version}, headers=township)
    assert r.status_code == 422 and "退回原因为必填项" in r.json["message"]
    r = c.post(f"/api/v1/monthlyreport/{pk}/return", json={"note": "请补充", "version": "x"}, headers=township)
    assert r.status_code == 422 and "version" in r.json["errors"]
    r = c.post(f"/api/v1/monthlyreport/{pk}/return", json={"note": "请补充", "version": version}, headers=township)
    assert r.status_code == 200 and r.json["result"]["status"] == "returned"
    version = r.json["result"]["version"]
    r = c.put(f"/api/v1/monthlyreport/{pk}", json={"hot_issues": "补充：医保缴费", "version": version}, headers=agent)
    assert r.status_code == 200 and r.json["result"]["hot_issues"] == "补充：医保缴费"
    # a draft of another month through POST
    r = c.post("/api/v1/monthlyreport/", json={"year": 2026, "month": 10, "hot_issues": "十月"}, headers=agent)
    assert r.status_code == 201 and r.json["result"]["month"] == 10
    assert c.get(f"/api/v1/monthlyreport/{pk}", headers=api_token("sq_daiban")).status_code == 404


def test_cli_flags_missing_reports_idempotently(app, runner, world, clock):
    clock.set("2026-11-10 10:00")
    r = runner.invoke(args=["reports", "flag-missing", "2026-10"])
    assert r.exit_code == 0 and "早于月汇总表启用月份" in r.output  # no go-live month yet
    app.config["MONTHLY_REPORTS_FROM"] = "2026-10"
    r = runner.invoke(args=["reports", "flag-missing", "2026-10"])
    assert r.exit_code == 0, r.output
    assert "已扣款④：青山村、石桥村" in r.output
    r = runner.invoke(args=["reports", "flag-missing", "2026-10"])
    assert "没有新增逾期扣款" in r.output
    r = runner.invoke(args=["reports", "flag-missing", "2026-13"])
    assert r.exit_code != 0 and "月份格式" in r.output
    r = runner.invoke(args=["reports", "flag-missing", "2099-01"])
    assert r.exit_code != 0 and "尚未到报送期限" in r.output
    with app.app_context():
        assert len(four()) == 2
    # the daily job (no month): every month past its due day since go-live — November is not yet
    r = runner.invoke(args=["reports", "flag-missing"])
    assert r.exit_code == 0 and "共核定1个月，新增逾期扣款④ 0笔" in r.output
    clock.set("2026-12-01 08:00")  # November was due Monday 11-30
    r = runner.invoke(args=["reports", "flag-missing"])
    assert "2026年11月未按时报送月汇总表，已扣款④：青山村、石桥村" in r.output and "共核定2个月" in r.output
    r = runner.invoke(args=["reports", "flag-missing"])
    assert "新增逾期扣款④ 0笔" in r.output
    with app.app_context():
        assert sorted((m, v) for _, _, _, m, v in four()) == sorted(
            [(10, world.village_a), (10, world.village_b), (11, world.village_a), (11, world.village_b)]
        )
