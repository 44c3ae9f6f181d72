"""好差评 on the dashboards (issue 14 §1 figures): the township sees the month's 好评率 and the
差评 items past their due day; a village sees its own only."""

from __future__ import annotations

import re

from tests.integration.test_ratings import RATED_ON, _closed, _rate


def _kpi(body: str, label: str) -> str:
    """The value printed under a KPI label (the macro prints the label, then the value)."""
    m = re.search(re.escape(label) + r".{0,200}?bm-kpi-value[^>]*>\s*([^<]+?)\s*<", body, re.S)
    assert m, f"no KPI {label}"
    return m.group(1)


def test_township_and_village_dashboards_show_the_ratings_of_their_scope(app, world, client, clock, login):
    _, good = _closed(app, world.village_a, world.agent_a, "QS2026-0101")
    _, bad = _closed(app, world.village_a, world.agent_a, "QS2026-0102")
    clock.set(RATED_ON, tick=False)
    assert _rate(client, good, level="5").status_code == 303
    assert _rate(client, bad, level="1", comment="跑了两趟").status_code == 303

    clock.set("2026-09-30 10:00", tick=False)
    township = login("zhongxin").get("/").get_data(as_text=True)
    assert _kpi(township, "本月好评率") == "50.0%" and "群众评价2件 · 差评1件" in township
    assert _kpi(township, "差评整改超期") == "0"
    village_a = login("qs_shuji").get("/").get_data(as_text=True)
    assert _kpi(village_a, "本月好评率") == "50.0%"
    village_b = login("sq_shuji").get("/").get_data(as_text=True)
    assert _kpi(village_b, "本月好评率") == "—" and "群众评价0件" in village_b

    clock.set("2026-10-26 10:00", tick=False)  # the 差评 item was due Fri 23 Oct
    township = login("zhongxin").get("/").get_data(as_text=True)
    assert _kpi(township, "差评整改超期") == "1"
    assert "差评整改超期0件" in login("sq_shuji").get("/").get_data(as_text=True)
