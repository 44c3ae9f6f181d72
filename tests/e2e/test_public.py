"""The public pages on a phone (390×844), as a villager scanning the notice-board QR code sees
them; JavaScript off, as in a locked-down WeChat browser. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.test_dashboard import build_township
from tests.integration.test_dashboard import freeze

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
)


@pytest.fixture
def town(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        build_township(world)


@pytest.fixture
def wechat(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        java_script_enabled=False,
    )
    page = context.new_page()
    yield page
    context.close()


def _fits_the_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 391


def test_public_index_on_a_phone(wechat, live_server, town):
    wechat.goto(f"{live_server}/public/")
    body = wechat.inner_text("body")
    assert "建宁乡各村便民代办点" in body and "青山村" in body and "梅岭村" in body
    _fits_the_screen(wechat)
    screenshot(wechat, "public-index-phone")


def test_village_page_on_a_phone(wechat, live_server, town):
    wechat.goto(f"{live_server}/public/QS")
    body = wechat.inner_text("body")
    assert "青山村便民代办点" in body and "正在坐班" in body and "王秀兰" in body
    assert "办事须知（一次性告知）" in body and "0731-84561234" in body
    _fits_the_screen(wechat)
    screenshot(wechat, "public-village-phone")
    # a villager opens an item to see what to bring — no JavaScript needed (<details>)
    item = wechat.locator("details.item", has_text="城乡居民基本养老保险参保登记").first
    item.locator("summary").click()
    assert item.get_attribute("open") is not None
    assert "户口簿" in item.inner_text()
    item.scroll_into_view_if_needed()
    screenshot(wechat, "public-village-item-open-phone")


def test_village_page_when_closed(wechat, live_server, town, monkeypatch):
    freeze(monkeypatch, dt.datetime(2026, 10, 1, 10, 0))  # National Day
    wechat.goto(f"{live_server}/public/QS")
    body = wechat.inner_text("body")
    assert "现在不是坐班时间" in body and "10月8日（周四）上午9:00" in body
    wechat.screenshot(path=str(ARTIFACTS / "public-village-closed-phone.png"))  # the first screen only


def test_unknown_village_on_a_phone(wechat, live_server, town):
    response = wechat.goto(f"{live_server}/public/NOPE")
    assert response.status == 404
    assert "没有找到这个村的便民代办公开信息" in wechat.inner_text("body")
    screenshot(wechat, "public-404-phone")
