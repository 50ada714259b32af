"""One way to lock a row for a write and refuse a stale edit (optimistic version, pessimistic lock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from husky_support.domain import Conflict

__all__ = ["lock_versioned"]

M = TypeVar("M", bound=models.Model)


def lock_versioned(
    queryset: models.QuerySet[M],
    pk: Any,
    version: int | str | None,
    *,
    noun: str,
    extra: Callable[[M], dict[str, Any]] | None = None,
) -> M:
    """Lock row `pk` of `queryset` (SELECT ... FOR UPDATE of that table only) inside the caller's
    transaction and raise Conflict (code `conflict`, with `current_version` and `extra(row)`) when the
    caller's `version` is not the row's; None means the caller did not say which version it saw (a worker).
    Raises the model's DoesNotExist."""
    row = queryset.select_for_update(of=("self",)).get(pk=pk)
    if version is not None and int(version) != row.version:  # type: ignore[attr-defined]  # versioned models
        raise Conflict(
            f"Someone else changed this {noun} since you loaded it; reload it and try again.",
            code="conflict",
            extra={"current_version": row.version, **(extra(row) if extra else {})},  # type: ignore[attr-defined]
        )
    return row
