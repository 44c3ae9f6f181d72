"""Browser tests of 督查考核: an inspector records an off-duty finding and the agent's record
shows the deduction and the strike count; the agent signs in from a phone; the township's
report and deduction pages."""

from __future__ import annotations

import datetime as dt

from app.policy.workdays import WorkCalendar
from tests.e2e.conftest import screenshot, ui_login

THU = dt.date(2026, 11, 26)


def _recent_workdays(n: int) -> list[dt.date]:
    """The ``n`` working days before today (a morning inspection then is always valid)."""
    cal, d, out = WorkCalendar(), dt.date.today(), []
    while len(out) < n:
        d -= dt.timedelta(days=1)
        if cal.is_workday(d):
            out.append(d)
    return out


def _select(page, name: str, label: str) -> None:
    """Choose an option of a (Select2-enhanced) select by its visible text."""
    page.eval_on_selector(
        f"select[name={name}]",
        """(el, text) => {
            const opt = [...el.options].find(o => o.text.trim() === text);
            el.value = opt.value;
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        label,
    )


def _record_off_duty(page, base: str, day: dt.date) -> None:
    page.goto(f"{base}/inspection/add")
    page.fill("input[name=inspected_at]", f"{day:%Y-%m-%d}T10:20")
    page.fill("input[name=inspector]", "乡纪检办 张三")
    _select(page, "village", "青山村")
    _select(page, "agent", "王秀兰")
    _select(page, "on_duty", "不在岗")
    _select(page, "six_std_counter", "符合")
    page.fill("textarea[name=problems]", "坐班时间代办点无人值守")
    page.fill("textarea[name=rectification]", "落实每日坐班制度")


def test_inspector_records_off_duty_and_agent_record_shows_deduction_and_strikes(page, live_server, world):
    first, second = _recent_workdays(2)
    ui_login(page, live_server, "jijian")
    _record_off_duty(page, live_server, first)
    screenshot(page, "supervision-inspection-form")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/inspection/list/")
    body = page.inner_text("body")
    assert "督查检查记录" in body and "不在岗" in body, body[:2000]
    screenshot(page, "supervision-inspection-list")

    _record_off_duty(page, live_server, second)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server}/strikes/agent/{world.agent_a}")
    body = page.inner_text("body")
    assert "代办员考核档案" in body and "王秀兰" in body
    assert "③督查检查不在岗" in body and "50.00" in body
    assert "2 / 3" in body.replace("\t", " ") or "2\n/ 3" in body or "2 / 3" in body
    assert "再发生1次将予以解聘" in body
    screenshot(page, "supervision-agent-record")

    # the agent's own page (代办员详情) carries the strike count too
    page.goto(f"{live_server}/agent/show/{world.agent_a}")
    body = page.inner_text("body")
    assert "③督查检查不在岗已累计2次，再发生1次将予以解聘" in body
    screenshot(page, "supervision-agent-page")

    page.goto(f"{live_server}/deduction/list/")
    body = page.inner_text("body")
    assert "扣款明细" in body and "王秀兰" in body and "50.00" in body
    screenshot(page, "supervision-deduction-list")

    page.goto(f"{live_server}/strikes/")
    body = page.inner_text("body")
    assert "考核预警" in body and "王秀兰" in body and "预警" in body
    screenshot(page, "supervision-strike-alerts")

    # the village secretary sees the same on the own village's pages
    page.goto(f"{live_server}/logout/")
    ui_login(page, live_server, "qs_shuji")
    page.goto(f"{live_server}/strikes/agent/{world.agent_a}")
    assert "再发生1次将予以解聘" in page.inner_text("body")


def test_noon_inspection_in_summer_is_refused_on_the_form(page, live_server, world):
    ui_login(page, live_server, "jijian")
    _record_off_duty(page, live_server, dt.date(2026, 7, 15))
    page.fill("input[name=inspected_at]", "2026-07-15T12:00")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "不在坐班时间内" in body and "未保存" in body
    screenshot(page, "supervision-inspection-refused")


def test_agent_signs_in_on_a_phone(phone_page, live_server, world, monkeypatch):
    now = dt.datetime.combine(THU, dt.time(8, 52))
    monkeypatch.setattr("app.services.signin.now_local", lambda: now)
    monkeypatch.setattr("app.views.signin.now_local", lambda: now)
    page = phone_page
    ui_login(page, live_server, "qs_daiban")
    page.goto(f"{live_server}/signin/today")
    body = page.inner_text("body")
    assert "每日签到" in body and "今日坐班时间" in body
    button = page.locator("button.bm-signin-button")
    box = button.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 60  # one big tap target on a phone
    screenshot(page, "supervision-signin-phone")
    button.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "签到成功（08:52）" in body and "今日已签到" in body
    screenshot(page, "supervision-signin-phone-done")


def test_township_report_pages(page, live_server, world):
    from app.policy.periods import previous_month
    from app.services.clock import today

    # last month's report: open for submission whatever day this runs (this month's opens on its
    # last working day)
    year, month = previous_month(today().year, today().month)
    ui_login(page, live_server, "qs_daiban")
    page.goto(f"{live_server}/monthlyreport/fill?month={year:04d}-{month:02d}")
    body = page.inner_text("body")
    assert "村级便民服务报送事项办理情况统计表" in body and "报空表" in body
    page.fill("textarea[name=hot_issues]", "群众关心医保缴费截止时间")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "已报送并锁定" in page.inner_text("body")
    screenshot(page, "reports-submitted")

    page.goto(f"{live_server}/logout/")
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/monthlyreport/status")
    body = page.inner_text("body")
    assert "各村月汇总表报送情况" in body and "青山村" in body and "石桥村" in body
    screenshot(page, "reports-status")
    page.goto(f"{live_server}/deduction/summary")
    assert "月度扣款汇总" in page.inner_text("body")
