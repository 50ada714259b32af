"""Thin Celery entry points for cases: ids in, the clock read once, a service called."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from cases import breaches, rollups
from cases.models import Case
from cases.services import case_transition
from cases.workflow import Action, State
from husky_support.domain import DomainError
from husky_support.locking import apply_in_commit_groups

logger = logging.getLogger(__name__)

AUTO_CLOSE_BATCH = 500


@shared_task(name="cases.tasks.sweep_sla_breaches_task")
def sweep_sla_breaches_task() -> int:
    """Record near-breaches and breaches that fell due (cases.breaches): each once, whatever runs twice.
    Returns how many it recorded."""
    now = timezone.now()
    batch = settings.CASES_SLA_SWEEP_BATCH
    due = list(dict.fromkeys([*breaches.due_breach(now, batch), *breaches.due_near_breach(now, batch)]))
    return apply_in_commit_groups(due, lambda pk: breaches.record_sla_alert(pk, now=now) is not None)


@shared_task(name="cases.tasks.auto_close_resolved_cases_task")
def auto_close_resolved_cases_task() -> int:
    """Close cases resolved 14 days ago or more (docs/rules.md "Case states"). Reads only what is due through the
    partial index on auto_close_due_at; a case reopened meanwhile is skipped (expected_state), so running
    it twice closes nothing twice. Returns how many it closed."""
    now = timezone.now()
    due = list(
        Case.objects.filter(state=State.RESOLVED, auto_close_due_at__lte=now)
        .order_by("auto_close_due_at")
        .values_list("pk", flat=True)[:AUTO_CLOSE_BATCH]
    )
    closed = 0
    for pk in due:
        try:
            case_transition(actor=None, case=pk, action=Action.CLOSE, now=now, expected_state=State.RESOLVED)
        except DomainError as exc:  # moved on meanwhile, or not due after all: leave it
            logger.info("auto-close skipped case %s: %s", pk, exc.code)
            continue
        closed += 1
    if closed == AUTO_CLOSE_BATCH:  # more may be due: continue right away rather than in 15 minutes
        auto_close_resolved_cases_task.delay()
    return closed


@shared_task(name="cases.tasks.backlog_snapshots_task")
def backlog_snapshots_task() -> int:
    """Hourly: the reports' backlog at the end of each day that ended in a viewer's zone (cases.rollups), the
    missing days first after a downtime. Idempotent: a day counted once is never counted again."""
    return rollups.take_snapshots(now=timezone.now())
