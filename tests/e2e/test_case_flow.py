"""An agent, on a phone, registers a proxy case, prints the receipt, submits it and completes
it with a reply; the township sees it in the ledger and on the case page.

Screenshots (test-artifacts/): case form (phone), case page (phone), 受理回执 and 一次性告知单
(also printed to PDF: one A4 page each), case page with its timeline and the ledger (desktop).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.conftest import ARTIFACTS, screenshot, ui_login
from tests.factories import make_id

APPLICANT_ID = make_id(dt.date(1950, 1, 1), "123")


@pytest.fixture
def catalog(app, world):
    from seeds.demo_cases import run
    from seeds.reference import seed_reference

    with app.app_context():
        seed_reference()
        run(today=dt.date.today())  # a few months of history for the two test villages


def _pdf_pages(page, name: str) -> int:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_agent_handles_a_case_on_a_phone_end_to_end(phone_page, page, live_server, catalog):
    p = phone_page
    ui_login(p, live_server, "qs_daiban")
    p.goto(f"{live_server}/case/add")
    assert "受理登记" in p.inner_text("body")
    # The agent's own village and agent are implied: no such fields on the form.
    assert p.locator("#village").count() == 0 and p.locator("#agent").count() == 0
    p.select_option("#kind", "proxy")
    p.fill("#applicant_name", "赵大爷")
    p.fill("#applicant_id_number", APPLICANT_ID)
    p.fill("#applicant_phone", "13973112345")
    # Choosing the item draws its material checklist.
    item_value = p.locator("#service_item option", has_text="0101").first.get_attribute("value")
    p.select_option("#service_item", item_value)
    p.dispatch_event("#service_item", "change")
    boxes = p.locator("ul.bm-materials input[type=checkbox]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    p.check("#voluntary_confirmed")
    screenshot(p, "case-form-phone")
    p.click("#model_form [type=submit]")
    p.wait_for_load_state("networkidle")
    body = p.inner_text("body")
    assert re.search(r"QS\d{4}-\d{4}", body) and "已受理" in body and "办理留痕" in body
    assert "尚缺材料" in body
    case_url = p.url
    screenshot(p, "case-page-phone")

    # 受理回执 and 一次性告知单: printable, one A4 page each.
    with p.context.expect_page() as opened:
        p.click('a.btn:has-text("打印受理回执")')
    receipt = opened.value
    receipt.wait_for_load_state("networkidle")
    text = receipt.inner_text("body")
    assert "便民代办受理回执" in text and "第二联 回执（交申请人）" in text
    assert "430123********" + APPLICANT_ID[-4:] in text and "王秀兰" in text
    screenshot(receipt, "case-receipt-phone")
    receipt.set_viewport_size({"width": 900, "height": 1273})
    screenshot(receipt, "case-receipt")
    assert _pdf_pages(receipt, "case-receipt") == 1
    receipt.goto(case_url.replace("/case/show/", "/casedoc/notice/"))
    assert "一次性告知单" in receipt.inner_text("body") and "尚需补交" in receipt.inner_text("body")
    screenshot(receipt, "case-notice")
    assert _pdf_pages(receipt, "case-notice") == 1
    receipt.close()

    # Submit to the township window, then complete with the reply.
    p.click("text=报送乡便民服务中心窗口")
    p.wait_for_load_state("networkidle")
    assert p.input_value("#submitted_window") == "乡便民服务中心社保窗口"
    p.click("button[type=submit]")
    p.wait_for_load_state("networkidle")
    assert "已报送" in p.inner_text("body")
    p.click("text=办结并回复申请人")
    p.wait_for_load_state("networkidle")
    p.click("button[type=submit]")  # nothing filled in: refused, in Chinese
    p.wait_for_load_state("networkidle")
    assert "窗口办理结果为必填项" in p.inner_text("body")
    p.fill("#window_result", "已审核通过，参保登记完成")
    p.select_option("#reply_method", "phone")
    screenshot(p, "case-step-phone")
    p.click("button[type=submit]")
    p.wait_for_load_state("networkidle")
    body = p.inner_text("body")
    assert "已办结" in body and "已审核通过，参保登记完成" in body and "电话告知" in body
    assert "台账审核" not in body  # agents do not review the ledger
    p.goto(f"{live_server}/case/list/")
    assert "赵大爷" in p.inner_text("body") and "石桥村" not in p.inner_text("body")
    screenshot(p, "case-list-phone")

    # The township sees the whole trace and may review the ledger line.
    ui_login(page, live_server, "zhongxin")
    page.goto(case_url)
    body = page.inner_text("body")
    assert "已受理 → 已报送" in body and "已报送 → 已办结" in body and "台账审核" in body
    screenshot(page, "case-page-timeline")
    page.goto(f"{live_server}/case/list/")
    body = page.inner_text("body")
    assert "受理登记台账" in body and "赵大爷" in body
    screenshot(page, "case-list")
