"""The colours of the dashboards' rates come from config.py (DASHBOARD_RATE_*), not the template."""

from __future__ import annotations

from tests.integration.test_dashboard import freeze, seed_dashboard_data

ONTIME_33 = 'title="按时办结1件 / 已办结2件 + 超期未办结1件">33%'  # 青山村, this month
SIGNIN_21 = 'title="签到4天 / 应签19天，迟到1天">21%'


def _cell_class(body: str, marker: str) -> str:
    start = body.rindex("class=", 0, body.index(marker))
    return body[start : body.index(marker)]


def test_rate_colours_follow_the_settings(app, world, login, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        seed_dashboard_data(world)
    body = login("zhongxin").get("/").get_data(as_text=True)
    assert "bm-bad" in _cell_class(body, ONTIME_33) and "bm-bad" in _cell_class(body, SIGNIN_21)

    app.config.update(DASHBOARD_RATE_GOOD=0.5, DASHBOARD_SIGNIN_GOOD=0.9, DASHBOARD_RATE_WARN=0.2)
    body = login("zhongxin").get("/").get_data(as_text=True)
    assert "bm-warn" in _cell_class(body, ONTIME_33) and "bm-warn" in _cell_class(body, SIGNIN_21)

    app.config.update(DASHBOARD_RATE_GOOD=0.3, DASHBOARD_SIGNIN_GOOD=0.2)
    body = login("zhongxin").get("/").get_data(as_text=True)
    assert "bm-good" in _cell_class(body, ONTIME_33) and "bm-good" in _cell_class(body, SIGNIN_21)


def test_chart_bars_get_the_same_marks(app, world, login, monkeypatch):
    freeze(monkeypatch)
    assert login("zhongxin").get("/dashboard/data/township").get_json()["ontime"]["marks"] == {
        "good": 95.0,
        "warn": 80.0,
    }
    app.config.update(DASHBOARD_RATE_GOOD=0.9, DASHBOARD_RATE_WARN=0.75)
    assert login("zhongxin").get("/dashboard/data/township").get_json()["ontime"]["marks"] == {
        "good": 90.0,
        "warn": 75.0,
    }
