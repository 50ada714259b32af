"""One way to lock a row for a write and refuse a stale edit (optimistic version, pessimistic lock), and one way
for a sweep to write many due rows without paying a commit for each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models, transaction

from husky_support.domain import Conflict

__all__ = ["COMMIT_GROUP", "apply_in_commit_groups", "lock_versioned"]

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

# Due rows a sweep writes per transaction. A commit is a WAL flush on PostgreSQL, ~10 ms on a busy machine's
# disk against ~1 ms for an item's own statements (bench/bench_dispatch_sweeps.py); 50 items hold their row
# locks for a few tens of milliseconds, which a person editing one of those rows waits out unnoticed.
COMMIT_GROUP = 50


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


def apply_in_commit_groups(items: Sequence[T], apply: Callable[[T], bool], *, group: int | None = None) -> int:
    """Run `apply` on each item, `group` items to a transaction, and count the items it returns True for.

    Each `apply` opens its own `transaction.atomic()` as it would alone; inside the group's transaction that is a
    savepoint, so an item still locks, checks and writes its row on its own. Items are taken in the order given
    (a sweep's due order): two sweeps running at once lock the same rows in the same order, so one waits for the
    other's group instead of deadlocking, then finds the rows done. An error rolls back the group it happened
    in, whose items stay due for the next run, and is raised, as it was for one item."""
    group = group or COMMIT_GROUP  # read at the call, so bench/bench_dispatch_sweeps.py can compare group sizes
    done = 0
    for start in range(0, len(items), group):
        with transaction.atomic():
            done += sum(1 for item in items[start : start + group] if apply(item))
    return done
