"""A village secretary logs in, sees only the own village's agents, switches language."""

from tests.e2e.conftest import screenshot, ui_login


def test_secretary_sees_own_village_and_switches_language(page, live_server):
    ui_login(page, live_server, "qs_shuji")
    page.goto(f"{live_server}/agent/list/")
    body = page.inner_text("body")
    assert "代办员列表" in body
    assert "王秀兰" in body and "青山村" in body
    assert "李明" not in body and "石桥村" not in body
    assert "430123********" in body  # ID numbers masked in lists
    screenshot(page, "secretary-agent-list-zh")

    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/agent/list/")
    english = page.inner_text("body")
    assert "Agents" in english or "Agent" in english
    screenshot(page, "secretary-agent-list-en")
    page.goto(f"{live_server}/lang/zh")
    page.goto(f"{live_server}/agent/list/")
    assert "代办员列表" in page.inner_text("body")
