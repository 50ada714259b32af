"""Notifications people can tune: the in-app list and its unread count, preferences (immediately, digest,
off), the digest at 08:00 in the user's own zone, and privacy of internal content in every channel."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from cases import services
from cases.models import CaseEvent, EventKind
from partners.models import Notification, NotificationPreference
from partners.notifications.services import send_notifications, unsent_notification_ids
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db


def ask_for_info(reseller_user, mts_user, unit, *, now):
    case = open_case(reseller_user, unit, escalate=True, now=now)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=now)
    services.comment_create(actor=mts_user, case=case, body="SECRET internal", internal=True, now=now)
    case.refresh_from_db()
    return services.case_transition(
        actor=mts_user, case=case, action="request_info", note="Send the TSR.", version=case.version, now=now
    )


def test_the_in_app_list_counts_unread_and_marks_read(api_as, reseller_user, mts_user, unit):
    ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    client = api_as(reseller_user)
    body = client.get("/api/v1/notifications/?unread=true").json()
    assert body["unread_count"] == 1
    assert body["results"][0]["text"].endswith("Request information")
    assert client.post("/api/v1/notifications/mark-read/", {}, format="json").json()["unread_count"] == 0
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_the_navigation_badge_shows_the_unread_count(client, reseller_user, mts_user, unit):
    ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    client.force_login(reseller_user)
    assert ">1<" in client.get("/cases/notifications/badge/").content.decode()


def test_in_the_portal_only_writes_no_email_but_keeps_the_in_app_row(reseller_user, mts_user, unit):
    NotificationPreference.objects.create(user=reseller_user, topic="cases", mode="in_app")
    ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    mine = Notification.objects.filter(recipient=reseller_user, kind="case.info_requested")
    assert list(mine.values_list("channel", flat=True)) == ["in_app"]


def test_off_mutes_the_topic(reseller_user, mts_user, unit):
    NotificationPreference.objects.create(user=reseller_user, topic="cases", mode="off")
    ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert not Notification.objects.filter(recipient=reseller_user, kind="case.info_requested").exists()


def test_the_digest_goes_at_0800_in_the_users_own_zone_once(api_as, reseller_user, mts_user, unit):
    response = api_as(reseller_user).patch(
        "/api/v1/me/preferences/", {"timezone": "Asia/Singapore", "topics": {"cases": "digest"}}, format="json"
    )
    assert response.json()["effective_timezone"] == "Asia/Singapore"
    reseller_user.refresh_from_db()
    ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    mail.outbox.clear()

    def sweep_and_send(now):  # what the beat and the send task do at `now`
        return send_notifications(unsent_notification_ids(now), now=now)

    assert sweep_and_send(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == 0  # 07:30 in Singapore
    assert sweep_and_send(datetime(2026, 12, 2, 0, 0, tzinfo=UTC)) == 1  # 08:00 in Singapore
    assert sweep_and_send(datetime(2026, 12, 2, 0, 30, tzinfo=UTC)) == 0  # already sent
    assert [m.to for m in mail.outbox] == [[reseller_user.email]]
    assert "SECRET" not in mail.outbox[0].body
    assert "Request information" in mail.outbox[0].body


def test_bad_preferences_are_400_with_codes_and_nothing_written(api_as, reseller_user):
    response = api_as(reseller_user).patch(
        "/api/v1/me/preferences/",
        {"timezone": "Mars/Olympus", "topics": {"gossip": "off", "cases": "carrier_pigeon"}},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["timezone"][0]["code"] == "unknown_timezone"
    assert [problem["code"] for problem in fields["topics"]] == ["unknown_topic", "unknown_mode"]
    reseller_user.refresh_from_db()
    assert reseller_user.timezone == ""
    assert not NotificationPreference.objects.exists()


def test_an_internal_event_never_appears_in_a_partners_in_app_list(api_as, reseller_user, mts_user, unit):
    case = ask_for_info(reseller_user, mts_user, unit, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    internal = CaseEvent.objects.create(case=case, kind=EventKind.SLA_BREACHED, at=case.created_at, internal=True)
    # Even a row written by mistake for a partner is not listed to them.
    Notification.objects.create(
        recipient=reseller_user,
        object_type="case",
        object_id=case.pk,
        topic="sla",
        kind="case.sla_breached",
        event_key=f"case_event:{internal.pk}",
        text=f"{case.number}: SLA breached",
        internal=True,
        channel="in_app",
        created_at=case.created_at,
    )
    texts = [r["text"] for r in api_as(reseller_user).get("/api/v1/notifications/").json()["results"]]
    assert all("SLA" not in text for text in texts)
    assert all("SECRET" not in text for text in texts)
