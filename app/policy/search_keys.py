"""Search keys: how a typed name or case number is compared (台账检索).

A villager's name is searched as typed at the counter — full-width or half-width, with a
stray space, ``王 建国`` or ``王建国``; a case number as ``qs2026-0042`` or ``ＱＳ２０２６－００４２``.
Both sides of the comparison go through the same key, so the stored key of a name
(``Case.applicant_name_key``) and the key of what is typed agree, and a prefix search is a
plain range over an index: ``prefix <= key < prefix_upper_bound(prefix)`` in code-point
order (SQLite's BINARY collation, PostgreSQL's ``COLLATE "C"``).
"""

from __future__ import annotations

import unicodedata

#: Longest stored name key (a name is at most 30 characters; NFKC may lengthen it).
NAME_KEY_LENGTH = 64
#: Middle dots of minority names (买买提·艾力) typed in any of their look-alikes.
_DOTS = dict.fromkeys(map(ord, "•‧・･∙⋅"), "·")
#: Dashes typed for the hyphen of a case number.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_DROPPED = {"Cc", "Cf", "Zs", "Zl", "Zp"}
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def _clean(value) -> str:
    """NFKC, without whitespace, control and format characters (zero-width spaces …)."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in _DROPPED)


def name_key(value) -> str:
    """The key of an applicant's name: ``" 王　建国 "`` → ``"王建国"``, ``"Ｍａ Ｌｉ"`` → ``"mali"``."""
    text = _clean(value).translate(_DOTS)
    return unicodedata.normalize("NFKC", text.casefold())[:NAME_KEY_LENGTH]


def number_key(value) -> str:
    """The key of a case number as typed: ``" ｑｓ２０２６－００４２"`` → ``"QS2026-0042"``
    (case numbers are stored upper-case, ``policy.case_flow.format_case_number``)."""
    return _clean(value).translate(_DASHES).upper()


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix``, in code-point order:
    ``"王建国"`` → ``"王建图"`` (the last character plus one). ``None`` when there is none
    (an empty prefix, or one made only of U+10FFFF): then only the lower bound applies."""
    chars = list(prefix)
    while chars:
        following = ord(chars.pop()) + 1
        if following in _SURROGATES:
            following = _SURROGATES.stop  # never stored: UTF-8 cannot hold a surrogate
        if following <= _MAX_CODE_POINT:
            return "".join(chars) + chr(following)
    return None


def like_escape(text: str, escape: str = "\\") -> str:
    """``text`` for a LIKE pattern, its ``%``, ``_`` and escape character taken literally."""
    return "".join(escape + c if c in ("%", "_", escape) else c for c in text)
