"""Issue 15 §1 in the browser: the public index of a county grouped by township, and the
navbar of a township-B user naming B's system. Screenshots into test-artifacts/."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS, screenshot, ui_login

B_BRAND = "演示镇（虚构）便民代办服务管理系统"


def test_public_index_by_township_and_b_users_navbar(live_server, page, county):
    page.goto(f"{live_server}/public/")
    headings = page.locator("h3.township").all_inner_texts()
    assert headings == ["建宁乡", "演示镇（虚构）"]
    assert page.locator("h1").inner_text() == "全县各村便民代办点"
    screenshot(page, "township-public-index")

    ui_login(page, live_server, "b_zhongxin")
    assert page.locator(".navbar-brand").first.inner_text().strip() == B_BRAND
    assert page.title() == B_BRAND
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "township-b-navbar.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 160})
