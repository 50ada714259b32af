"""The database drops a worker's connection in the middle of a task (pg_terminate_backend, as a failover or
an operator does): the task is retried with backoff (husky_support.celery.HuskyTask) and every email goes
out, none lost; only a task killed between sending an email and marking it sent sends that one again.
Then the web side: after the database terminated every connection, the next requests succeed.

The counts are printed (run with -s) for the issue's closing note."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest
from celery import signals
from django.core import mail
from django.db import connection
from django.utils import timezone

from husky_support import dbpool, queue
from partners.notifications.models import Notification
from tests.cases.factories import TeamFactory, open_case
from tests.faults import in_process_worker, wait_for
from tests.partners.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates PostgreSQL backends"),
    pytest.mark.django_db(transaction=True),
]

EVENTS = 7  # one escalation each, killed at its task's 1st, 2nd, ... 7th query


def _admin_params() -> dict:
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(key, None)
    return params


def _terminate(pid: int) -> None:
    """Terminate one backend from a connection of our own and wait until it is gone."""
    with psycopg.connect(**_admin_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@pytest.fixture
def kill_at_query():
    """On its first attempt, the notification task of the i-th event loses its database connection just
    before its i-th query (counted on the worker thread's connection)."""
    from django.db import connection as worker_connection  # the worker thread's own, resolved per thread

    kill_points: dict[int, int] = {}
    killed: list[tuple[int, str]] = []

    def install(sender=None, task_id=None, task=None, args=None, **kwargs):
        if task.name != "partners.tasks.send_notifications_task" or task.request.retries:
            return
        event_id = args[0][0]  # the batch of one case's email rows, known by its first row
        seen = {"n": 0}

        def wrapper(execute, sql, params, many, context):
            seen["n"] += 1
            if seen["n"] == kill_points.get(event_id):
                killed.append((event_id, sql.split()[0]))
                _terminate(context["connection"].connection.info.backend_pid)
            return execute(sql, params, many, context)

        worker_connection.execute_wrappers.append(wrapper)

    def uninstall(sender=None, task=None, **kwargs):
        worker_connection.execute_wrappers.clear()

    signals.task_prerun.connect(install, weak=False)
    signals.task_postrun.connect(uninstall, weak=False)
    yield kill_points, killed
    signals.task_prerun.disconnect(install)
    signals.task_postrun.disconnect(uninstall)


def test_a_worker_losing_its_database_connection_mid_task_sends_each_email(
    broker, kill_at_query, reseller_user, mts_user, unit, monkeypatch
):
    kill_points, killed = kill_at_query
    second = UserFactory(username="mts-second", organisation=mts_user.organisation)
    TeamFactory(countries=["DK"]).members.add(mts_user, second)  # escalations reach the site's team
    with monkeypatch.context() as quiet:  # the tasks are queued below, one per event, with their kill point
        quiet.setattr(queue, "publish", lambda *args, **kwargs: True)
        cases = [open_case(reseller_user, unit, now=timezone.now(), escalate=True) for _ in range(EVENTS)]
    rows = Notification.objects.filter(
        object_type="case", object_id__in=[case.pk for case in cases], channel="email", digest=False
    )
    owed = Counter(row.address for row in rows)
    batches: dict[int, list[int]] = {}
    for row in rows.order_by("pk"):
        batches.setdefault(row.object_id, []).append(row.pk)
    assert len(batches) == EVENTS
    for point, ids in enumerate(batches.values(), start=1):
        kill_points[ids[0]] = point
        assert queue.publish("partners.tasks.send_notifications_task", ids)

    with in_process_worker():
        wait_for(lambda: not rows.filter(sent_at__isnull=True).exists(), what="every email row to be marked sent")

    sent = Counter(to for message in mail.outbox for to in message.to)
    by_row = Counter((to, message.subject) for message in mail.outbox for to in message.to)
    counts = {
        "tasks": EVENTS,
        "connections_killed": len(killed),
        "emails_owed": sum(owed.values()),
        "emails_sent": len(by_row),
        "emails_duplicated": sum(n - 1 for n in by_row.values()),
        "emails_lost": sum(owed.values()) - len(by_row),
        "killed_at": Counter(statement for _, statement in killed),
    }
    print("db connection terminated mid-task:", counts)
    assert len(killed) == EVENTS  # every task lost its connection once
    assert counts["emails_lost"] == 0
    assert set(sent) == set(owed)
    # Sent twice only when the kill fell between the send and the UPDATE marking it sent; never more.
    assert max(by_row.values()) <= 2
    message_ids = Counter(message.extra_headers["Message-ID"] for message in mail.outbox)
    assert len(message_ids) == sum(owed.values())  # one Message-ID per row: a duplicate carries its row's id
    assert counts["emails_duplicated"] <= counts["killed_at"]["UPDATE"]


@pytest.fixture
def pooled(settings):
    """The default connection through the production pool options (the test settings turn the pool off):
    each request takes a connection from the pool and gives it back at its end."""
    options = connection.settings_dict["OPTIONS"]
    connection.close()
    options["pool"] = {**settings.DATABASE_POOL_OPTIONS, "min_size": 3, "max_size": 3}
    health_checks = connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True  # as production
    yield
    connection.close()
    connection.close_pool()
    options.pop("pool")
    connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks


def test_after_the_database_terminates_every_connection_the_next_requests_succeed(pooled, reseller_user, unit):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(reseller_user)
    case = open_case(reseller_user, unit, now=timezone.now())

    def request() -> int:
        status = client.get(f"/api/v1/cases/{case.pk}/").status_code
        connection.close()  # what the end of a request does: the connection goes back to the pool
        return status

    assert [request() for _ in range(5)] == [200] * 5
    assert connection.pool._check is dbpool.check_connection  # installed when the pool made its first connection
    with psycopg.connect(**_admin_params(), autocommit=True) as admin:
        terminated = admin.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    statuses = [request() for _ in range(30)]
    print("db backends terminated under the web pool:", {"terminated": terminated, **Counter(statuses)})
    assert terminated >= 3  # the pool's connections were among them
    assert statuses == [200] * 30  # the pool's check hands out a live connection, never a dead one
