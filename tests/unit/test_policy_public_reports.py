"""policy.public_reports: the challenge, the query code, plain text and the public status."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.policy import PolicyViolation
from app.policy.public_reports import (
    CHINESE_DIGITS,
    QUERY_ALPHABET,
    address_digest,
    check_challenge,
    check_content,
    format_query_code,
    make_challenge,
    new_query_code,
    normalize_query_code,
    plain_text,
    public_status,
    query_digest,
    question_of,
)

SECRET = b"test-secret-of-the-township"
T0 = 1_795_000_000


def answer_of(question: str) -> str:
    a, op, b = re.fullmatch(r"(.)(加|减)(.)等于几？", question).groups()
    x, y = CHINESE_DIGITS.index(a), CHINESE_DIGITS.index(b)
    return str(x + y if op == "加" else x - y)


def refusal(**kwargs) -> str:
    with pytest.raises(PolicyViolation) as exc:
        check_challenge(SECRET, **kwargs)
    assert exc.value.field == "answer"
    return exc.value.code


@given(st.integers(min_value=10**9, max_value=2 * 10**9), st.text(alphabet="abcXYZ019_-", min_size=16, max_size=24))
def test_every_challenge_is_a_small_sum_with_a_non_negative_answer(issued, nonce):
    ch = make_challenge(SECRET, issued, nonce)
    answer = int(answer_of(ch.question))
    assert 0 <= answer <= 18
    assert check_challenge(SECRET, ch.token, str(answer), issued + 30) == nonce


def test_the_token_does_not_carry_the_answer_and_cannot_be_forged():
    ch = make_challenge(SECRET, T0)
    issued, nonce, signature = ch.token.split(".")
    assert int(issued) == T0 and nonce == ch.nonce and len(signature) == 32
    assert question_of(SECRET, ch.token) == ch.question
    # another key, or an issue time changed under the same signature: refused
    with pytest.raises(PolicyViolation):
        check_challenge(b"other-key", ch.token, answer_of(ch.question), T0 + 30)
    forged = f"{T0 - 3600}.{nonce}.{signature}"
    assert refusal(token=forged, answer="1", now=T0 + 30) == "challenge_invalid"
    assert question_of(SECRET, forged) is None


def test_refusals_in_chinese():
    ch = make_challenge(SECRET, T0)
    right = answer_of(ch.question)
    wrong = str(int(right) + 1)
    assert refusal(token=ch.token, answer=right, now=T0 + 2) == "challenge_too_fast"
    assert refusal(token=ch.token, answer=right, now=T0 + 2 * 3600 + 1) == "challenge_expired"
    assert refusal(token=ch.token, answer="", now=T0 + 30) == "challenge_missing"
    assert refusal(token=ch.token, answer=wrong, now=T0 + 30) == "challenge_wrong"
    assert refusal(token="", answer=right, now=T0 + 30) == "challenge_invalid"
    assert refusal(token=ch.token, answer=right, now=T0 + 30, honeypot="x") == "honeypot"
    with pytest.raises(PolicyViolation, match="验证题答案不正确"):
        check_challenge(SECRET, ch.token, wrong, T0 + 30)


def test_answers_in_full_width_or_chinese_digits():
    for issued in range(T0, T0 + 40):
        ch = make_challenge(SECRET, issued)
        right = answer_of(ch.question)
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in right)
        assert check_challenge(SECRET, ch.token, f" {full_width} ", issued + 10) == ch.nonce
        if len(right) == 1:
            assert check_challenge(SECRET, ch.token, CHINESE_DIGITS[int(right)], issued + 10) == ch.nonce


def test_query_codes_are_unambiguous_and_typed_loosely():
    codes = {new_query_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10 and set(code) <= set(QUERY_ALPHABET)
        assert not set(code) & set("01OIL")
        shown = format_query_code(code)
        assert shown == f"{code[:5]}-{code[5:]}"
        assert normalize_query_code(shown.lower()) == code
        assert normalize_query_code(" " + shown.replace("-", " ") + " ") == code
        assert normalize_query_code(shown.replace("-", "－")) == code
    for bad in ("", "ABCDE", "ABCDE-FGHJ0", "ABCDE-FGHJKL", "<script>", None):
        assert normalize_query_code(bad) is None


def test_only_hashes_are_kept():
    code = "ABCDEFGHJK"
    assert query_digest(code) != code and len(query_digest(code)) == 64
    assert query_digest(code) == query_digest(code) != query_digest("ABCDEFGHJM")
    assert address_digest(SECRET, "10.0.0.1") != address_digest(b"k2", "10.0.0.1")
    assert "10.0.0.1" not in address_digest(SECRET, "10.0.0.1")


def test_plain_text():
    assert plain_text("  第一行\r\n第二行\t完\x00\x07\u200b\u202e ", 100, "content") == "第一行\n第二行 完"
    assert plain_text("a\n\n\n\n\nb", 100, "content") == "a\n\nb"
    assert plain_text("收费<10元，5>3", 100, "content") == "收费<10元，5>3"  # not mark-up
    for markup in ("<b>粗</b>", "<a href='x'>链接</a>", "<!-- x -->", "&lt;script&gt;", "< script >", "&#60;"):
        with pytest.raises(PolicyViolation) as exc:
            plain_text(markup, 100, "content")
        assert exc.value.code == "markup" and "网页代码" in str(exc.value.message)
    with pytest.raises(PolicyViolation, match="不能超过10个字（现有11个字）"):
        plain_text("一" * 11, 10, "content")


def test_content_rules():
    assert check_content("代办员不给办社保卡") == "代办员不给办社保卡"
    for value, code in (("", "required"), ("  \n ", "required"), ("不 好", "too_short"), ("字" * 1001, "too_long")):
        with pytest.raises(PolicyViolation) as exc:
            check_content(value)
        assert exc.value.code == code and exc.value.field == "content"


def test_public_status():
    received = dt.date(2026, 11, 20)
    assert public_status("pending", received, None, False).key == "received"
    assert str(public_status("pending", received, None, False).label) == "已收到"
    assert public_status("pending", received, None, True).key == "verifying"
    closed = public_status("true", received, dt.date(2026, 11, 27), True)
    assert (closed.key, str(closed.label), closed.on) == ("closed", "已办结", dt.date(2026, 11, 27))
    assert public_status("false", received, None, False).on == received
