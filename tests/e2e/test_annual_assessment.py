"""Browser test of 年度考核 (issue 15 §3): three ③ in the year → the township starts the
assessment, the system proposes 不合格 with the policy's reason, the township decides and the page
points to the dismissal. Screenshots in test-artifacts/ (annual-*.png)."""

from __future__ import annotations

import datetime as dt

from app.services import supervision as ss
from tests.e2e.conftest import follow, screenshot, ui_login


def _select(page, name: str, label: str) -> None:
    page.eval_on_selector(
        f"select[name={name}]",
        """(el, text) => {
            const opt = [...el.options].find(o => o.text.trim() === text);
            el.value = opt.value;
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        label,
    )


def test_township_decides_an_annual_assessment(app, page, live_server, world):
    year = dt.date.today().year - 1
    with app.app_context():
        for month in (3, 6, 9):
            day = dt.date(year, month, 10)
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            ss.create_inspection(
                {
                    "inspected_at": dt.datetime.combine(day, dt.time(10, 0)),
                    "inspector": "乡纪检办 张三",
                    "village_id": world.village_a,
                    "on_duty": False,
                },
                now=dt.datetime.combine(dt.date.today(), dt.time(10, 0)),
            )
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/assessment/add")
    _select(page, "agent", "王秀兰")
    page.fill("input[name=year]", str(year))
    follow(page, "form button[type=submit], form input[type=submit]")
    body = page.inner_text("body")
    assert "系统汇总的年度情况" in body and "③3次（150.00元）" in body, body[:2000]

    # a household visit entered wrongly, then corrected: the first entry stays, struck through
    visit_day = dt.date.today().replace(day=1).isoformat()
    page.fill("#bm-form-visit input[name=day]", visit_day)
    page.fill("#bm-form-visit input[name=household]", "张大爷家")
    page.fill("#bm-form-visit textarea[name=findings]", "反映代办员不在岗")
    page.check("#bm-form-visit input[name=negative]")
    follow(page, "#bm-form-visit button[type=submit]")
    assert "已录入入户走访" in page.inner_text("body")
    follow(page, ".bm-evidence a:has-text('更正')")
    assert page.input_value("#bm-form-visit input[name=household]") == "张大爷家"
    page.fill("#bm-form-visit textarea[name=findings]", "走访了解：服务热情，无问题")
    page.uncheck("#bm-form-visit input[name=negative]")
    page.fill("#bm-form-visit input[name=reason]", "录错了走访户的反映")
    follow(page, "#bm-form-visit button[type=submit]")
    body = page.inner_text("body")
    assert "已更正入户走访，原记录已作废并保留" in body and "更正：录错了走访户的反映" in body, body[:2000]
    assert page.locator(".bm-voided s", has_text="反映代办员不在岗").count() == 1
    screenshot(page, "annual-evidence-corrected")

    follow(page, "#bm-propose")
    body = page.inner_text("body")
    assert "③督查检查不在岗本次聘任期内已累计3次，依照第二条（四）2予以解聘" in body, body[:2000]
    screenshot(page, "annual-proposal")

    page.fill("#bm-form-decide input[name=reason]", "全年三次督查不在岗，考核不合格")
    follow(page, "#bm-form-decide button[type=submit]")
    body = page.inner_text("body")
    assert f"已决定：{year}年度考核不合格" in body
    assert f"{year}年度考核不合格，依照政策第二条（四）2应予解聘" in body and "办理解聘" in body
    screenshot(page, "annual-decided")
