"""Case services: opening (numbers, pre-filled site, priority, idempotency), edits, transitions under the row
lock with versions and one timeline row each, comments, the auto-close sweep and notifications."""

from datetime import timedelta

import pytest
from django.core import mail

from cases import services
from cases.models import Case, CaseEvent, CaseIdempotencyKey, EventKind
from cases.tasks import auto_close_resolved_cases_task
from cases.workflow import State
from husky_support.domain import Conflict, DomainError, ErrorKind
from tests.cases.factories import NOW, complete_values, open_case

pytestmark = pytest.mark.django_db


def events(case, **filters):
    return list(CaseEvent.objects.filter(case=case, **filters).order_by("id"))


def test_opening_numbers_the_case_per_year_and_prefills_the_site(reseller_user, unit):
    first = open_case(reseller_user, unit)
    second = open_case(reseller_user, unit)
    assert (first.number, second.number) == ("HSK-2026-000001", "HSK-2026-000002")
    assert (first.site_address_line1, first.site_city, first.site_country, first.site_timezone) == (
        "Havnegade 1",
        "Copenhagen",
        "DK",
        "Europe/Copenhagen",
    )
    assert first.reseller == reseller_user.organisation
    assert first.state == State.L1_RESELLER
    assert first.ppids == ["CN0ABC1234567" + "8AB0123"]
    assert [e.kind for e in events(first)] == [EventKind.CREATED]
    later = open_case(reseller_user, unit, now=NOW.replace(year=2027))
    assert later.number == "HSK-2027-000001"


def test_a_site_in_another_country_is_flagged(reseller_user, unit):
    case = open_case(
        reseller_user,
        unit,
        site_address_line1="Drottninggatan 1",
        site_city="Stockholm",
        site_postal_code="111 51",
        site_country="se",
    )
    assert case.site_country == "SE"
    assert case.site_timezone == "Europe/Stockholm"
    assert case.site_country_differs is True


@pytest.mark.parametrize(
    ("in_production", "users", "priority"),
    [(True, 10, "p1_critical"), (True, 9, "p2_high"), (False, 1, "p3_normal"), (False, 0, "p4_low")],
)
def test_priority_follows_production_and_users(reseller_user, unit, in_production, users, priority):
    case = open_case(reseller_user, unit, in_production=in_production, users_impacted=users)
    assert case.priority == priority


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"ppids": ["CN-0ABC12-345"]}, "invalid_ppid"),
        ({"ppids": ["CN0ABC1234567890ABC!!"]}, "invalid_ppid"),
        ({"users_impacted": -1}, "invalid_users_impacted"),
    ],
)
def test_bad_checklist_values_are_refused_and_nothing_is_written(reseller_user, unit, overrides, code):
    with pytest.raises(DomainError) as info:
        open_case(reseller_user, unit, **overrides)
    assert info.value.code == code
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_escalating_an_incomplete_hardware_case_lists_what_is_missing(reseller_user, unit):
    case = open_case(reseller_user, unit, ppids=[], troubleshooting_done="")
    with pytest.raises(DomainError) as info:
        services.case_transition(
            actor=reseller_user, case=case, action="escalate_to_mts", version=case.version, now=NOW
        )
    assert info.value.kind is ErrorKind.CONFLICT
    assert info.value.code == "checklist_incomplete"
    assert info.value.extra["missing"] == ["ppids", "troubleshooting_done"]
    case.refresh_from_db()
    assert (case.state, case.version) == ("l1_reseller", 1)
    assert len(events(case)) == 1


def test_open_and_escalate_at_once_is_all_or_nothing(reseller_user, unit):
    with pytest.raises(DomainError):
        open_case(reseller_user, unit, escalate=True, failure_description="")
    assert Case.objects.count() == 0
    case = open_case(reseller_user, unit, escalate=True)
    assert case.state == State.L2_MTS_QUEUE
    assert case.sla_due_at == NOW + timedelta(hours=4)  # P1: 12 users in production


def test_a_distributor_opens_for_its_reseller_only(distributor_user, unit, other_reseller_org):
    case, _ = services.case_create(actor=distributor_user, now=NOW, values=complete_values(unit))
    assert case.reseller == unit.reseller
    with pytest.raises(DomainError) as info:
        services.case_create(actor=distributor_user, now=NOW, values=complete_values(None), reseller=other_reseller_org)
    assert info.value.code == "unknown_reseller"


def test_mts_and_dell_do_not_open_cases(mts_user, dell_user):
    for user in (mts_user, dell_user):
        with pytest.raises(DomainError) as info:
            services.case_create(actor=user, now=NOW, values=complete_values(None))
        assert info.value.kind is ErrorKind.NOT_ALLOWED


def test_an_idempotency_key_returns_the_first_case(reseller_user, unit):
    first, created = services.case_create(
        actor=reseller_user, now=NOW, values=complete_values(unit), idempotency_key="retry-1"
    )
    again, created_again = services.case_create(
        actor=reseller_user, now=NOW, values=complete_values(unit), idempotency_key="retry-1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    assert CaseIdempotencyKey.objects.count() == 1


def test_a_transition_writes_exactly_one_timeline_row_and_bumps_the_version(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    before = len(events(case))
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=NOW)
    assert case.state == State.L2_MTS_INVESTIGATING
    assert case.assignee == mts_user
    assert case.version == 3
    rows = events(case)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.kind, row.action, row.from_state, row.to_state, row.actor) == (
        "transition",
        "take",
        "l2_mts_queue",
        "l2_mts_investigating",
        mts_user,
    )
    assert row.data == {"assignee": {"from": None, "to": mts_user.pk}}


def test_a_stale_version_is_a_conflict_and_changes_nothing(reseller_user, mts_user, mts_other, unit):
    case = open_case(reseller_user, unit, escalate=True)
    seen = case.version
    services.case_transition(actor=mts_user, case=case, action="take", version=seen, now=NOW)
    with pytest.raises(Conflict) as info:
        services.case_transition(actor=mts_other, case=case, action="take", version=seen, now=NOW)
    assert info.value.code == "conflict"
    assert info.value.extra["current_version"] == seen + 1
    case.refresh_from_db()
    assert case.assignee == mts_user


def test_edits_record_the_changes_and_rederive_priority(reseller_user, unit):
    case = open_case(reseller_user, unit, users_impacted=2)
    assert case.priority == "p2_high"
    case = services.case_update(
        actor=reseller_user, case=case, version=case.version, values={"users_impacted": 50}, now=NOW
    )
    assert case.priority == "p1_critical"
    change = events(case, kind=EventKind.FIELD_CHANGE)[-1]
    assert change.data["changes"] == {"users_impacted": [2, 50], "priority": ["p2_high", "p1_critical"]}


def test_partners_cannot_edit_a_case_mts_is_working_on(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=NOW)
    with pytest.raises(Conflict) as info:
        services.case_update(actor=reseller_user, case=case, version=case.version, values={"title": "x"}, now=NOW)
    assert info.value.code == "not_editable"


def test_awaiting_partner_pauses_the_sla_and_the_answer_resumes_it(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)  # first response due NOW + 4 h (no team: wall clock)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=NOW)
    assert case.first_response_due_at == NOW + timedelta(hours=4)  # taking it is not an answer
    asked = NOW + timedelta(hours=1)
    case = services.case_transition(
        actor=mts_user, case=case, action="request_info", note="Send the TSR.", version=case.version, now=asked
    )
    # Asking is the first answer: the next update (P1: 4 h) starts and pauses at once with all of it left.
    assert case.first_responded_at == asked
    assert (case.sla_due_at, case.sla_paused_remaining) == (None, timedelta(hours=4))
    answered = NOW + timedelta(days=3)
    case = services.case_transition(
        actor=reseller_user, case=case, action="provide_info", note="Attached.", version=case.version, now=answered
    )
    assert case.sla_due_at == case.next_update_due_at == answered + timedelta(hours=4)
    assert case.first_response_due_at is None


def test_reopen_goes_back_to_the_level_that_resolved(reseller_user, mts_user, unit):
    at_l1 = open_case(reseller_user, unit)
    at_l1 = services.case_transition(
        actor=reseller_user, case=at_l1, action="resolve", note="Fixed.", version=1, now=NOW
    )
    assert at_l1.resolved_at_l1 is True
    at_l1 = services.case_transition(
        actor=reseller_user, case=at_l1, action="reopen", note="Back again.", version=at_l1.version, now=NOW
    )
    assert at_l1.state == State.L1_RESELLER
    assert at_l1.auto_close_due_at is None


@pytest.mark.parametrize("resolver_still_active", [True, False])
def test_a_case_mts_resolved_reopens_to_its_technician_while_active(
    resolver_still_active, reseller_user, mts_user, unit
):
    case = _resolved_case(reseller_user, mts_user, unit, at=NOW - timedelta(days=2))
    if not resolver_still_active:
        mts_user.is_active = False
        mts_user.save(update_fields=["is_active"])
    case = services.case_transition(
        actor=reseller_user, case=case, action="reopen", note="It failed again.", version=case.version, now=NOW
    )
    if resolver_still_active:  # into the technician's work, not the unassigned queue
        assert (case.state, case.assignee) == (State.L2_MTS_INVESTIGATING, mts_user)
    else:
        assert (case.state, case.assignee) == (State.L2_MTS_QUEUE, None)
    assert events(case, action="reopen")[-1].data.get("assignee") == (
        None if resolver_still_active else {"from": mts_user.pk, "to": None}
    )


def _resolved_case(reseller_user, mts_user, unit, *, at):
    case = open_case(reseller_user, unit, escalate=True, now=at)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=at)
    return services.case_transition(
        actor=mts_user, case=case, action="resolve", note="Replaced the drive.", version=case.version, now=at
    )


def test_auto_close_after_14_days_once_and_only_if_still_resolved(reseller_user, mts_user, unit, time_machine):
    due = _resolved_case(reseller_user, mts_user, unit, at=NOW - timedelta(days=14))
    not_yet = _resolved_case(reseller_user, mts_user, unit, at=NOW - timedelta(days=13))
    reopened = _resolved_case(reseller_user, mts_user, unit, at=NOW - timedelta(days=15))
    services.case_transition(
        actor=reseller_user,
        case=reopened,
        action="reopen",
        note="Again.",
        version=reopened.version,
        now=NOW - timedelta(days=2),
    )
    time_machine.move_to(NOW, tick=False)
    assert auto_close_resolved_cases_task() == 1
    assert auto_close_resolved_cases_task() == 0  # idempotent
    states = dict(Case.objects.values_list("pk", "state"))
    assert states == {due.pk: "closed", not_yet.pk: "resolved", reopened.pk: "l2_mts_investigating"}
    close = events(due, action="close")
    assert len(close) == 1
    assert close[0].actor is None
    assert close[0].data == {"by_system": True}


def test_the_system_skips_a_case_that_moved_meanwhile(reseller_user, mts_user, unit):
    case = _resolved_case(reseller_user, mts_user, unit, at=NOW - timedelta(days=20))
    with pytest.raises(Conflict) as info:
        services.case_transition(actor=None, case=case, action="close", now=NOW, expected_state="l2_mts_queue")
    assert info.value.code == "state_changed"


def test_comments_internal_only_for_mts(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit)
    with pytest.raises(DomainError) as info:
        services.comment_create(actor=reseller_user, case=case, body="psst", internal=True, now=NOW)
    assert info.value.code == "internal_not_allowed"
    with pytest.raises(DomainError):
        services.comment_create(actor=reseller_user, case=case, body="   ", now=NOW)
    note = services.comment_create(actor=mts_user, case=case, body="Known DIMM batch issue.", internal=True, now=NOW)
    assert note.internal is True
    case.refresh_from_db()
    assert case.version == 1  # comments do not move the case


def test_request_info_emails_the_partner_the_note_and_never_internal_comments(
    reseller_user, mts_user, unit, celery_eager, django_capture_on_commit_callbacks
):
    case = open_case(reseller_user, unit, escalate=True)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=NOW)
    services.comment_create(actor=mts_user, case=case, body="SECRET internal triage note", internal=True, now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            actor=mts_user,
            case=case,
            action="request_info",
            note="Please attach the SupportAssist collection.",
            version=case.version,
            now=NOW,
        )
    assert [m.to for m in mail.outbox] == [[reseller_user.email]]
    body = mail.outbox[0].body
    assert "Please attach the SupportAssist collection." in body
    assert case.number in mail.outbox[0].subject
    assert "SECRET" not in body


def test_a_title_stored_with_a_line_break_still_sends_its_email(
    reseller_user, mts_user, nordic_team, unit, celery_eager, django_capture_on_commit_callbacks
):
    case = open_case(reseller_user, unit)
    Case.objects.filter(pk=case.pk).update(title="Drive 3\r\nfailed\x07 again")  # stored before titles were checked
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            actor=reseller_user, case=case, action="escalate_to_mts", version=case.version, now=NOW
        )
    assert [m.to for m in mail.outbox] == [[mts_user.email]]
    assert mail.outbox[0].subject.endswith("Drive 3 failed again")


def test_escalation_emails_the_team_serving_the_site_country(
    reseller_user, mts_user, mts_admin, nordic_team, unit, celery_eager, django_capture_on_commit_callbacks
):
    case = open_case(reseller_user, unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            actor=reseller_user, case=case, action="escalate_to_mts", version=case.version, now=NOW
        )
    assert [m.to for m in mail.outbox] == [[mts_user.email]]
