"""A Redis broker that goes away never fails a user's action or loses a message
(docs/rules.md "Background work"): on a Redis of the test's own, stopped while a partner escalates cases
and Dell accepts dispatches, and crashed (no append-only file) with their tasks queued. Each action answers
success and is committed once; every email (the case escalations' and Dell's accepts') and webhook
delivery it owes goes out once after Redis returns, because the redelivery sweep queues the stored rows
again and their tasks claim each row under its lock.

The counts per fault are printed (run with -s) for the issue's closing note."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseEvent
from dispatch.models import Dispatch
from husky_support import queue
from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery
from partners.notifications import services as notification_services
from partners.notifications.models import Notification
from tests.cases.factories import TeamFactory, open_case
from tests.dispatch.factories import dispatch_for
from tests.faults import in_process_worker, wait_for
from tests.partners.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker thread beside the test needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

CASES = 3
DISPATCHES = 2
# When the scene was ready: rows written after it are what the actions owe.
SCENE_DONE: list = [None]
# The sweep runs as beat would, once the rows are past their grace (a task may still be on its way before).
LATER = timedelta(minutes=10)


@pytest.fixture
def scene(reseller_user, mts_user, dell_user, unit, receiver, monkeypatch):
    """Cases at the partner's level and dispatches waiting for Dell, an endpoint of the reseller at a real
    receiver; everything their making queued is already done (nothing left over to count)."""
    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)
    second = UserFactory(username="mts-second", organisation=mts_user.organisation)
    TeamFactory(countries=["DK"]).members.add(mts_user, second)  # escalations reach the site's team
    with monkeypatch.context() as quiet:
        quiet.setattr(queue, "publish", lambda *args, **kwargs: True)
        endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
        cases = [open_case(reseller_user, unit, now=timezone.now()) for _ in range(CASES)]
        dispatches = [dispatch_for(reseller_user, mts_user, unit) for _ in range(DISPATCHES)]
    Notification.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now())
    SCENE_DONE[0] = Notification.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    WebhookDelivery.objects.all().delete()
    mail.outbox.clear()
    return {"cases": cases, "dispatches": dispatches, "partner": reseller_user, "dell": dell_user}


def act(scene, api_as) -> list[int]:
    """The partner escalates each case to MTS, Dell accepts each dispatch, through the API."""
    statuses = []
    partner, dell = api_as(scene["partner"]), api_as(scene["dell"])
    for case in scene["cases"]:
        response = partner.post(
            f"/api/v1/cases/{case.pk}/transitions/", {"action": "escalate_to_mts", "version": case.version}
        )
        statuses.append(response.status_code)
    for number, dispatch in enumerate(scene["dispatches"]):
        response = dell.post(
            f"/api/v1/dispatches/{dispatch.pk}/transitions/",
            {"action": "accept", "version": dispatch.version, "dispatch_number": f"DSP-{number}"},
        )
        statuses.append(response.status_code)
    return statuses


def committed(scene) -> int:
    """Actions committed, each exactly once (one timeline entry each)."""
    escalations = CaseEvent.objects.filter(case__in=scene["cases"], action="escalate_to_mts").count()
    assert Case.objects.filter(pk__in=[c.pk for c in scene["cases"]], state="l2_mts_queue").count() == CASES
    accepts = sum(
        Dispatch.objects.filter(pk=d.pk, state="accepted", version=d.version + 1).count() for d in scene["dispatches"]
    )  # accepted, and changed once (one version step)
    return escalations + accepts


def owed_emails() -> dict[str, str]:
    """Every immediate email row the actions wrote (the scene marked what came before as sent), by the stable
    Message-ID its email carries: the case escalations' and Dell's accepts' alike."""
    rows = Notification.objects.filter(channel="email", digest=False, created_at__gt=SCENE_DONE[0])
    return {notification_services.message_id(row.pk): f"{row.object_type}:{row.kind}" for row in rows}


def sent_emails() -> Counter:
    return Counter(message.extra_headers.get("Message-ID") for message in mail.outbox)


def drain(scene, receiver) -> dict[str, int]:
    """Run the redelivery sweep as beat would, let the worker do what it queued, and count."""
    owed = owed_emails()
    owed_hooks = {d.event.public_id for d in WebhookDelivery.objects.select_related("event")}
    assert {kind.split(":")[0] for kind in owed.values()} == {"case", "dispatch"}
    assert owed_hooks
    wait_for(
        lambda: sum(queue.redeliver_due(now=timezone.now() + LATER, limit=500).values()) > 0,
        what="the sweep to queue the stored work",
    )
    wait_for(
        lambda: (
            not Notification.objects.filter(
                channel="email", digest=False, sent_at__isnull=True, created_at__gt=SCENE_DONE[0]
            ).exists()
            and not WebhookDelivery.objects.exclude(status="succeeded").exists()
        ),
        what="every owed email and webhook to be sent",
    )
    sent = sent_emails()
    return {
        "emails_owed": len(owed),
        "dispatch_emails_owed": sum(1 for kind in owed.values() if kind.startswith("dispatch:")),
        "emails_sent": sum(1 for key in owed if sent[key]),
        "emails_duplicated": sum(sent[key] - 1 for key in owed if sent[key] > 1),
        "emails_lost": sum(1 for key in owed if sent[key] == 0),
        "webhooks_owed": len(owed_hooks),
        "webhooks_sent": sum(1 for msg_id in owed_hooks if receiver.times_seen(msg_id)),
        "webhooks_duplicated": sum(max(receiver.times_seen(m) - 1, 0) for m in owed_hooks),
        "webhooks_lost": sum(1 for msg_id in owed_hooks if not receiver.times_seen(msg_id)),
    }


def test_redis_stopped_while_partners_and_dell_act(scene, broker, receiver, api_as):
    with in_process_worker():
        broker.stop()
        statuses = act(scene, api_as)
        assert statuses == [200] * (CASES + DISPATCHES)  # each action answers its success
        assert committed(scene) == CASES + DISPATCHES
        assert mail.outbox == []  # nothing could be queued
        assert receiver.requests == []
        broker.start()
        counts = drain(scene, receiver)
    print("redis stopped:", {"actions": len(statuses), "answered_ok": statuses.count(200), **counts})
    assert counts["emails_lost"] == counts["webhooks_lost"] == 0
    assert counts["emails_duplicated"] == counts["webhooks_duplicated"] == 0
    assert counts["emails_sent"] == counts["emails_owed"]
    assert counts["webhooks_sent"] == counts["webhooks_owed"]


def test_redis_without_persistence_crashes_with_tasks_queued(scene, broker, receiver, api_as):
    statuses = act(scene, api_as)  # no worker yet: the tasks wait in Redis
    assert statuses == [200] * (CASES + DISPATCHES)
    queued = broker.queued()
    assert queued >= CASES + 1  # a notification task per escalation and the webhook relay at least
    broker.crash()
    broker.start()
    assert broker.queued() == 0  # the queue died with the process
    with in_process_worker():
        counts = drain(scene, receiver)
    print("redis crashed:", {"tasks_lost_in_crash": queued, "answered_ok": statuses.count(200), **counts})
    assert committed(scene) == CASES + DISPATCHES
    assert counts["emails_lost"] == counts["webhooks_lost"] == 0
    assert counts["emails_duplicated"] == counts["webhooks_duplicated"] == 0
    assert counts["emails_sent"] == counts["emails_owed"]
