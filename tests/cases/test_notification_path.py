"""The one notification path (partners.notifications) as cases use it: rows written in the change's
transaction with a constant number of queries, one send task that sends each email once with a stable
Message-ID, the visibility gate asked again at send time, retries on database errors, the redelivery
sweep's ids, mentions, and the API's filters and mark-read."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import followers, services
from partners.models import Notification
from partners.notifications import services as path
from partners.tasks import send_notifications_task
from tests.cases.factories import open_case
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def escalated_and_taken(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True, now=NOW)
    return services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=NOW)


def queries_of_a_public_reply(case, mts_user, count):
    """The queries notify() makes for one public reply with `count` followers: (other queries, inserts)."""
    people = [UserFactory(username=f"follower-{count}-{n}", organisation=case.reseller) for n in range(count)]
    followers.add_followers(case, people, now=NOW)
    with CaptureQueriesContext(connection) as writing:
        path.notify(
            "case.comment",
            case,
            actor=mts_user,
            now=NOW,
            event_key=f"measure:{count}",
            text=f"{case.number}: new reply",
        )
    assert Notification.objects.filter(event_key=f"measure:{count}", channel="in_app").count() == count + 1
    sql = [query["sql"] for query in writing.captured_queries]
    inserts = [q for q in sql if q.startswith('INSERT INTO "partners_notification"')]
    return len(sql) - len(inserts), len(inserts)


def insert_batches(rows):
    """How many INSERT statements the database needs for `rows` notifications (PostgreSQL: one; SQLite
    splits by its limit on query parameters)."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    per_batch = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    return -(-rows // per_batch)


def test_the_notifications_of_one_event_take_the_same_queries_for_1_and_50_followers(
    reseller_user, mts_user, unit, reseller_org, capsys
):
    one = queries_of_a_public_reply(escalated_and_taken(reseller_user, mts_user, unit), mts_user, 1)
    many = queries_of_a_public_reply(open_case(reseller_user, unit, escalate=True, now=NOW), mts_user, 50)
    with capsys.disabled():
        print(f"\n{connection.vendor}: notify() for 1 follower: {sum(one)} queries {one}; for 50: {sum(many)} {many}")
    # The people with their modes in one query; the rows (in-app and email for the opener and each follower)
    # in one bulk insert, split only where the database limits the parameters of one statement.
    assert one[0] == many[0] == 1
    assert one[1] == insert_batches(2 * 2) == 1
    assert many[1] == insert_batches(2 * 51)


def test_the_send_task_run_twice_sends_each_email_once_with_a_stable_message_id(
    reseller_user, reseller_agent, mts_user, unit, django_capture_on_commit_callbacks
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    followers.add_followers(case, [reseller_agent], now=NOW)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.comment_create(actor=mts_user, case=case, body="Replace the drive in bay 3.", now=NOW)
    assert len(queued) == 1  # one task for the event's emails, queued after the commit
    ids = list(Notification.objects.filter(channel="email").values_list("pk", flat=True))
    assert len(ids) == 2  # the opener (an admin) and the follower
    mail.outbox.clear()
    assert send_notifications_task(ids) == 2
    assert send_notifications_task(ids) == 0  # run twice, or redelivered: nothing twice
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reseller_user.email, reseller_agent.email])
    first = {m.to[0]: m.extra_headers["Message-ID"] for m in mail.outbox}
    assert set(first.values()) == {path.message_id(pk) for pk in ids}
    assert "Replace the drive in bay 3." in mail.outbox[0].body
    # A worker killed between sending and marking sends once more: the same Message-ID, so it folds.
    Notification.objects.filter(pk__in=ids).update(sent_at=None)
    mail.outbox.clear()
    assert send_notifications_task(ids) == 2
    assert {m.to[0]: m.extra_headers["Message-ID"] for m in mail.outbox} == first
    assert len(set(first.values())) == 2


def test_someone_who_lost_access_before_the_send_is_not_told(
    reseller_user, reseller_agent, mts_user, unit, other_reseller_org
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    followers.add_followers(case, [reseller_agent], now=NOW)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    reseller_agent.organisation = other_reseller_org  # moved to another company meanwhile
    reseller_agent.save()
    row = Notification.objects.get(recipient=reseller_agent, channel="email")
    mail.outbox.clear()
    assert send_notifications_task([row.pk]) == 0
    assert mail.outbox == []
    row.refresh_from_db()
    assert (row.withheld, row.sent_at is not None) == (True, True)


def test_a_database_error_in_the_send_task_is_retried_not_swallowed(
    reseller_user, mts_user, unit, celery_eager, monkeypatch
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    row = Notification.objects.get(recipient=reseller_user, channel="email")
    real_send = path._send
    failures = []

    def flaky(message):
        if not failures:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        real_send(message)

    monkeypatch.setattr(path, "_send", flaky)
    mail.outbox.clear()
    result = send_notifications_task.apply(args=[[row.pk]])
    assert result.successful()
    assert failures == [1]
    assert len(mail.outbox) == 1  # sent on the retry, once
    row.refresh_from_db()
    assert row.sent_at is not None


def test_the_redelivery_ids_are_the_due_unsent_emails_only(reseller_user, mts_user, unit):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    row = Notification.objects.get(recipient=reseller_user, channel="email")
    assert path.unsent_notification_ids(NOW) == []  # its own task may still be on its way
    later = NOW + path.UNSENT_GRACE + timedelta(seconds=1)
    assert path.unsent_notification_ids(later) == [row.pk]
    assert path.unsent_notification_ids(later, limit=0) == []
    path.send_notifications([row.pk], now=later)
    assert path.unsent_notification_ids(later) == []


def test_an_internal_note_mention_reaches_only_the_mts_colleague(
    reseller_user, mts_user, mts_admin, dell_user, unit, client
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(
        actor=mts_user, case=case, body="@mtsadmin please check. @reseller @dell @nobody", internal=True, now=NOW
    )
    heard = set(Notification.objects.filter(kind="case.internal_note").values_list("recipient__username", flat=True))
    assert heard == {"mtsadmin"}
    # The form says who was not told and why.
    client.force_login(mts_user)
    response = client.post(
        f"/cases/{case.number}/comments/",
        {"body": "@reseller @nobody look", "internal": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "@reseller was not notified: an internal note reaches MTS people only." in page
    assert "@nobody was not notified: no such person may see this case." in page


def test_a_public_mention_reaches_only_people_who_may_see_the_case(
    reseller_user, reseller_agent, other_reseller_user, mts_user, unit
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(actor=mts_user, case=case, body="@reseller-agent @other-reseller see this", now=NOW)
    heard = set(Notification.objects.filter(kind="case.comment").values_list("recipient__username", flat=True))
    assert "reseller-agent" in heard
    assert "other-reseller" not in heard


def test_the_api_filters_by_topic_and_object_and_marks_read_only_ones_own(
    api_as, reseller_user, mts_user, unit, other_reseller_user
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    client = api_as(reseller_user)
    body = client.get(f"/api/v1/notifications/?topic=cases&object_type=case&object_id={case.pk}").json()
    assert [(r["object_type"], r["object_id"], r["topic"], r["unread"]) for r in body["results"]] == [
        ("case", case.pk, "cases", True)
    ]
    assert client.get("/api/v1/notifications/?topic=dispatch").json()["results"] == []
    bad = client.get("/api/v1/notifications/?topic=gossip")
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_topic")
    mine = body["results"][0]["id"]
    theirs = api_as(other_reseller_user).post("/api/v1/notifications/mark-read/", {"ids": [mine]}, format="json")
    assert theirs.status_code == 404
    assert Notification.objects.get(pk=mine).read_at is None  # nothing written
    marked = client.post(
        "/api/v1/notifications/mark-read/", {"object_type": "case", "object_id": case.pk}, format="json"
    ).json()
    assert (marked["marked"], marked["unread_count"]) == (1, 0)


def test_opening_the_case_marks_its_notifications_read(reseller_user, mts_user, unit, client):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    assert path.unread_count(reseller_user) == 1
    client.force_login(reseller_user)
    assert client.get(f"/cases/{case.number}/").status_code == 200
    assert path.unread_count(reseller_user) == 0


def test_an_admin_makes_everyone_follow_new_cases_and_anyone_may_follow_or_leave(
    api_as, client, reseller_user, reseller_agent, other_reseller_user, mts_user, unit
):
    client.force_login(reseller_agent)
    assert client.post("/team/team/follow-all-cases/", {"follow_all_cases": "1"}).status_code == 403  # admins only
    client.force_login(reseller_user)
    client.post("/team/team/follow-all-cases/", {"follow_all_cases": "1"})
    reseller_agent.organisation.refresh_from_db()  # as the next request would read it
    case = open_case(reseller_agent, unit, now=NOW)
    who = api_as(reseller_agent).get(f"/api/v1/cases/{case.pk}/followers/").json()
    assert who["following"] is True
    assert {p["id"] for p in who["followers"]} == {reseller_user.pk, reseller_agent.pk}  # each sees who else
    assert api_as(reseller_user).delete(f"/api/v1/cases/{case.pk}/follow/").json()["following"] is False
    assert api_as(mts_user).post(f"/api/v1/cases/{case.pk}/follow/").json()["following"] is True
    # A case you may not see: 404, nothing written.
    assert api_as(other_reseller_user).post(f"/api/v1/cases/{case.pk}/follow/").status_code == 404
    followers_now = {p["id"] for p in api_as(mts_user).get(f"/api/v1/cases/{case.pk}/followers/").json()["followers"]}
    assert followers_now == {reseller_agent.pk, mts_user.pk}


def test_the_follow_button_on_the_case_page(client, reseller_user, reseller_agent, unit):
    case = open_case(reseller_user, unit, now=NOW)
    client.force_login(reseller_agent)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'bi-bell" aria-hidden="true"></i> Follow</button>' in page
    assert "Stop following" not in page
    client.post(f"/cases/{case.number}/follow/")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "Stop following" in page
    assert "reseller-agent" in page.split("case-followers", 1)[1].split("</p>", 1)[0]
    client.post(f"/cases/{case.number}/follow/", {"unfollow": "1"})
    assert "Stop following" not in client.get(f"/cases/{case.number}/").content.decode()


def test_new_activity_dots_the_list_and_marks_the_timeline_since_last_opened(
    client, reseller_user, mts_user, unit, django_assert_max_num_queries
):
    case = escalated_and_taken(reseller_user, mts_user, unit)
    client.force_login(reseller_user)
    client.get(f"/cases/{case.number}/")  # opened now (real clock): what comes after is new
    assert 'class="new-activity-dot"' not in client.get("/cases/?view=all").content.decode()
    services.comment_create(actor=mts_user, case=case, body="Fresh news", now=timezone.now())
    assert 'class="new-activity-dot"' in client.get("/cases/?view=all").content.decode()
    page = client.get(f"/cases/{case.number}/").content.decode()
    fresh = page.split("new-since-seen", 1)[1].split("</li>", 1)[0]
    assert "Fresh news" in fresh
    assert page.count("new-since-seen") == 1  # only what came since, not the case's history
    assert 'class="new-activity-dot"' not in client.get("/cases/?view=all").content.decode()
    # The dot is one subquery of the list, not a query per row.
    for n in range(5):
        services.comment_create(actor=mts_user, case=open_case(reseller_user, unit, now=NOW), body=f"{n}", now=NOW)
    with django_assert_max_num_queries(20):
        client.get("/cases/?view=all")


def test_the_send_task_named_for_the_redelivery_sweep_is_registered():
    from husky_support.queue import registered_task_names

    assert path.SEND_TASK in registered_task_names()


def test_an_email_is_in_the_readers_zone_with_the_sites_beside_and_links_back(
    reseller_user, mts_user, unit, celery_eager, django_capture_on_commit_callbacks
):
    reseller_user.timezone = "America/New_York"
    reseller_user.save()
    case = escalated_and_taken(reseller_user, mts_user, unit)  # a Copenhagen site
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=mts_user, case=case, body="Public reply", now=NOW)
    (message,) = mail.outbox
    assert "Tue 1 Dec 2026 04:00 (America/New_York), Tue 1 Dec 10:00 at the site (Europe/Copenhagen)" in message.body
    assert f"/cases/{case.number}/" in message.body
