"""Cases for tests: through the services (real timelines) or, for bulk and state tables, as plain rows."""

from datetime import UTC, datetime, timedelta

import factory

from cases import services
from cases.models import Case
from cases.workflow import State
from tests.partners.factories import ResellerFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PPID = "CN-0ABC12-34567-8AB-0123"


def complete_values(unit=None, **overrides) -> dict:
    """A hardware case whose MTS checklist is complete (site address pre-filled from the unit)."""
    values = {
        "title": "Drive 3 dropped from the array",
        "category": "hardware",
        "component": "hard_drive",
        "unit": unit,
        "ppids": [PPID],
        "users_impacted": 12,
        "in_production": True,
        "failure_description": "The RAID controller reports drive 3 as failed.",
        "troubleshooting_done": "Reseated the drive; the rebuild fails at 12 %.",
        "customer_available_for_diagnostics": True,
    }
    values.update(overrides)
    return values


def open_case(actor, unit=None, *, now=NOW, escalate=False, **overrides) -> Case:
    case, _created = services.case_create(
        actor=actor, now=now, values=complete_values(unit, **overrides), escalate=escalate
    )
    return case


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row in any state without its history (state tables, bulk lists)."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"HSK-2026-{n + 500000:06d}")
    reseller = factory.SubFactory(ResellerFactory)
    title = factory.Sequence(lambda n: f"Case {n}")
    category = "hardware"
    component = "hard_drive"
    site_address_line1 = "Havnegade 1"
    site_city = "Copenhagen"
    site_postal_code = "1058"
    site_country = "DK"
    site_timezone = "Europe/Copenhagen"
    ppids = factory.LazyFunction(lambda: [PPID.replace("-", "")])
    users_impacted = 3
    in_production = True
    failure_description = "Failure."
    troubleshooting_done = "Rebooted."
    customer_available_for_diagnostics = True
    priority = "p2_high"
    state = State.L1_RESELLER.value
    created_at = NOW
    updated_at = NOW
    sla_due_at = factory.LazyAttribute(
        lambda c: NOW + timedelta(hours=8) if c.state in {"l2_mts_queue", "l2_mts_investigating"} else None
    )
    resolved_at = factory.LazyAttribute(lambda c: NOW - timedelta(days=1) if c.state == "resolved" else None)
    auto_close_due_at = factory.LazyAttribute(lambda c: NOW + timedelta(days=13) if c.state == "resolved" else None)


OFFICE_HOURS = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


class TeamFactory(factory.django.DjangoModelFactory):
    """An MTS team working 08:00-16:00 on weekdays in Copenhagen, with Danish holidays."""

    class Meta:
        model = "cases.Team"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    timezone = "Europe/Copenhagen"
    weekly_hours = factory.LazyFunction(lambda: dict(OFFICE_HOURS))
    holiday_country = "DK"

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        from cases.models import TeamCountry

        for code in extracted or ():
            TeamCountry.objects.create(team=self, country=code)
