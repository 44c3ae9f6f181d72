"""A township user computes, reviews, approves, marks paid and exports a quarter's 补助发放表
in the browser; a village secretary sees only the own village's line."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl

from app.extensions import db
from app.models import Deduction, Village
from app.policy.payout import last_finished_quarter
from app.services.calendar import today as township_today
from tests.e2e.conftest import ARTIFACTS, screenshot, ui_login


def _seed(app, world) -> tuple[int, int]:
    year, quarter = last_finished_quarter(township_today())
    first_month = 3 * quarter - 2
    with app.app_context():
        db.session.get(Village, world.village_b).supplement_per_year = Decimal("1200.00")
        for n, (code, amount, month) in enumerate(
            (("1", "30", first_month), ("3", "50", first_month + 1), ("5", "10", first_month + 2)), 1
        ):
            day = dt.date(year, month, 10)
            db.session.add(Deduction(code=code, agent_id=world.agent_a, village_id=world.village_a, year=year, month=month,
                                     occurred_on=day, amount=Decimal(amount), source_type="inspection", source_id=n))  # fmt: skip
        db.session.commit()
    return year, quarter


def test_township_user_runs_the_quarter_in_the_browser(page, live_server, app, world):
    year, quarter = _seed(app, world)
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/payoutsheet/list/")
    assert "补助发放表" in page.inner_text("body")
    page.select_option("select[name=quarter]", f"{year}Q{quarter}")
    page.click("form[action$='/payoutsheet/compute'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "已计算，请核对后审核" in body and "草稿" in body
    assert "1,160.00" in body and "1,550.00" in body and "2,710.00" in body  # 1250−90, 1250+300
    assert "贰仟柒佰壹拾元整" in body
    screenshot(page, "payout-sheet-draft")

    # a deduction recorded after the computation: the page says so, approval waits for a recompute
    with app.app_context():
        db.session.add(Deduction(code="4", agent_id=world.agent_b, village_id=world.village_b, year=year, month=3 * quarter,
                                 occurred_on=dt.date(year, 3 * quarter, 28), amount=Decimal("30"), source_type="report", source_id=99))  # fmt: skip
        db.session.commit()
    page.reload()
    assert "数据已有1处变化" in page.inner_text("body")
    page.click("#bm-recompute")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "已重新计算" in body and "变化：石桥村 李明：扣款④ 0.00 → 30.00" in body and "2,680.00" in body
    page.click("summary >> nth=1")
    screenshot(page, "payout-sheet-recomputed")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#bm-approve")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "已审核，发放表数据已冻结" in body and "退回重算" in body
    assert "#bm-recompute" not in page.content()

    page.click("#bm-pay")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "已登记发放" in body and "已发放" in body
    screenshot(page, "payout-sheet-paid")

    with page.expect_download() as info:
        page.click("#bm-export")
    download = info.value
    assert download.suggested_filename.startswith("补助发放表_") and download.suggested_filename.endswith(".xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "payout-sheet.xlsx"
    download.save_as(str(path))
    ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    assert ws["A1"].value == "建宁乡各村便民代办补助发放表"
    assert ws["M8"].value == 2680 and ws["A9"].value == "合计金额（大写）：贰仟陆佰捌拾元整"
    assert "已发放" in (ws["G3"].value or "")


def test_secretary_sees_the_own_line_only(page, live_server, app, world, login):
    year, quarter = _seed(app, world)
    login("zhongxin").post("/payoutsheet/compute", data={"quarter": f"{year}Q{quarter}"})
    ui_login(page, live_server, "qs_shuji")
    page.goto(f"{live_server}/payoutline/list/")
    body = page.inner_text("body")
    assert "补助发放明细" in body and "王秀兰" in body and "1,160.00" in body
    assert "李明" not in body and "石桥村" not in body
    assert "导出 Excel" in body
    screenshot(page, "payout-lines-secretary")
    page.goto(f"{live_server}/export/")
    body = page.inner_text("body")
    assert "数据导出" in body and "便民代办登记台账" in body and "补助发放表" in body
    assert "石桥村" not in body
    screenshot(page, "export-page-secretary")
