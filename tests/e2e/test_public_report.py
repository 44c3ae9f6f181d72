"""我要反映 on a phone (390×844, JavaScript off as in a locked-down WeChat browser): a villager
files a report from the village page, gets a query code and looks up the status; 乡纪检办
finds it in 待核实. Screenshots in test-artifacts/public-report-*.png."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, follow, screenshot, ui_login
from tests.integration.test_public_report import CHINESE_DIGITS

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
)


@pytest.fixture
def villager(browser, app):
    app.config.update(WTF_CSRF_ENABLED=True, PUBLIC_REPORT_MIN_SECONDS=1)
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


def _answer(page) -> str:
    a, op, b = re.fullmatch(r"(.)(加|减)(.)等于几？", page.inner_text(".challenge .q").strip()).groups()
    x, y = CHINESE_DIGITS.index(a), CHINESE_DIGITS.index(b)
    return str(x + y if op == "加" else x - y)


def test_villager_reports_and_follows_it_on_a_phone(villager, browser, live_server, world):
    page = villager
    page.goto(f"{live_server}/public/QS")
    card = page.locator("section.card", has_text="监督与投诉")
    assert "我要反映" in card.inner_text() and "查询反映进度" in card.inner_text()
    _fits_the_screen(page)
    card.screenshot(path=str(ARTIFACTS / "public-report-village-link-phone.png"))
    page.click('a.btn:has-text("我要反映")')
    assert page.url.endswith("/public/QS/report")
    body = page.inner_text("body")
    assert "我要反映" in body and "反映内容" in body and "可不填，不填即为匿名反映" in body
    assert page.eval_on_selector_all("#agent_id option", "els => els.map(e => e.textContent)") == [
        "本村代办点（不指定代办员）",
        "代办员王秀兰",
    ]
    _fits_the_screen(page)
    screenshot(page, "public-report-form-phone")

    # a wrong answer: refused in Chinese, nothing lost of what was typed
    page.select_option("#agent_id", label="代办员王秀兰")
    page.check("input[name=kind][value=refused]")
    page.fill("#content", "11月20日上午去村代办点办理社保卡补办，代办员说这事不归他管，不给办。")
    page.fill("#complainant_phone", "139-7310-0003")
    page.fill("#answer", "99")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    body = page.inner_text("body")
    assert "提交未成功" in body and "验证题答案不正确" in body
    assert "不归他管" in page.input_value("#content")
    _fits_the_screen(page)
    screenshot(page, "public-report-refused-phone")

    page.fill("#answer", _answer(page))
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    assert page.url.endswith("/public/report/done")
    body = page.inner_text("body")
    assert "反映已提交" in body and "您的查询码" in body and "青山村" in body
    code = page.inner_text("#query-code").strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code)
    _fits_the_screen(page)
    screenshot(page, "public-report-done-phone")

    page.click('a.btn:has-text("查看处理进度")')
    page.fill("#code", code.lower())
    page.click("button[type=submit]")
    result = page.inner_text("#report-result")
    assert "已收到" in result and "收到日期" in result and "社保卡" not in page.inner_text("body")
    _fits_the_screen(page)
    screenshot(page, "public-report-status-phone")

    page.fill("#code", "ABCDE-FGHJK")
    page.click("button[type=submit]")
    assert "没有查到这个查询码对应的反映" in page.inner_text("#report-result")
    screenshot(page, "public-report-status-unknown-phone")

    # 乡纪检办 finds it in 待核实, marked 网上反映
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    office = context.new_page()
    try:
        ui_login(office, live_server, "jijian")
        office.goto(f"{live_server}/complaint/list/")
        follow(office, "text=网上反映·待核实")
        listing = office.inner_text("body")
        assert "公开页面提交" in listing and "待核实" in listing and "王秀兰" in listing
        screenshot(office, "public-report-township-list")
    finally:
        context.close()
