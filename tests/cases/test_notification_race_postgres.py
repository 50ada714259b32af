"""Two send tasks for the same notification emails at the same moment, on PostgreSQL with real threads and
connections (a redelivery while the first worker still runs): each email goes out once, the second task
skipping the rows the first holds (SKIP LOCKED) rather than waiting to send them again."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from cases import followers, services
from partners.models import Notification
from partners.notifications import services as path
from tests.cases.factories import open_case
from tests.partners.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_two_send_tasks_at_once_send_each_email_once(reseller_user, mts_user, unit, monkeypatch):
    now = timezone.now()
    case = open_case(reseller_user, unit, escalate=True, now=now)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=now)
    people = [UserFactory(username=f"f{n}", organisation=case.reseller) for n in range(8)]
    followers.add_followers(case, people, now=now)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=now)
    ids = list(Notification.objects.filter(channel="email").values_list("pk", flat=True))
    assert len(ids) == 9
    mail.outbox.clear()
    real_send = path._send
    holding, release = threading.Event(), threading.Event()

    def slow_send(message):  # the first worker stops inside its first send, holding that row's lock
        if threading.current_thread().name == "first" and not holding.is_set():
            holding.set()
            release.wait(timeout=20)
        real_send(message)

    monkeypatch.setattr(path, "_send", slow_send)
    sent: dict[str, int] = {}

    def worker():
        try:
            sent[threading.current_thread().name] = path.send_notifications(ids, now=timezone.now())
        finally:
            connections.close_all()

    first = threading.Thread(target=worker, name="first")
    second = threading.Thread(target=worker, name="second")
    first.start()
    assert holding.wait(timeout=20)
    second.start()  # the redelivered task: it skips the held row and sends the others
    second.join(timeout=30)
    release.set()
    first.join(timeout=30)
    assert sent == {"second": 8, "first": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Notification.objects.filter(channel="email").values_list("address", flat=True)
    )
    assert not Notification.objects.filter(channel="email", sent_at__isnull=True).exists()
