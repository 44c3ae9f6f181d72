"""Printable notices (SPEC §10, policy §六(二) 明白卡/公示牌, §六(四) 公开栏): A4 pages per
village with the QR code of the public page; scoped per village; no applicant data."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_dashboard import APPLICANTS, freeze, seed_dashboard_data
from tests.integration.test_public import ID_NUMBER, MOBILE

pytestmark = pytest.mark.dates


@pytest.fixture
def data(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        return seed_dashboard_data(world)


def test_card_lists_the_catalog_with_limits_fees_and_the_qr(login, data):
    c = login("zhongxin")
    body = c.get("/notices/card/QS").get_data(as_text=True)
    assert "青山村代办事项明白卡" in body
    assert "@page { size: A4 portrait" in body and "@media print" in body
    assert "城乡居民基本养老保险参保登记" in body and "开具居住证明" in body
    assert "3个工作日" in body and "1个工作日" in body and "免费" in body
    assert "扫码查看" in body and "/notices/card/QS?materials=1" in body
    # the version with every item's materials (一次性告知), several pages
    full = c.get("/notices/card/QS?materials=1").get_data(as_text=True)
    assert "户口簿；居民身份证" in full and "社保窗口" in full
    assert "王秀兰" in body and "0731-84562001" in body and "0731-84561234" in body
    assert "<svg" in body and 'class="segno"' in body
    assert "便民、公开、依法、高效、无偿、自愿" in body


def test_board_shows_the_agent_duties_hours_supervision_and_qr(login, data):
    body = login("zhongxin").get("/notices/board/QS").get_data(as_text=True)
    assert "青山村便民代办员公示牌" in body
    assert "王秀兰" in body and "村级便民代办员" in body
    assert "坐班时间" in body and "冬季（10月1日起）" in body
    assert "工作职责" in body and "吃、拿、卡、要" in body
    assert "0731-84561234" in body and "<svg" in body
    assert "手机 13973100001" in body  # the agent's mobile beside the service phone (issue 12 §2)
    assert "青山村村民委员会（盖章）" in body and "年　　月　　日" in body


def test_bulletin_publishes_the_months_matters_without_applicant_data(login, data):
    c = login("zhongxin")
    body = c.get("/notices/bulletin/QS?month=2026-11").get_data(as_text=True)
    assert "青山村便民代办事项办理情况公开" in body and "2026年11月" in body
    summary = re.search(r'<table class="summary keep">.*?</table>', body, re.S).group(0)
    figures = re.findall(r"<td>(\d+)</td>", summary)
    assert figures == ["6", "1", "5", "0", "2", "1", "2", "3"]  # 受理合计 咨询 受理代办 不予受理 …
    assert int(figures[0]) == sum(int(n) for n in figures[1:4])  # the headline adds up
    assert "未分类" not in body and "青山村村民委员会（盖章）" in body
    assert "11月2日" in body and not re.search(r'<td class="num">\d\d-\d\d</td>', body)  # Chinese dates, not 11-02
    assert "养老医疗保险" in body and "证明盖章/党团关系" in body
    for n in (1, 2, 3, 4, 5, 9):
        assert f"QS2026-{n:04d}" in body
    assert "QS2026-0006" not in body  # October
    assert "草稿" in body and "月汇总表尚未报送" in body  # November's report is a draft: live counts
    name, id_number, phone = APPLICANTS["QS"]
    assert name not in body and id_number not in body and phone not in body
    assert not ID_NUMBER.findall(body) and not MOBILE.findall(body)
    # default month: the previous one
    assert "2026年10月" in c.get("/notices/bulletin/QS").get_data(as_text=True)


def test_bulletin_rejects_a_bad_month(login, data):
    r = login("zhongxin").get("/notices/bulletin/QS?month=2026-13")
    assert r.status_code == 400 and "月份格式应为“年-月”" in r.get_data(as_text=True)


def test_notices_are_scoped_to_the_users_village(login, data):
    for user in ("qs_shuji", "qs_daiban"):
        c = login(user)
        index = c.get("/notices/").get_data(as_text=True)
        assert "青山村" in index and "石桥村" not in index
        for kind in ("card", "board", "bulletin"):
            assert c.get(f"/notices/{kind}/QS").status_code == 200, (user, kind)
            assert c.get(f"/notices/{kind}/SQ").status_code == 404, (user, kind)
            assert c.get(f"/notices/{kind}/NOPE").status_code == 404


def test_notices_need_login(client, data):
    r = client.get("/notices/card/QS")
    assert r.status_code in (302, 401) and "青山村" not in r.get_data(as_text=True)


def test_notice_index_links_everything_for_the_township(login, data):
    body = login("zhongxin").get("/notices/").get_data(as_text=True)
    for url in (
        "/notices/card/QS",
        "/notices/board/SQ",
        "/notices/bulletin/QS?month=2026-10",
        "/public/QS",
        "/public/SQ/qr.png?download=1",
        "/public/SQ/qr.svg?download=1",
    ):
        assert url in body, url


def test_board_shows_the_agents_photo_when_there_is_one(app, login, data, world):
    body = login("zhongxin").get("/notices/board/QS").get_data(as_text=True)
    assert '<div class="photo">王</div>' in body  # no photo yet: the initial
    with app.app_context():
        from app.extensions import db
        from app.models import Agent

        agent = db.session.get(Agent, world.agent_a)
        agent.photo = "qs-agent.jpg"
        db.session.commit()
    body = login("zhongxin").get("/notices/board/QS").get_data(as_text=True)
    assert '<img class="photo" src="/public/QS/photo.jpg?v=qs-agent' in body  # the public route of the on-duty agent
