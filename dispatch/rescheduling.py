"""The 8-day rescheduling rule (docs/rules.md rule 4), counted in site-local calendar dates.

Pure: no ORM, no clock, no settings; the moment of agreement is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from husky_support.calendar import require_aware, site_zone

__all__ = ["FREE_RESCHEDULE_DAYS", "RescheduleTerms", "free_window_closes_at", "reschedule_terms"]

# docs/rules.md rule 4: a change agreed at least 8 site-local calendar days before the visit is free.
FREE_RESCHEDULE_DAYS = 8


@dataclass(frozen=True, slots=True)
class RescheduleTerms:
    """Terms of a change agreed at some moment. Dates are site-local.

    `days_before` = visit start date - agreement date (negative once the visit has started);
    `free_until_on` is the last site-local date on which agreeing is still free.
    """

    days_before: int
    free: bool
    fee_applies: bool
    free_until_on: date


def _local_date(moment: datetime, site_timezone: str, name: str) -> date:
    require_aware(moment, name)
    return moment.astimezone(site_zone(site_timezone)).date()


def reschedule_terms(visit_start_at: datetime, agreed_at: datetime, site_timezone: str) -> RescheduleTerms:
    """docs/rules.md rule 4: whether a change agreed at `agreed_at` to the visit at `visit_start_at` is free.

    Raises ValueError for naive datetimes, UnknownTimezone for a bad zone.
    """
    start_on = _local_date(visit_start_at, site_timezone, "visit_start_at")
    agreed_on = _local_date(agreed_at, site_timezone, "agreed_at")
    # docs/rules.md rule 4: calendar dates in the site's zone, so a DST night or the hour of day never matters.
    days_before = (start_on - agreed_on).days
    free = days_before >= FREE_RESCHEDULE_DAYS
    return RescheduleTerms(
        days_before=days_before,
        free=free,
        fee_applies=not free,
        free_until_on=start_on - timedelta(days=FREE_RESCHEDULE_DAYS),
    )


def free_window_closes_at(visit_start_at: datetime, site_timezone: str) -> datetime:
    """The UTC instant the free window closes: the start of the first site-local date that is too late.

    A change agreed strictly before this instant is free; at or after it the fee applies.
    Raises ValueError for a naive datetime, UnknownTimezone for a bad zone.
    """
    start_on = _local_date(visit_start_at, site_timezone, "visit_start_at")
    first_late_on = start_on - timedelta(days=FREE_RESCHEDULE_DAYS - 1)
    # fold=0 gives the earlier reading of an ambiguous midnight and, for a midnight skipped by a DST
    # gap, the transition instant itself: in both cases the first instant of that local date.
    local_midnight = datetime.combine(first_late_on, time(0), tzinfo=site_zone(site_timezone))
    return local_midnight.astimezone(UTC)
