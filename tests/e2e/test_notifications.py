"""The bell and 我的提醒 in a browser (issue 14 §3): an agent on a phone sees the unread count in
the header, opens 我的提醒, marks one read; the township sees the escalation on a desktop."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.jobs import run_job
from tests.e2e.conftest import follow, screenshot, ui_login
from tests.factories import case_row


def _reminders(app, world):
    with app.app_context():
        soon = case_row(world.village_a, world.agent_a, "QS2026-0101", dt.datetime(2026, 11, 24, 9, 0))
        late = case_row(world.village_a, world.agent_a, "QS2026-0102", dt.datetime(2026, 11, 18, 9, 0))
        other = case_row(world.village_b, world.agent_b, "SQ2026-0101", dt.datetime(2026, 11, 18, 9, 0))
        soon.due_on, late.due_on, other.due_on = dt.date(2026, 11, 27), dt.date(2026, 11, 23), dt.date(2026, 11, 23)
        db.session.commit()
        assert run_job("case-reminders", dt.datetime(2026, 11, 26, 8, 0)).status == "ok"


def test_agent_reads_reminders_on_a_phone(app, world, live_server, phone_page):
    _reminders(app, world)
    page = phone_page
    ui_login(page, live_server, "qs_daiban")
    bell = page.locator(".navbar-header .bm-bell-mobile")
    assert bell.is_visible() and bell.inner_text().strip() == "2"
    bell.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "我的提醒" in body and "未读 2 条，共 2 条" in body
    assert "【已超期】QS2026-0102" in body and "【即将到期】QS2026-0101" in body
    assert "SQ2026" not in body and "石桥村" not in body
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page wider than the phone: {width}px"
    screenshot(page, "notifications-phone-agent")
    page.locator(".bm-inbox li").first.locator("button", has_text="标为已读").click()
    page.wait_for_load_state("networkidle")
    assert "未读 1 条，共 2 条" in page.inner_text("body")
    assert page.locator(".navbar-header .bm-bell-mobile").inner_text().strip() == "1"
    screenshot(page, "notifications-phone-agent-after-read")


def test_township_sees_the_escalation_on_a_desktop(app, world, live_server, page):
    _reminders(app, world)
    ui_login(page, live_server, "zhongxin")
    page.click(".navbar-right .bm-bell a")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "【超期未办结】青山村 QS2026-0102" in body and "【超期未办结】石桥村 SQ2026-0101" in body
    assert "即将到期" not in body  # due-soon goes to the agent only
    screenshot(page, "notifications-desktop-township")
    follow(page, "text=全部标为已读")
    assert "未读 0 条，共 2 条" in page.inner_text("body")


def test_admin_jobs_page(app, world, live_server, page):
    _reminders(app, world)
    ui_login(page, live_server, "admin")
    page.goto(f"{live_server}/jobs/")
    body = page.inner_text("body")
    assert "定时任务" in body and "临期、超期事项提醒" in body and "每天 08:00" in body
    page.locator("tr", has_text="strike-alerts").locator("button", has_text="立即运行").click()
    page.wait_for_load_state("networkidle")
    assert "strike-alerts：完成" in page.inner_text("body")
    screenshot(page, "jobs-admin")
