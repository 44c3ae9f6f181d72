"""Migration 0018 (issue 15 §1): village names unique per township, codes county-wide — built
at revision 0017 from its data fixture, upgraded, then downgraded again. SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from tests.integration.test_migration_0003 import insert
from tests.migration_fixtures import fixture_path, load_fixture


def _village(conn, township_id: int, name: str, code: str) -> int:
    return insert(conn, "village", township_id=township_id, name=name, code=code, active=True)


def _refused(engine, township_id: int, name: str, code: str) -> bool:
    try:
        with engine.begin() as conn:
            _village(conn, township_id, name, code)
    except IntegrityError:
        return True
    return False


def test_0018_names_per_township_codes_county_wide_and_back(empty_db_url, tmp_path):
    from app import create_app
    from app.extensions import db

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=empty_db_url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        SECRET_KEY=uuid.uuid4().hex,
        TESTING=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    with app.app_context():
        try:
            upgrade(revision="0017")
            with db.engine.begin() as conn:
                assert load_fixture(conn, fixture_path("0017")) > 100
                name, code, township = conn.execute(sa.text("SELECT name, code, township_id FROM village")).first()
                other = insert(conn, "township", name="测试镇（迁移）", code="CSZ", version=1)
                before = conn.execute(sa.text("SELECT count(*) FROM village")).scalar()
            assert _refused(db.engine, other, name, "NEWA")  # 0017: one name in the county

            upgrade(revision="0018")
            engine = db.engine
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM village")).scalar() == before
            assert not _refused(engine, other, name, "NEWB")  # the same name in another township
            assert _refused(engine, township, name, "NEWC")  # … but not twice in one township
            assert _refused(engine, other, "别的村名", code)  # a code stays unique county-wide

            with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits
                downgrade(revision="0017")
            with engine.connect() as conn:  # refused before any change
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0018"
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM village WHERE code = 'NEWB'"))
            downgrade(revision="0017")
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0017"
            assert _refused(engine, other, name, "NEWD")  # the county-wide key is back
            upgrade()  # and up again over the downgraded schema
            assert not _refused(engine, other, name, "NEWE")
        finally:
            db.session.remove()
            db.engine.dispose()
