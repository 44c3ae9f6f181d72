"""Schemathesis against /api/v1/_openapi: no input makes the API answer 5xx (SPEC §14).

Every operation of the document (every resource, its actions and FAB's own security
endpoints), for every role of SPEC §1, gets generated requests — valid ones and ones that
break the schema (negative mode: wrong types, huge numbers, missing fields …) — with the
check ``not_a_server_error``. Half of each operation's requests use an existing record's id,
so the writes reach the services rather than stopping at 404. Seeded (derandomized), so a run
is repeatable; the totals are printed (``pytest -s``) and must show no 5xx.
"""

from __future__ import annotations

import collections
import os
import time

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.factories import PASSWORD, populate_scoped_rows

#: Examples per operation, mode (valid / schema-breaking) and role: 5 × 2 × 5 roles = 50 per operation.
EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "5"))
ROLES = ("admin", "zhongxin", "jijian", "qs_shuji", "qs_daiban")
MIN_PER_OPERATION = 50 if EXAMPLES >= 5 else 0
SKIP = {"/api/{version}/_openapi"}


def _token(client, username: str) -> dict:
    r = client.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return {"Authorization": f"Bearer {r.json['access_token']}"}


def _real_ids(app, world) -> dict[str, int]:
    from app.models import (
        Agent,
        Case,
        Complaint,
        Deduction,
        Inspection,
        MonthlyReport,
        PayoutLine,
        PayoutSheet,
        ServiceItem,
        Training,
        Village,
    )

    with app.app_context():
        rows = populate_scoped_rows(world)
        from app.extensions import db

        sheet_id = db.session.get(PayoutLine, rows[PayoutLine][world.village_a]).sheet_id
        item_id = db.session.get(Case, rows[Case][world.village_a]).service_item_id
        training_id = db.session.query(Training.id).scalar()
        assert db.session.get(PayoutSheet, sheet_id) and db.session.get(ServiceItem, item_id)
        assert Agent and Complaint and Deduction and Inspection and MonthlyReport and Village
        a = world.village_a
        return {
            "village": a,
            "agent": world.agent_a,
            "case": rows[Case][a],
            "serviceitem": item_id,
            "inspection": rows[Inspection][a],
            "complaint": rows[Complaint][a],
            "training": training_id,
            "deduction": rows[Deduction][a],
            "monthlyreport": rows[MonthlyReport][a],
            "payoutsheet": sheet_id,
            "payoutline": rows[PayoutLine][a],
        }


def _fuzz(app, operation, headers: dict, mode: GenerationMode, pk: int | None, stats: collections.Counter) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters={"pk": pk} if pk is not None else None)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure as it came
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(app=app, headers=headers)
        stats["calls"] += 1
        stats[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=[not_a_server_error])

    run()


def test_no_server_error_for_any_generated_request(app, world, capsys):
    ids = _real_ids(app, world)
    client = app.test_client()
    per_operation: collections.Counter = collections.Counter()
    totals: collections.Counter = collections.Counter()
    started = time.perf_counter()
    for role in ROLES:
        headers = _token(client, role)
        schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
        stats: collections.Counter = collections.Counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in SKIP:
                continue
            resource = operation.path.split("/")[3]
            has_pk = "{pk}" in operation.path
            before = stats["calls"]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                pk = ids.get(resource) if has_pk and mode is GenerationMode.POSITIVE else None
                _fuzz(app, operation, headers, mode, pk, stats)
            per_operation[f"{operation.method.upper()} {operation.path}"] += stats["calls"] - before
        with capsys.disabled():
            print(
                f"\n[fuzz api] role={role} calls={stats['calls']} 2xx={stats['2xx']} 4xx={stats['4xx']} 5xx={stats['5xx']}"
            )
        totals.update(stats)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"[fuzz api] {len(per_operation)} operations x {len(ROLES)} roles: calls={totals['calls']} "
            f"2xx={totals['2xx']} 4xx={totals['4xx']} 5xx={totals['5xx']} in {elapsed:.0f}s"
        )
    assert len(per_operation) >= 60, "the OpenAPI document lost operations"
    thin = {op: n for op, n in per_operation.items() if n < MIN_PER_OPERATION}
    assert not thin, f"fewer than {MIN_PER_OPERATION} generated requests: {thin}"
    assert totals["5xx"] == 0
