"""The broker's Redis crashes (SIGKILL) and restarts with tasks queued and one in flight: with the append-only
file on (docker-compose.yml, README "Failure modes") the queued tasks and the unacknowledged one are read back
from the file, the worker reconnects, and every email and webhook the actions owe goes out once. The task in
flight finishes its send while Redis is away but cannot acknowledge it, so it comes back after the visibility
timeout and finds its rows sent (each claimed and marked under its lock). A real `celery worker` process,
an SMTP sink counting Message-IDs and a webhook receiver counting webhook-ids; counts printed with -s."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery
from partners.notifications import services as notification_services
from partners.notifications.models import Notification
from tests.cases.factories import open_case
from tests.faults import report, settled, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process beside the test shares a PostgreSQL database"
    ),
    pytest.mark.django_db(transaction=True),
]

CASES = 5  # escalated one by one: one email task each (and the relay woken by each event)


def test_redis_crash_with_tasks_queued_and_in_flight(
    workers, aof_broker, sink, receiver, reseller_user, mts_user, unit, nordic_team
):
    started = time.monotonic()
    since = timezone.now()
    endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
    sink.hold_at = ("data", 2)  # the second email task stays in flight at the sink
    workers()
    for _ in range(CASES):
        open_case(reseller_user, unit, escalate=True, now=timezone.now())  # each queues its email task
    wait_for(sink.holding.is_set, timeout=60, what="a task in flight")
    queued, in_flight = aof_broker.queued(), aof_broker.unacked()
    assert queued > 0
    assert in_flight == 1

    aof_broker.crash()  # SIGKILL: only what reached the append-only file survives
    aof_broker.start()
    # A process crash loses nothing written to the file (appendfsync everysec bounds a machine crash to ~1 s).
    # The worker is busy with the task in flight (solo pool), so it consumes nothing meanwhile.
    assert (aof_broker.queued(), aof_broker.unacked()) == (queued, in_flight)
    sink.release()  # the task in flight sends its email; its acknowledgement goes to the dead connection

    rows = Notification.objects.filter(channel="email", digest=False, created_at__gt=since)
    owed = [notification_services.message_id(pk) for pk in rows.values_list("pk", flat=True)]
    hooks = set(WebhookDelivery.objects.values_list("event__public_id", flat=True))
    assert len(owed) >= CASES
    assert len(hooks) >= CASES

    def done() -> bool:
        if not settled(aof_broker):
            return False
        if WebhookDelivery.objects.filter(delivered_at__isnull=True).exists():
            # beat wakes the relay every 15 s (a wake-up lost with the crash costs no delivery); here at once
            from husky_support import queue

            queue.publish("partners.tasks.relay_webhooks_task")
            return False
        return not rows.filter(sent_at__isnull=True).exists()

    wait_for(done, timeout=90, what="every email and webhook after the restart")
    hook_ids = Counter(r.headers["webhook-id"] for r in receiver.requests)
    report(
        "Redis crash + restart (append-only)",
        len(owed),
        sink.counts(),
        started,
        queued_at_crash=queued,
        in_flight_at_crash=in_flight,
        webhooks_owed=len(hooks),
        webhooks_duplicated=sum(hook_ids.values()) - len(hook_ids),
    )
    assert sink.counts() == Counter(dict.fromkeys(owed, 1))
    assert hook_ids == Counter(dict.fromkeys(hooks, 1))
