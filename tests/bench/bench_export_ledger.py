"""Memory benchmark of the ledger export from the database (SPEC §11 "Large exports stream in
constant memory"), through the export service exactly as ``/export/ledger`` and ``flask export
ledger`` use it: ``services.exports.ledger_query`` → ``write_ledger`` (``yield_per`` cursor →
``write_table(constant_memory=True)``).

Not a test: run it by hand.

    .venv/bin/python tests/bench/bench_export_ledger.py --rows 100000
    .venv/bin/python tests/bench/bench_export_ledger.py --rows 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bmdb_test

It builds a database with N/10 and with N cases (12 villages, SQLite files in a temporary
directory, or a throw-away schema of the given PostgreSQL database), then exports each in a
fresh child process and prints rows, seconds, file size and peak memory: ``tracemalloc peak``
(Python heap, from a second, traced run), the export's CPU time (``time.process_time``: wall time
is noisy on a busy machine) and ``maxrss`` / ``Δrss`` (the child's peak resident
set and its growth over the RSS after start-up). ``--contrast`` adds a run that first loads all
rows into a list (what a non-streaming export would do) to show the difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英桂兰志强海燕明华春梅小军丽娟德胜玉珍文斌红霞"
STATUSES = ["accepted", "verifying", "submitted", "completed", "completed", "completed", "rejected"]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def make_app(url: str):
    from app import create_app

    return create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        TESTING=True,
    )


def populate(url: str, rows: int) -> None:
    """12 villages with an agent each, a service item, and ``rows`` cases (Core bulk insert)."""
    import logging

    from flask_appbuilder import Model

    from app.extensions import db
    from app.models import Agent, Case, ServiceCategory, ServiceItem, Village
    from app.policy.idcard import id_check_digit

    logging.disable(logging.WARNING)
    app = make_app(url)
    with app.app_context():
        Model.metadata.create_all(db.engine)
        cat = ServiceCategory(code="01", name="养老、医疗保险")
        item = ServiceItem(
            code="0101",
            category=cat,
            name="城乡居民基本养老保险参保登记",
            window="社保窗口",
            materials=["户口簿"],
            promised_days=3,
        )
        db.session.add_all([cat, item])
        villages = []
        for n, (name, code) in enumerate(
            [
                ("青山村", "QS"),
                ("石桥村", "SQ"),
                ("枫林村", "FL"),
                ("荷塘村", "HT"),
                ("白沙村", "BS"),
                ("龙泉村", "LQ"),
                ("桃源村", "TY"),
                ("柳溪村", "LX"),
                ("松坪村", "SP"),
                ("金竹村", "JZ"),
                ("新塘村", "XT"),
                ("梅岭村", "ML"),
            ],
            1,  # fmt: skip
        ):
            v = Village(name=name, code=code)
            first17 = f"430123198{n % 10}0101{n:03d}"
            a = Agent(name=f"代办员{n}", id_number=first17 + id_check_digit(first17), phone=f"1397310{n:04d}", education="senior",
                      village=v, status="active", hired_on=dt.date(2022, 7, 1))  # fmt: skip
            db.session.add_all([v, a])
            villages.append((v, a))
        db.session.flush()
        ids = [(v.id, a.id, v.code) for v, a in villages]
        rnd = random.Random(2026)
        start = dt.datetime(2024, 1, 2, 9, 0)
        table = Case.__table__
        batch = []
        for i in range(1, rows + 1):
            vid, aid, code = ids[i % len(ids)]
            received = start + dt.timedelta(minutes=11 * i)
            status = rnd.choice(STATUSES)
            first17 = f"430123{1950 + i % 50}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
            batch.append(
                {
                    "case_number": f"{code}{received.year}-{i:06d}",
                    "village_id": vid,
                    "agent_id": aid,
                    "kind": "proxy",
                    "service_item_id": item.id,
                    "category_id": cat.id,
                    "applicant_name": rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(2)),
                    "applicant_id_number": first17 + id_check_digit(first17),
                    "applicant_phone": f"138{i:08d}",
                    "channel": "visit",
                    "urgent": i % 17 == 0,
                    "received_at": received,
                    "voluntary_confirmed": True,
                    "materials_received": ["户口簿"],
                    "status": status,
                    "submit_by": received.date() + dt.timedelta(days=3),
                    "complete_by": received.date() + dt.timedelta(days=5),
                    "due_on": received.date() + dt.timedelta(days=5),
                    "closed_at": received + dt.timedelta(days=2) if status == "completed" else None,
                    "fee": Decimal(rnd.choice(("0", "0", "5.00", "12.50"))),
                    "notes": "群众来电咨询后到代办点办理" if i % 5 == 0 else None,
                }
            )
            if len(batch) == 10_000:
                db.session.execute(table.insert(), batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
        db.session.commit()


def child(url: str, trace: bool, contrast: bool) -> dict:
    import logging

    logging.disable(logging.WARNING)
    app = make_app(url)
    from app.services import exports

    baseline = _rss_mib()
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        with app.app_context():
            if trace:
                tracemalloc.start()
            t0, c0 = time.perf_counter(), time.process_time()
            query = exports.ledger_query()
            if contrast:  # what a non-streaming export would do: all rows in memory first
                from app.exports.xlsx import write_table

                rows = list(exports.ledger_rows(query, full_numbers=False, today=dt.date(2026, 11, 26)))
                written = write_table(
                    path, title="台账", columns=exports.LEDGER_COLUMNS, rows=rows, constant_memory=False
                )
            else:
                written = exports.write_ledger(path, query, today=dt.date(2026, 11, 26))
            seconds = time.perf_counter() - t0
            cpu_seconds = time.process_time() - c0
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            if trace:
                tracemalloc.stop()
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return {
        "rows": written,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "size": size,
        "tracemalloc_peak": peak,
        "maxrss": _rss_mib(),
        "baseline_rss": baseline,
    }


def run_child(url: str, trace: bool, contrast: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", "--url", url]
    if trace:
        cmd.append("--trace")
    if contrast:
        cmd.append("--contrast")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def _database(base_url: str | None, workdir: str, rows: int):
    """(url, cleanup) of a fresh database for ``rows`` cases."""
    if not base_url:
        return f"sqlite:///{workdir}/ledger_{rows}.sqlite3", lambda: None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"

    def cleanup():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base_url}{sep}options=-csearch_path%3D{schema}", cleanup


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="largest N (N/10 is run too); default 100000")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: SQLite files in a temporary directory)"
    )
    parser.add_argument(
        "--contrast", action="store_true", help="also run a non-streaming export (all rows in a list first)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.url, trace=args.trace, contrast=args.contrast)))
        return

    sizes = sorted({max(1, args.rows // 10), args.rows})
    mib = 1024 * 1024
    engine = "PostgreSQL" if args.database_url else "SQLite"
    header = (
        f"{'mode':<12}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'CPU s':>8}{'rows/CPU s':>11}{'file MiB':>10}"
        f"{'tracemalloc peak MiB':>22}{'maxrss MiB':>12}{'Δrss MiB':>10}"
    )
    print(f"ledger export from {engine} via services.exports.write_ledger, Python {sys.version.split()[0]}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            url, cleanup = _database(args.database_url, workdir, n)
            try:
                t0 = time.perf_counter()
                populate(url, n)
                print(f"  (populated {n} cases in {time.perf_counter() - t0:.1f} s)")
                modes = [("streaming", False)] + ([("list first", True)] if args.contrast else [])
                for label, contrast in modes:
                    plain = run_child(url, trace=False, contrast=contrast)
                    traced = run_child(url, trace=True, contrast=contrast)
                    print(
                        f"{label:<12}{plain['rows']:>9}{plain['seconds']:>9.2f}{plain['rows'] / plain['seconds']:>9.0f}"
                        f"{plain['cpu_seconds']:>8.2f}{plain['rows'] / plain['cpu_seconds']:>11.0f}"
                        f"{plain['size'] / mib:>10.2f}{traced['tracemalloc_peak'] / mib:>22.2f}"
                        f"{plain['maxrss']:>12.1f}{plain['maxrss'] - plain['baseline_rss']:>10.1f}"
                    )
            finally:
                cleanup()


if __name__ == "__main__":
    main()
