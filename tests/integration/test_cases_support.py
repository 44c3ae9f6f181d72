"""Shared helpers of the case tests (no tests here): the seeded catalog, a case factory,
acting as a user outside a request, a fixed clock.

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
from tests.factories import make_id

APPLICANT_ID = make_id(dt.date(1958, 3, 4), "771")


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


def proxy_data(world, items, **extra) -> dict:
    data = {
        "village_id": world.village_a,
        "agent_id": world.agent_a,
        "kind": "proxy",
        "service_item_id": items["0101"],
        "applicant_name": "赵大爷",
        "applicant_id_number": APPLICANT_ID,
        "applicant_phone": "13973112345",
        "voluntary_confirmed": True,
        "received_at": "2026-11-23 09:30",
        "materials_received": ["居民身份证原件及复印件"],
        # Most tests replay an older ledger as the township (no user): say why it is entered late.
        "backdate_reason": "按纸质登记簿补录",
    }
    data.update(extra)
    return data


def make_case(app, world, items, **extra) -> int:
    from app.services.cases import create_case

    with app.app_context():
        return create_case(proxy_data(world, items, **extra)).id


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
