"""台账检索 at county scale (issue 11): name and case-number search through the search keys'
indexes on the ledger page and the API alike, never across villages; a capped COUNT; deep
pages equal to the plain OFFSET; the migration's backfill; the plans use the indexes."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import uuid
from pathlib import Path

import prison
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, insert, select, text

from app.extensions import db
from app.models import Case
from app.policy.search_keys import name_key
from tests.conftest import TEST_DATABASE_URL
from tests.factories import case_row

T0 = dt.datetime(2026, 11, 2, 9, 0)
#: (village, name) of the cases; numbers QS2026-0001 … / SQ2026-0001 … in this order
NAMES = [
    ("a", "王建国"),
    ("a", "王建军"),
    ("a", "王 建国"),  # entered with a stray space
    ("a", "汪建国"),
    ("a", "李王建"),
    ("a", "Ｍａ Ｌｉ"),
    ("a", "王秀兰"),
    ("b", "王建国"),
    ("b", "王建设"),
]


def _text(r) -> str:
    return r.get_data(as_text=True)


def _numbers(page: str) -> list[str]:
    """The case numbers of a list page's table, in the order shown."""
    start = page.find("bm-cards")
    return re.findall(r">((?:QS|SQ)2026-\d{4})<", page[start:]) if start >= 0 else []


@pytest.fixture
def cases(app, world) -> dict[str, str]:
    """The cases of NAMES: case number → name."""
    out, serial = {}, {"a": 0, "b": 0}
    with app.app_context():
        for n, (v, name) in enumerate(NAMES):
            serial[v] += 1
            village, agent = (world.village_a, world.agent_a) if v == "a" else (world.village_b, world.agent_b)
            number = f"{'QS' if v == 'a' else 'SQ'}2026-{serial[v]:04d}"
            case_row(village, agent, number, T0 + dt.timedelta(hours=n), applicant_name=name)
            out[number] = name
    return out


def _expected(cases: dict[str, str], typed: str, village: str | None = None) -> set[str]:
    return {
        number
        for number, name in cases.items()
        if name_key(name).startswith(name_key(typed)) and (village is None or number.startswith(village))
    }


def _ilike(app, typed: str) -> set[str]:
    """What FAB's ILIKE 'typed%' found before the search keys."""
    with app.app_context():
        return set(db.session.execute(select(Case.case_number).where(Case.applicant_name.ilike(typed + "%"))).scalars())


def _sw(view_filter: str = "applicant_name") -> str:
    return f"_flt_0_{view_filter}"  # FAB's string filters: 0 = starts with (the keyed one)


# --------------------------------------------------------------------------------------
# The page and the API find the same rows, in the typed variants, never across villages
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["王建国", " 王　建国 ", "王", "王建", "ｍａ", "汪建国", "不存在"])
def test_name_starts_with_on_the_page_and_the_api(app, world, cases, login, api_token, typed):
    expected = _expected(cases, typed)
    assert _ilike(app, typed.strip()) <= expected  # nothing found before is lost
    page = _text(login("zhongxin").get(f"/case/list/?{_sw()}={typed}"))
    assert set(_numbers(page)) == expected
    q = prison.dumps({"filters": [{"col": "applicant_name", "opr": "sw", "value": typed}], "page_size": 100})
    reply = app.test_client().get(f"/api/v1/case/?q={q}", headers=api_token("zhongxin"))
    assert reply.status_code == 200, _text(reply)
    assert {row["case_number"] for row in reply.json["result"]} == expected
    assert reply.json["count"] == len(expected)


def test_the_variants_of_a_name_are_found_together(app, world, cases, login):
    page = _text(login("zhongxin").get(f"/case/list/?{_sw()}=王建国"))
    assert set(_numbers(page)) == {"QS2026-0001", "QS2026-0003", "SQ2026-0001"}
    table = page[page.find("bm-cards") :]
    assert "王 建国" in table and "王建军" not in table


def test_a_village_user_finds_only_the_own_village(app, world, cases, login, api_token):
    for user in ("qs_daiban", "qs_shuji"):
        assert set(_numbers(_text(login(user).get(f"/case/list/?{_sw()}=王建")))) == _expected(cases, "王建", "QS")
        q = prison.dumps({"filters": [{"col": "applicant_name", "opr": "sw", "value": "王建"}]})
        rows = app.test_client().get(f"/api/v1/case/?q={q}", headers=api_token(user)).json["result"]
        assert {r["case_number"] for r in rows} == _expected(cases, "王建", "QS")
    # 石桥村's numbers and names: nothing, by number or by name
    c = login("qs_daiban")
    assert _numbers(_text(c.get(f"/case/list/?{_sw('case_number')}=SQ2026"))) == []
    assert _numbers(_text(c.get(f"/case/list/?{_sw()}=王建设"))) == []
    assert "超过" not in _text(c.get("/case/list/"))


def test_case_number_prefix_as_typed(app, world, cases, login, api_token):
    c = login("zhongxin")
    assert set(_numbers(_text(c.get(f"/case/list/?{_sw('case_number')}=ｑｓ２０２６－０００")))) == {
        n for n in cases if n.startswith("QS")
    }
    assert _numbers(_text(c.get(f"/case/list/?{_sw('case_number')}=sq2026-0002"))) == ["SQ2026-0002"]
    q = prison.dumps({"filters": [{"col": "case_number", "opr": "sw", "value": "qs2026-0003"}]})
    rows = app.test_client().get(f"/api/v1/case/?q={q}", headers=api_token("zhongxin")).json["result"]
    assert [r["applicant_name"] for r in rows] == ["王 建国"]


def test_name_contains_through_the_key(app, world, cases, login, api_token):
    expected = {n for n, name in cases.items() if "建国" in name_key(name)}
    assert expected == {"QS2026-0001", "QS2026-0003", "QS2026-0004", "SQ2026-0001"}
    page = _text(login("zhongxin").get("/case/list/?_flt_2_applicant_name=建 国"))
    assert set(_numbers(page)) == expected
    q = prison.dumps({"filters": [{"col": "applicant_name", "opr": "ct", "value": "建国"}]})
    rows = app.test_client().get(f"/api/v1/case/?q={q}", headers=api_token("qs_daiban")).json["result"]
    assert {r["case_number"] for r in rows} == {n for n in expected if n.startswith("QS")}
    # a LIKE wildcard is a character like any other
    assert _numbers(_text(login("zhongxin").get("/case/list/?_flt_2_applicant_name=%25"))) == []


def test_contains_two_characters_finds_exactly_the_names_holding_them(app, world):
    """“contains” a two-character key is the GIN index of the key's pieces on PostgreSQL
    (``bm_name_bigrams``), ``LIKE`` elsewhere: on either engine exactly the names that hold the
    two characters side by side — at the start, the end, in the middle, twice, or not at all."""
    import random

    rng = random.Random(20261204)
    alphabet = "王建国华明"
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(80)}
    key = Case.__search_keys__["applicant_name"]
    with app.app_context():
        db.session.add_all(
            case_row(world.village_a, world.agent_a, f"QS2026-{n + 1:04d}", T0, save=False, applicant_name=name)
            for n, name in enumerate(sorted(names))
        )
        db.session.commit()
        for a in alphabet:
            for b in alphabet:
                got = set(
                    db.session.execute(select(Case.applicant_name).where(key.contains_clause(Case, a + b))).scalars()
                )
                assert got == {n for n in names if a + b in n}, a + b


def test_the_api_refuses_an_operator_the_column_does_not_have(app, world, cases, api_token):
    q = prison.dumps({"filters": [{"col": "applicant_name", "opr": "gt", "value": "王"}]})
    assert app.test_client().get(f"/api/v1/case/?q={q}", headers=api_token("zhongxin")).status_code == 400


def test_the_key_follows_every_writer(app, world):
    """ORM insert and edit (``@validates``), and Core bulk inserts (the column default)."""
    with app.app_context():
        case = case_row(world.village_a, world.agent_a, "QS2026-0101", T0, applicant_name=" 刘 德华")
        assert case.applicant_name_key == "刘德华"
        case.applicant_name = "Ｌｉｕ"
        db.session.commit()
        row = {c: getattr(case, c) for c in ("village_id", "kind", "channel", "received_at", "status")}
        db.session.execute(
            insert(Case.__table__),
            [{**row, "case_number": f"QS2026-{200 + n}", "applicant_name": f"张　三{n}"} for n in range(3)],
        )
        db.session.commit()
        keys = dict(db.session.execute(select(Case.case_number, Case.applicant_name_key)).all())
    assert keys["QS2026-0101"] == "liu"
    assert [keys[f"QS2026-{200 + n}"] for n in range(3)] == ["张三0", "张三1", "张三2"]


# --------------------------------------------------------------------------------------
# COUNT capped, pages bounded, deep pages equal the OFFSET result
# --------------------------------------------------------------------------------------
def _rows(app, world, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            case_row(
                world.village_a,
                world.agent_a,
                f"QS2026-{n + 1:04d}",
                T0 + dt.timedelta(minutes=n // 2),
                save=False,
                applicant_name=f"王{n}",
            )
            for n in range(count)
        )
        db.session.commit()


def _count_text(page: str) -> str:
    m = re.search(r"bm-record-count\">\s*<strong>[^<]*</strong>\s*([^<]*?)\s*</div>", page)
    return m.group(1) if m else ""


@pytest.mark.parametrize(("rows", "shown"), [(4, "4"), (5, "5"), (6, "超过 5 条"), (13, "超过 5 条")])
def test_the_count_is_exact_up_to_the_cap(app, world, login, rows, shown):
    app.config["LIST_COUNT_CAP"] = 5
    _rows(app, world, rows)
    page = _text(login("zhongxin").get("/case/list/?psize_CaseView=2"))
    assert _count_text(page) == shown
    capped = rows > 5
    assert ("下一页" in page) is capped  # capped lists: no last page, a “next” link instead
    assert ("&raquo;" in page) is (not capped)


def test_pages_stop_at_the_cap_with_a_message(app, world, login):
    app.config["LIST_COUNT_CAP"] = 5
    _rows(app, world, 13)
    c = login("zhongxin")
    deepest = _numbers(_text(c.get("/case/list/?psize_CaseView=2&page_CaseView=2")))
    beyond = _text(c.get("/case/list/?psize_CaseView=2&page_CaseView=40"))
    assert "列表最多翻到第 3 页" in beyond
    assert _numbers(beyond) == deepest and len(deepest) == 2


def test_every_page_equals_the_offset_result(app, world, login):
    _rows(app, world, 25)
    with app.app_context():
        ordered = list(
            db.session.execute(select(Case.case_number).order_by(Case.received_at.desc(), Case.id.desc())).scalars()
        )
        by_name = list(
            db.session.execute(select(Case.case_number).order_by(Case.applicant_name.asc(), Case.id.asc())).scalars()
        )
    c = login("zhongxin")
    for page in range(5):
        shown = _numbers(_text(c.get(f"/case/list/?psize_CaseView=6&page_CaseView={page}")))
        assert shown == ordered[page * 6 : page * 6 + 6], page
        shown = _numbers(
            _text(
                c.get(f"/case/list/?psize_CaseView=6&page_CaseView={page}&_oc_CaseView=applicant_name&_od_CaseView=asc")
            )
        )
        assert shown == by_name[page * 6 : page * 6 + 6], page
    # a filtered deep page, as a village user (scoping applies to the ids and the rows)
    shown = _numbers(_text(login("qs_daiban").get(f"/case/list/?psize_CaseView=3&page_CaseView=2&{_sw()}=王1")))
    expected = [n for n in ordered if cases_name(n).startswith("王1")][6:9]
    assert shown == expected


def cases_name(number: str) -> str:
    return f"王{int(number[-4:]) - 1}"


def test_a_village_user_never_counts_another_village(app, world, login):
    app.config["LIST_COUNT_CAP"] = 5
    with app.app_context():
        db.session.add_all(
            case_row(world.village_b, world.agent_b, f"SQ2026-{n + 1:04d}", T0, save=False) for n in range(9)
        )
        db.session.add_all(
            case_row(world.village_a, world.agent_a, f"QS2026-{n + 1:04d}", T0, save=False) for n in range(2)
        )
        db.session.commit()
    assert _count_text(_text(login("qs_daiban").get("/case/list/"))) == "2"
    assert _count_text(_text(login("sq_daiban").get("/case/list/"))) == "超过 5 条"


def test_a_list_page_runs_as_many_statements_whatever_the_page(app, world, login):
    _rows(app, world, 30)
    c = login("zhongxin")
    counts = []
    for page in (0, 4):
        seen = []
        with app.app_context():
            listener = lambda *a, seen=seen, **k: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                c.get(f"/case/list/?psize_CaseView=5&page_CaseView={page}")
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(seen))
    assert counts[0] == counts[1]


# --------------------------------------------------------------------------------------
# The plans use the indexes
# --------------------------------------------------------------------------------------
def _statements(app, client, url: str) -> list[tuple[str, object]]:
    seen = []
    with app.app_context():

        def listener(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return seen


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's EXPLAIN QUERY PLAN")
def test_sqlite_plans_search_the_name_key_index(app, world, cases, login):
    statements = [
        (s, p)
        for s, p in _statements(app, login("zhongxin"), f"/case/list/?{_sw()}=王建国")
        if "applicant_name_key >=" in s
    ]
    assert len(statements) >= 2  # the COUNT and the page's ids (the toolbar's panels do not search)
    with app.app_context(), db.engine.connect() as conn:
        for statement, params in statements:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
            # covering (migration 0020): the township's scope and the order come from the index
            assert "COVERING INDEX ix_case_applicant_name_key" in plan, (statement, plan)
            assert "ILIKE" not in statement.upper() and " LIKE " not in statement.upper()
        count = next(s for s, _ in statements if "count(" in s.lower())
        assert "LIMIT" in count.upper()  # COUNT over at most cap + 1 ids


@pytest.mark.postgres
def test_postgresql_plans_use_the_btree_and_trigram_indexes(app, world, cases):
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("ANALYZE service_case"))

        def plan(where: str) -> str:
            rows = conn.execute(text(f"EXPLAIN SELECT id FROM service_case WHERE {where}"))
            return "\n".join(r[0] for r in rows)

        assert "ix_case_applicant_name_key" in plan("applicant_name_key >= '王建国' AND applicant_name_key < '王建图'")
        assert "Index" in plan("case_number >= 'QS2026-' AND case_number < 'QS2026.'")
        # “contains”: a bitmap over the trigram index (on a table this small a walk over the
        # b-tree would be cheaper: only bitmap scans are left to the planner). pg_trgm needs
        # three characters of the needle: a two-character one has no trigram to look up.
        conn.execute(text("SET enable_indexscan = off"))
        conn.execute(text("SET enable_indexonlyscan = off"))
        assert "ix_case_applicant_name_trgm" in plan("applicant_name_key LIKE '%王建国%'")
        # …which the GIN index of the key's two-character pieces answers (migration 0021)
        assert "ix_case_applicant_name_bigrams" in plan(
            "bm_name_bigrams(applicant_name_key) @> bm_name_bigrams('建国')"
        )
        collations = dict(
            conn.execute(
                text(
                    "SELECT column_name, collation_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'service_case' "
                    "AND column_name IN ('case_number', 'applicant_name_key')"
                )
            ).all()
        )
        assert collations == {"case_number": "C", "applicant_name_key": "C"}


# --------------------------------------------------------------------------------------
# Migration 0009: the backfill, and its frozen copy of the key agrees with the policy's
# --------------------------------------------------------------------------------------
def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0009_case_search_keys.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_the_migration_key_is_the_policy_key(value):
    assert _migration()._name_key(value) == name_key(value)


def test_0009_backfills_the_key(empty_db_url):
    from app import create_app
    from tests.integration.test_migration_0003 import insert as insert_row

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=empty_db_url, SECRET_KEY=uuid.uuid4().hex, TESTING=True)
    names = ["王建国", "王 建国", "Ｍａ Ｌｉ", "李四", "  ", "王　秀兰"] * 3
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            village = insert_row(conn, "village", name="青山村", code="QS")
            for n, name in enumerate(names):
                insert_row(
                    conn,
                    "service_case",
                    case_number=f"QS2026-{n + 1:04d}",
                    village_id=village,
                    applicant_name=name,
                    materials_received=[],
                )
        upgrade()
        read = sa.text("SELECT applicant_name, applicant_name_key FROM service_case ORDER BY id")
        with db.engine.connect() as conn:
            keys = conn.execute(read).all()
        assert [k for _, k in keys] == [name_key(n) for n in names]
        assert keys[1] == ("王 建国", "王建国")
        # the same in batches smaller than the table (the loop over id ranges)
        migration = _migration()
        migration.BATCH = 4
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE service_case SET applicant_name_key = NULL"))
            migration._backfill(conn)
        with db.engine.connect() as conn:
            assert conn.execute(read).all() == keys


def test_func_count_matches_the_capped_count_on_a_filtered_list(app, world, login):
    app.config["LIST_COUNT_CAP"] = 50
    _rows(app, world, 12)
    page = _text(login("zhongxin").get(f"/case/list/?{_sw()}=王1"))
    with app.app_context():
        exact = db.session.execute(select(func.count()).where(Case.applicant_name.like("王1%"))).scalar()
    assert _count_text(page) == str(exact) == "3"
