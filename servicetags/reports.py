"""The unit figures of the Reports section: service-tag transfers (docs/rules.md "Reports", transfers), and the model
filter. From `units_visible_to` / `transfers_visible_to`, in aggregate queries; registered from ready()."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from husky_support.geo import country_name
from husky_support.reports import Period, Table, percentile
from partners.reports.registry import (
    ALL_KINDS,
    Figure,
    ReportContext,
    choice_filter,
    list_url,
    register_figure,
    register_filter,
)
from servicetags.models import ServiceTagTransfer, TransferStatus, UnitModel
from servicetags.selectors import transfers_visible_to, units_visible_to

# The unit fields each report filter narrows (a case's filters that say nothing of a unit do not apply).
UNIT_FILTER_FIELDS: dict[str, str] = {
    "country": "country",
    "reseller": "reseller_id",
    "distributor": "reseller__distributor_id",
    "model": "model",
}
UNIT_FILTERS = frozenset(UNIT_FILTER_FIELDS)

# Age of a unit without a confirmed final location, in calendar days since it shipped: (label, fewest days).
UNREGISTERED_AGES: tuple[tuple[str, int], ...] = (
    ("0–7 days", 0),
    ("8–30 days", 8),
    ("31–90 days", 31),
    ("91+ days", 91),
)


def filter_units(qs: QuerySet[Any], filters: Any, prefix: str = "") -> QuerySet[Any]:
    conditions = {f"{prefix}{UNIT_FILTER_FIELDS[k]}": v for k, v in filters.items() if k in UNIT_FILTER_FIELDS}
    return qs.filter(**conditions)


def _as_of(ctx: ReportContext, period: Period) -> datetime:
    return min(period.end_at, ctx.now)


def _shipped_by(at: datetime) -> date:
    """The viewer's date of the day that `at` ends (or runs in)."""
    return (at - timedelta(microseconds=1)).astimezone(at.tzinfo).date()


def _unregistered(at: datetime) -> Q:
    """Units shipped by `at` (the viewer's date) whose final location was not confirmed by then."""
    return (Q(location_confirmed=False) | Q(location_confirmed_at__gte=at)) & Q(
        shipped_on__isnull=False, shipped_on__lte=_shipped_by(at)
    )


def _unregistered_by_age(ctx: ReportContext, period: Period) -> list[int]:
    """Units without a confirmed location at the period's end per age bucket (the buckets cover every shipped
    unit, so their sum is the headline): the report's period and its previous one counted by one query, each
    period's buckets under its own as-of instant; shared by the headline and the table."""

    def query(pair: tuple[Period, Period]) -> list[list[int]]:
        counts: dict[str, Count] = {}
        for p, period_ in enumerate(pair):
            as_of = _as_of(ctx, period_)
            today = _shipped_by(as_of)
            for i, (_label, fewest) in enumerate(UNREGISTERED_AGES):
                bucket = Q(shipped_on__lte=today - timedelta(days=fewest))
                if i + 1 < len(UNREGISTERED_AGES):
                    bucket &= Q(shipped_on__gt=today - timedelta(days=UNREGISTERED_AGES[i + 1][1]))
                counts[f"p{p}b{i}"] = Count("id", filter=_unregistered(as_of) & bucket)
        either = _unregistered(_as_of(ctx, pair[0])) | _unregistered(_as_of(ctx, pair[1]))
        rows = filter_units(units_visible_to(ctx.user), ctx.filters).filter(either).aggregate(**counts)
        return [[rows[f"p{p}b{i}"] for i in range(len(UNREGISTERED_AGES))] for p in range(len(pair))]

    return ctx.per_period("unregistered", period, query)  # type: ignore[no-any-return]


def transfers_headline(ctx: ReportContext, period: Period) -> int:
    return sum(_unregistered_by_age(ctx, period))


def transfers_detail(ctx: ReportContext) -> list[Table]:
    as_of = _as_of(ctx, ctx.period)
    today = _shipped_by(as_of)
    counts = _unregistered_by_age(ctx, ctx.period)
    units = reverse("servicetags:unit_list")
    unregistered_link = list_url(units, {"registered": "no", **_unit_list_filters(ctx)})
    transfers: QuerySet[ServiceTagTransfer] = filter_units(transfers_visible_to(ctx.user), ctx.filters, "unit__")
    overdue = transfers.filter(status=TransferStatus.SUBMITTED, expected_confirmation_on__lt=today).aggregate(
        within=Count("id", filter=Q(cross_country=False)), across=Count("id", filter=Q(cross_country=True))
    )
    queue = reverse("servicetags:transfer_queue")
    # The period's confirmations, one row each (bounded by the period): counted per country and measured in days
    # from submission to Dell's confirmation (docs/rules.md "Reports", transfers).
    decided = transfers.filter(
        status=TransferStatus.CONFIRMED, decided_at__gte=ctx.period.start_at, decided_at__lt=ctx.period.end_at
    ).values_list("country", "submitted_at", "decided_at")
    per_country: dict[str, int] = {}
    days: list[float] = []
    for country, submitted_at, decided_at in decided:
        per_country[country] = per_country.get(country, 0) + 1
        if submitted_at is not None and decided_at is not None:
            days.append((decided_at - submitted_at).total_seconds() / 86400)
    confirmed = sorted(per_country.items(), key=lambda item: (-item[1], item[0]))
    median, p90 = percentile(days, 0.5), percentile(days, 0.9)
    return [
        Table(
            key="unregistered_age",
            title="Units without a confirmed location, by days since shipping",
            columns=("Units",),
            rows=tuple((label, (counts[i],)) for i, (label, _n) in enumerate(UNREGISTERED_AGES)),
            links=tuple(unregistered_link for _ in UNREGISTERED_AGES),
        ),
        Table(
            key="overdue",
            title="Transfers overdue at Dell (past 7 business days in a country, 10 across)",
            columns=("Transfers",),
            rows=(("Within a country", (overdue["within"],)), ("Across countries", (overdue["across"],))),
            links=(queue, queue),
        ),
        Table(
            key="confirmed",
            title="Transfers confirmed in the period, by country",
            columns=("Transfers",),
            rows=tuple((country_name(country) or country, (n,)) for country, n in confirmed),
            links=tuple(queue for _ in confirmed),
        ),
        Table(
            key="confirm_days",
            title="Calendar days from submission to Dell's confirmation, transfers confirmed in the period",
            columns=("Median", "90th percentile", "Transfers"),
            rows=(("All countries", (_days(median), _days(p90), len(days))),),
            chart="",
        ),
    ]


def _days(value: float | None) -> int:
    """Whole days, rounded half up (0 when nothing was measured)."""
    return int(value + 0.5) if value is not None else 0


def _unit_list_filters(ctx: ReportContext) -> dict[str, Any]:
    """The filters the unit list itself accepts (country, reseller)."""
    return {k: v for k, v in ctx.filters.items() if k in {"country", "reseller"}}


def register() -> None:
    register_filter(choice_filter("model", "Model", ALL_KINDS, list(UnitModel.choices), order=50))
    register_figure(
        Figure(
            key="transfers",
            title="Service-tag transfers",
            description="Shipped units whose final location was not confirmed by Dell at the end of the period, by "
            "age; transfers overdue at Dell; transfers confirmed in the period.",
            kinds=ALL_KINDS,
            unit="units",
            headline=transfers_headline,
            detail=transfers_detail,
            link=lambda ctx: list_url(
                reverse("servicetags:unit_list"), {"registered": "no", **_unit_list_filters(ctx)}
            ),
            applies=UNIT_FILTERS,
            order=47,
        )
    )
