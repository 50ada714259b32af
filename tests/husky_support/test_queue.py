"""The after-commit seam and the redelivery sweep (husky_support/queue.py), and the retry policy every task
shares (husky_support/celery.py), on the embedded defaults: no broker needed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from husky_support import queue
from husky_support.celery import TRANSIENT_ERRORS, HuskyTask, app
from partners.notifications.models import Notification
from tests.cases.factories import TeamFactory, open_case


class Broker:
    """Stands in for apply_async: records what was published, or refuses like a broker that is down."""

    def __init__(self, monkeypatch, *, down: bool = False):
        self.down = down
        self.calls: list[tuple[str, tuple]] = []
        tasks = queue._tasks()
        for name in tasks:
            monkeypatch.setattr(tasks[name], "apply_async", self._publisher(name), raising=False)

    def _publisher(self, name):
        def apply_async(args=(), kwargs=None, **options):
            self.calls.append((name, tuple(args)))
            if self.down:
                raise OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return apply_async


@pytest.fixture(autouse=True)
def _no_pause():
    queue._broker_down_until[0] = 0.0
    yield
    queue._broker_down_until[0] = 0.0


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_after_the_commit_keeps_the_change_and_logs_the_task(monkeypatch, caplog):
    broker = Broker(monkeypatch, down=True)
    with transaction.atomic():
        queue.enqueue_after_commit("partners.tasks.send_notifications_task", [41])
    assert broker.calls == [("partners.tasks.send_notifications_task", ([41],))]
    assert "Could not queue partners.tasks.send_notifications_task args=([41],)" in caplog.text


def test_after_a_failure_the_process_skips_the_broker_for_a_moment(monkeypatch, settings):
    settings.HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS = 60
    broker = Broker(monkeypatch, down=True)
    assert queue.publish("partners.tasks.relay_webhooks_task") is False
    assert queue.publish("partners.tasks.relay_webhooks_task") is False
    assert len(broker.calls) == 1  # the second publish did not wait on the broker again


def test_an_unknown_task_name_raises_at_once():
    with pytest.raises(KeyError):
        queue.publish("cases.tasks.no_such_task")


@pytest.mark.django_db
def test_the_sweep_requeues_unsent_notification_emails_once_past_their_grace(
    monkeypatch, reseller_user, mts_user, unit
):
    broker = Broker(monkeypatch)
    TeamFactory(countries=["DK"]).members.add(mts_user)  # an escalation reaches the team serving the site
    now = timezone.now()
    case = open_case(reseller_user, unit, now=now, escalate=True)
    emails = Notification.objects.filter(object_type="case", object_id=case.pk, channel="email", digest=False)
    assert emails.exists()
    broker.calls.clear()

    assert queue.redeliver_due(now=now, limit=100)["notifications"] == 0  # its own task may still be on its way
    later = now + timedelta(minutes=3)
    assert queue.redeliver_due(now=later, limit=100)["notifications"] == 1
    assert ("partners.tasks.send_notifications_task", (sorted(emails.values_list("pk", flat=True)),)) in broker.calls

    emails.update(sent_at=later)
    broker.calls.clear()
    assert queue.redeliver_due(now=later, limit=100) == {"webhook-deliveries": 0, "notifications": 0}
    assert broker.calls == []  # nothing due, nothing queued


@pytest.mark.django_db
def test_the_sweep_stops_an_entry_at_the_first_refusal_and_a_batched_entry_queues_once(monkeypatch):
    broker = Broker(monkeypatch, down=True)
    monkeypatch.setattr(queue, "_REDELIVERIES", {})
    queue.register_redelivery("rows", "partners.tasks.deliver_webhook_task", lambda now, limit: [1, 2, 3])
    queue.register_redelivery("relay", "partners.tasks.relay_webhooks_task", lambda now, limit: [7, 8], batched=True)
    assert queue.redeliver_due(now=timezone.now(), limit=10) == {"rows": 0, "relay": 0}
    assert broker.calls == [
        ("partners.tasks.deliver_webhook_task", (1,)),  # then it stopped: the broker is still down
        ("partners.tasks.relay_webhooks_task", ()),
    ]
    broker.down = False
    broker.calls.clear()
    assert queue.redeliver_due(now=timezone.now(), limit=10) == {"rows": 3, "relay": 1}
    assert [args for _, args in broker.calls] == [(1,), (2,), (3,), ()]


def test_every_task_of_the_project_retries_database_and_broker_errors():
    project = [name for name in queue.registered_task_names() if not name.startswith("celery.")]
    assert "husky_support.redeliver_task" in project
    for name in project:
        task = app.tasks[name]
        assert isinstance(task, HuskyTask), name
        assert set(TRANSIENT_ERRORS) <= set(task.autoretry_for), name
        assert task.retry_backoff
        assert 0 < task.max_retries <= 10
        assert task.retry_backoff_max < app.conf.broker_transport_options.get("visibility_timeout", 600)
