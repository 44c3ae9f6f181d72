"""Shared helpers of the case tests (no tests here): the seeded catalog, acting as a user
outside a request, a fixed clock. The case factories (make_case, proxy_data) are in
``tests/factories.py``.

Test modules import the fixtures as ``items_fixture`` / ``clock_fixture``; pytest knows them
by their names ``items`` and ``clock``."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import g
from sqlalchemy import select

from app.extensions import db


@pytest.fixture(name="items")
def items_fixture(app, world) -> dict[str, int]:
    """The seeded catalog (policy §四) plus one item with a state-set fee: code → id."""
    from app.models import ServiceItem
    from app.services.catalog import create_item
    from seeds.reference import seed_reference

    with app.app_context():
        seed_reference()
        cat_id = db.session.execute(select(ServiceItem.category_id).where(ServiceItem.code == "0201")).scalar()
        create_item(
            {
                "code": "0299",
                "category_id": cat_id,
                "name": "残疾人证补办（工本费）",
                "window": "乡残联",
                "materials": ["身份证", "照片"],
                "promised_days": 5,
                "fee": "10.00",
            }
        )
        return dict(db.session.execute(select(ServiceItem.code, ServiceItem.id)).all())


@contextmanager
def acting(app, username: str):
    """A request context in which ``username`` is the current user (scoping applies)."""
    from app.extensions import appbuilder

    with app.test_request_context():
        g.user = appbuilder.sm.find_user(username=username)
        yield g.user


NOW = dt.datetime(2026, 11, 26, 10, 0)


@pytest.fixture(name="clock")
def clock_fixture():
    """The township's clock fixed at Thursday 2026-11-26 10:00 (time-machine: every clock read,
    the app's ``services.clock`` and the models' timestamps alike)."""
    with time_machine.travel(NOW.replace(tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield NOW
