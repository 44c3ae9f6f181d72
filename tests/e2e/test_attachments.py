"""An agent, on a phone (390×844), attaches a scanned 户口簿 page to a case, is refused an HTML
file named .jpg, opens the image, and retires a wrong upload (issue 15 §3 材料附件)."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from tests.e2e.conftest import screenshot, ui_login
from tests.factories import case_row


def _jpeg(path, color) -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_agent_attaches_a_scan_on_a_phone(phone_page, live_server, app, world, tmp_path):
    with app.app_context():
        case_id = case_row(world.village_a, world.agent_a, "QS2026-0201", dt.datetime(2026, 11, 23, 9, 30)).id
    good = _jpeg(tmp_path / "户口簿首页.jpg", (30, 90, 200))
    fake = tmp_path / "身份证.jpg"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    p = phone_page
    ui_login(p, live_server, "qs_daiban")
    p.goto(f"{live_server}/case/show/{case_id}")
    assert "暂无材料附件" in p.inner_text("#bm-attachments")

    p.set_input_files("#bm-att-file", good)
    p.fill("#bm-attachments input[name=title]", "户口簿首页")
    p.click("#bm-attachments button[type=submit]")
    p.wait_for_load_state("networkidle")
    section = p.inner_text("#bm-attachments")
    assert "户口簿首页.jpg" in section and "JPEG" in section and "王秀兰" in section
    assert "已上传附件：户口簿首页.jpg" in p.inner_text("body")

    p.set_input_files("#bm-att-file", str(fake))
    p.click("#bm-attachments .bm-att-upload button[type=submit]")
    p.wait_for_load_state("networkidle")
    assert "只能上传 JPEG、PNG 格式的图片或 PDF 文件" in p.inner_text("body")
    assert "身份证.jpg" not in p.inner_text("#bm-attachments")
    p.locator("#bm-attachments").scroll_into_view_if_needed()
    screenshot(p, "case-attachments-phone")

    wide = p.evaluate(
        "[...document.querySelectorAll('#bm-attachments, #bm-attachments *')]"
        ".filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className)"
    )
    assert wide == []

    # 作废 (the file stays, the reason is shown)
    p.click("#bm-attachments summary")
    p.fill("#bm-attachments textarea[name=reason]", "扫描不清，重新上传")
    p.click("#bm-attachments details button[type=submit]")
    p.wait_for_load_state("networkidle")
    section = p.inner_text("#bm-attachments")
    assert "已作废：扫描不清，重新上传" in section and "0个" in section
    screenshot(p, "case-attachments-retired-phone")

    # the image opens inline in the browser
    href = p.get_attribute("#bm-attachments a.bm-att-name", "href")
    p.goto(f"{live_server}{href}")
    width = p.evaluate("document.images.length ? document.images[0].naturalWidth : 0")
    assert width == 320
