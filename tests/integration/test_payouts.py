"""补助发放 end to end (SPEC §9): compute → 草稿 → 审核 (frozen) → 已发放, reopening, roles,
the REST API, the audit log. Figures are the policy's (5000 a year → 1250.00 a quarter)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, AuditLog, Deduction, PayoutAction, PayoutLine, PayoutSheet, Village
from app.services import payouts
from app.services.errors import Conflict, ValidationFailed
from tests.factories import make_agent, make_id

D = Decimal
TODAY = dt.date(2026, 11, 26)
_seq = iter(range(1, 10_000))

pytestmark = pytest.mark.dates


@pytest.fixture(autouse=True)
def _on_today(clock):
    """The module's figures are as of Thursday 2026-11-26 (approval and payment dates included)."""
    clock.set(TODAY)


def add_deduction(
    agent_id: int, village_id: int, code: str, amount: str, day: dt.date, state: str = "active"
) -> Deduction:
    row = Deduction(
        code=code,
        agent_id=agent_id,
        village_id=village_id,
        year=day.year,
        month=day.month,
        occurred_on=day,
        amount=D(amount),
        source_type="inspection",
        source_id=next(_seq),
        description=f"测试扣款{code}",
        state=state,
    )
    db.session.add(row)
    db.session.commit()
    return row


def sheet_lines(sheet_id: int) -> list[PayoutLine]:
    return (
        db.session.execute(select(PayoutLine).where(PayoutLine.sheet_id == sheet_id).order_by(PayoutLine.seq))
        .scalars()
        .all()
    )


def compute(quarter: str = "2026Q3", **data) -> PayoutSheet:
    return payouts.compute_sheet({"quarter": quarter, **data}, today=TODAY)


# --------------------------------------------------------------------------- the service


def four_of(village_id: int) -> list[tuple[int, Decimal]]:
    return [
        (d.month, d.amount)
        for d in db.session.execute(
            select(Deduction).where(
                Deduction.code == "4", Deduction.state == "active", Deduction.village_id == village_id
            )
        ).scalars()
    ]


def test_compute_settles_four_for_every_month_past_its_due_day(app, world, clock):
    from app.services import reports as rs

    app.config["MONTHLY_REPORTS_FROM"] = "2026-07"
    with app.app_context():
        for m, day in ((7, 31), (8, 31), (9, 30)):  # village A on the last day; village B never
            rs.submit_report(
                {"village_id": world.village_a, "month": f"2026-{m:02d}"}, now=dt.datetime(2026, m, day, 16)
            )
        clock.set("2026-10-08 09:00")
        sheet = payouts.compute_sheet({"quarter": "2026Q3"})
        qs, sq = sheet_lines(sheet.id)
        assert (qs.d4, sq.d4) == (D("0.00"), D("90.00"))
        assert four_of(world.village_b) == [(7, D("30.00")), (8, D("30.00")), (9, D("30.00"))]
        assert sq.total == D("1160.00")
        payouts.compute_sheet({"quarter": "2026Q3", "version": sheet.version})  # idempotent
        assert len(four_of(world.village_b)) == 3 and four_of(world.village_a) == []


def test_four_settled_at_approval_for_a_village_that_never_reported_in_september(app, world, clock):
    from app.services import reports as rs

    app.config["MONTHLY_REPORTS_FROM"] = "2026-07"
    with app.app_context():
        for m, day in ((7, 31), (8, 31)):
            for v in (world.village_a, world.village_b):
                rs.submit_report({"village_id": v, "month": f"2026-{m:02d}"}, now=dt.datetime(2026, m, day, 16))
        rs.submit_report({"village_id": world.village_a, "month": "2026-09"}, now=dt.datetime(2026, 9, 30, 9))
        clock.set("2026-09-30 12:00")  # September's report is still due today: nothing to settle yet
        sheet = payouts.compute_sheet({"quarter": "2026Q3"})
        assert [line.d4 for line in sheet_lines(sheet.id)] == [D("0.00"), D("0.00")]
        clock.set("2026-10-08 10:00")  # after the National Day holiday: 石桥村 never reported September
        payouts.approve_sheet(sheet, {"version": sheet.version})
        assert sheet.status == "approved"
        qs, sq = sheet_lines(sheet.id)
        assert (qs.d4, sq.d4, sq.total) == (D("0.00"), D("30.00"), D("1220.00"))  # not paid in full
        recompute = [a for a in sheet.actions if a.action == "recompute"]
        assert [a.note for a in recompute] == ["审核前核定月汇总表未按时报送扣款（④）并重新计算：石桥村（9月）"]
        assert [a.action for a in sheet.actions] == ["compute", "recompute", "approve"]
        # the late September report after approval: the ④ stays, nothing is doubled or lost
        late = rs.report_for(world.village_b, 2026, 9)  # the row the ④ settlement made
        rs.submit_report(
            {"village_id": world.village_b, "month": "2026-09", "version": late.version},
            now=dt.datetime(2026, 10, 9, 9),
        )
        assert rs.flag_missing_reports(2026, 9).closed
        assert four_of(world.village_b) == [(9, D("30.00"))]
        assert sheet_lines(sheet.id)[1].d4 == D("30.00")


def test_compute_gives_a_line_per_village_with_the_policy_figures(app, world):
    with app.app_context():
        add_deduction(world.agent_a, world.village_a, "1", "30", dt.date(2026, 7, 8))
        add_deduction(world.agent_a, world.village_a, "3", "50", dt.date(2026, 8, 12))
        add_deduction(world.agent_a, world.village_a, "5", "10", dt.date(2026, 9, 3))
        add_deduction(world.agent_a, world.village_a, "3", "50", dt.date(2026, 9, 9), state="void")  # voided
        add_deduction(world.agent_a, world.village_a, "3", "50", dt.date(2026, 10, 9))  # next quarter
        sheet = compute()
        assert sheet.status == "draft" and sheet.computed_at is not None
        qs, sq = sheet_lines(sheet.id)
        assert (qs.seq, qs.agent_name, qs.village_id) == (1, "王秀兰", world.village_a)
        assert (qs.gross, qs.d1, qs.d2, qs.d3, qs.d4, qs.d5) == (D("1250.00"), D("30.00"), 0, D("50.00"), 0, D("10.00"))
        assert (qs.deductions_total, qs.net_township, qs.village_supplement, qs.total) == (
            D("90.00"),
            D("1160.00"),
            D("0.00"),
            D("1160.00"),
        )
        assert (sq.agent_name, sq.total) == ("李明", D("1250.00"))
        assert [m["gross"] for m in qs.detail["months"]] == ["416.67", "416.67", "416.66"]
        assert qs.detail["village_name"] == "青山村"
        [action] = sheet.actions
        assert action.action == "compute" and action.user_name == "system"
        assert action.note == "首次计算：2行，合计2,410.00元"
        assert sheet.changes_since_last == []


def test_agent_change_and_village_supplement(app, world):
    with app.app_context():
        old = db.session.get(Agent, world.agent_a)
        old.status, old.dismissed_on, old.dismissal_reason = "dismissed", dt.date(2026, 8, 15), "三次不在岗"
        village_b = db.session.get(Village, world.village_b)
        village_b.supplement_per_year = D("1200.00")
        db.session.commit()
        village_a = db.session.get(Village, world.village_a)
        make_agent(village_a, name="赵春梅", id_number=make_id(dt.date(1992, 3, 4), "321"), phone="13973100009",
                   hired_on=dt.date(2026, 8, 16))  # fmt: skip
        sheet = compute()
        lines = sheet_lines(sheet.id)
        assert [(x.agent_name, str(x.gross), str(x.village_supplement), str(x.total)) for x in lines] == [
            ("王秀兰", "618.28", "0.00", "618.28"),
            ("赵春梅", "631.72", "0.00", "631.72"),
            ("李明", "1250.00", "300.00", "1550.00"),
        ]
        assert lines[0].remarks == "8月15日解聘" and lines[1].remarks == "8月16日到岗"


def test_recompute_shows_what_changed(app, world):
    with app.app_context():
        sheet = compute()
        add_deduction(world.agent_a, world.village_a, "3", "50", dt.date(2026, 8, 12))
        pending = payouts.pending_changes(sheet)
        assert pending == [
            {
                "change": "changed",
                "village": "青山村",
                "agent": "王秀兰",
                "fields": {
                    "d3": ["0.00", "50.00"],
                    "deductions_total": ["0.00", "50.00"],
                    "net_township": ["1250.00", "1200.00"],
                    "total": ["1250.00", "1200.00"],
                },
            }
        ]
        with pytest.raises(Conflict, match="已有1处变化，请先重新计算"):
            payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        sheet = compute(version=sheet.version)
        assert sheet.changes_since_last == pending
        assert payouts.describe_change(pending[0]) == (
            "变化：青山村 王秀兰：扣款③ 0.00 → 50.00；扣款合计 0.00 → 50.00；实发乡级补助 1250.00 → 1200.00；合计 1250.00 → 1200.00"
        )
        assert [a.action for a in sheet.actions] == ["compute", "recompute"]
        assert sheet.actions[-1].note == "重新计算：1处变化，合计2,450.00元"
        sheet = compute()
        assert sheet.changes_since_last == [] and sheet.actions[-1].note == "重新计算：与上次计算相比没有变化"


def test_an_approved_sheet_is_frozen_whatever_changes_later(app, world):
    with app.app_context():
        sheet = compute()
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        assert (
            sheet.status == "approved" and sheet.approved_at is not None and sheet.approved_by == ""
        )  # no 姓名 named: blank, signed by hand
        before = [(x.agent_name, x.total, dict(x.detail)) for x in sheet_lines(sheet.id)]
        # sources change afterwards
        add_deduction(world.agent_a, world.village_a, "3", "50", dt.date(2026, 8, 12))
        agent = db.session.get(Agent, world.agent_a)
        agent.name = "王秀兰（改名）"
        village = db.session.get(Village, world.village_a)
        village.name, village.supplement_per_year = "青山新村", D("2400")
        db.session.commit()
        with pytest.raises(Conflict, match="已审核，数据已冻结"):
            compute()
        assert payouts.pending_changes(sheet) == []  # not even offered
        db.session.expire_all()
        after = [(x.agent_name, x.total, dict(x.detail)) for x in sheet_lines(sheet.id)]
        assert after == before
        assert after[0][2]["village_name"] == "青山村"


def test_approval_waits_for_the_end_of_the_quarter(app, world):
    with app.app_context():
        sheet = payouts.compute_sheet({"quarter": "2026Q4"}, today=TODAY)
        with pytest.raises(Conflict, match="2026年第四季度尚未结束（2026-12-31）"):
            payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=dt.date(2027, 1, 4))
        assert sheet.status == "approved"


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        ("2027Q1", "年份应在2000至2026之间"),
        ("2026Q5", "季度格式应为"),
        ("", "季度为必填项"),
        ("三季度", "季度格式应为"),
    ],
)
def test_bad_quarters_are_refused_in_chinese(app, world, quarter, message):
    with app.app_context():
        with pytest.raises(ValidationFailed) as exc:
            payouts.compute_sheet({"quarter": quarter}, today=TODAY)
        assert message in exc.value.message
        assert db.session.execute(select(PayoutSheet)).first() is None


def test_a_quarter_not_yet_begun_is_refused(app, world):
    with app.app_context():
        with pytest.raises(ValidationFailed, match="2026年第四季度尚未开始"):
            payouts.compute_sheet({"quarter": "2026Q4"}, today=dt.date(2026, 9, 30))


def test_pay_and_reopen_rules(app, world):
    with app.app_context():
        sheet = compute()
        with pytest.raises(Conflict, match="须先审核"):
            payouts.mark_paid(sheet, {"version": sheet.version, "paid_on": "2026-11-20"}, today=TODAY)
        with pytest.raises(Conflict, match="草稿无需退回"):
            payouts.reopen_sheet(sheet, {"version": sheet.version, "reason": "x"})
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        approved_on = sheet.approved_at.date()
        with pytest.raises(ValidationFailed, match="发放日期为必填项"):
            payouts.mark_paid(sheet, {"version": sheet.version}, today=TODAY)
        with pytest.raises(ValidationFailed, match="不能晚于今天"):
            payouts.mark_paid(sheet, {"version": sheet.version, "paid_on": "2026-11-27"}, today=TODAY)
        with pytest.raises(ValidationFailed, match="不能早于审核日期"):
            payouts.mark_paid(
                sheet,
                {"version": sheet.version, "paid_on": (approved_on - dt.timedelta(days=1)).isoformat()},
                today=approved_on,
            )
        with pytest.raises(ValidationFailed, match="日期格式"):
            payouts.mark_paid(sheet, {"version": sheet.version, "paid_on": "2026-13-01"}, today=TODAY)
        with pytest.raises(ValidationFailed, match="退回原因为必填项"):
            payouts.reopen_sheet(sheet, {"version": sheet.version, "reason": "  "})
        payouts.reopen_sheet(sheet, {"version": sheet.version, "reason": "石桥村代办员扣款有误，核实后重算"})
        assert (sheet.status, sheet.approved_at, sheet.approved_by) == ("draft", None, None)
        assert sheet.actions[-1].action == "reopen" and sheet.actions[-1].note == "石桥村代办员扣款有误，核实后重算"
        # reopened: recomputing shows the change made while it was frozen
        add_deduction(world.agent_b, world.village_b, "2", "30", dt.date(2026, 9, 20))
        sheet = compute()
        assert [c["agent"] for c in sheet.changes_since_last] == ["李明"]
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        payouts.mark_paid(
            sheet, {"version": sheet.version, "paid_on": TODAY.isoformat(), "note": "已打卡发放"}, today=TODAY
        )
        assert sheet.status == "paid" and sheet.paid_on == TODAY
        with pytest.raises(Conflict, match="已发放的发放表不能退回重算"):
            payouts.reopen_sheet(sheet, {"version": sheet.version, "reason": "x"})
        with pytest.raises(Conflict, match="已于2026-11-26发放"):
            payouts.mark_paid(sheet, {"version": sheet.version, "paid_on": TODAY.isoformat()}, today=TODAY)
        with pytest.raises(Conflict, match="已发放，数据已冻结"):
            compute()
        assert [a.action for a in sheet.actions] == ["compute", "approve", "reopen", "recompute", "approve", "pay"]
        assert payouts.quarter_is_open(2026, 3) is False and payouts.month_is_open(2026, 8) is False
        assert payouts.quarter_is_open(2026, 2) is True


def test_a_stale_version_is_refused(app, world):
    with app.app_context():
        sheet = compute()
        stale = sheet.version
        compute(version=sheet.version)
        with pytest.raises(Conflict, match="已被其他人修改"):
            payouts.approve_sheet(sheet, {"version": stale}, today=TODAY)


def test_payouts_are_in_the_audit_log(app, world):
    with app.app_context():
        sheet = compute()
        payouts.approve_sheet(sheet, {"version": sheet.version}, today=TODAY)
        rows = db.session.execute(
            select(AuditLog.table_name, AuditLog.action, AuditLog.changes).order_by(AuditLog.id)
        ).all()
        tables = {(t, a) for t, a, _ in rows}
        assert {
            ("payout_sheet", "create"),
            ("payout_line", "create"),
            ("payout_action", "create"),
            ("payout_sheet", "update"),
        } <= tables
        update = [c for t, a, c in rows if (t, a) == ("payout_sheet", "update")][-1]
        assert update["status"] == ["draft", "approved"]


def test_new_lines_are_audited_as_a_flush_would_audit_them(app, world):
    """The lines are written by one bulk INSERT (issue 11): each still has its audit entry —
    every column that is not None, the village, the agent's name as summary, who did it."""
    with app.app_context():
        sheet = compute()
        lines = {line.id: line for line in sheet_lines(sheet.id)}
        rows = db.session.execute(
            select(AuditLog).where(AuditLog.table_name == "payout_line", AuditLog.action == "create")
        ).scalars()
        entries = {row.row_id: row for row in rows}
        assert set(entries) == set(lines) and len(lines) == 2
        for line_id, line in lines.items():
            entry = entries[line_id]
            assert entry.village_id == line.village_id and entry.township_id is None
            assert entry.summary == line.agent_name and entry.user_name
            changes = entry.changes
            assert changes["id"] == [None, line_id] and changes["sheet_id"] == [None, sheet.id]
            assert changes["total"] == [None, str(line.total)] and changes["d4"] == [None, str(line.d4)]
            assert changes["detail"] == [None, line.detail] and changes["agent_name"] == [None, line.agent_name]
            assert not {"created_at", "updated_at", "version"} & set(changes)
            assert ("remarks" in changes) == (line.remarks is not None)


def test_demo_step_computes_and_approves_the_last_quarter(app, world):
    from seeds import demo_payouts

    with app.app_context():
        assert demo_payouts.run(today=TODAY)["created"] is True
        sheet = payouts.get_sheet(2026, 3)
        assert sheet.status == "approved" and len(sheet_lines(sheet.id)) == 2
        # one sheet per township (issue 15 §1): the world is one township
        assert demo_payouts.run(today=TODAY) == {"sheet": sheet.id, "created": False, "sheets": [sheet.id]}


# ------------------------------------------------------------------------------ the pages


def _sheet_id(app) -> int:
    with app.app_context():
        return db.session.execute(select(PayoutSheet.id)).scalar()


def test_township_computes_approves_pays_in_the_browser_flow(app, login, world):
    c = login("zhongxin")
    page = c.get("/payoutsheet/list/").get_data(as_text=True)
    assert "补助发放表" in page and 'action="/payoutsheet/compute"' in page and "2026年第三季度" in page
    r = c.post("/payoutsheet/compute", data={"quarter": "2026Q3"})
    assert r.status_code == 302
    sid = _sheet_id(app)
    page = c.get(f"/payoutsheet/show/{sid}").get_data(as_text=True)
    for text in ("建宁乡各村便民代办补助发放表", "2026年第三季度", "草稿", "青山村", "王秀兰", "1,250.00", "2,500.00", "贰仟伍佰元整",
                 "首次计算", "重新计算", "审核", "导出 Excel", "416.67", "416.66"):  # fmt: skip
        assert text in page, text
    with app.app_context():
        add_deduction(world.agent_a, world.village_a, "4", "30", dt.date(2026, 9, 30))
        version = db.session.get(PayoutSheet, sid).version
    page = c.get(f"/payoutsheet/show/{sid}").get_data(as_text=True)
    assert "数据已有1处变化" in page and "扣款④ 0.00 → 30.00" in page
    r = c.post(f"/payoutsheet/approve/{sid}", data={"version": version}, follow_redirects=True)
    assert "请先重新计算" in r.get_data(as_text=True)
    r = c.post(f"/payoutsheet/recompute/{sid}", data={"version": version}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已重新计算" in page and "变化：青山村 王秀兰" in page and "2,470.00" in page
    with app.app_context():
        version = db.session.get(PayoutSheet, sid).version
    r = c.post(f"/payoutsheet/approve/{sid}", data={"version": version}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已审核，发放表数据已冻结" in page and "数据已冻结" in page and "退回重算" in page
    with app.app_context():
        version = db.session.get(PayoutSheet, sid).version
    r = c.post(f"/payoutsheet/pay/{sid}", data={"version": version, "paid_on": "2099-01-01"}, follow_redirects=True)
    assert "发放日期不能晚于今天" in r.get_data(as_text=True)
    r = c.post(f"/payoutsheet/pay/{sid}", data={"version": version, "paid_on": "garbage"}, follow_redirects=True)
    assert r.status_code == 200 and "日期格式" in r.get_data(as_text=True)
    with app.app_context():
        today = payouts.township_today().isoformat()
    r = c.post(f"/payoutsheet/pay/{sid}", data={"version": version, "paid_on": today}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已登记发放" in page and "已发放" in page and today in page
    with app.app_context():
        sheet = db.session.get(PayoutSheet, sid)
        assert sheet.status == "paid" and sheet.approved_by == "乡便民中心"
        assert [a.user_name for a in sheet.actions] == ["乡便民中心"] * 4


def test_illegal_moves_in_the_browser_are_refused_with_a_message(app, login, world):
    c = login("zhongxin")
    c.post("/payoutsheet/compute", data={"quarter": "2026Q3"})
    sid = _sheet_id(app)
    r = c.post(f"/payoutsheet/reopen/{sid}", data={"reason": "x"}, follow_redirects=True)
    assert "请先读取记录并带上 version（版本号）后重试" in r.get_data(as_text=True)
    with app.app_context():
        version = str(db.session.get(PayoutSheet, sid).version)
    r = c.post(f"/payoutsheet/reopen/{sid}", data={"reason": "x", "version": version}, follow_redirects=True)
    assert "草稿无需退回" in r.get_data(as_text=True)
    r = c.post(f"/payoutsheet/pay/{sid}", data={"paid_on": "2026-11-01", "version": version}, follow_redirects=True)
    assert "须先审核" in r.get_data(as_text=True)
    r = c.post("/payoutsheet/compute", data={"quarter": "2099Q1"}, follow_redirects=True)
    assert r.status_code == 200 and "年份应在" in r.get_data(as_text=True)
    assert c.post("/payoutsheet/approve/999999").status_code == 404
    assert c.get("/payoutsheet/show/abc").status_code == 404
    assert c.get("/payoutsheet/add").status_code == 404
    assert c.get(f"/payoutsheet/edit/{sid}").status_code == 404


def test_discipline_office_reads_but_cannot_approve(app, login, world):
    login("zhongxin").post("/payoutsheet/compute", data={"quarter": "2026Q3"})
    sid = _sheet_id(app)
    c = login("jijian")
    page = c.get(f"/payoutsheet/show/{sid}").get_data(as_text=True)
    assert "王秀兰" in page and "李明" in page
    assert 'id="bm-approve"' not in page and 'id="bm-recompute"' not in page
    assert 'action="/payoutsheet/compute"' not in c.get("/payoutsheet/list/").get_data(as_text=True)
    for url in (
        f"/payoutsheet/approve/{sid}",
        f"/payoutsheet/recompute/{sid}",
        f"/payoutsheet/reopen/{sid}",
        f"/payoutsheet/pay/{sid}",
    ):
        assert c.post(url, data={}).status_code == 403, url
    assert c.post("/payoutsheet/compute", data={"quarter": "2026Q3"}).status_code == 403
    with app.app_context():
        assert db.session.get(PayoutSheet, sid).status == "draft"


def test_village_secretary_sees_only_the_own_line(app, login, world):
    login("zhongxin").post("/payoutsheet/compute", data={"quarter": "2026Q3"})
    sid = _sheet_id(app)
    with app.app_context():
        b_line = db.session.execute(select(PayoutLine.id).where(PayoutLine.village_id == world.village_b)).scalar()
        a_line = db.session.execute(select(PayoutLine.id).where(PayoutLine.village_id == world.village_a)).scalar()
    c = login("qs_shuji")
    assert c.get(f"/payoutsheet/show/{sid}").status_code == 403
    assert c.get("/payoutsheet/list/").status_code == 403
    page = c.get("/payoutline/list/").get_data(as_text=True)
    assert "补助发放明细" in page and "王秀兰" in page and "1,250.00" in page and "2026年第3季度（草稿）" in page
    assert "李明" not in page and "石桥村" not in page
    assert c.get(f"/payoutline/show/{b_line}").status_code == 404
    page = c.get(f"/payoutline/show/{a_line}").get_data(as_text=True)
    assert "逐月计算" in page and "31/31" in page and "416.66" in page


# --------------------------------------------------------------------------------- the API


def test_api_workflow(app, api_token, world):
    c = app.test_client()
    h = api_token("zhongxin")
    r = c.post("/api/v1/payoutsheet/compute", json={"quarter": "2026-Q9"}, headers=h)
    assert r.status_code == 422 and "季度格式应为" in r.json["message"]
    r = c.post("/api/v1/payoutsheet/compute", data="x", headers=h)
    assert r.status_code == 400 and r.json["message"] == "请求体应为 JSON 对象"
    r = c.post("/api/v1/payoutsheet/compute", json={"quarter": "2026Q3"}, headers=h)
    assert r.status_code == 200, r.json
    sid, version = r.json["id"], r.json["result"]["version"]
    assert r.json["result"]["status"] == "draft"
    r = c.get(f"/api/v1/payoutsheet/{sid}/lines", headers=h)
    assert r.status_code == 200
    assert [(x["village_name"], x["total"]) for x in r.json["lines"]] == [("青山村", "1250.00"), ("石桥村", "1250.00")]
    assert r.json["total"] == "2500.00" and r.json["total_upper"] == "贰仟伍佰元整"
    r = c.post(f"/api/v1/payoutsheet/{sid}/approve", json={"version": version}, headers=h)
    assert r.status_code == 200 and r.json["result"]["status"] == "approved"
    version = r.json["result"]["version"]
    r = c.post(f"/api/v1/payoutsheet/{sid}/approve", json={"version": version}, headers=h)
    assert r.status_code == 409 and "只有草稿状态" in r.json["message"]
    r = c.post(f"/api/v1/payoutsheet/{sid}/pay", json={"paid_on": "2026-02-30", "version": version}, headers=h)
    assert r.status_code == 422 and "日期格式" in r.json["errors"]["paid_on"][0]
    r = c.post(f"/api/v1/payoutsheet/{sid}/reopen", json={"version": version}, headers=h)
    assert r.status_code == 422 and "退回原因为必填项" in r.json["message"]
    for bad in (None, "", "1.0", True, [version], "abc", 10**30):  # issue 10: a malformed version reopened a sheet
        r = c.post(f"/api/v1/payoutsheet/{sid}/reopen", json={"reason": "复核", "version": bad}, headers=h)
        assert r.status_code == 422 and "version" in r.json["errors"], bad
    r = c.post(f"/api/v1/payoutsheet/{sid}/reopen", json={"reason": "复核", "version": version - 1}, headers=h)
    assert r.status_code == 409
    r = c.post(f"/api/v1/payoutsheet/{sid}/reopen", json={"reason": "复核", "version": version}, headers=h)
    assert r.status_code == 200 and r.json["result"]["status"] == "draft"
    assert c.post("/api/v1/payoutsheet/999/approve", json={}, headers=h).status_code == 404
    assert c.put(f"/api/v1/payoutsheet/{sid}", json={"status": "paid"}, headers=h).status_code == 405
    assert c.post("/api/v1/payoutsheet/", json={"year": 2026, "quarter": 2}, headers=h).status_code == 405
    assert c.get("/api/v1/payoutsheet/", headers=h).json["count"] == 1
    r = c.get("/api/v1/_openapi", headers=h)
    assert r.status_code == 200 and "/payoutsheet/compute" in r.get_data(as_text=True)

    jj = api_token("jijian")
    assert c.get(f"/api/v1/payoutsheet/{sid}", headers=jj).status_code == 200
    assert c.post(f"/api/v1/payoutsheet/{sid}/approve", json={}, headers=jj).status_code == 403
    assert c.post("/api/v1/payoutsheet/compute", json={"quarter": "2026Q3"}, headers=jj).status_code == 403

    qs = api_token("qs_shuji")
    assert c.get("/api/v1/payoutsheet/", headers=qs).status_code == 403
    r = c.get("/api/v1/payoutline/", headers=qs)
    assert r.status_code == 200 and [x["agent_name"] for x in r.json["result"]] == ["王秀兰"]
    assert r.json["result"][0]["total"] in ("1250.00", 1250.0, "1250")


def test_payout_actions_reach_the_history(app, world):
    with app.app_context():
        sheet = compute()
        payouts.approve_sheet(sheet, {"version": sheet.version, "note": "核对无误"}, today=TODAY)
        notes = db.session.execute(select(PayoutAction.action, PayoutAction.note).order_by(PayoutAction.id)).all()
        assert notes[-1] == ("approve", "核对无误")
