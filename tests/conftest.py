"""Fixtures: a fresh database per test, the app, clients logged in per role.

Database: SQLite in the test's tmp dir, or PostgreSQL when TEST_DATABASE_URL is set
(each test gets an empty schema there: its worker's, emptied between tests). Under
CI=true a PostgreSQL/browser test that would be skipped fails instead (see tests/e2e/conftest.py and pytest_collection_modifyitems).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask_appbuilder import Model
from sqlalchemy import create_engine, text

from tests.factories import PASSWORD, World, build_county, build_world

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

#: ``BM_TODAY=2026-12-31`` runs the whole session as if on that day (10:00 township time, the
#: clock ticking). ``make test`` runs the ``dates``-marked tests once per day of ``DATES``.
BM_TODAY = os.environ.get("BM_TODAY", "").strip()
TOWNSHIP_TZ = ZoneInfo("Asia/Shanghai")


def township_instant(value) -> dt.datetime:
    """``"2026-12-31"`` (10:00), ``"2026-12-31 08:30"``, a date or a naive datetime — all
    township (Asia/Shanghai) wall-clock time — as an aware datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if len(value.strip()) > 10 else dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(10, 0))
    return value if value.tzinfo is not None else value.replace(tzinfo=TOWNSHIP_TZ)


@pytest.fixture(scope="session", autouse=True)
def _pinned_today():
    """With BM_TODAY set, every clock read of the session (app, seeds, tests) is on that day."""
    if not BM_TODAY:
        yield None
        return
    try:
        instant = township_instant(BM_TODAY)
    except ValueError:
        pytest.exit(f"BM_TODAY 应为日期，例如 2026-12-31：{BM_TODAY!r}", returncode=4)
    with time_machine.travel(instant, tick=True):
        yield instant


class Clock:
    """The ``clock`` fixture: ``clock.set("2026-10-08 09:30")`` moves every clock read (the app's
    ``services.clock`` and the models' timestamps) to that township time; ``tick=False`` stops it."""

    def __init__(self):
        self._traveller = None

    def set(self, when, *, tick: bool = True) -> dt.datetime:
        self.stop()
        instant = township_instant(when)
        self._traveller = time_machine.travel(instant, tick=tick)
        self._traveller.start()
        return instant.replace(tzinfo=None)

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()


class TestConfig:
    pass


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """An SQLite file with the schema, built once; each test gets a copy (fast)."""
    path = tmp_path_factory.mktemp("template") / "schema.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    import app.models  # noqa: F401

    Model.metadata.create_all(engine)
    engine.dispose()
    return path


_PG_EXTENSIONS_LOCK = 741033  # any constant shared by the test workers


def _database_extensions(conn) -> None:
    """pg_trgm in ``public`` before any test's schema needs it. The workers of ``pytest -n``
    share one database: two concurrent ``CREATE EXTENSION IF NOT EXISTS`` collide on the
    catalog's unique key, so the first worker creates it under an advisory lock."""
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_EXTENSIONS_LOCK})
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_EXTENSIONS_LOCK})


def _schema_url(schema: str) -> str:
    """TEST_DATABASE_URL with ``schema`` as the search path."""
    sep = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{sep}options=-csearch_path%3D{schema}"


class _ReusedSchema:
    """One PostgreSQL schema per test worker, emptied between tests instead of created and
    dropped for each (CREATE SCHEMA + ``create_all`` + ``DROP … CASCADE`` cost about 0.6 s a
    test; emptying it about 0.15 s). Emptying is ``TRUNCATE … RESTART IDENTITY``: fresh empty
    tables (rows come back in the order they were written, as in a new schema — a ``DELETE``
    leaves free space that later rows fill out of order) and ids starting at 1. A test that
    changed the schema itself (a table, index or view more or fewer — a restore, a migration
    run) or whose tables cannot be emptied gets the schema dropped and a fresh one next time."""

    def __init__(self):
        self.name: str | None = None
        self.relations = 0
        self.admin = None

    def url(self) -> str:
        return _schema_url(self.name)

    def _relations(self, conn) -> int:
        return conn.execute(
            text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s"),
            {"s": self.name},
        ).scalar()

    def acquire(self) -> str:
        if self.admin is None:
            self.admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        if self.name is None:
            self.name = f"t_{uuid.uuid4().hex[:12]}"
            with self.admin.connect() as conn:
                _database_extensions(conn)
                conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
            engine = create_engine(self.url())
            try:
                import app.models  # noqa: F401

                Model.metadata.create_all(engine)
            finally:
                engine.dispose()
            with self.admin.connect() as conn:
                self.relations = self._relations(conn)
        return self.url()

    def release(self) -> None:
        """Empty the schema for the next test, or drop it when the test changed it."""
        engine = create_engine(self.url())
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                if self._relations(conn) != self.relations:
                    raise LookupError("schema changed")
                names = ", ".join(f'"{t.name}"' for t in Model.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        except Exception:
            self.drop()
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.name is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            self.name = None


_REUSED_SCHEMA = _ReusedSchema()


@pytest.fixture(scope="session", autouse=True)
def _drop_reused_schema():
    yield
    if TEST_DATABASE_URL:
        _REUSED_SCHEMA.drop()


def _database(tmp_path, template=None):
    """Yield a URL of a database with the schema and no rows, for one test (``template``:
    the SQLite schema file; on PostgreSQL, with a template, the worker's reused schema,
    without one an empty schema of its own)."""
    if not TEST_DATABASE_URL:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    if template is not None:
        try:
            yield _REUSED_SCHEMA.acquire()
        finally:
            _REUSED_SCHEMA.release()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _database_extensions(conn)
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_db_url(tmp_path):
    """A database without any table (for migration tests)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    yield from _database(tmp_path)


@pytest.fixture
def db_url(tmp_path, _sqlite_template):
    yield from _database(tmp_path, _sqlite_template)


@contextmanager
def made_app(db_url, tmp_path, **overrides):
    """A test app on ``db_url`` with the schema (fast hashes, no rate limits, CSRF off);
    ``overrides`` change its config (e.g. ``RATELIMIT_ENABLED=True`` for a rate-limit test)."""
    from app import create_app
    from app.extensions import db

    config = dict(
        SQLALCHEMY_DATABASE_URI=db_url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        TESTING=True,
        SECRET_KEY="test-" + uuid.uuid4().hex,
        WTF_CSRF_ENABLED=False,
        AUTH_RATE_LIMIT="1000 per minute",
        PUBLIC_RATE_LIMIT="1000 per minute",
        RATELIMIT_ENABLED=False,
        FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # fast hashes; production keeps scrypt
        IMG_UPLOAD_FOLDER=str(tmp_path / "photos"),
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    config.update(overrides)
    app = create_app("config.Config", **config)
    with app.app_context():
        Model.metadata.create_all(db.engine)  # no-op on the SQLite template copy
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(db_url, tmp_path):
    with made_app(db_url, tmp_path) as app:
        yield app


@pytest.fixture
def world(app) -> World:
    """Two villages (QS with full data, SQ as “the other village”), users of every role."""
    with app.app_context():
        return build_world()


@pytest.fixture
def county(app, world):
    """``world`` as two townships: 石桥村 moves to 演示镇（虚构） (``b_zhongxin``, ``b_jijian``),
    and the county account ``xian`` (县政务服务中心); see ``tests.factories.build_county``."""
    with app.app_context():
        return build_county(world)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(app, world):
    """login("qs_shuji") → a test client with that user's session."""

    def _login(username: str):
        c = app.test_client()
        r = c.post("/login/", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, f"login failed for {username}"
        return c

    return _login


@pytest.fixture
def api_token(app, world):
    def _token(username: str) -> dict:
        c = app.test_client()
        r = c.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, r.get_data(as_text=True)
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    return _token


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need TEST_DATABASE_URL. Without it they skip with a reason —
    but under CI=true a skip would hide a missing database, so they fail, unless .ci/run
    says the PostgreSQL pass follows (BM_POSTGRES_PASS_FOLLOWS=1 on its SQLite pass)."""
    if TEST_DATABASE_URL:
        return
    reason = (
        "PostgreSQL 测试需要 TEST_DATABASE_URL（如 postgresql://postgres@127.0.0.1:5432/bmdb_test；.ci/run 会自动设置）"
    )
    if os.environ.get("CI") == "true" and os.environ.get("BM_POSTGRES_PASS_FOLLOWS") != "1":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(pytest.mark.usefixtures("_require_postgres"))
        return
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _require_postgres():
    pytest.fail("CI=true 但没有 TEST_DATABASE_URL：PostgreSQL 测试不能跳过")


@pytest.fixture(scope="session", autouse=True)
def _database_reachable():
    """With TEST_DATABASE_URL set, the database must answer: never fall back silently."""
    if TEST_DATABASE_URL:
        engine = create_engine(TEST_DATABASE_URL)
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:  # pragma: no cover - environment problem
            pytest.exit(f"TEST_DATABASE_URL 无法连接：{exc}", returncode=3)
        finally:
            engine.dispose()
    yield
