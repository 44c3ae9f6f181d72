"""好差评 from a phone (issue 14 §1): the agent prints the 受理回执, the villager scans its QR code
(decoded with zbarimg from a screenshot) and rates the closed case on a 390×844 page; the
township sees the 差评 in its list. Screenshots in test-artifacts/ (rating-*.png)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.rating import BadRatingItem, CaseRating
from app.security import unscoped
from tests.e2e.conftest import ARTIFACTS, screenshot, ui_login
from tests.factories import case_row


def _zbar(path) -> str:
    if not shutil.which("zbarimg"):
        message = "zbarimg 未安装：apt-get install zbar-tools（.ci/run 已包含）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def closed_cases(app, world):
    with app.app_context():
        ids = []
        for n, number in enumerate(("QS2026-0201", "QS2026-0202")):
            case = case_row(
                world.village_a,
                world.agent_a,
                number,
                dt.datetime(2026, 11, 23, 9, 30) + dt.timedelta(hours=n),
                status="completed",
                closed_at=dt.datetime(2026, 11, 25, 10, 0),
                window_result="已办结，证件已领取",
                applicant_name="张大爷",
                applicant_phone="13812345678",
            )
            ids.append(case.id)
        return ids


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _rating(app, case_id):
    with app.app_context(), unscoped():
        return db.session.execute(select(CaseRating).where(CaseRating.case_id == case_id)).scalar_one_or_none()


def test_a_villager_rates_the_case_from_the_receipt_qr_on_a_phone(
    app, browser, live_server, closed_cases, csrf_on, phone_page
):
    app.config["PUBLIC_BASE_URL"] = live_server  # the address the villager's phone opens
    try:
        desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, device_scale_factor=2)
        page = desk.new_page()
        ui_login(page, live_server, "qs_daiban")
        page.goto(f"{live_server}/casedoc/receipt/{closed_cases[0]}")
        assert "办结后请扫码评价" in page.inner_text("body")
        screenshot(page, "rating-receipt")
        ARTIFACTS.mkdir(exist_ok=True)
        qr_png = ARTIFACTS / "rating-receipt-qr.png"
        page.locator(".rate svg").first.screenshot(path=str(qr_png))
        url = _zbar(qr_png)
        assert url.startswith(f"{live_server}/public/rate/") and len(url) > len(live_server) + 30
        page.goto(f"{live_server}/ratingdoc/closed/{closed_cases[0]}")
        assert "便民代办办结通知" in page.inner_text("body")
        screenshot(page, "rating-closed-notice")
        slip_png = ARTIFACTS / "rating-closed-notice-qr.png"
        page.locator(".rate svg").first.screenshot(path=str(slip_png))
        assert _zbar(slip_png) == url
        desk.close()

        phone = phone_page
        phone.goto(url)
        body = phone.inner_text("body")
        assert "QS2026-0201" in body and "青山村" in body and "已办结" in body
        assert "张大爷" not in body and "13812345678" not in body
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        screenshot(phone, "rating-phone-form")
        phone.click("label[for=level-4]")  # ★★★★ 满意
        phone.click("label[for=score_attitude-5]")
        phone.fill("textarea[name=comment]", "代办员很耐心，一次办好")
        screenshot(phone, "rating-phone-filled")
        phone.click("button[type=submit]")
        phone.wait_for_load_state("networkidle")
        assert "感谢您的评价" in phone.inner_text("body")
        screenshot(phone, "rating-phone-done")
        rating = _rating(app, closed_cases[0])
        assert (rating.level, rating.score_attitude, rating.comment) == (4, 5, "代办员很耐心，一次办好")
    finally:
        app.config["PUBLIC_BASE_URL"] = ""


def test_a_bad_rating_reaches_the_township_list(app, browser, live_server, closed_cases, csrf_on, phone_page):
    with app.app_context(), unscoped():
        from app.models import Case

        token = db.session.get(Case, closed_cases[1]).rating_token
    phone_page.goto(f"{live_server}/public/rate/{token}")
    phone_page.click("label[for=level-1]")
    phone_page.fill("textarea[name=comment]", "跑了三趟")
    phone_page.fill("input[name=callback_phone]", "13900001111")
    phone_page.click("button[type=submit]")
    phone_page.wait_for_load_state("networkidle")
    assert "感谢您的评价" in phone_page.inner_text("body")
    with app.app_context(), unscoped():
        item = db.session.execute(select(BadRatingItem)).scalar_one()
        item_id = item.id
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = ctx.new_page()
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/badrating/list/")
    body = page.inner_text("body")
    assert "QS2026-0202" in body and "非常不满意" in body and "实名" in body
    screenshot(page, "rating-township-list-phone")
    page.goto(f"{live_server}/badrating/show/{item_id}")
    body = page.inner_text("body")
    assert "跑了三趟" in body and "13900001111" in body and "核实" in body
    screenshot(page, "rating-township-item-phone")
    ctx.close()
