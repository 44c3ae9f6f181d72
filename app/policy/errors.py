"""The exception raised when a value breaks a rule of the policy."""

from __future__ import annotations

from typing import Any


class PolicyViolation(ValueError):
    """A value that breaks a rule of 建政发〔2022〕33号 or of the product spec.

    ``message`` is a lazy-translated string (its msgid is the Chinese text), ``field`` names
    the form/API field the message belongs to (``None`` for a whole-record problem), and
    ``code`` is a stable machine-readable reason (e.g. ``"id_check_digit"``) for callers
    and tests that must not depend on the wording.

    ``str(exc)`` renders the message: Chinese outside a request, the user's language inside one.
    """

    def __init__(self, message: Any, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"PolicyViolation({str(self.message)!r}, field={self.field!r}, code={self.code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep field/code when the exception crosses a process boundary (pickle).
        return (type(self), (str(self.message), self.field, self.code))
