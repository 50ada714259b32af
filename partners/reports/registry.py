"""Where apps plug their report figures and filters in (partners knows none of them).

An app calls `register_filter()` for the filters its records answer to and `register_figure()` for each
figure, from its AppConfig.ready(). A figure gives its headline for any period (the framework asks for the
current and the previous one), its breakdown tables for the current period, and the list of the records it
counts. A figure the data for which is not stored yet (e.g. NBD verdicts) is simply registered later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q

from husky_support.reports import Headline, Median, Period, Ratio, ReportInputError, Table
from partners.kinds import OrgKind
from partners.models import User

ALL_KINDS: frozenset[OrgKind] = frozenset(OrgKind)
PARTNER_KINDS: frozenset[OrgKind] = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})


@dataclass(frozen=True)
class ReportContext:
    """What a figure computes from: the viewer (the gate), the periods, the cleaned filters, the clock."""

    user: User
    kind: OrgKind
    period: Period
    previous: Period
    filters: Mapping[str, Any]  # filter key -> cleaned value (an id, a code); absent when not chosen
    now: datetime
    # Query results a figure shares between its headline and its breakdowns within one request (one grouped
    # query can answer both); never outlives the request.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def per_period(self, key: Any, period: Period, compute: Callable[[tuple[Period, Period]], Any]) -> Any:
        """`period`'s share of a result computed for the report's period and its previous one together (one
        query with an aggregate per period, for a headline asked for both): `compute(pair)` returns one value
        per period of `pair`. Any other period is paired with itself."""
        pair = (self.period, self.previous) if period in (self.period, self.previous) else (period, period)
        return self.remember((key, *pair), lambda: compute(pair))[pair.index(period)]


@dataclass(frozen=True)
class FilterSpec:
    """One report filter: who may use it, the values this viewer may pick, and how a raw value is cleaned.

    `clean(user, raw)` returns the value the figures use or raises ReportInputError (`hidden=True` for
    something the viewer may not see: answered as not found)."""

    key: str
    label: str
    kinds: frozenset[OrgKind]
    choices: Callable[[User], list[tuple[str, str]]]
    clean: Callable[[User, str], Any]
    order: int = 100
    values: tuple[str, ...] = ()  # the fixed values, when there are (documented as the parameter's enum)


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    description: str
    kinds: frozenset[OrgKind]
    unit: str
    headline: Callable[[ReportContext, Period], int | Ratio | Median]
    detail: Callable[[ReportContext], list[Table]]
    link: Callable[[ReportContext], str]
    applies: frozenset[str]  # the filter keys this figure honours; the page says which it ignores
    higher_is_better: bool = False
    order: int = 100


@dataclass(frozen=True)
class FigureResult:
    figure: Figure
    headline: Headline
    tables: list[Table]
    link: str
    ignored_filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tile:
    """A headline tile of the home page: one number of a figure over this month (docs/rules.md "Reports").

    `value` reads the figure's own code (by default its headline; or one row of its breakdown) from the month's context,
    so a tile never computes a figure a second way. The tile links to `figure` on the Reports page with the
    month in the URL, or to `link(ctx)` for a kind of organisation that has no such figure."""

    key: str
    label: str
    kinds: frozenset[OrgKind]
    figure: str = ""
    value: Callable[[ReportContext], int | Ratio | Median] | None = None  # None: the figure's headline
    link: Callable[[ReportContext], str] | None = None
    note: str = ""
    higher_is_better: bool = False
    order: int = 100


@dataclass
class _Registry:
    figures: dict[str, Figure] = field(default_factory=dict)
    filters: dict[str, FilterSpec] = field(default_factory=dict)
    tiles: dict[str, Tile] = field(default_factory=dict)


registry = _Registry()


def register_figure(figure: Figure) -> None:
    registry.figures[figure.key] = figure


def register_filter(spec: FilterSpec) -> None:
    registry.filters[spec.key] = spec


def register_tile(tile: Tile) -> None:
    registry.tiles[tile.key] = tile


def tiles_for(kind: OrgKind | None) -> list[Tile]:
    return sorted((t for t in registry.tiles.values() if kind in t.kinds), key=lambda t: (t.order, t.key))


def figures_for(kind: OrgKind | None) -> list[Figure]:
    return sorted((f for f in registry.figures.values() if kind in f.kinds), key=lambda f: (f.order, f.key))


def figure_for(kind: OrgKind | None, key: str) -> Figure | None:
    figure = registry.figures.get(key)
    return figure if figure is not None and kind in figure.kinds else None


def filters_for(kind: OrgKind | None) -> list[FilterSpec]:
    return sorted((f for f in registry.filters.values() if kind in f.kinds), key=lambda f: (f.order, f.key))


def clean_filters(user: User, kind: OrgKind | None, params: Mapping[str, str]) -> dict[str, Any]:
    """The chosen filters, cleaned. Raises ReportInputError: filter_not_allowed for a filter this kind of
    organisation may not use, or what the filter's own `clean` raises (unknown value, not visible)."""
    cleaned: dict[str, Any] = {}
    for key, spec in registry.filters.items():
        raw = (params.get(key) or "").strip()
        if not raw:
            continue
        if kind not in spec.kinds:
            raise ReportInputError(
                "filter_not_allowed", f"You cannot filter reports by {spec.label.lower()}.", field=key
            )
        cleaned[key] = spec.clean(user, raw)
    return cleaned


def headline_of(figure: Figure, ctx: ReportContext) -> Headline:
    """The figure's headline in the context's period beside its previous one."""
    return Headline(
        value=figure.headline(ctx, ctx.period),
        previous=figure.headline(ctx, ctx.previous),
        unit=figure.unit,
        higher_is_better=figure.higher_is_better,
    )


def compute(figure: Figure, ctx: ReportContext) -> FigureResult:
    """The figure for the context: its headline now and in the previous period of the same length."""
    headline = headline_of(figure, ctx)
    ignored = tuple(registry.filters[k].label for k in ctx.filters if k not in figure.applies)
    return FigureResult(
        figure=figure, headline=headline, tables=figure.detail(ctx), link=figure.link(ctx), ignored_filters=ignored
    )


def in_ranges(field_name: str, ranges: Iterable[tuple[datetime, datetime]]) -> Q:
    """Rows whose `field_name` falls in any of the half-open `ranges`, ranges that touch or overlap said as one
    (a report's period and its previous one: one index range the planner can read the index alone for, where
    an OR of two makes it combine bitmaps and visit the table)."""
    merged: list[list[datetime]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    either = Q()
    for start, end in merged:
        either |= Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return either


def in_period(field_name: str, period: Period) -> Q:
    """Rows whose `field_name` falls in `period` (half-open: from its start, before its end)."""
    return Q(**{f"{field_name}__gte": period.start_at, f"{field_name}__lt": period.end_at})


def in_periods(field_name: str, periods: Iterable[Period]) -> Q:
    """Rows whose `field_name` falls in any of `periods` (see in_ranges)."""
    return in_ranges(field_name, ((p.start_at, p.end_at) for p in periods))


def ratio_counts(
    pair: tuple[Period, Period], within: Callable[[Period], Q], missed: Callable[[Period], Q]
) -> dict[str, Count]:
    """The aggregates of a share counted for a report's period and its previous one in one query: per period
    `i`, `total{i}` (the rows `within` it) and `missed{i}` (of those, the ones `missed` there)."""
    counts: dict[str, Count] = {}
    for i, p in enumerate(pair):
        counts[f"total{i}"] = Count("id", filter=within(p))
        counts[f"missed{i}"] = Count("id", filter=within(p) & missed(p))
    return counts


def ratios_per_period(rows: Iterable[Mapping[str, Any]], group: str) -> list[dict[Any, tuple[int, int]]]:
    """Rows grouped by `group` and counted by `ratio_counts`, as (total, met) per group for the report's period
    and for its previous one; a group with nothing in a period is left out of that period."""
    rows = list(rows)
    return [
        {r[group]: (r[f"total{i}"], r[f"total{i}"] - r[f"missed{i}"]) for r in rows if r[f"total{i}"]} for i in range(2)
    ]


def list_url(base: str, params: Mapping[str, Any]) -> str:
    """`base` with the non-empty `params` as a query string (a list value repeats the key)."""
    pairs = [(k, v) for k, value in params.items() for v in (value if isinstance(value, list | tuple) else [value])]
    query = urlencode([(k, v) for k, v in pairs if v not in (None, "")])
    return f"{base}?{query}" if query else base


def choice_filter(
    key: str, label: str, kinds: frozenset[OrgKind], choices: list[tuple[str, str]], *, order: int = 100
) -> FilterSpec:
    """A filter over a fixed list of values (priority, category, model...): anything else is refused."""
    allowed = {value for value, _label in choices}

    def clean(_user: User, raw: str) -> str:
        if raw not in allowed:
            raise ReportInputError(
                "unknown_filter_value", f"{label}: {raw[:40]!r} is not one of the values.", field=key
            )
        return raw

    return FilterSpec(
        key=key,
        label=label,
        kinds=kinds,
        choices=lambda _user: list(choices),
        clean=clean,
        order=order,
        values=tuple(value for value, _label in choices),
    )
