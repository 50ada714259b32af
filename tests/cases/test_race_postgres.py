"""Two technicians take one case at the same moment, on PostgreSQL with real threads and connections:
exactly one wins, the other gets 409 `conflict`, and the timeline has one `take`. (An ordinary transactional
test would run both in one transaction and hide the race.)"""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cases import services
from cases.models import CaseEvent
from husky_support.domain import Conflict
from tests.cases.factories import open_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_two_technicians_take_the_same_case_at_once(reseller_user, mts_user, mts_other, unit):
    case = open_case(reseller_user, unit, escalate=True, now=timezone.now())
    seen = case.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def take(user):
        try:
            barrier.wait(timeout=10)
            services.case_transition(actor=user, case=case.pk, action="take", version=seen, now=timezone.now())
            outcomes[user.username] = "won"
        except Conflict as exc:
            outcomes[user.username] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(user,)) for user in (mts_user, mts_other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "won"]
    case.refresh_from_db()
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert case.assignee.username == winner
    assert case.version == seen + 1
    assert CaseEvent.objects.filter(case=case, action="take").count() == 1


def test_two_creations_with_one_idempotency_key_make_one_case(reseller_user, unit):
    from cases.models import Case
    from tests.cases.factories import complete_values

    barrier = threading.Barrier(2)
    results: list[int] = []

    def create():
        try:
            barrier.wait(timeout=10)
            case, _ = services.case_create(
                actor=reseller_user, now=timezone.now(), values=complete_values(unit), idempotency_key="same"
            )
            results.append(case.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    assert results[0] == results[1]
    assert Case.objects.count() == 1
