"""A reseller admin connects its ticketing system: adds an endpoint, copies the secret, sends a test event,
sees a failed attempt and its retry in the delivery log, filters the log and disables the endpoint."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from partners.integrations import relay, sender
from partners.integrations.models import WebhookDelivery
from tests.browser.conftest import screenshot
from tests.browser.support import settle
from tests.cases.factories import open_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _relay_now():
    now = timezone.now()
    for delivery in WebhookDelivery.objects.filter(status="pending"):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)  # retries are due for the demo
    while ids := relay.claim_due(now=now, limit=10):
        for pk in ids:
            relay.attempt_delivery(delivery_id=pk, now=now, send=sender.send)


def _ping_now():
    now = timezone.now()
    for delivery in WebhookDelivery.objects.filter(status="pending", event__type="webhook.ping"):
        relay.claim_one(delivery_id=delivery.pk, now=now)
        relay.attempt_delivery(delivery_id=delivery.pk, now=now, send=sender.send, force=True)


def test_connect_a_ticketing_system(live_server, page, sign_in, reseller_user, unit, receiver, console):
    sign_in("reseller", PASSWORD)
    page.get_by_role("button", name=re.compile("reseller")).click()
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("Our ServiceDesk")
    page.get_by_role("checkbox", name=re.compile(r"^case\.created ")).check()
    page.get_by_role("checkbox", name=re.compile(r"^case\.transitioned ")).check()
    page.get_by_role("button", name="Add endpoint").click()
    secret_box = page.get_by_label("Signing secret")
    expect(secret_box).to_have_value(re.compile(r"^whsec_"))
    secret = secret_box.input_value()
    screenshot(page, "integrations-list")

    page.get_by_role("link", name=receiver.url).click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_role("alert")).to_contain_text("webhook.ping event is on its way")
    settle(page)
    _ping_now()
    (ping,) = receiver.requests
    assert Webhook(secret).verify(ping.body, ping.headers)["type"] == "webhook.ping"

    receiver.script = [500]  # the ticketing system has a bad moment, then recovers
    open_case(reseller_user, unit, now=timezone.now(), escalate=True)
    _relay_now()
    _relay_now()
    page.reload()
    log = page.get_by_role("table")
    expect(log).to_contain_text("HTTP 500")
    expect(log).to_contain_text("case.transitioned")
    expect(log.get_by_text("Delivered")).to_have_count(3)
    screenshot(page, "integrations-endpoint")

    page.get_by_label("Event type").select_option("webhook.ping")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)

    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("alert")).to_contain_text("The endpoint was disabled")
    expect(page.locator(".badge", has_text="Disabled")).to_be_visible()
    expect(page.get_by_role("button", name="Enable")).to_be_visible()
