"""The audit log (SPEC §12): one generic mechanism for every audited model.

A model joins by declaring ``__audited__ = True`` (and ``__audit_masked__`` for personal
numbers, stored masked; ``__audit_skipped__`` for columns derived from others, e.g. a search key). After each flush, the new, changed and deleted rows are written
to ``audit_log`` in the same transaction: who, when, and old → new per column.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..models.audit import AuditLog
from ..models.base import VillageScoped, utcnow
from ..policy.idcard import mask_id_number
from ..policy.phone import mask_phone
from ..security import current_township_scope, current_user_or_none, unscoped

_actor: ContextVar[str | None] = ContextVar("audit_actor", default=None)
_person: ContextVar[str | None] = ContextVar("signing_person", default=None)
_SKIP = {"created_at", "updated_at", "version"}


@contextmanager
def acting_as(name: str, person: str | None = None):
    """Name the actor of changes made outside a request (CLI, seeds) — ``name`` for the audit
    log (e.g. "flask export"), ``person`` the 姓名 that signs documents as 制表人/审核人."""
    token, person_token = _actor.set(name), _person.set((person or "").strip() or None)
    try:
        yield
    finally:
        _person.reset(person_token)
        _actor.reset(token)


def actor_name(default: str = "") -> str:
    """Who is acting, as a person: the 姓名 written in every ledger, sheet and log (制表人,
    审核人, 报送人, 确认人, the 经办人 of a case's steps). The logged-in user's 姓名 (first_name —
    the project keeps last_name as a 备注名 — or the username when it is empty), else the person
    named for a CLI run (``acting_as(person=…)``), else ``default``: "" unless the caller says
    otherwise, so a signature line is left blank to sign by hand. A record that must never be
    blank passes its fallback, e.g. ``actor_name(default=_l("系统"))`` or
    ``actor_name(default=acting_account()[1])``."""
    user = current_user_or_none()
    if user is not None:
        return ((user.first_name or "").strip() or user.username)[:64]
    return (_person.get() or str(default))[:64]


def acting_account() -> tuple[int | None, str]:
    """Which account acts — not a person's name: the signed-in user's (id, login), else
    (None, the command named by ``acting_as``, e.g. "flask export", or "system"). The audit
    log's ``user_id``/``user_name`` columns record this."""
    user = current_user_or_none()
    if user is not None:
        return user.id, user.username
    return None, _actor.get() or "system"


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _mask(column: str, value):
    if value is None:
        return None
    if "id_number" in column:
        return mask_id_number(str(value))
    return mask_phone(str(value))


def _row_changes(obj, kind: str) -> dict:
    state = inspect(obj)
    masked = set(getattr(obj, "__audit_masked__", ()))
    skipped = _SKIP.union(getattr(obj, "__audit_skipped__", ()))
    changes: dict = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in skipped:
            continue
        if kind == "create":
            new = getattr(obj, key)
            if new is None:
                continue
            old = None
        elif kind == "delete":
            old, new = getattr(obj, key), None
        else:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
        if key in masked:
            old, new = _mask(key, old), _mask(key, new)
        changes[key] = [_plain(old), _plain(new)]
    return changes


def _summary(obj) -> str:
    """A readable label that needs no lazy load in the middle of a flush."""
    return _summary_of(obj.__dict__)


def _summary_of(values) -> str:
    for attr in ("case_number", "name", "title", "username", "agent_name"):
        value = values.get(attr)
        if value:
            return str(value)[:255]
    return ""


def _village_of(obj) -> int | None:
    getter = getattr(obj, "scope_village_id", None)
    return getter() if getter else None


def _township_of(obj, village_id: int | None) -> int | None:
    """A row about no village: its own township when it records one, else the acting township
    user's (what they wrote belongs to their township); None: county-wide."""
    if village_id is not None:
        return None  # read through the village (a village may move to another township)
    getter = getattr(obj, "scope_township_id", None)
    own = getter() if getter else None
    if own is None:
        sheet = getattr(obj, "sheet", None) if "sheet" in getattr(obj, "__dict__", {}) else None
        own = getattr(sheet, "township_id", None)
    return own if own is not None else current_township_scope()


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, flush_context) -> None:
    rows = []
    for kind, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if not getattr(obj, "__audited__", False):
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _row_changes(obj, kind)
            if kind == "update" and not changes:
                continue
            village_id = _village_of(obj)
            rows.append(
                {
                    "table_name": obj.__tablename__,
                    "row_id": obj.__dict__.get("id"),
                    "village_id": village_id,
                    "township_id": _township_of(obj, village_id),
                    "action": kind,
                    "changes": changes,
                    "summary": _summary(obj),
                }
            )
    if not rows:
        return
    user_id, user_name = acting_account()
    now = utcnow()
    for row in rows:
        row.update(at=now, user_id=user_id, user_name=user_name)
    session.connection().execute(insert(AuditLog.__table__), rows)


def with_defaults(model, rows: list[dict]) -> list[dict]:
    """``rows`` (attribute → value, for a bulk INSERT of ``model``) with the columns' Python-side
    defaults filled in where a row has no value — what a flush of the objects would store, and so
    what :func:`record_bulk_created` must record."""
    mapper = inspect(model)
    defaults = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        default = getattr(column, "default", None)
        if default is not None and not column.primary_key and (default.is_scalar or default.is_callable):
            defaults.append((attr.key, default))
    out = []
    for row in rows:
        row = dict(row)
        for key, default in defaults:
            if row.get(key) is None:
                row[key] = default.arg if default.is_scalar else default.arg(None)
        out.append(row)
    return out


def record_bulk_created(session: Session, model, rows: list[dict]) -> None:
    """The audit rows of new ``model`` rows written by a bulk INSERT (``session.execute(insert(
    model), rows)``), which no flush sees: each ``rows`` item has every stored value (see
    :func:`with_defaults`) and its ``id``. The same entries as :func:`_write_audit` makes for
    objects created by a flush (the columns that are not None, masked, as ``_row_changes``; the
    village and the summary as ``_village_of``, ``_township_of`` and ``_summary`` give them —
    through a transient object of the row where the model decides its village itself)."""
    if not rows or not getattr(model, "__audited__", False):
        return
    masked = set(getattr(model, "__audit_masked__", ()))
    skipped = _SKIP.union(getattr(model, "__audit_skipped__", ()))
    keys = [(a.key, a.key in masked) for a in inspect(model).column_attrs if a.key not in skipped]
    # the village is the row's own ``village_id`` unless the model says otherwise
    plain_village = getattr(model, "scope_village_id", None) is VillageScoped.scope_village_id
    entries = []
    for row in rows:
        changes = {}  # as ``_row_changes(obj, "create")``: the values that are not None
        for key, mask in keys:
            new = row.get(key)
            if new is not None:
                changes[key] = [None, _plain(_mask(key, new) if mask else new)]
        obj = None if plain_village else model(**row)
        village_id = row.get("village_id") if plain_village else _village_of(obj)
        if village_id is None and obj is None:
            obj = model(**row)
        entries.append(
            {
                "table_name": model.__tablename__,
                "row_id": row.get("id"),
                "village_id": village_id,
                "township_id": None if village_id is not None else _township_of(obj, village_id),
                "action": "create",
                "changes": changes,
                "summary": _summary_of(row),
            }
        )
    user_id, user_name = acting_account()
    now = utcnow()
    for entry in entries:
        entry.update(at=now, user_id=user_id, user_name=user_name)
    session.connection().execute(insert(AuditLog.__table__), entries)


def record_access_denied(user, village_id: int, method: str, path: str, status: int) -> None:
    """An out-of-scope or missing record requested by a village user (SPEC §1: logged)."""
    from ..extensions import db

    user_id, user_name = user.id, user.username
    with unscoped():
        db.session.rollback()
        db.session.execute(
            insert(AuditLog.__table__).values(
                at=utcnow(),
                user_id=user_id,
                user_name=user_name,
                action="denied",
                table_name="-",
                village_id=village_id,
                changes={"method": method, "path": path[:200], "status": status},
                summary=f"{method} {path}"[:255],
            )
        )
        db.session.commit()


def record_event(
    action: str,
    table_name: str,
    *,
    summary: str,
    changes: dict,
    row_id: int | None = None,
    village_id: int | None = None,
    account: str | None = None,
) -> None:
    """An audited event that is not a row change (a login lock, its lifting, a full-number
    export), in the caller's transaction: who (the request's account, else ``account``), when, what."""
    from ..extensions import db

    user_id, user_name = acting_account()
    if account and user_id is None:
        user_name = account
    db.session.execute(
        insert(AuditLog.__table__).values(
            at=utcnow(),
            user_id=user_id,
            user_name=user_name,
            action=action,
            table_name=table_name,
            row_id=row_id,
            village_id=village_id,
            township_id=None if village_id is not None else current_township_scope(),
            changes=changes,
            summary=summary[:255],
        )
    )
