"""Every problem of a request reported at once.

A serializer stops at its own field errors, and the lookups and rules that come after it (does this service
tag exist, is this reseller yours, is that PPID well formed) would only speak once those are fixed: one
error per round trip. `FieldErrors` gathers all three stages and raises once, in the one error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import SkipField, get_error_detail

from husky_support.domain import DomainError, ErrorKind

__all__ = ["FieldErrors"]

T = TypeVar("T")


class FieldErrors:
    """The field problems of one request, from every stage; `raise_if_any()` answers them in one 400 of the
    serializers' own shape (so nested rows stay addressed by index and field)."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def add(self, field: str, code: str, message: str) -> None:
        errors = self.fields.setdefault(field, [])
        if isinstance(errors, list):
            errors.append(ErrorDetail(message, code=code))

    def has(self, field: str) -> bool:
        return field in self.fields

    def validated(self, serializer: serializers.Serializer) -> dict[str, Any]:
        """The serializer's validated data; when some fields fail, their errors are kept and the values of
        the fields that passed come back, so the later stages can still check them."""
        if serializer.is_valid():
            return dict(serializer.validated_data)
        errors = serializer.errors
        self.fields.update(errors)
        data = getattr(serializer, "initial_data", {})
        values: dict[str, Any] = {}
        if not hasattr(data, "get"):
            return values  # not an object at all: nothing more to check
        for name, field in serializer.fields.items():
            if name in errors or field.read_only:
                continue
            try:
                values[name] = field.run_validation(field.get_value(data))
            except SkipField:
                continue
            except (serializers.ValidationError, DjangoValidationError):
                continue  # reported by is_valid() already, under this name or a nested one
        return values

    def attempt(self, check: Callable[[], T]) -> T | None:
        """Run a lookup or rule that raises DomainError (with `fields`) or Django's ValidationError; keep
        its problems instead of stopping. Returns the check's result, or None when it refused."""
        try:
            return check()
        except DomainError as exc:
            fields = exc.extra.get("fields")
            if not isinstance(fields, dict) or exc.kind is not ErrorKind.INVALID:
                raise  # not a field problem (not found, a permission, a conflict): that answer stands alone
            for name, errors in fields.items():
                for item in errors if isinstance(errors, list) else [errors]:
                    if isinstance(item, dict):
                        self.add(name, str(item.get("code", exc.code)), str(item.get("message", exc.message)))
                    else:
                        self.add(name, exc.code, str(item))
            return None
        except DjangoValidationError as exc:
            detail = get_error_detail(exc)
            if not isinstance(detail, dict):
                raise
            for name, errors in detail.items():
                for item in errors if isinstance(errors, list) else [errors]:
                    self.add(name, getattr(item, "code", None) or "invalid", str(item))
            return None

    def raise_if_any(self) -> None:
        if self.fields:
            raise serializers.ValidationError(self.fields)
