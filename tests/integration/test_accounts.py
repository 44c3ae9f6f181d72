"""Accounts and throttling that fit a township office (issue 10 §3)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, BmUser, LoginThrottle
from tests.factories import PASSWORD

NEW_PASSWORD = "Neue#Pass2027"
LOCKED = "登录失败次数过多，请 15 分钟后再试"


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _form_login(client, username, password=PASSWORD):
    return client.post("/login/", data={"username": username, "password": password})


def _api_login(client, username, password=PASSWORD):
    return client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})


# -- own profile and password, every role ----------------------------------------------------
@pytest.mark.parametrize("username", ["admin", "zhongxin", "jijian", "qs_shuji", "qs_daiban"])
def test_every_role_sees_own_profile_and_changes_own_password(app, login, username):
    c = login(username)
    info = c.get("/users/userinfo/")
    assert info.status_code == 200
    html = info.get_data(as_text=True)
    assert "个人信息" in html and username in html and "修改我的密码" in html

    assert c.get("/users/resetmypassword/").status_code == 302  # the old link leads to the form
    form = c.get("/resetmypassword/form")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and "修改我的密码" in page and "至少10位" in page

    weak = c.post("/resetmypassword/form", data={"password": "abc12345", "conf_password": "abc12345"})
    assert "至少10位" in weak.get_data(as_text=True)
    assert _form_login(app.test_client(), username).status_code == 302  # unchanged

    done = c.post(
        "/resetmypassword/form", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}, follow_redirects=True
    )
    assert "密码已修改" in done.get_data(as_text=True)
    old = _form_login(app.test_client(), username)
    assert old.status_code == 302 and "/login" in old.location  # the old password no longer works
    assert _form_login(app.test_client(), username, NEW_PASSWORD).status_code == 302


def test_own_name_can_be_edited(app, login, world):
    c = login("qs_daiban")
    assert "编辑个人信息" in c.get("/userinfoeditview/form").get_data(as_text=True)
    r = c.post("/userinfoeditview/form", data={"first_name": "王秀英", "last_name": ""}, follow_redirects=True)
    assert "个人信息已保存" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(BmUser, world.users["qs_daiban"]).first_name == "王秀英"


# -- failed logins are throttled; successes never count -----------------------------------------
def test_form_locks_account_after_five_failures(app, world):
    c = app.test_client()
    for _ in range(5):
        r = _form_login(c, "zhongxin", "wrong-password")
        assert r.status_code == 302 and "/login" in r.location  # a normal failed login
    r = _form_login(c, "zhongxin")  # even the right password, while locked
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert LOCKED in html and 'id="loginbox"' in html and "Too Many Requests" not in html
    with app.app_context():
        lock = db.session.execute(select(AuditLog).where(AuditLog.action == "lock")).scalar_one()
        assert "zhongxin" in lock.summary and lock.changes["failures"] == 5


def test_api_locks_account_after_five_failures(app, world):
    c = app.test_client()
    codes = [_api_login(c, "zhongxin", "wrong-password").status_code for _ in range(5)]
    assert codes == [401] * 5
    r = _api_login(c, "zhongxin")
    assert r.status_code == 429 and r.json["message"] == LOCKED
    assert int(r.headers["Retry-After"]) == 15 * 60
    # the same lock on the form: one counter per account, whatever the door
    assert _form_login(app.test_client(), "zhongxin").status_code == 429


def test_colleagues_log_in_from_one_address_while_a_guesser_is_stopped(app, world):
    office = "10.20.30.40"
    for _ in range(6):  # a guesser in the same office
        _api_login(_client(app, office), "jijian", "guess-" + uuid.uuid4().hex[:6])
    assert _api_login(_client(app, office), "jijian").status_code == 429
    for _round in range(2):  # 12 successful logins from the one address
        for username in ("admin", "zhongxin", "qs_shuji", "qs_daiban", "sq_shuji", "sq_daiban"):
            assert _form_login(_client(app, office), username).status_code == 302, username
    assert _api_login(_client(app, office), "zhongxin").status_code == 200


def test_address_is_locked_after_its_own_higher_limit(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 8
    attacker = "198.51.100.7"
    for i in range(8):  # 8 different accounts, none reaching its own limit
        _form_login(_client(app, attacker), f"user{i}", "x")
    assert _form_login(_client(app, attacker), "zhongxin").status_code == 429
    assert _form_login(_client(app, "203.0.113.9"), "zhongxin").status_code == 302


def test_success_clears_the_account_failures(app, world):
    c = app.test_client()
    for _ in range(4):
        _form_login(c, "zhongxin", "wrong")
    assert _form_login(app.test_client(), "zhongxin").status_code == 302
    for _ in range(4):
        _form_login(c, "zhongxin", "wrong")
    assert _form_login(app.test_client(), "zhongxin").status_code == 302


def test_lock_ends_after_lock_minutes(app, world, monkeypatch):
    from app.services import clock

    start = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "utcnow", lambda: start)
    for _ in range(5):
        _form_login(app.test_client(), "zhongxin", "wrong")
    monkeypatch.setattr(clock, "utcnow", lambda: start + dt.timedelta(minutes=11))
    r = _form_login(app.test_client(), "zhongxin")
    assert r.status_code == 429 and "请 4 分钟后再试" in r.get_data(as_text=True)
    monkeypatch.setattr(clock, "utcnow", lambda: start + dt.timedelta(minutes=15, seconds=1))
    assert _form_login(app.test_client(), "zhongxin").status_code == 302


def test_admin_lifts_a_lock(app, login, world):
    for _ in range(5):
        _form_login(app.test_client(), "qs_daiban", "wrong")
    assert _form_login(app.test_client(), "qs_daiban").status_code == 429
    with app.app_context():
        counter = db.session.execute(
            select(LoginThrottle).where(LoginThrottle.scope == "account", LoginThrottle.key == "qs_daiban")
        ).scalar_one()
        counter_id = counter.id

    assert login("zhongxin").get("/loginlock/list/").status_code == 403
    assert (
        login("jijian").post("/loginlock/action_post", data={"action": "unlock", "rowid": [counter_id]}).status_code
        == 403
    )

    admin = login("admin")
    listing = admin.get("/loginlock/list/").get_data(as_text=True)
    assert "登录锁定" in listing and "qs_daiban" in listing and "账号" in listing
    r = admin.post("/loginlock/action_post", data={"action": "unlock", "rowid": [counter_id]}, follow_redirects=True)
    assert "已解除 1 项登录锁定" in r.get_data(as_text=True)
    assert _form_login(app.test_client(), "qs_daiban").status_code == 302
    with app.app_context():
        unlock = db.session.execute(select(AuditLog).where(AuditLog.action == "unlock")).scalar_one()
        assert unlock.user_name == "admin" and "qs_daiban" in unlock.summary


# -- JWT ----------------------------------------------------------------------------------------
def test_access_token_lives_one_hour(app, world):
    from flask_jwt_extended import decode_token

    token = _api_login(app.test_client(), "zhongxin").json["access_token"]
    with app.app_context():
        claims = decode_token(token)
    assert claims["exp"] - claims["iat"] == 3600 == app.config["JWT_ACCESS_TOKEN_EXPIRES"]


def test_deactivated_users_token_stops_working(app, api_token, world):
    headers = api_token("qs_daiban")
    c = app.test_client()
    assert c.get("/api/v1/case/", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(BmUser, world.users["qs_daiban"]).active = False
        db.session.commit()
    assert c.get("/api/v1/case/", headers=headers).status_code == 401


# -- SECRET_KEY ---------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["changeme", "secret", "CHANGEME", "short-but-random-4f9a", "x" * 31])
def test_weak_secret_key_refused_in_production(key):
    from app import create_app

    with pytest.raises(RuntimeError, match="拒绝启动"):
        create_app("config.Config", SECRET_KEY=key, ENV_NAME="production")


def test_secret_key_rules():
    from config import weak_secret_key_reason

    assert weak_secret_key_reason("") and weak_secret_key_reason("Secret") and weak_secret_key_reason("a" * 31)
    assert weak_secret_key_reason("test-" + uuid.uuid4().hex) is None  # the tests' keys (37 characters)
    assert weak_secret_key_reason(uuid.uuid4().hex * 2) is None


def test_weak_secret_key_accepted_in_development(tmp_path):
    from app import create_app

    app = create_app(
        "config.Config",
        SECRET_KEY="changeme",
        ENV_NAME="development",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'd.db'}",
    )
    assert app.config["SECRET_KEY"] == "changeme"


def test_production_is_the_default(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("APP_ENV", raising=False)
    try:
        assert importlib.reload(config).Config.ENV_NAME == "production"
        monkeypatch.setenv("APP_ENV", "development")
        assert importlib.reload(config).Config.ENV_NAME == "development"
    finally:
        monkeypatch.delenv("APP_ENV", raising=False)
        importlib.reload(config)


def test_makefile_run_sets_development():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert "APP_ENV=development $(PY) run.py" in makefile


def test_deactivated_users_refresh_token_stops_working(app, world):
    c = app.test_client()
    r = c.post(
        "/api/v1/security/login", json={"username": "zhongxin", "password": PASSWORD, "provider": "db", "refresh": True}
    )
    refresh = {"Authorization": f"Bearer {r.json['refresh_token']}"}
    assert c.post("/api/v1/security/refresh", headers=refresh).status_code == 200
    with app.app_context():
        db.session.get(BmUser, world.users["zhongxin"]).active = False
        db.session.commit()
    assert c.post("/api/v1/security/refresh", headers=refresh).status_code == 401


def test_user_form_township_rule(app, login, world, county):
    """所属乡镇 on the account form (issue 15 §1): 乡便民中心 needs one, 县政务服务中心 none."""
    from sqlalchemy import select

    from app.extensions import appbuilder, db
    from app.models import BmUser
    from app.policy.roles import ROLE_COUNTY, ROLE_TOWNSHIP

    c = login("admin")
    with app.app_context():
        township_role = appbuilder.sm.find_role(ROLE_TOWNSHIP).id
        county_role = appbuilder.sm.find_role(ROLE_COUNTY).id
    base = {
        "username": "ys_new",
        "first_name": "新窗口",
        "last_name": "",
        "email": "ys_new@test.invalid",
        "active": "y",
        "password": "Strong#Pass2026",
        "conf_password": "Strong#Pass2026",
    }
    form = c.get("/users/add").get_data(as_text=True)
    assert "所属乡镇" in form and "演示镇（虚构）" in form
    r = c.post("/users/add", data={**base, "roles": [str(township_role)]}, follow_redirects=True)
    assert "乡便民中心、乡纪检办账号必须选择所属乡镇" in r.get_data(as_text=True)
    r = c.post(
        "/users/add",
        data={**base, "roles": [str(county_role)], "township": str(county.township_b)},
        follow_redirects=True,
    )
    assert "不能指定所属乡镇" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(BmUser).where(BmUser.username == "ys_new")).scalar() is None
    c.post("/users/add", data={**base, "roles": [str(township_role)], "township": str(county.township_b)})
    with app.app_context():
        user = db.session.execute(select(BmUser).where(BmUser.username == "ys_new")).scalar_one()
        assert (user.township_id, user.village_id) == (county.township_b, None)
