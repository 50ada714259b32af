"""Delivery against a real HTTP receiver on 127.0.0.1: signed, retried with backoff, logged per attempt,
never lost and never sent twice, refused for our own network."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from standardwebhooks.webhooks import Webhook

from partners.integrations import endpoints, sender
from partners.integrations import relay as relay_steps
from partners.integrations.models import DeliveryAttempt, WebhookDelivery
from tests.cases.factories import NOW, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint_and_secret(reseller_user, receiver):
    return endpoints.endpoint_create(
        actor=reseller_user, values={"url": receiver.url, "description": "Our ticketing"}, now=NOW
    )


def relay(now):
    """One pass of the relay as the task runs it, at `now`."""
    made = 0
    while ids := relay_steps.claim_due(now=now, limit=10):
        for pk in ids:
            made += relay_steps.attempt_delivery(delivery_id=pk, now=now, send=sender.send) is not None
    return made


def test_a_case_event_arrives_signed_as_standard_webhooks_specify(endpoint_and_secret, receiver, reseller_user, unit):
    endpoint, secret = endpoint_and_secret
    case = open_case(reseller_user, unit)
    assert relay(NOW) == 1
    (request,) = receiver.requests
    with time_machine.travel(NOW, tick=False):
        payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "case.created"
    assert payload["data"]["number"] == case.number
    assert payload["sequence"] == 1
    assert request.headers["webhook-id"] == payload["id"]
    assert request.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.last_status_code, delivery.delivered_at) == ("succeeded", 200, NOW)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.succeeded
    assert attempt.status_code == 200
    assert len(attempt.response_body) == 1024  # only the start of the answer is kept


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(
    endpoint_and_secret, receiver, reseller_user, unit
):
    receiver.script = [500, 503]
    open_case(reseller_user, unit)
    relay(NOW)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first_retry = delivery.next_attempt_at
    assert timedelta(seconds=24) <= first_retry - NOW <= timedelta(seconds=36)
    assert relay(NOW + timedelta(seconds=10)) == 0  # not due yet
    relay(first_retry)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at - first_retry >= timedelta(seconds=48)
    relay(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    assert [a.status_code for a in DeliveryAttempt.objects.order_by("pk")] == [500, 503, 200]
    assert len(receiver.unique_ids) == 1
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # a retry is the same message


def test_relaying_twice_sends_nothing_twice(endpoint_and_secret, receiver, reseller_user, unit):
    open_case(reseller_user, unit)
    first = relay_steps.claim_due(now=NOW, limit=10)
    second = relay_steps.claim_due(now=NOW, limit=10)  # a second relay while the first is still sending
    assert len(first) == 1
    assert second == []
    for pk in first:
        relay_steps.attempt_delivery(delivery_id=pk, now=NOW, send=sender.send)
    assert relay(NOW + timedelta(minutes=5)) == 0
    assert len(receiver.requests) == 1


def test_a_worker_killed_mid_delivery_loses_nothing(endpoint_and_secret, receiver, reseller_user, unit, settings):
    open_case(reseller_user, unit)
    assert relay_steps.claim_due(now=NOW, limit=10)  # claimed, then the worker dies before sending
    assert relay(NOW + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS - 1)) == 0  # the lease still holds
    assert relay(NOW + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)) == 1
    assert WebhookDelivery.objects.get().status == "succeeded"
    assert len(receiver.requests) == 1


def test_a_receiver_that_never_answers_times_out_and_is_retried(
    endpoint_and_secret, receiver, reseller_user, unit, settings
):
    settings.WEBHOOKS_READ_TIMEOUT_SECONDS = 1
    receiver.script = [("sleep", 3)]
    open_case(reseller_user, unit)
    relay(NOW)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error == "timeout"
    assert attempt.status_code is None
    assert attempt.duration_ms < 2900
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    relay(delivery.next_attempt_at)
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_receiver_that_hangs_up_is_retried(endpoint_and_secret, receiver, reseller_user, unit):
    receiver.script = ["hang up"]
    open_case(reseller_user, unit)
    relay(NOW)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.error.startswith("connection_failed")
    assert not attempt.succeeded
    relay(WebhookDelivery.objects.get().next_attempt_at)
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_410_gone_gives_up_and_disables_the_endpoint_and_tells_its_admins(
    endpoint_and_secret, receiver, reseller_user, unit, celery_eager, django_capture_on_commit_callbacks
):
    endpoint, _ = endpoint_and_secret
    receiver.default = 410
    open_case(reseller_user, unit)
    with django_capture_on_commit_callbacks(execute=True):
        relay(NOW)
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert "410" in endpoint.disabled_reason
    assert [m.to for m in mail.outbox] == [[reseller_user.email]]
    assert WebhookDelivery.objects.get().status == "failed"
    open_case(reseller_user, unit)  # while disabled, events wait
    assert relay(NOW + timedelta(days=1)) == 0
    assert WebhookDelivery.objects.filter(status="pending").count() == 1


def test_an_endpoint_failing_for_a_day_is_disabled_once_and_its_admins_emailed(
    endpoint_and_secret, receiver, reseller_user, unit, celery_eager, django_capture_on_commit_callbacks
):
    endpoint, _ = endpoint_and_secret
    receiver.default = 500
    open_case(reseller_user, unit)
    now = NOW
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(30):
            relay(now)
            delivery = WebhookDelivery.objects.get()
            if delivery.next_attempt_at is None:
                break
            now = delivery.next_attempt_at
            endpoint.refresh_from_db()
            if not endpoint.is_enabled:
                break
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert endpoint.consecutive_failures >= 10
    assert now - NOW >= timedelta(hours=24)
    assert [m.to for m in mail.outbox] == [[reseller_user.email]]
    assert endpoint.url in mail.outbox[0].body


def test_enabling_again_delivers_what_waited(endpoint_and_secret, receiver, reseller_user, unit):
    endpoint, _ = endpoint_and_secret
    endpoints.endpoint_update(
        actor=reseller_user, endpoint=endpoint, values={"is_enabled": False}, version=None, now=NOW
    )
    open_case(reseller_user, unit)
    assert relay(NOW) == 0
    endpoint.refresh_from_db()
    endpoints.endpoint_update(
        actor=reseller_user, endpoint=endpoint, values={"is_enabled": True}, version=None, now=NOW
    )
    assert relay(NOW + timedelta(seconds=1)) == 1
    assert len(receiver.requests) == 1


def test_during_a_rotation_deliveries_carry_both_signatures(
    endpoint_and_secret, receiver, reseller_user, unit, settings
):
    endpoint, old = endpoint_and_secret
    endpoint, new = endpoints.endpoint_rotate_secret(actor=reseller_user, endpoint=endpoint, now=NOW)
    open_case(reseller_user, unit)
    relay(NOW)
    later = NOW + timedelta(seconds=settings.WEBHOOKS_ROTATION_WINDOW_SECONDS + 1)
    open_case(reseller_user, unit)
    relay(later)
    during, after = receiver.requests
    assert len(during.headers["webhook-signature"].split()) == 2
    with time_machine.travel(NOW, tick=False):
        Webhook(old).verify(during.body, during.headers)
        Webhook(new).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split()) == 1
    with time_machine.travel(later, tick=False):
        Webhook(new).verify(after.body, after.headers)
        with pytest.raises(Exception, match="signature"):
            Webhook(old).verify(after.body, after.headers)


def test_the_destination_is_checked_again_on_every_attempt(
    endpoint_and_secret, receiver, reseller_user, unit, settings
):
    """Registered while loopback was allowed; once it is not, the attempt is refused and nothing is sent."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    open_case(reseller_user, unit)
    relay(NOW)
    attempt = DeliveryAttempt.objects.get()
    assert "loopback" in attempt.error
    assert attempt.status_code is None
    assert receiver.requests == []


def test_a_redirect_is_not_followed(endpoint_and_secret, receiver, reseller_user, unit):
    receiver.script = [302]
    open_case(reseller_user, unit)
    relay(NOW)
    assert DeliveryAttempt.objects.get().status_code == 302
    assert WebhookDelivery.objects.get().status == "pending"
    assert len(receiver.requests) == 1


def test_the_ping_reaches_a_disabled_endpoint(endpoint_and_secret, receiver, reseller_user):
    endpoint, secret = endpoint_and_secret
    endpoints.endpoint_update(
        actor=reseller_user, endpoint=endpoint, values={"is_enabled": False}, version=None, now=NOW
    )
    delivery = endpoints.endpoint_ping(actor=reseller_user, endpoint=endpoint, now=NOW)
    assert relay_steps.claim_one(delivery_id=delivery.pk, now=NOW)
    relay_steps.attempt_delivery(delivery_id=delivery.pk, now=NOW, send=sender.send, force=True)
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "webhook.ping"
    assert body["data"]["url"] == receiver.url


def test_redeliver_one_event_and_everything_since(endpoint_and_secret, receiver, reseller_user, unit):
    endpoint, _ = endpoint_and_secret
    first = open_case(reseller_user, unit)
    open_case(reseller_user, unit, now=NOW + timedelta(hours=1))
    relay(NOW + timedelta(hours=1))
    assert len(receiver.requests) == 2
    event_id = WebhookDelivery.objects.get(event__object_id=str(first.pk)).event.public_id
    assert (
        endpoints.redeliver(
            actor=reseller_user, endpoint=endpoint, now=NOW + timedelta(hours=2), event_id=event_id
        ).queued
        == 1
    )
    relay(NOW + timedelta(hours=2))
    assert receiver.times_seen(event_id) == 2  # same webhook-id: a deduplicating receiver ignores it
    result = endpoints.redeliver(actor=reseller_user, endpoint=endpoint, now=NOW + timedelta(hours=3), since=NOW)
    assert result.queued == 2
    relay(NOW + timedelta(hours=3))
    assert len(receiver.requests) == 5
    assert len(receiver.unique_ids) == 2
