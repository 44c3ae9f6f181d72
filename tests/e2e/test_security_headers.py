"""Content-Security-Policy in a real browser (issue 10 §4): FAB's own scripts (nonces), the
ECharts dashboard, forms, print pages and the public pages run without a single CSP violation."""

from __future__ import annotations

from tests.e2e.conftest import assert_no_csp_violation, screenshot, ui_login, watch_csp
from tests.e2e.test_dashboard import township  # noqa: F401  (fixture)

STAFF_PAGES = [
    "/",  # township dashboard (ECharts)
    "/case/list/",
    "/case/add",  # the case form's own script
    "/agent/list/",
    "/inspection/list/",
    "/payoutsheet/list/",
    "/export/",
    "/notices/",
    "/users/userinfo/",
    "/resetmypassword/form",
    "/auditlog/list/",
]


def test_staff_pages_run_under_the_csp(page, live_server, township):  # noqa: F811
    violations = watch_csp(page)
    ui_login(page, live_server, "zhongxin")
    for path in STAFF_PAGES:
        response = page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status in (200, 403), (path, response.status)
        assert "nonce-" in response.headers["content-security-policy"]
    page.goto(f"{live_server}/")
    page.wait_for_selector(".bm-charts[data-loaded='1']", timeout=10_000)  # ECharts drew under the CSP
    # FAB's menu script (nonce) works: the 补助发放 dropdown opens.
    page.click("a.dropdown-toggle:has-text('补助发放')")
    assert page.locator(".dropdown-menu:visible").count() >= 1
    screenshot(page, "csp-dashboard")
    assert_no_csp_violation(violations)


def test_print_pages_and_public_pages_run_under_the_csp(page, live_server, township):  # noqa: F811
    violations = watch_csp(page)
    for path in ("/public/", "/public/QS"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/notices/")
    for href in (
        page.locator("table tbody tr")
        .first.locator("a[target=_blank]")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    ):
        page.goto(f"{live_server}{href}")
        page.wait_for_load_state("networkidle")
        if "/public/" not in href:
            assert page.locator("[data-bm-print]").count() == 1, href
    assert_no_csp_violation(violations)


def test_a_script_without_the_nonce_is_refused(browser, live_server, township):  # noqa: F811
    """The policy is real: an injected inline script does not run, and the browser says so."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    violations = watch_csp(page)
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/case/list/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.bmInjected = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.bmInjected") is None
    assert violations and "Content Security Policy" in violations[0]
    context.close()


def test_login_lockout_page_in_the_browser(page, live_server, world):
    for _ in range(5):
        ui_login(page, live_server, "jijian", "wrong-password-1")
    ui_login(page, live_server, "jijian")
    assert "登录失败次数过多，请 15 分钟后再试" in page.content()
    screenshot(page, "login-locked")
