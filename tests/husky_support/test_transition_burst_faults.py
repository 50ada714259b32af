"""The database terminates connections (pg_terminate_backend, as a failover or an operator does) in the middle
of a burst of transitions: four threads escalate cases through the API at once, and when the k-th request
is before its k-th query every application backend is terminated, the other threads' wherever they are.
Each case is then either moved, with its one timeline row and its one outbox event and one version step, or
unchanged with neither (the transition, its row and its event commit in one transaction, docs/rules.md
"Case states"); each request answered 200 or 503 `database_unavailable`, never 500. A client retrying its
503s with the version it had gets 200 or 409: every case ends moved exactly once. Counts printed with -s."""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest
from django.db import connection

from cases.models import Case, CaseEvent
from husky_support import queue
from partners.integrations.models import Event
from tests.cases.factories import open_case
from tests.faults import admin_params, report

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates PostgreSQL backends"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 4
# The k-th case's request is cut before its k-th query: an escalation through the API makes 18 (the token, the
# case under its lock, routing, the UPDATE, the timeline row, the outbox event, notifications; the 18th reads
# the answer after the commit); the last six are not cut by their own thread.
CUT = 18
CASES = 24


def escalate(client, case_id: int, version: int) -> int:
    response = client.post(
        f"/api/v1/cases/{case_id}/transitions/", {"action": "escalate_to_mts", "version": version}, format="json"
    )
    if response.status_code not in (200, 409):
        assert response.status_code == 503, response.content
        assert response.json()["code"] == "database_unavailable"
    return response.status_code


def test_terminated_connections_mid_burst_leave_each_case_moved_once_or_unchanged(
    api_as, reseller_user, unit, nordic_team, monkeypatch
):
    started = time.monotonic()
    monkeypatch.setattr(queue, "publish", lambda *args, **kwargs: True)  # no broker here: only the database
    cases = {case.pk: case.version for case in (open_case(reseller_user, unit) for _ in range(CASES))}
    events_before = Counter(Event.objects.filter(object_type="case").values_list("object_id", flat=True))
    clients = [api_as(reseller_user) for _ in range(THREADS)]
    for client in clients:
        client.raise_request_exception = False  # a 500 would be an answer to count, not an exception here
    connection.close()  # the test's own connection is not one to terminate mid-burst
    admin = psycopg.connect(**admin_params(), autocommit=True)
    terminated: list[int] = []
    answers: dict[int, int] = {}
    lock = threading.Lock()

    def terminate_all() -> None:
        with lock:
            terminated.append(
                admin.execute(
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()[0]
            )

    def burst(number: int) -> None:
        from django.db import connection as own  # this thread's connection

        try:
            for k, (case_id, version) in enumerate(cases.items(), start=1):
                if k % THREADS != number:
                    continue
                seen = {"queries": 0}

                def cut(execute, sql, params, many, context, k=k, seen=seen):
                    seen["queries"] += 1
                    if seen["queries"] == k <= CUT:
                        terminate_all()
                    return execute(sql, params, many, context)

                with own.execute_wrapper(cut):
                    answers[case_id] = escalate(clients[number], case_id, version)
                own.close()  # what the end of a request does (the test client leaves it to us)
        finally:
            own.close()

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    admin.close()
    assert not any(thread.is_alive() for thread in threads)
    assert len(answers) == CASES, "every request answered (a failed assertion in a thread leaves it out)"

    def state() -> dict[str, Counter]:
        moved, unchanged, broken = Counter(), Counter(), []
        for case_id, version in cases.items():
            case = Case.objects.get(pk=case_id)
            rows = CaseEvent.objects.filter(case_id=case_id, action="escalate_to_mts").count()
            events = (
                Event.objects.filter(object_type="case", object_id=str(case_id)).count() - events_before[str(case_id)]
            )
            if (case.state, case.version, rows, events) == ("l2_mts_queue", version + 1, 1, 1):
                moved[case_id] += 1
            elif (case.version, rows, events) == (version, 0, 0):
                unchanged[case_id] += 1
            else:
                broken.append((case_id, case.state, case.version - version, rows, events))
        assert broken == [], "a case half moved: (id, state, version steps, timeline rows, outbox events)"
        return {"moved": moved, "unchanged": unchanged}

    after_burst = state()
    statuses = Counter(answers.values())
    moved_though_503 = sum(1 for pk in after_burst["moved"] if answers[pk] == 503)
    # The client retries each 503 with the version it had: 409 if that attempt had committed after all.
    retried = Counter(escalate(clients[0], pk, cases[pk]) for pk, status in answers.items() if status == 503)
    final = state()
    report(
        "terminate backends mid burst",
        CASES,
        final["moved"],
        started,
        terminations=len(terminated),
        backends_terminated=sum(terminated),
        answered_200=statuses[200],
        answered_503=statuses[503],
        unchanged_after_burst=len(after_burst["unchanged"]),
        moved_though_503=moved_though_503,
        retry_200=retried[200],
        retry_409=retried[409],
    )
    assert set(statuses) <= {200, 503}
    assert statuses[503] > 0, "the faults cut requests"
    assert len(after_burst["moved"]) + len(after_burst["unchanged"]) == CASES
    assert len(final["moved"]) == CASES, "after the retries every case moved, each once"
