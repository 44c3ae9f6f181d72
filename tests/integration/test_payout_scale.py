"""County scale (issue 11): the quarterly payout computation — with the settlement of ④ for the
quarter's months before it — takes the same number of SQL statements for 3 villages as for 30
(reads, updates, and the INSERTs of the sheet, its lines and their audit entries — the new lines
go in one bulk INSERT), and gives every village the policy's figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Deduction, MonthlyReport, PayoutLine, PayoutSheet
from app.services import payouts
from app.services import reports as rs
from tests.factories import make_agent, make_id, make_village

D = Decimal
pytestmark = pytest.mark.dates


def _code(n: int) -> str:
    return "V" + chr(ord("A") + n // 26) + chr(ord("A") + n % 26)


def _villages(start: int, n: int) -> list[int]:
    ids = []
    for i in range(start, start + n):
        village = make_village(f"测试村{i + 1:02d}", _code(i))
        make_agent(village, name=f"代办员{i + 1:02d}", id_number=make_id(seq=f"{i + 1:03d}"))
        ids.append(village.id)
    return ids


class Statements:
    """SQL statements run: ``count`` of them not INSERTs, ``inserts`` the INSERTs but those of
    the settlement's new reports and ④ (``settled``). A flush of new ORM rows sends one INSERT
    per row on SQLite (it cannot match the returned ids to the rows otherwise), so the payout
    lines are written by one bulk INSERT instead (``payouts._insert_lines``): their INSERTs stay
    flat on both engines. The settlement adds its rows by a flush: one INSERT per missing
    report and ④ on SQLite — the daily ``flask reports flag-missing`` has made most of them by
    the time a sheet is computed."""

    SETTLED = ("INSERT INTO MONTHLY_REPORT ", "INSERT INTO DEDUCTION ")

    def __init__(self) -> None:
        self.count = self.inserts = self.settled = 0

    def __call__(self, conn, cursor, statement, *args, **kwargs) -> None:
        text = statement.lstrip().upper()
        if text.startswith(self.SETTLED):
            self.settled += 1
        elif text.startswith("INSERT"):
            self.inserts += 1
        else:
            self.count += 1

    def during(self, fn, *args, **kwargs):
        self.count = self.inserts = self.settled = 0
        event.listen(db.engine, "before_cursor_execute", self)
        try:
            return fn(*args, **kwargs)
        finally:
            event.remove(db.engine, "before_cursor_execute", self)


def _measure(ids: list[int], quarter: int) -> dict:
    """Statements of the first computation of 2026Q<quarter> (which settles ④ for its months:
    no village reported but the first, for the quarter's first month), of the recomputation,
    and of the settlement alone once settled; the figures checked on the way."""
    n, first_month = len(ids), 3 * quarter - 2
    rs.submit_report(
        {"village_id": ids[0], "month": f"2026-{first_month:02d}"},
        now=dt.datetime.combine(rs.month_last_day(2026, first_month), dt.time(16)),
    )
    db.session.expire_all()
    counter = Statements()
    sheet = counter.during(payouts.compute_sheet, {"quarter": f"2026Q{quarter}"})
    first, first_inserts = counter.count, counter.inserts
    lines = (
        db.session.execute(select(PayoutLine).where(PayoutLine.sheet_id == sheet.id).order_by(PayoutLine.seq))
        .scalars()
        .all()
    )
    assert len(lines) == n
    assert [line.d4 for line in lines] == [D("60.00")] + [D("90.00")] * (n - 1)
    assert lines[1].total == D("1160.00")  # 1250.00 a quarter − 3 × 30.00
    fours = db.session.execute(
        select(func.count())
        .select_from(Deduction)
        .where(Deduction.code == "4", Deduction.state == "active", Deduction.village_id.in_(ids))
        .where(Deduction.month.between(first_month, first_month + 2))
    ).scalar()
    assert fours == 3 * n - 1
    reports = db.session.execute(
        select(func.count())
        .select_from(MonthlyReport)
        .where(MonthlyReport.village_id.in_(ids), MonthlyReport.month.between(first_month, first_month + 2))
    ).scalar()
    assert reports == 3 * n
    db.session.expire_all()
    again = counter.during(payouts.compute_sheet, {"quarter": f"2026Q{quarter}", "version": sheet.version})
    recompute = counter.count
    assert again.changes_since_last == []
    results = counter.during(rs.settle_quarter, 2026, quarter)
    assert [r.flagged for r in results] == [[], [], []]  # idempotent
    return {"first": first, "first inserts": first_inserts, "recompute": recompute, "settle": counter.count}


def test_payout_compute_statements_do_not_grow_with_villages(app, clock):
    app.config["MONTHLY_REPORTS_FROM"] = "2026-01"
    with app.app_context():
        clock.set("2026-10-08 09:00")
        few = _villages(0, 3)
        small = _measure(few, 2)  # 2026Q2, 3 villages
        many = few + _villages(3, 27)
        large = _measure(many, 3)  # 2026Q3, 30 villages
        assert large == small, (small, large)
        assert small["settle"] <= 8 and small["first"] <= 25 and small["first inserts"] <= 8, small


def test_settlement_names_the_villages_it_fines_in_code_order(app, clock):
    app.config["MONTHLY_REPORTS_FROM"] = "2026-07"
    with app.app_context():
        clock.set("2026-10-08 09:00")
        ids = _villages(0, 4)
        rs.submit_report({"village_id": ids[2], "month": "2026-08"}, now=dt.datetime(2026, 9, 2, 16))  # late
        results = rs.settle_quarter(2026, 3)
        assert [(r.month, r.flagged) for r in results] == [
            (7, ["测试村01", "测试村02", "测试村03", "测试村04"]),
            (8, ["测试村01", "测试村02", "测试村04"]),  # 03's ④ was made when it reported late
            (9, ["测试村01", "测试村02", "测试村03", "测试村04"]),
        ]
        late = db.session.execute(
            select(Deduction.description).where(Deduction.village_id == ids[2], Deduction.month == 8)
        ).scalar_one()
        assert late == "2026年8月月汇总表逾期报送（应于2026-08-31前报送）"
        assert rs.settle_quarter(2026, 3)[0].flagged == []


def _page_statements(app, client, url: str) -> tuple[int, str]:
    counter = Statements()
    with app.app_context():
        response = counter.during(client.get, url)
    assert response.status_code == 200
    return counter.count + counter.inserts, response.get_data(as_text=True)


def test_sheet_page_shows_every_line_and_its_working_in_the_same_statements(app, login, world, clock):
    """The sheet page (approved 2026Q3): lines with their amounts and month-by-month working;
    as many SQL statements for 2 lines as for 27."""
    app.config["MONTHLY_REPORTS_FROM"] = "2026-07"
    clock.set("2026-10-08 09:00")
    c = login("zhongxin")
    with app.app_context():
        sheet = payouts.compute_sheet({"quarter": "2026Q3"})
        sheet = payouts.approve_sheet(sheet, {"version": sheet.version})
        sid, version = sheet.id, sheet.version
    few, page = _page_statements(app, c, f"/payoutsheet/show/{sid}")
    assert "青山村" in page and "石桥村" in page and "1,160.00" in page and "2,320.00" in page
    assert page.count("<details>") == 2 and page.count("④30.00") == 12 and "7月" in page and "在岗天数" in page
    with app.app_context():
        sheet = payouts.reopen_sheet(db.session.get(PayoutSheet, sid), {"version": version, "reason": "补录村"})
        _villages(0, 25)
        sheet = payouts.compute_sheet({"quarter": "2026Q3", "version": sheet.version})
        payouts.approve_sheet(sheet, {"version": sheet.version})
    many, page = _page_statements(app, c, f"/payoutsheet/show/{sid}?all=1")  # (25 a page)
    assert page.count("<details>") == 27 and "测试村25" in page and "代办员25" in page
    assert page.count("<th>在岗天数</th>") == 27  # the header, translated once, on every working table
    assert many == few, (few, many)
    # one line on its own page: the same working
    with app.app_context():
        line = db.session.execute(
            select(PayoutLine).where(PayoutLine.sheet_id == sid).order_by(PayoutLine.seq)
        ).scalar()
    page = c.get(f"/payoutline/show/{line.id}").get_data(as_text=True)
    assert "逐月计算" in page and "7月" in page and "④30.00" in page and "在岗天数" in page


def test_sheet_page_shows_25_lines_a_page_and_the_whole_sheets_totals(app, login, world, clock):
    """A township of 62 villages: the sheet page lists 25 lines a page in 序号 order (page 3 the
    last 12), 一页显示全部 lists all 62, 只看有扣款的村 only those with a deduction; every
    page's 全表合计 is the whole sheet's (summed by the database, equal to the lines' own sum),
    in as many SQL statements as a page of 2 lines; the print page still holds every line."""
    app.config["MONTHLY_REPORTS_FROM"] = "2026-07"
    clock.set("2026-10-08 09:00")
    c = login("zhongxin")
    with app.app_context():
        for n, village_id in enumerate(_villages(0, 60)):
            if n % 3:  # two in three of them filed all three 月汇总表 on time
                for month in (7, 8, 9):
                    rs.submit_report(
                        {"village_id": village_id, "month": f"2026-{month:02d}"},
                        now=dt.datetime.combine(rs.month_last_day(2026, month), dt.time(16)),
                    )
        sheet = payouts.compute_sheet({"quarter": "2026Q3"})
        sheet = payouts.approve_sheet(sheet, {"version": sheet.version})
        sid = sheet.id
        lines = db.session.execute(select(PayoutLine).where(PayoutLine.sheet_id == sid)).scalars().all()
        expected = payouts.sheet_totals(lines)
        assert payouts.stored_totals(sheet) == expected
        deducted = sorted(line.seq for line in lines if line.deductions_total > 0)
        assert len(lines) == 62 and 0 < len(deducted) < 62
    total = f'<th class="text-right">{expected.total:,.2f}</th>'

    first_n, first = _page_statements(app, c, f"/payoutsheet/show/{sid}")
    assert first.count("<details>") == 25 and "第 1 / 3 页" in first and "下一页" in first
    assert f"共62个村，其中有扣款的{len(deducted)}个。" in first and "全表合计" in first
    foot = first.split("<tfoot>")[1].split("</tfoot>")[0]
    assert total in foot and expected.total_upper in foot
    second_n, second = _page_statements(app, c, f"/payoutsheet/show/{sid}?page=3")
    assert second.count("<details>") == 12 and "第 3 / 3 页" in second and "上一页" in second
    assert second.split("<tfoot>")[1].split("</tfoot>")[0] == foot and first_n == second_n
    middle = c.get(f"/payoutsheet/show/{sid}?page=2").get_data(as_text=True)
    seqs = [int(s.split(".")[0]) for page in (first, middle, second) for s in page.split("<summary>")[1:]]
    assert seqs == list(range(1, 63))  # 序号 order, every line once
    assert c.get(f"/payoutsheet/show/{sid}?page=99").get_data(as_text=True).count("<details>") == 12
    assert c.get(f"/payoutsheet/show/{sid}?page=x").status_code == 200

    everything = c.get(f"/payoutsheet/show/{sid}?all=1").get_data(as_text=True)
    assert everything.count("<details>") == 62 and "下一页" not in everything and "分页显示" in everything
    only = c.get(f"/payoutsheet/show/{sid}?deducted=1").get_data(as_text=True)
    assert [int(s.split(".")[0]) for s in only.split("<summary>")[1:]] == deducted
    assert only.split("<tfoot>")[1].split("</tfoot>")[0] == foot  # the whole sheet's 合计 still

    printed = c.get(f"/payoutsheet/print/{sid}").get_data(as_text=True)
    assert "测试村01" in printed and "测试村60" in printed and f"{expected.total:,.2f}" in printed
