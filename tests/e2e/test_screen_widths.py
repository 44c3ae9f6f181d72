"""Issue 12 §5 in the browser: no page an agent or a secretary uses scrolls sideways on a
390 px phone; deductions are cards whose 金额 and 状态 stay in view; the date picker is
Chinese with weeks from Monday; the township dashboard fits 1366 px in English."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.extensions import db
from app.models import Agent, Case, Deduction
from app.services import cases as case_service
from app.services import reports as rs
from seeds.reference import ensure_catalog, seed_reference
from tests.e2e.conftest import screenshot, ui_login
from tests.factories import proxy_data
from tests.integration.test_cases_support import acting

PHONE = 390


def _items(app) -> dict[str, int]:
    from sqlalchemy import select

    from app.models import ServiceItem

    with app.app_context():
        seed_reference()
        return {code: pk for code, pk in db.session.execute(select(ServiceItem.code, ServiceItem.id))}


def _data(app, world) -> dict:
    """A proxy case and a consultation, a returned report and two deductions (one voided)."""
    items = _items(app)
    with app.app_context():
        ensure_catalog()
        proxy = case_service.create_case(
            proxy_data(world, items, received_at=dt.datetime.now() - dt.timedelta(hours=2))
        ).id
        consult = case_service.create_case(
            {
                "village_id": world.village_a,
                "agent_id": world.agent_a,
                "kind": "consult",
                "applicant_name": "张老伯",
                "request_text": "问医保缴费时间",
                "received_at": dt.datetime.now() - dt.timedelta(hours=1),
            }
        ).id
        last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        report = rs.save_draft({"village_id": world.village_a, "month": f"{last:%Y-%m}", "hot_issues": "医保缴费"}).id
        for n, state in ((1, "active"), (2, "void")):
            db.session.add(
                Deduction(
                    code="3",
                    agent_id=world.agent_a,
                    village_id=world.village_a,
                    year=last.year,
                    month=last.month,
                    occurred_on=last,
                    amount=Decimal("50.00"),
                    source_type="inspection",
                    source_id=900 + n,
                    description="督查时不在岗，长一些的说明文字用来检验卡片是否换行而不撑宽页面",
                    state=state,
                    void_reason="核实为请假" if state == "void" else None,
                )
            )
        db.session.commit()
    with acting(app, "qs_daiban"):
        case_service.transition_case(
            db.session.get(Case, proxy), {"to": "submitted", "submitted_window": "乡便民服务中心社保窗口"}
        )
    return {"proxy": proxy, "consult": consult, "report": report}


def _menu_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(".navbar a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h.startswith("/") and not h.startswith("/lang") and "logout" not in h]


def _too_wide(page, base: str, urls: list[str], width: int, shot_prefix: str) -> list[str]:
    wide = []
    for url in dict.fromkeys(urls):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide.append(f"{url}: {scroll}px")
        if url in ("/case/list/", "/export/", "/deduction/list/") or "/strikes/agent/" in url or "/case/show/" in url:
            screenshot(page, f"{shot_prefix}{url.strip('/').replace('/', '_') or 'home'}")
    return wide


def test_agent_and_secretary_pages_fit_a_phone(app, world, live_server, phone_page):
    ids = _data(app, world)
    with app.app_context():
        agent_id = world.agent_a
        assert db.session.get(Agent, agent_id) is not None
    page = phone_page
    # the sign-in page itself
    page.goto(f"{live_server}/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    ui_login(page, live_server, "qs_daiban")
    agent_pages = _menu_links(page) + [
        "/",
        "/case/list/",
        "/case/add",
        f"/case/show/{ids['proxy']}",
        f"/case/show/{ids['consult']}",
        f"/case/step/{ids['proxy']}/completed",
        f"/case/step/{ids['proxy']}/rejected",
        f"/case/step/{ids['consult']}/answered",
        f"/case/step/{ids['consult']}/referred",
        f"/case/extend/{ids['proxy']}",
        "/signin/today",
        "/monthlyreport/fill",
        "/monthlyreport/list/",
        f"/monthlyreport/show/{ids['report']}",
        "/monthlyreport/status",
        "/deduction/list/",
        "/deduction/summary",
        "/strikes/",
        f"/strikes/agent/{agent_id}",
        f"/agent/show/{agent_id}",
        f"/village/show/{world.village_a}",
        "/export/",
        "/users/userinfo/",
    ]
    wide = _too_wide(page, live_server, agent_pages, PHONE, "phone-agent-")
    assert not wide, wide

    # the agent's deductions: a card per deduction, 金额 and 状态 on screen, the voided one marked
    page.goto(f"{live_server}/strikes/agent/{agent_id}")
    cards = page.locator(".bm-deduction-table tbody tr")
    assert cards.count() == 2
    for i in range(2):
        for label in ("金额（元）", "状态"):
            cell = cards.nth(i).locator(f"td[data-label='{label}']")
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE, (label, box)
    texts = [cards.nth(i).inner_text() for i in range(2)]
    assert any("有效" in t for t in texts) and any("已撤销" in t and "核实为请假" in t for t in texts)
    assert page.locator(".bm-deduction-table tr.bm-void").count() == 1

    # the monthly report's table is cards too: every figure visible without scrolling sideways
    page.goto(f"{live_server}/monthlyreport/show/{ids['report']}")
    first = page.locator(".bm-figures tbody tr").first
    box = first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE

    # an empty required field: the banner at the top names it (the browser refused to send)
    page.goto(f"{live_server}/case/step/{ids['proxy']}/completed")
    page.fill("textarea[name=window_result]", "")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    banner = page.locator(".alert-danger").first
    banner.wait_for()
    assert "未保存" in banner.inner_text() and "窗口办理结果" in banner.inner_text()
    assert banner.bounding_box()["y"] < 400
    screenshot(page, "phone-agent-required-banner")
    # the browser refuses an empty required field before sending: the same banner, at the top
    page.goto(f"{live_server}/case/add")
    page.click("#model_form button[type=submit]")
    alert = page.locator("#bm-form-alert")
    alert.wait_for()
    assert "未保存：请填写或更正以下项目" in alert.inner_text() and "申请人姓名" in alert.inner_text()
    assert page.evaluate("window.scrollY") < 200
    screenshot(page, "phone-agent-required-banner-browser")

    # the secretary of the village
    page.goto(f"{live_server}/logout/")
    ui_login(page, live_server, "qs_shuji")
    secretary_pages = _menu_links(page) + [
        "/",
        "/case/list/",
        f"/case/show/{ids['proxy']}",
        f"/case/show/{ids['consult']}",
        "/monthlyreport/list/",
        f"/monthlyreport/show/{ids['report']}",
        "/deduction/list/",
        "/strikes/",
        f"/strikes/agent/{agent_id}",
        f"/agent/show/{agent_id}",
        f"/village/show/{world.village_a}",
        "/export/",
        "/users/userinfo/",
    ]
    wide = _too_wide(page, live_server, secretary_pages, PHONE, "phone-secretary-")
    assert not wide, wide


def test_date_picker_is_chinese_with_monday_first(app, world, live_server, phone_page):
    page = phone_page
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/agent/edit/{world.agent_a}")
    field = page.locator(".appbuilder_date input").first
    field.click()
    picker = page.locator(".datepicker-days")
    picker.wait_for()
    title = picker.locator(".datepicker-switch").inner_text()
    assert "年" in title and "月" in title, title
    days = picker.locator("thead th.dow").all_inner_texts()
    assert days[:2] == ["一", "二"] and days[-1] == "日", days
    screenshot(page, "phone-datepicker-zh")
    # FAB's form: every field within the phone's width (labels above fields)
    for box in page.locator("#model_form .form-control:visible").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right)"
    ):
        assert box <= PHONE, box


def test_township_dashboard_fits_1366_in_english(app, world, browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        ui_login(page, live_server, "zhongxin")
        page.goto(f"{live_server}/lang/en")
        page.goto(f"{live_server}/dashboard/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        table, room = page.evaluate(
            "() => { const t = document.querySelector('#bm-village-table'); return [t.scrollWidth, t.parentElement.clientWidth]; }"
        )
        assert table <= room, (table, room)
        body = page.inner_text("body")
        assert "Month 10Submitted" not in body and "Month 11Submitted" not in body
        screenshot(page, "desktop-dashboard-en-1366")
        page.goto(f"{live_server}/lang/zh")
    finally:
        context.close()
