"""The event seam: every partner-relevant change writes its event in the same transaction, to exactly the
organisations that may see the object (the visibility gate), with a per-object sequence number."""

import io
from datetime import timedelta

import pytest
from django.db import transaction

from cases import services as case_services
from cases.events import CaseEventType
from cases.selectors import cases_visible_to
from cases.workflow import Action
from dispatch.events import DispatchEventType
from partners.integrations.models import Event, EventRecipient, WebhookDelivery
from partners.integrations.outbox import record_event
from servicetags import services as tag_services
from servicetags.events import TransferEventType
from servicetags.selectors import transfers_visible_to
from tests.cases.factories import NOW, open_case
from tests.servicetags.factories import TransferFactory

pytestmark = pytest.mark.django_db


def _recipients(event: Event) -> set[int]:
    return set(EventRecipient.objects.filter(event=event).values_list("organisation_id", flat=True))


def _events(obj_type: str, obj_id) -> list[Event]:
    return list(Event.objects.filter(object_type=obj_type, object_id=str(obj_id)).order_by("sequence"))


def _comment(case, user, now):
    case_services.comment_create(actor=user, case=case, body="The customer replaced the cable.", now=now)


def _attachment(case, user, now):
    data = b"2026-03-10 12:00 raid: drive 3 failed\n"
    case_services.attachment_create(
        actor=user, case=case, name="raid.log", size=len(data), fileobj=io.BytesIO(data), now=now
    )


CASE_ACTIONS = {
    CaseEventType.CASE_CREATED: None,
    CaseEventType.CASE_TRANSITIONED: lambda case, user, now: case_services.case_transition(
        actor=user, case=case, action=Action.ESCALATE_TO_MTS, version=case.version, now=now
    ),
    CaseEventType.CASE_COMMENT_ADDED: _comment,
    CaseEventType.CASE_ATTACHMENT_ADDED: _attachment,
}


@pytest.mark.parametrize("event_type", list(CASE_ACTIONS), ids=lambda t: t.value)
def test_case_events_reach_exactly_the_organisations_that_see_the_case(event_type, org_matrix, unit):
    author = org_matrix["reseller"]
    case = open_case(author, unit)
    if (act := CASE_ACTIONS[event_type]) is not None:
        act(case, author, NOW + timedelta(minutes=5))
    event = Event.objects.filter(type=event_type, object_id=str(case.pk)).get()
    seeing = {
        user.organisation_id for user in org_matrix.values() if cases_visible_to(user).filter(pk=case.pk).exists()
    }
    assert _recipients(event) == seeing
    names = {name for name, user in org_matrix.items() if user.organisation_id in seeing}
    assert names == {"reseller", "distributor", "mts"}


TRANSFER_ACTIONS = {
    TransferEventType.TRANSFER_SUBMITTED: [],
    TransferEventType.TRANSFER_CONFIRMED: ["confirm"],
    TransferEventType.TRANSFER_REJECTED: ["reject"],
}


@pytest.mark.parametrize("event_type", list(TRANSFER_ACTIONS), ids=lambda t: t.value)
def test_transfer_events_reach_exactly_the_organisations_that_see_the_transfer(event_type, org_matrix, unit):
    transfer = TransferFactory(unit=unit)
    tag_services.transfer_submit(actor=org_matrix["reseller"], transfer=transfer, now=NOW)
    for step in TRANSFER_ACTIONS[event_type]:
        if step == "confirm":
            tag_services.transfer_confirm(actor=org_matrix["dell"], transfer=transfer, now=NOW, dell_reference="D-1")
        else:
            tag_services.transfer_reject(actor=org_matrix["dell"], transfer=transfer, reason="Wrong address", now=NOW)
    event = Event.objects.filter(type=event_type, object_id=str(transfer.pk)).get()
    seeing = {
        user.organisation_id
        for user in org_matrix.values()
        if transfers_visible_to(user).filter(pk=transfer.pk).exists()
    }
    assert _recipients(event) == seeing
    names = {name for name, user in org_matrix.items() if user.organisation_id in seeing}
    assert names == {"reseller", "distributor", "mts", "dell"}


def test_an_mts_internal_note_reaches_nobody(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    before = Event.objects.count()
    case_services.comment_create(actor=mts_user, case=case, body="Customer is difficult.", internal=True, now=NOW)
    data = b"internal\n"
    case_services.attachment_create(
        actor=mts_user, case=case, name="notes.txt", size=len(data), fileobj=io.BytesIO(data), internal=True, now=NOW
    )
    assert Event.objects.count() == before


def test_an_inactive_organisation_receives_nothing(inactive_reseller, mts_org):
    from tests.partners.factories import UserFactory

    case = open_case(UserFactory(username="closed", organisation=inactive_reseller))
    assert inactive_reseller.pk not in _recipients(
        Event.objects.get(type=CaseEventType.CASE_CREATED, object_id=str(case.pk))
    )


def test_events_of_one_object_are_numbered_in_order(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    case = case_services.case_transition(actor=mts_user, case=case, action=Action.TAKE, version=case.version, now=NOW)
    _comment(case, reseller_user, NOW)
    events = _events("case", case.pk)
    assert [(e.type, e.sequence) for e in events] == [
        ("case.created", 1),
        ("case.transitioned", 2),
        ("case.transitioned", 3),
        ("case.comment_added", 4),
    ]
    assert events[2].details["action"] == "take"
    assert events[3].details["comment"]["body"] == "The customer replaced the cable."
    other = open_case(reseller_user, unit)
    assert [e.sequence for e in _events("case", other.pk)] == [1]


def test_the_event_shows_the_case_as_the_api_does(reseller_user, unit, api_as):
    case = open_case(reseller_user, unit)
    recipient = EventRecipient.objects.get(event__type="case.created", organisation=reseller_user.organisation)
    api_view = api_as(reseller_user).get(f"/api/v1/cases/{case.pk}/").json()
    assert recipient.data == api_view


def test_a_change_that_rolls_back_leaves_no_event(reseller_user, unit):
    def crash_before_commit():
        with transaction.atomic():
            open_case(reseller_user, unit)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    assert not Event.objects.exists()
    assert not EventRecipient.objects.exists()


def test_a_refused_transition_writes_no_event(reseller_user, unit):
    case = open_case(reseller_user, unit, ppids=[])  # checklist incomplete: escalation is refused
    with pytest.raises(case_services.TransitionRefused):
        case_services.case_transition(
            actor=reseller_user, case=case, action=Action.ESCALATE_TO_MTS, version=case.version, now=NOW
        )
    assert [e.type for e in _events("case", case.pk)] == ["case.created"]


@pytest.mark.django_db(transaction=True)  # the test's own wrapping transaction would hide the mistake
def test_record_event_refuses_to_run_outside_a_transaction(reseller_user, unit):
    case = open_case(reseller_user, unit)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(type=CaseEventType.CASE_CREATED, obj=case, now=NOW)


def test_an_unregistered_object_is_refused(reseller_user):
    with pytest.raises(LookupError), transaction.atomic():
        record_event(type=CaseEventType.CASE_CREATED, obj=reseller_user, now=NOW)


def test_each_subscribed_endpoint_of_a_recipient_gets_one_pending_delivery(reseller_user, distributor_user, unit):
    from partners.integrations.endpoints import endpoint_create

    subscribed, _ = endpoint_create(
        actor=reseller_user, values={"url": "https://hooks.example.com/a", "event_types": ["case.created"]}, now=NOW
    )
    endpoint_create(
        actor=reseller_user,
        values={"url": "https://hooks.example.com/b", "event_types": ["transfer.confirmed"]},
        now=NOW,
    )
    everything, _ = endpoint_create(actor=distributor_user, values={"url": "https://erp.example.com/h"}, now=NOW)
    case = open_case(reseller_user, unit)
    deliveries = WebhookDelivery.objects.filter(event__object_id=str(case.pk))
    assert {(d.endpoint_id, d.status) for d in deliveries} == {(subscribed.pk, "pending"), (everything.pk, "pending")}


def test_a_dispatched_case_reaches_its_dell_organisation_as_dispatch_events_only(org_matrix, unit):
    """Dell sees the case it was sent, but of its timeline only the dispatch: the case's transitions and
    the partner's comments reach the partner side and MTS; Dell follows the dispatch's events."""
    from tests.dispatch.factories import NOW as DISPATCH_NOW
    from tests.dispatch.factories import dispatch_for
    from tests.partners.factories import DellFactory, UserFactory

    other_dell = UserFactory(username="dell-other", organisation=DellFactory(name="Dell Other Region"))
    users = {**org_matrix, "other dell": other_dell}
    dispatch = dispatch_for(org_matrix["reseller"], org_matrix["mts"], unit)
    case = dispatch.case
    _comment(case, org_matrix["reseller"], DISPATCH_NOW)
    seeing = {u.organisation_id for u in users.values() if cases_visible_to(u).filter(pk=case.pk).exists()}
    assert dispatch.dell_org_id in seeing
    assert other_dell.organisation_id not in seeing
    for event_type in (CaseEventType.CASE_TRANSITIONED, CaseEventType.CASE_COMMENT_ADDED):
        event = Event.objects.filter(type=event_type, object_id=str(case.pk)).order_by("sequence").last()
        assert _recipients(event) == seeing - {dispatch.dell_org_id}, event_type
    escalation = Event.objects.filter(type=CaseEventType.CASE_TRANSITIONED, object_id=str(case.pk)).last()
    assert escalation.details["action"] == "escalate_to_dell"
    requested = Event.objects.get(type=DispatchEventType.DISPATCH_REQUESTED, object_id=str(dispatch.pk))
    assert _recipients(requested) == seeing
