"""Two `celery beat` processes started by mistake (production runs exactly one, README "Deploy") send every
scheduled job twice; two worker processes run the copies side by side. Each job claims its rows under their
lock and stamps them in the same transaction (docs/rules.md "Background work"), so every due item is still
done once: one timeline row per case or dispatch, one reminder per reseller, one email per Message-ID at the
SMTP sink, one request per webhook-id at the receiver. Real processes on a Redis of the test's own; the
beats send each job every second (tests/fault_worker_settings.py) until each has sent each job several
times. Counts printed with -s."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery
from partners.notifications import services as notification_services
from partners.notifications.models import Notification
from tests.faults import report, settled, wait_for
from tests.husky_support import fault_scenes as scenes

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="beat and worker processes beside the test share PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

SENDS = 3  # each beat sends each job at least this often before the count


def sent_jobs(log: str) -> Counter:
    return Counter(re.findall(r"Sending due task (\S+) ", log))


def test_two_beats_do_each_job_once(
    workers,
    aof_broker,
    sink,
    receiver,
    monkeypatch,
    reseller_org,
    reseller_user,
    mts_user,
    distributor_org,
    dell_org,
    dell_user,
    unit,
    nordic_team,
):
    started = time.monotonic()
    with scenes.scene_without_tasks(monkeypatch):
        endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
        due = [
            scenes.sla_breaches(reseller_user, unit),
            scenes.auto_closes(reseller_user, mts_user, unit),
            scenes.transfer_reminders(distributor_org),
            scenes.window_reminders(reseller_org, dell_org),
            scenes.monthly_reports(distributor_org),
            scenes.backlog_snapshots(reseller_user, unit),
        ]
    since = timezone.now()
    # Every scheduled job has its due work here (a job added to the schedule must be added to this test).
    covered = {d.task_name for d in due} | {"partners.tasks.relay_webhooks_task", "husky_support.redeliver_task"}
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} == covered
    hooks_before = set(WebhookDelivery.objects.values_list("event__public_id", flat=True))
    assert hooks_before  # the scene's own events: the relay owes them

    beats = [workers(beat=True, wait=False, HUSKY_FAULT_BEAT_EVERY="1") for _ in range(2)]
    for process in [workers(wait=False), workers(wait=False), *beats]:  # started side by side
        process.wait_ready()
    jobs = set(settings.CELERY_BEAT_SCHEDULE)
    wait_for(
        lambda: all(all(sent_jobs(b.output())[job] >= SENDS for job in jobs) for b in beats),
        timeout=60,
        what=f"both beats to send every job {SENDS} times",
    )
    for beat in beats:
        beat.kill()
    sends = sum(sum(sent_jobs(b.output()).values()) for b in beats)

    emails = Notification.objects.filter(channel="email", digest=False, created_at__gt=since)
    wait_for(
        lambda: (
            settled(aof_broker)
            and all(d.done(item) for d in due for item in d.items)
            and not emails.filter(sent_at__isnull=True).exists()
            and not WebhookDelivery.objects.filter(delivered_at__isnull=True).exists()
        ),
        timeout=60,
        what="the workers to finish",
    )
    owed = [notification_services.message_id(pk) for pk in emails.values_list("pk", flat=True)]
    hooks = set(WebhookDelivery.objects.values_list("event__public_id", flat=True))
    rows = Counter({(d.task_name, item): d.done(item) for d in due for item in d.items})
    hook_ids = Counter(r.headers["webhook-id"] for r in receiver.requests)
    report(
        "two beats",
        len(rows),
        rows,
        started,
        jobs_sent=sends,
        emails_owed=len(owed),
        emails_duplicated=sum(n - 1 for n in sink.counts().values()),
        webhooks_owed=len(hooks),
        webhooks_duplicated=sum(n - 1 for n in hook_ids.values()),
    )
    assert rows == Counter(dict.fromkeys(rows, 1)), "each due item done once"
    assert owed
    assert sink.counts() == Counter(dict.fromkeys(owed, 1)), "each email once"
    assert hook_ids == Counter(dict.fromkeys(hooks, 1)), "each webhook once"
