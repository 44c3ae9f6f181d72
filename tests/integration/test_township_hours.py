"""A township's own seated hours (issue 15 §1: office hours and season dates per township) are
the ones its agents sign in against and its inspections are judged by (第二条（三）1)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import Agent, Township
from app.services import signin as signin_service
from app.services import supervision as ss
from app.services.errors import ValidationFailed

# a summer working day (Wednesday); 演示镇 starts at 08:30, the deployment default at 09:00
DAY = dt.date(2026, 6, 10)


def _early_township_b(county) -> None:
    b = db.session.get(Township, county.township_b)
    b.summer_hours = "08:30-11:30,15:00-18:00"
    db.session.commit()


def test_sign_in_is_late_by_the_agents_own_township_hours(app, world, county):
    with app.app_context():
        _early_township_b(county)
        at = dt.datetime.combine(DAY, dt.time(8, 45))
        a = signin_service.sign_in(db.session.get(Agent, world.agent_a), now=at)
        b = signin_service.sign_in(db.session.get(Agent, world.agent_b), now=at)
        assert (a.late, b.late) == (False, True)  # 08:45 is before 09:00 but after 08:30

        rows = {r.agent.id: r.summary for r in signin_service.month_overview(2026, 6, now=at)}
        assert rows[world.agent_a].late == 0 and rows[world.agent_b].late == 1

        status = signin_service.today_status(at, db.session.get(Agent, world.agent_b).village)
        assert status.open_now and "8:30" in status.hours_text
        assert not signin_service.today_status(at).open_now  # the default hours: not yet open


def test_an_off_duty_finding_is_judged_by_the_villages_township_hours(app, world, county):
    with app.app_context():
        _early_township_b(county)
        at = dt.datetime.combine(DAY, dt.time(8, 40))
        now = dt.datetime.combine(DAY, dt.time(10, 0))
        with pytest.raises(ValidationFailed) as exc:  # 青山村 (建宁乡) is not open at 08:40
            ss.create_inspection(
                {"inspected_at": at, "inspector": "乡纪检办 张三", "village_id": world.village_a, "on_duty": False},
                now=now,
            )
        assert "不在坐班时间内" in str(exc.value.errors["on_duty"][0])
        row = ss.create_inspection(  # 石桥村 (演示镇) is
            {"inspected_at": at, "inspector": "镇纪检办 李四", "village_id": world.village_b, "on_duty": False},
            now=now,
        )
        assert row.on_duty is False and row.village_id == world.village_b


def test_the_sign_in_page_shows_the_agents_township_schedule(app, login, world, county, clock):
    clock.set("2026-06-10 08:45")
    with app.app_context():
        _early_township_b(county)
    html = login("sq_daiban").get("/signin/today").get_data(as_text=True)
    assert "8:30" in html
    html = login("qs_daiban").get("/signin/today").get_data(as_text=True)
    assert "8:30" not in html
