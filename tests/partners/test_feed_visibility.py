"""Each organisation's events feed and webhook deliveries hold only what its visibility gate lets it see.

Dell sees a dispatched case, but of its timeline only the dispatch's rows: its feed and its webhooks carry
the dispatch's events and its fees, never the partner's comment thread with MTS (case.comment_added), the
case's transitions and their notes, nor MTS-internal notes. A reseller of another organisation gets nothing
of the case at all."""

import io
from datetime import timedelta

import pytest

from cases import services as case_services
from dispatch import services as dispatch_services
from partners.integrations import endpoints as endpoint_services
from partners.integrations.catalog import event_types, may_receive, subscribable
from partners.integrations.models import WebhookDelivery
from partners.kinds import OrgKind, Role
from tests.dispatch.factories import NOW, dispatch_for
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

PARTNER_COMMENT = "Customer asks whether the technician can come before 10:00."
INTERNAL_NOTE = "Internal: second board failure at this site this year."
TRANSITION_NOTE = "Drive failed; replace it."  # dispatch_for's note on the escalation to Dell


@pytest.fixture
def dell_admin(dell_org):
    return UserFactory(username="dell-admin", organisation=dell_org, role=Role.ADMIN.value)


@pytest.fixture
def endpoints(reseller_user, other_reseller_user, dell_admin):
    """An endpoint subscribed to every type (no list) for the reseller, another reseller and Dell."""
    return {
        user.username: endpoint_services.endpoint_create(
            actor=user, values={"url": f"https://{user.username}.example.com/hooks"}, now=NOW
        )[0]
        for user in (reseller_user, other_reseller_user, dell_admin)
    }


@pytest.fixture
def worked_dispatch(reseller_user, mts_user, dell_user, unit, endpoints):
    """A case escalated to Dell with everything on it: a partner comment, an MTS-internal note and file, Dell's
    acceptance and booking, and a late reschedule by the partner that records a fee."""
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    case = dispatch.case
    case_services.comment_create(actor=reseller_user, case=case, body=PARTNER_COMMENT, now=NOW)
    case_services.comment_create(actor=mts_user, case=case, body=INTERNAL_NOTE, internal=True, now=NOW)
    data = b"internal\n"
    case_services.attachment_create(
        actor=mts_user, case=case, name="notes.txt", size=len(data), fileobj=io.BytesIO(data), internal=True, now=NOW
    )
    start = NOW + timedelta(days=2)
    for actor, action, kwargs in [
        (dell_user, "accept", {"dispatch_number": "D-1"}),
        (
            dell_user,
            "schedule",
            {"visit_start_at": start, "visit_end_at": start + timedelta(hours=1), "past_target_reason": "Later"},
        ),
        (
            reseller_user,
            "reschedule",
            {
                "visit_start_at": start + timedelta(days=1),
                "visit_end_at": start + timedelta(days=1, hours=1),
                "accept_fee": True,
            },
        ),
    ]:
        dispatch.refresh_from_db()
        dispatch_services.dispatch_transition(
            actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=NOW, **kwargs
        )
    return dispatch


def _feed(client) -> list[dict]:
    response = client.get("/api/v1/events/?page_size=500")
    assert response.status_code == 200
    return response.json()["results"]


def _delivered_types(endpoint) -> set[str]:
    return set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event__type", flat=True))


def test_dell_s_feed_and_webhooks_hold_the_dispatch_and_its_fees_only(
    api_as, dell_user, dell_admin, endpoints, worked_dispatch
):
    feed = _feed(api_as(dell_user))
    types = {event["type"] for event in feed}
    assert types == {"dispatch.requested", "dispatch.accepted", "dispatch.scheduled", "dispatch.rescheduled"} | {
        "fee.recorded"
    }
    assert {event["object_type"] for event in feed} == {"dispatch", "fee"}
    text = str(feed)
    for secret in (PARTNER_COMMENT, INTERNAL_NOTE, TRANSITION_NOTE):
        assert secret not in text
    assert _delivered_types(endpoints["dell-admin"]) == types
    # Asked for the partner's thread by name, the feed still has none of it.
    client = api_as(dell_user)
    assert client.get("/api/v1/events/?type=case.comment_added").json()["results"] == []
    assert client.get("/api/v1/events/?object_type=case").json()["results"] == []


def test_the_partner_reads_its_comment_thread_but_never_the_internal_note(
    api_as, reseller_user, endpoints, worked_dispatch
):
    feed = _feed(api_as(reseller_user))
    comments = [event for event in feed if event["type"] == "case.comment_added"]
    assert [event["details"]["comment"]["body"] for event in comments] == [PARTNER_COMMENT]
    assert INTERNAL_NOTE not in str(feed)
    assert {"case.transitioned", "case.comment_added", "dispatch.requested", "fee.recorded"} <= {
        event["type"] for event in feed
    }
    assert {"case.comment_added", "fee.recorded"} <= _delivered_types(endpoints["reseller"])


def test_a_reseller_of_another_organisation_gets_nothing_of_it(api_as, other_reseller_user, endpoints, worked_dispatch):
    assert _feed(api_as(other_reseller_user)) == []
    assert _delivered_types(endpoints["other-reseller"]) == set()


def test_dell_receives_no_event_type_about_the_partner_s_thread():
    """The rule the outbox applies: case events never reach Dell, a dispatch's and its fees' always may;
    every other kind receives whatever its objects' audience gives it."""
    for spec in event_types():
        dell_gets = may_receive(spec.value, OrgKind.DELL)
        assert dell_gets == (not spec.value.startswith("case.")), spec
        for kind in (OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS):
            assert may_receive(spec.value, kind)


def test_the_catalogue_holds_every_app_s_types_by_topic_and_the_ping_is_not_subscribable():
    """Each app registers its own event types; the catalogue (the API's enum, the subscription form) lists them
    by topic whatever order the apps loaded in, and an endpoint can subscribe to all but the ping."""
    values = [spec.value for spec in event_types()]
    topics = [value.split(".")[0] for value in values]
    assert topics == sorted(topics)
    assert set(topics) == {"case", "dispatch", "fee", "transfer", "webhook"}
    assert values[:4] == ["case.created", "case.transitioned", "case.comment_added", "case.attachment_added"]
    assert [spec.value for spec in subscribable()] == [v for v in values if v != "webhook.ping"]
