"""Render time of the dashboards at 10k and 1M cases (issue 6). Not a test: run it by hand.

    .venv/bin/python tests/bench/bench_dashboard.py                      # 10k and 1M, SQLite
    .venv/bin/python tests/bench/bench_dashboard.py --cases 10000 --db postgresql://postgres@127.0.0.1:5432/bmdb_test
    .venv/bin/python tests/bench/bench_dashboard.py --generator demo --cases 10000

For each size it builds a fresh database (a temporary SQLite file, or a fresh schema in the
PostgreSQL database given), loads the reference data and the demo township (12 villages,
accounts for every role), adds N cases, runs ANALYZE, then times through the Flask test
client (no network), ``--repeat`` times after one warm-up:

* ``/`` as 乡便民中心 — the township dashboard (the figures table, KPIs, alerts);
* ``/dashboard/data/township`` — its chart data (12-month trend, on-time rate, categories);
* ``/`` as 村代办员 of 青山村 — the village dashboard with the to-do list (village-scoped);
* ``/public/QS`` — the public village page (published monthly figures);
* ``/notices/bulletin/QS`` — the monthly 公开栏 of the previous month.

Generators:

* ``own`` (default): the 12 demo villages only, N cases spread over three years — 1M cases
  means ≈ 83,000 per village, far more than a real township; it stresses the aggregates.
  Bulk Core inserts (no ORM objects, no audit rows), mixed kinds/statuses/lateness.
* ``demo``: ``seeds.demo_cases.run(scale=N // 1000)`` of the cases feature — N/1000 villages
  with ≈ 1000 cases each (the dashboard table then has one row per village).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text

OPEN = ("registered", "accepted", "verifying", "submitted")
BATCH = 20_000


def _database(url: str | None, tmp: Path):
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def _own_cases(n: int, today: dt.date) -> int:
    """N cases over the three years up to ``today`` for the active village agents."""
    from app.extensions import db
    from app.models import Agent, Case, ServiceItem, Village
    from app.services.calendar import work_calendar

    cal = work_calendar()
    agents = db.session.execute(
        select(Agent.village_id, Agent.id, Village.code)
        .join(Village, Village.id == Agent.village_id)
        .where(Agent.status == "active")
    ).all()
    items = db.session.execute(select(ServiceItem.id, ServiceItem.category_id, ServiceItem.promised_days)).all()
    start = dt.datetime.combine(today, dt.time(17)) - dt.timedelta(days=3 * 365)
    span = 3 * 365 * 86400
    rng = random.Random(6)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    deadline_memo: dict[tuple[dt.date, int], dt.date] = {}
    serial: dict[int, int] = {}
    rows, written = [], 0
    # received times in order, so case numbers grow with time
    offsets = sorted(rng.randrange(span) for _ in range(n))
    for off in offsets:
        vid, aid, code = agents[rng.randrange(len(agents))]
        received = start + dt.timedelta(seconds=off)
        item_id, cat_id, days = items[rng.randrange(len(items))]
        key = (received.date(), days)
        due = deadline_memo.get(key)
        if due is None:
            due = deadline_memo[key] = cal.add_workdays(received.date(), days)
        consult = rng.random() < 0.3
        age = (today - received.date()).days
        r = rng.random()
        if age <= 6 and r < 0.8 or r < 0.01:
            status = "registered" if consult else rng.choice(("accepted", "verifying", "submitted"))
        elif consult:
            status = "answered" if r < 0.9 else "referred"
        else:
            status = "completed" if r < 0.92 else ("rejected" if r < 0.97 else "voided")
        closed = status not in OPEN
        closed_at = received + dt.timedelta(days=rng.randint(0, 6), hours=2) if closed else None
        closed_late = bool(closed and status != "voided" and closed_at.date() > due)
        serial[vid] = serial.get(vid, 0) + 1
        rows.append(
            {
                "case_number": f"{code}{received.year}-{serial[vid]:06d}",
                "village_id": vid,
                "agent_id": aid,
                "kind": "consult" if consult else "proxy",
                "service_item_id": item_id,
                "category_id": cat_id,
                "applicant_name": "村民",
                "channel": "visit",
                "urgent": False,
                "received_at": received,
                "voluntary_confirmed": not consult,
                "materials_received": [],
                "status": status,
                "submit_by": due,
                "complete_by": due,
                "due_on": due,
                "closed_at": closed_at,
                "closed_late": closed_late,
                "fee": Decimal("0.00"),
                "ledger_incomplete": False,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        if len(rows) >= BATCH:
            db.session.execute(insert(Case.__table__), rows)
            written += len(rows)
            rows = []
    if rows:
        db.session.execute(insert(Case.__table__), rows)
        written += len(rows)
    db.session.commit()
    return written


def _supervision_rows(today: dt.date) -> None:
    """Sign-ins of this quarter, some deductions and last month's reports (realistic extras)."""
    from app.extensions import db
    from app.models import Agent, Deduction, MonthlyReport, SignIn
    from app.policy.periods import previous_month
    from app.services.calendar import work_calendar

    cal = work_calendar()
    rng = random.Random(7)
    agents = db.session.execute(select(Agent.id, Agent.village_id).where(Agent.status == "active")).all()
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    days = [first + dt.timedelta(n) for n in range((today - first).days + 1)]
    rows = [
        {
            "agent_id": aid,
            "village_id": vid,
            "day": d,
            "signed_at": dt.datetime.combine(d, dt.time(8, 50)),
            "late": False,
        }
        for aid, vid in agents
        for d in days
        if cal.is_workday(d) and rng.random() < 0.9
    ]
    if rows:
        db.session.execute(insert(SignIn.__table__), rows)
    py, pm = previous_month(today.year, today.month)
    for i, (aid, vid) in enumerate(agents):
        if i % 5:
            db.session.add(
                MonthlyReport(
                    village_id=vid,
                    agent_id=aid,
                    year=py,
                    month=pm,
                    status="submitted",
                    figures={},
                    submitted_at=dt.datetime(py, pm, 28, 17),
                )
            )
        if i % 4 == 0:
            db.session.add(
                Deduction(
                    code="3",
                    agent_id=aid,
                    village_id=vid,
                    year=today.year,
                    month=today.month,
                    occurred_on=today,
                    amount=Decimal("50.00"),
                    source_type="bench",
                    source_id=i,
                )
            )
    db.session.commit()


def run_size(n: int, generator: str, db_url: str | None, repeat: int) -> dict:
    from flask_appbuilder import Model

    from app import create_app
    from app.extensions import db
    from app.services.calendar import today as township_today

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(db_url, Path(tmp))
        try:
            app = create_app(
                "config.Config",
                SQLALCHEMY_DATABASE_URI=url,
                SQLALCHEMY_ENGINE_OPTIONS={},
                SECRET_KEY="bench-" + uuid.uuid4().hex,
                WTF_CSRF_ENABLED=False,
                RATELIMIT_ENABLED=False,
                AUTH_RATE_LIMIT="100000 per minute",
                IMG_UPLOAD_FOLDER=str(Path(tmp) / "photos"),
            )
            with app.app_context():
                from seeds.demo import DEMO_PASSWORD, create_demo
                from seeds.reference import seed_reference

                Model.metadata.create_all(db.engine)
                seed_reference()
                create_demo()
                today = township_today()
                t0 = time.perf_counter()
                if generator == "demo":
                    from seeds.demo_cases import run as demo_cases

                    made = demo_cases(scale=max(1, n // 1000))["cases"]
                else:
                    made = _own_cases(n, today)
                _supervision_rows(today)
                gen_s = time.perf_counter() - t0
                db.session.execute(text("ANALYZE"))
                db.session.commit()
                villages = db.session.execute(text("SELECT count(*) FROM village")).scalar()
                db.session.remove()

            timings = {}
            for user, urls in (
                ("zhongxin", ["/", "/dashboard/data/township"]),
                ("qs_daiban", ["/"]),
                (None, ["/public/QS", "/public/"]),
                ("zhongxin", ["/notices/bulletin/QS"]),
            ):
                c = app.test_client()
                if user:
                    r = c.post("/login/", data={"username": user, "password": DEMO_PASSWORD})
                    assert r.status_code == 302, f"login {user}: {r.status_code}"
                for url in urls:
                    label = f"{user or 'anonymous'} {url}"
                    assert c.get(url).status_code == 200, label  # warm-up
                    runs = []
                    for _ in range(repeat):
                        t = time.perf_counter()
                        r = c.get(url)
                        runs.append(time.perf_counter() - t)
                        assert r.status_code == 200, label
                    timings[label] = (statistics.median(runs), min(runs), max(runs))
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            if drop:
                drop()
    return {"cases": made, "villages": villages, "generate_s": gen_s, "timings": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--generator", choices=("own", "demo"), default="own")
    parser.add_argument("--db", default=None, help="PostgreSQL URL (a fresh schema is created and dropped)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    backend = "postgresql" if args.db else "sqlite"
    for n in args.cases:
        result = run_size(n, args.generator, args.db, args.repeat)
        print(
            f"\n== {backend}, generator={args.generator}: {result['cases']:,} cases, {result['villages']} villages "
            f"(generated in {result['generate_s']:.1f}s)"
        )
        print(f"{'request':<42} {'median':>9} {'min':>9} {'max':>9}")
        for label, (med, lo, hi) in result["timings"].items():
            print(f"{label:<42} {med * 1000:>7.0f}ms {lo * 1000:>7.0f}ms {hi * 1000:>7.0f}ms")


if __name__ == "__main__":
    main()
