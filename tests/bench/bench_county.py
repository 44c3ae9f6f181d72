"""County-scale benchmark (issue 11): every page of the issue at a small and a county-sized
township, side by side with a stock Flask-AppBuilder list of the same table.

Not a test: a benchmark, run by hand or with ``make bench-county`` (defaults below).

    .venv/bin/python tests/bench/bench_county.py                       # 20k/20 and 1M/400, SQLite
    .venv/bin/python tests/bench/bench_county.py --large-cases 100000 --large-villages 100
    .venv/bin/python tests/bench/bench_county.py --db postgresql://postgres@127.0.0.1:5432
    make bench-county BENCH_ARGS="--reuse --repeat 9"

Data sets. Two townships are generated the way ``flask demo --scale N`` makes one (schema by
the Alembic migrations, ``seed_reference``, ``create_demo``, then ``seeds.demo_cases``,
``seeds.demo_supervision``, ``seeds.demo_payouts`` with ``scale`` = the number of villages):
the 12 demo villages first, then 测试村 ZAAA, ZAAB … with an agent each. ``flask demo --scale``
gives every village about 330 cases a year over three years; here the number of years
(``round(cases / (villages × 330))``, at least 1) and the cases per working day are set so
the total comes out near ``--*-cases`` (1,000,000 / 400 villages ≈ 8 years, as in the issue).
Each set lives in its own database: a SQLite file ``bench-county-<cases>c-<villages>v.sqlite3``
in ``--dir``, or, with ``--db`` / ``DATABASE_URL`` (a PostgreSQL server URL), a database
``bench_county_<cases>c_<villages>v`` on that server, dropped and created by this script (the
database named in the URL is only used to connect). The sets are kept after the run, so
``--reuse`` can skip the generation next time; ``--drop`` removes them at the end. The
generation time of each set is reported (target: the county set in ≤ 5 minutes).

Pages. Through the Flask test client (no network), logged in as the demo township staff
(``zhongxin``) or 青山村's agent (``qs_daiban``): one warm-up request, then the median of
``--repeat`` requests, and the SQL statements per request (SQLAlchemy
``before_cursor_execute``): case list page 1 (township, village agent), applicant name starts
with 王建国 / 王, name contains 建国, case number, township and village dashboards, the
township chart JSON (``/dashboard/data/township``), the payout sheet page of the last finished
quarter (computed by the demo), page 500 of the case list, the list filtered by status =
completed, a case's detail page. FAB filter arguments (``_flt_<n>_<column>``) are looked up
in the views' filter lists, not hard-coded. Also: the quarterly payout computation of the
current quarter for all villages (``services.payouts.compute_sheet``, commit turned into a
flush and rolled back; median of ``--repeat``), and the ledger export
(``services.exports.write_ledger``) of the newest ``--export-rows`` cases (a received-date
range; all cases if fewer) in a fresh child process: rows/s and peak RSS over the RSS after
start-up (sampled every 5 ms).

Stock FAB. A plain ``flask_appbuilder.ModelView`` (``SQLAInterface(Case)``, the same visible
columns, page size and order as the case list, no app widgets, formatters or filters) is
registered in the bench app only, at ``/benchstockcase/list/``, and timed on both sets for
page 1 (township and agent), the name prefix search and page 500: its rows are the
reference, and the table gives app / stock for each.

Output: one table ``page | small | large | growth | queries | target | ✓/✗`` with the issue's
targets (pages p50 ≤ 100 ms at the large set and ≤ 1.3× the small set; searches ≤ 100 ms —
"contains" on PostgreSQL only; payout compute ≤ 200 ms; export ≥ 20,000 rows/s and ≤ 50 MB;
SQL statements per page not growing), and the same as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.bench.bench_cases import QueryCounter, build_app, login

CASES_PER_VILLAGE_YEAR = 330  # what ``flask demo --scale`` generates (seeds.demo_cases)
PAGE_MS, GROWTH, SEARCH_MS, PAYOUT_MS = 100.0, 1.3, 100.0, 200.0
EXPORT_ROWS_S, EXPORT_MB, GENERATE_S = 20_000.0, 50.0, 300.0

TOWNSHIP, AGENT = "zhongxin", "qs_daiban"


@dataclass
class Page:
    key: str
    label: str
    user: str
    url: str  # formatted with the placeholders of ``placeholders()``
    kind: str = "page"  # page | search | stock
    engines: tuple[str, ...] = ("sqlite", "postgresql")  # where the target applies
    compare: str | None = None  # for a stock row: the app row it is the reference of


PAGES = [
    Page("list_township", "case list p1 (township)", TOWNSHIP, "/case/list/"),
    Page("list_agent", "case list p1 (village agent)", AGENT, "/case/list/"),
    Page("search_name_full", "search: name starts with 王建国", TOWNSHIP, "/case/list/?{sw_name}=王建国", "search"),
    Page("search_name_one", "search: name starts with 王", TOWNSHIP, "/case/list/?{sw_name}=王", "search"),
    Page(
        "search_name_contains",
        "search: name contains 建国",
        TOWNSHIP,
        "/case/list/?{ct_name}=建国",
        "search",
        engines=("postgresql",),
    ),
    Page("search_number", "search: case number", TOWNSHIP, "/case/list/?{sw_number}={number}", "search"),
    Page("dashboard_township", "township dashboard", TOWNSHIP, "/"),
    Page("dashboard_village", "village dashboard (agent)", AGENT, "/"),
    Page("chart_township", "township chart JSON", TOWNSHIP, "/dashboard/data/township"),
    Page("payout_sheet", "payout sheet page", TOWNSHIP, "/payoutsheet/show/{sheet}"),
    Page("list_page500", "case list page 500", TOWNSHIP, "/case/list/?page_CaseView=500"),
    Page("list_completed", "case list status = completed", TOWNSHIP, "/case/list/?{eq_status}=completed"),
    Page("case_detail", "case detail page", TOWNSHIP, "/case/show/{case}"),
    Page("stock_township", "stock FAB: list p1 (township)", TOWNSHIP, "/benchstockcase/list/", "stock", compare="list_township"),
    Page("stock_agent", "stock FAB: list p1 (agent)", AGENT, "/benchstockcase/list/", "stock", compare="list_agent"),
    Page(
        "stock_search",
        "stock FAB: name starts with 王建国",
        TOWNSHIP,
        "/benchstockcase/list/?{stock_sw_name}=王建国",
        "stock",
        compare="search_name_full",
    ),
    Page(
        "stock_page500",
        "stock FAB: list page 500",
        TOWNSHIP,
        "/benchstockcase/list/?page_BenchStockCaseView=500",
        "stock",
        compare="list_page500",
    ),
]  # fmt: skip


@dataclass
class DataSet:
    name: str  # small | large
    cases: int
    villages: int
    url: str = ""
    cleanup: object = None
    generated: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------
def _url_text(url) -> str:
    return url.render_as_string(hide_password=False)


def open_database(ds: DataSet, server: str | None, workdir: Path, fresh: bool) -> None:
    """Point ``ds.url`` at the data set's own database (fresh: empty, else as it is)."""
    stem = f"bench_county_{ds.cases}c_{ds.villages}v"
    if not server:
        path = workdir / f"{stem.replace('_', '-')}.sqlite3"
        if fresh and path.exists():
            path.unlink()
        ds.url = f"sqlite:///{path}"
        ds.cleanup = lambda: path.unlink(missing_ok=True)
        return
    base = make_url(server)
    admin = create_engine(_url_text(base.set(database=base.database or "postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": stem}).scalar()
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{stem}" WITH (FORCE)'))
        if fresh or not exists:
            conn.execute(text(f'CREATE DATABASE "{stem}"'))
    ds.url = _url_text(base.set(database=stem))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{stem}" WITH (FORCE)'))
        admin.dispose()

    ds.cleanup = drop


def complete(app) -> int:
    """Cases of a fully generated set (its last step, the payout sheet, is there), else 0."""
    from sqlalchemy import inspect

    from app.extensions import db
    from app.models import Case, PayoutSheet

    with app.app_context():
        if "payout_sheet" not in inspect(db.engine).get_table_names():
            return 0
        if not db.session.execute(select(PayoutSheet.id).limit(1)).first():
            return 0
        return db.session.execute(select(func.count()).select_from(Case)).scalar() or 0


def generate(app, ds: DataSet) -> dict:
    """Schema (Alembic), then what ``flask demo --scale <villages>`` does, sized to ``ds.cases``."""
    from flask_migrate import upgrade

    from app.commands.demo import DEMO_STEPS
    from app.extensions import db
    from app.services.audit import acting_as
    from app.services.calendar import today as township_today
    from app.services.calendar import work_calendar
    from seeds import demo_cases
    from seeds.demo import DEMO_PREPARER, create_demo
    from seeds.reference import seed_reference

    years = max(1, round(ds.cases / (ds.villages * CASES_PER_VILLAGE_YEAR)))
    out = {}
    cpu0 = time.process_time()
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        out["schema_s"] = time.perf_counter() - t0
        saved = demo_cases.SCALE_YEARS, demo_cases.PER_WORKDAY_SCALE
        try:
            with acting_as("flask demo", person=DEMO_PREPARER):
                t1 = time.perf_counter()
                seed_reference()
                create_demo()
                today, cal = township_today(), work_calendar()
                start = dt.date(today.year - years, today.month, 1)
                workdays = sum(cal.is_workday(start + dt.timedelta(n)) for n in range((today - start).days + 1))
                demo_cases.SCALE_YEARS = years
                demo_cases.PER_WORKDAY_SCALE = ds.cases / (ds.villages * max(1, workdays))
                for step in DEMO_STEPS:
                    step(scale=ds.villages)
                out["demo_s"] = time.perf_counter() - t1
        finally:
            demo_cases.SCALE_YEARS, demo_cases.PER_WORKDAY_SCALE = saved
        t2 = time.perf_counter()
        statement = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(statement))
        out["analyze_s"] = time.perf_counter() - t2
        db.session.remove()
    out["years"] = years
    out["seconds"] = out["schema_s"] + out["demo_s"] + out["analyze_s"]
    # this process's CPU (the generator, SQLite's work; not the PostgreSQL server's): on a
    # shared machine the wall time says more about the neighbours than about the generator
    out["cpu_s"] = time.process_time() - cpu0
    return out


def describe(app) -> dict:
    from app.extensions import db
    from app.models import Case, CaseTransition, Village

    with app.app_context():
        count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar()  # noqa: E731
        return {
            "engine": db.engine.dialect.name,
            "cases": count(Case),
            "transitions": count(CaseTransition),
            "villages": count(Village),
        }


# --------------------------------------------------------------------------------------
# The bench app: the real one plus a stock FAB list of the same table
# --------------------------------------------------------------------------------------
def add_stock_view(app) -> None:
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.models import Case

    class BenchStockCaseView(ModelView):
        """Stock FAB: nothing of the app's but the model (and Case's read permission)."""

        datamodel = SQLAInterface(Case)
        route_base = "/benchstockcase"
        class_permission_name = "Case"  # the roles' regexes grant can_read on Case
        method_permission_name = {"list": "read", "show": "read"}
        base_permissions = ["can_read"]
        include_route_methods = {"list"}
        list_columns = [
            "case_number",
            "received_at",
            "village",
            "agent",
            "applicant_name",
            "service_item",
            "kind",
            "status",
            "due_on",
        ]
        search_columns = ["case_number", "applicant_name", "status"]
        base_order = ("received_at", "desc")
        page_size = 20

    with app.app_context():
        app.appbuilder.add_view_no_menu(BenchStockCaseView)


def _view(app, name: str):
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == name:
            return view
    raise LookupError(name)


def filter_arg(view, column: str, kind: str) -> str:
    """``_flt_<n>_<column>`` of the view's filter whose class is (or derives from) ``kind``."""
    filters = view._filters._all_filters[column]
    for n, f in enumerate(filters):
        if any(c.__name__ == kind for c in type(f).__mro__):
            return f"_flt_{n}_{column}"
    names = [type(f).__name__ for f in filters]
    raise LookupError(f"{type(view).__name__}.{column}: no {kind} filter in {names}")


def placeholders(app) -> dict:
    from app.extensions import db
    from app.models import Case, CaseTransition, PayoutSheet, Village

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
        from app.services.townships import config_township

        sheet = db.session.execute(  # the county-sized township's (建宁乡: the 测试村 are its)
            select(PayoutSheet.id)
            .where(PayoutSheet.township_id == config_township().id)
            .order_by(PayoutSheet.year.desc(), PayoutSheet.quarter.desc())
            .limit(1)
        ).scalar_one()
        db.session.remove()
    cases, stock = _view(app, "CaseView"), _view(app, "BenchStockCaseView")
    return {
        "case": busiest,
        "number": number,
        "sheet": sheet,
        "sw_name": filter_arg(cases, "applicant_name", "FilterStartsWith"),
        "ct_name": filter_arg(cases, "applicant_name", "FilterContains"),
        "sw_number": filter_arg(cases, "case_number", "FilterStartsWith"),
        "eq_status": filter_arg(cases, "status", "FilterEqual"),
        "stock_sw_name": filter_arg(stock, "applicant_name", "FilterStartsWith"),
    }


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------
def _stats(times: list[float], queries: list[int]) -> dict:
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "queries": [min(queries), max(queries)],
    }


def measure_pages(app, repeat: int) -> dict:
    from app.extensions import db

    values = placeholders(app)
    with app.app_context():
        counter = QueryCounter(db.engine)
    clients = {u: login(app, u) for u in (TOWNSHIP, AGENT)}
    out = {}
    for page in PAGES:
        url = page.url.format(**values)
        client = clients[page.user]
        # the previous data set's app and the last page's garbage are collected here, between
        # pages, not inside a timed request (a full collection of them cost one request 100 ms)
        gc.collect()
        r = client.get(url)  # warm-up (templates, caches)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
        times, queries = [], []
        for _ in range(repeat):
            counter.count = 0
            started = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            queries.append(counter.count)
            assert r.status_code == 200, (url, r.status_code)
        out[page.key] = {"url": url, **_stats(times, queries)}
    return out


def measure_payout(app, repeat: int) -> dict:
    """``compute_sheet`` of the current quarter for all villages, in a transaction rolled back
    each time: ``first`` — its first computation (which settles ④ of the months past their
    report deadline first); ``recompute`` — 重新计算 of the draft the first one made."""
    from app.extensions import db
    from app.policy.periods import quarter_of_day
    from app.services import payouts
    from app.services.audit import acting_as
    from app.services.calendar import today as township_today

    with app.app_context(), acting_as("bench", person="bench"):
        counter = QueryCounter(db.engine)
        from app.services.townships import config_township

        year, quarter = quarter_of_day(township_today())
        # the township of the 测试村 (the demo's second township has 3 villages of its own)
        data = {"quarter": f"{year}Q{quarter}", "township_id": config_township().id}
        runs = {"first": ([], []), "recompute": ([], [])}
        lines = 0
        for n in range(repeat + 1):  # the first round is the warm-up
            session = db.session()
            session.commit = session.flush  # the service's commit: written, then rolled back
            try:
                for key in runs:
                    counter.count = 0
                    started = time.perf_counter()
                    sheet = payouts.compute_sheet(data)
                    elapsed, queries = (time.perf_counter() - started) * 1000, counter.count
                    if n:
                        runs[key][0].append(elapsed)
                        runs[key][1].append(queries)
                lines = len(sheet.lines)
            finally:
                del session.commit
                session.rollback()
        db.session.remove()
    return {"quarter": data["quarter"], "lines": lines, **{k: _stats(*v) for k, v in runs.items()}}


def _rss_now_mib() -> float:
    """The current resident set (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def export_child(url: str, date_from: str | None) -> dict:
    """One export in this fresh process: its time, and its peak RSS (sampled every 5 ms)
    over the RSS of the idle, started app."""
    import threading

    from tests.bench.bench_export_ledger import _rss_mib, make_app

    app = make_app(url)
    from app.services import exports

    gc.collect()
    idle = _rss_now_mib()
    peak, running = [idle], threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            peak[0] = max(peak[0], _rss_now_mib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        with app.app_context():
            day = dt.date.fromisoformat(date_from) if date_from else None
            sampler.start()
            started = time.perf_counter()
            rows = exports.write_ledger(path, exports.ledger_query(date_from=day))
            seconds = time.perf_counter() - started
            running.clear()
            sampler.join()
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return {"rows": rows, "seconds": seconds, "size": size, "idle_rss": idle, "peak_rss": peak[0], "maxrss": _rss_mib()}


def measure_export(app, url: str, rows: int) -> dict:
    """The ledger export of the newest ``rows`` cases (from the day of the rows-th newest)."""
    from app.extensions import db
    from app.models import Case

    with app.app_context():
        oldest = db.session.execute(
            select(Case.received_at).order_by(Case.received_at.desc()).offset(rows - 1).limit(1)
        ).scalar()
        db.session.remove()
    date_from = oldest.date().isoformat() if oldest else None
    cmd = [sys.executable, __file__, "--child-export", url]
    if date_from:
        cmd += ["--child-date-from", date_from]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "date_from": date_from,
        "rows": result["rows"],
        "seconds": result["seconds"],
        "rows_per_s": result["rows"] / result["seconds"],
        "file_mb": result["size"] / 2**20,
        "peak_over_idle_mb": result["peak_rss"] - result["idle_rss"],
        "idle_rss_mb": result["idle_rss"],
        "maxrss_mb": result["maxrss"],
    }


def run_set(ds: DataSet, args, server: str | None, workdir: Path) -> dict:
    open_database(ds, server, workdir, fresh=not args.reuse)
    app = build_app(ds.url)
    have = complete(app) if args.reuse else 0
    if have:
        print(f"[{ds.name}] reusing {ds.url.split('@')[-1]} ({have:,} cases)", flush=True)
        gen = {"reused": True}
    else:
        if args.reuse:  # incomplete or empty: start again
            open_database(ds, server, workdir, fresh=True)
            app = build_app(ds.url)
        print(f"[{ds.name}] generating ~{ds.cases:,} cases in {ds.villages} villages …", flush=True)
        gen = generate(app, ds)
        print(
            f"[{ds.name}] generated in {gen['seconds']:.1f} s (schema {gen['schema_s']:.1f}, "
            f"demo {gen['demo_s']:.1f}, analyze {gen['analyze_s']:.1f}; {gen['years']} years; "
            f"CPU of this process {gen['cpu_s']:.1f} s)",
            flush=True,
        )
        # the pages are timed as a restarted app would serve them: new connections, nothing
        # left over from the generator (its statement caches were prepared before ANALYZE)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        app = build_app(ds.url)
    facts = describe(app)
    print(f"[{ds.name}] {facts['cases']:,} cases, {facts['villages']} villages — timing pages …", flush=True)
    add_stock_view(app)
    result = {"set": {**facts, "requested_cases": ds.cases, "requested_villages": ds.villages}, "generate": gen}
    result["pages"] = measure_pages(app, args.repeat)
    result["payout_compute"] = measure_payout(app, args.repeat)
    if not args.skip_export:
        print(f"[{ds.name}] ledger export …", flush=True)
        result["export"] = measure_export(app, ds.url, args.export_rows)
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return result


# --------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------
def _ms(v: float) -> str:
    return f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _q(q: list[int]) -> str:
    return str(q[0]) if q[0] == q[1] else f"{q[0]}-{q[1]}"


def build_rows(engine: str, small: dict, large: dict) -> list[dict]:
    rows = []

    def add(label, s, lg, growth, queries, target, fails, applies=True, values=None):
        rows.append(
            {
                "values": values or {},  # the figures behind the texts (ms, ratio, rows/s …)
                "page": label,
                "small": s,
                "large": lg,
                "growth": growth,
                "queries": queries,
                "target": target,
                "ok": None if not applies else not fails,
                "fails": fails,
            }
        )

    for page in PAGES:
        s, lg = small["pages"][page.key], large["pages"][page.key]
        growth = lg["median_ms"] / s["median_ms"]
        more_queries = lg["queries"][1] > s["queries"][1]
        fails = []
        if page.kind == "stock":
            app_s, app_l = small["pages"][page.compare], large["pages"][page.compare]
            ratio = f"{app_s['median_ms'] / s['median_ms']:.2f}× → {app_l['median_ms'] / lg['median_ms']:.2f}×"
            target, applies = f"reference; app/stock {ratio}", False
        elif page.kind == "search":
            target = f"≤ {SEARCH_MS:.0f} ms, SQL const"
            applies = engine in page.engines
            if lg["median_ms"] > SEARCH_MS:
                fails.append("p50")
            if not applies:
                target += f" ({'/'.join(page.engines)} only)"
        else:
            target, applies = f"≤ {PAGE_MS:.0f} ms, ≤ {GROWTH}×, SQL const", True
            if lg["median_ms"] > PAGE_MS:
                fails.append("p50")
            if growth > GROWTH:
                fails.append("growth")
        if page.kind != "stock" and more_queries:
            fails.append("SQL")
        add(
            page.label,
            _ms(s["median_ms"]),
            _ms(lg["median_ms"]),
            f"{growth:.2f}×",
            f"{_q(s['queries'])} → {_q(lg['queries'])}",
            target,
            fails,
            applies,
            {"key": page.key, "small_ms": s["median_ms"], "large_ms": lg["median_ms"], "growth": growth},
        )
    s, lg = small["payout_compute"], large["payout_compute"]
    for key, what in (("first", "first compute"), ("recompute", "recompute")):
        add(
            f"payout {what} {lg['quarter']} ({lg['lines']} lines)",
            _ms(s[key]["median_ms"]),
            _ms(lg[key]["median_ms"]),
            f"{lg[key]['median_ms'] / s[key]['median_ms']:.2f}×",
            f"{_q(s[key]['queries'])} → {_q(lg[key]['queries'])}",
            f"≤ {PAYOUT_MS:.0f} ms",
            ["p50"] if lg[key]["median_ms"] > PAYOUT_MS else [],
            values={"key": f"payout_{key}", "small_ms": s[key]["median_ms"], "large_ms": lg[key]["median_ms"]},
        )
    if "export" in small and "export" in large:
        s, lg = small["export"], large["export"]
        fails = []
        if lg["rows_per_s"] < EXPORT_ROWS_S:
            fails.append("rows/s")
        if lg["peak_over_idle_mb"] > EXPORT_MB:
            fails.append("memory")
        add(
            f"ledger export ({s['rows']:,} → {lg['rows']:,} rows)",
            f"{s['rows_per_s']:,.0f} rows/s, +{s['peak_over_idle_mb']:.1f} MB",
            f"{lg['rows_per_s']:,.0f} rows/s, +{lg['peak_over_idle_mb']:.1f} MB",
            f"{s['rows_per_s'] / lg['rows_per_s']:.2f}× (s/row)",
            "—",
            f"≥ {EXPORT_ROWS_S:,.0f} rows/s, ≤ {EXPORT_MB:.0f} MB",
            fails,
            values={
                "key": "export",
                "small_rows_s": s["rows_per_s"],
                "large_rows_s": lg["rows_per_s"],
                "small_mb": s["peak_over_idle_mb"],
                "large_mb": lg["peak_over_idle_mb"],
            },
        )
    gs, gl = small["generate"], large["generate"]
    if not gl.get("reused"):
        add(
            "data set generation (wall; CPU)",
            f"{gs['seconds']:.1f} s; {gs.get('cpu_s', 0):.1f} s" if "seconds" in gs else "reused",
            f"{gl['seconds']:.1f} s; {gl.get('cpu_s', 0):.1f} s",
            "—",
            "—",
            f"large ≤ {GENERATE_S:.0f} s",
            ["time"] if gl["seconds"] > GENERATE_S else [],
            values={"key": "generate", "small_s": gs.get("seconds"), "large_s": gl["seconds"]},
        )
    for row in rows:
        row["status"] = "—" if row["ok"] is None else ("✓" if row["ok"] else "✗ " + ",".join(row["fails"]))
    return rows


def print_table(rows: list[dict], title: str) -> None:
    head = ["page", "small", "large", "growth (large/small)", "queries (small→large)", "target", "✓/✗"]
    keys = ["page", "small", "large", "growth", "queries", "target", "status"]
    cells = [head] + [[str(r[k]) for k in keys] for r in rows]
    widths = [max(_width(c[i]) for c in cells) for i in range(len(head))]
    print(f"\n{title}\n")
    for n, line in enumerate(cells):
        print(" | ".join(_pad(v, w) for v, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


# --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench_county.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_argument_group("data sets")
    size.add_argument("--small-cases", type=int, default=20_000, help="cases of the small set (default 20000)")
    size.add_argument("--small-villages", type=int, default=20, help="villages of the small set (default 20)")
    size.add_argument("--large-cases", type=int, default=1_000_000, help="cases of the large set (default 1000000)")
    size.add_argument("--large-villages", type=int, default=400, help="villages of the large set (default 400)")
    size.add_argument(
        "--db",
        default=None,
        help="PostgreSQL server URL, e.g. postgresql://postgres@127.0.0.1:5432 (default: $DATABASE_URL "
        "if it is a PostgreSQL URL, else SQLite files); one database per set is created on it",
    )
    size.add_argument("--dir", default=tempfile.gettempdir(), help="directory of the SQLite files (default /tmp)")
    size.add_argument(
        "--reuse", action="store_true", help="keep a set generated before (same sizes) instead of a new one"
    )
    size.add_argument("--drop", action="store_true", help="delete the sets' databases / files at the end")
    run = parser.add_argument_group("measuring")
    run.add_argument("--repeat", type=int, default=5, help="timed requests per page after one warm-up (default 5)")
    run.add_argument("--export-rows", type=int, default=100_000, help="rows of the ledger export (default 100000)")
    run.add_argument("--skip-export", action="store_true", help="leave out the ledger export")
    run.add_argument(
        "--json",
        default=str(ROOT / "test-artifacts" / "bench-county.json"),
        help="where the results go as JSON (default test-artifacts/bench-county.json)",
    )
    parser.add_argument("--child-export", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-date-from", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_export:
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(export_child(args.child_export, args.child_date_from)))
        return 0

    import logging

    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # a line per migration
    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)  # "Invalid redirect" after the login POST
    server = args.db
    if server is None and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        server = os.environ["DATABASE_URL"]
    if server and not server.startswith("postgresql"):
        parser.error("--db takes a PostgreSQL server URL (SQLite is the default)")
    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    sets = [
        DataSet("small", args.small_cases, args.small_villages),
        DataSet("large", args.large_cases, args.large_villages),
    ]
    results = {}
    try:
        for ds in sets:
            results[ds.name] = run_set(ds, args, server, workdir)
    finally:
        if args.drop:
            for ds in sets:
                if ds.cleanup:
                    ds.cleanup()
    small, large = results["small"], results["large"]
    engine = small["set"]["engine"]
    rows = build_rows(engine, small, large)
    title = (
        f"{engine}: small {small['set']['cases']:,} cases / {small['set']['villages']} villages, "
        f"large {large['set']['cases']:,} cases / {large['set']['villages']} villages — "
        f"median of {args.repeat} warm requests"
    )
    print_table(rows, title)
    failed = [r["page"] for r in rows if r["ok"] is False]
    print(f"\n{len(failed)} of {sum(r['ok'] is not None for r in rows)} rows miss their target")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "title": title,
        "engine": engine,
        "repeat": args.repeat,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "targets": {
            "page_ms": PAGE_MS,
            "growth": GROWTH,
            "search_ms": SEARCH_MS,
            "payout_ms": PAYOUT_MS,
            "export_rows_s": EXPORT_ROWS_S,
            "export_mb": EXPORT_MB,
            "generate_s": GENERATE_S,
        },
        "table": rows,
        "small": small,
        "large": large,
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
