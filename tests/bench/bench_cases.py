"""Benchmark of the case pages at 10k … 1M cases: time per page and SQL queries per page.

Not a test: run it by hand, e.g.

    .venv/bin/python tests/bench/bench_cases.py --cases 10000
    .venv/bin/python tests/bench/bench_cases.py --cases 1000000 --db sqlite:////tmp/bench-1m.sqlite3
    .venv/bin/python tests/bench/bench_cases.py --cases 1000000 --db postgresql://postgres@127.0.0.1:5432/bench

It builds (or, with ``--reuse``, reuses) a database with the demo township and
``flask demo --scale N`` worth of cases (``seeds.demo_cases.run(scale=cases // 1000)``:
N villages × three years, ~1000 cases each, realistic status mix), then requests each page
``--repeat`` times through the Flask test client — as township staff (all villages) and as
a village agent — and prints the median time and the number of SQL statements per request.
The query counts must not grow with the number of rows: compare the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text

PAGES = [
    # (label, user, url) — {case} is a case of the user's village with a full timeline
    ("case list (ledger, page 1)", "zhongxin", "/case/list/"),
    ("case list, page 200", "zhongxin", "/case/list/?page_CaseView=200"),
    ("filtered: overdue (quick filter)", "zhongxin", "/case/list/?{overdue}"),
    (
        "filtered: village+status+date range",
        "zhongxin",
        "/case/list/?_flt_0_village={village}&_flt_3_status=completed&_flt_1_received_at=2025-01-01&_flt_2_received_at=2025-03-31",
    ),
    ("search: applicant name starts with", "zhongxin", "/case/list/?_flt_0_applicant_name=王"),
    ("search: case number", "zhongxin", "/case/list/?_flt_3_case_number={number}"),
    ("case page", "zhongxin", "/case/show/{case}"),
    ("受理回执", "zhongxin", "/casedoc/receipt/{case}"),
    ("API case list", "zhongxin", "/api/v1/case/"),
    ("API case", "zhongxin", "/api/v1/case/{case}"),
    ("API to-do", "zhongxin", "/api/v1/case/todo"),
    ("case list (agent, own village)", "qs_daiban", "/case/list/"),
    ("filtered: overdue (agent)", "qs_daiban", "/case/list/?{overdue}"),
    ("case page (agent)", "qs_daiban", "/case/show/{case}"),
]


def build_app(url: str):
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from app import create_app

    return create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        AUTH_RATE_LIMITED=False,
    )


def prepare(app, cases: int, reuse: bool) -> None:
    from flask_appbuilder import Model

    from app.extensions import db
    from app.models import Case
    from app.services.audit import acting_as
    from seeds.demo import create_demo
    from seeds.demo_cases import run
    from seeds.reference import seed_reference

    with app.app_context():
        if reuse:
            Model.metadata.create_all(db.engine)
            have = db.session.execute(select(func.count()).select_from(Case)).scalar()
            if have:
                print(f"reusing {have:,} cases")
                return
        else:
            Model.metadata.drop_all(db.engine)
            Model.metadata.create_all(db.engine)
        started = time.perf_counter()
        with acting_as("bench"):
            seed_reference()
            create_demo()
            result = run(scale=max(1, cases // 1000))
        # Fresh statistics and (PostgreSQL) a visibility map, as autovacuum gives a running database.
        statement = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(statement))
        print(
            f"generated {result['cases']:,} cases in {result['villages']} villages "
            f"in {time.perf_counter() - started:.1f} s"
        )


def placeholders(app) -> dict:
    from urllib.parse import urlencode

    from app.extensions import db
    from app.models import Case, CaseTransition, Village
    from app.policy import case_flow as flow
    from app.services.calendar import today

    with app.app_context():
        qs = db.session.execute(select(Village.id).where(Village.code == "QS")).scalar_one()
        busiest = db.session.execute(
            select(CaseTransition.case_id)
            .where(CaseTransition.village_id == qs)
            .group_by(CaseTransition.case_id)
            .order_by(func.count().desc(), CaseTransition.case_id.desc())
            .limit(1)
        ).scalar_one()
        number = db.session.get(Case, busiest).case_number
        overdue = urlencode(
            [("_flt_8_status", s) for s in flow.OPEN_STATUSES] + [("_flt_2_due_on", today().isoformat())]
        )
        return {"case": busiest, "village": qs, "number": number, "overdue": overdue}


class QueryCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *args, **kwargs) -> None:
        self.count += 1


def login(app, username: str):
    from seeds.demo import DEMO_PASSWORD

    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, f"login {username}: {r.status_code}"
    return client


def token(app, username: str) -> dict:
    from seeds.demo import DEMO_PASSWORD

    r = app.test_client().post(
        "/api/v1/security/login", json={"username": username, "password": DEMO_PASSWORD, "provider": "db"}
    )
    return {"Authorization": f"Bearer {r.json['access_token']}"}


def measure(app, repeat: int) -> list[tuple[str, str, float, float, int, int]]:
    from app.extensions import db

    values = placeholders(app)
    with app.app_context():
        counter = QueryCounter(db.engine)
    clients = {u: login(app, u) for u in {p[1] for p in PAGES}}
    headers = {u: token(app, u) for u in {p[1] for p in PAGES}}
    rows = []
    for label, user, url in PAGES:
        url = url.format(**values)
        kwargs = {"headers": headers[user]} if url.startswith("/api/") else {}
        client = clients[user]
        r = client.get(url, **kwargs)  # warm-up (templates, caches)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
        times, queries = [], []
        for _ in range(repeat):
            counter.count = 0
            started = time.perf_counter()
            r = client.get(url, **kwargs)
            times.append((time.perf_counter() - started) * 1000)
            queries.append(counter.count)
            assert r.status_code == 200, (url, r.status_code)
        rows.append((label, user, statistics.median(times), max(times), min(queries), max(queries)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="about how many cases (scale = cases // 1000)")
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file in /tmp per size)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database with cases")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    url = args.db or f"sqlite:////tmp/bmdb-bench-{args.cases}.sqlite3"
    app = build_app(url)
    prepare(app, args.cases, args.reuse)
    from app.extensions import db
    from app.models import Case, CaseTransition

    with app.app_context():
        n_cases = db.session.execute(select(func.count()).select_from(Case)).scalar()
        n_steps = db.session.execute(select(func.count()).select_from(CaseTransition)).scalar()
        dialect = db.engine.dialect.name
    print(f"\n{dialect}: {n_cases:,} cases, {n_steps:,} transitions — median of {args.repeat} requests\n")
    print(f"{'page':<40} {'user':<10} {'median ms':>10} {'max ms':>8} {'SQL':>6}")
    for label, user, median, worst, qmin, qmax in measure(app, args.repeat):
        q = str(qmin) if qmin == qmax else f"{qmin}-{qmax}"
        print(f"{label:<40} {user:<10} {median:>10.1f} {worst:>8.1f} {q:>6}")


if __name__ == "__main__":
    main()
