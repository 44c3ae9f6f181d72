"""Search keys of names and case numbers (policy/search_keys.py) and the keyed FAB filters
(models/search.py): a prefix is an index range, never ILIKE."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.models import Case, Village
from app.models.search import KeyContains, KeyStartsWith, SearchFilterConverter, SearchInterface
from app.policy.search_keys import like_escape, name_key, number_key, prefix_upper_bound


@pytest.mark.parametrize(
    "typed",
    ["王建国", " 王建国 ", "王 建国", "王　建国", "王\u200b建国", "\t王建国\n", "王建国\x00"],
)
def test_name_key_is_the_same_for_the_ways_a_name_is_typed(typed):
    assert name_key(typed) == "王建国"


def test_name_key_folds_width_case_and_middle_dots():
    assert name_key("Ｍａ Ｌｉ") == name_key("ma li") == "mali"
    assert name_key("买买提•艾力") == name_key("买买提・艾力") == name_key("买买提·艾力") == "买买提·艾力"
    assert name_key(None) == name_key("") == name_key("   ") == ""
    assert len(name_key("王" * 100)) == 64


def test_number_key_is_the_stored_form_of_a_case_number():
    assert number_key(" ｑｓ２０２６－００４２ ") == "QS2026-0042"
    assert number_key("qs2026—0042") == "QS2026-0042"
    assert number_key("QS 2026") == "QS2026"


def test_prefix_upper_bound_is_the_next_string_after_the_prefix():
    assert prefix_upper_bound("王建国") == "王建图"
    assert prefix_upper_bound("QS2026-") == "QS2026."
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound(chr(0xD7FF)) == chr(0xE000)  # surrogates skipped
    assert prefix_upper_bound("") is None
    assert prefix_upper_bound("\U0010ffff") is None


@given(st.text(max_size=6), st.text(min_size=1, max_size=3))
def test_a_string_starts_with_the_prefix_exactly_when_it_is_in_the_range(text, prefix):
    upper = prefix_upper_bound(prefix)
    in_range = prefix <= text and (upper is None or text < upper)
    assert in_range == text.startswith(prefix)


@given(st.text(max_size=4))
def test_name_key_is_idempotent(text):
    assert name_key(name_key(text)) == name_key(text)


def test_like_escape_takes_wildcards_literally():
    assert like_escape("50%_a\\b") == "50\\%\\_a\\\\b"


def _sql(flt_class, column, value, dialect) -> str:
    flt = flt_class(column, SearchInterface(Case))
    stmt = flt.apply(select(Case.id), value)
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_starts_with_on_a_keyed_column_is_a_range_on_its_key():
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = _sql(KeyStartsWith, "applicant_name", " 王　建国", dialect)
        assert "service_case.applicant_name_key >= '王建国'" in sql
        assert "service_case.applicant_name_key < '王建图'" in sql
        assert "LIKE" not in sql.upper()
    sql = _sql(KeyStartsWith, "case_number", "qs2026-", sqlite.dialect())
    assert "case_number >= 'QS2026-'" in sql and "case_number < 'QS2026.'" in sql


def test_contains_on_the_name_key_and_fab_elsewhere():
    sql = _sql(KeyContains, "applicant_name", "建 国%", sqlite.dialect())
    assert "service_case.applicant_name_key LIKE '%建国\\%%' ESCAPE '\\'" in sql
    # case numbers have no “contains” key: FAB's ILIKE on the column
    assert "ILIKE" in _sql(KeyContains, "case_number", "0042", postgresql.dialect()).upper()


def test_an_empty_key_filters_nothing():
    assert "WHERE" not in _sql(KeyStartsWith, "applicant_name", "  ", sqlite.dialect())


def test_columns_without_a_key_keep_fab_behaviour():
    flt = KeyStartsWith("name", SearchInterface(Village))
    sql = str(flt.apply(select(Village.id), "青").compile(dialect=postgresql.dialect()))
    assert "ILIKE" in sql.upper()


def test_the_converter_swaps_the_filters_in_place():
    """``_flt_<n>_applicant_name`` keeps its n: the keyed filters take FAB's places."""
    converter = SearchFilterConverter(SearchInterface(Case))
    names = [type(f).__name__ for f in converter.convert("applicant_name")]
    assert names[:3] == ["KeyStartsWith", "FilterEndsWith", "KeyContains"]
    assert [type(f).__name__ for f in converter.convert("applicant_phone")][0] == "FilterStartsWith"
