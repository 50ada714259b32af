"""A worker killed with SIGKILL in the middle of each sweep and of a notification send or webhook relay loses
nothing and does nothing twice (docs/rules.md "Background work"): a real `celery worker` process on a Redis
of the test's own (append-only, as in production) and the test database, stopped at a known point inside the
task (a trigger waiting in the database, the SMTP sink or the webhook receiver holding its answer), killed,
and a new worker started. The killed task was acknowledged late and comes back after the visibility timeout
(CELERY_TASK_ACKS_LATE, CELERY_VISIBILITY_TIMEOUT, short here); each sweep claims its rows under their lock
and stamps them in the same transaction, so the rows done before the kill are not done again and the row
in flight (rolled back with the killed worker's transaction) is done once.

Counted afterwards: each due item's timeline row, each email at the SMTP sink by its Message-ID, each webhook
delivery id at the receiver. The counts per fault are printed (run with -s)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Case
from husky_support import queue
from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery
from partners.notifications import services as notification_services
from partners.notifications.models import Notification
from servicetags.models import Unit
from tests.cases.factories import open_case
from tests.faults import DbHold, admin_params, report, settled, wait_for
from tests.husky_support import fault_scenes as scenes
from tests.husky_support.fault_scenes import ITEMS, Due

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes beside the test share a PostgreSQL database"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def hold():
    """Install with hold.install(table, column); dropped at the end whatever happened."""
    made: list[DbHold] = []

    class Holds:
        def install(self, table: str, column: str) -> DbHold:
            made.append(DbHold.install(admin_params(), table, column))
            return made[-1]

    yield Holds()
    for one in made:
        one.drop()


@pytest.fixture
def quiet(monkeypatch):
    return lambda: scenes.scene_without_tasks(monkeypatch)


def owed_emails(since) -> list[str]:
    rows = Notification.objects.filter(channel="email", digest=False, created_at__gt=since)
    return [notification_services.message_id(pk) for pk in rows.values_list("pk", flat=True)]


def kill_in_the_middle(workers, broker, task_name: str, reached, *args) -> None:
    """Start a worker, queue the task, kill the worker once it is stopped at the held point, start another."""
    first = workers()
    queue.publish(task_name, *args)
    wait_for(reached, timeout=60, what=f"{task_name} to reach the held point")
    first.kill()


def sweep_and_check(workers, aof_broker, sink, hold, fault: str, due: Due) -> None:
    """The common run of the four sweeps: held at the second item's row, killed there, redone by a new
    worker; then each item has one row of the job's kind and each email its one Message-ID."""
    started = time.monotonic()
    since = timezone.now()
    held = hold.install(due.table, due.column)
    kill_in_the_middle(workers, aof_broker, due.task_name, lambda: held.waiting() > 0)
    done_at_kill = sum(due.done(item) for item in due.items)
    held.release()  # what is left of the killed worker's backend rolls back (its client is gone)
    workers()
    wait_for(lambda: all(due.done(item) >= 1 for item in due.items), timeout=60, what="every due item done")
    owed = owed_emails(since)
    wait_for(lambda: set(sink.counts()) >= set(owed) and settled(aof_broker), timeout=60, what="the emails")
    rows = Counter({item: due.done(item) for item in due.items})
    report(
        fault,
        ITEMS,
        rows,
        started,
        done_before_kill=done_at_kill,
        emails_owed=len(owed),
        emails_duplicated=sum(n - 1 for n in sink.counts().values()),
    )
    # Killed at the second item: the first was committed on its own, or is in the same group and rolled back.
    assert done_at_kill == (0 if due.grouped else 1), "killed in the middle, with the second item in flight"
    assert rows == Counter(dict.fromkeys(due.items, 1)), "each due item has exactly one row"
    assert sink.counts() == Counter(dict.fromkeys(owed, 1)), "each email sent exactly once"


def test_sla_sweep(workers, aof_broker, sink, hold, reseller_user, mts_user, unit, nordic_team, quiet):
    with quiet():
        due = scenes.sla_breaches(reseller_user, unit)
    sweep_and_check(workers, aof_broker, sink, hold, "kill mid SLA sweep", due)
    assert set(Case.objects.filter(pk__in=due.items).values_list("sla_alerted", flat=True)) == {2}


def test_auto_close(workers, aof_broker, sink, hold, reseller_user, mts_user, unit, nordic_team, quiet):
    with quiet():
        due = scenes.auto_closes(reseller_user, mts_user, unit)
    sweep_and_check(workers, aof_broker, sink, hold, "kill mid auto-close", due)
    assert set(Case.objects.filter(pk__in=due.items).values_list("state", flat=True)) == {"closed"}


def test_transfer_reminders(workers, aof_broker, sink, hold, distributor_org, quiet):
    with quiet():
        due = scenes.transfer_reminders(distributor_org)
    sweep_and_check(workers, aof_broker, sink, hold, "kill mid transfer reminders", due)
    assert not Unit.objects.filter(transfer_reminder_sent_at__isnull=True).exists()


def test_dispatch_sweeps(workers, aof_broker, sink, hold, reseller_org, reseller_user, dell_org, dell_user, quiet):
    with quiet():
        due = scenes.window_reminders(reseller_org, dell_org)
    sweep_and_check(workers, aof_broker, sink, hold, "kill mid dispatch sweeps", due)
    assert Notification.objects.filter(recipient=reseller_user, channel="email").count() == len(due.items)


@pytest.mark.parametrize(
    "hold_at",
    [("data", 2), ("mail", 2)],
    ids=["before the 2nd email is accepted", "after the 1st email was accepted and marked sent"],
)
def test_notification_send(workers, aof_broker, sink, hold_at, reseller_user, mts_user, unit, nordic_team, quiet):
    started = time.monotonic()
    since = timezone.now()
    with quiet():
        for _ in range(ITEMS):
            open_case(reseller_user, unit, escalate=True, now=timezone.now())
    rows = list(
        Notification.objects.filter(channel="email", digest=False, created_at__gt=since).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=rows).update(sent_at=None)  # `quiet` marked them: these are owed
    owed = [notification_services.message_id(pk) for pk in rows]
    assert len(owed) >= ITEMS
    sink.hold_at = hold_at
    kill_in_the_middle(workers, aof_broker, "partners.tasks.send_notifications_task", sink.holding.is_set, rows)
    sink.release()
    workers()
    wait_for(
        lambda: not Notification.objects.filter(pk__in=rows, sent_at__isnull=True).exists() and settled(aof_broker),
        timeout=60,
        what="every email row sent",
    )
    report(
        f"kill mid notification send ({hold_at[0]} {hold_at[1]})",
        len(owed),
        sink.counts(),
        started,
        dropped_at_kill=sink.dropped,
    )
    assert sink.counts() == Counter(dict.fromkeys(owed, 1))


def test_a_pool_process_killed_mid_send_gives_its_task_back_at_once(
    workers, aof_broker, sink, reseller_user, mts_user, unit, nordic_team, quiet
):
    """Production's prefork pool: the OOM killer takes the pool process, not the worker. The parent sees it
    die and puts the task back at once (CELERY_TASK_REJECT_ON_WORKER_LOST), long before the visibility
    timeout (10 minutes here), and a new pool process sends what was not sent."""
    started = time.monotonic()
    since = timezone.now()
    with quiet():
        for _ in range(ITEMS):
            open_case(reseller_user, unit, escalate=True, now=timezone.now())
    rows = list(
        Notification.objects.filter(channel="email", digest=False, created_at__gt=since).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=rows).update(sent_at=None)
    owed = [notification_services.message_id(pk) for pk in rows]
    sink.hold_at = ("data", 2)
    worker = workers(prefork=True, CELERY_VISIBILITY_TIMEOUT="600")
    queue.publish("partners.tasks.send_notifications_task", rows)
    wait_for(sink.holding.is_set, timeout=60, what="the send to reach the held email")
    (pool_process,) = worker.pool_processes()
    os.kill(pool_process, signal.SIGKILL)
    wait_for(lambda: pool_process not in worker.pool_processes(), timeout=30, what="the pool process gone")
    sink.release()  # only now: a dead process's sockets are closed when it exits, not when it is signalled
    wait_for(
        lambda: not Notification.objects.filter(pk__in=rows, sent_at__isnull=True).exists() and settled(aof_broker),
        timeout=60,
        what="every email row sent",
    )
    report("pool process killed mid notification send", len(owed), sink.counts(), started, dropped_at_kill=sink.dropped)
    assert "WorkerLostError" in worker.output()
    assert sink.counts() == Counter(dict.fromkeys(owed, 1))


def test_webhook_relay(workers, aof_broker, receiver, reseller_user, mts_user, unit, nordic_team, quiet):
    started = time.monotonic()
    with quiet():
        endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
        for _ in range(ITEMS):
            open_case(reseller_user, unit, now=timezone.now())
    deliveries = {d.event.public_id: d.pk for d in WebhookDelivery.objects.select_related("event")}
    assert len(deliveries) >= ITEMS
    reached, release = threading.Event(), threading.Event()
    receiver.script = [200, ("hold", reached, release)]
    try:
        kill_in_the_middle(workers, aof_broker, "partners.tasks.relay_webhooks_task", reached.is_set)
    finally:
        release.set()
    workers()

    def all_delivered() -> bool:
        if WebhookDelivery.objects.filter(delivered_at__isnull=True).exists():
            if settled(aof_broker):  # beat wakes the relay every 15 s; here as soon as the broker is idle
                queue.publish("partners.tasks.relay_webhooks_task")
            return False
        return settled(aof_broker)

    wait_for(all_delivered, timeout=60, what="every delivery made")
    seen = Counter(r.headers["webhook-id"] for r in receiver.requests)
    in_flight = [msg_id for msg_id, n in seen.items() if n > 1]
    answered = Counter(dict.fromkeys(seen, 1))  # the receiver answered each id once: the held answer never arrived
    report("kill mid webhook relay", len(deliveries), answered, started, resent_in_flight=len(in_flight))
    assert set(seen) == set(deliveries), "every delivery reached the receiver"
    # Only the delivery in flight at the kill (received, never answered) came again, with its same webhook-id
    # for the receiver to deduplicate; every delivery the receiver answered came once.
    assert len(in_flight) == 1
    assert seen[in_flight[0]] == 2
    assert WebhookDelivery.objects.filter(delivered_at__isnull=False).count() == len(deliveries)
