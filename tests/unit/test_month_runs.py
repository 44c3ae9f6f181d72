"""``services.dashboard._months_condition`` reads a period's months as ranges of consecutive
months (``month_runs``) — across New Year too — and selects exactly the months asked for."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from app.services.dashboard import _months_condition, month_runs


def test_runs_of_consecutive_months_across_new_year():
    months = [(2027, 3), (2026, 11), (2026, 12), (2027, 1), (2026, 12)]
    assert month_runs(months) == [((2026, 11), (2027, 1)), ((2027, 3), (2027, 3))]
    assert month_runs([]) == []
    assert month_runs([(y, m) for y in (2024, 2025, 2026) for m in range(1, 13)]) == [((2024, 1), (2026, 12))]


MONTHS = [(y, m) for y, m in itertools.product(range(2023, 2028), range(1, 13))]
_meta = MetaData()
_table = Table("t", _meta, Column("year", Integer), Column("month", Integer))
_engine = create_engine("sqlite://")
_meta.create_all(_engine)
with _engine.begin() as _conn:
    _conn.execute(insert(_table), [{"year": y, "month": m} for y, m in MONTHS])


@given(st.sets(st.sampled_from(MONTHS), max_size=30))
def test_the_condition_selects_exactly_the_months(months):
    stmt = select(_table.c.year, _table.c.month).where(_months_condition(_table.c.year, _table.c.month, months))
    with _engine.connect() as conn:
        got = {tuple(r) for r in conn.execute(stmt)}
    assert got == set(months)
