"""Domain errors raised by services; views, API and CLI turn them into messages."""

from __future__ import annotations


class DomainError(Exception):
    status = 422

    def __init__(self, message=None, errors: dict | None = None):
        self.errors: dict[str, list[str]] = {
            k: [str(m) for m in v] for k, v in (errors or {}).items()
        }
        self.message = str(message) if message is not None else "；".join(
            m for msgs in self.errors.values() for m in msgs
        )
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"message": self.message, "errors": self.errors}


class ValidationFailed(DomainError):
    """Bad input: one or more fields, each with Chinese messages."""

    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The record changed since the user loaded it (concurrent edit) or a state clash."""

    status = 409
