"""Dispatches for tests, made through the real services: a hardware case escalated to MTS, taken, and
escalated to Dell by its technician."""

from datetime import UTC, datetime, timedelta

from cases import services as case_services
from cases.workflow import Action
from dispatch.models import Dispatch
from partners.kinds import OrgKind
from partners.models import Organisation
from tests.cases.factories import open_case
from tests.partners.factories import DellFactory

# Tuesday 10 March 2026, 12:00 UTC = 13:00 in Copenhagen: a business day before the cut-off.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
REPRESENTATIVE = {"representative_name": "Mette Holm", "representative_phone": "+45 33 12 34 56"}


def escalated_case(partner, mts, unit, *, now=NOW, **overrides):
    """A case investigated by `mts`, ready for escalate_to_dell."""
    case = open_case(partner, unit, now=now - timedelta(hours=2), escalate=True, **overrides)
    return case_services.case_transition(
        actor=mts, case=case, action=Action.TAKE, version=case.version, now=now - timedelta(hours=1)
    )


def dispatch_for(partner, mts, unit, *, now=NOW, request=None, **overrides) -> Dispatch:
    """A requested dispatch (escalate_to_dell at `now`, the moment of qualification), sent to the Dell
    organisation (one is created when the test has none)."""
    if not Organisation.objects.filter(kind=OrgKind.DELL, is_active=True).exists():
        DellFactory()
    case = escalated_case(partner, mts, unit, now=now, **overrides)
    case = case_services.case_transition(
        actor=mts,
        case=case,
        action=Action.ESCALATE_TO_DELL,
        version=case.version,
        now=now,
        note="Drive failed; replace it.",
        dispatch_request=REPRESENTATIVE if request is None else request,
    )
    return Dispatch.objects.get(case=case)


def bulk_dispatches(count: int, *, reseller, dell_org, unit=None, state="scheduled") -> list[Dispatch]:
    """Plain dispatch rows (no history) for list and query-count tests: one case each."""
    from cases.models import Case
    from tests.cases.factories import CaseFactory

    cases = CaseFactory.build_batch(count, reseller=reseller, unit=unit, state="l3_dell")
    Case.objects.bulk_create(cases)
    rows = [
        Dispatch(
            case=case,
            dell_org=dell_org,
            state=state,
            qualified_at=NOW,
            eligibility={"reasons": []},
            nbd_target_on=(NOW + timedelta(days=1 + n % 5)).date(),
            site_timezone="Europe/Copenhagen",
            site_country="DK",
            unit_id=case.unit_id,
            component=case.component,
            team_id=case.team_id,
            escalated_at=case.escalated_at,
            visit_start_at=NOW + timedelta(days=3),
            visit_end_at=NOW + timedelta(days=3, hours=2),
            created_at=NOW,
            updated_at=NOW,
        )
        for n, case in enumerate(Case.objects.filter(reseller=reseller, state="l3_dell").order_by("id"))
    ]
    return Dispatch.objects.bulk_create(rows)
