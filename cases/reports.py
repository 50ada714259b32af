"""The case figures of the Reports section (docs/rules.md "Reports"): backlog and age, SLA attainment, repeat units and
the partner scorecard. Each starts from `cases_visible_to(user)` and answers in a constant number of aggregate
queries, whatever the number of cases; registered from CasesConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import (
    Case as SqlCase,
)
from django.db.models.functions import TruncDate
from django.urls import reverse

from cases.checklist import Category, HardwareComponent, Priority
from cases.clocks import teams_hours
from cases.models import Case, CaseEvent, EventKind, Team
from cases.rollups import backlog_at, rolled_backlog
from cases.selectors import cases_visible_to
from cases.sla import UpdateOutcome
from cases.teams import teams_visible_to
from cases.workflow import WAITS_ON_STATE, Action, State, WaitsOn
from husky_support.reports import (
    AGE_BUCKETS,
    BusinessTimeline,
    Period,
    Ratio,
    ReportInputError,
    Table,
    age_thresholds,
    micros,
    percentile,
)
from husky_support.text import plain_number
from partners.calendars import calendars_or_weekdays
from partners.kinds import OrgKind
from partners.models import User
from partners.reports.registry import (
    ALL_KINDS,
    Figure,
    FilterSpec,
    ReportContext,
    Tile,
    choice_filter,
    in_period,
    in_periods,
    in_ranges,
    list_url,
    ratio_counts,
    ratios_per_period,
    register_figure,
    register_filter,
    register_tile,
)
from servicetags.models import Unit, UnitModel

PARTNERS_AND_MTS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS})
MTS_AND_DISTRIBUTOR = frozenset({OrgKind.DISTRIBUTOR, OrgKind.MTS})

# The case fields each report filter narrows (a path prefix lets the dispatch figures reuse them).
CASE_FILTER_FIELDS: dict[str, str] = {
    "country": "site_country",
    "reseller": "reseller_id",
    "distributor": "reseller__distributor_id",
    "team": "team_id",
    "priority": "priority",
    "category": "category",
    "component": "component",
    "model": "unit__model",
}
CASE_FILTERS = frozenset(CASE_FILTER_FIELDS)
# The case figures each honour every case filter.
case_figure = partial(Figure, applies=CASE_FILTERS)

# docs/rules.md "Reports", backlog: the states behind each "who it waits on" row, for the row's list of cases
# (the parts are cases at Dell: the triage queue shows each one's dispatch state).
WAITS_ON_LISTS: dict[WaitsOn, tuple[State, ...]] = {
    **{who: tuple(state for state, waits in WAITS_ON_STATE.items() if waits is who) for who in WaitsOn},
    WaitsOn.PARTS: (State.L3_DELL,),
}

# docs/rules.md "Reports", repeat units: two or more cases on one service tag within this many days.
REPEAT_WINDOW = timedelta(days=90)


def filter_cases(qs: QuerySet[Any], filters: dict[str, Any] | Any, prefix: str = "") -> QuerySet[Any]:
    """`qs` narrowed by the report filters; `prefix` is the path to the case ("case__" from a dispatch)."""
    conditions = {
        f"{prefix}{CASE_FILTER_FIELDS[key]}": value for key, value in filters.items() if key in CASE_FILTER_FIELDS
    }
    return qs.filter(**conditions)


def _cases(ctx: ReportContext) -> QuerySet[Case]:
    return filter_cases(cases_visible_to(ctx.user), ctx.filters)


def _as_of(ctx: ReportContext, period: Period) -> datetime:
    """A snapshot's instant: the end of the period, or now while the period runs."""
    return min(period.end_at, ctx.now)


def _backlog_at(ctx: ReportContext, at: datetime) -> QuerySet[Case]:
    return backlog_at(_cases(ctx), at, now=ctx.now)


def _cases_list(ctx: ReportContext, **params: Any) -> str:
    """The list that shows the counted cases: MTS's triage queue (it filters by state, team, priority and
    country) for MTS, the partners' case list (by view and reseller) for the others."""
    if ctx.kind == OrgKind.MTS and params.pop("queue", True):
        keep = {k: v for k, v in ctx.filters.items() if k in {"country", "priority", "team"}}
        return list_url(reverse("cases:queue"), {**keep, **{k: v for k, v in params.items() if k != "view"}})
    # The partners' list filters by reseller only (not by state or date): the closest list it has.
    partner = {"view": params.get("view", "all"), "reseller": ctx.filters.get("reseller", "")}
    return list_url(reverse("cases:list"), partner)


# --- Backlog and age ---------------------------------------------------------------------------------


def _backlog_by_who(ctx: ReportContext, period: Period) -> dict[str, int]:
    """Open cases at the period's end per WaitsOn value: one grouped query, shared by the headline and the table."""

    def grouped() -> dict[str, int]:
        if period.end_at < ctx.now:  # a period that has ended: its day's snapshot, when the beat job took it
            rolled = rolled_backlog(ctx.user, ctx.filters, period.zone, period.end_on)
            if rolled is not None:
                return rolled
        rows = _backlog_at(ctx, _as_of(ctx, period)).values("waits_on").annotate(n=Count("id")).order_by()  # type: ignore[misc]  # an annotation
        return {row["waits_on"]: row["n"] for row in rows}

    return ctx.remember(("backlog", period), grouped)  # type: ignore[no-any-return]


def backlog_headline(ctx: ReportContext, period: Period) -> int:
    return sum(_backlog_by_who(ctx, period).values())


# The home tile "waiting on you": the backlog's rows that wait on the viewer's own organisation (docs/rules.md
# "Reports"): MTS's queue and investigations; a partner's first level and MTS's questions to it.
WAITING_ON_KIND: dict[OrgKind, tuple[WaitsOn, ...]] = {
    OrgKind.MTS: (WaitsOn.MTS,),
    OrgKind.RESELLER: (WaitsOn.RESELLER, WaitsOn.PARTNER),
    OrgKind.DISTRIBUTOR: (WaitsOn.RESELLER, WaitsOn.PARTNER),
}


def waiting_on_viewer(ctx: ReportContext) -> int:
    """The backlog at the period's end that waits on the viewer's organisation: rows of the backlog figure's
    own grouped query (shared with its headline through the context's memo)."""
    by_who = _backlog_by_who(ctx, ctx.period)
    return sum(by_who.get(who.value, 0) for who in WAITING_ON_KIND.get(ctx.kind, ()))


def _age_labels(ctx: ReportContext, as_of: datetime) -> SqlCase:
    """The age bucket of each case in business days of its team's calendar (the viewer's organisation's for a
    case without a team), as one SQL CASE over `created_at`: a few boundary instants per team, no row loop."""
    org = ctx.user.organisation  # report_context admits only users of an active organisation
    places: list[tuple[int | None, str, str, str]] = [
        (team.pk, team.holiday_country, team.holiday_subdivision, team.timezone)
        for team in Team.objects.only("pk", "holiday_country", "holiday_subdivision", "timezone")
    ]
    places.append((None, org.country if org is not None else "", "", ctx.user.viewer_timezone))
    ages = [n for _label, n in AGE_BUCKETS]
    # Every place's calendar with its overrides in one query: the number of teams does not add queries. A place
    # the holidays package has no calendar for (an organisation in Antarctica) ages in weekdays, never a 500.
    first, last = (as_of - timedelta(days=120)).date(), as_of.date() + timedelta(days=1)
    calendars = calendars_or_weekdays({(country, sub) for _t, country, sub, _z in places}, first=first, last=last)
    whens = []
    for team_id, country, subdivision, zone_name in places:
        zone = ZoneInfo(zone_name)
        as_of_on = (as_of - timedelta(microseconds=1)).astimezone(zone).date()
        calendar = calendars[(country, subdivision)]
        thresholds = age_thresholds(as_of_on, calendar.is_business_day, ages)
        in_place = Q(team_id=team_id) if team_id is not None else Q(team__isnull=True)
        for label, fewest in reversed(AGE_BUCKETS):
            if fewest == 0 or fewest not in thresholds:
                continue
            boundary = datetime.combine(thresholds[fewest], time.min, tzinfo=zone)
            whens.append(When(in_place & Q(created_at__lt=boundary), then=Value(label)))
    return SqlCase(*whens, default=Value(AGE_BUCKETS[0][0]), output_field=CharField())


def _per_day(qs: QuerySet[Case], fields: tuple[str, ...], period: Period) -> list[dict[Any, int]]:
    """Per field of `fields` (instants), the cases whose instant falls on each day of the period in its zone.
    One query, a UNION of one grouped count per field, each read from that field's own index."""
    zone = ZoneInfo(period.zone)
    parts = [
        qs.filter(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})
        .annotate(day=TruncDate(field, tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"), which=Value(i))
        .order_by()
        for i, field in enumerate(fields)
    ]
    days: list[dict[Any, int]] = [{} for _ in fields]
    for row in parts[0].union(*parts[1:], all=True):
        days[row["which"]][row["day"]] = row["n"]
    return days


def _waits_on_link(ctx: ReportContext, who: WaitsOn) -> str:
    if who is WaitsOn.RESELLER:  # not in the triage queue: the case list's "waiting on us" view
        return _cases_list(ctx, view="waiting", queue=False)
    partner_view = "waiting" if who is WaitsOn.PARTNER else "open"
    return _cases_list(ctx, view=partner_view, state=[s.value for s in WAITS_ON_LISTS[who]])


def backlog_detail(ctx: ReportContext) -> list[Table]:
    as_of = _as_of(ctx, ctx.period)
    backlog = _backlog_at(ctx, as_of)
    by_who = _backlog_by_who(ctx, ctx.period)
    waits = Table(
        key="waits_on",
        title="Open cases by who they wait on",
        columns=("Cases",),
        rows=tuple((who.label, (by_who.get(who.value, 0),)) for who in WaitsOn),
        links=tuple(_waits_on_link(ctx, who) for who in WaitsOn),
    )
    by_age = {
        row["age"]: row["n"]
        for row in backlog.annotate(age=_age_labels(ctx, as_of)).values("age").annotate(n=Count("id")).order_by()
    }
    age = Table(
        key="age",
        title="Open cases by business-day age",
        columns=("Cases",),
        rows=tuple((label, (by_age.get(label, 0),)) for label, _n in AGE_BUCKETS),
        links=tuple(_cases_list(ctx, view="open") for _ in AGE_BUCKETS),
    )
    cases = _cases(ctx)
    opened, resolved = _per_day(cases, ("created_at", "resolved_at"), ctx.period)
    flow = Table(
        key="flow",
        title="Cases opened and resolved per day",
        columns=("Opened", "Resolved"),
        rows=tuple((f"{day:%d %b}", (opened.get(day, 0), resolved.get(day, 0))) for day in ctx.period.dates()),
        chart="columns",
    )
    return [waits, age, flow]


# --- SLA attainment ----------------------------------------------------------------------------------


def _breached(target: str, since: datetime) -> Q:
    """The case has a breach of `target` recorded since `since`: a semi-join on the breach rows of the partial
    index caseevent_breach_at_idx (a first response of a case that reached MTS in a period is due after the
    period's start), not a lookup per case."""
    breaches = CaseEvent.objects.filter(kind=EventKind.SLA_BREACHED, at__gte=since, data__target=target)
    return Q(pk__in=breaches.values("case_id"))


def _missed(ctx: ReportContext, period: Period) -> Q:
    """A first response of the period's cases missed: one the breach sweep recorded, or past due unanswered
    (before the sweep ran)."""
    return _breached("first_response", period.start_at) | Q(
        first_responded_at__isnull=True, first_response_due_at__lte=ctx.now
    )


def _first_responses(ctx: ReportContext, period: Period) -> QuerySet[Case]:
    """Cases that reached MTS in the period and whose first response is decided: answered, or past due."""
    return (
        _cases(ctx)
        .filter(in_period("escalated_at", period))
        .filter(_decided(ctx))
        .annotate(
            missed=SqlCase(
                When(_missed(ctx, period), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def _decided(ctx: ReportContext) -> Q:
    return Q(first_responded_at__isnull=False) | Q(first_response_due_at__lte=ctx.now)


def _sla_by_priority(ctx: ReportContext, period: Period) -> dict[Any, tuple[int, int]]:
    """(due, met) per priority; the report's period and its previous one counted by one grouped query."""

    def query(pair: tuple[Period, Period]) -> list[dict[Any, tuple[int, int]]]:
        counts = ratio_counts(
            pair,
            within=partial(in_period, "escalated_at"),
            missed=partial(_missed, ctx),
        )
        either = _cases(ctx).filter(in_periods("escalated_at", pair)).filter(_decided(ctx))
        return ratios_per_period(either.values("priority").annotate(**counts).order_by(), "priority")

    return ctx.per_period("sla", period, query)  # type: ignore[no-any-return]


def sla_headline(ctx: ReportContext, period: Period) -> Ratio:
    return Ratio.summed(_sla_by_priority(ctx, period).values())


def _grouped(qs: QuerySet[Case], field: str) -> dict[Any, tuple[int, int]]:
    rows = qs.values(field).annotate(total=Count("id"), late=Count("id", filter=Q(missed=True))).order_by()
    return {row[field]: (row["total"], row["total"] - row["late"]) for row in rows}


# Business time is measured on per-day tables this far around the periods (answers and acceptances may come
# after a period's end).
TIMELINE_MARGIN = timedelta(days=30)


def team_timeline(ctx: ReportContext, team_id: int | None) -> BusinessTimeline:
    """The business-time table of a team's hours (round the clock for a case without a team) over the report's
    periods and a margin: teams and calendars read once per request (two queries), a table per team."""
    known = ctx.memo.get(("team_timeline", team_id))  # asked once per duration: the shortest path first
    if known is not None:
        return known  # type: ignore[no-any-return]
    first, last = ctx.previous.start_on - TIMELINE_MARGIN, ctx.period.end_on + TIMELINE_MARGIN
    hours = ctx.remember("teams_hours", lambda: teams_hours(first=first, last=last))
    key = team_id if team_id in hours else None
    timeline = ctx.remember(("timeline", key), lambda: BusinessTimeline.for_days(hours[key], first, last))
    ctx.memo[("team_timeline", team_id)] = timeline
    return timeline  # type: ignore[no-any-return]


class Micros(Func):
    """An instant as whole microseconds since 1970, exactly. The figures that measure thousands of durations
    in Python read their instants this way: an integer loads several times faster than psycopg parses an ISO
    timestamp, which was most of those figures' time (bench/profile_reports.py)."""

    output_field = BigIntegerField()
    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"

    @property
    def convert_value(self) -> Any:
        # The database hands back an int already (the SQL casts to bigint; SQLite's reading is converted
        # below): no int() per value of thousands of rows.
        return self._convert_value_noop  # type: ignore[attr-defined]  # Django's no-op, which get_db_converters skips

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite (tests, the demo) keeps instants as UTC text: read as is, turned into microseconds below.
        return compiler.compile(self.source_expressions[0])

    def get_db_converters(self, connection: Any) -> list[Any]:
        if connection.vendor == "sqlite":
            return [_sqlite_micros, *super().get_db_converters(connection)]
        return super().get_db_converters(connection)


def _sqlite_micros(value: Any, _expression: Any, _connection: Any) -> int | None:
    if value is None:
        return None
    # A column comes back parsed (a naive UTC datetime), a subquery's value as its text.
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return micros(moment.replace(tzinfo=UTC))


def minutes(duration: timedelta) -> float:
    return duration.total_seconds() / 60


def spread(values: list[float]) -> tuple[int, int, int]:
    """(90th percentile, median, how many) of durations in minutes, rounded; zeros when there are none."""
    p90, p50 = percentile(values, 0.9), percentile(values, 0.5)
    return (round(p90 or 0), round(p50 or 0), len(values))


def _first_response_times(ctx: ReportContext) -> Table:
    """Business minutes from reaching MTS to the first answer, in the team's hours, for the cases that reached
    MTS in the period and were answered: one query bounded by the period, a subtraction per case."""
    p = ctx.period
    rows = (
        _cases(ctx)
        .filter(in_period("escalated_at", p), first_responded_at__isnull=False)
        .values_list("priority", "team_id", Micros("escalated_at"), Micros("first_responded_at"))
        .order_by()
    )
    by_priority: dict[str, list[float]] = {}
    for priority, team_id, escalated_us, responded_us in rows:
        if escalated_us is None or responded_us is None:  # excluded by the filter; said again for the types
            continue
        spent = team_timeline(ctx, team_id).minutes_between(escalated_us, responded_us)
        by_priority.setdefault(priority, []).append(spent)
    every = [m for values in by_priority.values() for m in values]
    return Table(
        key="first_response_time",
        title="Business minutes to the first response",
        columns=("90th percentile", "Median", "Cases"),
        rows=(
            ("All priorities", spread(every)),
            *((pr.label, spread(by_priority.get(pr.value, []))) for pr in Priority),
        ),
    )


def sla_detail(ctx: ReportContext) -> list[Table]:
    qs = _first_responses(ctx, ctx.period)
    by_priority = _sla_by_priority(ctx, ctx.period)
    tables = [
        Table(
            key="priority",
            title="First responses by priority",
            columns=("Due", "Met"),
            rows=tuple((p.label, by_priority.get(p.value, (0, 0))) for p in Priority),
            links=tuple(_cases_list(ctx, priority=p.value, view="all") for p in Priority),
        )
    ]
    if ctx.kind == OrgKind.MTS:
        by_team = _grouped(qs, "team__name")
        tables.append(
            Table(
                key="team",
                title="First responses by team",
                columns=("Due", "Met"),
                rows=tuple(
                    (name or "No team", counts) for name, counts in sorted(by_team.items(), key=lambda i: i[0] or "")
                ),
            )
        )
    tables.append(_first_response_times(ctx))
    due, met = _next_updates(ctx, ctx.period)
    tables.append(
        Table(
            key="next_update",
            title="Next updates decided in the period",
            columns=("Due", "Met"),
            rows=(("Next updates", (due, met)),),
        )
    )
    return tables


def _next_updates(ctx: ReportContext, period: Period) -> tuple[int, int]:
    """(due, met) of the next updates MTS owed that were decided in the period: each partner-visible MTS answer
    that met or missed the one it owed (marked on its timeline row, cases.sla.next_update_outcome) and each
    breach the sweep recorded (a late answer after a recorded breach is not marked, so nothing counts twice).
    Two partial indexes on the period's rows (caseevent_update_at_idx, caseevent_breach_at_idx), narrowed to
    the visible, filtered cases."""
    cases = _cases(ctx)
    decided = CaseEvent.objects.filter(
        Q(data__has_key="next_update") | Q(kind=EventKind.SLA_BREACHED, data__target="next_update"),
        # Every row when the visible cases are every case (MTS, unfiltered): no semi-join on the whole table.
        Q(case__in=cases) if cases.query.where else Q(),
        at__gte=period.start_at,
        at__lt=period.end_at,
    ).aggregate(due=Count("id"), met=Count("id", filter=Q(data__next_update=UpdateOutcome.MET.value)))
    return decided["due"], decided["met"]


# --- Repeat units ------------------------------------------------------------------------------------


def _repeat_window(ctx: ReportContext, period: Period) -> QuerySet[Case]:
    window_end = _as_of(ctx, period)
    return _cases(ctx).filter(unit__isnull=False, created_at__gte=window_end - REPEAT_WINDOW, created_at__lt=window_end)


def _window(ctx: ReportContext, period: Period) -> tuple[datetime, datetime]:
    """The 90 days up to the period's end (or now), as a half-open range of opening instants."""
    window_end = _as_of(ctx, period)
    return window_end - REPEAT_WINDOW, window_end


def _in_window(ctx: ReportContext, period: Period) -> Q:
    start, end = _window(ctx, period)
    return Q(created_at__gte=start, created_at__lt=end)


def _units_repeating(
    inner: QuerySet[Any], by: tuple[str, ...], counts: tuple[str, ...], described: QuerySet[Any] | None = None
) -> list[tuple[Any, ...]]:
    """Per value of `by`, how many rows of `inner` (one per unit, or per unit and component) have 2 or more
    cases in each of its `counts` columns: the database sums them, so a few rows come back however many units
    repeat (Django has no aggregate over a grouped subquery). `described` (rows with an "id") joins the columns
    of `by` to inner's "unit_id" after the grouping: only the repeat units are looked up, not every case."""
    sql, params = inner.query.sql_with_params()
    quote = connections[inner.db].ops.quote_name
    source = f"({sql}) repeats"
    if described is not None:
        about, about_params = described.query.sql_with_params()
        source += f" INNER JOIN ({about}) described ON described.{quote('id')} = repeats.{quote('unit_id')}"
        params = (*params, *about_params)
    keys = ", ".join(quote(name) for name in by)
    sums = ", ".join(f"SUM(CASE WHEN {quote(name)} >= 2 THEN 1 ELSE 0 END)" for name in counts)
    with connections[inner.db].cursor() as cursor:
        cursor.execute(f"SELECT {keys}, {sums} FROM {source} GROUP BY {keys}", params)  # noqa: S608  # aliases, not input
        return list(cursor.fetchall())


def _repeat_units(ctx: ReportContext, period: Period) -> list[dict[str, Any]]:
    """Service tags with 2 or more cases opened in the 90 days up to the period's end, counted per model and
    owning reseller (`units`); shared by the headline, the breakdowns and the scorecard. The report's period
    and its previous one are counted in one pass over both windows (they overlap by all but a period)."""

    def query(pair: tuple[Period, Period]) -> list[list[dict[str, Any]]]:
        windows = [_in_window(ctx, p) for p in pair]
        per_unit = (
            _cases(ctx)
            .filter(unit__isnull=False)
            .filter(in_ranges("created_at", (_window(ctx, p) for p in pair)))
            .values("unit_id")
            .annotate(in_now=Count("id", filter=windows[0]), in_before=Count("id", filter=windows[1]))
            .filter(Q(in_now__gte=2) | Q(in_before__gte=2))
            .order_by()
        )
        about = Unit.objects.values("id", "model", "reseller_id", "reseller__name").order_by()
        rows = _units_repeating(per_unit, ("model", "reseller_id", "reseller__name"), ("in_now", "in_before"), about)
        return [
            [
                {"model": model, "reseller_id": reseller_id, "reseller__name": name, "units": units[i]}
                for model, reseller_id, name, *units in rows
                if units[i]
            ]
            for i in range(2)
        ]

    return ctx.per_period("repeat", period, query)  # type: ignore[no-any-return]


def repeat_headline(ctx: ReportContext, period: Period) -> int:
    return sum(row["units"] for row in _repeat_units(ctx, period))


def _tally(rows: Iterable[dict[str, Any]], *fields: str) -> list[tuple[tuple[Any, ...], int]]:
    """Repeat units per value of `fields`, most first (a row stands for its `units`, one when it has none)."""
    counts: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row[f] for f in fields)
        counts[key] = counts.get(key, 0) + row.get("units", 1)
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def repeat_detail(ctx: ReportContext) -> list[Table]:
    units = _repeat_units(ctx, ctx.period)
    models = dict(UnitModel.choices)
    tables = [
        Table(
            key="model",
            title="Repeat units by model",
            columns=("Units",),
            rows=tuple((models.get(model, model), (n,)) for (model,), n in _tally(units, "model")),
        )
    ]
    if ctx.kind in MTS_AND_DISTRIBUTOR:
        by_reseller = _tally(units, "reseller_id", "reseller__name")
        unit_list = reverse("servicetags:unit_list")
        tables.append(
            Table(
                key="reseller",
                title="Repeat units by reseller",
                columns=("Units",),
                rows=tuple((name, (n,)) for (_pk, name), n in by_reseller),
                links=tuple(list_url(unit_list, {"reseller": pk}) for (pk, _name), _n in by_reseller),
            )
        )
    # A unit repeats on a component when 2 or more of its cases in the window concern that component.
    per_component = _repeat_window(ctx, ctx.period).values("unit_id", "component").annotate(n=Count("id")).order_by()
    same_component = [
        {"component": component, "units": n}
        for component, n in _units_repeating(per_component.filter(n__gte=2), ("component",), ("n",))
    ]
    labels = {c.value: c.label for c in HardwareComponent}
    tables.append(
        Table(
            key="component",
            title="Repeat units on the same component",
            columns=("Units",),
            rows=tuple(
                (labels.get(component, "Software / none"), (n,))
                for (component,), n in _tally(same_component, "component")
            ),
        )
    )
    return tables


# --- Partner scorecard -------------------------------------------------------------------------------


def _returned(period: Period) -> Q:
    """The case was returned to the partner in the period: a semi-join on the period's return rows (the partial
    index caseevent_return_at_idx). A correlated EXISTS let the planner hash every timeline row of the archive."""
    returns = CaseEvent.objects.filter(
        action=Action.RETURN_TO_PARTNER.value, at__gte=period.start_at, at__lt=period.end_at
    ).values("case_id")
    return Q(pk__in=returns)


def scorecard_headline(ctx: ReportContext, period: Period) -> int:
    """Cases opened in the period: the report's period and its previous one counted by one query."""

    def query(pair: tuple[Period, Period]) -> list[int]:
        opened = [in_period("created_at", p) for p in pair]
        counts = (
            _cases(ctx)
            .filter(in_periods("created_at", pair))
            .aggregate(now=Count("id", filter=opened[0]), before=Count("id", filter=opened[1]))
        )
        return [counts["now"], counts["before"]]

    return ctx.per_period("scorecard", period, query)  # type: ignore[no-any-return]


SCORECARD_COUNTS = ("opened", "resolved_l1", "escalated", "escalated_complete")


def _scorecard_rows(ctx: ReportContext, p: Period) -> list[dict[str, Any]]:
    """Per reseller, the cases opened, resolved at first level and escalated (complete: not returned) in the
    period, by name. One query, a UNION of one grouped count per range: each is read from its own covering index
    (case_created_idx, case_resolved_idx, case_escalated_idx) where one query over the OR of the three ranges
    made the planner visit the table pages of every case they hold."""
    zero = Value(0, output_field=BigIntegerField())

    def per_reseller(within: Q, **counts: Any) -> QuerySet[Case, dict[str, Any]]:
        columns = {name: counts.get(name, zero) for name in SCORECARD_COUNTS}
        return _cases(ctx).filter(within).values("reseller_id", "reseller__name").annotate(**columns).order_by()

    opened = per_reseller(in_period("created_at", p), opened=Count("id"))
    resolved = per_reseller(in_period("resolved_at", p) & Q(resolved_at_l1=True), resolved_l1=Count("id"))
    escalated = per_reseller(
        in_period("escalated_at", p),
        escalated=Count("id"),
        escalated_complete=Count("id", filter=~_returned(p)),
    )
    rows: dict[int, dict[str, Any]] = {}
    for part in opened.union(resolved, escalated, all=True):
        row = rows.setdefault(part["reseller_id"], {**part, **dict.fromkeys(SCORECARD_COUNTS, 0)})
        for name in SCORECARD_COUNTS:
            row[name] += part[name]
    return sorted(rows.values(), key=lambda r: (r["reseller__name"], r["reseller_id"]))


def scorecard_detail(ctx: ReportContext) -> list[Table]:
    p = ctx.period
    rows = _scorecard_rows(ctx, p)
    repeat = {pk: n for (pk,), n in _tally(_repeat_units(ctx, p), "reseller_id")}
    return [
        Table(
            key="resellers",
            title="Per reseller",
            columns=("Opened", "Resolved at L1", "Escalated", "Escalated, checklist complete", "Repeat units"),
            rows=tuple(
                (
                    r["reseller__name"],
                    (
                        r["opened"],
                        r["resolved_l1"],
                        r["escalated"],
                        r["escalated_complete"],
                        repeat.get(r["reseller_id"], 0),
                    ),
                )
                for r in rows
            ),
            links=tuple(list_url(reverse("cases:list"), {"view": "all", "reseller": r["reseller_id"]}) for r in rows),
            chart="",
        )
    ]


# --- Filters -----------------------------------------------------------------------------------------


def _clean_team(user: User, raw: str) -> int:
    pk = plain_number(raw)
    if pk is None:
        raise ReportInputError("unknown_filter_value", f"Team: {raw[:20]!r} is not an id.", field="team")
    if not teams_visible_to(user).filter(pk=pk).exists():
        raise ReportInputError("not_found", "No such team.", field="team", hidden=True)
    return pk


def _team_choices(user: User) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in teams_visible_to(user).order_by("name").values_list("pk", "name")]


def _choices(members: Iterable[Any]) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in members]


def register() -> None:
    register_filter(
        FilterSpec(
            key="team", label="Team", kinds=frozenset({OrgKind.MTS}), choices=_team_choices, clean=_clean_team, order=10
        )
    )
    register_filter(choice_filter("priority", "Priority", ALL_KINDS, _choices(Priority), order=40))
    register_filter(choice_filter("category", "Category", ALL_KINDS, _choices(Category), order=41))
    register_filter(choice_filter("component", "Component", ALL_KINDS, _choices(HardwareComponent), order=42))
    register_figure(
        case_figure(
            key="backlog",
            title="Backlog and age",
            description="Cases open at the end of the period, by who they wait on and by business-day age "
            "(in the business days of the case's MTS team); cases opened and resolved per day in your time zone.",
            kinds=PARTNERS_AND_MTS,
            unit="open cases",
            headline=backlog_headline,
            detail=backlog_detail,
            link=lambda ctx: _cases_list(ctx, view="open"),
            order=20,
        )
    )
    register_figure(
        case_figure(
            key="sla",
            title="SLA attainment: first response",
            description="Cases that reached MTS in the period whose first response was due: answered in time "
            "over all due (the clock runs in the MTS team's business hours and pauses while awaiting the partner).",
            kinds=PARTNERS_AND_MTS,
            unit="first responses due",
            headline=sla_headline,
            detail=sla_detail,
            link=lambda ctx: _cases_list(ctx, view="all"),
            higher_is_better=True,
            order=30,
        )
    )
    register_tile(
        Tile(
            key="sla",
            label="SLA attainment this month",
            kinds=PARTNERS_AND_MTS,
            figure="sla",
            note="first responses in time",
            higher_is_better=True,
            order=20,
        )
    )
    register_tile(
        Tile(
            key="backlog_waiting",
            label="Open cases waiting on you",
            kinds=PARTNERS_AND_MTS,
            figure="backlog",
            value=waiting_on_viewer,
            note="now, by who they wait on",
            order=30,
        )
    )
    register_figure(
        case_figure(
            key="repeat_units",
            title="Repeat units",
            description="Service tags with 2 or more cases opened within the 90 days up to the end of the period.",
            kinds=PARTNERS_AND_MTS,
            unit="units",
            headline=repeat_headline,
            detail=repeat_detail,
            link=lambda ctx: list_url(reverse("servicetags:unit_list"), {"reseller": ctx.filters.get("reseller", "")}),
            order=45,
        )
    )
    register_figure(
        case_figure(
            key="scorecard",
            title="Partner scorecard",
            description="Per reseller: cases opened, resolved at first level and escalated to MTS in the period "
            "(complete: not returned to the partner for missing information), and repeat units.",
            kinds=MTS_AND_DISTRIBUTOR,
            unit="cases opened",
            headline=scorecard_headline,
            detail=scorecard_detail,
            link=lambda ctx: _cases_list(ctx, view="all", queue=False),
            order=90,
        )
    )
