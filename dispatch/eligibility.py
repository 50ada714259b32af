"""Eligibility for Dell onsite service at the moment MTS qualifies an incident (docs/rules.md rule 3).

Pure: frozen dataclasses in, a frozen dataclass out; no ORM, no clock, no settings. Every
reason that applies is reported (not just the first), always in `REASON_ORDER`.

What each reason does (docs/rules.md rule 3 read literally: a condition blocks onsite service unless
the rule says it only affects NBD or KYHD, or calls it a warning):

| reason                       | onsite | NBD    | KYHD   | note                                        |
|------------------------------|--------|--------|--------|---------------------------------------------|
| `warranty_expired`           | blocks | blocks | blocks | KYHD is a warranty service                  |
| `country_not_covered`        | blocks | blocks |        | no coverage row, or no onsite service       |
| `nbd_not_available`          |        | blocks |        | not offered in the country, or not bought   |
| `kyhd_not_available`         |        |        | blocks | KYHD bought; not offered, or no coverage row|
| `location_unregistered`      |        |        |        | warning: no confirmed service-tag transfer  |
| `location_mismatch`          | blocks | blocks | blocks | until a transfer to the site is confirmed   |
| `after_cutoff`               |        |        |        | explains the NBD target (rule 2)            |
| `not_business_day`           |        |        |        | explains the NBD target (rule 2)            |
| `timezone_mismatch`          |        |        |        | explains the NBD target (rule 2)            |
| `security_clearance_pending` |        | blocks |        | "NBD is not guaranteed"                     |
| `authorized_rep_missing`     | blocks | blocks |        | only when known to be missing               |

NBD needs onsite eligibility, NBD available in the country, the `nbd_onsite` service on the
service tag and no pending security clearance. `after_cutoff`, `not_business_day` and
`timezone_mismatch` are only reported alongside an NBD target, since they explain that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from husky_support.calendar import Calendar, UnknownTimezone, business_calendar, nbd_target, require_aware, site_zone
from husky_support.geo import single_timezone_for_country, timezones_for_country

__all__ = [
    "BLOCKS_KYHD",
    "BLOCKS_NBD",
    "BLOCKS_ONSITE",
    "DEFAULT_CUTOFF",
    "QUALIFIED_AT_YEARS",
    "REASON_ORDER",
    "REASON_TEXT",
    "SERVICE_KYHD",
    "SERVICE_NBD_ONSITE",
    "WARNINGS",
    "CoverageTerms",
    "Eligibility",
    "Reason",
    "SiteFacts",
    "UnitFacts",
    "assess_eligibility",
    "qualified_at_problem",
    "resolve_site_timezone",
]

SERVICE_NBD_ONSITE = "nbd_onsite"
SERVICE_KYHD = "kyhd"
DEFAULT_CUTOFF = time(17, 0)  # docs/rules.md "Coverage": the local cut-off defaults to 17:00
# Qualification is a moment near today. Far outside these years there are no holiday tables, and searching
# for the next business day near year 9999 runs past the last date Python can represent.
QUALIFIED_AT_YEARS = (1990, 2199)


def qualified_at_problem(qualified_at: datetime) -> str | None:
    """Why `qualified_at` cannot be assessed (outside QUALIFIED_AT_YEARS in UTC), or None."""
    first, last = QUALIFIED_AT_YEARS
    try:
        year = qualified_at.astimezone(UTC).year
    except OverflowError:  # 9999-12-31T23:00-01:00 is past the last UTC instant
        year = last + 1
    if first <= year <= last:
        return None
    return f"Ask about a moment between the years {first} and {last}."


class Reason(StrEnum):
    """Stable reason codes of docs/rules.md rule 3; the declaration order is the reporting order."""

    WARRANTY_EXPIRED = "warranty_expired"
    COUNTRY_NOT_COVERED = "country_not_covered"
    NBD_NOT_AVAILABLE = "nbd_not_available"
    KYHD_NOT_AVAILABLE = "kyhd_not_available"
    LOCATION_UNREGISTERED = "location_unregistered"
    LOCATION_MISMATCH = "location_mismatch"
    AFTER_CUTOFF = "after_cutoff"
    NOT_BUSINESS_DAY = "not_business_day"
    TIMEZONE_MISMATCH = "timezone_mismatch"
    SECURITY_CLEARANCE_PENDING = "security_clearance_pending"
    AUTHORIZED_REP_MISSING = "authorized_rep_missing"


REASON_ORDER: tuple[Reason, ...] = tuple(Reason)

BLOCKS_ONSITE: frozenset[Reason] = frozenset(
    {
        Reason.WARRANTY_EXPIRED,
        Reason.COUNTRY_NOT_COVERED,
        Reason.LOCATION_MISMATCH,
        Reason.AUTHORIZED_REP_MISSING,
    }
)
BLOCKS_NBD: frozenset[Reason] = BLOCKS_ONSITE | {Reason.NBD_NOT_AVAILABLE, Reason.SECURITY_CLEARANCE_PENDING}
BLOCKS_KYHD: frozenset[Reason] = frozenset(
    {Reason.WARRANTY_EXPIRED, Reason.KYHD_NOT_AVAILABLE, Reason.LOCATION_MISMATCH}
)
WARNINGS: frozenset[Reason] = frozenset({Reason.LOCATION_UNREGISTERED})

REASON_TEXT: dict[Reason, str] = {
    Reason.WARRANTY_EXPIRED: "The unit's warranty is not active on the site-local date of qualification.",
    Reason.COUNTRY_NOT_COVERED: "Dell does not provide onsite service in the unit's registered country.",
    Reason.NBD_NOT_AVAILABLE: (
        "Next-business-day onsite service is not available for this unit (not offered in its country "
        "or not purchased on its service tag); onsite service is best effort with no NBD target."
    ),
    Reason.KYHD_NOT_AVAILABLE: (
        "Keep Your Hard Drive was purchased but is not available in the unit's registered country; "
        "a replaced hard drive must be returned to Dell."
    ),
    Reason.LOCATION_UNREGISTERED: (
        "The unit's final location has not been registered with Dell by a confirmed service-tag transfer."
    ),
    Reason.LOCATION_MISMATCH: (
        "The case's site country differs from the unit's registered country; onsite service, NBD and "
        "purchased services such as Keep Your Hard Drive are not available until a service-tag transfer "
        "to the site is confirmed."
    ),
    Reason.AFTER_CUTOFF: (
        "The incident was qualified at or after the local cut-off time at the unit's site, so it counts "
        "as received on the next business day."
    ),
    Reason.NOT_BUSINESS_DAY: (
        "The incident was qualified on a weekend day or public holiday at the unit's site, so it counts as "
        "received on the next business day."
    ),
    Reason.TIMEZONE_MISMATCH: (
        "The unit is in a different time zone from yours; the next-business-day target follows the "
        "unit's local time and business days."
    ),
    Reason.SECURITY_CLEARANCE_PENDING: (
        "The site has security or clearance requirements that were not accepted beforehand; "
        "next-business-day service is not guaranteed and a fee may apply."
    ),
    Reason.AUTHORIZED_REP_MISSING: (
        "No authorised customer representative is named; the technician cannot service the unit without one."
    ),
}


@dataclass(frozen=True, slots=True)
class CoverageTerms:
    """One row of the coverage table: what Dell offers in a country (docs/rules.md "Coverage")."""

    onsite_available: bool
    nbd_available: bool
    kyhd_available: bool
    cutoff: time = DEFAULT_CUTOFF


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the service tag says: warranty, purchased services and the registered location.

    `registered_timezone` may be None only for a country with a single zone, which is then used.
    """

    warranty_start_on: date
    warranty_end_on: date
    services: frozenset[str]
    registered_country: str
    registered_subdivision: str | None = None
    registered_timezone: str | None = None
    location_confirmed: bool = True


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """What the case says about the site. None means "not known yet" and raises no reason.

    `site_country` None means the unit is where it is registered; `authorized_rep_named` None
    means the question was not asked (e.g. a unit-level eligibility query before any case).
    """

    site_country: str | None = None
    security_requirements: bool = False
    security_accepted_beforehand: bool = False
    authorized_rep_named: bool | None = None


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The answer at `qualified_at`. Dates are site-local; `nbd_target_date` is None unless NBD-eligible."""

    onsite_eligible: bool
    nbd_eligible: bool
    kyhd_eligible: bool
    nbd_target_date: date | None
    nbd_received_on: date | None
    site_timezone: str
    site_local_qualified_at: datetime
    reasons: tuple[Reason, ...]

    @property
    def onsite_blockers(self) -> tuple[Reason, ...]:
        """The reasons that make onsite service ineligible (what `escalate_to_dell` refuses with)."""
        return tuple(r for r in self.reasons if r in BLOCKS_ONSITE)

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r in WARNINGS)

    def explain(self) -> list[str]:
        """One human sentence per reason, in reporting order."""
        return [REASON_TEXT[r] for r in self.reasons]


def resolve_site_timezone(country: str, timezone: str | None) -> str:
    """The site's IANA zone: `timezone` if given, else the country's only zone.

    Raises UnknownTimezone for a bad zone, or when the country has several zones and none was given.
    """
    if timezone:
        site_zone(timezone)
        return timezone
    derived = single_timezone_for_country(country)
    if derived is None:
        zones = timezones_for_country(country)
        if zones:
            raise UnknownTimezone(
                f"{country.upper()} has several time zones ({', '.join(zones[:5])}"
                f"{', ...' if len(zones) > 5 else ''}); the unit's time zone must be given."
            )
        raise UnknownTimezone(f"No time zone is known for country {country!r}; give the unit's time zone.")
    return derived


def assess_eligibility(
    *,
    coverage: CoverageTerms | None,
    unit: UnitFacts,
    qualified_at: datetime,
    site: SiteFacts | None = None,
    partner_timezone: str | None = None,
    calendar: Calendar | None = None,
) -> Eligibility:
    """docs/rules.md rules 1-3: eligibility and NBD target at `qualified_at`, in the unit's registered zone.

    `coverage` is the registered country's coverage row, None when the country has none. `calendar` is
    the registered place's business calendar with the admin overrides applied (partners.calendars);
    None means the package calendar alone.
    Raises ValueError for a naive `qualified_at`; UnknownTimezone / UnknownCountry /
    UnknownSubdivision (ValueError subclasses with a `code`) for bad place data.
    """
    require_aware(qualified_at)
    site = site or SiteFacts()
    # docs/rules.md rule 1: L is the unit's registered location; rule 2: always its zone.
    site_timezone = resolve_site_timezone(unit.registered_country, unit.registered_timezone)
    zone = site_zone(site_timezone)
    package_calendar = business_calendar(unit.registered_country, unit.registered_subdivision)  # validates early
    local = qualified_at.astimezone(zone)
    local_day = local.date()
    reasons: set[Reason] = set()

    if not unit.warranty_start_on <= local_day <= unit.warranty_end_on:
        reasons.add(Reason.WARRANTY_EXPIRED)
    if coverage is None or not coverage.onsite_available:
        reasons.add(Reason.COUNTRY_NOT_COVERED)
    if coverage is not None and (not coverage.nbd_available or SERVICE_NBD_ONSITE not in unit.services):
        reasons.add(Reason.NBD_NOT_AVAILABLE)
    if SERVICE_KYHD in unit.services and (coverage is None or not coverage.kyhd_available):
        reasons.add(Reason.KYHD_NOT_AVAILABLE)
    if not unit.location_confirmed:
        reasons.add(Reason.LOCATION_UNREGISTERED)  # docs/rules.md rule 3: a warning only
    if site.site_country and site.site_country.strip().upper() != unit.registered_country.strip().upper():
        reasons.add(Reason.LOCATION_MISMATCH)
    if site.security_requirements and not site.security_accepted_beforehand:
        reasons.add(Reason.SECURITY_CLEARANCE_PENDING)  # docs/rules.md rule 3: "NBD is not guaranteed"
    if site.authorized_rep_named is False:
        reasons.add(Reason.AUTHORIZED_REP_MISSING)

    onsite_eligible = not reasons & BLOCKS_ONSITE
    nbd_eligible = not reasons & BLOCKS_NBD
    kyhd_eligible = SERVICE_KYHD in unit.services and not reasons & BLOCKS_KYHD

    target_on: date | None = None
    received: date | None = None
    if nbd_eligible and coverage is not None:  # a missing coverage row already blocks NBD
        target = nbd_target(qualified_at, site_timezone, calendar or package_calendar, coverage.cutoff)
        target_on, received = target.target_on, target.received_on
        # docs/rules.md rule 2: tell the partner why the target moved.
        if target.after_cutoff:
            reasons.add(Reason.AFTER_CUTOFF)
        if target.not_business_day:
            reasons.add(Reason.NOT_BUSINESS_DAY)
        # Compared by UTC offset at qualified_at, not by name: Europe/Berlin and Europe/Copenhagen
        # read the same clock, so a partner there has nothing to be warned about.
        if partner_timezone is not None and (
            qualified_at.astimezone(site_zone(partner_timezone)).utcoffset() != local.utcoffset()
        ):
            reasons.add(Reason.TIMEZONE_MISMATCH)
    elif partner_timezone is not None:
        site_zone(partner_timezone)  # bad input is rejected whatever the outcome

    return Eligibility(
        onsite_eligible=onsite_eligible,
        nbd_eligible=nbd_eligible,
        kyhd_eligible=kyhd_eligible,
        nbd_target_date=target_on,
        nbd_received_on=received,
        site_timezone=site_timezone,
        site_local_qualified_at=local,
        reasons=tuple(r for r in REASON_ORDER if r in reasons),
    )
