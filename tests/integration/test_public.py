"""Public disclosure pages (SPEC §10, policy §二(四)4, §三2, §六(四)): content, absence of
personal data, open-now at the boundary times, QR codes, 404s, read-only, rate limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.models import Agent, Village
from app.policy.office_hours import DEFAULT_OFFICE_HOURS
from app.policy.opening import next_opening, open_state
from app.policy.workdays import WorkCalendar
from app.security import unscoped
from tests.conftest import made_app
from tests.integration.test_dashboard import APPLICANTS, freeze, seed_dashboard_data

pytestmark = pytest.mark.dates

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        out = seed_dashboard_data(world)
        with unscoped():
            qs = db.session.get(Village, world.village_a)
            qs.address = "建宁乡青山村村民委员会一楼便民服务代办点"
            db.session.commit()
        return out


# -- content ---------------------------------------------------------------------------------
def test_index_lists_the_villages(client, data):
    r = client.get("/public/")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, max-age=60"
    assert "建宁乡各村便民代办点" in body
    assert 'href="/public/QS"' in body and 'href="/public/SQ"' in body
    assert "王秀兰" in body and "李明" in body
    assert "0731-84561234" in body  # supervision phone (config SUPERVISION_PHONE)
    assert "正在坐班" in body  # Thursday 10:00


def test_village_page_shows_what_to_bring_and_when_the_agent_is_there(client, data):
    body = client.get("/public/QS").get_data(as_text=True)
    assert "青山村便民代办点" in body
    assert "王秀兰" in body  # agent's name
    assert "0731-84562001" in body and 'href="tel:0731-84562001"' in body  # the village service phone
    assert "建宁乡青山村村民委员会一楼便民服务代办点" in body
    assert "正在坐班" in body and "上午9:00—11:30，下午2:30—5:30" in body  # today, winter
    assert "夏季（5月1日起）" in body and "冬季（10月1日起）" in body
    # catalog: items, materials, time limits, fees (一次性告知)
    assert "城乡居民基本养老保险参保登记" in body and "开具居住证明" in body
    assert "户口簿" in body and "居民身份证" in body
    assert "3个工作日内" in body and "1个工作日内" in body and "免费" in body
    assert "养老医疗保险" in body
    # supervision
    assert "0731-84561234" in body and "乡纪检办" in body
    # published figures: October (report submitted) — case 6 completed on time; 7 voided
    figures = body[body.index("每月办理情况公布") :]
    row = re.search(r"2026-10</td>(.*?)</tr>", figures, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "1", "1", "1", "0", "0"]
    assert "2026-11</td>" not in figures  # November's report is a draft: not published
    # the QR code of the page and its downloads
    assert "<svg" in body and "/public/QS/qr.png?download=1" in body and "/public/QS/qr.svg?download=1" in body


FROZEN = {
    "total": {
        "consult": 4,
        "accepted": 9,
        "rejected": 1,
        "submitted": 9,
        "completed": 8,
        "on_time": 7,
        "overdue": 1,
        "open": 1,
    }
}


def test_published_figures_are_the_submitted_reports_frozen_totals(client, login, app, data):
    from app.models import MonthlyReport

    with app.app_context(), unscoped():
        report = db.session.query(MonthlyReport).filter_by(village_id=data["qs"], year=2026, month=10).one()
        report.figures = FROZEN
        db.session.commit()
    body = client.get("/public/QS").get_data(as_text=True)
    row = re.search(r"2026-10</td>(.*?)</tr>", body, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["4", "9", "8", "7", "1", "1"]
    bulletin = login("zhongxin").get("/notices/bulletin/QS?month=2026-10").get_data(as_text=True)
    summary = re.search(r'<table class="summary keep">.*?</table>', bulletin, re.S).group(0)
    # 受理合计 14 = 咨询 4 + 受理代办 9 + 不予受理 1 (issue 12 §2: the headline adds up)
    assert re.findall(r"<td>(\d+)</td>", summary) == ["14", "4", "9", "1", "8", "7", "1", "1"]
    assert "汇总数字为月汇总表报送时的统计" in bulletin


def test_photo_is_shown_when_the_agent_has_one(client, app, data):
    with app.app_context(), unscoped():
        db.session.query(Agent).filter(Agent.village_id == data["qs"]).update({"photo": "wxl.jpg"})
        db.session.commit()
    body = client.get("/public/QS").get_data(as_text=True)
    assert 'src="/public/QS/photo.jpg?v=wxl.jpg"' in body  # the public route by village code


def test_a_village_without_figures_or_agent(client, app, data):
    with app.app_context(), unscoped():
        db.session.query(Agent).filter(Agent.village_id == data["sq"]).update({"status": "dismissed"})
        db.session.commit()
    body = client.get("/public/SQ").get_data(as_text=True)
    assert "暂缺" in body and "本村月度办理情况尚未公布" in body


PUBLIC_PAGES = ("/public/", "/public/QS", "/public/SQ", "/public/qs")


def test_public_pages_carry_no_personal_data_of_applicants(client, app, data):
    with app.app_context(), unscoped():
        agents = db.session.query(Agent).all()
        private = [a.phone for a in agents] + [a.id_number for a in agents]
    for url in PUBLIC_PAGES:
        body = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, url
        assert not ID_NUMBER.findall(body), (url, ID_NUMBER.findall(body))
        assert not MOBILE.findall(body), (url, MOBILE.findall(body))
        for name, id_number, phone in APPLICANTS.values():
            assert name not in body and id_number not in body and phone not in body, url
        for value in private:  # the agent's personal mobile and ID number are not published
            assert value not in body, url
        for case_number in ("QS2026-0001", "SQ2026-0001"):
            assert case_number not in body


def test_public_pages_ignore_the_logged_in_users_village_scope(login, data):
    c = login("sq_shuji")
    body = c.get("/public/QS").get_data(as_text=True)
    assert "王秀兰" in body and "青山村便民代办点" in body
    assert "李明" in c.get("/public/").get_data(as_text=True)


# -- errors, read-only -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/public/XX",
        "/public/123",
        "/public/%E4%B8%AD%E6%96%87",
        "/public/QS%27--",
        "/public/ABCDEFGHIJ",
        "/public/XX/qr.png",
        "/public/XX/qr.svg",
    ],
)
def test_unknown_village_is_a_chinese_404(client, data, url):
    r = client.get(url)
    assert r.status_code == 404
    body = r.get_data(as_text=True)
    assert "没有找到这个村的便民代办公开信息" in body and "查看各村便民代办点" in body


def test_inactive_village_is_not_public(client, app, data):
    with app.app_context(), unscoped():
        db.session.get(Village, data["sq"]).active = False
        db.session.commit()
    assert client.get("/public/SQ").status_code == 404
    assert "石桥村" not in client.get("/public/").get_data(as_text=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_public_pages_are_read_only(client, data, method):
    for url in ("/public/", "/public/QS", "/public/QS/qr.png"):
        assert client.open(url, method=method).status_code == 405


# -- QR codes --------------------------------------------------------------------------------
def test_qr_codes_point_at_the_public_page(client, app, data):
    png = client.get("/public/QS/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "private" in png.headers["Cache-Control"] and "public" not in png.headers["Cache-Control"]
    svg = client.get("/public/QS/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert b"<title>http://localhost/public/QS</title>" in svg.data
    dl = client.get("/public/QS/qr.png?download=1")
    assert dl.headers["Content-Disposition"].startswith("attachment")
    assert ".png" in dl.headers["Content-Disposition"]

    app.config["PUBLIC_BASE_URL"] = "https://bm.jianning.gov.cn/"
    svg = client.get("/public/qs/qr.svg")
    assert b"<title>https://bm.jianning.gov.cn/public/QS</title>" in svg.data


# -- open now at the boundaries (SPEC §6, 政策第二条（三）1) ------------------------------------
CASES = [
    (dt.datetime(2026, 11, 26, 11, 29), True, "winter morning, before 11:30"),
    (dt.datetime(2026, 11, 26, 11, 31), False, "winter lunch break"),
    (dt.datetime(2026, 11, 26, 14, 29), False, "winter, before 14:30"),
    (dt.datetime(2026, 11, 26, 14, 31), True, "winter afternoon"),
    (dt.datetime(2026, 6, 15, 15, 0), True, "summer afternoon starts at 15:00"),
    (dt.datetime(2026, 6, 15, 14, 31), False, "summer, 14:31 is still the break"),
    (dt.datetime(2026, 10, 1, 10, 0), False, "National Day holiday"),
    (dt.datetime(2026, 10, 10, 10, 0), True, "make-up Saturday (调休上班)"),
    (dt.datetime(2026, 10, 11, 10, 0), False, "an ordinary Sunday"),
]


@pytest.mark.parametrize("now,expected,why", CASES)
def test_open_now_rule(now, expected, why):
    assert open_state(now, WorkCalendar(), DEFAULT_OFFICE_HOURS).open is expected, why


@pytest.mark.parametrize("now,expected,why", CASES)
def test_open_now_on_the_page(client, world, monkeypatch, now, expected, why):
    freeze(monkeypatch, now)
    body = client.get("/public/QS").get_data(as_text=True)
    assert ("正在坐班" in body) is expected, why
    assert ("现在不是坐班时间" in body) is (not expected), why


def test_next_opening_is_told_when_closed(client, world, monkeypatch):
    cal = WorkCalendar()
    assert next_opening(dt.datetime(2026, 11, 26, 11, 31), cal, DEFAULT_OFFICE_HOURS) == dt.datetime(
        2026, 11, 26, 14, 30
    )
    # the holiday: next seated session after National Day is Thursday 10-08
    assert next_opening(dt.datetime(2026, 10, 1, 10), cal, DEFAULT_OFFICE_HOURS) == dt.datetime(2026, 10, 8, 9, 0)
    freeze(monkeypatch, dt.datetime(2026, 10, 1, 10, 0))
    body = client.get("/public/QS").get_data(as_text=True)
    assert "今日休息" in body and "下次坐班：10月8日（周四）上午9:00" in body
    freeze(monkeypatch, dt.datetime(2026, 11, 26, 11, 31))
    assert "下次坐班：今天下午2:30" in client.get("/public/QS").get_data(as_text=True)
    freeze(monkeypatch, dt.datetime(2026, 11, 26, 18, 0))
    assert "下次坐班：明天上午9:00" in client.get("/public/QS").get_data(as_text=True)
    freeze(monkeypatch, dt.datetime(2026, 11, 26, 16, 0))
    assert "下午5:30结束" in client.get("/public/QS").get_data(as_text=True)


# -- rate limit ------------------------------------------------------------------------------
@pytest.fixture
def limited_app(db_url, tmp_path):
    with made_app(
        db_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", PUBLIC_RATE_LIMIT="3 per minute"
    ) as app:
        yield app


def test_public_pages_are_rate_limited(limited_app):
    c = limited_app.test_client()
    codes = [c.get("/public/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/public/")
    assert "访问过于频繁" in r.get_data(as_text=True)
