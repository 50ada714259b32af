"""Reads of the dispatch app: coverage, calendars with admin overrides, and a unit's eligibility.

Coverage is reference data every signed-in user may read. A unit's eligibility starts from the
servicetags visibility gate (`unit_get`), so another organisation's unit answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

from cases.models import CaseEvent, EventKind
from dispatch.eligibility import (
    BLOCKS_KYHD,
    BLOCKS_NBD,
    BLOCKS_ONSITE,
    REASON_TEXT,
    SERVICE_KYHD,
    SERVICE_NBD_ONSITE,
    WARNINGS,
    Eligibility,
    Reason,
    SiteFacts,
    UnitFacts,
    assess_eligibility,
    resolve_site_timezone,
)
from dispatch.models import Coverage, Dispatch, Fee, Part, ScheduleChange
from dispatch.workflow import OPEN_STATES
from dispatch.workflow import Action as DispatchAction
from dispatch.workflow import State as DispatchState
from dispatch.workload import Waiting, nbd_missed_q, places, waiting_q
from husky_support.calendar import Calendar, CalendarError, business_calendar, require_aware, site_zone
from partners.calendars import overrides_between, with_overrides
from partners.models import HolidayOverride, ReferenceChange, User
from partners.visibility import scope_to_viewer
from servicetags.models import Unit
from servicetags.selectors import unit_get

__all__ = [
    "ReasonDetail",
    "UnitEligibility",
    "coverage_get",
    "coverage_list",
    "holiday_overrides_list",
    "reference_history",
    "eligibility_for_unit",
    "reason_details",
    "unit_facts",
    "unit_for_eligibility",
]

# Overrides are read for this many days after the site-local date of qualification: far more than
# any real run of closed days between qualification and the NBD target.
OVERRIDE_WINDOW_DAYS = 60


def coverage_list(
    *,
    onsite_available: bool | None = None,
    nbd_available: bool | None = None,
    kyhd_available: bool | None = None,
) -> QuerySet[Coverage]:
    """The coverage table, optionally filtered by what is available, ordered by country."""
    qs = Coverage.objects.select_related("updated_by").order_by("country")
    if onsite_available is not None:
        qs = qs.filter(onsite_available=onsite_available)
    if nbd_available is not None:
        qs = qs.filter(nbd_available=nbd_available)
    if kyhd_available is not None:
        qs = qs.filter(kyhd_available=kyhd_available)
    return qs


def coverage_get(country: str) -> Coverage:
    """One country's coverage ("dk" or "DK"). Raises Coverage.DoesNotExist."""
    return Coverage.objects.select_related("updated_by").get(country=(country or "").strip().upper())


def holiday_overrides_list() -> QuerySet[HolidayOverride]:
    """Every holiday override (reference data every signed-in user may read), by date, the latest first."""
    return HolidayOverride.objects.select_related("updated_by").order_by("-applies_on", "country", "subdivision")


def reference_history(limit: int = 50) -> list[ReferenceChange]:
    """The latest `limit` changes of coverage and holiday overrides, newest first. One query."""
    return list(ReferenceChange.objects.select_related("changed_by").order_by("-changed_at", "-id")[:limit])


def unit_for_eligibility(user: User, service_tag: str) -> Unit:
    """A unit `user` may see, by service tag (trimmed, any case). Raises Unit.DoesNotExist otherwise."""
    return unit_get(user, service_tag)


def unit_facts(unit: Unit) -> UnitFacts:
    """The pure facts of a unit: warranty, purchased services and registered location."""
    services = set()
    if unit.nbd_onsite:
        services.add(SERVICE_NBD_ONSITE)
    if unit.kyhd:
        services.add(SERVICE_KYHD)
    return UnitFacts(
        warranty_start_on=unit.warranty_start_on,
        warranty_end_on=unit.warranty_end_on,
        services=frozenset(services),
        registered_country=unit.country,
        registered_subdivision=unit.subdivision or None,
        registered_timezone=unit.timezone or None,
        location_confirmed=unit.location_confirmed,
    )


@dataclass(frozen=True, slots=True)
class ReasonDetail:
    code: str
    blocks: str  # "onsite" | "nbd" | "kyhd" | "none": the most important thing the reason rules out
    message: str


def _blocks(reason: Reason) -> str:
    if reason in BLOCKS_ONSITE:
        return "onsite"
    if reason in BLOCKS_NBD:
        return "nbd"
    if reason in BLOCKS_KYHD:
        return "kyhd"
    return "none"


def reason_details(eligibility: Eligibility) -> list[ReasonDetail]:
    """One entry per reason, in reporting order, with what it blocks and a sentence for people."""
    return [ReasonDetail(code=r.value, blocks=_blocks(r), message=REASON_TEXT[r]) for r in eligibility.reasons]


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """A site-local day between qualification and the NBD target that was not a business day, and why."""

    on: date
    why: str


@dataclass(frozen=True, slots=True)
class UnitEligibility:
    """The eligibility of one unit at one moment, with what the API and the page show beside it."""

    unit: Unit
    coverage: Coverage | None
    eligibility: Eligibility
    site_country: str
    partner_timezone: str | None
    partner_local_qualified_at: datetime | None
    overrides: tuple[HolidayOverride, ...]
    calendar: Calendar

    @property
    def details(self) -> list[ReasonDetail]:
        return reason_details(self.eligibility)

    @property
    def is_warning_only(self) -> bool:
        return all(r in WARNINGS for r in self.eligibility.reasons)

    def closed_days(self) -> list[ClosedDay]:
        """Site-local days from the qualification date to the NBD target that were not business days."""
        target = self.eligibility.nbd_target_date
        if target is None:
            return []
        notes = {o.applies_on: o.note or "Closed by an administrator" for o in self.overrides}
        base = business_calendar(self.unit.country, self.unit.subdivision or None)
        day = self.eligibility.site_local_qualified_at.date()
        out = []
        while day < target:
            if not self.calendar.is_business_day(day):
                names = base.holiday_names(day)
                why = notes.get(day) or ", ".join(names) or "Weekend"
                out.append(ClosedDay(on=day, why=why))
            day += timedelta(days=1)
        return out


def eligibility_for_unit(
    unit: Unit,
    *,
    qualified_at: datetime,
    site_country: str | None = None,
    partner_timezone: str | None = None,
    site: SiteFacts | None = None,
) -> UnitEligibility:
    """docs/rules.md rules 1-3 for `unit` at `qualified_at` (aware), with the country's coverage and admin overrides.

    Two queries (coverage, overrides), whatever the reasons. Raises ValueError for a naive moment and
    CalendarError subclasses (with `.code`) for an unknown zone, country or subdivision.
    """
    facts = unit_facts(unit)
    coverage = Coverage.objects.filter(country=unit.country).first()
    site_facts = replace(site or SiteFacts(), site_country=(site_country or None))
    require_aware(qualified_at)
    local_day = qualified_at.astimezone(site_zone(resolve_site_timezone(unit.country, unit.timezone or None))).date()
    overrides = overrides_between(
        unit.country, unit.subdivision, local_day, local_day + timedelta(days=OVERRIDE_WINDOW_DAYS)
    )
    calendar = with_overrides(business_calendar(unit.country, unit.subdivision or None), overrides)
    answer = assess_eligibility(
        coverage=coverage.terms if coverage else None,
        unit=facts,
        qualified_at=qualified_at,
        site=site_facts,
        partner_timezone=partner_timezone,
        calendar=calendar,
    )
    partner_local = qualified_at.astimezone(ZoneInfo(partner_timezone)) if partner_timezone else None
    return UnitEligibility(
        unit=unit,
        coverage=coverage,
        eligibility=answer,
        site_country=(site_country or unit.country).upper(),
        partner_timezone=partner_timezone,
        partner_local_qualified_at=partner_local,
        overrides=tuple(overrides),
        calendar=calendar,
    )


# --- dispatches -------------------------------------------------------------------------------------


def dispatches_visible_to(user: User) -> QuerySet[Dispatch]:
    """The gate for dispatches: a case's viewers see its dispatches; Dell only those sent to its organisation."""
    org = user.organisation if getattr(user, "is_authenticated", False) and user.organisation_id else None
    dell_q = Q(dell_org=org) if org is not None else Q(pk__in=[])
    return scope_to_viewer(Dispatch.objects.all(), user, reseller_field="case__reseller", dell_q=dell_q)


def dell_case_q(user: User) -> Q:
    """The cases.hooks seam: the cases a Dell user may see are those with a dispatch sent to its organisation."""
    return Q(Exists(Dispatch.objects.filter(case=OuterRef("pk"), dell_org_id=getattr(user, "organisation_id", None))))


def dell_unit_q(user: User) -> Q:
    """Units a Dell user may see because a dispatch on one of their cases was sent to its organisation."""
    org_id = getattr(user, "organisation_id", None)
    return Q(Exists(Dispatch.objects.filter(case__unit=OuterRef("pk"), dell_org_id=org_id)))


DISPATCH_ORDERS: dict[str, list[Any]] = {
    "nbd": [F("nbd_target_on").asc(nulls_last=True), "created_at", "id"],
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "visit": [F("visit_start_at").asc(nulls_last=True), "id"],
}


# What a list row shows (the API's list serializer and Dell's queue page): the eligibility snapshot, notes and
# the case's long texts stay in the database, and each page's rows are narrow and cheap to build.
DISPATCH_LIST_COLUMNS = (
    "case_id",
    "kind",
    "state",
    "version",
    "dispatch_number",
    "nbd_target_on",
    "nbd_missed_at",
    "nbd_verdict",
    "nbd_miss_cause",
    "site_country",
    "site_timezone",
    "visit_start_at",
    "visit_end_at",
    "clearance",
    "schedule_frozen_at",
    "created_at",
    "updated_at",
    "case__number",
    "case__title",
    "case__component",
    "case__unit_id",
    "case__site_address_line1",
    "case__site_address_line2",
    "case__site_city",
    "case__site_postal_code",
    "case__site_country",
    "case__site_timezone",
    "case__unit__service_tag",
    "case__unit__model",
)


@dataclass(frozen=True)
class DispatchFilters:
    states: tuple[str, ...] = ()
    country: str = ""
    overdue: bool = False  # NBD missed or a faulty part overdue
    open_only: bool = False
    case_id: int | None = None
    sort: str = "nbd"
    waiting: str = ""  # a home tile's condition (dispatch.workload.Waiting); needs `now`
    now: datetime | None = None
    viewer_zone: str = "UTC"


# docs/rules.md "Reports", backlog: a case at Dell waits on the parts while its parts-only dispatch's parts are
# shipped or delivered and the dispatch not yet completed.
WAITING_ON_PARTS = (DispatchState.PARTS_SHIPPED.value, DispatchState.DELIVERED.value)


def backlog_on_parts(at: datetime, now: datetime) -> Q | In[Any]:
    """Of the cases at Dell at `at`, those waiting on parts (cases.hooks.backlog_on_parts). Now: their dispatch's
    stored state. At a past instant: the last dispatch step on the case's timeline before it, which the case
    index (`caseevent_case_at_idx`) finds for each case at Dell then."""
    if at >= now:
        return Q(pk__in=Dispatch.objects.filter(state__in=WAITING_ON_PARTS).values("case_id"))
    last_step = (
        CaseEvent.objects.filter(
            case=OuterRef("pk"), kind=EventKind.DISPATCH, action__in=DispatchAction.values, at__lt=at
        )
        .order_by("-at", "-id")
        .values(to=KT("data__to"))[:1]
    )
    return In(Subquery(last_step), WAITING_ON_PARTS)


def overdue_q() -> Q:
    """Dispatches that missed their NBD target or have a faulty part overdue (works with or without the
    list's annotations)."""
    overdue_parts = Part.objects.filter(dispatch=OuterRef("pk"), return_flagged_at__isnull=False, returned_on=None)
    return nbd_missed_q() | Q(Exists(overdue_parts))


def dispatch_list(user: User, filters: DispatchFilters | None = None) -> QuerySet[Dispatch]:
    """Visible dispatches with what a list row shows joined in: a constant number of queries per page."""
    f = filters or DispatchFilters()
    qs = dispatches_visible_to(user)
    if f.states:
        qs = qs.filter(state__in=f.states)
    elif f.open_only:
        qs = qs.filter(state__in=[s.value for s in OPEN_STATES])
    if f.country:
        qs = qs.filter(site_country=f.country.strip().upper())
    if f.case_id is not None:
        qs = qs.filter(case_id=f.case_id)
    if f.waiting:
        if f.now is None:
            raise ValueError("A `waiting` filter needs `now`.")
        qs = qs.filter(waiting_q(Waiting(f.waiting), found=places(qs), now=f.now, viewer_zone=f.viewer_zone))
    overdue_parts = Part.objects.filter(dispatch=OuterRef("pk"), return_flagged_at__isnull=False, returned_on=None)
    # Correlated subqueries, not Count("parts") over a join: a join groups every matching dispatch before the
    # sort can pick a page (all 20,000 of a Dell organisation, spilled to disk); these run only for the rows
    # of the page, which the dispatch_*_nbd_idx indexes deliver already in order.
    parts = Part.objects.filter(dispatch=OuterRef("pk")).order_by().values("dispatch").annotate(n=Count("*"))
    qs = qs.annotate(
        has_overdue_part=Exists(overdue_parts),
        part_count=Coalesce(Subquery(parts.values("n")), 0),
    )
    if f.overdue:
        qs = qs.filter(overdue_q())
    return (
        qs.select_related("case", "case__unit")
        .only(*DISPATCH_LIST_COLUMNS)
        .order_by(*DISPATCH_ORDERS.get(f.sort, DISPATCH_ORDERS["nbd"]))
    )


def dispatch_get(user: User, pk: int) -> Dispatch:
    """One visible dispatch; raises Dispatch.DoesNotExist for an unknown or invisible one."""
    return dispatches_visible_to(user).select_related("case", "case__unit", "case__reseller", "dell_org").get(pk=pk)


def current_dispatch_for_case(user: User, case: Any) -> Dispatch | None:
    """The case's newest dispatch this user may see, with parts, fees and schedule history prefetched, and
    `case` (already read, with its unit) as its case rather than the same row joined again."""
    dispatch = (
        dispatches_visible_to(user)
        .filter(case_id=case.pk)
        .select_related("dell_org")
        .prefetch_related(
            Prefetch("parts", queryset=Part.objects.order_by("id")),
            Prefetch("fees", queryset=Fee.objects.select_related("waived_by", "recorded_by").order_by("recorded_at")),
            Prefetch(
                "schedule_changes",
                queryset=ScheduleChange.objects.select_related("changed_by__organisation", "fee"),
            ),
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if dispatch is not None:
        dispatch.case = case
    return dispatch


def annotate_queue(qs: QuerySet[Any]) -> QuerySet[Any]:
    """The cases.hooks seam for the triage queue: each case's newest open dispatch, by id. One correlated
    subquery, not one per column the row shows: compiling a subquery is a large part of the queue's cost, and
    panels.queue_details reads the page's dispatches by id in one small query."""
    newest = Dispatch.objects.filter(case=OuterRef("pk"), state__in=[s.value for s in OPEN_STATES]).order_by(
        "-created_at", "-id"
    )
    annotated: QuerySet[Any] = qs.annotate(dispatch_open_id=Subquery(newest.values("id")[:1]))
    return annotated


# What a triage-queue row says of its open dispatch (panels.queue_details).
QUEUE_DISPATCH_COLUMNS = (
    "id",
    "state",
    "created_at",
    "nbd_target_on",
    "nbd_verdict",
    "nbd_miss_cause",
    "site_country",
    "site_timezone",
)


def queue_dispatches(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The dispatches annotate_queue named, by id, as dicts of QUEUE_DISPATCH_COLUMNS: one query whatever
    their number."""
    return {row["id"]: row for row in Dispatch.objects.filter(pk__in=ids).values(*QUEUE_DISPATCH_COLUMNS)}


# Visits are read by UTC instant and kept by their site-local day: every zone's day lies within this margin.
_ZONE_MARGIN = timedelta(hours=15)
SCHEDULE_MAX_VISITS = 500


def visits_between(user: User, first: date, last: date, *, country: str = "") -> list[Dispatch]:
    """Booked visits (a visit window on any state) whose site-local start day is in [first, last], by start;
    at most SCHEDULE_MAX_VISITS. One query."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - _ZONE_MARGIN
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + _ZONE_MARGIN
    qs = dispatches_visible_to(user).filter(visit_start_at__gte=start, visit_start_at__lt=end)
    if country:
        qs = qs.filter(site_country=country.strip().upper())
    rows = qs.select_related("case").only(*DISPATCH_LIST_COLUMNS).order_by("visit_start_at", "id")
    kept = []
    for row in rows[: SCHEDULE_MAX_VISITS * 2]:
        if row.visit_start_at is None:  # filtered above
            continue
        try:
            day = row.visit_start_at.astimezone(site_zone(row.site_timezone)).date()
        except CalendarError:
            day = row.visit_start_at.astimezone(UTC).date()
        if first <= day <= last:
            kept.append(row)
    return kept[:SCHEDULE_MAX_VISITS]
