"""The Dell figures of the Reports section: dispatch health and first-time fix (docs/rules.md "Reports"). From
`dispatches_visible_to(user)`, so Dell counts only the dispatches sent to it and a partner only those of its
cases; aggregate queries only. Registered from DispatchConfig.ready().

NBD attainment counts the stored rule 9 verdicts (docs/rules.md rule 9), raw and adjusted.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse

from cases.checklist import HardwareComponent
from cases.reports import CASE_FILTERS, Micros, filter_cases, spread, team_timeline
from cases.selectors import cases_visible_to
from dispatch import workload
from dispatch.models import Dispatch, Fee, Part, ScheduleChange
from dispatch.nbd import CUSTOMER_CAUSES, MissCause, NbdVerdict
from dispatch.selectors import dispatches_visible_to
from dispatch.workflow import DispatchKind, FeeKind
from dispatch.workflow import State as DispatchState
from husky_support.geo import country_name
from husky_support.reports import Median, Period, Ratio, Table, micros, percentile
from partners.kinds import OrgKind
from partners.reports.registry import (
    ALL_KINDS,
    Figure,
    ReportContext,
    Tile,
    in_period,
    in_periods,
    list_url,
    ratio_counts,
    ratios_per_period,
    register_figure,
    register_tile,
)

# docs/rules.md "Reports", first-time fix: no further dispatch or case on the same unit and component within 30 days.
FIX_WINDOW = timedelta(days=30)
QUEUE_KINDS = frozenset({OrgKind.MTS, OrgKind.DELL})


def _dispatches(ctx: ReportContext) -> QuerySet[Dispatch]:
    return filter_cases(dispatches_visible_to(ctx.user), ctx.filters, prefix="case__")


def _dispatch_list(ctx: ReportContext, **params: Any) -> str:
    """Dell's dispatch queue for MTS and Dell (filtered by country and state); the case list for partners."""
    if ctx.kind in QUEUE_KINDS:
        return list_url(reverse("dispatch:queue"), {"country": ctx.filters.get("country", ""), **params})
    return list_url(reverse("cases:list"), {"view": "all", "reseller": ctx.filters.get("reseller", "")})


# --- Dell dispatch health ----------------------------------------------------------------------------


def _denials(ctx: ReportContext, period: Period) -> dict[str, int]:
    """Requested, denied and voided dispatches: the report's period and its previous one by one query."""

    def query(pair: tuple[Period, Period]) -> list[dict[str, int]]:
        counts = {}
        for i, p in enumerate(pair):
            requested = in_period("created_at", p)
            counts[f"requested{i}"] = Count("id", filter=requested)
            counts[f"denied{i}"] = Count("id", filter=requested & Q(denial_count__gt=0))
            counts[f"voided{i}"] = Count("id", filter=requested & Q(state=DispatchState.VOIDED))
        either = _dispatches(ctx).filter(in_periods("created_at", pair))
        totals = either.aggregate(**counts)
        return [{key: totals[f"{key}{i}"] for key in ("requested", "denied", "voided")} for i in range(2)]

    return ctx.per_period("denials", period, query)  # type: ignore[no-any-return]


def health_headline(ctx: ReportContext, period: Period) -> Ratio:
    """Denial rate: dispatches requested in the period that Dell denied at least once, over all requested."""
    counts = _denials(ctx, period)
    return Ratio(met=counts["denied"], total=counts["requested"])


def health_detail(ctx: ReportContext) -> list[Table]:
    p = ctx.period
    dispatches = _dispatches(ctx)
    requested = dispatches.filter(in_period("created_at", p))
    denials = _denials(ctx, p)
    reasons = (
        requested.filter(denial_count__gt=0)
        .exclude(last_denial_reason="")
        .values("last_denial_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "last_denial_reason")[:5]
    )
    # The rows of the visible, filtered dispatches; every row when they are every dispatch (MTS, unfiltered),
    # where the semi-join would hash the whole dispatch table for nothing.
    visible = Q(dispatch__in=dispatches.values("pk")) if dispatches.query.where else Q()
    moves = ScheduleChange.objects.filter(visible, previous_start_at__isnull=False).filter(in_period("agreed_at", p))
    reschedules = moves.aggregate(free=Count("id", filter=Q(late=False)), fee=Count("id", filter=Q(late=True)))
    fees = dict(
        Fee.objects.filter(visible, waived_at__isnull=True)
        .filter(in_period("recorded_at", p))
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    # Parts whose faulty part was due back in the period (site-local due dates, compared with the period's dates).
    parts = Part.objects.filter(
        visible, keep_faulty=False, return_due_on__gte=p.start_on, return_due_on__lte=p.end_on
    ).aggregate(
        on_time=Count("id", filter=Q(returned_on__isnull=False, returned_on__lte=F("return_due_on"))),
        late=Count("id", filter=Q(returned_on__isnull=False, returned_on__gt=F("return_due_on"))),
        overdue=Count("id", filter=Q(returned_on__isnull=True, return_flagged_at__isnull=False)),
        open=Count("id", filter=Q(returned_on__isnull=True, return_flagged_at__isnull=True)),
    )
    denied_link = _dispatch_list(ctx, state=DispatchState.DENIED.value)
    overdue_link = _dispatch_list(ctx, overdue="on")
    return [
        Table(
            key="denials",
            title="Dispatches requested in the period",
            columns=("Dispatches",),
            rows=(
                ("Requested", (denials["requested"],)),
                ("Denied at least once", (denials["denied"],)),
                ("Voided (third denial)", (denials["voided"],)),
            ),
            links=(_dispatch_list(ctx, sort="newest"), denied_link, _dispatch_list(ctx, state="voided")),
        ),
        Table(
            key="denial_reasons",
            title="Most frequent denial reasons",
            columns=("Dispatches",),
            rows=tuple((r["last_denial_reason"][:80], (r["n"],)) for r in reasons),
            chart="",
        ),
        Table(
            key="reschedules",
            title="Visits rescheduled in the period",
            columns=("Changes",),
            rows=(("Free (8 days or more ahead)", (reschedules["free"],)), ("Late, with fee", (reschedules["fee"],))),
        ),
        Table(
            key="fees",
            title="Fees recorded in the period (not waived)",
            columns=("Fees",),
            rows=tuple((kind.label, (fees.get(kind.value, 0),)) for kind in FeeKind),
        ),
        Table(
            key="parts",
            title="Faulty parts due back in the period",
            columns=("Parts",),
            rows=(
                ("Returned on time", (parts["on_time"],)),
                ("Returned late", (parts["late"],)),
                ("Overdue, not returned", (parts["overdue"],)),
                ("Not returned, not yet flagged", (parts["open"],)),
            ),
            links=("", "", overdue_link, ""),
        ),
    ]


# --- First-time fix ----------------------------------------------------------------------------------


def _completed(ctx: ReportContext, periods: tuple[Period, ...]) -> QuerySet[Dispatch]:
    """Onsite dispatches completed in any of `periods`, each marked `repeated` when another dispatch or case on
    the same service tag and component followed within 30 days of the completion. The later records count only
    when the viewer may see them (nothing outside the gate reaches a figure): Dell learns of a repeat only
    when it was dispatched to Dell too. The unit and component are the dispatch's copies of its case's (equal at
    all times): each probe is one index range (case_unit_component_idx, dispatch_unit_component_idx)."""
    finished = OuterRef("finished_at")
    later_case = cases_visible_to(ctx.user).filter(
        unit_id=OuterRef("unit_id"),
        component=OuterRef("component"),
        created_at__gt=finished,
        created_at__lte=finished + FIX_WINDOW,
    )
    later_dispatch = dispatches_visible_to(ctx.user).filter(
        unit_id=OuterRef("unit_id"),
        component=OuterRef("component"),
        created_at__gt=finished,
        created_at__lte=finished + FIX_WINDOW,
    )
    return (
        _dispatches(ctx)
        .filter(kind=DispatchKind.ONSITE, state=DispatchState.COMPLETED)
        .filter(in_periods("finished_at", periods))
        .filter(unit__isnull=False)
        .annotate(repeated=Exists(later_case) | Exists(later_dispatch))
    )


def _fix_by_component(ctx: ReportContext, period: Period) -> dict[str, tuple[int, int]]:
    """(completed, fixed first time) per component: one grouped query for the headline and the table, which
    counts the report's period and its previous one together (an aggregate each)."""

    def query(pair: tuple[Period, Period]) -> list[dict[str, tuple[int, int]]]:
        counts = ratio_counts(pair, within=partial(in_period, "finished_at"), missed=lambda _p: Q(repeated=True))
        return ratios_per_period(_completed(ctx, pair).values("component").annotate(**counts).order_by(), "component")

    return ctx.per_period("first_time_fix", period, query)  # type: ignore[no-any-return]


def fix_headline(ctx: ReportContext, period: Period) -> Ratio:
    return Ratio.summed(_fix_by_component(ctx, period).values())


def fix_detail(ctx: ReportContext) -> list[Table]:
    labels = {c.value: c.label for c in HardwareComponent}
    by_component = sorted(_fix_by_component(ctx, ctx.period).items())
    return [
        Table(
            key="component",
            title="Completed onsite dispatches by component",
            columns=("Completed", "Fixed first time"),
            rows=tuple((labels.get(component, "Other"), counts) for component, counts in by_component),
        )
    ]


# --- NBD attainment, raw and adjusted (docs/rules.md rule 9) ------------------------------------------

_CUSTOMER = [c.value for c in CUSTOMER_CAUSES]
_DECIDED = [NbdVerdict.MET.value, NbdVerdict.MISSED.value]


def _nbd_counts() -> dict[str, Count]:
    return {
        "met": Count("id", filter=Q(nbd_verdict=NbdVerdict.MET)),
        "missed": Count("id", filter=Q(nbd_verdict=NbdVerdict.MISSED)),
        "customer": Count("id", filter=Q(nbd_verdict=NbdVerdict.MISSED, nbd_miss_cause__in=_CUSTOMER)),
    }


def _nbd_decided(ctx: ReportContext, period: Period) -> QuerySet[Dispatch]:
    """Onsite dispatches whose site-local target day fell in the period and whose verdict is decided."""
    return _dispatches(ctx).filter(
        kind=DispatchKind.ONSITE,
        nbd_verdict__in=_DECIDED,
        nbd_target_on__gte=period.start_on,
        nbd_target_on__lte=period.end_on,
    )


def _nbd_totals(ctx: ReportContext, period: Period) -> dict[str, int]:
    """The decided targets' counts: the report's period and its previous one by one query."""

    def query(pair: tuple[Period, Period]) -> list[dict[str, int]]:
        days = [Q(nbd_target_on__gte=p.start_on, nbd_target_on__lte=p.end_on) for p in pair]
        counts = {f"{key}{i}": _count_in(count, days[i]) for key, count in _nbd_counts().items() for i in range(2)}
        either = _dispatches(ctx).filter(days[0] | days[1], kind=DispatchKind.ONSITE, nbd_verdict__in=_DECIDED)
        totals = either.aggregate(**counts)
        return [{key: totals[f"{key}{i}"] for key in _nbd_counts()} for i in range(2)]

    return ctx.per_period("nbd", period, query)  # type: ignore[no-any-return]


def _count_in(count: Count, within: Q) -> Count:
    """`count` narrowed to the rows `within`."""
    return Count("id", filter=within & count.filter)


def nbd_headline(ctx: ReportContext, period: Period) -> Ratio:
    """Raw NBD attainment: met over met and missed, every miss counted."""
    counts = _nbd_totals(ctx, period)
    return Ratio(met=counts["met"], total=counts["met"] + counts["missed"])


def nbd_adjusted(ctx: ReportContext) -> Ratio:
    """Adjusted NBD attainment this period: the customer's side left out (the figure's own totals)."""
    counts = _nbd_totals(ctx, ctx.period)
    return Ratio(met=counts["met"], total=counts["met"] + counts["missed"] - counts["customer"])


def waiting_on_dell(ctx: ReportContext) -> int:
    """Dell's backlog: its dispatches to accept or to schedule (the conditions of Dell's own home tiles, which
    need no site's day: one count)."""
    waiting = Q()
    for key in (workload.Waiting.TO_ACCEPT, workload.Waiting.TO_SCHEDULE):
        waiting |= workload.waiting_q(key, found=[], now=ctx.now, viewer_zone=ctx.period.zone)
    return _dispatches(ctx).filter(waiting).count()


def _percent(met: int, total: int) -> int:
    return round(100 * met / total) if total else 0


def _nbd_row(counts: dict[str, int]) -> tuple[int, ...]:
    met, missed, customer = counts["met"], counts["missed"], counts["customer"]
    return (met, missed, customer, _percent(met, met + missed), _percent(met, met + missed - customer))


NBD_COLUMNS = ("Met", "Missed", "Missed on the customer's side", "Raw %", "Adjusted %")


def nbd_detail(ctx: ReportContext) -> list[Table]:
    decided = _nbd_decided(ctx, ctx.period)
    totals = _nbd_totals(ctx, ctx.period)
    by_country = decided.values("site_country").annotate(**_nbd_counts()).order_by("site_country")
    by_month = (
        decided.annotate(month=TruncMonth("nbd_target_on")).values("month").annotate(**_nbd_counts()).order_by("month")
    )
    causes = dict(
        decided.filter(nbd_verdict=NbdVerdict.MISSED)
        .values("nbd_miss_cause")
        .annotate(n=Count("id"))
        .values_list("nbd_miss_cause", "n")
    )
    link = _dispatch_list(ctx)
    return [
        Table(
            key="nbd_attainment",
            title="NBD attainment: raw counts every miss, adjusted leaves out the customer's side",
            columns=NBD_COLUMNS,
            rows=(("All target days in the period", _nbd_row(totals)),),
            links=(link,),
            chart="",
        ),
        Table(
            key="nbd_country",
            title="By country of the site",
            columns=NBD_COLUMNS,
            rows=tuple((country_name(row["site_country"]) or row["site_country"], _nbd_row(row)) for row in by_country),
            links=tuple(_dispatch_list(ctx, country=row["site_country"]) for row in by_country),
            chart_columns=(NBD_COLUMNS.index("Raw %"),),  # attainment, on a scale of 100
            chart_scale=100,
        ),
        Table(
            key="nbd_month",
            title="By month of the target day",
            columns=NBD_COLUMNS,
            rows=tuple((f"{row['month']:%B %Y}", _nbd_row(row)) for row in by_month),
            chart="columns",
            # Attainment month by month, raw beside adjusted, on a scale of 100 (not the counts on the same axis).
            chart_columns=(NBD_COLUMNS.index("Raw %"), NBD_COLUMNS.index("Adjusted %")),
            chart_scale=100,
        ),
        Table(
            key="nbd_causes",
            title="Why targets were missed",
            columns=("Missed",),
            rows=tuple(
                (
                    f"{cause.label[0].upper()}{cause.label[1:]} ({'customer' if cause.customer_side else 'Dell'})",
                    (causes.get(cause.value, 0),),
                )
                for cause in MissCause
            ),
        ),
    ]


# --- Time to dispatch --------------------------------------------------------------------------------


def _dispatch_times(ctx: ReportContext, period: Period) -> tuple[list[float], list[float]]:
    """Business minutes, in the hours of the case's MTS team, from the case reaching MTS to the dispatch
    request, and from the request to Dell's first acceptance on the case since, of the dispatches requested in
    the period. One query for the rows of the report's period and its previous one (bounded by them); each
    duration is then a subtraction on a per-day table."""

    def query(pair: tuple[Period, Period]) -> list[tuple[list[float], list[float]]]:
        # The case's team and arrival at MTS and the first acceptance since the request are the dispatch's own
        # columns (copies kept by the services): the period's dispatch rows alone, no lookup per row.
        rows = (
            _dispatches(ctx)
            .filter(in_periods("created_at", pair))
            .values_list(Micros("created_at"), Micros("escalated_at"), "team_id", Micros("first_accepted_at"))
            .order_by()
        )
        out: list[tuple[list[float], list[float]]] = [([], []) for _ in pair]
        bounds = [(micros(p.start_at), micros(p.end_at)) for p in pair]
        for requested_us, escalated_us, team_id, accepted_us in rows:
            timeline = team_timeline(ctx, team_id)
            if requested_us is None:  # every dispatch has its creation time; said again for the types
                continue
            for (to_request, to_accept), (start_us, end_us) in zip(out, bounds, strict=True):
                if not start_us <= requested_us < end_us:
                    continue
                if escalated_us is not None:
                    to_request.append(timeline.minutes_between(escalated_us, requested_us))
                if accepted_us is not None:
                    to_accept.append(timeline.minutes_between(requested_us, accepted_us))
        return out

    return ctx.per_period("dispatch_times", period, query)  # type: ignore[no-any-return]


def _median(values: list[float]) -> Median:
    middle = percentile(values, 0.5)
    return Median(minutes=None if middle is None else round(middle), count=len(values))


def time_headline(ctx: ReportContext, period: Period) -> Median:
    return _median(_dispatch_times(ctx, period)[0])


def time_detail(ctx: ReportContext) -> list[Table]:
    to_request, to_accept = _dispatch_times(ctx, ctx.period)

    return [
        Table(
            key="times",
            title="Business minutes in the MTS team's hours",
            columns=("90th percentile", "Median", "Dispatches"),
            rows=(("MTS → dispatch request", spread(to_request)), ("Request → Dell accepted", spread(to_accept))),
        )
    ]


DELL = frozenset({OrgKind.DELL})
# Every organisation has the dispatch figures, and each honours every case filter (through the dispatch's case).
dispatch_figure = partial(Figure, kinds=ALL_KINDS, applies=CASE_FILTERS)


def register() -> None:
    register_tile(
        Tile(
            key="nbd",
            label="NBD attainment this month",
            kinds=ALL_KINDS,
            figure="nbd_attainment",
            note="raw: every miss counted",
            higher_is_better=True,
            order=10,
        )
    )
    # Dell has no first-response SLA: its service level is the NBD target, adjusted for the customer's side.
    register_tile(
        Tile(
            key="nbd_adjusted",
            label="NBD attainment this month, adjusted",
            kinds=DELL,
            figure="nbd_attainment",
            value=nbd_adjusted,
            note="the customer's side left out",
            higher_is_better=True,
            order=20,
        )
    )
    register_tile(
        Tile(
            key="dell_waiting",
            label="Dispatches waiting on you",
            kinds=DELL,
            value=waiting_on_dell,
            link=lambda ctx: reverse("dispatch:queue"),
            note="to accept or to schedule",
            order=30,
        )
    )
    register_figure(
        dispatch_figure(
            key="time_to_dispatch",
            title="Time to dispatch",
            description="Median business time (the MTS team's hours) from a case reaching MTS to its dispatch "
            "request, for the dispatches requested in the period; and from the request to Dell's acceptance.",
            unit="dispatches requested",
            headline=time_headline,
            detail=time_detail,
            link=lambda ctx: _dispatch_list(ctx, sort="newest"),
            order=35,
        )
    )
    register_figure(
        dispatch_figure(
            key="nbd_attainment",
            title="NBD attainment, raw and adjusted",
            description="Onsite dispatches whose next-business-day target day fell in the period: met over met and "
            "missed. Raw counts every miss; adjusted leaves out the customer's side (a visit moved at the customer's "
            "request, site requirements not accepted in time, no representative named in time).",
            unit="decided NBD targets",
            headline=nbd_headline,
            detail=nbd_detail,
            link=lambda ctx: _dispatch_list(ctx),
            higher_is_better=True,
            order=25,
        )
    )
    register_figure(
        dispatch_figure(
            key="dispatch_health",
            title="Dell dispatch health: denial rate",
            description="Dispatches requested in the period that Dell denied at least once; reschedules, fees and "
            "the return of faulty parts.",
            unit="dispatches requested",
            headline=health_headline,
            detail=health_detail,
            link=lambda ctx: _dispatch_list(ctx, sort="newest"),
            order=50,
        )
    )
    register_figure(
        dispatch_figure(
            key="first_time_fix",
            title="First-time fix",
            description="Onsite dispatches completed in the period with no further dispatch or case on the same "
            "service tag and component within 30 days, over all completed (recent ones may still repeat).",
            unit="completed onsite dispatches",
            headline=fix_headline,
            detail=fix_detail,
            link=lambda ctx: _dispatch_list(ctx, state=DispatchState.COMPLETED.value),
            higher_is_better=True,
            order=40,
        )
    )
