"""扣款 ①–⑤ (政策第二条（四）2, SPEC §7): each source event produces exactly its amount in
the month of the event; a corrected source voids it while the quarter is open; the
monthly cap; three strikes per kind over the current appointment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, Case, Deduction, MonthlyReport, PayoutSheet, Training
from app.services import annual as annual_service
from app.services import deductions as ds
from app.services import reports as rs
from app.services import supervision as ss
from app.services.errors import Conflict, ValidationFailed
from tests.factories import case_row

pytestmark = pytest.mark.dates

NOW = dt.datetime(2026, 11, 26, 10, 0)
TODAY = NOW.date()


def active(agent_id: int | None = None, code: str | None = None) -> list[Deduction]:
    stmt = select(Deduction).where(Deduction.state == "active").order_by(Deduction.id)
    if agent_id is not None:
        stmt = stmt.where(Deduction.agent_id == agent_id)
    if code is not None:
        stmt = stmt.where(Deduction.code == code)
    return list(db.session.execute(stmt).scalars())


def inspect(world, at: dt.datetime, on_duty=True, ledger_complete=True, **extra):
    return ss.create_inspection(
        {
            "inspected_at": at,
            "inspector": "乡纪检办 张三",
            "village_id": world.village_a,
            "on_duty": on_duty,
            "ledger_complete": ledger_complete,
            **extra,
        },
        now=NOW,
    )


def close_quarter(year: int, quarter: int, status: str = "approved") -> None:
    db.session.add(PayoutSheet(year=year, quarter=quarter, status=status))
    db.session.commit()


# --- ① complaint verified true ----------------------------------------------------------------


def test_complaint_verified_true_costs_30_in_the_month_of_verification(app, world):
    with app.app_context():
        c = ss.create_complaint(
            {
                "received_on": "2026-09-28",
                "village_id": world.village_a,
                "content": "代办员不给办低保申请",
                "channel": "phone",
            },
            day=TODAY,
        )
        assert active() == []  # pending: nothing yet
        ss.verify_complaint(c, {"result": "true", "verified_by": "纪检办李四", "verified_on": "2026-10-08"}, day=TODAY)
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.agent_id) == ("1", Decimal("30.00"), 2026, 10, world.agent_a)
        assert (d.source_type, d.source_id) == ("complaint", c.id)


def test_verified_then_withdrawn_complaint_leaves_no_deduction(app, world):
    with app.app_context():
        c = ss.create_complaint(
            {
                "received_on": "2026-11-02",
                "village_id": world.village_a,
                "content": "反映不受理",
                "result": "true",
                "verified_by": "李四",
                "verified_on": "2026-11-05",
            },
            day=TODAY,
        )
        assert len(active()) == 1
        ss.verify_complaint(c, {"result": "pending"}, day=TODAY)
        assert active() == []
        [row] = db.session.execute(select(Deduction)).scalars().all()
        assert row.state == "void" and "撤回" in row.void_reason
        # verified again → the same row comes back, still one deduction
        ss.verify_complaint(c, {"result": "true", "verified_by": "李四", "verified_on": "2026-11-06"}, day=TODAY)
        assert len(active()) == 1
        ss.verify_complaint(c, {"result": "false", "verified_by": "李四", "verified_on": "2026-11-07"}, day=TODAY)
        assert active() == []


def test_a_complaint_that_is_not_about_refusing_costs_nothing(app, world):
    with app.app_context():
        ss.create_complaint(
            {
                "received_on": "2026-11-02",
                "village_id": world.village_a,
                "content": "态度不好",
                "refused_request": False,
                "result": "true",
                "verified_by": "李四",
            },
            day=TODAY,
        )
        assert active() == []


def test_complaint_verification_dates_are_checked(app, world):
    with app.app_context():
        with pytest.raises(ValidationFailed) as exc:
            ss.create_complaint(
                {
                    "received_on": "2026-11-02",
                    "village_id": world.village_a,
                    "content": "x",
                    "result": "true",
                    "verified_by": "李四",
                    "verified_on": "2026-11-01",
                },
                day=TODAY,
            )
        assert "核实日期不能早于受理日期" in exc.value.message
        assert active() == []


# --- ② unexcused absence ------------------------------------------------------------------------


def test_unexcused_absence_costs_30_in_the_training_month_and_excuse_voids_it(app, world):
    with app.app_context():
        t = ss.create_training({"title": "第三季度便民代办业务培训", "held_on": "2026-09-15"})
        assert {r.agent_id for r in t.attendances} == {world.agent_a, world.agent_b}
        ss.mark_attendance(t, {"agent_id": world.agent_a, "attendance": "absent"}, day=TODAY)
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.agent_id) == ("2", Decimal("30.00"), 2026, 9, world.agent_a)
        ss.mark_attendance(t, {"agent_id": world.agent_a, "attendance": "excused", "note": "住院"}, day=TODAY)
        assert active() == []


def test_no_absence_before_the_training(app, world):
    with app.app_context():
        t = ss.create_training({"title": "年终总结会", "held_on": "2026-12-20", "attendee_ids": [world.agent_a]})
        with pytest.raises(ValidationFailed) as exc:
            ss.mark_attendance(t, {"agent_id": world.agent_a, "attendance": "absent"}, day=TODAY)
        assert "尚未召开" in exc.value.message
        assert active() == []


def test_moving_a_training_moves_its_deductions(app, world):
    with app.app_context():
        t = ss.create_training({"title": "培训", "held_on": "2026-10-30", "attendee_ids": [world.agent_a]})
        ss.mark_attendance(t, {"agent_id": world.agent_a, "attendance": "absent"}, day=TODAY)
        ss.update_training(db.session.get(Training, t.id), {"held_on": "2026-11-02"}, day=TODAY)
        [d] = active()
        assert (d.year, d.month, d.occurred_on) == (2026, 11, dt.date(2026, 11, 2))


# --- ③ not on duty ------------------------------------------------------------------------------


def test_off_duty_finding_costs_50_in_the_inspection_month(app, world):
    with app.app_context():
        i = inspect(world, dt.datetime(2026, 11, 3, 10, 0), on_duty=False)
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.agent_id, d.source_type) == (
            "3",
            Decimal("50.00"),
            2026,
            11,
            world.agent_a,
            "inspection",
        )
        ss.update_inspection(i, {"on_duty": True}, now=NOW)
        assert active() == []


def test_inspection_at_noon_on_a_summer_working_day_cannot_be_off_duty(app, world):
    with app.app_context():
        with pytest.raises(ValidationFailed) as exc:
            inspect(world, dt.datetime(2026, 7, 15, 12, 0), on_duty=False)
        assert "on_duty" in exc.value.errors
        assert "不在坐班时间内" in exc.value.message
        from app.models import Inspection

        assert db.session.execute(select(Inspection)).first() is None
        assert active() == []


def test_amounts_come_from_the_settings(app, world):
    app.config["DEDUCTION_AMOUNTS"] = {**app.config["DEDUCTION_AMOUNTS"], "3": Decimal("60.00")}
    with app.app_context():
        inspect(world, dt.datetime(2026, 11, 3, 10, 0), on_duty=False)
        assert active()[0].amount == Decimal("60.00")


# --- ④ monthly report ----------------------------------------------------------------------------


def test_late_report_costs_30_in_the_report_month(app, world):
    with app.app_context():
        report = rs.submit_report(
            {"village_id": world.village_a, "month": "2026-09"}, now=dt.datetime(2026, 10, 3, 9, 0)
        )
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.agent_id) == ("4", Decimal("30.00"), 2026, 9, world.agent_a)
        assert (d.source_type, d.source_id) == ("report", report.id)


def test_an_empty_month_still_needs_a_report_and_a_missing_one_costs_30(app, world):
    with app.app_context():
        # village A reports its empty September on time; village B does not report at all
        on_time = rs.submit_report(
            {"village_id": world.village_a, "month": "2026-09"}, now=dt.datetime(2026, 9, 30, 17, 0)
        )
        assert rs.is_empty(on_time.figures)
        result = rs.flag_missing_reports(2026, 9, now=dt.datetime(2026, 10, 1, 8, 0))
        assert result.flagged == ["石桥村"]
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.agent_id, d.village_id) == (
            "4",
            Decimal("30.00"),
            2026,
            9,
            world.agent_b,
            world.village_b,
        )
        # idempotent
        again = rs.flag_missing_reports(2026, 9, now=dt.datetime(2026, 10, 2, 8, 0))
        assert again.flagged == []
        assert len(active()) == 1
        # submitting it late afterwards does not add a second one
        flagged = rs.report_for(world.village_b, 2026, 9)  # the row the flag left: written with its version
        rs.submit_report(
            {"village_id": world.village_b, "month": "2026-09", "version": flagged.version},
            now=dt.datetime(2026, 10, 3, 8, 0),
        )
        assert len(active()) == 1


def test_flagging_does_nothing_before_the_month_is_over(app, world):
    with app.app_context():
        app.config["MONTHLY_REPORTS_FROM"] = "2026-09"
        result = rs.flag_missing_reports(2026, 11, now=NOW)
        assert result.not_over and active() == []


# --- ⑤ incomplete ledger ------------------------------------------------------------------------------


def test_incomplete_ledger_found_by_inspection_costs_10(app, world):
    with app.app_context():
        i = inspect(world, dt.datetime(2026, 11, 3, 10, 0), ledger_complete=False)
        [d] = active()
        assert (d.code, d.amount, d.year, d.month, d.source_type) == (
            "5",
            Decimal("10.00"),
            2026,
            11,
            "inspection_ledger",
        )
        # both findings at once: ③ and ⑤ from one inspection
        ss.update_inspection(i, {"on_duty": False}, now=NOW)
        assert sorted(d.code for d in active()) == ["3", "5"]
        assert sum(d.amount for d in active()) == Decimal("60.00")


def test_incomplete_ledger_found_by_township_review_costs_10_per_case(app, world):
    with app.app_context():
        c1 = case_row(world.village_a, world.agent_a, "QS2026-0001", dt.datetime(2026, 10, 20, 9))
        c2 = case_row(world.village_a, world.agent_a, "QS2026-0002", dt.datetime(2026, 10, 21, 9))
        ss.review_case_ledger(c1, {"ledger_incomplete": "y", "note": "未登记申请人电话"}, day=dt.date(2026, 11, 5))
        ss.review_case_ledger(c2, {"ledger_incomplete": "y", "note": "缺少报送时间"}, day=dt.date(2026, 11, 6))
        rows = active()
        assert [(d.code, d.amount, d.year, d.month) for d in rows] == [("5", Decimal("10.00"), 2026, 11)] * 2
        assert db.session.get(Case, c1.id).ledger_incomplete is True
        # saving the same finding again adds nothing
        ss.review_case_ledger(
            db.session.get(Case, c1.id),
            {"ledger_incomplete": "y", "note": "未登记申请人电话"},
            day=dt.date(2026, 11, 9),
        )
        assert len(active()) == 2
        # the finding was a mistake → void
        ss.review_case_ledger(
            db.session.get(Case, c1.id), {"ledger_incomplete": "", "note": "复核后台账完整"}, day=dt.date(2026, 11, 9)
        )
        assert [d.source_id for d in active()] == [c2.id]
        assert db.session.get(Case, c1.id).ledger_incomplete is False


def test_review_needs_a_note(app, world):
    with app.app_context():
        c = case_row(world.village_a, world.agent_a, "QS2026-0003", dt.datetime(2026, 10, 20, 9))
        with pytest.raises(ValidationFailed) as exc:
            ss.review_case_ledger(c, {"ledger_incomplete": "y"})
        assert "请写明" in exc.value.message
        assert active() == []


# --- the quarter lock -----------------------------------------------------------------------------------


def test_correction_is_refused_once_the_quarter_is_approved(app, world):
    with app.app_context():
        i = inspect(world, dt.datetime(2026, 9, 3, 10, 0), on_duty=False)
        close_quarter(2026, 3)
        with pytest.raises(Conflict) as exc:
            ss.update_inspection(i, {"on_duty": True}, now=NOW)
        assert "2026年第3季度" in exc.value.message and "已审核" in exc.value.message
        db.session.expire_all()
        from app.models import Inspection

        assert db.session.get(Inspection, i.id).on_duty is False
        assert len(active()) == 1


def test_no_new_deduction_in_a_paid_quarter(app, world):
    with app.app_context():
        close_quarter(2026, 3, "paid")
        with pytest.raises(Conflict):
            inspect(world, dt.datetime(2026, 9, 3, 10, 0), on_duty=False)
        assert active() == []
        # a draft sheet does not lock
        db.session.add(PayoutSheet(year=2026, quarter=4, status="draft"))
        db.session.commit()
        inspect(world, dt.datetime(2026, 11, 3, 10, 0), on_duty=False)
        assert len(active()) == 1


# --- the monthly cap ------------------------------------------------------------------------------------


def test_a_months_deductions_never_exceed_its_subsidy(app, world):
    with app.app_context():
        for day in range(2, 13):  # 9 working days of November with an off-duty finding: 9 × 50 = 450
            at = dt.datetime(2026, 11, day, 10, 0)
            if at.weekday() < 5:
                inspect(world, at, on_duty=False)
        amounts = ds.month_deductions(2026, 11)
        assert amounts[world.agent_a]["3"] == Decimal("450.00")
        [row] = ds.month_cap_rows(2026, 11)
        assert row.share == Decimal("416.67")  # November: 2nd month of Q4 (416.67 / 416.67 / 416.66)
        assert row.total == Decimal("450.00")
        assert row.taken == Decimal("416.67") and row.capped
        assert row.net == Decimal("0.00")


def test_month_share_is_prorated_for_a_partial_month(app, world):
    with app.app_context():
        agent = db.session.get(Agent, world.agent_a)
        agent.hired_on = dt.date(2026, 11, 16)  # 15 of 30 days
        db.session.commit()
        assert ds.month_share(agent, 2026, 11) == Decimal("208.34")
        assert ds.month_share(agent, 2026, 12) == Decimal("416.66")


# --- three strikes -----------------------------------------------------------------------------------------


def test_third_strike_of_each_kind_flags_dismissal(app, world):
    with app.app_context():
        a = world.agent_a
        inspect(world, dt.datetime(2026, 11, 3, 10), on_duty=False)
        inspect(world, dt.datetime(2026, 11, 4, 10), on_duty=False)
        status = ds.strike_summary([a])[a]
        assert status.warnings and not status.should_dismiss
        assert "再发生1次将予以解聘" in str(status.messages()[0])
        inspect(world, dt.datetime(2026, 11, 5, 10), on_duty=False)
        status = ds.strike_summary([a, world.agent_b])
        assert status[a].should_dismiss
        assert "应予解聘" in str(status[a].messages()[0])
        assert not status[world.agent_b].should_dismiss and not status[world.agent_b].warnings
        [alert] = ds.strike_alerts()
        assert alert.agent.id == a and alert.should_dismiss


@pytest.mark.parametrize("kind", ["1", "2"])
def test_third_strike_of_complaints_and_absences_flags_too(app, world, kind):
    with app.app_context():
        for n in range(3):
            if kind == "1":
                ss.create_complaint(
                    {
                        "received_on": f"2026-11-0{n + 2}",
                        "village_id": world.village_a,
                        "content": f"反映{n}",
                        "result": "true",
                        "verified_by": "李四",
                        "verified_on": f"2026-11-0{n + 3}",
                    },
                    day=TODAY,
                )
            else:
                t = ss.create_training(
                    {"title": f"培训{n}", "held_on": f"2026-11-0{n + 2}", "attendee_ids": [world.agent_a]}
                )
                ss.mark_attendance(t, {"agent_id": world.agent_a, "attendance": "absent"}, day=TODAY)
        status = ds.strike_summary([world.agent_a])[world.agent_a]
        assert status.should_dismiss
        assert status.counts[status.dismiss[0]] == 3 and status.dismiss[0].value == kind


def test_strikes_of_different_kinds_do_not_add_up(app, world):
    with app.app_context():
        a = world.agent_a
        inspect(world, dt.datetime(2026, 11, 3, 10), on_duty=False)  # ③
        t = ss.create_training({"title": "培训", "held_on": "2026-11-02", "attendee_ids": [a]})
        ss.mark_attendance(t, {"agent_id": a, "attendance": "absent"}, day=TODAY)  # ②
        ss.create_complaint(
            {
                "received_on": "2026-11-02",
                "village_id": world.village_a,
                "content": "x",
                "result": "true",
                "verified_by": "李四",
            },
            day=TODAY,
        )  # ①
        status = ds.strike_summary([a])[a]
        assert {c.value: n for c, n in status.counts.items()} == {"1": 1, "2": 1, "3": 1}
        assert not status.warnings and not status.should_dismiss
        assert ds.strike_alerts() == []


def test_strikes_count_over_the_current_appointment_and_ignore_void(app, world):
    with app.app_context():
        a = world.agent_a
        i1 = inspect(world, dt.datetime(2026, 11, 3, 10), on_duty=False)
        inspect(world, dt.datetime(2026, 11, 4, 10), on_duty=False)
        ss.update_inspection(i1, {"on_duty": True}, now=NOW)  # corrected: void
        assert ds.strike_summary([a])[a].counts[ds.STRIKE_CODES[2]] == 1
        agent = db.session.get(Agent, a)
        agent.hired_on = dt.date(2026, 11, 5)  # a new appointment after both
        db.session.commit()
        assert ds.strike_summary([a])[a].counts[ds.STRIKE_CODES[2]] == 0


def test_failed_annual_assessment_is_an_alert(app, world):
    with app.app_context():
        annual_service.create_assessment(
            {"agent_id": world.agent_b, "year": 2025, "grade": "fail", "notes": "入户走访群众满意度低"},
            day=dt.date(2026, 1, 15),
        )
        [alert] = ds.strike_alerts()
        assert alert.agent.id == world.agent_b and alert.should_dismiss
        assert "2025年度考核不合格" in alert.messages()[0]
        with pytest.raises(ValidationFailed) as exc:
            annual_service.create_assessment(
                {"agent_id": world.agent_b, "year": 2025, "grade": "pass"}, day=dt.date(2026, 1, 16)
            )
        assert "已录入" in exc.value.message
        # once dismissed, no longer an alert
        from app.services.agents import dismiss_agent

        dismiss_agent(
            db.session.get(Agent, world.agent_b), "2026-01-20", "年度考核不合格，予以解聘", today=dt.date(2026, 1, 20)
        )
        assert ds.strike_alerts() == []


def test_month_deductions_contract(app, world):
    with app.app_context():
        inspect(world, dt.datetime(2026, 11, 3, 10), on_duty=False, ledger_complete=False)
        inspect(world, dt.datetime(2026, 11, 4, 10), ledger_complete=False)
        assert ds.month_deductions(2026, 11) == {world.agent_a: {"3": Decimal("50.00"), "5": Decimal("20.00")}}
        assert ds.month_deductions(2026, 10) == {}


def test_report_rows_exist_for_every_flagged_village(app, world):
    with app.app_context():
        rs.submit_report({"village_id": world.village_a, "month": "2026-10"}, now=dt.datetime(2026, 10, 30, 9))
        rs.flag_missing_reports(2026, 10, now=NOW)
        reports = db.session.execute(select(MonthlyReport).order_by(MonthlyReport.village_id)).scalars().all()
        assert [(r.village_id, r.status) for r in reports] == [
            (world.village_a, "submitted"),
            (world.village_b, "draft"),
        ]
