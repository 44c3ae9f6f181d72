"""Demo cases (受理登记) for ``flask demo`` — and, with ``--scale N``, a benchmark township.

* ``run()`` — the last four months of cases for every demo village that has none yet:
  consultations and proxy cases over the whole catalog, each with its timeline (受理 → 核实 →
  报送 → 办结 …), a few extensions, late and overdue cases, ratings and follow-up visits.
* ``run(scale=N)`` — N villages (the demo ones first, then 测试村 ZAAA, ZAAB … with an agent
  each) and three years of cases per village that has none yet (about 330 a year: ``N × 1000``
  cases in all, e.g. ``--scale 1000`` ≈ 1,000,000), with the same status mix.

Rows are written with SQLAlchemy Core bulk inserts in batches (no ORM objects, no audit log
rows: this is generated history, not anyone's action), so a million cases take minutes.
Deadlines, due dates and lateness come from the same policy functions the services use.
Idempotent: a village that already has cases is left alone; nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Agent, Case, CaseCounter, CaseExtension, CaseTransition, ServiceItem, Village
from app.policy import case_flow as flow
from app.policy.idcard import id_check_digit
from app.services import stats
from app.services.calendar import now_local, work_calendar
from app.services.clock import utcnow

from .bulk import BulkWriter, indexes_dropped, load_settings
from .demo import VILLAGES, VILLAGES_B, demo_id_number, demo_phone

DEMO_DAYS = 120
SCALE_YEARS = 3
PER_WORKDAY_DEMO = 0.8  # cases a village registers on a working day (demo)
PER_WORKDAY_SCALE = 1.35  # ≈ 330 a year, ≈ 1000 per village over three years
BATCH = 20_000  # cases per bulk write (and their steps and extensions)
COMMIT_EVERY = 100_000  # cases per transaction
#: from this many cases to write, the case tables' secondary indexes are dropped for the load
#: and built again at its end (far faster than keeping ten indexes up to date row by row)
DROP_INDEXES_FROM = 50_000
CASE_TABLES = ("service_case", "case_transition", "case_extension")

BIRTH_FROM = dt.date(1940, 1, 1).toordinal()
BIRTH_DAYS = dt.date(2002, 12, 31).toordinal() - BIRTH_FROM + 1
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "秀英桂兰建国志强红梅小燕春花国华明军海燕丽娟伟平金凤玉兰德胜永红建华淑珍长青丽华春生秋菊冬梅宝山"
CADRES = ("刘建国", "陈志强", "张卫东", "周海波", "吴长青", "郑国平", "何永红", "罗德明", "谢庆丰", "邓立新")
WINDOW_RESULTS = ("已审核通过，证件已领取", "已办理完毕，结果已反馈", "材料审核通过，已录入系统", "已发放到户")
CONSULT_TOPICS = (
    "咨询城乡居民医保缴费标准和截止时间",
    "咨询高龄津贴申领条件",
    "咨询耕地地力保护补贴发放时间",
    "咨询残疾人两项补贴政策",
    "咨询农村危房改造申请条件",
    "咨询外出务工社保转移接续",
    "咨询新生儿落户需要什么材料",
    "咨询农机购置补贴目录",
    "咨询水费缴纳方式",
)
REFERRALS = ("乡便民服务中心社保窗口 0731-84561001", "乡派出所户籍室 0731-84561110", "县自然资源局 0731-84560000")
REJECT_REASONS = (
    "经核实不符合申请条件，已当面向申请人说明政策规定",
    "申请人不愿补交材料，已说明需补交的材料，申请人表示暂不办理",
    "窗口审核退回：户籍信息不一致，已告知申请人先到派出所更正",
)
VOID_REASONS = ("重复登记，保留另一条记录", "登记时选错事项，已重新登记")
#: the case columns a new case leaves empty (filled in by its later steps)
UNSET = dict.fromkeys(
    (
        "verified_by",
        "verified_at",
        "verify_result",
        "submitted_window",
        "submitted_at",
        "window_result",
        "reply_at",
        "reply_method",
        "answer_text",
        "referred_to",
        "reason",
        "satisfaction",
        "followup_note",
        "followup_at",
        "notes",
        "created_by_id",
    )
)
FOLLOWUPS = ("已电话回访，向申请人解释办理时限，申请人表示理解", "已上门回访，协助申请人补办手续")


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------
def run(scale: int = 0, today: dt.date | None = None) -> dict:
    now = dt.datetime.combine(today, dt.time(17, 0)) if today else now_local().replace(second=0, microsecond=0)
    today = now.date()
    items = _items()
    if not items:
        return {"villages": 0, "cases": 0}
    if scale:
        villages = _ensure_villages(scale)
        start = dt.date(today.year - SCALE_YEARS, today.month, 1)
        rate = PER_WORKDAY_SCALE
    else:
        codes = [v[1] for v in VILLAGES + VILLAGES_B]  # both demo townships
        villages = _villages(codes)
        start = today - dt.timedelta(days=DEMO_DAYS)
        rate = PER_WORKDAY_DEMO
    villages = [v for v in villages if v["agent_id"] and not _has_cases(v["id"])]
    gen = Generator(items, now, start, rate, seed=2022 + scale)
    expected = len(villages) * len(gen.workdays) * rate
    total = 0
    with stats.deferred(), indexes_dropped(db.session, CASE_TABLES, enabled=expected >= DROP_INDEXES_FROM):
        writer = Writer()
        try:
            for village in villages:
                for case, steps, extension in gen.cases_of(village, writer.next_case_id()):
                    derive_case_values(case)
                    writer.add(case, steps, extension)
                    total += 1
                writer.counters(village["id"], gen.serials)
            writer.flush(final=True)
        finally:
            writer.close()
    after_cases_generated([v["id"] for v in villages], start, today)
    return {"villages": len(villages), "cases": total}


# --------------------------------------------------------------------------------------
# Hooks for what other features derive from the cases
# --------------------------------------------------------------------------------------
def derive_case_values(case: dict) -> None:
    """Hook: set on the generated case row (a dict of ``service_case`` columns) the columns
    other features derive from its values — e.g. a normalized applicant name for the name
    search — exactly as their services would. Called once per generated case, before it is
    written; nothing to do yet."""


def after_cases_generated(village_ids: list[int], start: dt.date, today: dt.date) -> None:
    """Rebuild what is derived from the cases just written (their bookkeeping was deferred):
    the monthly aggregate of each generated village, from ``start`` (``services.stats``)."""
    stats.rebuild_connection(db.session.connection(), first=(start.year, start.month), village_ids=village_ids)
    db.session.commit()


# --------------------------------------------------------------------------------------
# Reference rows
# --------------------------------------------------------------------------------------
def _items() -> list[dict]:
    rows = db.session.execute(
        select(
            ServiceItem.id,
            ServiceItem.category_id,
            ServiceItem.name,
            ServiceItem.window,
            ServiceItem.materials,
            ServiceItem.promised_days,
            ServiceItem.fee,
            ServiceItem.pays_on_behalf,
        )
        .where(ServiceItem.active.is_(True))
        .order_by(ServiceItem.id)
    ).all()
    return [r._asdict() for r in rows]


def _villages(codes: list[str] | None = None, limit: int | None = None) -> list[dict]:
    stmt = (
        select(Village.id, Village.code, Agent.id.label("agent_id"), Agent.name.label("agent_name"), Agent.user_id)
        .outerjoin(Agent, (Agent.village_id == Village.id) & (Agent.status == "active"))
        .where(Village.active.is_(True))
        .order_by(Village.id)
    )
    if codes is not None:
        stmt = stmt.where(Village.code.in_(codes))
    rows = [r._asdict() for r in db.session.execute(stmt)]
    seen, out = set(), []
    for r in rows:  # one row per village (an agent, if any)
        if r["id"] not in seen:
            seen.add(r["id"])
            out.append(r)
    return out[:limit] if limit else out


def _has_cases(village_id: int) -> bool:
    return db.session.execute(select(Case.id).where(Case.village_id == village_id).limit(1)).first() is not None


def _scale_code(n: int) -> str:
    letters = ""
    for _ in range(3):
        n, r = divmod(n, 26)
        letters = chr(ord("A") + r) + letters
    return "Z" + letters


def _ensure_villages(n: int) -> list[dict]:
    """The first ``n`` active villages, creating 测试村 with an active agent as needed."""
    existing = _villages()
    missing = n - len(existing)
    if missing > 0:
        codes = set(db.session.execute(select(Village.code)).scalars())
        from app.services.townships import config_township

        township_id = config_township().id  # the 测试村 belong to the demo's first township (建宁乡)
        now = utcnow().replace(tzinfo=None)
        new_villages, serial = [], 0
        while len(new_villages) < missing:
            code = _scale_code(serial)
            serial += 1
            if code in codes:
                continue
            new_villages.append(
                {
                    "name": f"测试村{code}",
                    "code": code,
                    "address": f"建宁乡测试村{code}便民服务代办点",
                    "service_phone": f"0731-8{4560000 + serial % 10000:07d}",
                    "secretary_name": "测试书记",
                    "township_id": township_id,
                    "active": True,
                    "supplement_per_year": Decimal("0.00"),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    **{
                        f: True
                        for f in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board")
                    },
                }
            )
        for chunk in _chunks(new_villages, 500):
            db.session.execute(insert(Village.__table__), chunk)
        ids = dict(
            db.session.execute(
                select(Village.code, Village.id).where(Village.code.in_([v["code"] for v in new_villages]))
            ).all()
        )
        agents = []
        for i, v in enumerate(new_villages):
            birth = dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28)
            agents.append(
                {
                    "name": f"代办员{v['code']}",
                    "gender": "M" if i % 2 else "F",
                    "id_number": demo_id_number(birth, "M" if i % 2 else "F", 100 + i),
                    "birth_date": birth,
                    "phone": demo_phone(1000 + i % 9000),
                    "education": "senior",
                    "level": "village",
                    "village_id": ids[v["code"]],
                    "appointment_kind": "hired",
                    "long_term_resident": True,
                    "is_grid_worker": False,
                    "nominated_on": dt.date(2021, 12, 1),
                    "approved_on": dt.date(2021, 12, 10),
                    "filed_on": dt.date(2021, 12, 20),
                    "hired_on": dt.date(2022, 1, 1),
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        for chunk in _chunks(agents, 500):
            db.session.execute(insert(Agent.__table__), chunk)
        db.session.commit()
    return _villages(limit=n)


def _chunks(rows: list, size: int) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# --------------------------------------------------------------------------------------
# Generating one village's history
# --------------------------------------------------------------------------------------
class FastRandom(random.Random):
    """``random.Random`` with ``choice``/``randint``/``choices`` from one ``random()`` each —
    several times cheaper than the exact-uniform originals, and as good for demo data."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        if weights is None or cum_weights is not None or k != 1:
            return super().choices(population, weights, cum_weights=cum_weights, k=k)
        x, total = self.random() * sum(weights), 0
        for value, w in zip(population, weights, strict=True):
            total += w
            if x < total:
                return [value]
        return [population[-1]]


class Generator:
    def __init__(self, items: list[dict], now: dt.datetime, start: dt.date, rate: float, seed: int) -> None:
        self.items = items
        self.proxy_items = [i for i in items if i["materials"]]
        self.today = today = now.date()
        self.now = now
        self.agent_name, self.agent_user = "", None
        self.start = start
        self.rate = rate
        self.rng = FastRandom(seed)
        self.cal = work_calendar()
        self._memo: dict[tuple[dt.date, int], dt.date] = {}
        self._births: dict[int, str] = {}
        self.serials: dict[int, int] = {}
        days = (today - start).days + 1
        self.workdays = [d for d in (start + dt.timedelta(n) for n in range(days)) if self._is_workday(d)]
        # every working day from ``start`` to well after today (deadlines run past it), as
        # ordinals, for ``add_workdays`` by index
        ahead = [today + dt.timedelta(n) for n in range(1, 120)]
        self._ordinals = [d.toordinal() for d in self.workdays] + [d.toordinal() for d in ahead if self._is_workday(d)]

    def _is_workday(self, d: dt.date) -> bool:
        return self.cal.is_workday(d)

    def _add(self, d: dt.date, n: int) -> dt.date:
        """``WorkCalendar.add_workdays`` (the n-th working day after ``d``) memoised and by index
        into the table of working days: a million cases fall on a few thousand distinct days."""
        key = (d, n)
        day = self._memo.get(key)
        if day is None:
            day = self._memo[key] = self._add_workdays(d, n)
        return day

    def _add_workdays(self, d: dt.date, n: int) -> dt.date:
        ordinals = self._ordinals
        if n <= 0 or not ordinals or d < self.start:
            return self.cal.add_workdays(d, n)
        at = bisect_right(ordinals, d.toordinal()) + n - 1  # the n-th working day after d
        if at >= len(ordinals):
            return self.cal.add_workdays(d, n)
        return dt.date.fromordinal(ordinals[at])

    def _at(self, day: dt.date, lo: int = 8, hi: int = 18) -> dt.datetime:
        """A time of day between lo:30 and hi−1:30 (``int(random() × n)``: a million times
        cheaper than ``randint``)."""
        minutes = lo * 60 + 30 + int(self.rng.random() * ((hi - lo) * 60 - 59))
        return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)

    def _person(self) -> tuple[str, str, str]:
        """Name, the first 17 digits of a valid ID number (born 1940–2002), mobile number."""
        r = self.rng.random
        name = SURNAMES[int(r() * len(SURNAMES))] + GIVEN[int(r() * len(GIVEN))]
        if r() < 0.5:
            name += GIVEN[int(r() * len(GIVEN))]
        birth = BIRTH_FROM + int(r() * BIRTH_DAYS)
        digits = self._births.get(birth)
        if digits is None:
            digits = self._births[birth] = dt.date.fromordinal(birth).strftime("%Y%m%d")
        first17 = f"430123{digits}{int(r() * 1000):03d}"
        phone = f"1{'3578'[int(r() * 4)]}{int(r() * 1_000_000_000):09d}"
        return name, first17, phone

    def cases_of(self, village: dict, first_id: Iterator[int]) -> Iterator[tuple[dict, list[dict], dict | None]]:
        rng = self.rng
        self.serials = {}
        self.agent_name, self.agent_user = village["agent_name"], village["user_id"]
        received: list[dt.datetime] = []
        for day in self.workdays:
            n = int(self.rate) + (1 if rng.random() < self.rate - int(self.rate) else 0)
            received += [self._at(day) for _ in range(n)]
        received = sorted(r for r in received if r <= self.now)
        for at in received:
            yield self._case(village, at, next(first_id))

    def _case(self, village: dict, received_at: dt.datetime, case_id: int):
        rng = self.rng
        kind = flow.CONSULT if rng.random() < 0.25 else flow.PROXY
        item = rng.choice(self.proxy_items) if kind == flow.PROXY or rng.random() < 0.5 else None
        urgent = kind == flow.PROXY and rng.random() < 0.05
        year = received_at.year
        self.serials[year] = self.serials.get(year, 0) + 1
        name, first17, phone = self._person()
        day = received_at.date()
        # 当日受理: most cases are entered within minutes; a few (phoned in, written on paper)
        # only on the next working day (未当日登记).
        if rng.random() < 0.03 and self._add(day, 1) <= self.now.date():
            registered_at = self._at(self._add(day, 1))
        else:
            registered_at = min(received_at + dt.timedelta(minutes=rng.randint(1, 20)), self.now)
        registered_at = max(registered_at, received_at)
        promised = item["promised_days"] if item and kind == flow.PROXY else 3
        complete_by = self._add(day, promised)
        submit_by = (
            None
            if kind == flow.CONSULT
            else flow.submit_within_completion(day if urgent else self._add(day, 3), complete_by)
        )
        status = flow.initial_status(kind)
        materials = list(item["materials"]) if item and kind == flow.PROXY else []
        note = None
        if materials and rng.random() < 0.1:
            note = f"{materials.pop()}（申请人随后补交）"
        case = {
            "id": case_id,
            "case_number": flow.format_case_number(village["code"], year, self.serials[year]),
            "village_id": village["id"],
            "agent_id": village["agent_id"],
            "kind": kind,
            "service_item_id": item["id"] if item else None,
            "category_id": item["category_id"] if item else None,
            "applicant_name": name,
            "applicant_id_number": first17 + id_check_digit(first17)
            if kind == flow.PROXY or rng.random() < 0.3
            else None,
            "applicant_phone": phone,
            "channel": rng.choice(("visit", "visit", "visit", "phone", "home")),
            "urgent": urgent,
            "received_at": received_at,
            "voluntary_confirmed": kind == flow.PROXY,
            "request_text": rng.choice(CONSULT_TOPICS) if kind == flow.CONSULT else None,
            "materials_received": materials,
            "materials_note": note,
            "custody_state": "held" if materials else None,
            "fee": Decimal("0.00"),
            "receipt_number": None,
            "status": status,
            "submit_by": submit_by,
            "complete_by": complete_by,
            "due_on": flow.current_due(kind, status, submit_by, complete_by),
            "closed_at": None,
            "closed_late": False,
            "ledger_incomplete": False,
            "created_at": registered_at - dt.timedelta(hours=8),
            "registered_at": registered_at,
            "backdate_reason": None,
            "payment_received": None,
            "payment_paid": None,
            "payment_voucher": None,
            "payment_paid_on": None,
            "updated_at": registered_at - dt.timedelta(hours=8),
            "version": 1,
            **UNSET,
        }
        steps = [self._step(case, None, status, received_at, None)]
        extension = None
        if kind == flow.CONSULT:
            self._consult(case, steps)
        else:
            extension = self._proxy(case, steps, item)
        return case, steps, extension

    def _step(self, case: dict, frm, to, at, note) -> dict:
        return {
            "case_id": case["id"],
            "village_id": case["village_id"],
            "from_status": frm,
            "to_status": to,
            "at": at,
            "user_id": self.agent_user,
            "user_name": self.agent_name,
            "note": note,
        }

    def _close(self, case: dict, steps: list, to: str, at: dt.datetime, note: str | None) -> None:
        if at > self.now:
            return
        case["closed_at"] = at
        case["closed_late"] = flow.closed_late(to, at, case["due_on"])
        steps.append(self._step(case, case["status"], to, at, note))
        case["status"] = to
        if to != "voided" and self.rng.random() < 0.6:
            case["satisfaction"] = self.rng.choices((5, 4, 3, 2, 1), (55, 30, 10, 4, 1))[0]
            if case["satisfaction"] < 3:
                case["followup_note"] = self.rng.choice(FOLLOWUPS)
                case["followup_at"] = at + dt.timedelta(days=2)

    def _forgotten(self, since: dt.datetime, share: float) -> bool:
        """A recent case left lying (stays open, runs overdue) — what the to-do list is for."""
        return (self.now - since).days <= 40 and self.rng.random() < share

    def _consult(self, case: dict, steps: list) -> None:
        rng, received = self.rng, case["received_at"]
        if self._forgotten(received, 0.02):
            return
        roll = rng.random()
        late = rng.random() < 0.03
        delay = rng.randint(4, 6) if late else rng.choice((0, 0, 0, 1, 2))
        at = (
            self._at(self._add(received.date(), delay))
            if delay
            else received + dt.timedelta(minutes=rng.randint(5, 40))
        )
        if roll < 0.01:
            case["reason"] = rng.choice(VOID_REASONS)
            self._close(case, steps, "voided", received + dt.timedelta(minutes=30), case["reason"])
        elif roll < 0.22:
            case["referred_to"], case["reply_at"] = rng.choice(REFERRALS), at
            self._close(case, steps, "referred", at, f"转介单位及联系电话：{case['referred_to']}")
            if case["status"] != "referred":
                case["referred_to"] = case["reply_at"] = None
        else:
            case["answer_text"] = "已按现行政策详细解答，并告知办理渠道"
            case["reply_at"], case["reply_method"] = at, rng.choice(("visit", "phone"))
            self._close(case, steps, "answered", at, f"答复内容：{case['answer_text']}")
            if case["status"] != "answered":
                case["answer_text"] = case["reply_at"] = case["reply_method"] = None

    def _proxy(self, case: dict, steps: list, item: dict) -> dict | None:
        rng, received = self.rng, case["received_at"]
        day = received.date()
        if rng.random() < 0.01:
            case["reason"] = rng.choice(VOID_REASONS)
            self._close(case, steps, "voided", received + dt.timedelta(hours=1), case["reason"])
            return None
        if self._forgotten(received, 0.02):
            return None
        cursor = received
        if rng.random() < 0.3:  # 协办: a village cadre verifies first
            at = self._at(self._add(day, rng.choice((0, 1))))
            if at <= self.now and at >= cursor:
                case.update(verified_by=rng.choice(CADRES), verified_at=at, status="verifying")
                steps.append(self._step(case, "accepted", "verifying", at, f"核实人（村干部）：{case['verified_by']}"))
                cursor = at
        if rng.random() < 0.04:  # 不予受理 / 退回
            at = max(cursor, self._at(self._add(day, rng.choice((0, 1, 2)))))
            case["reason"] = rng.choice(REJECT_REASONS)
            if case["custody_state"]:
                case["custody_state"] = "returned"
            self._close(case, steps, "rejected", at, f"原因（已向申请人说明）：{case['reason']}")
            if case["status"] != "rejected":
                case["reason"] = None
            return None
        late_submit = rng.random() < 0.04
        room = min(3, max(item["promised_days"] - 1, 0))  # a 1-day item is submitted the same day
        sub_delay = 0 if case["urgent"] else (rng.randint(4, 6) if late_submit else rng.randint(0, room))
        sub_at = max(cursor, self._at(self._add(day, sub_delay)))
        if sub_at > self.now:
            return None
        before = case["status"]
        if before == "verifying":
            case["verify_result"] = "confirmed"
        case.update(status="submitted", submitted_at=sub_at, submitted_window=item["window"])
        if case["custody_state"]:
            case["custody_state"] = "submitted"
        case["due_on"] = flow.current_due(flow.PROXY, "submitted", case["submit_by"], case["complete_by"])
        steps.append(self._step(case, before, "submitted", sub_at, f"报送窗口：{item['window']}"))
        if self._forgotten(sub_at, 0.03):  # the window's answer never chased up
            return None
        extension = None
        if rng.random() < 0.04 and sub_at.date() <= case["complete_by"]:
            # 延期 asked before the deadline passes (an overdue case cannot be extended).
            new_due = self._add(case["complete_by"], rng.randint(3, 8))
            ext_at = max(sub_at + dt.timedelta(minutes=30), self._at(case["complete_by"]))
            if ext_at <= self.now and ext_at.date() <= case["complete_by"]:
                extension = {
                    "case_id": case["id"],
                    "village_id": case["village_id"],
                    "previous_due": case["complete_by"],
                    "new_due": new_due,
                    "reason": "窗口需县级部门会审，已向申请人说明原因",
                    "at": ext_at,
                    "user_name": self.agent_name,
                }
                case["due_on"] = new_due
        late_done = rng.random() < 0.05
        base = case["due_on"]
        if late_done:
            done_day = self._add(base, rng.randint(1, 4))
        else:
            span = max(0, (base - sub_at.date()).days)
            done_day = sub_at.date() + dt.timedelta(days=rng.randint(0, span)) if span else sub_at.date()
        reply_at = max(sub_at + dt.timedelta(hours=1), self._at(done_day))
        if reply_at > self.now:
            return extension
        case.update(
            window_result=rng.choice(WINDOW_RESULTS),
            reply_at=reply_at,
            reply_method=rng.choice(("visit", "phone", "home")),
        )
        if item["fee"] and item["fee"] > 0:
            case["fee"], case["receipt_number"] = item["fee"], f"No.{rng.randint(10_000_000, 99_999_999)}"
        if item.get("pays_on_behalf"):  # 代缴: the villager's money, never a fee
            amount = Decimal(rng.choice(("50.00", "100.00", "200.00", "380.00", "400.00")))
            case.update(
                payment_received=amount,
                payment_paid=amount,
                payment_paid_on=reply_at.date(),
                payment_voucher=f"JF{rng.randint(10_000_000, 99_999_999)}",
            )
        if case["custody_state"]:
            case["custody_state"] = "returned"
        self._close(case, steps, "completed", reply_at, f"窗口办理结果：{case['window_result']}")
        return extension


# --------------------------------------------------------------------------------------
# Writing in batches
# --------------------------------------------------------------------------------------
class Writer:
    """Generated rows in batches, written with :class:`seeds.bulk.BulkWriter` (COPY on
    PostgreSQL, executemany on SQLite), committed every ``COMMIT_EVERY`` cases."""

    def __init__(self) -> None:
        self.cases: list[dict] = []
        self.steps: list[dict] = []
        self.extensions: list[dict] = []
        start = db.session.execute(select(func.max(Case.id))).scalar() or 0
        self._ids = iter(range(start + 1, 2**31))
        self._counters: list[tuple[int, int, int]] = []
        self._uncommitted = 0
        load_settings(db.session.connection())

    def next_case_id(self) -> Iterator[int]:
        return self._ids

    def add(self, case: dict, steps: list[dict], extension: dict | None) -> None:
        self.cases.append(case)
        self.steps += steps
        if extension:
            self.extensions.append(extension)
        if len(self.cases) >= BATCH:
            self.flush()

    def counters(self, village_id: int, serials: dict[int, int]) -> None:
        self._counters += [(village_id, year, last) for year, last in serials.items()]

    def flush(self, final: bool = False) -> None:
        conn = db.session.connection()
        bulk = BulkWriter(conn)
        self._uncommitted += bulk.write(Case.__table__, self.cases)
        bulk.write(CaseTransition.__table__, self.steps)
        bulk.write(CaseExtension.__table__, self.extensions)
        self.cases, self.steps, self.extensions = [], [], []
        if final:
            self._write_counters(conn)
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('service_case', 'id'), "
                        "(SELECT COALESCE(MAX(id), 1) FROM service_case))"
                    )
                )
        if final or self._uncommitted >= COMMIT_EVERY:
            db.session.commit()
            self._uncommitted = 0
            load_settings(db.session.connection())

    def close(self) -> None:
        db.session.rollback()  # nothing uncommitted is left after a final flush
        load_settings(db.session.connection(), on=False)
        db.session.commit()

    def _write_counters(self, conn) -> None:
        table = CaseCounter.__table__
        for village_id, year, last in self._counters:
            done = conn.execute(
                table.update()
                .where(table.c.village_id == village_id, table.c.year == year)
                .where(table.c.last < last)
                .values(last=last)
            ).rowcount
            if (
                not done
                and conn.execute(
                    select(table.c.id).where(table.c.village_id == village_id, table.c.year == year)
                ).first()
                is None
            ):
                conn.execute(insert(table).values(village_id=village_id, year=year, last=last))
        self._counters = []
