"""The scope's loader criteria are lambdas (``security.scope_options`` /
``township_scope_options``: cheap to key, issue 11). They must write exactly the SQL and the
parameters of the plain expressions (``security.plain_scope_options``) — for every scoped
model, loaded as itself and as an alias, for two villages and two townships in turn, on a cold
and on a warm statement cache (a cached statement must take the new id, not keep the old one).
Only the parameters' names may differ (PostgreSQL's ``%(name)s``: a lambda binds a value it
uses twice as two parameters): the SQL is compared with them as ``?``, their values in order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import aliased

from app import security
from app.extensions import db
from app.models import AuditLog, TownshipMonthCategoryStats, TownshipMonthStats, scoped_models, township_models

_NAMED = re.compile(r"%\((\w+)\)s")


def _statements(stmt, options) -> list[tuple[str, tuple]]:
    seen: list[tuple[str, tuple]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if isinstance(parameters, dict):  # PostgreSQL's named parameters: their values in order
            names = _NAMED.findall(statement)  # (a lambda names a repeated value twice)
            statement, parameters = _NAMED.sub("?", statement), [parameters[n] for n in names]
        seen.append((statement, tuple(parameters)))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        db.session.execute(stmt.options(*options).limit(3)).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


@pytest.mark.parametrize("level", [security.SCOPE_VILLAGE, security.SCOPE_TOWNSHIP])
def test_the_lambda_criteria_write_the_plain_criterias_sql_for_every_model(app, county, level):
    models = [*scoped_models(), *township_models(), AuditLog]
    with app.app_context():
        from app.models import Township, Village

        ids = (
            [v for (v,) in db.session.execute(select(Village.id).order_by(Village.id)).all()]
            if level == security.SCOPE_VILLAGE
            else [t for (t,) in db.session.execute(select(Township.id).order_by(Township.id)).all()]
        )
        assert len(ids) >= 2
        lambdas = security.scope_options if level == security.SCOPE_VILLAGE else security.township_scope_options

        def unseen(model) -> bool:  # a village user reads none of the townships' sums: no parameter
            return level == security.SCOPE_VILLAGE and model in (TownshipMonthStats, TownshipMonthCategoryStats)

        compared = 0
        for _round in range(2):  # cold, then warm statement cache
            for ident in (*ids, ids[0]):
                for model in models:
                    for entity in (model, aliased(model)):
                        want = _statements(select(entity), security.plain_scope_options(level, ident))
                        got = _statements(select(entity), lambdas(ident))
                        assert got == want, (model.__name__, ident)
                        assert any(ident in params for _, params in got) or model is AuditLog or unseen(model)
                        compared += 1
        assert compared == 2 * (len(ids) + 1) * len(models) * 2
