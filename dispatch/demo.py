"""Demo data of the dispatch app: sample holiday overrides, and Dell dispatches in every state, each driven
through the real services at moments in the past chosen so the story reads right (escalated days ago,
accepted hours later, and so on). Idempotent: a case that already has its dispatch is left alone.

The coverage table itself is seeded (with sample values) by migration 0002_seed_coverage, so every
installation can answer eligibility questions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases import services as case_services
from cases.demo import DELL_BOUND
from cases.models import Case
from cases.workflow import Action as CaseAction
from cases.workflow import State as CaseState
from dispatch import services, sweeps
from dispatch import workflow as flow
from dispatch.coverage import coverage_update
from dispatch.models import Coverage, Dispatch
from husky_support.calendar import site_zone
from partners.models import HolidayOverride, Organisation, OverrideKind, ReferenceChange, User
from partners.reference import holiday_override_create
from servicetags.models import Unit

SAMPLE_OVERRIDES = [
    # country, subdivision, date, kind, note
    ("DK", "", date(2026, 12, 24), OverrideKind.CLOSED, "Christmas Eve: Dell Denmark closed (sample override)"),
    ("DK", "", date(2026, 12, 31), OverrideKind.CLOSED, "New Year's Eve: Dell Denmark closed (sample override)"),
]

NORWAY_NOTE = "Svalbard is served with parts only; the mainland has next-business-day onsite."

COPENHAGEN, PACIFIC = "Copenhagen Vision Integrators", "Pacific Watch Systems"
PARTNER_LOGINS = {COPENHAGEN: "reseller1", PACIFIC: "reseller2"}


@dataclass
class Story:
    """One dispatch's life, told through the services. `at(days, hours)` is a moment `days` before the
    seed runs plus `hours`; `site(days, hour)` is a site-local wall-clock time `days` after today at the site."""

    dispatch: Dispatch
    now: datetime
    mts: User
    dell: User
    partner: User

    def at(self, days: float, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days) + timedelta(hours=hours)

    def site(self, days: int, hour: int) -> datetime:
        zone = site_zone(self.dispatch.site_timezone)
        today = self.now.astimezone(zone).date()
        return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=zone)

    def step(self, actor: User, action: flow.Action, when: datetime, **values: Any) -> None:
        self.dispatch = services.dispatch_transition(
            actor=actor, dispatch=self.dispatch, action=action.value, now=when, **values
        )

    def accept(self, when: datetime, number: str) -> None:
        self.step(self.dell, flow.Action.ACCEPT, when, dispatch_number=number)

    def on_target(self, hour: int, days: int = 0) -> datetime:
        """A site-local wall-clock time on the NBD target day (plus `days`)."""
        assert self.dispatch.nbd_target_on is not None
        zone = site_zone(self.dispatch.site_timezone)
        return datetime.combine(self.dispatch.nbd_target_on + timedelta(days=days), time(hour), tzinfo=zone)

    def schedule(self, when: datetime, start: datetime, hours: int = 3, note: str = "", reason: str = "") -> None:
        end = start + timedelta(hours=hours)
        note = note or "Agreed with the representative by phone."
        # docs/rules.md rule 8: Dell's first visit after the target says why (kept only when it is after).
        reason = reason or "The earliest slot the representative could give."
        self.step(
            self.dell,
            flow.Action.SCHEDULE,
            when,
            visit_start_at=start,
            visit_end_at=end,
            note=note,
            past_target_reason=reason,
        )

    def outcome(self, when: datetime, outcome: flow.Outcome, note: str = "") -> None:
        self.step(self.dell, flow.Action.OUTCOME, when, outcome=outcome.value, note=note)

    def part(self, when: datetime, **values: Any) -> Any:
        return services.part_add(actor=self.dell, dispatch=self.dispatch, values=values, now=when)

    def clearance(self, actor: User, action: flow.ClearanceAction, when: datetime, note: str = "") -> None:
        self.dispatch = services.clearance_step(
            actor=actor, dispatch=self.dispatch, action=action.value, version=None, note=note, now=when
        )

    def case_step(self, action: CaseAction, when: datetime, note: str) -> None:
        case_services.case_transition(actor=self.mts, case=self.dispatch.case_id, action=action, now=when, note=note)

    def message(self, actor: User, when: datetime, body: str) -> None:
        services.dispatch_note(actor=actor, dispatch=self.dispatch, body=body, now=when)


REP_DK = {"representative_name": "Mette Holm", "representative_phone": "+45 33 12 34 56"}
REP_US = {"representative_name": "Jordan Alvarez", "representative_phone": "+1 212 555 0142"}
REP_HI = {"representative_name": "Keoni Kahale", "representative_phone": "+1 808 555 0199"}
REP_SA = {"representative_name": "Faisal Al-Harbi", "representative_phone": "+966 11 555 0101"}
REP_LA = {"representative_name": "Sam Okafor", "representative_phone": "+1 213 555 0177"}
CLEARANCE_AIRPORT = (
    "Airside site: the technician needs an airport ID escort booked 48 h ahead and must bring a passport."
)


def _requested_with_clearance_sent(s: Story) -> None:
    # Copenhagen airport: the special security request is with Dell, so NBD is not guaranteed yet.
    s.clearance(s.mts, flow.ClearanceAction.REQUEST, s.at(0.25, 1))


def _requested_new(s: Story) -> None:
    s.message(s.mts, s.at(2.75, 0.5), "Customer can give access from 08:00; please bring the replacement board.")


def _accepted_rep_absent(s: Story) -> None:
    # Clearance accepted beforehand, then nobody was there to let the technician in (rule 5).
    s.clearance(s.mts, flow.ClearanceAction.REQUEST, s.at(7, 1))
    s.clearance(s.dell, flow.ClearanceAction.ACCEPT, s.at(7, 3), "Escort booked through the airport's security desk.")
    # On the target day: the technician came in time, so NBD is met whatever the outcome (rule 9).
    s.accept(s.at(7, 4), "DSP-4471902")
    s.schedule(s.at(7, 5), s.on_target(9))
    s.outcome(s.on_target(10), flow.Outcome.REPRESENTATIVE_ABSENT, "Waited 45 minutes at the gate; nobody answered.")
    s.message(s.partner, s.at(3, 2), "Sorry: our contact was ill. A colleague will meet the technician next time.")


def _scheduled_late_reschedule(s: Story) -> None:
    # Honolulu: booked on the NBD day, then moved past it at the customer's request, late (rule 4: fee): NBD missed
    # on the customer's side (rule 9).
    s.accept(s.at(7), "DSP-4472318")
    s.schedule(s.at(7, 1), s.on_target(13), hours=3)
    s.step(
        s.partner,
        flow.Action.RESCHEDULE,
        s.at(7, 2),
        visit_start_at=s.on_target(13, days=3),
        visit_end_at=s.on_target(16, days=3),
        accept_fee=True,
        note="The customer's operations team needs the original day for a shift change.",
    )


def _scheduled_ahead(s: Story) -> None:
    # Booked for later this week: the NBD verdict waits for the target day (rule 9).
    s.accept(s.at(2.8), "DSP-4472560")
    s.schedule(
        s.at(2.8, 1), s.site(5, 9), hours=4, reason="The customer's site is closed until the weekend's works end."
    )


def _denied_once(s: Story) -> None:
    s.step(
        s.dell,
        flow.Action.DENY,
        s.at(1, 3),
        note="The unit's transfer to Denver is still pending: confirm where the unit is now.",
    )


def _voided(s: Story) -> None:
    reasons = [
        "Fault not reproduced in the TSR log: send a fresh SupportAssist collection.",
        "The new collection shows no hardware error on the board.",
        "Still no hardware fault in the logs; this needs software troubleshooting first.",
    ]
    for round_, reason in enumerate(reasons):
        s.step(s.dell, flow.Action.DENY, s.at(9 - 2 * round_, 3), note=reason)
        if round_ < 2:
            s.step(s.mts, flow.Action.RESUBMIT, s.at(8 - 2 * round_, 2), note="Attached a new TSR collection.")


def _parts_shipped(s: Story) -> None:
    s.accept(s.at(2, 3), "DSP-4471555")
    s.part(
        s.at(2, 4),
        part_number="0PSU1100W",
        description="1100 W power supply",
        carrier="DHL",
        tracking_number="JD014600006281",
    )
    s.step(s.dell, flow.Action.SHIP_PARTS, s.at(1, 2))


def _delivered_kyhd(s: Story) -> None:
    # Keep Your Hard Drive was bought and is available in Denmark: the faulty drive stays with the customer.
    s.accept(s.at(5, 3), "DSP-4470987")
    s.part(
        s.at(5, 4),
        part_number="400-BLCK",
        description="8 TB 7.2K SAS hard drive",
        is_hard_drive=True,
        faulty_ppid="CN-0ABC12-34567-8AB-0123",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
    )
    s.step(s.dell, flow.Action.SHIP_PARTS, s.at(4, 2))
    s.step(s.partner, flow.Action.CONFIRM_DELIVERY, s.at(3, 4))


def _completed_part_overdue(s: Story) -> None:
    # The board was fitted two weeks ago; the faulty one was never handed to the courier.
    s.accept(s.at(16, 3), "DSP-4469012")
    s.schedule(s.at(16, 4), s.site(-14, 10))
    part = s.part(
        s.at(16, 5),
        part_number="0X3D66",
        description="System board, Husky IVO 1800R",
        carrier="FedEx",
        tracking_number="7489 2201 5531",
    )
    services.part_update(
        actor=s.dell,
        part=part,
        values={"shipped_on": s.site(-15, 12).date(), "delivered_on": s.site(-14, 12).date()},
        now=s.site(-14, 13),
    )
    s.outcome(s.site(-14, 14), flow.Outcome.COMPLETED, "Board replaced; the unit boots and records on all cameras.")
    # MTS takes the case back, checks the recordings with the partner and resolves it.
    s.case_step(CaseAction.RETURN_TO_MTS, s.site(-14, 16), "Dell replaced the board.")
    s.case_step(CaseAction.RESOLVE, s.site(-13, 10), "Recording verified on all cameras for 24 h.")


def _failed(s: Story) -> None:
    # Dell booked two days after the target (rule 8: with its reason): NBD missed on Dell's side (rule 9).
    s.accept(s.at(8, 3), "DSP-4470250")
    s.schedule(s.at(8, 4), s.on_target(9, days=2), reason="The only technician with the DIMM kit was booked.")
    s.outcome(
        s.on_target(14, days=2), flow.Outcome.FAILED, "The replacement DIMMs were the wrong type; new ones are ordered."
    )


def _clearance_never_accepted(s: Story) -> None:
    # The port's requirements were sent to Dell but never accepted: NBD missed on the customer's side.
    s.clearance(s.mts, flow.ClearanceAction.REQUEST, s.at(6, 1))
    s.accept(s.at(6, 2), "DSP-4470611")


def _no_representative(s: Story) -> None:
    # Nobody named a representative until after the target day: NBD missed on the customer's side.
    s.accept(s.at(6, 2), "DSP-4470702")
    s.message(s.dell, s.at(6, 3), "Please name the site's representative so we can book the visit.")


def _never_accepted(s: Story) -> None:
    s.message(s.mts, s.at(9, 1), "Dell, please confirm: the customer is waiting for the technician.")


def _awaiting_outcome(s: Story) -> None:
    # Visited on the NBD day; the technician has not reported yet, so the visit decides (rule 9).
    s.accept(s.at(6, 2), "DSP-4470833")
    s.schedule(s.at(6, 3), s.on_target(15))


def _cancelled(s: Story) -> None:
    s.accept(s.at(3, 3), "DSP-4471208")
    s.step(s.mts, flow.Action.CANCEL, s.at(2, 1), note="Fixed remotely: a firmware update cleared the NIC fault.")


# reseller, case title (the cases demo's DELL_BOUND cases are taken on from MTS), unit, component, kind,
# dispatch request, days since the case was opened, the story after the escalation
SCENARIOS: list[tuple[str, str, str, str, flow.DispatchKind, dict[str, str], float, Callable[[Story], None]]] = [
    (
        COPENHAGEN,
        "Drive 2 failed in the airport recorder",
        "7XK2M93",
        "hard_drive",
        flow.DispatchKind.ONSITE,
        {**REP_DK, "security_requirements": CLEARANCE_AIRPORT},
        0.3,
        _requested_with_clearance_sent,
    ),
    (COPENHAGEN, DELL_BOUND, "", "", flow.DispatchKind.ONSITE, REP_DK, 3, _requested_new),
    (
        COPENHAGEN,
        "Power supply 1 dead at the Kastrup recorder",
        "7XK2M93",
        "power_supply",
        flow.DispatchKind.ONSITE,
        {**REP_DK, "security_requirements": CLEARANCE_AIRPORT},
        7.2,
        _accepted_rep_absent,
    ),
    (PACIFIC, DELL_BOUND, "", "", flow.DispatchKind.ONSITE, REP_LA, 3, _scheduled_ahead),
    (
        PACIFIC,
        "Recorder overheating at the harbour terminal",
        "HNL4K22",
        "other",
        flow.DispatchKind.ONSITE,
        REP_HI,
        7.3,
        _scheduled_late_reschedule,
    ),
    (
        PACIFIC,
        "Array controller battery failed (New York)",
        "8RMC2Z4",
        "other",
        flow.DispatchKind.ONSITE,
        REP_US,
        1.3,
        _denied_once,
    ),
    (PACIFIC, "Random reboots under load", "3GHF9L7", "motherboard", flow.DispatchKind.ONSITE, REP_LA, 10.3, _voided),
    (
        COPENHAGEN,
        "Redundant power supply failed (Kalvebod Brygge)",
        "2JDW8K5",
        "power_supply",
        flow.DispatchKind.PARTS_ONLY,
        {},
        2.3,
        _parts_shipped,
    ),
    (
        COPENHAGEN,
        "Drive 5 predictive failure",
        "7XK2M93",
        "hard_drive",
        flow.DispatchKind.PARTS_ONLY,
        {},
        5.3,
        _delivered_kyhd,
    ),
    (
        PACIFIC,
        "System board fault: no POST",
        "5TQN6V8",
        "motherboard",
        flow.DispatchKind.ONSITE,
        REP_LA,
        16.3,
        _completed_part_overdue,
    ),
    (
        COPENHAGEN,
        "Memory errors on the Riyadh recorder",
        "4HBQ7R2",
        "memory",
        flow.DispatchKind.ONSITE,
        REP_SA,
        8.3,
        _failed,
    ),
    (
        PACIFIC,
        "NIC 1 drops packets (Los Angeles)",
        "5TQN6V8",
        "network",
        flow.DispatchKind.ONSITE,
        REP_LA,
        3.3,
        _cancelled,
    ),
    (
        COPENHAGEN,
        "Camera server fan failure at the harbour",
        "2JDW8K5",
        "other",
        flow.DispatchKind.ONSITE,
        {**REP_DK, "security_requirements": "Port security: escort from gate 3, steel-toe boots."},
        6.3,
        _clearance_never_accepted,
    ),
    (
        PACIFIC,
        "Drive backplane fault (New York)",
        "8RMC2Z4",
        "other",
        flow.DispatchKind.ONSITE,
        {},
        6.3,
        _no_representative,
    ),
    (COPENHAGEN, "Front panel LED fault", "7XK2M93", "other", flow.DispatchKind.ONSITE, REP_DK, 9.3, _never_accepted),
    (
        PACIFIC,
        "Memory DIMM B2 failing (Los Angeles)",
        "5TQN6V8",
        "memory",
        flow.DispatchKind.ONSITE,
        REP_LA,
        6.3,
        _awaiting_outcome,
    ),
]


def _values(title: str, component: str, unit: Unit) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": title,
        "category": "hardware",
        "component": component,
        "unit": unit,
        "users_impacted": 15,
        "in_production": True,
        "failure_description": f"{title}. The iDRAC shows a hardware error.",
        "troubleshooting_done": "Collected a SupportAssist log, reseated the part, rebooted once.",
        "customer_available_for_diagnostics": True,
    }
    if component == "hard_drive":
        values["ppids"] = ["CN-0ABC12-34567-8AB-0123"]
    return values


def _investigated_case(
    reseller: Organisation, title: str, tag: str, component: str, opened_at: datetime, partner: User, mts: User
) -> Case | None:
    """The case MTS escalates: the cases demo's DELL_BOUND case, or a new one opened and taken here."""
    case = Case.objects.filter(reseller=reseller, title=title).select_related("unit").first()
    if case is not None:
        if case.dispatches.exists() or case.state != CaseState.L2_MTS_INVESTIGATING:
            return None  # escalated by an earlier run (or moved on by hand): leave it alone
        return case
    unit = Unit.objects.filter(service_tag=tag, reseller=reseller).first()
    if unit is None:
        return None
    case, _ = case_services.case_create(
        actor=partner, now=opened_at, values=_values(title, component, unit), escalate=True
    )
    return case_services.case_transition(
        actor=mts, case=case, action=CaseAction.TAKE, version=case.version, now=opened_at + timedelta(hours=1)
    )


def _dispatches(now: datetime) -> int:
    mts = User.objects.filter(username="mts1").first()
    dell = User.objects.filter(username="dell1").first()
    if mts is None or dell is None:
        return 0
    created = 0
    for org_name, title, tag, component, kind, request, days_ago, story in SCENARIOS:
        reseller = Organisation.objects.filter(name=org_name).first()
        partner = User.objects.filter(username=PARTNER_LOGINS[org_name]).first()
        if reseller is None or partner is None:
            continue
        opened_at = now - timedelta(days=days_ago)
        with transaction.atomic():
            case = _investigated_case(reseller, title, tag, component, opened_at, partner, mts)
            if case is None:
                continue
            # The cases demo took its DELL_BOUND case two hours after opening; escalate after that.
            escalated_at = max(opened_at + timedelta(hours=2), case.updated_at + timedelta(minutes=30))
            case = case_services.case_transition(
                actor=mts,
                case=case,
                action=CaseAction.ESCALATE_TO_DELL,
                version=case.version,
                now=escalated_at,
                note="Hardware fault confirmed from the SupportAssist log; please replace the failed part.",
                dispatch_request={"kind": kind.value, **request},
            )
            dispatch = Dispatch.objects.get(case=case)
            story(Story(dispatch=dispatch, now=now, mts=mts, dell=dell, partner=partner))
            created += 1
    return created


def seed() -> str:
    """Create the sample holiday overrides and the demo dispatches if missing; returns a summary line."""
    # Demo steps would email the demo users; nobody reads those, so they go nowhere.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _seed()


def _sample_overrides_and_history(now: datetime) -> None:
    """The sample overrides, and one coverage note, made by the demo MTS admin through the services so the
    coverage page has a change history. Idempotent: what exists is left alone."""
    admin = User.objects.filter(username="mtsadmin").first()
    for country, subdivision, applies_on, kind, note in SAMPLE_OVERRIDES:
        if HolidayOverride.objects.filter(country=country, subdivision=subdivision, applies_on=applies_on).exists():
            continue
        if admin is None:
            HolidayOverride(
                country=country, subdivision=subdivision, applies_on=applies_on, kind=kind, note=note
            ).save()
        else:
            holiday_override_create(
                actor=admin,
                country=country,
                subdivision=subdivision,
                applies_on=applies_on,
                kind=kind,
                note=note,
                now=now,
            )
    norway = Coverage.objects.filter(country="NO").first()
    if admin is not None and norway is not None and not ReferenceChange.objects.filter(subject="NO").exists():
        coverage_update(actor=admin, coverage=norway, notes=NORWAY_NOTE, now=now)


def _seed() -> str:
    now = timezone.now()
    with transaction.atomic():
        _sample_overrides_and_history(now)
    created = _dispatches(now)
    # As the beat job would have done by now: NBD targets missed, schedules frozen, the faulty part overdue.
    sweeps.run_all(now=now)
    covered = Coverage.objects.filter(onsite_available=True).count()
    states = sorted(set(Dispatch.objects.values_list("state", flat=True)))
    return (
        f"coverage for {Coverage.objects.count()} countries (sample data; {covered} with onsite service), "
        f"{HolidayOverride.objects.count()} holiday overrides, {created} demo dispatches created "
        f"({Dispatch.objects.count()} in all: {', '.join(states)})"
    )
