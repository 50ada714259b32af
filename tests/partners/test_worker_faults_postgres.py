"""Faults with a real Celery worker on Redis and PostgreSQL (CI's second run): the worker SIGKILLed in the
middle of a delivery, and two relays running at once. Nothing is lost; a receiver that deduplicates by
webhook-id processes every event exactly once. Skipped on the embedded defaults (no Redis, SQLite)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from partners.integrations import endpoints
from partners.integrations.models import DeliveryAttempt, WebhookDelivery
from partners.tasks import relay_webhooks_task
from tests.cases.factories import open_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="needs PostgreSQL and a Redis broker",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    """`worker()` starts a Celery worker on a queue of this test's own, against the test database; every
    worker started is SIGKILLed (its whole process group) when the test ends."""
    queue = f"h10-faults-{uuid.uuid4().hex[:8]}"
    started: list[subprocess.Popen] = []

    def start(concurrency: int = 1) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "husky_support.settings.test",
            "DATABASE_URL": _database_url(),
            "WEBHOOKS_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "husky_support",
                "worker",
                "-Q",
                queue,
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        return proc

    start.queue = queue
    yield start
    for proc in started:
        kill(proc)


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_for(condition, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_delivery_loses_nothing(worker, receiver, reseller_user, unit):
    endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
    receiver.script = [("sleep", 4)]  # the first attempt is still waiting for its answer when the worker dies
    open_case(reseller_user, unit, now=timezone.now())
    first = worker()
    relay_webhooks_task.apply_async(queue=worker.queue)
    wait_for(lambda: len(receiver.requests) == 1, what="the first attempt to reach the receiver")
    kill(first)  # SIGKILL: no cleanup, no result recorded
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert not DeliveryAttempt.objects.exists()

    worker()
    wait_for(lambda: delivery.next_attempt_at < timezone.now(), what="the lease to end")
    relay_webhooks_task.apply_async(queue=worker.queue)
    wait_for(lambda: WebhookDelivery.objects.get().status == "succeeded", what="the delivery to succeed")
    msg_id = delivery.event.public_id
    assert receiver.times_seen(msg_id) == 2  # at least once: the receiver saw it again with the same id
    assert list(receiver.unique_ids) == [msg_id]  # and processed it once
    assert DeliveryAttempt.objects.get().succeeded


def test_two_relays_at_once_send_each_event_once(worker, receiver, reseller_user, unit):
    endpoints.endpoint_create(actor=reseller_user, values={"url": receiver.url}, now=timezone.now())
    receiver.script = [("sleep", 0.05)] * 30  # slow enough that both relays are busy at the same time
    for _ in range(30):
        open_case(reseller_user, unit, now=timezone.now())
    worker(concurrency=2)
    relay_webhooks_task.apply_async(queue=worker.queue)
    relay_webhooks_task.apply_async(queue=worker.queue)
    wait_for(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 30, what="every delivery to succeed")
    assert len(receiver.requests) == 30
    assert len(receiver.unique_ids) == 30
    assert DeliveryAttempt.objects.count() == 30
