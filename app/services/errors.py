"""Domain errors raised by services; views, API and CLI turn them into messages."""

from __future__ import annotations


class DomainError(Exception):
    status = 422

    def __init__(self, message=None, errors: dict | None = None):
        self.errors: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (errors or {}).items()}
        self.message = (
            str(message) if message is not None else "；".join(m for msgs in self.errors.values() for m in msgs)
        )
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"message": self.message, "errors": self.errors}


class ValidationFailed(DomainError):
    """Bad input: one or more fields, each with Chinese messages."""

    status = 422

    @classmethod
    def of(cls, *problems, field: str | None = None) -> ValidationFailed:
        """The one adapter from a policy rule's refusals (``PolicyViolation``) to a 422: each
        message under ``field``, else under the violation's own field, else the whole record."""
        errors: dict[str, list] = {}
        for problem in problems:
            key = field or getattr(problem, "field", None) or "__all__"
            errors.setdefault(key, []).append(getattr(problem, "message", problem))
        return cls(errors=errors)


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The record changed since the user loaded it (concurrent edit) or a state clash."""

    status = 409


def from_database_error(exc: BaseException) -> DomainError | None:
    """The 4xx a database refusal stands for, or None when it is a real fault.

    One adapter for every entry point: a concurrent write of the same version (the row's
    version moved on: ``StaleDataError``), a clash with a row written at the same moment
    (``IntegrityError``), a lock held by a concurrent writer, a value the column cannot hold."""
    from flask_babel import lazy_gettext as _l
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        return Conflict(_l("该记录已被其他人修改，请刷新页面后重新编辑"))
    if isinstance(exc, IntegrityError):
        return Conflict(_l("与同时提交的其他记录冲突，请刷新后重试"))
    if isinstance(exc, OperationalError) and any(
        s in str(exc.orig).lower()
        for s in ("database is locked", "deadlock detected", "could not serialize", "lock timeout")
    ):
        return Conflict(_l("记录正被其他人同时修改，请稍后重试"))
    if isinstance(exc, DataError):
        return ValidationFailed(_l("输入的值超出允许的范围或格式不正确"))
    return None
