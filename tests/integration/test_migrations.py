"""Alembic is the only source of schema: upgrading an empty database yields the models."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from flask_migrate import upgrade


def test_upgrade_matches_models(empty_db_url):
    from app import create_app
    from app.extensions import db

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=empty_db_url, SECRET_KEY=uuid.uuid4().hex, TESTING=True)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Model.metadata)
        assert diff == [], diff
