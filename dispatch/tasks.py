"""Thin Celery entry points for dispatches: ids in, the clock read once, a service called."""

from celery import shared_task
from django.utils import timezone

from dispatch import sweeps


@shared_task(name="dispatch.tasks.dispatch_sweeps_task")
def dispatch_sweeps_task() -> dict[str, int]:
    """Every few minutes (beat): reschedule-window reminders and freezes, NBD missed, part returns.
    Idempotent; a full batch queues another run at once rather than waiting for the next beat."""
    results = sweeps.run_all(now=timezone.now())
    if any(result.more for result in results):
        dispatch_sweeps_task.delay()
    return {result.name: result.done for result in results}
