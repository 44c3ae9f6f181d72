"""Browser tests: the real UI in headless Debian Chromium, driven by Playwright.

Without /usr/bin/chromium the tests skip with a reason — except under CI=true, where a
skipped browser test would hide a broken install, so they fail instead.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app, world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def _playwright():
    if not os.path.exists(CHROMIUM):
        message = f"浏览器测试需要 Chromium（{CHROMIUM}）：apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev installs it
        if os.environ.get("CI") == "true":
            pytest.fail("playwright 未安装")
        pytest.skip("playwright 未安装")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def watch_csp(page) -> list[str]:
    """Collect the Content-Security-Policy violations the browser reports on ``page``."""
    violations: list[str] = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return violations


def assert_no_csp_violation(violations: list[str]) -> None:
    assert not violations, "CSP 拦截了页面资源或脚本：\n" + "\n".join(violations)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = watch_csp(page)
    yield page
    context.close()
    assert_no_csp_violation(violations)


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (agents work from a phone)."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    violations = watch_csp(page)
    yield page
    context.close()
    assert_no_csp_violation(violations)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def follow(page, selector: str) -> None:
    """Click a link or submit button and wait until the page it leads to has loaded.

    ``click`` followed by ``wait_for_load_state`` alone can read the old page when the
    navigation has not started yet (a race a loaded CI machine loses).
    """
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def ui_login(page, base: str, username: str, password: str | None = None) -> None:
    from tests.factories import PASSWORD

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    follow(page, "input[type=submit], button[type=submit]")
