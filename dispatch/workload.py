"""What is waiting on Dell (and what MTS watches of Dell): the tiles of the home pages and the queue filters
they lead to, one condition per tile so a count and its filtered queue always agree.

Each site keeps its own clock: "today" is the site-local day of each dispatch's zone. The conditions are built
per (country, zone) of the open dispatches, read in one query (`places`); the counts are one aggregate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextChoices

from dispatch.models import Dispatch, Part
from dispatch.workflow import NBD_PENDING_STATES, OPEN_STATES, DispatchKind, State
from husky_support.calendar import Calendar, CalendarError, business_calendar, site_zone
from partners.calendars import calendars_for


class Waiting(TextChoices):
    """The tiles; each value is also the queue's `waiting` filter."""

    TO_ACCEPT = "to_accept", "To accept"
    TO_SCHEDULE = "to_schedule", "To schedule"
    VISIT_TODAY = "visit_today", "Visits today (site time)"
    VISIT_TOMORROW = "visit_tomorrow", "Visits tomorrow (site time)"
    NBD_TODAY = "nbd_today", "NBD due today"
    NBD_MISSED = "nbd_missed", "NBD missed"
    PART_OVERDUE = "part_overdue", "Faulty parts overdue"
    REQUEST_STALE = "request_stale", "Requested, not accepted after a business day"
    MISSED_WEEK = "missed_week", "NBD missed this week"


DELL_TILES = (
    Waiting.TO_ACCEPT,
    Waiting.TO_SCHEDULE,
    Waiting.VISIT_TODAY,
    Waiting.VISIT_TOMORROW,
    Waiting.NBD_TODAY,
    Waiting.NBD_MISSED,
    Waiting.PART_OVERDUE,
)
MTS_TILES = (Waiting.REQUEST_STALE, Waiting.NBD_TODAY, Waiting.MISSED_WEEK)
URGENT = frozenset({Waiting.NBD_MISSED, Waiting.PART_OVERDUE, Waiting.REQUEST_STALE, Waiting.MISSED_WEEK})

_OPEN = [s.value for s in OPEN_STATES]
_NBD_PENDING = [s.value for s in NBD_PENDING_STATES]
_NOTHING = Q(pk__in=[])


def nbd_missed_q(since: datetime | None = None) -> Q:
    """THE one reading of "this dispatch missed its NBD target" (since `since` when given) for the tiles and
    the queue filter: `nbd_missed_at`, stamped with the stored rule 9 verdict `missed` (dispatch.services.nbd)."""
    q = Q(nbd_missed_at__isnull=False)
    if since is not None:
        q &= Q(nbd_missed_at__gte=since)
    return q


@dataclass(frozen=True)
class Place:
    country: str
    timezone: str


def places(qs: QuerySet[Dispatch]) -> list[Place]:
    """The (country, zone) pairs of the open dispatches in `qs`: one query."""
    rows = qs.filter(state__in=_OPEN).order_by().values_list("site_country", "site_timezone").distinct()
    return [Place(country, zone) for country, zone in rows]


def _local_day_bounds(now: datetime, zone_name: str, offset_days: int) -> tuple[date, datetime, datetime]:
    zone = site_zone(zone_name)
    day = now.astimezone(zone).date() + timedelta(days=offset_days)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return day, start, end


def one_business_day_before(now: datetime, place: Place, calendar: Calendar) -> datetime:
    """The same site-local wall-clock time on the business day before the site's today (`calendar`: the
    site country's, with the admin holiday overrides)."""
    zone = site_zone(place.timezone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=1)
    for _ in range(30):
        if calendar.is_business_day(day):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def _per_place(found: list[Place], build: Callable[[Place], Q]) -> Q:
    q = _NOTHING
    for place in found:
        try:
            q |= build(place)
        except CalendarError:  # a stored zone or country no calendar knows: left out, not a failed page
            continue
    return q


def _calendars(found: list[Place], now: datetime) -> dict[str, Calendar]:
    countries: dict[str, Calendar] = {}
    known = set()
    for place in found:
        try:
            business_calendar(place.country)
        except CalendarError:
            continue
        known.add((place.country, ""))
    today = now.astimezone(UTC).date()
    for (country, _sub), calendar in calendars_for(
        known, first=today - timedelta(days=32), last=today + timedelta(days=1)
    ).items():
        countries[country] = calendar
    return countries


def week_start(now: datetime, zone_name: str) -> datetime:
    """Monday 00:00 of `now`'s week in the viewer's zone, as UTC."""
    zone = site_zone(zone_name)
    local = now.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def waiting_q(key: Waiting, *, found: list[Place], now: datetime, viewer_zone: str = "UTC") -> Q:
    """The condition of one tile, on Dispatch rows."""
    if key is Waiting.TO_ACCEPT:
        return Q(state=State.REQUESTED)
    if key is Waiting.TO_SCHEDULE:
        return Q(state=State.ACCEPTED, kind=DispatchKind.ONSITE)
    if key in {Waiting.VISIT_TODAY, Waiting.VISIT_TOMORROW}:
        offset = 0 if key is Waiting.VISIT_TODAY else 1

        def visits(place: Place) -> Q:
            _day, start, end = _local_day_bounds(now, place.timezone, offset)
            return Q(site_timezone=place.timezone, visit_start_at__gte=start, visit_start_at__lt=end)

        return Q(state=State.SCHEDULED) & _per_place(found, visits)
    if key is Waiting.NBD_TODAY:

        def due(place: Place) -> Q:
            day, _start, _end = _local_day_bounds(now, place.timezone, 0)
            return Q(site_timezone=place.timezone, nbd_target_on=day)

        return Q(state__in=_NBD_PENDING) & ~nbd_missed_q() & _per_place(found, due)
    if key is Waiting.NBD_MISSED:
        return Q(state__in=_OPEN) & nbd_missed_q()
    if key is Waiting.PART_OVERDUE:
        overdue = Part.objects.filter(dispatch=OuterRef("pk"), return_flagged_at__isnull=False, returned_on=None)
        return Q(Exists(overdue))
    if key is Waiting.REQUEST_STALE:
        calendars = _calendars(found, now)  # one query: the holiday overrides of these countries

        def stale(place: Place) -> Q:
            calendar = calendars.get(place.country)
            if calendar is None:  # a country no calendar knows: left out
                return _NOTHING
            cutoff = one_business_day_before(now, place, calendar)
            return Q(site_country=place.country, site_timezone=place.timezone, created_at__lt=cutoff)

        return Q(state=State.REQUESTED) & _per_place(found, stale)
    return nbd_missed_q(since=week_start(now, viewer_zone))  # MISSED_WEEK


def counts(
    qs: QuerySet[Dispatch], keys: tuple[Waiting, ...], *, now: datetime, viewer_zone: str = "UTC"
) -> dict[str, int]:
    """Each tile's count over the dispatches in `qs`: two queries (the places, one aggregate)."""
    found = places(qs)
    aggregates = {
        key.value: Count("pk", filter=waiting_q(key, found=found, now=now, viewer_zone=viewer_zone)) for key in keys
    }
    return {name: int(value or 0) for name, value in qs.order_by().aggregate(**aggregates).items()}
