"""The dispatch workers' sweeps (docs/rules.md rules 1 and 4, and part returns). Each reads only what is due through
a partial index on its due-time, marks the row in the same transaction as its timeline entry, and so does
nothing twice when run twice. `now` comes from the task."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from dispatch import workflow as flow
from dispatch.models import Dispatch, Part
from dispatch.nbd import NbdVerdict
from dispatch.services.base import lock_dispatch, record_dispatch_event
from dispatch.services.nbd import NBD_FIELDS, announce_nbd, apply_nbd
from husky_support.locking import apply_in_commit_groups

__all__ = [
    "SWEEP_BATCH",
    "SweepResult",
    "flag_missed_nbd",
    "flag_overdue_part_returns",
    "freeze_schedules",
    "run_all",
    "send_window_reminders",
    "warn_part_returns",
]

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    name: str
    done: int
    more: bool  # the batch was full: more may be due


def _run(name: str, due: QuerySet, order: str, apply: Callable[[int, datetime], bool], now: datetime) -> SweepResult:
    pks = list(due.order_by(order).values_list("pk", flat=True)[:SWEEP_BATCH])
    done = apply_in_commit_groups(pks, lambda pk: apply(pk, now))
    return SweepResult(name=name, done=done, more=len(pks) == SWEEP_BATCH)


def _remind(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        row = lock_dispatch(pk)
        if row.window_reminder_sent_at is not None or row.state != flow.State.SCHEDULED or row.visit_start_at is None:
            return False
        row.window_reminder_sent_at = now
        row.save(update_fields=["window_reminder_sent_at"])
        record_dispatch_event(
            row,
            actor=None,
            now=now,
            action="reschedule_window_ending",
            closes_at=row.free_window_closes_at.isoformat() if row.free_window_closes_at else None,
        )
    return True


def send_window_reminders(*, now: datetime) -> SweepResult:
    """Rule 4: tell the partner two days before the free-reschedule window of a scheduled visit closes."""
    due = Dispatch.objects.filter(window_reminder_sent_at__isnull=True, window_reminder_due_at__lte=now)
    return _run("window_reminders", due, "window_reminder_due_at", _remind, now)


def _freeze(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        row = lock_dispatch(pk)
        if row.schedule_frozen_at is not None or row.state != flow.State.SCHEDULED:
            return False
        row.schedule_frozen_at = now
        row.save(update_fields=["schedule_frozen_at"])
        record_dispatch_event(row, actor=None, now=now, action="schedule_frozen")
    return True


def freeze_schedules(*, now: datetime) -> SweepResult:
    """Rule 4: once the free window closes the schedule is frozen: a change now carries the fee."""
    due = Dispatch.objects.filter(schedule_frozen_at__isnull=True, free_window_closes_at__lte=now)
    return _run("schedule_freezes", due, "free_window_closes_at", _freeze, now)


def _decide_nbd(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        row = lock_dispatch(pk)
        if row.nbd_decided_at is not None or row.nbd_missed_due_at is None:
            return False
        decided = apply_nbd(row, now)
        if row.nbd_decided_at is None:
            # docs/rules.md rule 9: a visit that started in time awaits its outcome; the outcome decides, not us.
            row.nbd_missed_due_at = None
        row.save(update_fields=list(NBD_FIELDS))
        if decided is not None and decided.verdict is NbdVerdict.MISSED:
            record_dispatch_event(
                row,
                actor=None,
                now=now,
                action="nbd_missed",
                nbd_target_on=row.nbd_target_on.isoformat() if row.nbd_target_on else None,
                nbd_miss_cause=decided.cause.value if decided.cause else None,
            )
        announce_nbd(row, decided, now)
    return True


def flag_missed_nbd(*, now: datetime) -> SweepResult:
    """docs/rules.md rule 9: when the site-local NBD target day has ended, decide the dispatches still undecided
    (met or cancelled ones were decided by their step): missed, with its cause, or awaiting a visit's outcome."""
    due = Dispatch.objects.filter(nbd_decided_at__isnull=True, nbd_missed_due_at__lte=now)
    return _run("nbd_missed", due, "nbd_missed_due_at", _decide_nbd, now)


def _part_step(field: str, action: str) -> Callable[[int, datetime], bool]:
    def apply(pk: int, now: datetime) -> bool:
        with transaction.atomic():
            part = Part.objects.select_for_update().select_related("dispatch", "dispatch__case").get(pk=pk)
            if getattr(part, field) is not None or part.returned_on is not None or part.keep_faulty:
                return False
            setattr(part, field, now)
            part.save(update_fields=[field])
            record_dispatch_event(
                part.dispatch,
                actor=None,
                now=now,
                action=action,
                part=part.pk,
                part_number=part.part_number,
                return_due_on=part.return_due_on.isoformat() if part.return_due_on else None,
            )
        return True

    return apply


def warn_part_returns(*, now: datetime) -> SweepResult:
    """Two days before a faulty part is due back, remind the partner (who hands it to the courier)."""
    due = Part.objects.filter(return_warned_at__isnull=True, returned_on=None, return_warning_due_at__lte=now)
    return _run(
        "part_return_warnings",
        due,
        "return_warning_due_at",
        _part_step("return_warned_at", "part_return_due_soon"),
        now,
    )


def flag_overdue_part_returns(*, now: datetime) -> SweepResult:
    """After the site-local due date, flag the faulty part overdue."""
    due = Part.objects.filter(return_flagged_at__isnull=True, returned_on=None, return_overdue_at__lte=now)
    return _run(
        "part_returns_overdue", due, "return_overdue_at", _part_step("return_flagged_at", "part_return_overdue"), now
    )


SWEEPS = (send_window_reminders, freeze_schedules, flag_missed_nbd, warn_part_returns, flag_overdue_part_returns)


def run_all(*, now: datetime) -> list[SweepResult]:
    return [sweep(now=now) for sweep in SWEEPS]
