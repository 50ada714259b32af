"""The domain kernel: one error with a kind, one field-problem shape, one lock, one after-commit seam."""

import logging

import pytest
from django.core.exceptions import ValidationError

from husky_support import queue
from husky_support.domain import (
    Conflict,
    DomainError,
    ErrorKind,
    FieldProblems,
    Invalid,
    NotAllowed,
    Refused,
    problems_from_validation,
)


def test_every_problem_of_a_write_is_kept_in_one_shape_and_raised_once() -> None:
    problems = FieldProblems()
    problems.add("url", "invalid_url", "That is not a valid URL.")
    problems.add("event_types", "unknown_event_type", "Unknown event type: a.")
    problems.add("event_types", "unknown_event_type", "Unknown event type: b.")
    with pytest.raises(Invalid) as raised:
        problems.raise_if_any()
    error = raised.value
    assert (error.kind, error.code, error.message) == (ErrorKind.INVALID, "invalid_url", "That is not a valid URL.")
    assert error.fields == {
        "url": [{"code": "invalid_url", "message": "That is not a valid URL."}],
        "event_types": [
            {"code": "unknown_event_type", "message": "Unknown event type: a."},
            {"code": "unknown_event_type", "message": "Unknown event type: b."},
        ],
    }


def test_no_problem_raises_nothing() -> None:
    FieldProblems().raise_if_any("never said")


def test_django_validation_errors_keep_their_codes_per_field() -> None:
    exc = ValidationError(
        {"country": [ValidationError("Unknown country.", code="unknown_country")], "name": ["Required."]}
    )
    assert problems_from_validation(exc).fields == {
        "country": [{"code": "unknown_country", "message": "Unknown country."}],
        "name": [{"code": "invalid", "message": "Required."}],
    }
    flat = problems_from_validation(ValidationError("Bad.", code="bad"), default_field="file")
    assert flat.fields == {"file": [{"code": "bad", "message": "Bad."}]}


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (NotAllowed("no"), ErrorKind.NOT_ALLOWED, "not_allowed"),
        (Conflict("later"), ErrorKind.CONFLICT, "conflict"),
        (Refused("visit_started", "Too late."), ErrorKind.CONFLICT, "visit_started"),
        (Refused("note_required", "Say why.", kind=ErrorKind.INVALID), ErrorKind.INVALID, "note_required"),
        (DomainError("odd", code="x", kind=ErrorKind.NOT_FOUND), ErrorKind.NOT_FOUND, "x"),
    ],
)
def test_a_refusal_says_its_kind_and_code_and_nothing_of_http(error, kind, code) -> None:
    assert (error.kind, error.code) == (kind, code)
    assert not hasattr(error, "status_code")


def test_a_refusal_carries_its_facts_for_the_caller() -> None:
    refused = Refused("checklist_incomplete", "Complete the checklist.", missing=["ppids"])
    assert refused.extra == {"missing": ["ppids"]}


def test_a_broker_that_fails_after_the_commit_is_logged_not_raised(monkeypatch, caplog) -> None:
    task = queue._tasks()["partners.tasks.send_notifications_task"]

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(task, "apply_async", broker_down)
    logger = logging.getLogger("husky_support.queue")  # the logging config does not propagate it to root
    logger.addHandler(caplog.handler)
    try:
        assert queue.publish("partners.tasks.send_notifications_task", 41) is False
    finally:
        logger.removeHandler(caplog.handler)
    assert "partners.tasks.send_notifications_task" in caplog.text
    assert "41" in caplog.text


def test_an_unknown_task_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        queue.publish("cases.tasks.no_such_task")


@pytest.mark.django_db(transaction=True)
def test_work_is_queued_only_when_the_transaction_commits(monkeypatch) -> None:
    from django.db import transaction

    sent: list[tuple] = []
    monkeypatch.setattr(queue, "publish", lambda name, *args, **kwargs: sent.append((name, args)))

    def queue_then_fail() -> None:
        with transaction.atomic():
            queue.enqueue_after_commit("partners.tasks.relay_webhooks_task")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        queue_then_fail()
    assert sent == []
    with transaction.atomic():
        queue.enqueue_after_commit("partners.tasks.deliver_webhook_task", 7)
        assert sent == []
    assert sent == [("partners.tasks.deliver_webhook_task", (7,))]


@pytest.mark.django_db
def test_a_stale_version_is_refused_with_the_current_one(reseller_user) -> None:
    from django.utils import timezone

    from husky_support.locking import lock_versioned
    from partners.integrations.models import WebhookEndpoint

    now = timezone.now()
    endpoint = WebhookEndpoint.objects.create(
        organisation=reseller_user.organisation,
        url="https://example.com/hook",
        secret="whsec_x",
        version=3,
        created_at=now,
        updated_at=now,
    )
    assert lock_versioned(WebhookEndpoint.objects.all(), endpoint.pk, 3, noun="endpoint").pk == endpoint.pk
    assert lock_versioned(WebhookEndpoint.objects.all(), endpoint.pk, None, noun="endpoint").pk == endpoint.pk
    with pytest.raises(Conflict) as stale:
        lock_versioned(WebhookEndpoint.objects.all(), endpoint.pk, 2, noun="endpoint")
    assert stale.value.extra == {"current_version": 3}
    assert "endpoint" in stale.value.message


@pytest.mark.django_db
def test_a_sweep_commits_its_items_by_group_and_a_failure_undoes_only_its_own_group() -> None:
    """A sweep pays one commit per group of due items; an item that fails takes back the writes of its group
    (they stay due for the next run) and is raised, while the groups before it stay written."""
    from django.db import transaction

    from husky_support.locking import apply_in_commit_groups
    from partners.models import Organisation
    from tests.partners.factories import OrganisationFactory

    orgs = [OrganisationFactory(name=f"Due {n}") for n in range(5)]

    def rename(org: Organisation) -> bool:
        with transaction.atomic():
            Organisation.objects.filter(pk=org.pk).update(name=f"Done {org.pk}")
            if org.pk == orgs[3].pk:
                raise RuntimeError("the fourth item fails")
        return True

    assert apply_in_commit_groups(orgs[:3], lambda org: org.pk != orgs[1].pk, group=2) == 2
    with pytest.raises(RuntimeError):
        apply_in_commit_groups(orgs, rename, group=2)
    names = dict(Organisation.objects.filter(pk__in=[o.pk for o in orgs]).values_list("pk", "name"))
    assert [names[o.pk].split()[0] for o in orgs] == ["Done", "Done", "Due", "Due", "Due"]
