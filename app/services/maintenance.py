"""Database housekeeping: the query planner's statistics (issue 11).

SQLite chooses its indexes from the statistics ``ANALYZE`` writes (``sqlite_stat1``) and has
none until someone runs it: a county's database built up by daily work never got any, and at
1M cases the township's case list took 155–177 ms instead of 49 ms, the name search 167 ms
instead of 52 ms (``tests/bench/bench_county.py`` on a copy without ``sqlite_stat1``).
PostgreSQL's autovacuum analyzes on its own, but only once enough rows changed: after a bulk
load (the demo, an import, a restore) the plans are guessed until it gets round to it.

:func:`refresh_statistics` runs ``ANALYZE`` on the app's own tables — nightly (the job
``db-statistics``) and after ``flask demo``. Other connections pick the new statistics up with
their next statement (SQLite re-reads them when ``sqlite_stat1`` changes).
"""

from __future__ import annotations

import time

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, text

from ..extensions import db

#: Rows SQLite samples per index (``PRAGMA analysis_limit``, SQLite's advice for a routine
#: ANALYZE): enough for the planner's choice, and the database is locked for milliseconds, not
#: the 1.3 s a full ANALYZE of 1M cases takes.
SQLITE_ANALYSIS_LIMIT = 1000


def app_tables() -> list[str]:
    """The app's tables (Flask-AppBuilder's and ours: one metadata, the migrations')."""
    from .. import models  # noqa: F401  (every model registered on the metadata)

    return sorted(t.name for t in Model.metadata.sorted_tables)


def refresh_statistics() -> str:
    """``ANALYZE`` the app's tables; returns a summary in Chinese."""
    started = time.perf_counter()
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
            conn.execute(text("ANALYZE"))
            tables = len(app_tables())
        else:
            # only the app's own tables (the search path's schema), never the whole server's database
            preparer = engine.dialect.identifier_preparer
            present = set(inspect(conn).get_table_names())
            names = [n for n in app_tables() if n in present]
            if names:
                conn.execute(text("ANALYZE " + ", ".join(preparer.quote(n) for n in names)))
            tables = len(names)
    seconds = time.perf_counter() - started
    return str(_l("已更新%(n)s张表的查询统计信息，用时%(s).1f秒", n=tables, s=seconds))
