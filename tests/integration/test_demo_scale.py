"""``flask demo --scale`` (issue 11): the bulk generator's cases are valid for every rule and
read back through the ORM exactly like rows the services write — with the case tables'
indexes dropped for the load and built again, in several batches and transactions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseCounter, CaseExtension, CaseTransition, ServiceItem
from app.policy import case_flow as flow
from app.policy.idcard import parse_id_number
from app.services.audit import acting_as
from app.services.calendar import work_calendar
from seeds import bulk, demo_cases
from seeds.reference import seed_reference

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def generated(app, world, monkeypatch):
    """Three villages (the world's two and a 测试村) × one year, in batches of 300 cases, a
    commit every 600, the indexes dropped for the load."""
    monkeypatch.setattr(demo_cases, "SCALE_YEARS", 1)
    monkeypatch.setattr(demo_cases, "BATCH", 300)
    monkeypatch.setattr(demo_cases, "COMMIT_EVERY", 600)
    monkeypatch.setattr(demo_cases, "DROP_INDEXES_FROM", 0)
    with app.app_context(), acting_as("test", person="测试"):
        seed_reference()
        conn = db.session.connection()
        before = {t: sorted(bulk.secondary_indexes(conn, t)) for t in demo_cases.CASE_TABLES}
        db.session.commit()
        result = demo_cases.run(scale=3, today=TODAY)
        db.session.remove()
        conn = db.session.connection()
        after = {t: sorted(bulk.secondary_indexes(conn, t)) for t in demo_cases.CASE_TABLES}
        yield result, before, after
        db.session.remove()


def test_the_indexes_are_back_and_the_counts_add_up(app, generated):
    result, before, after = generated
    assert after == before and len(before["service_case"]) >= 5
    assert result["villages"] == 3 and result["cases"] > 500
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == result["cases"]
    # case numbers unique, counters at the last serial of each village and year
    numbers = db.session.execute(select(Case.case_number)).scalars().all()
    assert len(set(numbers)) == len(numbers)
    last: dict[tuple[int, int], int] = {}
    for village_id, number in db.session.execute(select(Case.village_id, Case.case_number)):
        _, year, serial = flow.parse_case_number(number)
        last[(village_id, year)] = max(last.get((village_id, year), 0), serial)
    counters = {(c.village_id, c.year): c.last for c in db.session.execute(select(CaseCounter)).scalars()}
    assert counters == last


def test_every_case_is_valid_for_the_rules(app, generated):
    cal = work_calendar()
    items = {i.id: i for i in db.session.execute(select(ServiceItem)).scalars()}
    steps: dict[int, list[CaseTransition]] = {}
    for t in db.session.execute(select(CaseTransition).order_by(CaseTransition.id)).scalars():
        steps.setdefault(t.case_id, []).append(t)
    extensions = {e.case_id: e for e in db.session.execute(select(CaseExtension)).scalars()}
    cases = db.session.execute(select(Case)).scalars().all()
    statuses = set()
    for case in cases:
        statuses.add(case.status)
        assert isinstance(case.received_at, dt.datetime) and isinstance(case.materials_received, list)
        assert isinstance(case.fee, Decimal) and case.registered_at >= case.received_at
        if case.applicant_id_number:
            parse_id_number(case.applicant_id_number, today=TODAY)  # raises when invalid
        day = case.received_at.date()
        promised = items[case.service_item_id].promised_days if case.kind == flow.PROXY else 3
        assert case.complete_by == cal.add_workdays(day, promised), case.case_number
        if case.kind == flow.PROXY:
            by = day if case.urgent else cal.add_workdays(day, 3)
            assert case.submit_by == min(by, case.complete_by)
        ext = extensions.get(case.id)
        status_while_open = "submitted" if case.submitted_at else flow.initial_status(case.kind)
        due = flow.current_due(
            case.kind, status_while_open, case.submit_by, case.complete_by, [ext.new_due] if ext else []
        )
        assert case.due_on == due, case.case_number
        timeline = steps[case.id]
        assert timeline[0].from_status is None and timeline[-1].to_status == case.status
        assert [t.at for t in timeline] == sorted(t.at for t in timeline)
        assert all(a.to_status == b.from_status for a, b in zip(timeline, timeline[1:], strict=False))
        if case.status in flow.OPEN_STATUSES:
            assert case.closed_at is None and not case.closed_late
        else:
            assert case.closed_at == timeline[-1].at
            assert case.closed_late == flow.closed_late(case.status, case.closed_at, case.due_on)
    assert {"completed", "answered", "referred", "submitted", "rejected"} <= statuses


def test_the_stored_text_compares_like_orm_values(app, generated):
    """Dates and times are stored in SQLAlchemy's own format: range filters agree with Python."""
    cases = db.session.execute(select(Case.received_at, Case.due_on)).all()
    edge = sorted(c.received_at for c in cases)[len(cases) // 2]
    day = sorted(c.due_on for c in cases if c.due_on)[len(cases) // 3]
    assert db.session.execute(select(func.count()).where(Case.received_at >= edge)).scalar() == sum(
        c.received_at >= edge for c in cases
    )
    assert db.session.execute(select(func.count()).where(Case.received_at == edge)).scalar() >= 1
    assert db.session.execute(select(func.count()).where(Case.due_on <= day)).scalar() == sum(
        c.due_on is not None and c.due_on <= day for c in cases
    )


def test_the_generator_is_idempotent(app, generated):
    result, _, _ = generated
    with acting_as("test", person="测试"):
        again = demo_cases.run(scale=3, today=TODAY)
    assert again["cases"] == 0
    assert db.session.execute(select(func.count()).select_from(Case)).scalar() == result["cases"]


def test_the_monthly_aggregate_of_the_load_equals_a_rebuild(app, generated):
    """The load defers the aggregate's per-commit bookkeeping and rebuilds it once at the end:
    its rows are exactly what ``flask stats rebuild`` writes, and the names carry their keys."""
    from app.models import VillageMonthStats
    from app.policy.search_keys import name_key
    from app.services import stats

    def snapshot():
        rows = db.session.execute(select(VillageMonthStats).order_by(VillageMonthStats.id)).scalars()
        skip = {"id", "created_at", "updated_at"}
        cols = [c.key for c in VillageMonthStats.__table__.columns if c.key not in skip]
        return sorted(tuple(getattr(r, c) for c in cols) for r in rows)

    loaded = snapshot()
    assert len({r[0] for r in loaded}) == 3 and len(loaded) >= 36  # three villages × a year of months
    stats.rebuild_connection(db.session.connection())
    db.session.commit()
    assert snapshot() == loaded
    names = db.session.execute(select(Case.applicant_name, Case.applicant_name_key).limit(50)).all()
    assert names and all(key == name_key(name) for name, key in names)
