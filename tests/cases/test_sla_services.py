"""SLA clocks on real cases: routing to a team, business-hours due-times (weekend, holiday, admin override,
DST night), pause and resume, priority change, team move, three continents; the breach sweep; notifications."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from cases import breaches, services, teams
from cases.models import CaseEvent, EventKind, SlaPolicy
from cases.tasks import sweep_sla_breaches_task
from husky_support.domain import NotAllowed
from partners.models import HolidayOverride, Notification
from partners.notifications.services import notify
from partners.tasks import send_notifications_task
from tests.cases.factories import TeamFactory, open_case

CPH = ZoneInfo("Europe/Copenhagen")
pytestmark = pytest.mark.django_db


def local(moment, zone=CPH):
    return moment.astimezone(zone).replace(tzinfo=None)


@pytest.fixture
def policy(db):
    return SlaPolicy.objects.create(priority="p1_critical", first_response_minutes=240, next_update_minutes=480)


@pytest.fixture
def emea(db, mts_admin):
    return TeamFactory(name="EMEA", countries=["DK", "SE"], is_default=True, lead=mts_admin)


def escalated(reseller_user, unit, at):
    return open_case(reseller_user, unit, escalate=True, now=at)


def test_a_p1_opened_tuesday_evening_is_due_wednesday_in_business_hours(reseller_user, unit, policy, emea):
    case = escalated(reseller_user, unit, datetime(2026, 12, 1, 18, 0, tzinfo=CPH))
    assert case.team == emea
    assert local(case.first_response_due_at) == datetime(2026, 12, 2, 12, 0)
    assert case.sla_due_at == case.first_response_due_at


def test_friday_afternoon_runs_over_the_weekend(reseller_user, unit, policy, emea):
    case = escalated(reseller_user, unit, datetime(2026, 12, 4, 14, 0, tzinfo=CPH))
    assert local(case.first_response_due_at) == datetime(2026, 12, 7, 10, 0)


def test_christmas_is_skipped(reseller_user, unit, policy, emea):
    case = escalated(reseller_user, unit, datetime(2026, 12, 24, 14, 0, tzinfo=CPH))
    # 25-26 December are Danish holidays, 26-27 a weekend: 2 h on the 24th, 2 h on Monday the 28th.
    assert local(case.first_response_due_at) == datetime(2026, 12, 28, 10, 0)


def test_an_admin_closure_override_is_skipped(reseller_user, unit, policy, emea):
    HolidayOverride.objects.create(country="DK", applies_on=date(2026, 12, 2), kind="closed", note="Office move")
    case = escalated(reseller_user, unit, datetime(2026, 12, 1, 18, 0, tzinfo=CPH))
    assert local(case.first_response_due_at) == datetime(2026, 12, 3, 12, 0)


def test_a_dst_night_counts_real_hours(reseller_user, unit, policy, mts_admin):
    TeamFactory(
        name="Round the clock",
        is_default=True,
        weekly_hours={day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    # 25 October 2026: Copenhagen falls back at 03:00, so 4 business hours from 00:30 end at 03:30 local.
    case = escalated(reseller_user, unit, datetime(2026, 10, 25, 0, 30, tzinfo=CPH))
    assert case.first_response_due_at == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "country", "site", "opened_utc", "due_local"),
    [
        ("Europe/Copenhagen", "DK", "DK", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), datetime(2026, 12, 2, 12, 0)),
        ("America/New_York", "US", "US", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), datetime(2026, 12, 1, 16, 0)),
        ("Asia/Singapore", "SG", "SG", datetime(2026, 12, 1, 17, 0, tzinfo=UTC), datetime(2026, 12, 2, 12, 0)),
    ],
    ids=["EMEA", "Americas", "APAC"],
)
def test_teams_on_three_continents_route_by_site_country(
    reseller_user, unit, policy, zone, country, site, opened_utc, due_local
):
    team = TeamFactory(name=zone, timezone=zone, holiday_country=country, countries=[site])
    tz = "Europe/Copenhagen" if site == "DK" else zone
    case = open_case(
        reseller_user,
        unit,
        site_country=site,
        site_timezone=tz,
        site_address_line1="1 Main Street",
        site_city="Capital",
        site_postal_code="1000",
        escalate=True,
        now=opened_utc,
    )
    assert case.team == team
    assert local(case.first_response_due_at, ZoneInfo(zone)) == due_local


def test_pause_and_resume_keep_the_business_time_left(reseller_user, mts_user, unit, policy, emea):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)  # first response due 13:00
    case = escalated(reseller_user, unit, opened)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=opened)
    asked = opened + timedelta(hours=1)
    case = services.case_transition(
        actor=mts_user, case=case, action="request_info", note="Send the TSR.", version=case.version, now=asked
    )
    assert case.first_responded_at == asked
    assert (case.sla_due_at, case.sla_paused_remaining) == (None, timedelta(hours=8))
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=CPH)
    case = services.case_transition(
        actor=reseller_user, case=case, action="provide_info", note="Here.", version=case.version, now=friday
    )
    # 1 h on Friday, 7 h on Monday.
    assert local(case.next_update_due_at) == datetime(2026, 12, 7, 15, 0)
    assert case.first_response_due_at is None


def test_a_partner_comment_restarts_the_next_update(reseller_user, mts_user, unit, policy, emea):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)
    case = escalated(reseller_user, unit, opened)
    services.comment_create(actor=mts_user, case=case, body="Looking at it.", now=opened)
    case.refresh_from_db()
    assert local(case.next_update_due_at) == datetime(2026, 12, 1, 16, 0) + timedelta(hours=17)  # Wed 09:00
    services.comment_create(actor=reseller_user, case=case, body="Any news?", now=opened + timedelta(hours=2))
    case.refresh_from_db()
    assert local(case.next_update_due_at) == datetime(2026, 12, 2, 11, 0)


def test_an_internal_note_is_no_answer(reseller_user, mts_user, unit, policy, emea):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)
    case = escalated(reseller_user, unit, opened)
    services.comment_create(actor=mts_user, case=case, body="Looks like a bad drive.", internal=True, now=opened)
    case.refresh_from_db()
    assert case.first_responded_at is None
    assert local(case.first_response_due_at) == datetime(2026, 12, 1, 13, 0)


def test_a_priority_change_measures_the_time_spent_against_the_new_target(reseller_user, mts_admin, unit, policy, emea):
    SlaPolicy.objects.create(priority="p3_normal", first_response_minutes=960, next_update_minutes=960)
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)
    case = open_case(reseller_user, unit, users_impacted=1, in_production=False, escalate=True, now=opened)
    assert case.priority == "p3_normal"
    assert local(case.first_response_due_at) == datetime(2026, 12, 3, 9, 0)
    case = services.case_update(
        actor=mts_admin,
        case=case,
        version=case.version,
        values={"users_impacted": 50, "in_production": True},
        now=opened + timedelta(hours=1),
    )
    assert case.priority == "p1_critical"
    assert local(case.first_response_due_at) == datetime(2026, 12, 1, 13, 0)


def test_a_team_move_counts_the_time_left_in_the_new_hours(reseller_user, unit, policy, emea, mts_admin):
    americas = TeamFactory(name="Americas", timezone="America/New_York", holiday_country="US")
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)  # due 13:00 Copenhagen
    case = escalated(reseller_user, unit, opened)
    moved_at = datetime(2026, 12, 1, 12, 0, tzinfo=CPH)  # 1 h left; New York opens at 08:00 (14:00 here)
    case = teams.case_move_team(actor=mts_admin, case=case, team=americas, version=case.version, now=moved_at)
    assert case.team == americas
    assert local(case.first_response_due_at, ZoneInfo("America/New_York")) == datetime(2026, 12, 1, 9, 0)
    change = CaseEvent.objects.filter(case=case, kind=EventKind.FIELD_CHANGE).last()
    assert change.internal
    assert change.data["changes"]["team"] == ["EMEA", "Americas"]


def test_only_mts_admins_move_cases(reseller_user, mts_user, unit, policy, emea):
    case = escalated(reseller_user, unit, datetime(2026, 12, 1, 9, 0, tzinfo=CPH))
    with pytest.raises(NotAllowed):
        teams.case_move_team(actor=mts_user, case=case, team=emea, version=case.version, now=case.created_at)


# --- The breach sweep ----------------------------------------------------------------------------------


def test_the_sweep_records_near_breach_and_breach_once_and_notifies_the_assignee_once(
    reseller_user, mts_user, mts_admin, unit, policy, emea
):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)  # due 13:00, near breach at 12:12
    case = escalated(reseller_user, unit, opened)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=opened)
    assert breaches.due_near_breach(datetime(2026, 12, 1, 12, 11, tzinfo=CPH), 100) == []
    near = datetime(2026, 12, 1, 12, 15, tzinfo=CPH)
    for _ in range(2):
        for pk in breaches.due_near_breach(near, 100):
            breaches.record_sla_alert(pk, now=near)
    late = datetime(2026, 12, 1, 13, 5, tzinfo=CPH)
    for _ in range(2):
        for pk in breaches.due_breach(late, 100):
            breaches.record_sla_alert(pk, now=late)
    kinds = list(
        CaseEvent.objects.filter(case=case, kind__startswith="sla_").values_list("kind", "internal").order_by("at")
    )
    assert kinds == [(EventKind.SLA_NEAR_BREACH, True), (EventKind.SLA_BREACHED, True)]
    in_app = Notification.objects.filter(
        object_type="case", object_id=case.pk, channel="in_app", topic="sla"
    ).values_list("recipient__username", flat=True)
    # Two events, the assignee once each: an assigned case's warnings are the assignee's, not the lead's.
    assert sorted(in_app) == ["mts", "mts"]
    assert breaches.due_breach(late, 100) == breaches.due_near_breach(late, 100) == []


def test_the_sweep_task_twice_sends_nothing_twice(
    reseller_user, mts_user, unit, policy, emea, celery_eager, django_capture_on_commit_callbacks, time_machine
):
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=CPH)
    case = escalated(reseller_user, unit, opened)
    services.case_transition(actor=mts_user, case=case, action="take", version=case.version + 0, now=opened)
    time_machine.move_to(datetime(2026, 12, 1, 14, 0, tzinfo=CPH), tick=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep_sla_breaches_task()
    with django_capture_on_commit_callbacks(execute=True):
        second = sweep_sla_breaches_task()
    assert (first, second) == (1, 0)
    assert [m.to[0] for m in mail.outbox] == [mts_user.email]


# --- Notifications -------------------------------------------------------------------------------------


def test_a_transition_email_task_run_twice_sends_one_email(
    reseller_user, mts_user, unit, django_capture_on_commit_callbacks
):
    case = open_case(reseller_user, unit, escalate=True)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=case.created_at)
    with django_capture_on_commit_callbacks(execute=False):
        services.case_transition(
            actor=mts_user,
            case=case,
            action="request_info",
            note="Send the TSR.",
            version=case.version,
            now=case.created_at,
        )
    event = CaseEvent.objects.filter(case=case, action="request_info").get()
    row = Notification.objects.get(event_key=f"case_event:{event.pk}", channel="email")
    mail.outbox.clear()
    assert send_notifications_task([row.pk]) == 1
    assert send_notifications_task([row.pk]) == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_an_internal_sla_event_never_reaches_a_partner(reseller_user, mts_user, unit, policy, emea):
    case = escalated(reseller_user, unit, datetime(2026, 12, 1, 9, 0, tzinfo=CPH))
    event = CaseEvent.objects.create(case=case, kind=EventKind.SLA_BREACHED, at=case.created_at, internal=True)
    # Even people named on purpose (as a mention would): MTS hears of an internal event, the partner never.
    key = f"case_event:{event.pk}"
    notify(
        "case.sla_breached",
        case,
        actor=None,
        now=case.created_at,
        event_key=key,
        text="x",
        mentions=[reseller_user, mts_user],
    )
    heard = set(Notification.objects.filter(event_key=key).values_list("recipient", flat=True))
    assert mts_user.pk in heard  # (with the unassigned case's team)
    assert reseller_user.pk not in heard


def test_an_internal_note_is_in_no_partner_email(
    reseller_user, mts_user, unit, celery_eager, django_capture_on_commit_callbacks
):
    case = open_case(reseller_user, unit, escalate=True)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=case.created_at)
    services.comment_create(actor=mts_user, case=case, body="SECRET internal", internal=True, now=case.created_at)
    case.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            actor=mts_user,
            case=case,
            action="request_info",
            note="Send the TSR.",
            version=case.version,
            now=case.created_at,
        )
    assert mail.outbox
    for message in mail.outbox:
        assert "SECRET" not in message.body
        assert all("SECRET" not in content for content, _ in message.alternatives)
