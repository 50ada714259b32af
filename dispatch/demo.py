"""Demo data of the dispatch app. Idempotent: running it again changes nothing.

The coverage table itself is seeded (with sample values) by migration 0002_seed_coverage, so every
installation can answer eligibility questions; the demo adds a sample holiday override on top.
"""

from datetime import date

from django.db import transaction

from dispatch.models import Coverage
from partners.models import HolidayOverride, OverrideKind

SAMPLE_OVERRIDES = [
    # country, subdivision, date, kind, note
    ("DK", "", date(2026, 12, 24), OverrideKind.CLOSED, "Christmas Eve: Dell Denmark closed (sample override)"),
    ("DK", "", date(2026, 12, 31), OverrideKind.CLOSED, "New Year's Eve: Dell Denmark closed (sample override)"),
]


@transaction.atomic
def seed() -> str:
    """Create the sample holiday overrides if missing; returns a summary line."""
    for country, subdivision, applies_on, kind, note in SAMPLE_OVERRIDES:
        override, created = HolidayOverride.objects.get_or_create(
            country=country, subdivision=subdivision, applies_on=applies_on, defaults={"kind": kind, "note": note}
        )
        if created:
            override.full_clean()
    covered = Coverage.objects.filter(onsite_available=True).count()
    return (
        f"coverage for {Coverage.objects.count()} countries (sample data; {covered} with onsite service), "
        f"{HolidayOverride.objects.count()} holiday overrides"
    )
