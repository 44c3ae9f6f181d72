"""The township dashboard of a big township (issue 11): 60 villages, most of them in order,
a few with problems. The township sees the problems first; the full table is one click away.
Screenshots in test-artifacts/ (desktop and phone)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import string

import pytest

from app.extensions import db
from app.models import Agent, Case, MonthlyReport, Village
from app.security import unscoped
from tests.e2e.conftest import follow, screenshot, ui_login
from tests.factories import make_id
from tests.integration.test_dashboard import freeze, seed_dashboard_data

VILLAGES = 60
SUFFIX = os.environ.get("BM_SHOT_SUFFIX", "")  # "-before" for the screenshot of the old screen


def build_county(world) -> None:
    """The hand-computed data set, then 58 more villages: a report each for October, a few
    cases; every seventh one has an overdue case, every eleventh no October report."""
    seed_dashboard_data(world)
    codes = ("Z" + "".join(p) for p in itertools.product(string.ascii_uppercase, repeat=2))
    with unscoped():
        for n in range(VILLAGES - 2):
            v = Village(name=f"测试{n + 1:02d}村", code=next(codes), service_phone="0731-84562001", active=True)
            db.session.add(v)
            db.session.flush()
            agent = Agent(
                name=f"代办员{n + 1:02d}",
                id_number=make_id(dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28), f"{100 + n:03d}"),
                phone=f"1397311{n:04d}",
                education="senior",
                level="village",
                village_id=v.id,
                status="active",
                appointment_kind="hired",
                hired_on=dt.date(2024, 1, 1),
            )
            db.session.add(agent)
            db.session.flush()
            for i in range(3):
                overdue = n % 7 == 0 and i == 0
                received = dt.datetime(2026, 11, 3 + i * 5, 10)
                db.session.add(
                    Case(
                        case_number=f"{v.code}2026-{i + 1:04d}",
                        village_id=v.id,
                        agent_id=agent.id,
                        kind="proxy",
                        applicant_name="村民",
                        received_at=received,
                        voluntary_confirmed=True,
                        status="accepted" if overdue else "completed",
                        due_on=dt.date(2026, 11, 10) if overdue else received.date() + dt.timedelta(days=3),
                        closed_at=None if overdue else received + dt.timedelta(days=1),
                    )
                )
            if n % 11:
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
def county(app, world, monkeypatch):
    freeze(monkeypatch)
    with app.app_context():
        build_county(world)


def test_big_township_sees_the_problems_first(page, live_server, county):
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/")
    page.wait_for_selector(".bm-charts[data-loaded='1']", timeout=10_000)
    screenshot(page, f"dashboard-township-60{SUFFIX}")
    if SUFFIX:
        return
    body = page.inner_text("body")
    assert "需关注的村" in body and "查看全部60个村" in body
    rows = page.locator("#bm-village-table tbody tr")
    # 青山村 (overdue, strikes), 石桥村 (report missing, 应予解聘), 9 with an overdue case,
    # 6 without October's report — each once
    names = rows.all_inner_texts()
    assert len(names) == 2 + 9 + 6 - 1  # 测试01村 has both (n = 0)
    assert any("青山村" in t for t in names) and any("石桥村" in t for t in names)
    assert not any("测试02村" in t for t in names)  # in order: not among the problems
    follow(page, "text=查看全部60个村")
    assert page.locator("#bm-village-table tbody tr").count() == 50
    assert "第1/2页" in page.inner_text("body")
    screenshot(page, "dashboard-township-60-all")
    follow(page, "a:has-text('下一页')")
    assert page.locator("#bm-village-table tbody tr").count() == 10


def test_big_township_on_a_phone(phone_page, live_server, county):
    page = phone_page
    ui_login(page, live_server, "zhongxin")
    page.goto(f"{live_server}/")
    page.wait_for_selector(".bm-charts[data-loaded='1']", timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(page, f"dashboard-township-60-phone{SUFFIX}")
