"""Dashboards and printable notices in a real browser; screenshots kept in test-artifacts/.

A township of 12 villages with cases over the past year, “today” Thursday 2026-11-26 10:00.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Case, MonthlyReport, ServiceItem, SignIn
from app.security import unscoped
from tests.e2e.conftest import ARTIFACTS, screenshot, ui_login
from tests.factories import make_agent, make_id, make_village
from tests.integration.test_dashboard import freeze, seed_dashboard_data

MORE = [
    ("枫林村", "FL", "赵春梅"),
    ("荷塘村", "HT", "黄志勇"),
    ("白沙村", "BS", "孙丽华"),
    ("龙泉村", "LQ", "钱文斌"),
    ("桃源村", "TY", "胡小燕"),
    ("柳溪村", "LX", "朱建军"),
    ("松坪村", "SP", "高美玲"),
    ("金竹村", "JZ", "林国庆"),
    ("新塘村", "XT", "曾艳"),
    ("梅岭村", "ML", "唐志华"),
]


def build_township(world) -> None:
    """The hand-computed data set plus ten more villages with a year of cases."""
    from seeds.reference import ensure_catalog

    seed_dashboard_data(world)
    ensure_catalog()
    rng = random.Random(33)
    with unscoped():
        items = db.session.execute(db.select(ServiceItem)).scalars().all()
        for n, (name, code, agent_name) in enumerate(MORE, 1):
            v = make_village(
                name,
                code,
                service_phone=f"0731-8456{2002 + n:04d}",
                address=f"建宁乡{name}村民委员会",
                **{
                    a: rng.random() > 0.2
                    for a in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board")
                },
            )
            agent = make_agent(
                v,
                name=agent_name,
                id_number=make_id(dt.date(1985 + n % 8, 1 + n % 12, 1 + n), f"{700 + n}"),
                phone=f"1397310{1000 + n:04d}",
            )
            rows = []
            for i in range(rng.randint(20, 60)):
                received = dt.datetime(2026, 11, 26, 9) - dt.timedelta(
                    days=rng.randint(0, 360), hours=rng.randint(0, 6)
                )
                item = rng.choice(items)
                due = (received + dt.timedelta(days=4)).date()
                state = rng.random()
                status = "accepted" if (received.date() > dt.date(2026, 11, 18) or state < 0.04) else "completed"
                late = status == "completed" and state > 0.9
                rows.append(
                    Case(
                        case_number=f"{code}2026-{i + 1:04d}",
                        village_id=v.id,
                        agent_id=agent.id,
                        kind="consult" if state < 0.25 else "proxy",
                        service_item_id=item.id,
                        category_id=item.category_id,
                        applicant_name="村民",
                        received_at=received,
                        voluntary_confirmed=True,
                        status="answered" if state < 0.25 else status,
                        due_on=due,
                        submit_by=due,
                        complete_by=due,
                        closed_late=late,
                        closed_at=received + dt.timedelta(days=2) if status == "completed" else None,
                        fee=Decimal("0"),
                    )
                )
            db.session.add_all(rows)
            for day in range(2, 27):
                d = dt.date(2026, 11, day)
                if d.weekday() < 5 and rng.random() > 0.15:
                    db.session.add(
                        SignIn(
                            agent_id=agent.id, village_id=v.id, day=d, signed_at=dt.datetime.combine(d, dt.time(8, 55))
                        )
                    )
            if rng.random() > 0.2:
                db.session.add(
                    MonthlyReport(
                        village_id=v.id,
                        agent_id=agent.id,
                        year=2026,
                        month=10,
                        status="submitted",
                        figures={},
                        submitted_at=dt.datetime(2026, 10, 30, 17),
                    )
                )
        db.session.commit()


@pytest.fixture
def township(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        build_township(world)


def _charts_loaded(page) -> None:
    page.wait_for_selector(".bm-charts[data-loaded='1']", timeout=10_000)
    assert page.locator(".bm-chart canvas").count() >= 2


def test_township_dashboard_on_a_desktop(page, live_server, township):
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/")
    _charts_loaded(page)
    body = page.inner_text("body")
    assert "全乡便民代办工作概况" in body and "各村情况" in body
    assert "2027年工作日历尚未配置" in body and "应予解聘" in body
    assert page.locator("#bm-village-table tbody tr").count() == 12
    screenshot(page, "dashboard-township-desktop")


def test_township_dashboard_on_a_phone(phone_page, live_server, township):
    """The wide table scrolls inside its panel; the page itself never scrolls sideways."""
    page = phone_page
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/")
    _charts_loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(page, "dashboard-township-phone")


def test_village_dashboard_of_the_secretary(page, live_server, township):
    ui_login(page, live_server, "qs_shuji")
    page.goto(f"{live_server}/")
    _charts_loaded(page)
    body = page.inner_text("body")
    assert "青山村便民代办工作台" in body and "石桥村" not in body
    screenshot(page, "dashboard-village-secretary")


def test_agent_home_on_a_phone_shows_the_to_do_list_first(phone_page, live_server, township):
    page = phone_page
    ui_login(page, live_server, "qs_daiban")
    page.goto(f"{live_server}/")
    _charts_loaded(page)
    todo = page.locator(".bm-todo").bounding_box()
    figures = page.locator(".bm-kpis").first.bounding_box()
    assert todo["y"] < figures["y"]
    assert page.locator(".bm-todo-overdue").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    screenshot(page, "dashboard-agent-phone")


def test_township_drills_down_into_a_village(page, live_server, township):
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/")
    page.click("#bm-village-table a:has-text('石桥村')")
    page.wait_for_load_state("networkidle")
    assert "石桥村便民代办工作台" in page.inner_text("body")
    _charts_loaded(page)
    screenshot(page, "dashboard-village-drilldown")


@pytest.mark.parametrize(
    "kind,query,pages",
    [
        ("card", "", 1),
        ("card", "?materials=1", 4),
        ("board", "", 1),
        ("bulletin", "?month=2026-11", 1),
    ],
)
def test_print_notices_are_a4(page, live_server, township, kind, query, pages):
    """Real catalog (50 items): the 明白卡 and 公示牌 fit one A4 page each."""
    ui_login(page, live_server, "zhongxin")
    url = f"{live_server}/notices/{kind}/QS{query}"
    if query == "?materials=1":
        kind = "card-materials"
    page.goto(url)
    assert page.locator("svg.segno").count() == 1
    screenshot(page, f"notice-{kind}-screen")
    page.emulate_media(media="print")
    screenshot(page, f"notice-{kind}-print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (ARTIFACTS / f"notice-{kind}.pdf").write_bytes(pdf)
    count = _pdf_pages(pdf)
    assert 1 <= count <= pages, count


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_village_list_of_notices(page, live_server, township):
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/notices/")
    assert page.locator("table tbody tr").count() == 12
    screenshot(page, "notices-index")
