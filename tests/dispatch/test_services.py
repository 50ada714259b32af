"""Dispatch services: escalation, the snapshot, each step's timeline row, fees, parts, KYHD, the clearance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from cases import services as case_services
from cases.models import CaseEvent, EventKind
from cases.workflow import Action as CaseAction
from dispatch import services
from dispatch.models import Coverage, Dispatch, Fee, Part, ScheduleChange
from dispatch.workflow import Clearance, FeeKind, State
from husky_support.domain import Conflict, DomainError, ErrorKind
from partners.models import HolidayOverride
from tests.dispatch.factories import NOW, REPRESENTATIVE, dispatch_for, escalated_case
from tests.partners.factories import UserFactory
from tests.servicetags.factories import ConfirmedUnitFactory

LATER = "The customer asked for a later day"

pytestmark = pytest.mark.django_db


@pytest.fixture
def kyhd_unit(reseller_org):
    return ConfirmedUnitFactory(service_tag="KYH1234", reseller=reseller_org, kyhd=True)


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def scheduled(dispatch, dell_user, *, start, now=NOW):
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-77")
    return step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=3),
        past_target_reason=LATER,
    )


def dispatch_events(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.DISPATCH).order_by("at", "id"))


class TestEscalation:
    def test_escalating_opens_a_dispatch_with_the_eligibility_at_qualification(
        self, reseller_user, mts_user, dell_user, unit
    ):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        assert dispatch.case.state == "l3_dell"
        assert (dispatch.state, dispatch.kind, dispatch.dell_org) == ("requested", "onsite", dell_user.organisation)
        # Tuesday 13:00 in Copenhagen, before the 17:00 cut-off: received today, target Wednesday.
        assert dispatch.nbd_target_on == date(2026, 3, 11)
        assert dispatch.eligibility["reasons"] == ["location_unregistered"]
        assert dispatch.nbd_missed_due_at == datetime(2026, 3, 11, 23, 0, tzinfo=UTC)  # midnight in Copenhagen
        assert dispatch.representative_named
        actions = [e.action for e in CaseEvent.objects.filter(case=dispatch.case).order_by("at", "id")]
        assert actions[-1:] == ["escalate_to_dell"]  # one entry per escalation

    def test_later_coverage_and_calendar_edits_never_rewrite_the_snapshot(self, reseller_user, mts_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        before = (dispatch.eligibility, dispatch.nbd_target_on)
        Coverage.objects.filter(country="DK").update(nbd_available=False, onsite_available=False)
        HolidayOverride.objects.create(country="DK", applies_on=date(2026, 3, 11), note="Closed")
        dispatch.refresh_from_db()
        assert (dispatch.eligibility, dispatch.nbd_target_on) == before
        assert services.dispatch_facts(dispatch, now=NOW).kind == "onsite"  # reads the row, not the rules

    def test_an_override_at_qualification_moves_the_target(self, reseller_user, mts_user, unit):
        HolidayOverride.objects.create(country="DK", applies_on=date(2026, 3, 11), note="Dell Denmark closed")
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        assert dispatch.nbd_target_on == date(2026, 3, 12)

    def test_not_eligible_is_refused_with_the_reasons_and_nothing_written(self, reseller_user, mts_user, unit):
        Coverage.objects.filter(country="DK").update(onsite_available=False)
        case = escalated_case(reseller_user, mts_user, unit)
        with pytest.raises(DomainError) as refused:
            case_services.case_transition(
                actor=mts_user,
                case=case,
                action=CaseAction.ESCALATE_TO_DELL,
                version=case.version,
                now=NOW,
                dispatch_request=REPRESENTATIVE,
            )
        assert refused.value.code == "not_onsite_eligible"
        assert refused.value.extra["reasons"] == ["country_not_covered"]
        assert "country_not_covered" in refused.value.message
        assert not Dispatch.objects.exists()
        case.refresh_from_db()
        assert case.state == "l2_mts_investigating"

    def test_parts_only_goes_through_when_onsite_is_not_eligible(self, reseller_user, mts_user, unit):
        Coverage.objects.filter(country="DK").update(onsite_available=False)
        dispatch = dispatch_for(reseller_user, mts_user, unit, request={"kind": "parts_only"})
        assert (dispatch.kind, dispatch.nbd_target_on) == ("parts_only", None)
        assert dispatch.eligibility["onsite_eligible"] is False

    def test_software_cases_are_not_escalated(self, reseller_user, mts_user, unit):
        case = escalated_case(reseller_user, mts_user, unit, category="software", component="", ppids=[])
        with pytest.raises(DomainError) as refused:
            case_services.case_transition(
                actor=mts_user, case=case, action=CaseAction.ESCALATE_TO_DELL, version=case.version, now=NOW
            )
        assert refused.value.code == "hardware_only"
        assert not Dispatch.objects.exists()

    def test_bad_dispatch_details_are_reported_together(self, reseller_user, mts_user, unit):
        case = escalated_case(reseller_user, mts_user, unit)
        with pytest.raises(DomainError) as refused:
            case_services.case_transition(
                actor=mts_user,
                case=case,
                action=CaseAction.ESCALATE_TO_DELL,
                version=case.version,
                now=NOW,
                dispatch_request={"kind": "drone", "representative_email": "nope", "colour": "red"},
            )
        assert set(refused.value.extra["fields"]) == {"kind", "representative_email", "colour"}
        assert refused.value.kind is ErrorKind.INVALID

    def test_stated_security_requirements_keep_the_target_but_not_guaranteed(self, reseller_user, mts_user, unit):
        request = {**REPRESENTATIVE, "security_requirements": "Escort and ID badge at the gate"}
        dispatch = dispatch_for(reseller_user, mts_user, unit, request=request)
        assert dispatch.clearance == Clearance.STATED
        assert dispatch.nbd_target_on == date(2026, 3, 11)
        assert dispatch.nbd_eligible is False
        assert "security_clearance_pending" in dispatch.eligibility["reasons"]

    def test_a_site_in_another_country_loses_kyhd_too(self, reseller_user, mts_user, dell_org, kyhd_unit):
        Coverage.objects.filter(country="SE").update(onsite_available=True)
        case = escalated_case(
            reseller_user,
            mts_user,
            kyhd_unit,
            site_country="SE",
            site_city="Malmö",
            site_address_line1="Stortorget 1",
            site_postal_code="21122",
        )
        with pytest.raises(DomainError) as refused:
            case_services.case_transition(
                actor=mts_user, case=case, action=CaseAction.ESCALATE_TO_DELL, version=case.version, now=NOW
            )
        assert "location_mismatch" in refused.value.extra["reasons"]
        dispatch_case = case_services.case_transition(
            actor=mts_user,
            case=case,
            action=CaseAction.ESCALATE_TO_DELL,
            version=case.version,
            now=NOW,
            dispatch_request={"kind": "parts_only"},
        )
        assert Dispatch.objects.get(case=dispatch_case).kyhd_keeps_drive is False


class TestLife:
    def test_deny_resubmit_and_the_third_denial_voids(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        for round_ in range(2):
            dispatch = step(dispatch, dell_user, "deny", note=f"Service tag not found ({round_})")
            assert dispatch.state == State.DENIED
            dispatch = step(dispatch, mts_user, "resubmit", note="Corrected the service tag")
        dispatch = step(dispatch, dell_user, "deny", note="Still not found")
        assert (dispatch.state, dispatch.denial_count, dispatch.is_finished) == (State.VOIDED, 3, True)
        # docs/rules.md rule 9: the target day still decides it: a denial left no accepted dispatch.
        assert (dispatch.nbd_verdict, dispatch.nbd_decided_at) == ("pending", None)
        case = case_services.case_transition(
            actor=mts_user,
            case=dispatch.case,
            action=CaseAction.RETURN_TO_MTS,
            version=dispatch.case.version,
            now=NOW,
        )
        assert case.state == "l2_mts_investigating"

    def test_return_to_mts_waits_for_the_dispatch_to_end(self, reseller_user, mts_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        case = dispatch.case
        with pytest.raises(DomainError) as refused:
            case_services.case_transition(
                actor=mts_user, case=case, action=CaseAction.RETURN_TO_MTS, version=case.version, now=NOW
            )
        assert refused.value.code == "dispatch_not_finished"

    def test_each_step_writes_exactly_one_timeline_row(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
        scheduled(dispatch, dell_user, start=start)
        step(dispatch, dell_user, "outcome", now=start + timedelta(hours=2), outcome="completed")
        labels = [e.data["label"] for e in dispatch_events(dispatch.case)]
        assert labels == [
            "accepted by Dell (Dell number DSP-77)",
            "visit scheduled Wed 11 Mar 09:00–12:00 (site time)",
            "visit outcome Wed 11 Mar 09:00–12:00 (site time): completed; next-business-day target met",
        ]
        # docs/rules.md "Dispatch": one timeline entry per escalation, the case's own transition row.
        escalations = dispatch.case.events.filter(action="escalate_to_dell")
        assert escalations.count() == 1
        assert not dispatch.case.events.filter(action="requested").exists()

    def test_a_stale_version_is_refused(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        with pytest.raises(Conflict) as refused:
            services.dispatch_transition(
                actor=dell_user,
                dispatch=dispatch,
                action="accept",
                version=dispatch.version - 1,
                now=NOW,
                dispatch_number="X",
            )
        assert refused.value.code == "conflict"
        dispatch.refresh_from_db()
        assert dispatch.state == "requested"

    def test_scheduling_without_a_representative_is_refused(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit, request={})
        step(dispatch, dell_user, "accept", dispatch_number="DSP-1")
        start = NOW + timedelta(days=3)
        with pytest.raises(DomainError) as refused:
            step(
                dispatch,
                dell_user,
                "schedule",
                visit_start_at=start,
                visit_end_at=start + timedelta(hours=1),
                past_target_reason=LATER,
            )
        assert refused.value.code == "authorized_rep_missing"
        assert not ScheduleChange.objects.exists()
        dispatch.refresh_from_db()
        services.dispatch_site_update(
            actor=reseller_user, dispatch=dispatch, version=dispatch.version, values=REPRESENTATIVE, now=NOW
        )
        dispatch = step(
            dispatch,
            dell_user,
            "schedule",
            visit_start_at=start,
            visit_end_at=start + timedelta(hours=1),
            past_target_reason=LATER,
        )
        assert dispatch.state == "scheduled"


class TestRescheduling:
    def test_a_change_eight_site_days_ahead_is_free(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)  # Friday 09:00 in Copenhagen
        scheduled(dispatch, dell_user, start=start)
        agreed = datetime(2026, 3, 11, 22, 59, tzinfo=UTC)  # 23:59 on the 11th at the site: 9 days before
        new_start = start + timedelta(days=7)
        dispatch = step(
            dispatch,
            reseller_user,
            "reschedule",
            now=agreed,
            visit_start_at=new_start,
            visit_end_at=new_start + timedelta(hours=2),
        )
        assert not Fee.objects.exists()
        history = list(dispatch.schedule_changes.order_by("agreed_at"))
        assert [(h.late, h.previous_start_at) for h in history] == [(False, None), (False, start)]

    def test_a_late_change_needs_the_fee_and_records_it(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
        scheduled(dispatch, dell_user, start=start)
        agreed = datetime(2026, 3, 12, 23, 0, tzinfo=UTC)  # 00:00 on the 13th at the site: 7 days before
        new = {"visit_start_at": start + timedelta(days=1), "visit_end_at": start + timedelta(days=1, hours=2)}
        with pytest.raises(DomainError) as refused:
            step(dispatch, reseller_user, "reschedule", now=agreed, **new)
        assert (refused.value.kind, refused.value.code) == (
            ErrorKind.CONFLICT,
            "late_reschedule_requires_fee_acceptance",
        )
        assert not Fee.objects.exists()
        dispatch = step(dispatch, reseller_user, "reschedule", now=agreed, accept_fee=True, **new)
        fee = Fee.objects.get()
        assert (fee.kind, fee.amount, fee.recorded_by) == (FeeKind.LATE_RESCHEDULE, None, reseller_user)
        assert "7 site-local day" in fee.reason
        assert dispatch.visit_start_at == new["visit_start_at"]
        assert dispatch.schedule_changes.filter(late=True, fee=fee).exists()

    def test_a_configured_fee_amount_is_recorded(self, settings, reseller_user, mts_user, dell_user, unit):
        settings.DISPATCH_FEES = {"late_reschedule": ("150.00", "EUR")}
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = NOW + timedelta(days=2)
        scheduled(dispatch, dell_user, start=start)
        step(
            dispatch,
            mts_user,
            "reschedule",
            accept_fee=True,
            visit_start_at=start + timedelta(days=1),
            visit_end_at=start + timedelta(days=1, hours=1),
        )
        assert (str(Fee.objects.get().amount), Fee.objects.get().currency) == ("150.00", "EUR")


class TestOutcomesAndFees:
    def test_an_absent_representative_fails_the_visit_with_a_fee_and_back_to_scheduling(
        self, reseller_user, mts_user, dell_user, unit
    ):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = NOW + timedelta(days=1)
        scheduled(dispatch, dell_user, start=start)
        dispatch = step(
            dispatch,
            dell_user,
            "outcome",
            now=start + timedelta(hours=1),
            outcome="representative_absent",
            note="Nobody at reception",
        )
        assert (dispatch.state, dispatch.visit_start_at) == ("accepted", None)
        assert Fee.objects.get().kind == FeeKind.REPRESENTATIVE_ABSENT
        assert dispatch_events(dispatch.case)[-1].data["label"] == (
            "visit outcome Wed 11 Mar 13:00–16:00 (site time): representative absent; fee recorded; "
            "back to scheduling; next-business-day target met"
        )

    def test_clearance_not_arranged_records_its_own_fee(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = NOW + timedelta(days=1)
        scheduled(dispatch, dell_user, start=start)
        step(dispatch, dell_user, "outcome", now=start, outcome="clearance_not_arranged", note="No badge")
        assert Fee.objects.get().kind == FeeKind.SECURITY_CLEARANCE_NOT_ARRANGED

    def test_an_mts_admin_waives_a_fee_with_a_reason_and_both_are_kept(
        self, reseller_user, mts_user, mts_admin, dell_user, unit
    ):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = NOW + timedelta(days=1)
        scheduled(dispatch, dell_user, start=start)
        step(dispatch, dell_user, "outcome", now=start, outcome="representative_absent")
        fee = Fee.objects.get()
        with pytest.raises(DomainError) as refused:
            services.fee_waive(actor=mts_user, fee=fee, reason="Goodwill", now=NOW)
        assert refused.value.kind is ErrorKind.NOT_ALLOWED
        with pytest.raises(DomainError) as refused:
            services.fee_waive(actor=mts_admin, fee=fee, reason="  ", now=NOW)
        assert (refused.value.kind, refused.value.code, refused.value.message, refused.value.fields) == (
            ErrorKind.INVALID,
            "reason_required",
            "Say why the fee is waived.",
            {"reason": [{"code": "required", "message": "Required."}]},
        )
        services.fee_waive(actor=mts_admin, fee=fee, reason="The site was evacuated", now=NOW)
        fee.refresh_from_db()
        assert (fee.kind, fee.waiver_reason, fee.waived_by) == (
            "representative_absent",
            "The site was evacuated",
            mts_admin,
        )
        with pytest.raises(Conflict):
            services.fee_waive(actor=mts_admin, fee=fee, reason="Again", now=NOW)


class TestParts:
    def part(self, **overrides):
        return {"part_number": "0X1Y2Z", "description": "1.2 TB SAS drive", "quantity": 1, **overrides}

    def test_at_most_four_parts(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        for n in range(services.MAX_PARTS):
            services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(part_number=f"P{n}"), now=NOW)
        with pytest.raises(DomainError) as refused:
            services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(), now=NOW)
        assert refused.value.code == "too_many_parts"
        assert Part.objects.count() == services.MAX_PARTS

    def test_a_faulty_part_is_due_back_ten_site_days_after_delivery(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        part = services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(is_hard_drive=False), now=NOW)
        part = services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 9), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        assert part.return_due_on == date(2026, 3, 20)
        assert part.return_overdue_at == datetime(2026, 3, 20, 23, 0, tzinfo=UTC)  # end of the 20th in Copenhagen
        assert part.return_warning_due_at == datetime(2026, 3, 17, 23, 0, tzinfo=UTC)  # start of the 18th

    def test_a_kyhd_drive_is_kept_and_cannot_be_picked_up(self, reseller_user, mts_user, dell_user, kyhd_unit):
        dispatch = dispatch_for(reseller_user, mts_user, kyhd_unit)
        assert dispatch.kyhd_keeps_drive is True
        with pytest.raises(DomainError) as refused:
            services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(faulty_pickup=True), now=NOW)
        assert refused.value.code == "kyhd_drive_kept"
        part = services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(), now=NOW)
        assert (part.is_hard_drive, part.keep_faulty) == (True, True)  # a hard-drive case: the part is a drive
        part = services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 9), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        assert part.return_due_on is None
        with pytest.raises(DomainError) as refused:
            services.part_update(actor=dell_user, part=part, values={"returned_on": date(2026, 3, 10)}, now=NOW)
        assert refused.value.code == "kyhd_drive_kept"

    def test_partners_do_not_list_parts(self, reseller_user, mts_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        with pytest.raises(DomainError) as refused:
            services.part_add(actor=reseller_user, dispatch=dispatch, values=self.part(), now=NOW)
        assert refused.value.kind is ErrorKind.NOT_ALLOWED

    def test_parts_only_ships_delivers_and_completes(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit, request={"kind": "parts_only"})
        step(dispatch, dell_user, "accept", dispatch_number="DSP-9")
        with pytest.raises(DomainError) as refused:
            step(dispatch, dell_user, "ship_parts")
        assert refused.value.code == "parts_required"
        services.part_add(actor=dell_user, dispatch=dispatch, values=self.part(is_hard_drive=False), now=NOW)
        dispatch = step(dispatch, dell_user, "ship_parts")
        assert dispatch.parts.get().shipped_on == date(2026, 3, 10)
        dispatch = step(dispatch, reseller_user, "confirm_delivery", now=NOW + timedelta(days=1))
        assert dispatch.parts.get().return_due_on == date(2026, 3, 21)
        dispatch = step(dispatch, mts_user, "complete", now=NOW + timedelta(days=2))
        assert (dispatch.state, dispatch.outcome) == ("completed", "completed")


class TestSiteAndClearance:
    def test_partner_states_mts_requests_dell_accepts(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        dispatch = services.dispatch_site_update(
            actor=reseller_user,
            dispatch=dispatch,
            version=dispatch.version,
            values={"security_requirements": "Security escort; badge office opens 08:00"},
            now=NOW,
        )
        assert dispatch.clearance == Clearance.STATED
        with pytest.raises(DomainError):
            services.clearance_step(
                actor=reseller_user, dispatch=dispatch, action="request", version=dispatch.version, note="", now=NOW
            )
        dispatch = services.clearance_step(
            actor=mts_user, dispatch=dispatch, action="request", version=dispatch.version, note="", now=NOW
        )
        dispatch = services.clearance_step(
            actor=dell_user,
            dispatch=dispatch,
            action="accept",
            version=dispatch.version,
            note="Technician cleared",
            now=NOW,
        )
        assert (dispatch.clearance, dispatch.clearance_note) == (Clearance.ACCEPTED, "Technician cleared")
        labels = [e.data["label"] for e in dispatch_events(dispatch.case)]
        assert labels[-3:] == [
            "site details changed",
            "security requirements sent to Dell",
            "Dell accepted the security requirements",
        ]

    def test_dell_does_not_edit_the_site(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        with pytest.raises(DomainError) as refused:
            services.dispatch_site_update(
                actor=dell_user,
                dispatch=dispatch,
                version=dispatch.version,
                values={"representative_name": "X"},
                now=NOW,
            )
        assert refused.value.kind is ErrorKind.NOT_ALLOWED


class TestNotifications:
    def test_dell_hears_of_a_new_dispatch_and_the_partner_of_the_visit(
        self, reseller_user, mts_user, dell_user, unit, django_capture_on_commit_callbacks, settings
    ):
        settings.CELERY_TASK_ALWAYS_EAGER = True
        from husky_support.celery import app

        app.conf.task_always_eager = True
        try:
            dell_user.email = "dell@example.com"
            dell_user.save()
            UserFactory(username="dell-two", organisation=dell_user.organisation, email="dell2@example.com")
            with django_capture_on_commit_callbacks(execute=True):
                dispatch = dispatch_for(reseller_user, mts_user, unit)
            told = sorted(m.to[0] for m in mail.outbox if "Requested from Dell" in m.subject)
            assert told == sorted(["dell2@example.com", "dell@example.com", reseller_user.email])
            assert mts_user.email not in told  # MTS asked for it
            mail.outbox.clear()
            with django_capture_on_commit_callbacks(execute=True):
                scheduled(dispatch, dell_user, start=NOW + timedelta(days=2))
            recipients = {m.to[0] for m in mail.outbox if "Visit scheduled" in m.subject}
            assert reseller_user.email in recipients
            assert "dell2@example.com" in recipients
            assert "dell@example.com" not in recipients  # the actor never hears of their own act
        finally:
            app.conf.task_always_eager = False
