"""The monthly aggregate (``app/models/stats.py``) — how it is kept right, one home (issue 11).

Kept in the same transaction as the change. Every write to the cases, the sign-ins or the
working-day calendar marks the (village, month) pairs it touches, and the session recomputes
those months from the rows just before it commits (:func:`_before_commit`):

- ORM flushes (every service): the old and new village and month of each changed ``Case`` /
  ``SignIn`` (a backdated or moved case marks both months), read from the attribute history;
- bulk inserts, ORM or Core (``seeds``, imports): the village and date of each inserted row, read
  from the statement's parameters at the connection (:func:`_note_insert`);
- ORM bulk ``update(Case)`` / ``delete(...)`` (the catalog moving an item to another category):
  the months of the rows the statement's WHERE selects, read before it runs;
- a changed ``CalendarDay``: that month and the one before it, in every village (the working
  days decide 未当日登记 and the sign-in days).

A raw Core ``UPDATE`` of ``service_case`` outside the session is not seen: run
``flask stats rebuild`` after such maintenance (and after restoring a backup).

A recomputation replaces the months' rows (delete + insert). On PostgreSQL it first locks the
villages' rows (``FOR NO KEY UPDATE``, in id order), so that two transactions recomputing the same
village take turns and the second one counts the first one's committed cases.

The township sums (``township_month_stats``, ``township_month_category_stats``) follow by
difference: a recomputation adds to its villages' townships the new rows minus the rows they
replace (an upsert, ``col = col + excluded.col``, sorted by key: concurrent transactions of one
township take turns on the rows they share, and their differences add up). A village moved to
another township (its ``township_id`` changed, by any flush) takes its rows along
(:func:`move_village`, at the flush); a rebuild sums the townships afresh from the villages' rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, event, extract, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, attributes

from ..models import CalendarDay, CalendarYear, Case, SignIn, Village
from ..models.case import OPEN_STATUSES
from ..models.stats import (
    CASE_COUNTS,
    MONTH_AMOUNTS,
    MONTH_COUNTS,
    NO_CATEGORY,
    TownshipMonthCategoryStats,
    TownshipMonthStats,
    VillageMonthCategoryStats,
    VillageMonthStats,
)
from ..policy import PolicyViolation
from ..policy.intake import registered_same_day
from ..policy.periods import month_bounds, months_between, parse_month
from ..policy.workdays import WorkCalendar
from .common import session
from .errors import NotFound, ValidationFailed

Month = tuple[int, int]
Key = tuple[int, int, int]  # village id, year, month

_CASES = Case.__table__
_SIGNINS = SignIn.__table__
_MONTHS = VillageMonthStats.__table__
_CATEGORIES = VillageMonthCategoryStats.__table__
_T_MONTHS = TownshipMonthStats.__table__
_T_CATEGORIES = TownshipMonthCategoryStats.__table__
_VILLAGES = Village.__table__
#: The figures of a month row (both levels), in this order.
MONTH_VALUES = (*CASE_COUNTS, *MONTH_COUNTS, *MONTH_AMOUNTS)
_INFO_KEYS = "bm_stats_keys"
_INFO_CALENDAR = "bm_stats_calendar_months"
_DEFERRED: ContextVar[bool] = ContextVar("bm_stats_deferred", default=False)


# --------------------------------------------------------------------------------------
# Recomputing
# --------------------------------------------------------------------------------------
def calendar_of(conn: Connection) -> WorkCalendar:
    """The working-day calendar as stored now (read through ``conn``: inside the transaction,
    with its own changes)."""
    days = conn.execute(select(CalendarDay.__table__.c.day, CalendarDay.__table__.c.is_workday)).all()
    years = conn.execute(
        select(CalendarYear.__table__.c.year).where(CalendarYear.__table__.c.complete.is_(True))
    ).scalars()
    return WorkCalendar({d: bool(w) for d, w in days}, complete_years=list(years))


def _start(y: int, m: int) -> dt.datetime:
    return dt.datetime.combine(month_bounds(y, m)[0], dt.time.min)


def _after(y: int, m: int) -> dt.datetime:
    return dt.datetime.combine(month_bounds(y, m)[1] + dt.timedelta(days=1), dt.time.min)


def _ranges(keys: Iterable[Key]) -> dict[int, tuple[Month, Month]]:
    """Per village the first and last month to recompute (every month between is exact too)."""
    out: dict[int, tuple[Month, Month]] = {}
    for vid, y, m in keys:
        lo, hi = out.get(vid, ((y, m), (y, m)))
        out[vid] = (min(lo, (y, m)), max(hi, (y, m)))
    return out


def _where(col, village_col, ranges: dict[int, tuple[Month, Month]], as_datetime: bool):
    parts = []
    for vid, (lo, hi) in ranges.items():
        start, end = _start(*lo), _after(*hi)
        if not as_datetime:
            start, end = start.date(), end.date()
        parts.append(and_(village_col == vid, col >= start, col < end))
    return or_(*parts)


def _stats_where(table, ranges: dict[int, tuple[Month, Month]]):
    ym = table.c.year * 100 + table.c.month
    return or_(
        *(
            and_(table.c.village_id == vid, ym >= lo[0] * 100 + lo[1], ym <= hi[0] * 100 + hi[1])
            for vid, (lo, hi) in ranges.items()
        )
    )


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _case_columns():
    c = _CASES.c
    proxy = c.kind == "proxy"
    completed = and_(proxy, c.status == "completed")
    is_open = c.status.in_(OPEN_STATUSES)
    return {
        "received": func.count(c.id),
        "consult": _count_if(c.kind == "consult"),
        "proxy": _count_if(proxy),
        "open": _count_if(is_open),
        "closed_late": _count_if(c.closed_late.is_(True)),
        "completed": _count_if(completed),
        "on_time": _count_if(and_(completed, c.closed_late.is_(False))),
        "rejected": _count_if(and_(proxy, c.status == "rejected")),
        "submitted": _count_if(and_(proxy, c.status.in_(("submitted", "completed")))),
    }


def _money(v) -> Decimal:
    return Decimal(str(v or 0)).quantize(Decimal("0.01"))


def _case_rows(conn: Connection, ranges) -> tuple[dict, dict]:
    """(village, year, month, category) → counts; (village, year, month) → 代缴 money."""
    c = _CASES.c
    y, m = extract("year", c.received_at).label("y"), extract("month", c.received_at).label("m")
    paid = c.payment_paid.is_not(None)
    stmt = (
        select(
            c.village_id,
            y,
            m,
            c.category_id,
            *_case_columns().values(),
            _count_if(paid),
            func.sum(case((paid, c.payment_received), else_=None)),
            func.sum(case((paid, c.payment_paid), else_=None)),
        )
        .where(_where(c.received_at, c.village_id, ranges, True), c.status != "voided")
        .group_by(c.village_id, y, m, c.category_id)
    )
    counts, money = {}, defaultdict(lambda: [0, Decimal("0.00"), Decimal("0.00")])
    names = [k for k in CASE_COUNTS if k != "overdue_month_end"]
    n = len(names)
    for row in conn.execute(stmt):
        key = (int(row[0]), int(row[1]), int(row[2]))
        got = dict(zip(names, (int(v or 0) for v in row[4 : 4 + n]), strict=True))
        got["overdue_month_end"] = got["closed_late"]
        counts[(*key, row[3])] = {k: got[k] for k in CASE_COUNTS}
        acc = money[key]
        acc[0] += int(row[4 + n] or 0)
        acc[1] += _money(row[5 + n])
        acc[2] += _money(row[6 + n])
    # 超期 as the monthly report judges a closed month — as of its last day: closed late, or
    # still open with a deadline before that day (few rows: the open ones past a deadline)
    late_open = select(c.village_id, c.received_at, c.category_id, c.due_on).where(
        _where(c.received_at, c.village_id, ranges, True),
        c.status.in_(OPEN_STATUSES),
        c.closed_late.is_(False),
        c.due_on.is_not(None),
    )
    for vid, received, cat, due_on in conn.execute(late_open):
        if due_on < month_bounds(received.year, received.month)[1]:
            counts[(vid, received.year, received.month, cat)]["overdue_month_end"] += 1
    return counts, money


def _late_entries(conn: Connection, ranges, cal: WorkCalendar) -> dict[Key, int]:
    """未当日登记 per month: only a case entered on a later calendar day can be late; the
    calendar decides (``policy.intake.registered_same_day``)."""
    c = _CASES.c
    stmt = select(c.village_id, c.received_at, c.registered_at).where(
        _where(c.received_at, c.village_id, ranges, True),
        c.status != "voided",
        func.date(c.registered_at) > func.date(c.received_at),
    )
    out: dict[Key, int] = defaultdict(int)
    for vid, received, registered in conn.execute(stmt):
        if not registered_same_day(received, registered, cal):
            out[(vid, received.year, received.month)] += 1
    return out


def _signins(conn: Connection, ranges, cal: WorkCalendar) -> dict[Key, list[int]]:
    """Working days with a sign-in, and of those the days signed late, per month."""
    s = _SIGNINS.c
    stmt = (
        select(s.village_id, s.day, func.max(case((s.late.is_(True), 1), else_=0)))
        .where(_where(s.day, s.village_id, ranges, False))
        .group_by(s.village_id, s.day)
    )
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for vid, day, late in conn.execute(stmt):
        if cal.is_workday(day):
            acc = out[(vid, day.year, day.month)]
            acc[0] += 1
            acc[1] += 1 if late else 0
    return out


def _lock_villages(conn: Connection, village_ids: Iterable[int]) -> dict[int, int]:
    """The villages' townships, their rows locked on PostgreSQL (SQLite: one writer at a time
    already). ``FOR NO KEY UPDATE``: two recomputations of a village take turns, but the lock
    does not wait for the key-share lock that inserting a case or a sign-in of the village
    takes on its row (``FOR UPDATE`` would: two such transactions each waited for the other)."""
    t = _VILLAGES
    stmt = select(t.c.id, t.c.township_id).where(t.c.id.in_(sorted(village_ids))).order_by(t.c.id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    return dict(conn.execute(stmt).all())


def _old_rows(conn: Connection, ranges) -> tuple[list, list]:
    """The village rows a recomputation replaces: (village, year, month, *MONTH_VALUES) and
    (village, year, month, category, *CASE_COUNTS)."""
    m, c = _MONTHS.c, _CATEGORIES.c
    months = conn.execute(
        select(m.village_id, m.year, m.month, *(m[k] for k in MONTH_VALUES)).where(_stats_where(_MONTHS, ranges))
    ).all()
    cats = conn.execute(
        select(c.village_id, c.year, c.month, c.category_id, *(c[k] for k in CASE_COUNTS)).where(
            _stats_where(_CATEGORIES, ranges)
        )
    ).all()
    return months, cats


def recompute(conn: Connection, keys: Iterable[Key], cal: WorkCalendar | None = None, *, townships: bool = True) -> int:
    """Replace the aggregate rows of the months of ``keys`` (and the months between a village's
    first and last one) with counts from the cases and sign-ins, and add the difference to the
    townships' sums (``townships=False``: a rebuild, which sums them afresh at its end).
    Returns the month rows written."""
    ranges = _ranges(keys)
    if not ranges:
        return 0
    cal = cal or calendar_of(conn)
    township_of = _lock_villages(conn, ranges)
    old = _old_rows(conn, ranges) if townships else ([], [])
    counts, money = _case_rows(conn, ranges)
    late = _late_entries(conn, ranges, cal)
    signins = _signins(conn, ranges, cal)
    conn.execute(delete(_CATEGORIES).where(_stats_where(_CATEGORIES, ranges)))
    conn.execute(delete(_MONTHS).where(_stats_where(_MONTHS, ranges)))
    months: dict[Key, dict] = {}
    for (vid, y, m, _cat), row in counts.items():
        total = months.setdefault((vid, y, m), dict.fromkeys(CASE_COUNTS, 0))
        for k in CASE_COUNTS:
            total[k] += row[k]
    for key in set(late) | set(signins) | set(money):
        months.setdefault(key, dict.fromkeys(CASE_COUNTS, 0))
    month_rows = []
    for (vid, y, m), total in months.items():
        paid = money.get((vid, y, m), (0, Decimal("0.00"), Decimal("0.00")))
        days = signins.get((vid, y, m), (0, 0))
        month_rows.append(
            {
                "village_id": vid,
                "year": y,
                "month": m,
                **total,
                "late_entry": late.get((vid, y, m), 0),
                "paid_count": paid[0],
                "paid_received": paid[1],
                "paid_paid": paid[2],
                "signin_days": days[0],
                "signin_late_days": days[1],
            }
        )
    category_rows = [
        {"village_id": vid, "year": y, "month": m, "category_id": cat, **row}
        for (vid, y, m, cat), row in counts.items()
    ]
    if month_rows:
        conn.execute(insert(_MONTHS), month_rows)
    if category_rows:
        conn.execute(insert(_CATEGORIES), category_rows)
    if townships:
        new = (
            [(r["village_id"], r["year"], r["month"], *(r[k] for k in MONTH_VALUES)) for r in month_rows],
            [
                (r["village_id"], r["year"], r["month"], r["category_id"], *(r[k] for k in CASE_COUNTS))
                for r in category_rows
            ],
        )
        add_to_townships(conn, township_of, new, old)
    return len(month_rows)


# --------------------------------------------------------------------------------------
# The township sums
# --------------------------------------------------------------------------------------
def _differences(township_of: dict[int, int], new: list, old: list, n_keys: int) -> dict[tuple, list]:
    """Per township key (township, year, month[, category]) the column sums of ``new`` minus
    those of ``old`` (rows: village, *key parts, *values); keys whose difference is nothing
    left out."""
    out: dict[tuple, list] = {}
    for rows, sign in ((new, 1), (old, -1)):
        for row in rows:
            parts = list(row[1 : 1 + n_keys])
            if n_keys == 3 and parts[2] is None:
                parts[2] = NO_CATEGORY
            key = (township_of[row[0]], *parts)
            acc = out.setdefault(key, [0] * (len(row) - 1 - n_keys))
            for i, v in enumerate(row[1 + n_keys :]):
                acc[i] += sign * (v or 0)
    return {k: v for k, v in out.items() if any(v)}


def _upsert(conn: Connection, table, key_names: tuple[str, ...], value_names: tuple[str, ...], diffs: dict) -> None:
    """Add ``diffs`` (key → values) to ``table``'s rows, inserting the rows not there yet —
    in key order, so that two transactions adding to the same rows take them in turn."""
    if not diffs:
        return
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    stmt = ins.on_conflict_do_update(
        index_elements=list(key_names), set_={k: table.c[k] + ins.excluded[k] for k in value_names}
    )
    rows = [
        {**dict(zip(key_names, key, strict=True)), **dict(zip(value_names, values, strict=True))}
        for key, values in sorted(diffs.items())
    ]
    conn.execute(stmt, rows)


def add_to_townships(
    conn: Connection, township_of: dict[int, int], new: tuple[list, list], old: tuple[list, list]
) -> None:
    """Add the village rows ``new`` minus ``old`` (each: month rows, category rows) to their
    townships' sums (``township_of``: village → township)."""
    month_keys, cat_keys = ("township_id", "year", "month"), ("township_id", "year", "month", "category_key")
    _upsert(conn, _T_MONTHS, month_keys, MONTH_VALUES, _differences(township_of, new[0], old[0], 2))
    _upsert(conn, _T_CATEGORIES, cat_keys, CASE_COUNTS, _differences(township_of, new[1], old[1], 3))


def move_village(conn: Connection, village_id: int, from_township: int, to_township: int) -> None:
    """A village moved to another township takes its months along: its rows leave the sums of
    ``from_township`` and join those of ``to_township``."""
    rows = _old_rows(conn, {village_id: ((1, 1), (9999, 12))})  # every month of the village
    add_to_townships(conn, {village_id: from_township}, ([], []), rows)
    add_to_townships(conn, {village_id: to_township}, rows, ([], []))


def sum_townships(conn: Connection, township_ids: Iterable[int] | None = None, first: Month | None = None) -> int:
    """Replace the townships' sums (all, or those of ``township_ids``; every month, or from
    ``first``) with the sums of their villages' rows. Returns the month rows written."""
    v = _VILLAGES.c
    ids = None if township_ids is None else sorted(set(township_ids))
    written = 0
    for target, source, keys, values in (
        (_T_MONTHS, _MONTHS, ("year", "month"), MONTH_VALUES),
        (_T_CATEGORIES, _CATEGORIES, ("year", "month", "category_id"), CASE_COUNTS),
    ):
        gone = delete(target)
        if ids is not None:
            gone = gone.where(target.c.township_id.in_(ids))
        if first:
            gone = gone.where(target.c.year * 100 + target.c.month >= first[0] * 100 + first[1])
        conn.execute(gone)
        key_columns = [
            func.coalesce(source.c[k], NO_CATEGORY).label("category_key") if k == "category_id" else source.c[k]
            for k in keys
        ]
        stmt = (
            select(v.township_id, *key_columns, *(func.coalesce(func.sum(source.c[k]), 0) for k in values))
            .join(_VILLAGES, v.id == source.c.village_id)
            .group_by(v.township_id, *key_columns)
        )
        if ids is not None:
            stmt = stmt.where(v.township_id.in_(ids))
        if first:
            stmt = stmt.where(source.c.year * 100 + source.c.month >= first[0] * 100 + first[1])
        names = ["township_id", *("category_key" if k == "category_id" else k for k in keys), *values]
        result = conn.execute(insert(target).from_select(names, stmt))
        if target is _T_MONTHS:
            written = result.rowcount or 0
    return written


def _data_months(conn: Connection, village_ids, first: Month | None) -> dict[int, tuple[Month, Month]]:
    """Per village (of ``village_ids``; None: every one) the first and last month with a case
    or a sign-in (from ``first`` on)."""
    out: dict[int, tuple[Month, Month]] = {}
    for col, vcol in ((_CASES.c.received_at, _CASES.c.village_id), (_SIGNINS.c.day, _SIGNINS.c.village_id)):
        stmt = select(vcol, func.min(col), func.max(col)).group_by(vcol)
        if village_ids is not None:
            stmt = stmt.where(vcol.in_(village_ids))
        for vid, lo, hi in conn.execute(stmt):
            if lo is None:
                continue
            lo_m, hi_m = (lo.year, lo.month), (hi.year, hi.month)
            if first:
                lo_m = max(lo_m, first)
            if lo_m > hi_m:
                continue
            a, b = out.get(vid, (lo_m, hi_m))
            out[vid] = (min(a, lo_m), max(b, hi_m))
    return out


#: Villages recomputed together by :func:`rebuild_connection`.
REBUILD_VILLAGES = 50


def rebuild_connection(
    conn: Connection, village_id: int | None = None, first: Month | None = None, *, village_ids=None
) -> int:
    """Rebuild the aggregate (all villages, one, or those of ``village_ids``; every month, or
    from ``first``): the rows of the scope are dropped, then every village's months
    recomputed, then their townships' sums added up afresh. Returns the village month rows."""
    if village_id is not None:
        village_ids = [village_id]
    elif village_ids is not None:
        village_ids = sorted(set(village_ids))
        if not village_ids:
            return 0
    for table in (_CATEGORIES, _MONTHS):
        stmt = delete(table)
        if village_ids is not None:
            stmt = stmt.where(table.c.village_id.in_(village_ids))
        if first:
            stmt = stmt.where(table.c.year * 100 + table.c.month >= first[0] * 100 + first[1])
        conn.execute(stmt)
    cal = calendar_of(conn)
    written = 0
    townships = None
    if village_ids is not None:
        townships = (
            conn.execute(select(_VILLAGES.c.township_id).where(_VILLAGES.c.id.in_(village_ids)).distinct())
            .scalars()
            .all()
        )
    spans = sorted(_data_months(conn, village_ids, first).items())
    # REBUILD_VILLAGES villages and a year at a time: bounded memory at county scale, and some
    # sixty recomputations for 400 villages over 8 years instead of 3,200 (each a handful of
    # statements: the round trips were most of a PostgreSQL rebuild)
    for b in range(0, len(spans), REBUILD_VILLAGES):
        batch = spans[b : b + REBUILD_VILLAGES]
        months = months_between(min(lo for _, (lo, _) in batch), max(hi for _, (_, hi) in batch))
        for i in range(0, len(months), 12):
            first_m, last_m = months[i], months[min(i + 11, len(months) - 1)]
            keys = []
            for vid, (lo, hi) in batch:
                a, z = max(lo, first_m), min(hi, last_m)
                if a <= z:
                    keys += [(vid, *a), (vid, *z)]
            written += recompute(conn, keys, cal, townships=False)
    sum_townships(conn, townships, first)
    return written


def rebuild(village_code: str | None = None, first: str | None = None) -> dict:
    """``flask stats rebuild [--village CODE] [--from YYYY-MM]``: rebuild and commit.
    Returns the village (or ``None``: all), the first month and the month rows written."""
    from ..security import unscoped

    try:
        start = parse_month(first) if first else None
    except PolicyViolation as exc:
        raise ValidationFailed(errors={"from": [exc.message]}) from None
    with unscoped():
        s = session()
        village = None
        if village_code:
            village = s.execute(
                select(Village).where(Village.code == village_code.strip().upper())
            ).scalar_one_or_none()
            if village is None:
                raise NotFound(_l("没有村代码为 %(c)s 的村", c=village_code))
        s.flush()
        conn = s.connection()
        written = rebuild_connection(conn, village.id if village else None, start)
        s.info.pop(_INFO_KEYS, None)
        s.info.pop(_INFO_CALENDAR, None)
        conn.info.pop(_INFO_KEYS, None)
        s.commit()
    return {"village": village.name if village else None, "from": start, "rows": written}


# --------------------------------------------------------------------------------------
# Keeping it right: the hooks
# --------------------------------------------------------------------------------------
def _month_key(village_id, when) -> Key | None:
    if village_id is None or when is None:
        return None
    return (int(village_id), when.year, when.month)


def _history_keys(obj, date_attr: str) -> set[Key]:
    """The (village, month) of the object now and before the flush's changes."""
    keys = {_month_key(obj.village_id, getattr(obj, date_attr))}
    v_hist = attributes.get_history(obj, "village_id")
    d_hist = attributes.get_history(obj, date_attr)
    old_v = v_hist.deleted[0] if v_hist.deleted else obj.village_id
    old_d = d_hist.deleted[0] if d_hist.deleted else getattr(obj, date_attr)
    keys.add(_month_key(old_v, old_d))
    return {k for k in keys if k}


def _calendar_months(day: dt.date | None) -> set[Month]:
    if day is None:
        return set()
    first = day.replace(day=1)
    prev = first - dt.timedelta(days=1)
    # a rest day turned working (or back) changes 未当日登记 of the cases received just before
    return {(day.year, day.month), (prev.year, prev.month)}


def _keep_old_value(_target, value, _old, _initiator):
    return value


# A change of month or village must also recompute the month the row leaves: load the old
# value when one of these is set on an expired object (else its history would not know it).
for _attr in (Case.received_at, Case.village_id, SignIn.day, SignIn.village_id, CalendarDay.day, Village.township_id):
    event.listen(_attr, "set", _keep_old_value, active_history=True, retval=True)


@event.listens_for(Session, "after_flush")
def _note_flush(s: Session, _ctx) -> None:
    if _DEFERRED.get():
        return
    keys: set[Key] = s.info.setdefault(_INFO_KEYS, set())
    for obj in (*s.new, *s.dirty, *s.deleted):
        if isinstance(obj, Case):
            keys |= _history_keys(obj, "received_at")
        elif isinstance(obj, SignIn):
            keys |= _history_keys(obj, "day")
        elif isinstance(obj, CalendarDay):
            cal_months: set[Month] = s.info.setdefault(_INFO_CALENDAR, set())
            cal_months |= _calendar_months(obj.day)
            hist = attributes.get_history(obj, "day")
            for old in hist.deleted or ():
                cal_months |= _calendar_months(old)
        elif isinstance(obj, Village):
            hist = attributes.get_history(obj, "township_id")
            if hist.deleted and hist.deleted[0] is not None and hist.deleted[0] != obj.township_id:
                move_village(s.connection(), obj.id, hist.deleted[0], obj.township_id)


_DATE_OF = {_CASES.name: "received_at", _SIGNINS.name: "day"}


@event.listens_for(Engine, "before_execute")
def _note_insert(conn, clauseelement, multiparams, params, execution_options) -> None:
    """Bulk and Core inserts of cases / sign-ins: their months from the parameters."""
    if not getattr(clauseelement, "is_insert", False) or _DEFERRED.get():
        return
    table = getattr(clauseelement, "table", None)
    date_attr = _DATE_OF.get(getattr(table, "name", None))
    if date_attr is None:
        return
    rows = []
    for p in multiparams:
        rows.extend(p if isinstance(p, list | tuple) else [p])
    if params:
        rows.append(params)
    values = getattr(clauseelement, "_values", None)  # insert(...).values(...) inline
    if values:
        rows.append({getattr(k, "key", k): getattr(v, "value", v) for k, v in values.items()})
    keys = conn.info.setdefault(_INFO_KEYS, set())
    for row in rows:
        if isinstance(row, dict):
            key = _month_key(row.get("village_id"), row.get(date_attr))
            if key:
                keys.add(key)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_change(state) -> None:
    """ORM bulk ``update()`` / ``delete()`` of cases or sign-ins: the months their WHERE selects."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model not in (Case, SignIn):
        return
    date_col = Case.received_at if model is Case else SignIn.day
    stmt = select(model.village_id, date_col).distinct()
    where = state.statement.whereclause
    if where is not None:
        stmt = stmt.where(where)
    keys = state.session.info.setdefault(_INFO_KEYS, set())
    for vid, when in state.session.execute(stmt, execution_options={"skip_village_scope": True}):
        key = _month_key(vid, when)
        if key:
            keys.add(key)


@contextmanager
def deferred():
    """A bulk load (``flask demo --scale``) writes its cases without the per-commit bookkeeping
    (one pass at the end instead of one per commit): inside, no touched month is noted; the
    loader calls :func:`rebuild_connection` when it is done."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def settle(s: Session | None = None) -> None:
    """Recompute now the months the current transaction has touched so far (a reader inside a
    writing transaction — the monthly report frozen at its submission — sees them right).
    Nothing to do, and no query, when the transaction has changed nothing."""
    s = s or session()()  # the scoped session's Session
    if not s.in_transaction():
        return
    if _DEFERRED.get():
        return
    if s.new or s.dirty or s.deleted:
        s.flush()
    keys: set[Key] = set(s.info.pop(_INFO_KEYS, ()) or ())
    cal_months: set[Month] = set(s.info.pop(_INFO_CALENDAR, ()) or ())
    conn = s.connection()
    keys |= conn.info.pop(_INFO_KEYS, set())
    if cal_months:
        vids = conn.execute(select(Village.__table__.c.id)).scalars().all()
        keys |= {(vid, y, m) for vid in vids for y, m in cal_months}
    if keys:
        recompute(conn, keys)


@event.listens_for(Session, "before_commit")
def _before_commit(s: Session) -> None:
    settle(s)


@event.listens_for(Session, "after_rollback")
def _after_rollback(s: Session) -> None:
    s.info.pop(_INFO_KEYS, None)
    s.info.pop(_INFO_CALENDAR, None)


@event.listens_for(Engine, "rollback")
def _conn_rollback(conn) -> None:
    conn.info.pop(_INFO_KEYS, None)
