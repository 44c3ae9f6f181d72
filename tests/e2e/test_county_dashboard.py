"""县政务服务中心 in the browser (issue 15 §1): after login the 全县汇总 page, one row per
township, another month chosen with the month field; a township's staff cannot open it."""

from __future__ import annotations

import datetime as dt

from tests.e2e.conftest import follow, screenshot, ui_login
from tests.factories import case_row


def test_county_user_compares_townships(app, world, county, live_server, page, browser):
    with app.app_context():
        case_row(world.village_a, world.agent_a, "QS2026-0101", dt.datetime(2026, 10, 13, 9, 0))
        case_row(world.village_b, world.agent_b, "SQ2026-0101", dt.datetime(2026, 10, 14, 9, 0))
        case_row(world.village_b, world.agent_b, "SQ2026-0102", dt.datetime(2026, 10, 15, 9, 0))

    ui_login(page, live_server, "xian")
    assert page.url.rstrip("/").endswith("/county")
    rows = page.locator(".bm-county-table tbody tr")
    assert rows.count() == 2
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(2)]
    assert sorted(names) == sorted(["建宁乡", "演示镇（虚构）"])
    screenshot(page, "county-dashboard")

    page.fill("#month", "2026-10")
    follow(page, ".bm-dash-head button[type=submit]")
    assert "2026年10月" in page.inner_text(".bm-dash-head")
    by_name = {
        rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)
    }
    assert by_name == {"建宁乡": "1", "演示镇（虚构）": "2"}  # 本月受理 per township
    screenshot(page, "county-dashboard-2026-10")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    other = context.new_page()
    try:
        ui_login(other, live_server, "b_zhongxin")
        other.goto(f"{live_server}/county/")
        body = other.inner_text("body")
        assert "全县汇总" not in body and "各乡镇情况" not in body and "bm-county-table" not in other.content()
    finally:
        context.close()
