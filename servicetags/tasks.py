"""Celery entry points for service tags: read the clock once and call a service."""

from celery import shared_task
from django.utils import timezone

from servicetags import services


@shared_task(name="servicetags.tasks.send_transfer_reminders_task")
def send_transfer_reminders_task() -> dict[str, int]:
    """Daily (beat): docs/rules.md rule 6 reminders and distributor hand-over; idempotent."""
    result = services.transfer_reminder_sweep(now=timezone.now())
    return {
        "reminded_units": result.reminded_units,
        "reminder_emails": result.reminder_emails,
        "assisted_units": result.assisted_units,
        "assist_emails": result.assist_emails,
    }
