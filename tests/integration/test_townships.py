"""Townships (issue 15 §1): accounts, per-township settings and payout sheets, unique codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import BmUser, Township, Village
from app.services.errors import ValidationFailed


def _user(username):
    return db.session.execute(select(BmUser).where(BmUser.username == username)).scalar()


def test_users_add_with_township(app, runner, world, county):
    pw = "Strong#Pass2026"
    r = runner.invoke(args=["users", "add", "ys_a", "--role", "乡便民中心", "--password", pw])
    assert r.exit_code != 0 and "必须用 --township" in r.output  # two townships now: say which
    r = runner.invoke(args=["users", "add", "ys_a", "--role", "乡便民中心", "--township", "zz", "--password", pw])
    assert r.exit_code != 0 and "乡镇代码“zz”不存在" in r.output
    r = runner.invoke(args=["users", "add", "ys_a", "--role", "乡便民中心", "--township", "ys", "--password", pw])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["users", "add", "ys_x", "--role", "县政务服务中心", "--township", "ys", "--password", pw])
    assert r.exit_code != 0 and "不能指定所属乡镇" in r.output
    r = runner.invoke(args=["users", "add", "ys_x", "--role", "县政务服务中心", "--password", pw])
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert _user("ys_a").township_id == county.township_b and _user("ys_a").village_id is None
        assert _user("ys_x").township_id is None


def test_village_codes_are_unique_county_wide_so_case_numbers_are(app, world, county):
    from app.security import scoped_to_township
    from app.services.villages import create_village

    with app.app_context():
        with pytest.raises(ValidationFailed) as err:
            create_village({"name": "青山新村", "code": "QS", "township_id": county.township_b})
        assert "村代码“QS”已存在" in str(err.value.errors["code"][0])
        with scoped_to_township(county.township_b):
            v = create_village({"name": "演示村", "code": "YSC"})
            assert v.township_id == county.township_b  # a township user's village goes to their township
        with pytest.raises(ValidationFailed) as err:
            create_village({"name": "无乡村", "code": "WX"})  # two townships, none named
        assert str(err.value.errors["township_id"][0]) == "请选择所属乡镇"


def test_settings_fall_back_to_config_and_take_the_township_override(app, world, county):
    from app.services import settings

    with app.app_context():
        b = db.session.get(Township, county.township_b)
        village_b = db.session.get(Village, world.village_b)
        assert settings.annual_subsidy(village_b) == settings.annual_subsidy() == Decimal("5000.00")
        assert settings.township_name(village_b) == "演示镇（虚构）"
        assert settings.township_name() == app.config["TOWNSHIP_NAME"]
        b.annual_subsidy = Decimal("6000.00")
        b.deduction_amounts = {"3": "80.00"}
        b.supervision_phone = "0731-80000000"
        b.summer_hours = "08:30-11:30,15:00-18:00"
        db.session.commit()
        assert settings.annual_subsidy(village_b) == Decimal("6000.00")
        assert settings.deduction_amounts(b)["3"] == Decimal("80.00")
        assert settings.deduction_amounts(b)["1"] == settings.deduction_amounts()["1"]
        assert settings.supervision_phone(b) == "0731-80000000"
        assert settings.office_hours(b).summer != settings.office_hours().summer


def test_payout_sheets_are_per_township(app, world, county, clock):
    from app.security import scoped_to_township
    from app.services.payouts import compute_sheet

    clock.set("2026-10-08 09:30")
    with app.app_context():
        db.session.get(Township, county.township_b).annual_subsidy = Decimal("6000.00")
        db.session.commit()
        a = compute_sheet({"quarter": "2026Q3", "township_id": "JN"})
        b = compute_sheet({"quarter": "2026Q3", "township_id": county.township_b})
        assert (a.township_id, b.township_id) == (county.township_a, county.township_b)
        assert {line.village_id for line in a.lines} == {world.village_a}
        assert {line.village_id for line in b.lines} == {world.village_b}
        assert b.lines[0].gross == Decimal("1500.00") and a.lines[0].gross == Decimal("1250.00")
        with scoped_to_township(county.township_b):
            from app.models import PayoutSheet

            assert [s.id for s in db.session.execute(select(PayoutSheet)).scalars()] == [b.id]


def test_county_dashboard_one_row_per_township(app, login, world, county, clock):
    import datetime as dt

    from tests.factories import case_row

    clock.set("2026-11-20 10:00")
    with app.app_context():
        case_row(world.village_a, world.agent_a, "QS2026-0101", dt.datetime(2026, 11, 3, 9, 0))
        case_row(world.village_a, world.agent_a, "QS2026-0102", dt.datetime(2026, 10, 3, 9, 0))
        case_row(world.village_b, world.agent_b, "SQ2026-0101", dt.datetime(2026, 11, 4, 9, 0))
        from app.services.county import county_board

        board = county_board(2026, 11)
    rows = {r.code: r for r in board.rows}
    assert set(rows) == {"JN", "YS"}
    assert (rows["JN"].villages, rows["JN"].cases_month, rows["JN"].cases_quarter) == (1, 1, 2)
    assert (rows["YS"].villages, rows["YS"].cases_month, rows["YS"].cases_quarter) == (1, 1, 1)
    assert rows["JN"].reports_missing == 1 and rows["YS"].good_rate is None

    c = login("xian")
    r = c.get("/")
    assert r.status_code == 302 and "/county/" in r.headers["Location"]
    body = c.get("/county/?month=2026-11").get_data(as_text=True)
    assert "全县汇总" in body and "建宁乡" in body and "演示镇（虚构）" in body and "按时办结率" in body
    assert login("admin").get("/county/").status_code == 200
    for user in ("zhongxin", "b_zhongxin", "qs_shuji"):
        r = login(user).get("/county/")
        assert r.status_code in (302, 403, 404), user
        assert "全县汇总" not in r.get_data(as_text=True) or r.status_code == 302


def test_catalog_is_county_wide_plus_township_additions(app, world, county):
    from app.models import ServiceCategory, ServiceItem
    from app.security import scoped_to, scoped_to_township

    with app.app_context():
        cat = ServiceCategory(code="01", name="养老医疗保险")
        shared = ServiceItem(code="0101", category=cat, name="县目录事项", window="社保窗口", materials=[])
        own = ServiceItem(
            code="0199",
            category=cat,
            name="演示镇增补事项",
            window="镇窗口",
            materials=[],
            township_id=county.township_b,
        )
        db.session.add_all([cat, shared, own])
        db.session.commit()

        def names():
            return set(db.session.execute(select(ServiceItem.name)).scalars())

        assert names() == {"县目录事项", "演示镇增补事项"}  # county level: all
        with scoped_to_township(county.township_b):
            assert names() == {"县目录事项", "演示镇增补事项"}
        with scoped_to_township(county.township_a):
            assert names() == {"县目录事项"}
        with scoped_to(world.village_a):
            assert names() == {"县目录事项"}
        with scoped_to(world.village_b):
            assert names() == {"县目录事项", "演示镇增补事项"}


def test_township_level_agents_and_their_records_stay_in_their_township(app, login, world, county):
    """A 乡级代办员 (no village) of township A, their training attendance and annual assessment
    are not shown to township B's staff; township A's staff and the county see them."""
    from app.models import AnnualAssessment, Training, TrainingAttendance
    from app.security import scoped_to_township
    from tests.factories import make_agent

    with app.app_context(), scoped_to_township(county.township_a):  # as 乡便民中心 of A hires one
        agent = make_agent(
            None, name="乡级甲", level="township", window_unit="乡便民服务中心", committee_decided_on="2023-12-20"
        )
        assert agent.township_id == county.township_a
        training = Training(title="乡级业务培训", held_on=dt.date(2026, 11, 2))
        db.session.add(training)
        db.session.flush()
        db.session.add_all(
            [
                TrainingAttendance(training_id=training.id, agent_id=agent.id, attendance="present"),
                AnnualAssessment(agent_id=agent.id, year=2025, grade="pass", status="decided"),
            ]
        )
        db.session.commit()
        agent_id = agent.id
    for username, sees in (("b_zhongxin", False), ("b_jijian", False), ("zhongxin", True), ("xian", True)):
        c = login(username)
        listing = c.get("/agent/list/").get_data(as_text=True)
        assert ("乡级甲" in listing) is sees, username
        r = c.get(f"/agent/show/{agent_id}")
        assert (r.status_code == 200) is sees, (username, r.status_code)
        assert ("乡级甲" in c.get("/assessment/list/").get_data(as_text=True)) is sees, username


def test_deductions_take_their_townships_amount_and_quarter_lock(app, world, county, clock):
    """A ③ in township B costs B's own amount; township A's approved sheet freezes A's quarter
    only — B's villages can still be corrected until B's own sheet is approved."""
    from app.models import PayoutSheet
    from app.services import deductions

    def inspection_3(source_id, agent_id, village_id, day):
        return deductions.sync_deduction(
            source_type="inspection",
            source_id=source_id,
            code="3",
            active=True,
            agent_id=agent_id,
            village_id=village_id,
            occurred_on=day,
        )

    clock.set("2026-10-08 09:30")
    with app.app_context():
        db.session.get(Township, county.township_b).deduction_amounts = {"3": "40.00"}
        db.session.add(PayoutSheet(township_id=county.township_a, year=2026, quarter=3, status="approved"))
        db.session.commit()
        assert deductions.quarter_is_closed(2026, 9, village_id=world.village_a)
        assert not deductions.quarter_is_closed(2026, 9, village_id=world.village_b)
        b = inspection_3(990001, world.agent_b, world.village_b, dt.date(2026, 9, 14))
        assert b.amount == Decimal("40.00")
        a = inspection_3(990002, world.agent_a, world.village_a, dt.date(2026, 10, 6))
        assert a.amount == Decimal("50.00")  # the policy's 50 元 where the township sets none
        with pytest.raises(Exception, match="已审核或已发放"):
            inspection_3(990003, world.agent_a, world.village_a, dt.date(2026, 9, 14))


def test_audit_log_of_a_townships_own_records_stays_in_it(app, login, world, county, clock):
    """The log of township A's payout sheet (a row about no village) is not shown to township B."""
    from app.security import scoped_to_township
    from app.services.payouts import compute_sheet

    clock.set("2026-10-08 09:30")
    with app.app_context():
        with scoped_to_township(county.township_a):
            compute_sheet({"quarter": "2026Q3"})
        from app.models import AuditLog

        logged = db.session.execute(select(AuditLog).where(AuditLog.table_name == "payout_sheet")).scalars().all()
        assert logged and {r.township_id for r in logged} == {county.township_a}
        sheet_rows = select(AuditLog.id).where(AuditLog.table_name == "payout_sheet")
        with scoped_to_township(county.township_b):
            assert db.session.execute(sheet_rows).all() == []
        with scoped_to_township(county.township_a):
            assert len(db.session.execute(sheet_rows).all()) == len(logged)
