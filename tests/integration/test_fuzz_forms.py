"""Hypothesis posts generated values into every add/edit form of the web UI (SPEC §14).

For each ModelView with an add or edit form, as township staff and as a village agent, every
field of the form gets a generated value — text with control characters, huge and negative
numbers, ``1e999``, malformed dates, ids of nothing — and the answer must never be a 5xx
(a refused value shows the form again with the Chinese message; 403/404 where the role may
not write). Seeded (derandomized); the totals are printed.
"""

from __future__ import annotations

import collections
import os
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.views.base import BmModelView
from tests.factories import populate_scoped_rows

EXAMPLES = int(os.environ.get("FUZZ_FORM_EXAMPLES", "12"))
USERS = ("zhongxin", "qs_daiban")

VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10).map(lambda s: s + "\x00"),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "1e999",
            "-1e999",
            "1.5e308",
            "NaN",
            "inf",
            "10**30",
            "99999999999999999999",
            "0",
            "-1",
            "2026-02-30",
            "0001-01-01",
            "9999-12-31 23:59",
            "2026-10-01T10:00",
            "y",
            "on",
            "",
            " ",
            "[]",
            "{}",
            "'; drop table case; --",
            "<script>x</script>",
            "（未选择）",
            "__None",
        ]
    ),
)


def _field_names(form_class) -> list[str]:
    from wtforms.fields.core import UnboundField

    return sorted(n for n in dir(form_class) if isinstance(getattr(form_class, n, None), UnboundField))


def _forms(app):
    """(view, field names of its add form, field names of its edit form)."""
    out = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, BmModelView):
            continue
        add = _field_names(view.add_form) if "add" not in view.exclude_route_methods else []
        edit = _field_names(view.edit_form) if "edit" not in view.exclude_route_methods else []
        out.append((view, add, edit))
    return out


def _a_row(app, view, rows, village_a) -> int | None:
    from app.extensions import db

    model = view.datamodel.obj
    if model in rows:
        return rows[model][village_a]
    with app.app_context():
        return db.session.query(model.id).order_by(model.id).limit(1).scalar()


def _post(client, url: str, fields: list[str], stats: collections.Counter, failures: list) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.fixed_dictionaries({name: VALUES for name in fields}))
    def run(data):
        r = client.post(url, data=data)
        stats["posts"] += 1
        stats[f"{r.status_code // 100}xx"] += 1
        if r.status_code >= 500:
            failures.append((url, data, r.status_code))

    run()


def test_no_form_post_is_a_server_error(app, world, login, capsys):
    with app.app_context():
        rows = populate_scoped_rows(world)
    stats: collections.Counter = collections.Counter()
    failures: list = []
    forms = _forms(app)
    started = time.perf_counter()
    for user in USERS:
        client = login(user)
        for view, add_fields, edit_fields in forms:
            base = view.route_base
            if add_fields:
                _post(client, f"{base}/add", add_fields, stats, failures)
            pk = _a_row(app, view, rows, world.village_a)
            if edit_fields and pk is not None:
                _post(client, f"{base}/edit/{pk}", edit_fields, stats, failures)
    with capsys.disabled():
        print(
            f"\n[fuzz forms] {len(forms)} views x {len(USERS)} users: posts={stats['posts']} "
            f"2xx={stats['2xx']} 3xx={stats['3xx']} 4xx={stats['4xx']} 5xx={stats['5xx']} "
            f"in {time.perf_counter() - started:.0f}s"
        )
    assert len(forms) >= 10
    assert not failures, failures[:5]
