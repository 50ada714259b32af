"""The Integrations page: org admins only, their own endpoints only, every button does what it says."""

import pytest
from django.urls import reverse

from partners.integrations import endpoints
from partners.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.cases.factories import NOW, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(reseller_user):
    created, _secret = endpoints.endpoint_create(
        actor=reseller_user, values={"url": "https://hooks.example.com/in", "description": "Ticketing"}, now=NOW
    )
    return created


def test_an_agent_is_not_allowed(client, reseller_agent):
    client.force_login(reseller_agent)
    assert client.get(reverse("partners:integrations")).status_code == 403


def test_adding_an_endpoint_shows_its_secret_once(client, reseller_user):
    client.force_login(reseller_user)
    answer = client.post(
        reverse("partners:integrations"),
        {"url": "https://hooks.example.com/in", "description": "Ticketing", "event_types": ["case.created"]},
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in answer.content.decode()
    assert endpoint.event_types == ["case.created"]
    assert endpoint.secret not in client.get(reverse("partners:integrations")).content.decode()
    assert (
        endpoint.secret not in client.get(reverse("partners:integration_detail", args=[endpoint.pk])).content.decode()
    )


def test_a_refused_url_is_explained_in_the_form(client, reseller_user):
    client.force_login(reseller_user)
    answer = client.post(reverse("partners:integrations"), {"url": "https://169.254.169.254/latest/"})
    assert "link-local or metadata address" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_another_organisation_s_endpoint_is_a_404(client, other_reseller_user, endpoint):
    client.force_login(other_reseller_user)
    assert client.get(reverse("partners:integration_detail", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("partners:integration_action", args=[endpoint.pk, "delete"])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_rotate_shows_the_new_secret(client, reseller_user, endpoint):
    client.force_login(reseller_user)
    answer = client.post(reverse("partners:integration_action", args=[endpoint.pk, "rotate"]))
    endpoint.refresh_from_db()
    page = answer.content.decode()
    assert endpoint.secret in page
    assert "two signatures" in page


def test_disable_enable_ping_and_the_log(client, reseller_user, endpoint, unit):
    client.force_login(reseller_user)
    action = lambda name, **data: client.post(reverse("partners:integration_action", args=[endpoint.pk, name]), data)  # noqa: E731
    action("disable", version=endpoint.version)
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    action("enable", version=endpoint.version)
    endpoint.refresh_from_db()
    assert endpoint.is_enabled
    action("ping")
    open_case(reseller_user, unit)
    page = client.get(reverse("partners:integration_detail", args=[endpoint.pk])).content.decode()
    assert "webhook.ping" in page
    assert "case.created" in page
    filtered = client.get(reverse("partners:integration_detail", args=[endpoint.pk]), {"event_type": "webhook.ping"})
    assert "case.created</div>" not in filtered.content.decode()


def test_a_stale_edit_is_refused_and_says_why(client, reseller_user, endpoint):
    client.force_login(reseller_user)
    url = reverse("partners:integration_action", args=[endpoint.pk, "edit"])
    client.post(url, {"url": endpoint.url, "description": "First", "version": endpoint.version})
    answer = client.post(url, {"url": endpoint.url, "description": "Second", "version": endpoint.version}, follow=True)
    assert "Someone else changed this endpoint" in answer.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.description == "First"


def test_redeliver_from_the_page(client, reseller_user, endpoint, unit):
    open_case(reseller_user, unit)
    WebhookDelivery.objects.update(status="succeeded", next_attempt_at=None)
    client.force_login(reseller_user)
    answer = client.post(
        reverse("partners:integration_action", args=[endpoint.pk, "redeliver"]),
        {"since": "2026-01-01T00:00"},
        follow=True,
    )
    assert "1 event queued again" in answer.content.decode()
    assert WebhookDelivery.objects.get().status == "pending"


def test_the_delivery_log_page_takes_the_same_queries_whatever_its_length(
    client, reseller_user, endpoint, unit, django_assert_max_num_queries
):
    client.force_login(reseller_user)
    url = reverse("partners:integration_detail", args=[endpoint.pk])
    open_case(reseller_user, unit)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(10):
        open_case(reseller_user, unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
