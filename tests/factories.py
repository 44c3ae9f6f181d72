"""Factories for tests: make_village, make_agent, make_user, build_world."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.extensions import appbuilder, db
from app.models import Agent, Village
from app.policy.idcard import id_check_digit
from app.security import ROLE_ADMIN, ROLE_AGENT, ROLE_DISCIPLINE, ROLE_SECRETARY, ROLE_TOWNSHIP
from app.services.agents import create_agent
from app.services.villages import create_village

PASSWORD = "Test@Pass2026"
TODAY = dt.date(2026, 11, 26)


def make_id(birth: dt.date = dt.date(1990, 5, 6), seq: str = "123") -> str:
    first17 = f"430123{birth:%Y%m%d}{seq}"
    return first17 + id_check_digit(first17)


def make_village(name: str = "青山村", code: str = "QS", **extra) -> Village:
    return create_village({"name": name, "code": code, "service_phone": "0731-84562001", "active": True, **extra})


def agent_data(village: Village | None, **extra) -> dict:
    hired = dt.date(2024, 1, 1)
    data = {
        "name": "王秀兰",
        "id_number": make_id(),
        "phone": "13973100001",
        "education": "senior",
        "level": "village",
        "village_id": village.id if village else None,
        "appointment_kind": "hired",
        "long_term_resident": True,
        "is_grid_worker": False,
        "nominated_on": hired - dt.timedelta(days=30),
        "approved_on": hired - dt.timedelta(days=20),
        "filed_on": hired - dt.timedelta(days=10),
        "hired_on": hired,
        "status": "active",
    }
    data.update(extra)
    return data


def make_agent(village: Village | None, **extra) -> Agent:
    return create_agent(agent_data(village, **extra), today=TODAY)


def make_user(username: str, role: str, village: Village | None = None, name: str | None = None):
    sm = appbuilder.sm
    if sm.find_role(role) is None:
        sm.add_role(role)
    user = sm.add_user(
        username=username,
        first_name=name or username,
        last_name="",
        email=f"{username}@test.invalid",
        role=sm.find_role(role),
        password=PASSWORD,
    )
    assert user, f"could not create {username}"
    if village is not None:
        user.village_id = village.id
        db.session.commit()
    return user


@dataclass
class World:
    village_a: int
    village_b: int
    agent_a: int
    agent_b: int
    users: dict = field(default_factory=dict)


def build_world() -> World:
    a = make_village("青山村", "QS")
    b = make_village("石桥村", "SQ")
    agent_a = make_agent(a)
    agent_b = make_agent(b, name="李明", id_number=make_id(dt.date(1991, 2, 3), "456"), phone="13973100002")
    users = {
        "admin": make_user("admin", ROLE_ADMIN),
        "zhongxin": make_user("zhongxin", ROLE_TOWNSHIP, name="乡便民中心"),
        "jijian": make_user("jijian", ROLE_DISCIPLINE, name="乡纪检办"),
        "qs_shuji": make_user("qs_shuji", ROLE_SECRETARY, a, "刘建国"),
        "qs_daiban": make_user("qs_daiban", ROLE_AGENT, a, "王秀兰"),
        "sq_shuji": make_user("sq_shuji", ROLE_SECRETARY, b, "陈志强"),
        "sq_daiban": make_user("sq_daiban", ROLE_AGENT, b, "李明"),
    }
    agent_a.user_id = users["qs_daiban"].id
    agent_b.user_id = users["sq_daiban"].id
    db.session.commit()
    return World(a.id, b.id, agent_a.id, agent_b.id, {k: u.id for k, u in users.items()})
