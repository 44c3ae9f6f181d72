"""代办事项 / 受理登记 — one record per request, “一事一记” (policy §五, SPEC §5)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    func,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..policy.case_flow import CLOSED_STATUSES, OPEN_STATUSES  # noqa: F401 — the case flow's (one home)
from ..policy.search_keys import NAME_KEY_LENGTH, name_key, number_key
from .agent import Agent
from .base import Model, Money, Timestamped, VillageScoped, utcnow
from .catalog import ServiceItem
from .enums import CASE_KINDS, CASE_STATUSES, label
from .search import BIGRAMS_DDL, SearchKey
from .village import Village


def new_rating_token() -> str:
    """The case's unguessable token of its 好差评 page (/public/rate/<token>, issue 14 §1)."""
    return secrets.token_urlsafe(16)


def _registered_default(context) -> dt.datetime | None:
    return context.get_current_parameters().get("received_at")


def _name_key_default(context) -> str:
    """The search key of a row inserted without the ORM (Core bulk inserts of the demo and imports)."""
    return name_key(context.get_current_parameters().get("applicant_name"))


#: The open cases as a partial index's WHERE (migration 0017): literal values, so that a query
#: written with the same literals (``services.cases.open_literal_clause``) can use the index on
#: SQLite, whose planner matches a partial index only against literal terms.
OPEN_CASES_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))

#: pg_trgm lives in ``public`` (migration 0009), whatever the connection's search_path.
TRGM_OPS = "public.gin_trgm_ops"


def code_point_string(length: int) -> String:
    """A string compared in code-point order on both engines (SQLite's BINARY; ``COLLATE "C"``
    on PostgreSQL), so that a prefix is a range over a plain b-tree index."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class CaseCounter(Model):
    """Last case number issued per village and year (row-locked while numbering)."""

    __tablename__ = "case_counter"
    __table_args__ = (UniqueConstraint("village_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Case(Timestamped, VillageScoped, Model):
    __tablename__ = "service_case"
    __audited__ = True
    __audit_masked__ = ("applicant_id_number", "applicant_phone")
    __audit_skipped__ = ("applicant_name_key",)
    __table_args__ = (
        Index("ix_case_village_received", "village_id", "received_at"),
        Index("ix_case_status_due", "status", "due_on"),
        Index("ix_case_village_status_due", "village_id", "status", "due_on"),
        # newest first: the order's tie-break and the township's scope (village) in the index —
        # a deep page of the township's list walks it reading no table row (migration 0022)
        Index("ix_case_received", "received_at", "id", "village_id"),
        Index("ix_case_applicant_name", "applicant_name"),
        Index("ix_case_village_registered", "village_id", "registered_at"),
        # 台账检索 (issue 11): the name's prefix range, covering a list's scope (village), order
        # and id — page and count read no table row (migration 0020); “contains” through
        # pg_trgm on PostgreSQL (on SQLite an empty partial index: nothing to keep up).
        Index("ix_case_applicant_name_key", "applicant_name_key", "village_id", "received_at", "id"),
        # a list by status in the ledger's order (status = 办结: most rows) — no sort of all of them;
        # with the village and the deadline, SQLite's open-case counts read no table row (0023)
        Index("ix_case_status_received", "status", "received_at", "id", "village_id", "due_on"),
        # 待办 (issue 11): the open cases only — a few thousand of a million — in the to-do
        # order, for the township and (village first) for a village's own list; with what the
        # dashboards read of the open cases past their deadline, they read no table row (0025)
        Index(
            "ix_case_open_due",
            "due_on",
            "received_at",
            "id",
            "village_id",
            "closed_late",
            "kind",
            "status",
            sqlite_where=text(OPEN_CASES_SQL),
            postgresql_where=text(OPEN_CASES_SQL),
        ),
        Index(
            "ix_case_open_village_due",
            "village_id",
            "due_on",
            "received_at",
            "id",
            "status",
            sqlite_where=text(OPEN_CASES_SQL),
            postgresql_where=text(OPEN_CASES_SQL),
        ),
        # “contains” a two-character part of a name (建国: no trigram) on PostgreSQL: the GIN
        # index of the key's two-character pieces (migration 0021; not on SQLite, which scans)
        Index(
            "ix_case_applicant_name_bigrams",
            func.bm_name_bigrams(text("applicant_name_key")),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_case_applicant_name_trgm",
            "applicant_name_key",
            postgresql_using="gin",
            postgresql_ops={"applicant_name_key": TRGM_OPS},
            sqlite_where=text("0"),
        ),
    )
    __search_keys__ = {
        "applicant_name": SearchKey("applicant_name_key", name_key, contains=True, bigrams=True),
        "case_number": SearchKey("case_number", number_key),
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(code_point_string(20), unique=True, nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False)
    village: Mapped[Village] = relationship(Village, lazy="joined", innerjoin=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    agent: Mapped[Agent | None] = relationship(Agent, lazy="joined")
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), index=True)
    service_item: Mapped[ServiceItem | None] = relationship(ServiceItem, lazy="joined")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_category.id"), index=True)

    applicant_name: Mapped[str] = mapped_column(String(30), nullable=False)
    # policy.search_keys.name_key(applicant_name), kept by _keep_name_key / _name_key_default
    applicant_name_key: Mapped[str | None] = mapped_column(
        code_point_string(NAME_KEY_LENGTH), default=_name_key_default
    )
    applicant_id_number: Mapped[str | None] = mapped_column(String(18))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="visit")
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    # 第五条（一）2 当日受理: when the case was entered (township time, server clock); the
    # reason is required when received_at lies further back than MAX_BACKDATE_WORKDAYS.
    # services.cases.create_case always sets it from the clock; rows written without the service
    # (fixtures, bulk imports of an old ledger) fall back to their received time.
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_registered_default)
    backdate_reason: Mapped[str | None] = mapped_column(Text)
    voluntary_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    request_text: Mapped[str | None] = mapped_column(Text)

    materials_received: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    materials_note: Mapped[str | None] = mapped_column(Text)
    custody_state: Mapped[str | None] = mapped_column(String(10))

    verified_by: Mapped[str | None] = mapped_column(String(30))  # 协办: village cadre
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verify_result: Mapped[str | None] = mapped_column(Text)
    submitted_window: Mapped[str | None] = mapped_column(String(60))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    window_result: Mapped[str | None] = mapped_column(Text)
    reply_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reply_method: Mapped[str | None] = mapped_column(String(10))
    answer_text: Mapped[str | None] = mapped_column(Text)  # 咨询: 答复内容
    referred_to: Mapped[str | None] = mapped_column(String(120))  # 咨询: 转介单位/电话
    reason: Mapped[str | None] = mapped_column(Text)  # 不予受理/退回/作废 的原因
    fee: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    receipt_number: Mapped[str | None] = mapped_column(String(40))
    # 第四条9 代缴 (never a fee, 第三条5): the villager's money received and paid on their behalf
    payment_received: Mapped[Decimal | None] = mapped_column(Money)
    payment_paid: Mapped[Decimal | None] = mapped_column(Money)
    payment_voucher: Mapped[str | None] = mapped_column(String(60))  # the payee's receipt/voucher number
    payment_paid_on: Mapped[dt.date | None] = mapped_column(Date)  # handed over to the payee
    # The old 代办员登记 evaluation (kept for old rows); the applicant's own rating is CaseRating.
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    # 好差评: set for every new row, whoever writes it (service, demo generator, import).
    rating_token: Mapped[str] = mapped_column(String(32), unique=True, nullable=False, default=new_rating_token)
    followup_note: Mapped[str | None] = mapped_column(Text)  # 回访 record
    followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ledger_incomplete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(12), nullable=False)
    submit_by: Mapped[dt.date | None] = mapped_column(Date)
    complete_by: Mapped[dt.date | None] = mapped_column(Date)
    # The deadline the case is measured against now (submit-by until 报送, then the
    # complete-by including extensions); stored so lists filter and sort by it.
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Closed after its deadline — fixed at closing time.
    closed_late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    transitions: Mapped[list[CaseTransition]] = relationship(
        "CaseTransition", back_populates="case", order_by="CaseTransition.at", lazy="select"
    )
    extensions: Mapped[list[CaseExtension]] = relationship(
        "CaseExtension", back_populates="case", order_by="CaseExtension.id", lazy="select"
    )

    @validates("applicant_name")
    def _keep_name_key(self, _attr, value):
        self.applicant_name_key = name_key(value)
        return value

    # -- deadline predicates as SQL, so lists filter/sort/count without Python loops --
    @classmethod
    def open_clause(cls):
        return cls.status.in_(OPEN_STATUSES)

    @classmethod
    def overdue_clause(cls, today: dt.date):
        """Open past its deadline, or closed after it (SPEC §5)."""
        return or_(cls.closed_late.is_(True), and_(cls.status.in_(OPEN_STATUSES), cls.due_on < today))

    def is_overdue(self, today: dt.date) -> bool:
        if self.closed_late:
            return True
        return self.is_open and self.due_on is not None and self.due_on < today

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def kind_label(self) -> str:
        return label(CASE_KINDS, self.kind)

    @property
    def status_label(self) -> str:
        return label(CASE_STATUSES, self.status)

    def __repr__(self) -> str:
        return self.case_number


event.listen(
    Case.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public").execute_if(dialect="postgresql"),
)
event.listen(Case.__table__, "before_create", DDL(BIGRAMS_DDL).execute_if(dialect="postgresql"))


class CaseTransition(VillageScoped, Model):
    """每个状态变化都留痕: who, when, from → to, note."""

    __tablename__ = "case_transition"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), nullable=False, index=True)
    case: Mapped[Case] = relationship(Case, back_populates="transitions")
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    user_name: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class CaseExtension(VillageScoped, Model):
    """延期: new date, the reason told to the applicant, who — kept, never overwritten."""

    __tablename__ = "case_extension"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), nullable=False, index=True)
    case: Mapped[Case] = relationship(Case, back_populates="extensions")
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), nullable=False, index=True)
    previous_due: Mapped[dt.date | None] = mapped_column(Date)
    new_due: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    user_name: Mapped[str | None] = mapped_column(String(64))
