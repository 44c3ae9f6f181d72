"""CLI (SPEC §14): seed, demo, users add."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, BmUser, ServiceCategory, ServiceItem, Village

pytestmark = pytest.mark.dates


def test_seed_is_idempotent(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "事项分类新增 10 个" in first.output
    second = runner.invoke(args=["seed"])
    assert "事项分类新增 0 个，代办事项新增 0 个" in second.output
    with app.app_context():
        assert db.session.execute(select(func.count(ServiceCategory.id))).scalar() == 10
        assert db.session.execute(select(func.count(ServiceItem.id))).scalar() >= 30


def test_demo_creates_a_township(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "qs_daiban" in result.output and "Jianning@2026" in result.output
    with app.app_context():
        from app.models import PayoutSheet, Township

        counts = dict(
            db.session.execute(
                select(Township.code, func.count(Village.id)).join(Village).group_by(Township.code)
            ).all()
        )
        assert counts == {"JN": 12, "YS": 3}  # 建宁乡 and the fictitious 演示镇（虚构） (issue 15 §1)
        assert db.session.execute(select(func.count(PayoutSheet.id))).scalar() == 2  # one per township
        for name, township in (("zhongxin", "JN"), ("ys_zhongxin", "YS"), ("xian", None)):
            user = db.session.execute(select(BmUser).where(BmUser.username == name)).scalar_one()
            assert (user.township.code if user.township else None) == township, name
        lq = db.session.execute(select(Agent).join(Village).where(Village.code == "LQ")).scalar_one()
        assert lq.age_on(lq.hired_on) > 50 and lq.age_override_reason  # 51 when hired (破格聘任)
        agent_user = db.session.execute(select(BmUser).where(BmUser.username == "qs_daiban")).scalar_one()
        assert agent_user.village.code == "QS"
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output


def test_users_add(app, runner, world):
    r = runner.invoke(args=["users", "add", "ht_shuji", "--role", "村支书", "--password", "Strong#Pass2026"])
    assert r.exit_code != 0 and "--village" in r.output
    r = runner.invoke(args=["users", "add", "qs_new", "--role", "村支书", "--village", "qs", "--password", "weak"])
    assert r.exit_code != 0 and "至少10位" in r.output
    r = runner.invoke(
        args=["users", "add", "qs_new", "--role", "村支书", "--village", "ZZ", "--password", "Strong#Pass2026"]
    )
    assert r.exit_code != 0 and "不存在" in r.output
    r = runner.invoke(
        args=["users", "add", "qs_new", "--role", "村支书", "--village", "qs", "--password", "Strong#Pass2026"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=["users", "add", "qs_new", "--role", "村支书", "--village", "qs", "--password", "Strong#Pass2026"]
    )
    assert r.exit_code != 0 and "已存在" in r.output
    with app.app_context():
        user = db.session.execute(select(BmUser).where(BmUser.username == "qs_new")).scalar_one()
        assert user.village_id == world.village_a and [r.name for r in user.roles] == ["村支书"]
    c = app.test_client()
    assert c.post("/login/", data={"username": "qs_new", "password": "Strong#Pass2026"}).status_code == 302
