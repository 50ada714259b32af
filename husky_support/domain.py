"""The domain's vocabulary, below every app: one error with a kind and a stable code, and one shape for
field problems. Nothing here knows HTTP: the API's exception handler and the pages' helper map a kind to
a status or a message (husky_support/api/exceptions.py, husky_support/pages.py).

Pure modules raise `Refused(code, message)`; services raise `DomainError` or its kinds (`Invalid`,
`NotAllowed`, `NotFound`, `Conflict`); a service that collects field problems uses `FieldProblems` and
raises them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError

__all__ = [
    "Conflict",
    "DomainError",
    "ErrorKind",
    "FieldProblems",
    "Invalid",
    "NotAllowed",
    "NotFound",
    "Refused",
    "InputRefused",
    "field_problem",
    "problems_from_validation",
]


class ErrorKind(StrEnum):
    """What went wrong, in the caller's terms; the edges turn it into a status."""

    INVALID = "invalid"  # the input is wrong: fix it and send again
    NOT_ALLOWED = "not_allowed"  # this actor may not do this to something it can see
    NOT_FOUND = "not_found"  # nothing this actor may see
    CONFLICT = "conflict"  # the object's state or version refuses it now
    UNPROCESSABLE = "unprocessable"  # well formed, but contradicts an earlier request (a reused key)


class DomainError(Exception):
    """A refusal of the domain: a kind, a stable `code`, a human `message`, and `extra` facts for the
    caller (`fields`, `missing`, `reasons`, `current_version`, ...)."""

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    code: str = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        kind: ErrorKind | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if kind is not None:
            self.kind = kind  # type: ignore[misc]  # an instance may be of another kind than its class
        self.extra: dict[str, Any] = dict(extra or {})

    @property
    def fields(self) -> dict[str, Any] | None:
        """Field problems in the one shape (see `FieldProblems`), or None."""
        fields = self.extra.get("fields")
        return fields if isinstance(fields, dict) else None


class Invalid(DomainError):
    kind = ErrorKind.INVALID
    code = "invalid"


class NotAllowed(DomainError):
    kind = ErrorKind.NOT_ALLOWED
    code = "not_allowed"


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT
    code = "conflict"


class Refused(DomainError):
    """What a pure module raises when a rule refuses: the code first, as the rules name it. A refusal of
    the object's state is a conflict; pass `kind=ErrorKind.INVALID` for input the caller must correct."""

    kind = ErrorKind.CONFLICT

    def __init__(self, code: str, message: str, *, kind: ErrorKind | None = None, **extra: Any) -> None:
        super().__init__(message, code=code, kind=kind, extra=extra)


class InputRefused(Refused):
    """A pure module's refusal of its input whose code is its class's (an unknown country, a bad PPID):
    raised with the message alone."""

    kind = ErrorKind.INVALID

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(type(self).code, message, **extra)


def field_problem(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


class FieldProblems:
    """Every field problem of one write, in the one shape: `{field: [{"code", "message"}, ...]}` (a caller
    may put richer rows under a field, as an order's unit rows do). `raise_if_any()` raises them as one `Invalid`."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def add(self, field: str, code: str, message: str) -> FieldProblems:
        errors = self.fields.setdefault(field, [])
        if isinstance(errors, list):
            errors.append(field_problem(code, message))
        return self

    def merge(self, other: FieldProblems) -> FieldProblems:
        for name, errors in other.fields.items():
            if isinstance(errors, list) and isinstance(self.fields.get(name, []), list):
                self.fields.setdefault(name, []).extend(errors)
            else:
                self.fields[name] = errors
        return self

    def has(self, field: str) -> bool:
        return field in self.fields

    def first(self) -> dict[str, str]:
        return _first_problem(self.fields) or field_problem("invalid", "The input is not valid.")

    def error(self, message: str | None = None, *, code: str | None = None) -> Invalid:
        """One `Invalid` carrying every problem; its code and message are the first problem's unless given."""
        first = self.first()
        return Invalid(message or first["message"], code=code or first["code"], extra={"fields": self.fields})

    def raise_if_any(self, message: str | None = None, *, code: str | None = None) -> None:
        if self.fields:
            raise self.error(message, code=code)

    @classmethod
    def one(cls, field: str, code: str, message: str) -> FieldProblems:
        return cls().add(field, code, message)


def _first_problem(fields: Mapping[str, Any]) -> dict[str, str] | None:
    for errors in fields.values():
        if isinstance(errors, Mapping):
            found = _first_problem(errors)
            if found:
                return found
        elif errors:
            return dict(errors[0])
    return None


def problems_from_validation(exc: DjangoValidationError, *, default_field: str = NON_FIELD_ERRORS) -> FieldProblems:
    """Django's ValidationError (a model's `full_clean()`, a validator) in the one shape, codes kept."""
    problems = FieldProblems()
    as_dict: Mapping[str, Iterable[DjangoValidationError]] = (
        exc.error_dict if hasattr(exc, "error_dict") else {default_field: exc.error_list}
    )
    for field, errors in as_dict.items():
        for error in errors:
            for message in error.messages:
                problems.add(field, error.code or "invalid", message)
    return problems
