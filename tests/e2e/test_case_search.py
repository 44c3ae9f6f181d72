"""The ledger's capped count and pages in the browser (issue 11): “超过 N 条”, page numbers and
“下一页” on a phone, and a name search typed with a full-width space."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from tests.e2e.conftest import screenshot, ui_login
from tests.factories import case_row

T0 = dt.datetime(2026, 11, 2, 9, 0)


def test_capped_ledger_and_name_search_on_a_phone(app, world, live_server, phone_page):
    app.config["LIST_COUNT_CAP"] = 30
    with app.app_context():
        db.session.add_all(
            case_row(
                world.village_a,
                world.agent_a,
                f"QS2026-{n + 1:04d}",
                T0 + dt.timedelta(minutes=n),
                save=False,
                applicant_name="王建国" if n % 10 == 0 else f"李{n}",
            )
            for n in range(45)
        )
        db.session.commit()
    page = phone_page
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/case/list/?psize_CaseView=10")
    count = page.locator(".bm-record-count").inner_text()
    assert "超过 30 条" in count
    assert page.locator(".bm-pagination >> text=下一页").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    screenshot(page, "case-list-capped-phone")
    page.locator(".bm-pagination >> text=下一页").click()
    page.wait_for_load_state("networkidle")
    assert "page_CaseView=1" in page.url
    page.goto(f"{live_server}/case/list/?_flt_0_applicant_name=王　建国")
    assert page.locator(".bm-record-count").inner_text().strip().endswith("5")
    assert page.locator("td.bm-c-applicant_name", has_text="王建国").count() == 5
    screenshot(page, "case-list-name-search-phone")
