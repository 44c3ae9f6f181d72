"""The quarterly payout 《建宁乡各村便民代办补助发放表》 — 政策第二条（四）1、3, SPEC §9.

"村级便民代办员的补助由乡政府每年补助：每村每年5000元，由非副职干部担任代办员的村，在乡级补助
的基础上，根据具体情况再进行适当村级补助" and "……制定《建宁乡各村便民代办补助发放表》，经审核后
按季度发放".

Pure computation, no database: the services layer passes the villages, the agents' terms in post
and the month's deductions per code, and stores what comes back.

The rules, month by month (the quarter's three months have the shares of
:func:`~app.policy.money.monthly_shares`: 416.67 + 416.67 + 416.66 = 1250.00):

* **Days in post.** An agent is paid for the calendar days in post in the month, the day of
  appointment and the day of dismissal both included (:func:`~app.policy.money.days_served`).
  A village is paid at most once per day: when two agents' terms overlap (a handover on the same
  day), the day goes to the agent who was appointed first (the outgoing one).
* **Proration and cents.** A full month gets the month's share unchanged. A part month gets
  ``share × days ÷ days-in-month`` rounded half-up; when several agents share a month, the
  amounts are rounded cumulatively (agent *i* gets ``prorate(share, days up to and including i)
  − prorate(share, days before i)``), so the village's month adds up to exactly the share when
  the month is fully covered — no cent is paid twice or lost.
* **Deductions.** The month's active deductions of the agent, per code ①–⑤, are taken from that
  month's township subsidy, but never more than the month's prorated amount
  (:func:`~app.policy.deductions.apply_monthly_cap`: the month's net is ≥ 0). When the cap bites,
  the codes are taken in the policy's order ① → ⑤, so the amount that cannot be taken is removed
  from ⑤ first, then ④ … — the misconduct that counts towards dismissal (①②③) stays on the sheet
  in full as long as the month's subsidy covers it. The per-code columns always add up to
  扣款合计.
* **Village supplement** (村级补助): the village's yearly supplement split into the quarter's
  months in the same way (¼ of the year, thirds, the last month taking the remainder) and
  prorated by the same days — only for an agent who is not a deputy cadre (支村两委副职兼任).
  Deductions are not taken from it: the policy deducts from the township's subsidy, and a village
  with a supplement "制定相应的考核办法" of its own.
* **Lines.** One line per agent who was in post during the quarter (an agent change gives the
  village two lines), and one empty line for an active village that had no agent in post at all,
  so the sheet lists every village.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l

from .deductions import DeductionCode, apply_monthly_cap
from .money import ANNUAL_SUBSIDY, monthly_shares, prorate, q2, to_decimal
from .periods import month_bounds, quarter_months

ZERO = Decimal("0.00")

#: The sheet's states (第二条（四）3 "经审核后按季度发放"): 草稿 → 已审核 → 已发放.
DRAFT, APPROVED, PAID = "draft", "approved", "paid"
#: What may be done to a sheet in each state (``None``: the quarter has no sheet yet). 计算 creates
#: the draft; only a draft is recomputed or approved (approval freezes it); only an approved sheet is
#: paid or sent back (退回重算); a paid sheet stays as it was paid. Every sheet prints and exports.
SHEET_ACTIONS: Mapping[str | None, frozenset[str]] = {
    None: frozenset({"compute"}),
    DRAFT: frozenset({"recompute", "approve", "print", "export"}),
    APPROVED: frozenset({"pay", "reopen", "print", "export"}),
    PAID: frozenset({"print", "export"}),
}
CODES: tuple[str, ...] = tuple(code.value for code in DeductionCode)  # "1".."5"
REMARKS_MAX = 200


@dataclass(frozen=True)
class VillageTerm:
    """A village as the payout needs it."""

    id: int
    name: str
    code: str = ""
    supplement_per_year: Decimal = ZERO
    active: bool = True


@dataclass(frozen=True)
class AgentTerm:
    """An agent's term in post: ``start`` = 聘任日期, ``end`` = 解聘日期 (``None``: still in post)."""

    id: int
    village_id: int
    name: str
    start: date
    end: date | None = None
    deputy: bool = False  # 支村两委副职兼任 → no village supplement


#: ``{(agent_id, month): {"1": Decimal, …}}`` — the month's active deductions per code.
DeductionTotals = Mapping[tuple[int, int], Mapping[str, Decimal]]


@dataclass(frozen=True)
class Note:
    """One remark of a line, kept as data and rendered in Chinese by :func:`render_notes`."""

    kind: str  # "hired" | "dismissed" | "capped" | "deputy" | "vacant"
    day: date | None = None
    month: int | None = None
    recorded: Decimal | None = None
    taken: Decimal | None = None


@dataclass(frozen=True)
class MonthWorking:
    """How one month of a line was computed (kept with the line, shown on the sheet page)."""

    year: int
    month: int
    days_in_month: int
    days: int  # days in post credited to this agent
    share: Decimal  # the month's full share of the township subsidy
    gross: Decimal  # the prorated township subsidy of the month
    recorded: dict[str, Decimal]  # deductions recorded, per code
    taken: dict[str, Decimal]  # deductions taken after the cap, per code
    supplement: Decimal  # the prorated village supplement of the month

    @property
    def recorded_total(self) -> Decimal:
        return q2(sum(self.recorded.values(), ZERO))

    @property
    def taken_total(self) -> Decimal:
        return q2(sum(self.taken.values(), ZERO))

    @property
    def capped(self) -> bool:
        return self.taken_total < self.recorded_total

    @property
    def net(self) -> Decimal:
        return self.gross - self.taken_total

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "month": self.month,
            "days_in_month": self.days_in_month,
            "days": self.days,
            "share": str(self.share),
            "gross": str(self.gross),
            "recorded": {k: str(v) for k, v in self.recorded.items() if v},
            "taken": {k: str(v) for k, v in self.taken.items() if v},
            "capped": self.capped,
            "net": str(self.net),
            "supplement": str(self.supplement),
        }


@dataclass(frozen=True)
class PayoutLineResult:
    """One line of the sheet."""

    village_id: int
    village_name: str
    village_code: str
    agent_id: int | None
    agent_name: str
    deputy: bool
    start: date | None
    end: date | None
    months: tuple[MonthWorking, ...]
    notes: tuple[Note, ...] = field(default=())

    @cached_property
    def gross(self) -> Decimal:
        """应发乡级补助."""
        return q2(sum((m.gross for m in self.months), ZERO))

    @cached_property
    def deductions(self) -> dict[str, Decimal]:
        """扣款 per code ①–⑤ (after the monthly cap)."""
        return {code: q2(sum((m.taken.get(code, ZERO) for m in self.months), ZERO)) for code in CODES}

    @cached_property
    def deductions_total(self) -> Decimal:
        """扣款合计 = the sum of the per-code columns."""
        return q2(sum(self.deductions.values(), ZERO))

    @property
    def net_township(self) -> Decimal:
        """实发乡级补助."""
        return self.gross - self.deductions_total

    @cached_property
    def village_supplement(self) -> Decimal:
        """村级补助."""
        return q2(sum((m.supplement for m in self.months), ZERO))

    @property
    def total(self) -> Decimal:
        """合计."""
        return self.net_township + self.village_supplement

    def money(self) -> dict[str, Decimal]:
        """The money columns by the names of ``PayoutLine``."""
        d = self.deductions
        return {
            "gross": self.gross,
            **{f"d{code}": d[code] for code in CODES},
            "deductions_total": self.deductions_total,
            "net_township": self.net_township,
            "village_supplement": self.village_supplement,
            "total": self.total,
        }

    def detail(self) -> dict[str, Any]:
        """The working of the line as JSON (frozen with the line)."""
        return {
            "village_name": self.village_name,
            "village_code": self.village_code,
            "deputy": self.deputy,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "months": [m.as_json() for m in self.months],
        }


# ------------------------------------------------------------------------------- the rules


def allocate_capped(share: Decimal, recorded: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The deductions taken in a month, per code, when no more than ``share`` may be taken.

    The total is :func:`apply_monthly_cap`; the codes are served in the policy's order ① → ⑤,
    so what cannot be taken is removed from ⑤ first. The result always adds up to the capped
    total: ``allocate_capped(60, {"3": 50, "5": 40})`` → ``{"3": 50, "5": 10}``.
    """
    if not recorded:  # the usual month: nothing recorded, nothing taken
        return dict.fromkeys(CODES, ZERO)
    unknown = set(recorded) - set(CODES)
    if unknown:
        raise ValueError(f"unknown deduction code(s) {sorted(unknown)}")
    amounts = {code: q2(to_decimal(recorded.get(code, ZERO))) for code in CODES}
    if any(v < 0 for v in amounts.values()):
        raise ValueError("a deduction cannot be negative")
    remaining = apply_monthly_cap(to_decimal(share), list(amounts.values()))
    taken: dict[str, Decimal] = {}
    for code in CODES:
        amount = min(amounts[code], remaining)
        taken[code] = q2(amount)
        remaining -= amount
    return taken


def credited_days(terms: Sequence[AgentTerm], month_start: date, month_end: date) -> list[int]:
    """Days of the month credited to each term (in the given order): every calendar day in post
    counts once for the village — a day already credited to an earlier term is not paid again."""
    covered: set[int] = set()
    out = []
    for term in terms:
        first = max(month_start, term.start)
        last = min(month_end, term.end) if term.end else month_end
        days = set(range(first.toordinal(), last.toordinal() + 1)) - covered if first <= last else set()
        covered |= days
        out.append(len(days))
    return out


def split_share(share: Decimal, days: Sequence[int], days_in_month: int) -> list[Decimal]:
    """Prorate ``share`` over consecutive holders of ``days`` each, rounding cumulatively so that
    the parts add up to ``prorate(share, sum(days), days_in_month)`` exactly."""
    out = []
    before = 0
    for n in days:
        upto = before + n
        if n <= 0:
            out.append(ZERO)
        else:
            out.append(prorate(share, upto, days_in_month) - prorate(share, before, days_in_month))
        before = upto
    return out


def _order_key(term: AgentTerm) -> tuple:
    return (term.start, term.id)


def compute_quarter(
    year: int,
    quarter: int,
    villages: Iterable[VillageTerm],
    agents: Iterable[AgentTerm],
    deductions: DeductionTotals | None = None,
    annual: Decimal | int | str = ANNUAL_SUBSIDY,
) -> list[PayoutLineResult]:
    """The lines of the quarter's sheet, ordered by village code and then by term start.

    ``villages`` should contain every village that may appear (the active ones, and any other
    whose agent served in the quarter); ``agents`` every village-level agent term (terms outside
    the quarter are ignored); ``deductions`` the active deductions of the quarter's months.
    """
    q = _Quarter.of(year, quarter, annual)
    by_village = terms_by_village(agents, q.start, q.end)
    lines: list[PayoutLineResult] = []
    for village in sorted(villages, key=lambda v: (v.code or "", v.name, v.id)):
        lines += village_lines(q, village, sorted(by_village.get(village.id, []), key=_order_key), deductions or {})
    return lines


@dataclass(frozen=True)
class _Quarter:
    """The quarter's months, their first and last days and the township's monthly shares."""

    year: int
    months: tuple[tuple[int, int], ...]
    bounds: tuple[tuple[date, date], ...]
    shares: tuple[Decimal, ...]

    @classmethod
    def of(cls, year: int, quarter: int, annual) -> _Quarter:
        months = tuple(quarter_months(year, quarter))
        return cls(year, months, tuple(month_bounds(y, m) for y, m in months), tuple(monthly_shares(annual)))

    @property
    def start(self) -> date:
        return self.bounds[0][0]

    @property
    def end(self) -> date:
        return self.bounds[-1][1]


def terms_by_village(agents: Iterable[AgentTerm], q_start: date, q_end: date) -> dict[int, list[AgentTerm]]:
    """The terms that overlap the quarter, per village (a term ending before it began is ignored)."""
    by_village: dict[int, list[AgentTerm]] = {}
    for term in agents:
        if term.start > q_end or (term.end is not None and term.end < q_start):
            continue
        if term.end is not None and term.end < term.start:
            continue
        by_village.setdefault(term.village_id, []).append(term)
    return by_village


def village_lines(
    q: _Quarter, village: VillageTerm, terms: Sequence[AgentTerm], deductions: DeductionTotals
) -> list[PayoutLineResult]:
    """A village's lines: one per agent who served in the quarter, or one empty line for an
    active village without anybody in post (an inactive one without agents has none)."""
    workings = month_workings(q, village, terms, deductions)
    served = [(t, w) for t, w in zip(terms, workings, strict=True) if any(mw.days for mw in w)]
    if not served:
        return [_vacant_line(village, q.year, q.months, q.shares, q.bounds)] if village.active else []
    return [
        PayoutLineResult(
            village_id=village.id,
            village_name=village.name,
            village_code=village.code,
            agent_id=term.id,
            agent_name=term.name,
            deputy=term.deputy,
            start=term.start,
            end=term.end,
            months=tuple(working),
            notes=_notes(term, working, village, q.start, q.end),
        )
        for term, working in served
    ]


def month_workings(
    q: _Quarter, village: VillageTerm, terms: Sequence[AgentTerm], deductions: DeductionTotals
) -> list[list[MonthWorking]]:
    """Per term (in the given order), the working of each month of the quarter: days credited,
    the prorated share, the deductions recorded and taken, the village supplement."""
    supplement_shares = monthly_shares(village.supplement_per_year or ZERO)
    workings: list[list[MonthWorking]] = [[] for _ in terms]
    for (y, m), (first, last), share, supplement_share in zip(
        q.months, q.bounds, q.shares, supplement_shares, strict=True
    ):
        dim = calendar.monthrange(y, m)[1]
        days = credited_days(terms, first, last)
        gross_parts = split_share(share, days, dim)
        supplement_parts = split_share(supplement_share, days, dim)
        for i, term in enumerate(terms):
            recorded = {code: q2(v) for code, v in deductions.get((term.id, m), {}).items() if v}
            workings[i].append(
                MonthWorking(
                    year=y,
                    month=m,
                    days_in_month=dim,
                    days=days[i],
                    share=share,
                    gross=gross_parts[i],
                    recorded={code: recorded.get(code, ZERO) for code in CODES},
                    taken=allocate_capped(gross_parts[i], recorded),
                    supplement=ZERO if term.deputy else supplement_parts[i],
                )
            )
    return workings


def _vacant_line(village: VillageTerm, year: int, months, shares, bounds) -> PayoutLineResult:
    working = tuple(
        MonthWorking(
            year=y,
            month=m,
            days_in_month=(last - first).days + 1,
            days=0,
            share=share,
            gross=ZERO,
            recorded=dict.fromkeys(CODES, ZERO),
            taken=dict.fromkeys(CODES, ZERO),
            supplement=ZERO,
        )
        for (y, m), (first, last), share in zip(months, bounds, shares, strict=True)
    )
    return PayoutLineResult(
        village_id=village.id,
        village_name=village.name,
        village_code=village.code,
        agent_id=None,
        agent_name=str(_l("（空缺）")),
        deputy=False,
        start=None,
        end=None,
        months=working,
        notes=(Note("vacant"),),
    )


def _notes(
    term: AgentTerm, working: list[MonthWorking], village: VillageTerm, q_start: date, q_end: date
) -> tuple[Note, ...]:
    notes: list[Note] = []
    if q_start <= term.start <= q_end:
        notes.append(Note("hired", day=term.start))
    if term.end is not None and q_start <= term.end <= q_end:
        notes.append(Note("dismissed", day=term.end))
    for mw in working:
        if mw.capped:
            notes.append(Note("capped", month=mw.month, recorded=mw.recorded_total, taken=mw.taken_total))
    if term.deputy and (village.supplement_per_year or ZERO) > 0:
        notes.append(Note("deputy"))
    return tuple(notes)


def render_notes(notes: Iterable[Note]) -> str:
    """The remarks (备注) of a line in the current language, joined by “；”, at most 200 chars."""
    parts = []
    for note in notes:
        if note.kind == "hired" and note.day:
            parts.append(str(_l("%(m)s月%(d)s日到岗", m=note.day.month, d=note.day.day)))
        elif note.kind == "dismissed" and note.day:
            parts.append(str(_l("%(m)s月%(d)s日解聘", m=note.day.month, d=note.day.day)))
        elif note.kind == "capped":
            parts.append(
                str(
                    _l(
                        "%(m)s月扣款%(r)s元超过当月应发，实扣%(t)s元",
                        m=note.month,
                        r=note.recorded,
                        t=note.taken,
                    )
                )
            )
        elif note.kind == "deputy":
            parts.append(str(_l("副职兼任，不发村级补助")))
        elif note.kind == "vacant":
            parts.append(str(_l("本季度无在岗代办员")))
    text = "；".join(parts)
    return text if len(text) <= REMARKS_MAX else text[: REMARKS_MAX - 1] + "…"


@dataclass(frozen=True)
class SheetTotals:
    gross: Decimal
    deductions: dict[str, Decimal]
    deductions_total: Decimal
    net_township: Decimal
    village_supplement: Decimal
    total: Decimal

    @property
    def total_upper(self) -> str:
        """合计 in capital numerals (大写)."""
        from .money import rmb_upper

        return rmb_upper(self.total)


def sheet_totals(lines: Iterable[Any]) -> SheetTotals:
    """The 合计 row: Decimal sums of the lines' columns (``PayoutLineResult`` or stored lines
    with attributes ``gross``, ``d1``…``d5`` / ``deductions``, ``deductions_total`` …)."""
    gross = ded_total = net = supplement = total = ZERO
    per_code = dict.fromkeys(CODES, ZERO)
    for line in lines:
        gross += line.gross
        codes = line.deductions if hasattr(line, "deductions") else {c: getattr(line, f"d{c}") for c in CODES}
        for code in CODES:
            per_code[code] += codes.get(code, ZERO)
        ded_total += line.deductions_total
        net += line.net_township
        supplement += line.village_supplement
        total += line.total
    return SheetTotals(
        gross=q2(gross),
        deductions={c: q2(v) for c, v in per_code.items()},
        deductions_total=q2(ded_total),
        net_township=q2(net),
        village_supplement=q2(supplement),
        total=q2(total),
    )


def sheet_actions(status: str | None) -> frozenset[str]:
    """The actions a sheet in ``status`` allows (:data:`SHEET_ACTIONS`): ``compute``,
    ``recompute``, ``approve``, ``pay``, ``reopen``, ``print``, ``export``. Who may do them is the
    user's permissions' business; whether the figures allow 审核 (quarter over, nothing changed
    since the computation) is checked when it is done."""
    return SHEET_ACTIONS.get(status, frozenset())


def last_finished_quarter(today: date) -> tuple[int, int]:
    """The latest quarter that has ended before ``today``: 2026-11-26 → (2026, 3)."""
    q = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if q == 1 else (today.year, q - 1)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter."""
    months = quarter_months(year, quarter)
    return month_bounds(*months[0])[0], month_bounds(*months[-1])[1]
