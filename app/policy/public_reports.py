"""群众反映/举报 from the public page (政策第二条（四）4 “公开……监督电话”, 第二条（四）2①) — the
rules of the anonymous form: the challenge against scripted flooding, the query code, the
plain-text content and what the villager may learn about the outcome.

- **Challenge**: a small sum in Chinese (“七加二等于几？”) whose numbers are derived from a
  keyed hash of a random nonce and the time the form was issued. The form carries only
  ``<issued>.<nonce>.<signature>``: the answer is not in it, the signature stops a forged
  issue time, and the server needs no storage to check it. A form sent back sooner than
  ``min_seconds`` after it was issued (a script, not a person typing) or later than
  ``max_seconds`` (a harvested token) is refused; so is a filled honeypot field. The nonce
  is kept with the complaint (unique), so one solved challenge files one report.
- **Query code**: 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown as
  ``ABCDE-FGHJK``; only its SHA-256 is stored. Entered in any case, with spaces or dashes.
- **Content**: plain text — control characters removed, no HTML mark-up, length-limited.
- **Public status**: 已收到 / 核实中 / 已办结 and a date, nothing else.

Pure functions: no Flask app, no database. Messages are lazy Chinese msgids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

# --- the challenge (算术验证题) ---------------------------------------------------------------

CHINESE_DIGITS = "零一二三四五六七八九"
#: A person needs some seconds to read the form and type a report; a script does not.
DEFAULT_MIN_SECONDS = 5
#: A challenge older than this is stale (a page left open overnight asks again).
DEFAULT_MAX_SECONDS = 2 * 3600
_TOKEN_RE = re.compile(r"(\d{9,11})\.([A-Za-z0-9_-]{16,32})\.([0-9a-f]{32})", re.ASCII)


@dataclass(frozen=True)
class Challenge:
    question: str  # 七加二等于几？
    token: str  # <issued epoch seconds>.<nonce>.<signature>
    nonce: str


def _mac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()


def _numbers(secret: bytes, issued: int, nonce: str) -> tuple[int, str, int]:
    """The two numbers (1–9) and the operation of a challenge; a difference is never negative."""
    digest = _mac(secret, f"numbers:{issued}:{nonce}")
    a, b = digest[0] % 9 + 1, digest[1] % 9 + 1
    if digest[2] % 2 and a != b:
        return max(a, b), "减", min(a, b)
    return a, "加", b


def _answer(a: int, op: str, b: int) -> int:
    return a + b if op == "加" else a - b


def _signature(secret: bytes, issued: int, nonce: str) -> str:
    return _mac(secret, f"challenge:{issued}:{nonce}").hex()[:32]


def make_challenge(secret: bytes, issued: int, nonce: str | None = None) -> Challenge:
    """A new challenge issued at ``issued`` (epoch seconds)."""
    nonce = nonce or secrets.token_urlsafe(18)
    a, op, b = _numbers(secret, issued, nonce)
    ask = _l("%(a)s加%(b)s等于几？") if op == "加" else _l("%(a)s减%(b)s等于几？")
    question = str(ask) % {"a": CHINESE_DIGITS[a], "b": CHINESE_DIGITS[b]}
    return Challenge(question, f"{issued}.{nonce}.{_signature(secret, issued, nonce)}", nonce)


def question_of(secret: bytes, token: str | None) -> str | None:
    """The question a (genuine) token asks, to show the form again with the same challenge."""
    parsed = _parse_token(secret, token)
    if parsed is None:
        return None
    return make_challenge(secret, parsed[0], parsed[1]).question


def _parse_token(secret: bytes, token: str | None) -> tuple[int, str] | None:
    match = _TOKEN_RE.fullmatch((token or "").strip())
    if match is None:
        return None
    issued, nonce, signature = int(match.group(1)), match.group(2), match.group(3)
    if not hmac.compare_digest(signature, _signature(secret, issued, nonce)):
        return None
    return issued, nonce


def _parse_answer(answer: str | None) -> int | None:
    text = unicodedata.normalize("NFKC", answer or "").strip()
    if len(text) == 1 and text in CHINESE_DIGITS:
        return CHINESE_DIGITS.index(text)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def _refuse(message, code: str) -> PolicyViolation:
    return PolicyViolation(message, field="answer", code=code)


def check_challenge(
    secret: bytes,
    token: str | None,
    answer: str | None,
    now: int,
    *,
    honeypot: str | None = None,
    min_seconds: int = DEFAULT_MIN_SECONDS,
    max_seconds: int = DEFAULT_MAX_SECONDS,
) -> str:
    """Check a submitted challenge at ``now`` (epoch seconds); return its nonce (kept with the
    report: one report per challenge). Raises :class:`PolicyViolation` (``field="answer"``)."""
    if (honeypot or "").strip():
        raise _refuse(_l("提交未通过校验，请刷新页面后重新填写"), "honeypot")
    parsed = _parse_token(secret, token)
    if parsed is None:
        raise _refuse(_l("验证题已失效，请刷新页面后重新填写"), "challenge_invalid")
    issued, nonce = parsed
    if now - issued < min_seconds:
        raise _refuse(_l("提交太快了，请确认填写的内容后再提交"), "challenge_too_fast")
    if now - issued > max_seconds:
        raise _refuse(_l("验证题已过期，请回答新的验证题后再提交"), "challenge_expired")
    if (answer or "").strip() == "":
        raise _refuse(_l("请回答验证题（填写数字）"), "challenge_missing")
    a, op, b = _numbers(secret, issued, nonce)
    if _parse_answer(answer) != _answer(a, op, b):
        raise _refuse(_l("验证题答案不正确，请重新计算后填写"), "challenge_wrong")
    return nonce


# --- the query code (查询码) -----------------------------------------------------------------

#: No 0/O, 1/I/L: nothing to mistake when read from a phone screen or written on paper.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 10
_QUERY_SEPARATORS = re.compile(r"[\s\-－—–_.·]+")


def new_query_code() -> str:
    """10 random characters of :data:`QUERY_ALPHABET` (about 50 bits)."""
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def format_query_code(code: str) -> str:
    """``ABCDE-FGHJK``: two groups of five, easier to read out and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_query_code(text: str | None) -> str | None:
    """The code as stored (upper case, no separators), or ``None`` when it cannot be one."""
    code = _QUERY_SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    if len(code) != QUERY_CODE_LENGTH or any(ch not in QUERY_ALPHABET for ch in code):
        return None
    return code


def query_digest(code: str) -> str:
    """What the database keeps of a query code (SHA-256 hex of the normalised code)."""
    return hashlib.sha256(f"bm-query:{code}".encode("ascii")).hexdigest()


def address_digest(secret: bytes, address: str | None) -> str:
    """A keyed hash of the submitter's network address: repeated submissions from one address
    can be counted without keeping the address itself."""
    return hmac.new(secret, f"addr:{address or ''}".encode(), hashlib.sha256).hexdigest()


# --- the content (反映内容) ------------------------------------------------------------------

DEFAULT_MAX_CHARS = 1000
MIN_CONTENT_CHARS = 5
_MARKUP_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>|&#?[A-Za-z0-9]+;")


def plain_text(value: str | None, max_chars: int, field: str) -> str:
    """Plain text of a public field: line breaks kept (``\\r\\n`` → ``\\n``), tabs as spaces,
    every other control or format character removed, white space trimmed. Mark-up such as
    ``<a href=…>`` or ``&lt;`` is refused, and so is text longer than ``max_chars``."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if _MARKUP_RE.search(text):
        raise PolicyViolation(_l("请只填写文字，不能包含网页代码（如 <…> 标记）"), field=field, code="markup")
    if len(text) > max_chars:
        raise PolicyViolation(
            _l("不能超过%(n)s个字（现有%(m)s个字）", n=max_chars, m=len(text)), field=field, code="too_long"
        )
    return text


def check_content(value: str | None, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """反映内容: required, at least a few characters, plain text within the limit."""
    text = plain_text(value, max_chars, "content")
    if not text:
        raise PolicyViolation(_l("请填写反映内容"), field="content", code="required")
    if len("".join(text.split())) < MIN_CONTENT_CHARS:
        raise PolicyViolation(
            _l("反映内容太短，请写清楚是什么事、涉及谁（至少%(n)s个字）", n=MIN_CONTENT_CHARS),
            field="content",
            code="too_short",
        )
    return text


# --- what the villager may learn (已收到 / 核实中 / 已办结) ------------------------------------

PUBLIC_STATUSES = {"received": _l("已收到"), "verifying": _l("核实中"), "closed": _l("已办结")}


@dataclass(frozen=True)
class PublicStatus:
    key: str  # received | verifying | closed
    on: dt.date  # 收到日期, or 办结日期 once closed

    @property
    def label(self):
        return PUBLIC_STATUSES[self.key]


def public_status(result: str, received_on: dt.date, verified_on: dt.date | None, in_progress: bool) -> PublicStatus:
    """已办结 once the township recorded its finding (属实 or 不属实), dated that day; 核实中 while
    it is pending but the township has started (a 核实情况 or 处理 note); else 已收到."""
    if result in ("true", "false"):
        return PublicStatus("closed", verified_on or received_on)
    return PublicStatus("verifying" if in_progress else "received", received_on)


__all__ = [
    "PUBLIC_STATUSES",
    "QUERY_ALPHABET",
    "QUERY_CODE_LENGTH",
    "Challenge",
    "PublicStatus",
    "address_digest",
    "check_challenge",
    "check_content",
    "format_query_code",
    "make_challenge",
    "new_query_code",
    "normalize_query_code",
    "plain_text",
    "public_status",
    "query_digest",
    "question_of",
]
