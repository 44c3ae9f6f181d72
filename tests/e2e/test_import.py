"""乡便民中心 imports villages from Excel in the browser: list page → Excel 导入 → upload → the
check of every row (a bad row refused with its message) → a corrected file → 确认导入."""

from __future__ import annotations

import datetime as dt

from tests.e2e.conftest import follow, screenshot, ui_login
from tests.factories import make_id
from tests.integration.test_import import AGENT_HEADERS, agent_row, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choose(page, name: str, data: bytes) -> None:
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": data}])


def test_township_imports_villages_from_excel(page, live_server):
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/village/list/")
    assert "下载导入模板" in page.inner_text("body")
    follow(page, "text=Excel 导入")
    assert "Excel 导入行政村" in page.inner_text("body")

    bad = xlsx(
        ["村名", "村代码", "服务电话"],
        [["云湖村", "YH", "0731-84562099"], ["青山村", "QSX", None], ["松坪村", "S1", None]],
    )
    _choose(page, "行政村名单.xlsx", bad)
    page.click("button:has-text('上传并检查')")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "共 3 行：可导入 1 行，有问题 2 行。" in body
    assert "可导入" in body and "村名“青山村”已存在" in body and "村代码应为2至6位英文字母" in body
    assert page.locator("button:has-text('确认导入')").count() == 0
    screenshot(page, "import-villages-check")

    good = xlsx(["村名", "村代码", "服务电话"], [["云湖村", "YH", "0731-84562099"], ["松坪村", "SP", None]])
    _choose(page, "行政村名单.xlsx", good)
    page.click("button:has-text('上传并检查')")
    page.wait_for_load_state("networkidle")
    assert "共 2 行：可导入 2 行，有问题 0 行。" in page.inner_text("body")
    page.click("button:has-text('确认导入')")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "行政村列表" in body and "已导入行政村 2 条" in body
    assert "云湖村" in body and "松坪村" in body
    screenshot(page, "import-villages-done")


def test_agent_check_on_a_phone(phone_page, live_server):
    page = phone_page
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/import/agents/")
    valid = make_id(dt.date(1995, 8, 9), "777")
    wrong_digit = valid[:17] + ("1" if valid[17] != "1" else "2")
    rows = [agent_row(), agent_row("钱一", id_number=wrong_digit, education="初中")]
    _choose(page, "代办员.xlsx", xlsx(AGENT_HEADERS, rows))
    page.click("button:has-text('上传并检查')")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "共 2 行：可导入 1 行，有问题 1 行。" in body
    assert "身份证号校验位不正确" in body and "文化程度" in body and "高中、中专同等学历及以上" in body
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is wider than the phone: {width}px"
    screenshot(page, "import-agents-check-phone")
