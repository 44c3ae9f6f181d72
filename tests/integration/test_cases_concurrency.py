"""Case numbers stay unique and gapless when agents register at the same moment (SPEC §5).

Threads, each with its own app context and session, create cases for the same village and
year at once. Runs on SQLite by default and on PostgreSQL with TEST_DATABASE_URL (the row
lock of the counter is what is being tested there).
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseCounter
from tests.factories import proxy_data
from tests.integration.test_cases_support import clock_fixture, items_fixture  # noqa: F401 - fixtures

THREADS = 8
PER_THREAD = 6


def test_parallel_registrations_get_distinct_consecutive_numbers(app, world, items, clock):
    from app.services.cases import create_case

    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def register(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(PER_THREAD):
                    create_case(proxy_data(world, items, applicant_name=f"并发{n}-{i}"))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        numbers = db.session.execute(select(Case.case_number)).scalars().all()
        last = db.session.execute(select(CaseCounter.last)).scalar_one()
    total = THREADS * PER_THREAD
    assert len(numbers) == total == len(set(numbers)) == last
    assert sorted(numbers) == [f"QS2026-{n:04d}" for n in range(1, total + 1)]
