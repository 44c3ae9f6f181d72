"""Security (SPEC §1, issue 2 §5): roles, CSRF, rate limiting, passwords, cookies, secret key."""

from __future__ import annotations

import uuid

import pytest
from flask_appbuilder import Model

from app.extensions import db
from app.policy.roles import ROLES
from app.security import build_roles
from tests.factories import PASSWORD


def test_the_roles_are_declared_in_code():
    roles = build_roles()
    assert set(roles) == set(ROLES) == {"Admin", "乡便民中心", "乡纪检办", "村支书", "村代办员", "县政务服务中心"}


@pytest.mark.parametrize(
    ("username", "url", "allowed"),
    [
        ("zhongxin", "/village/add", True),
        ("zhongxin", "/agent/add", True),
        ("zhongxin", "/auditlog/list/", False),
        ("jijian", "/auditlog/list/", True),
        ("jijian", "/village/add", False),
        ("jijian", "/agent/list/", True),
        ("qs_shuji", "/village/list/", True),
        ("qs_shuji", "/village/add", False),
        ("qs_daiban", "/agent/add", False),
        ("qs_daiban", "/users/list/", False),
        ("admin", "/users/list/", True),
        ("admin", "/auditlog/list/", True),
    ],
)
def test_role_permissions(login, username, url, allowed):
    r = login(username).get(url)
    assert (r.status_code == 200) is allowed, (username, url, r.status_code)
    if not allowed:
        assert r.status_code == 403
        assert "无权" in r.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/agent/list/")
    assert r.status_code == 302 and "/login/" in r.headers["Location"]


def _app(tmp_path, **overrides):
    from app import create_app

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / ('s' + uuid.uuid4().hex[:6] + '.db')}",
        SECRET_KEY="t-" + uuid.uuid4().hex,
        TESTING=True,
        **overrides,
    )
    with app.app_context():
        Model.metadata.create_all(db.engine)
        from tests.factories import build_world

        build_world()
    return app


def test_csrf_protects_forms(tmp_path):
    app = _app(tmp_path, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    c = app.test_client()
    r = c.post("/login/", data={"username": "zhongxin", "password": PASSWORD})
    assert r.status_code != 302  # refused without the token
    page = c.get("/login/").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_failed_logins_are_throttled(tmp_path):
    """Failed logins only (issue 10 §3; tests/integration/test_accounts.py has the details)."""
    app = _app(tmp_path, WTF_CSRF_ENABLED=False, LOGIN_MAX_FAILURES_PER_ACCOUNT=3, RATELIMIT_ENABLED=True)
    c = app.test_client()
    codes = [c.post("/login/", data={"username": "zhongxin", "password": "wrong"}).status_code for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]


def test_session_cookie_is_httponly_and_samesite(app, world):
    c = app.test_client()
    r = c.post("/login/", data={"username": "zhongxin", "password": PASSWORD})
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_complexity():
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from app.security import password_complexity

    password_complexity("Jianning@2026")
    for weak in ("123456", "abcdefghijk", "Abcdefghijk", "short1A!"):
        with pytest.raises(PasswordComplexityValidationError, match="至少10位"):
            password_complexity(weak)


def test_known_default_secret_key_refused_outside_development(monkeypatch):
    from app import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("config.Config", SECRET_KEY="changeme", ENV_NAME="production")


def test_secret_key_generated_into_instance(tmp_path, monkeypatch):
    from config import load_secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert len(first) == 64 and load_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_language_switch(login):
    c = login("zhongxin")
    assert "代办员列表" in c.get("/agent/list/").get_data(as_text=True)
    c.get("/lang/en")
    english = c.get("/agent/list/").get_data(as_text=True)
    assert "Agents" in english and "代办员列表" not in english
    c.get("/lang/zh")
    assert "代办员列表" in c.get("/agent/list/").get_data(as_text=True)


def test_user_can_be_linked_to_a_village(app, login, world):
    from app.models import BmUser

    with app.app_context():
        user = db.session.get(BmUser, world.users["qs_shuji"])
        assert user.village.name == "青山村"
    html = login("admin").get(f"/users/show/{world.users['qs_shuji']}").get_data(as_text=True)
    assert "青山村" in html


def test_user_accounts_village_rule(app, login, world):
    from sqlalchemy import select

    from app.models import BmUser
    from app.policy.roles import ROLE_SECRETARY, ROLE_TOWNSHIP

    c = login("admin")
    with app.app_context():
        secretary = appbuilder_role_id(ROLE_SECRETARY)
        township = appbuilder_role_id(ROLE_TOWNSHIP)
    base = {
        "username": "new_user",
        "first_name": "新用户",
        "last_name": "",
        "email": "n@test.invalid",
        "active": "y",
        "password": "Strong#Pass2026",
        "conf_password": "Strong#Pass2026",
    }
    r = c.post("/users/add", data={**base, "roles": [str(secretary)]}, follow_redirects=True)
    assert "必须选择所属村" in r.get_data(as_text=True)
    r = c.post(
        "/users/add", data={**base, "roles": [str(township)], "village": str(world.village_a)}, follow_redirects=True
    )
    assert "不能指定所属村" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(BmUser).where(BmUser.username == "new_user")).scalar() is None
    r = c.post(
        "/users/add", data={**base, "roles": [str(secretary)], "village": str(world.village_a)}, follow_redirects=True
    )
    with app.app_context():
        assert (
            db.session.execute(select(BmUser).where(BmUser.username == "new_user")).scalar_one().village_id
            == world.village_a
        )


def appbuilder_role_id(name: str) -> int:
    from app.extensions import appbuilder

    return appbuilder.sm.find_role(name).id
