"""The system's name, printed sheets and public pages per township (issue 15 §1).

``county``: 青山村 (QS) stays in 建宁乡 (JN), 石桥村 (SQ) moves to 演示镇（虚构） (YS); users of
建宁乡 (zhongxin, qs_shuji), of 演示镇 (b_zhongxin, sq_shuji, sq_daiban) and the county (xian).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.models import Township

A_BRAND = "建宁乡便民代办服务管理系统"
B_NAME = "演示镇（虚构）"
B_BRAND = B_NAME + "便民代办服务管理系统"


def _brand(html: str) -> str:
    """The navbar brand's text."""
    m = re.search(r'<span class="navbar-brand">\s*<a [^>]*>\s*(.*?)\s*</a>', html, re.S)
    assert m, "no navbar brand"
    return m.group(1)


def _title(html: str) -> str:
    m = re.search(r"<title>\s*(.*?)\s*</title>", html, re.S)
    assert m, "no <title>"
    return m.group(1)


def _page(client, url="/notifications/"):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("user", "brand"),
    [
        ("zhongxin", A_BRAND),
        ("qs_shuji", A_BRAND),
        ("b_zhongxin", B_BRAND),
        ("b_jijian", B_BRAND),
        ("sq_shuji", B_BRAND),
        ("sq_daiban", B_BRAND),
    ],
)
def test_navbar_and_title_name_the_users_township(app, login, world, county, user, brand):
    html = _page(login(user))
    assert _brand(html) == brand and _title(html) == brand
    other = B_BRAND if brand == A_BRAND else A_BRAND
    assert other not in html


def test_county_users_see_the_county_or_the_only_township(app, login, world, county):
    for user in ("xian", "admin"):
        html = _page(login(user))
        assert _brand(html) == _title(html) == "全县便民代办服务管理系统", user
    app.config["COUNTY_NAME"] = "建宁县"
    html = _page(login("xian"))
    assert _brand(html) == _title(html) == "建宁县便民代办服务管理系统"


def test_single_township_keeps_app_name_and_anonymous_sees_it(app, login, client, world):
    assert _brand(_page(login("admin"))) == A_BRAND  # one township: its own name
    with app.app_context():
        db.session.query(Township).one().name = "青山镇"
        db.session.commit()
    assert _brand(_page(login("admin"))) == "青山镇便民代办服务管理系统"
    assert _brand(_page(login("zhongxin"))) == "青山镇便民代办服务管理系统"
    login_page = _page(client, "/login/")
    assert _brand(login_page) == _title(login_page) == A_BRAND  # nobody signed in: APP_NAME


def test_anonymous_login_page_of_a_county(app, client, world, county):
    html = _page(client, "/login/")
    assert _brand(html) == _title(html) == A_BRAND
    home = _page(client, "/")
    assert f"<h2>{A_BRAND}</h2>" in home


def test_english_mode_keeps_the_brand(app, login, client, world, county):
    c = login("b_zhongxin")
    c.get("/lang/en")
    html = _page(c)
    # the township's name in the translated product name (“%(t)s便民代办服务管理系统”: until the
    # lead merges pending-brand.json into translations/, the msgid itself)
    assert B_NAME in _brand(html) and B_NAME in _title(html) and "我的提醒" not in html
    c = login("zhongxin")
    c.get("/lang/en")
    assert _brand(_page(c)) == "Jianning Township Proxy Service System"  # APP_NAME's own msgid
    client.get("/lang/en")
    assert _brand(_page(client, "/login/")) == "Jianning Township Proxy Service System"


def test_one_lookup_per_request(app, login, world, county):
    """The brand is asked once per request however many times the page prints it."""
    from app.views import branding

    calls = []
    real = branding.brand_of

    def counting(user):
        calls.append(user)
        return real(user)

    branding.brand_of = counting
    try:
        html = _page(login("sq_shuji"), "/")
    finally:
        branding.brand_of = real
    assert html.count(B_BRAND) >= 2 and len(calls) == 1


def test_payout_sheet_and_print_of_township_b_carry_its_name(app, login, world, county, clock):
    from app.services.payouts import compute_sheet

    clock.set("2026-10-08 09:30")
    with app.app_context():
        sheet_b = compute_sheet({"quarter": "2026Q3", "township_id": county.township_b}).id
        sheet_a = compute_sheet({"quarter": "2026Q3", "township_id": county.township_a}).id
    for user in ("b_zhongxin", "xian"):
        c = login(user)
        page = _page(c, f"/payoutsheet/show/{sheet_b}")
        assert f"{B_NAME}各村便民代办补助发放表" in page and "建宁乡各村" not in page, user
        printed = _page(c, f"/payoutsheet/print/{sheet_b}")
        assert f"<title>{B_NAME}各村便民代办补助发放表" in printed
        assert f"<h1>{B_NAME}各村便民代办补助发放表</h1>" in printed
        assert f"填报单位：{B_NAME}便民服务中心" in printed
        assert f"{B_NAME}人民政府（盖章）" in printed and f"{B_NAME}便民服务中心（盖章）" in printed
        assert "建宁乡" not in printed, user
    printed_a = _page(login("zhongxin"), f"/payoutsheet/print/{sheet_a}")
    assert "建宁乡人民政府（盖章）" in printed_a and B_NAME not in printed_a


# --------------------------------------------------------------------------------------
# Public pages (no login) and printed notices: the village's own township
# --------------------------------------------------------------------------------------
B_PHONE = "0731-80000000"
B_HOURS = "08:30-11:30,15:30-18:30"  # both seasons: “上午8:30—11:30，下午3:30—6:30”


@pytest.fixture
def b_overrides(app, county):
    with app.app_context():
        b = db.session.get(Township, county.township_b)
        b.supervision_phone = B_PHONE
        b.summer_hours = b.winter_hours = B_HOURS
        db.session.commit()
    return county


def test_public_village_page_shows_its_townships_contacts(app, client, world, b_overrides):
    page_b = _page(client, "/public/SQ")
    assert f'href="tel:{B_PHONE}"' in page_b and "8:30—11:30" in page_b and "3:30—6:30" in page_b
    assert f"· {B_NAME}</title>" in page_b and f"{B_NAME}便民代办服务</a>" in page_b
    assert app.config["SUPERVISION_PHONE"] not in page_b and "建宁乡" not in page_b
    page_a = _page(client, "/public/QS")
    assert app.config["SUPERVISION_PHONE"] in page_a and B_PHONE not in page_a and "8:30—11:30" not in page_a
    assert "· 建宁乡</title>" in page_a


def test_public_index_groups_villages_by_township(app, client, world, b_overrides):
    from tests.factories import make_village

    with app.app_context():
        make_village("东山村", "DS", township_id=b_overrides.township_b)
        make_village("北岭村", "BL", township_id=b_overrides.township_a)
    html = _page(client, "/public/")
    assert "<h1>全县各村便民代办点</h1>" in html  # several townships, COUNTY_NAME unset
    names = re.findall(r'<h3 class="township" id="t-(\w+)">(.*?)</h3>|<span class="vname">(.*?)</span>', html)
    order = [t or v for _code, t, v in names]
    # by township code (JN before YS), then village code
    assert order == ["建宁乡", "北岭村", "青山村", B_NAME, "东山村", "石桥村"]
    assert f'href="tel:{B_PHONE}"' in html  # each township's supervision phone under its heading
    assert html.count("<strong>建宁乡</strong>") == 1 and f"<strong>{B_NAME}</strong>" in html  # hours differ
    # the footer of a county-wide page names every township's supervision phone, not one
    footer = html[html.index("<footer") :]
    assert f'建宁乡 <a href="tel:{app.config["SUPERVISION_PHONE"]}">' in footer
    assert f'{B_NAME} <a href="tel:{B_PHONE}">' in footer
    missing = client.get("/public/NOPE").get_data(as_text=True)  # an error page is county-wide too
    assert f'href="tel:{B_PHONE}"' in missing
    app.config["COUNTY_NAME"] = "建宁县"
    html = _page(client, "/public/")
    assert "<h1>建宁县各村便民代办点</h1>" in html and "<title>建宁县便民代办服务</title>" in html


def test_public_index_of_one_township_keeps_its_look(app, client, world):
    html = _page(client, "/public/")
    assert "<h1>建宁乡各村便民代办点</h1>" in html and 'class="township"' not in html
    assert html.index("青山村") < html.index("石桥村")


def test_rating_and_report_pages_show_the_case_villages_township(app, client, world, b_overrides):
    from tests.factories import case_row

    with app.app_context():
        case = case_row(
            world.village_b,
            world.agent_b,
            "SQ2026-0101",
            dt.datetime(2026, 9, 21, 9, 30),
            status="completed",
            closed_at=dt.datetime(2026, 9, 25, 10, 0),
            window_result="已办结",
        )
        token = case.rating_token
    rate = _page(client, f"/public/rate/{token}")
    assert B_PHONE in rate and f"· {B_NAME}</title>" in rate and app.config["SUPERVISION_PHONE"] not in rate
    report = _page(client, "/public/SQ/report")
    assert f'href="tel:{B_PHONE}"' in report and f"· {B_NAME}</title>" in report
    assert B_PHONE not in _page(client, "/public/QS/report")


@pytest.mark.parametrize("kind", ["card", "board", "bulletin"])
def test_printed_notices_show_the_villages_township(app, login, world, b_overrides, kind):
    for user in ("b_zhongxin", "xian"):
        html = _page(login(user), f"/notices/{kind}/SQ")
        assert B_PHONE in html and app.config["SUPERVISION_PHONE"] not in html, user
        assert ("8:30—11:30" in html) == (kind != "bulletin"), user  # the bulletin prints no hours
    if kind == "card":
        assert f"{B_NAME}人民政府 制" in html
    if kind == "bulletin":
        assert f"审核：{B_NAME}便民服务中心" in html
    html_a = _page(login("zhongxin"), f"/notices/{kind}/QS")
    assert app.config["SUPERVISION_PHONE"] in html_a and B_PHONE not in html_a


def test_public_catalog_shows_only_the_villages_townships_additions(app, client, login, world, county):
    from app.models import ServiceCategory, ServiceItem

    with app.app_context():
        cat = ServiceCategory(code="01", name="养老医疗保险")
        db.session.add_all(
            [
                cat,
                ServiceItem(code="0101", category=cat, name="县目录事项", window="社保窗口", materials=[]),
                ServiceItem(
                    code="0199",
                    category=cat,
                    name="演示镇增补事项",
                    window="镇窗口",
                    materials=[],
                    township_id=county.township_b,
                ),
            ]
        )
        db.session.commit()
    page_b, page_a = _page(client, "/public/SQ"), _page(client, "/public/QS")
    assert "县目录事项" in page_b and "演示镇增补事项" in page_b
    assert "县目录事项" in page_a and "演示镇增补事项" not in page_a
    card_a = _page(login("zhongxin"), "/notices/card/QS")
    assert "县目录事项" in card_a and "演示镇增补事项" not in card_a
