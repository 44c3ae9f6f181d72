"""An agent, on a phone (390×844), registers an 立即办 证明 (0401 村委会证明开具) and closes it the
same day: 已受理 → 已办结 directly, no window (issue 9 §5, policy 第二条（三）4)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import screenshot, ui_login
from tests.factories import make_id

APPLICANT_ID = make_id(dt.date(1962, 7, 8), "246")


@pytest.fixture
def catalog(app, world):
    from seeds.reference import seed_reference

    with app.app_context():
        seed_reference()


def test_agent_registers_and_closes_an_immediate_certificate_the_same_day(phone_page, live_server, catalog):
    p = phone_page
    assert p.viewport_size == {"width": 390, "height": 844}
    ui_login(p, live_server, "qs_daiban")
    p.goto(f"{live_server}/case/add")
    p.select_option("#kind", "proxy")
    p.fill("#applicant_name", "孙桂英")
    p.fill("#applicant_id_number", APPLICANT_ID)
    p.fill("#applicant_phone", "13973154321")
    option = p.locator("#service_item option", has_text="0401").first
    assert "立即办" in option.inner_text()
    p.select_option("#service_item", option.get_attribute("value"))
    p.dispatch_event("#service_item", "change")
    p.check("#voluntary_confirmed")
    screenshot(p, "immediate-case-form-phone")
    p.click("#model_form [type=submit]")
    p.wait_for_load_state("networkidle")
    body = p.inner_text("body")
    assert "已受理" in body and "立即办" in body and "未当日登记" not in body
    # No 报送 needed: the agent closes it on the spot.
    p.click("text=办结并回复申请人")
    p.wait_for_load_state("networkidle")
    assert "办理结果" in p.inner_text("body")
    p.click("button[type=submit]")  # nothing filled in: refused, in Chinese
    p.wait_for_load_state("networkidle")
    assert "办理结果为必填项" in p.inner_text("body")
    p.fill("#window_result", "居住证明已开具，当场交申请人")
    p.select_option("#reply_method", "visit")
    p.click("button[type=submit]")
    p.wait_for_load_state("networkidle")
    body = p.inner_text("body")
    assert "已办结" in body and "居住证明已开具，当场交申请人" in body and "当面答复" in body
    assert "已受理 → 已办结" in body and "超期" not in body
    screenshot(p, "immediate-case-closed-phone")
    # The case page's content fits the phone (the FAB navbar header is the framework's own).
    wide = p.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => !e.closest('nav, .navbar')"
        " && e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className)"
    )
    assert wide == []
