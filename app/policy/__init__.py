"""The rules of 建政发〔2022〕33号 as pure functions — no Flask app, no database.

Each module holds the rules of one part of the policy; find a rule by its name:

- ``errors``       — :class:`PolicyViolation`, the one exception the rules raise.
- ``idcard``       — 身份证号 (GB 11643-1999 check digit, birth date, gender, masking).
- ``phone``        — mobile and service (landline) phone numbers, masking (SPEC §12).
- ``eligibility``  — 便民代办员的条件与产生办法, 政策第二条（一）（二）.
- ``workdays``     — the working-day calendar (chinesecalendar + township overrides).
- ``deadlines``    — 三个工作日内报送 / 承诺时限办结, 第五条（一）3、（二）4.
- ``office_hours`` — 坐班代办时间（夏季/冬季）and sign-in status, 第二条（三）1.
- ``deductions``   — 考核扣款 ①–⑤ and the three-strike dismissal rule, 第二条（四）2.
- ``money``        — 每村每年5000元, quarterly/monthly shares, proration, 人民币大写, 第二条（四）1、3.
- ``reports``      — 每月月底前报送统计表, 第五条（一）4.

Messages are Chinese msgids wrapped in ``flask_babel.lazy_gettext``; they render as Chinese
outside a request and in the user's language inside one.
"""

from .errors import PolicyViolation

__all__ = ["PolicyViolation"]
