"""Case emails whose task was lost (a broker down at commit time, a Redis that lost its queue, a worker
killed): listed for husky_support.queue's redelivery sweep, registered in CasesConfig.ready()."""

from __future__ import annotations

from datetime import datetime, timedelta

from cases.models import Notification, NotificationChannel

# A row still unsent this long after it was written lost its task; younger ones are left to their task.
UNSENT_GRACE = timedelta(minutes=2)


def due_event_emails(now: datetime, limit: int) -> list[int]:
    """Ids of the case events with immediate email rows unsent past the grace, oldest first (the partial
    index notification_unsent_idx). The task sends each event's unsent rows under their locks."""
    events = (
        Notification.objects.filter(
            channel=NotificationChannel.EMAIL, sent_at__isnull=True, digest=False, created_at__lte=now - UNSENT_GRACE
        )
        .order_by("created_at")
        .values_list("event_id", flat=True)[:limit]
    )
    return list(dict.fromkeys(events))
