"""webhooks/ and events/: org admins manage their own endpoints; every organisation reads only its events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.cases.factories import open_case
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def _create(client, **body):
    return client.post("/api/v1/webhooks/", {"url": "https://hooks.example.com/in", **body}, format="json")


def test_an_org_admin_registers_an_endpoint_and_sees_the_secret_once(api_as, reseller_user):
    client = api_as(reseller_user)
    answer = _create(client, description="Our ticketing", event_types=["case.created", "case.transitioned"])
    assert answer.status_code == 201
    body = answer.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["case.created", "case.transitioned"]
    shown = client.get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in shown
    assert shown["url"] == "https://hooks.example.com/in"
    assert [e["id"] for e in client.get("/api/v1/webhooks/").json()["results"]] == [body["id"]]


def test_every_problem_with_the_input_is_reported_at_once_and_nothing_is_written(api_as, reseller_user, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    answer = _create(
        api_as(reseller_user), url="http://hooks.example.com/in", event_types=["case.created", "case.exploded"]
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["fields"]["url"][0]["code"] == "https_required"
    assert body["fields"]["event_types"][0] == {
        "code": "unknown_event_type",
        "message": "Unknown event type: case.exploded.",
    }
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.5/hook", "private_address"),
        ("https://169.254.169.254/latest/meta-data/", "link_local_address"),
        ("not a url", "invalid_url"),
        ("", "required"),
    ],
)
def test_our_own_network_cannot_be_registered(api_as, reseller_user, url, code):
    answer = _create(api_as(reseller_user), url=url)
    assert answer.status_code == 400
    assert answer.json()["fields"]["url"][0]["code"] == code


def test_loopback_is_refused_in_production(api_as, reseller_user, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    answer = _create(api_as(reseller_user), url="https://127.0.0.1:8443/hook")
    assert answer.json()["fields"]["url"][0]["code"] == "loopback_address"


def test_an_agent_cannot_manage_endpoints(api_as, reseller_agent, reseller_user):
    endpoint, _ = endpoints.endpoint_create(
        actor=reseller_user, values={"url": "https://h.example.com/"}, now=timezone.now()
    )
    client = api_as(reseller_agent)
    assert _create(client).status_code == 403
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404


def test_another_organisation_s_endpoint_is_a_404_for_every_operation(
    api_as, reseller_user, other_reseller_user, mts_admin
):
    endpoint, _ = endpoints.endpoint_create(
        actor=reseller_user, values={"url": "https://h.example.com/"}, now=timezone.now()
    )
    for user in (other_reseller_user, mts_admin):  # MTS sees every case, not other organisations' integrations
        client = api_as(user)
        base = f"/api/v1/webhooks/{endpoint.pk}/"
        assert client.get(base).status_code == 404
        assert client.patch(base, {"description": "x"}, format="json").status_code == 404
        assert client.delete(base).status_code == 404
        assert client.get(base + "deliveries/").status_code == 404
        assert client.post(base + "rotate-secret/").status_code == 404
        assert client.post(base + "ping/").status_code == 404
        assert client.post(base + "redeliver/", {"since": "2026-01-01T00:00:00Z"}, format="json").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.description == ""


def test_a_stale_version_is_a_conflict_and_changes_nothing(api_as, reseller_user):
    client = api_as(reseller_user)
    created = _create(client).json()
    url = f"/api/v1/webhooks/{created['id']}/"
    assert client.patch(url, {"description": "A", "version": created["version"]}, format="json").status_code == 200
    stale = client.patch(url, {"description": "B", "version": created["version"]}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert client.get(url).json()["description"] == "A"


def test_disable_and_enable(api_as, reseller_user):
    client = api_as(reseller_user)
    created = _create(client).json()
    url = f"/api/v1/webhooks/{created['id']}/"
    off = client.patch(url, {"is_enabled": False}, format="json").json()
    assert off["is_enabled"] is False
    assert off["disabled_reason"] == "Disabled by reseller"
    on = client.patch(url, {"is_enabled": True}, format="json").json()
    assert on["is_enabled"] is True
    assert on["disabled_reason"] == ""


def test_rotating_shows_the_new_secret_once_and_when_the_old_one_stops(api_as, reseller_user):
    client = api_as(reseller_user)
    created = _create(client).json()
    rotated = client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/").json()
    assert rotated["secret"] != created["secret"]
    assert rotated["secret"].startswith("whsec_")
    assert rotated["rotation_ends_at"] is not None


def test_ping_and_the_delivery_log(api_as, reseller_user):
    client = api_as(reseller_user)
    created = _create(client).json()
    ping = client.post(f"/api/v1/webhooks/{created['id']}/ping/")
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "webhook.ping"
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/?event_type=webhook.ping").json()
    assert [d["event_type"] for d in log["results"]] == ["webhook.ping"]
    assert client.get(f"/api/v1/webhooks/{created['id']}/deliveries/?status=nonsense").status_code == 400


def test_the_delivery_log_takes_the_same_queries_whatever_its_length(
    api_as, reseller_user, unit, django_assert_max_num_queries
):
    client = api_as(reseller_user)
    created = _create(client).json()
    for _ in range(3):
        open_case(reseller_user, unit)
    url = f"/api/v1/webhooks/{created['id']}/deliveries/"
    client.get(url)
    with django_assert_max_num_queries(9) as few:
        assert len(client.get(url).json()["results"]) == 3
    for _ in range(12):
        open_case(reseller_user, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["results"]) == 15


def test_redeliver_needs_an_event_or_a_time(api_as, reseller_user):
    client = api_as(reseller_user)
    created = _create(client).json()
    url = f"/api/v1/webhooks/{created['id']}/redeliver/"
    assert client.post(url, {}, format="json").json()["code"] == "event_or_since_required"
    unknown = client.post(url, {"event_id": "evt_nope"}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_event"


def test_redeliver_since_queues_events_from_before_the_endpoint_existed(api_as, reseller_user, unit):
    case = open_case(reseller_user, unit)
    client = api_as(reseller_user)
    created = _create(client).json()
    answer = client.post(
        f"/api/v1/webhooks/{created['id']}/redeliver/", {"since": "2026-01-01T00:00:00Z"}, format="json"
    )
    assert answer.status_code == 202
    assert answer.json() == {"queued": 1, "truncated": False}
    assert WebhookDelivery.objects.get(endpoint_id=created["id"]).event.object_id == str(case.pk)


# --- the events feed -------------------------------------------------------------------------------


def test_the_feed_shows_the_organisation_s_events_oldest_first_by_cursor(api_as, reseller_user, distributor_user, unit):
    cases = [open_case(reseller_user, unit) for _ in range(3)]
    client = api_as(distributor_user)
    first = client.get("/api/v1/events/?page_size=2").json()
    assert [e["data"]["number"] for e in first["results"]] == [cases[0].number, cases[1].number]
    assert first["results"][0]["type"] == "case.created"
    assert first["results"][0]["sequence"] == 1
    rest = client.get(first["next"]).json()
    assert [e["data"]["number"] for e in rest["results"]] == [cases[2].number]
    assert rest["next"] is None


def test_the_feed_shows_nothing_of_another_reseller(api_as, reseller_user, other_reseller_user, unit):
    open_case(reseller_user, unit)
    assert api_as(other_reseller_user).get("/api/v1/events/").json()["results"] == []


def test_the_feed_filters_by_type_and_time(api_as, reseller_user, unit):
    from tests.cases.factories import NOW

    open_case(reseller_user, unit, escalate=True)
    client = api_as(reseller_user)
    types = [e["type"] for e in client.get("/api/v1/events/?type=case.transitioned").json()["results"]]
    assert types == ["case.transitioned"]
    later = (NOW + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/api/v1/events/?since={later}").json()["results"] == []
    assert client.get("/api/v1/events/?type=bogus").status_code == 400


def test_the_feed_takes_the_same_queries_whatever_the_page_size(
    api_as, reseller_user, unit, django_assert_max_num_queries
):
    for _ in range(3):
        open_case(reseller_user, unit)
    client = api_as(reseller_user)
    client.get("/api/v1/events/")
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/events/?page_size=2")
    for _ in range(10):
        open_case(reseller_user, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/events/?page_size=13").json()["results"]) == 13


def test_a_user_without_an_organisation_sees_no_events(api_as, reseller_user, unit):
    open_case(reseller_user, unit)
    loner = UserFactory(username="loner", organisation=None)
    assert api_as(loner).get("/api/v1/events/").json()["results"] == []
