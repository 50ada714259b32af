"""The backlog figure's daily rollup (docs/rules.md "Reports"): the open cases at the end of each day, per state,
who they wait on and reseller, counted once by a beat job, so that a period that has ended (every report's
previous period) reads a few hundred rows instead of the timeline of every case that was open at its end.

The same numbers as counting the cases: a snapshot runs the figure's own query (`backlog_at`) for an instant
already past, over an append-only timeline, and keeps only a dimension a case never changes (its reseller).
A day without a snapshot, or a filter on anything else, is counted from the cases as before.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from cases import hooks
from cases.models import BacklogCount, BacklogSnapshot, Case, CaseEvent
from cases.workflow import OPEN_STATES, WAITS_ON_STATE, State, WaitsOn
from partners.kinds import OrgKind
from partners.models import Organisation, User
from partners.visibility import scope_to_viewer, viewer_kind

OPEN = [s.value for s in OPEN_STATES]

# Days snapshotted per zone and run, the most recent first: a long downtime (or a first run over an archive)
# is caught up over a few runs, and the days reports ask for most (the last months) come first.
DAYS_PER_RUN = 62

# The report filters a snapshot's rows answer. Any other chosen filter (team, priority, country, category,
# component, model: fields a case may change while it is open) is counted from the cases themselves.
ROLLUP_FILTER_FIELDS: dict[str, str] = {"reseller": "reseller_id", "distributor": "reseller__distributor_id"}


def _state_at(at: datetime) -> SqlCase:
    """The case's state at `at`: its current state when nothing changed since (every transition bumps
    `updated_at`), otherwise read back from its append-only timeline (the database evaluates the subquery only
    for the cases that changed after `at`)."""
    last = (
        CaseEvent.objects.filter(case=OuterRef("pk"), at__lt=at)
        .exclude(to_state="")
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    return SqlCase(
        When(updated_at__lt=at, then=F("state")),
        default=Coalesce(Subquery(last), F("state"), output_field=CharField()),
        output_field=CharField(),
    )


def _waits_on(at: datetime, now: datetime) -> SqlCase:
    """Who the case waits on at `at`, by `state_at`; the parts condition is asked only of the cases at Dell."""
    on_parts = hooks.backlog_on_parts(at, now)
    at_dell: Any = Value(WaitsOn.DELL.value)
    if on_parts is not None:
        at_dell = SqlCase(When(on_parts, then=Value(WaitsOn.PARTS.value)), default=at_dell)
    whens = [
        When(state_at=state.value, then=at_dell if who is WaitsOn.DELL else Value(who.value))
        for state, who in WAITS_ON_STATE.items()
    ]
    return SqlCase(*whens, output_field=CharField())


def backlog_at(cases: QuerySet[Case], at: datetime, *, now: datetime) -> QuerySet[Case]:
    """Of `cases`, those open at `at`, annotated `state_at` and `waits_on` (a WaitsOn value). Only cases opened
    before it and not closed by then are looked at, so the timeline is read for the open and the recently
    resolved cases, never for the whole archive."""
    if at >= now:
        # The backlog now is the cases in an open state: the stored state, no timeline to read.
        return cases.filter(state__in=OPEN).annotate(state_at=F("state")).annotate(waits_on=_waits_on(at, now))
    # Not closed by `at`, said as two ranges the partial indexes case_unclosed_created_idx and case_closed_idx
    # answer (one `created_at < at` range would walk the archive). Left out without reading their timeline: last
    # resolved before `at` and not reopened since (a reopened case is open now or was resolved again later).
    candidates = cases.filter(
        Q(closed_at__isnull=True, created_at__lt=at) | Q(closed_at__gte=at, created_at__lt=at)
    ).exclude(Q(resolved_at__lt=at) & Q(state__in=[State.RESOLVED.value, State.CLOSED.value]))
    open_then = candidates.annotate(state_at=_state_at(at)).filter(state_at__in=OPEN)
    return open_then.annotate(waits_on=_waits_on(at, now))


def end_of(day: date, zone: str) -> datetime:
    """The midnight ending `day` in `zone`: a snapshot's instant (and a period's end)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))


# --- The beat job ------------------------------------------------------------------------------------


def viewer_zones() -> set[str]:
    """The zones reports are read in: every person's own zone and every organisation's (a person without one
    reads in their organisation's)."""
    people = User.objects.filter(is_active=True).exclude(timezone="").values_list("timezone", flat=True)
    return set(people) | set(Organisation.objects.values_list("timezone", flat=True))


def missing_days(zone: str, *, now: datetime) -> list[date]:
    """The days of `zone` that have ended (their midnight passed) since the first case was opened and have no
    snapshot yet, the most recent first."""
    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return []
    tz = ZoneInfo(zone)
    earliest, last = first.astimezone(tz).date(), now.astimezone(tz).date() - timedelta(days=1)
    if end_of(last, zone) >= now:  # the midnight itself: the day is only just over, take it on the next run
        last -= timedelta(days=1)
    done = set(
        BacklogSnapshot.objects.filter(zone=zone, day__gte=earliest, day__lte=last).values_list("day", flat=True)
    )
    return [day for n in range((last - earliest).days + 1) if (day := last - timedelta(days=n)) not in done]


def take_snapshot(zone: str, day: date, *, now: datetime) -> bool:
    """Count the backlog at the end of `day` in `zone`, once: the snapshot row and its counts commit together,
    and a second run (another beat, a redelivered task) finds the row and writes nothing. True when taken."""
    at = end_of(day, zone)
    with transaction.atomic():
        snapshot, created = BacklogSnapshot.objects.get_or_create(zone=zone, day=day, defaults={"taken_at": now})
        if not created:
            return False
        rows = (
            backlog_at(Case.objects.all(), at, now=now)
            .values("state_at", "waits_on", "reseller_id")  # type: ignore[misc]  # annotations
            .annotate(n=Count("id"))
            .order_by()
        )
        BacklogCount.objects.bulk_create(
            [
                BacklogCount(
                    snapshot=snapshot,
                    state=row["state_at"],
                    waits_on=row["waits_on"],
                    reseller_id=row["reseller_id"],
                    cases=row["n"],
                )
                for row in rows
            ]
        )
    return True


def take_snapshots(*, now: datetime, per_zone: int = DAYS_PER_RUN) -> int:
    """The beat job: the missing days of every viewer zone, at most `per_zone` each run. Returns how many
    snapshots it took."""
    taken = 0
    for zone in sorted(viewer_zones()):
        for day in missing_days(zone, now=now)[:per_zone]:
            taken += take_snapshot(zone, day, now=now)
    return taken


# --- The figure's read -------------------------------------------------------------------------------


def rolled_backlog(user: User, filters: dict[str, Any] | Any, zone: str, day: date) -> dict[str, int] | None:
    """Open cases per WaitsOn value at the end of `day` in `zone`, from its snapshot, through the viewer's gate (the
    same reseller rule as `cases_visible_to`); None when the day has no snapshot or a chosen filter is not a
    dimension of the rollup (the caller counts the cases then)."""
    # Dell's cases are those dispatched to it, which a snapshot does not keep (Dell has no backlog figure).
    if viewer_kind(user) == OrgKind.DELL or any(key not in ROLLUP_FILTER_FIELDS for key in filters):
        return None
    snapshot = BacklogSnapshot.objects.filter(zone=zone, day=day).values_list("pk", flat=True).first()
    if snapshot is None:
        return None
    counts = scope_to_viewer(BacklogCount.objects.filter(snapshot_id=snapshot), user, reseller_field="reseller")
    rows = (
        counts.filter(**{ROLLUP_FILTER_FIELDS[key]: value for key, value in filters.items()})
        .values("waits_on")
        .annotate(n=Sum("cases"))
        .order_by()
    )
    return {row["waits_on"]: row["n"] for row in rows}
