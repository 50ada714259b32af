"""Run a report: the viewer's period and filters read once, every figure computed from them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from husky_support.reports import Median, Period, Ratio, ReportInputError, parse_period
from partners.models import User
from partners.reports.registry import (
    FigureResult,
    ReportContext,
    clean_filters,
    compute,
    figure_for,
    figures_for,
    list_url,
    tiles_for,
)
from partners.visibility import viewer_kind


def report_context(user: User, params: Mapping[str, str], *, now: datetime) -> ReportContext:
    """The period (in the viewer's zone: days end at the viewer's midnight) and the cleaned filters.

    Raises ReportInputError (see husky_support.reports.parse_period and registry.clean_filters)."""
    kind = viewer_kind(user)
    if kind is None:
        raise ReportInputError("not_found", "No reports for this account.", hidden=True)
    zone = user.viewer_timezone
    period = parse_period(params, zone=zone, today=now.astimezone(ZoneInfo(zone)).date())
    return ReportContext(
        user=user,
        kind=kind,
        period=period,
        previous=period.previous(),
        filters=clean_filters(user, kind, params),
        now=now,
    )


def month_context(user: User, *, now: datetime) -> ReportContext | None:
    """This month so far in the viewer's zone (the 1st to today), no filters: the home page's headline tiles.
    None for an account without an organisation."""
    kind = viewer_kind(user)
    if kind is None:
        return None
    zone = user.viewer_timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    period = Period(start_on=today.replace(day=1), end_on=today, zone=zone)
    return ReportContext(user=user, kind=kind, period=period, previous=period.previous(), filters={}, now=now)


@dataclass(frozen=True)
class TileView:
    key: str
    label: str
    value: int | Ratio | Median
    url: str
    note: str

    @property
    def empty(self) -> bool:
        """Nothing was counted (a ratio with nothing due reads "–", not 0 %)."""
        if isinstance(self.value, Ratio):
            return self.value.total == 0
        if isinstance(self.value, Median):
            return self.value.count == 0
        return self.value == 0

    @property
    def counted(self) -> str:
        """What a ratio is a share of ("3 of 4"); "" for a count."""
        return f"{self.value.met} of {self.value.total}" if isinstance(self.value, Ratio) else ""


def headline_tiles(user: User, *, now: datetime) -> list[TileView]:
    """The viewer's headline tiles this month (none for an account without an organisation)."""
    ctx = month_context(user, now=now)
    return [] if ctx is None else tiles_in(ctx)


def tiles_in(ctx: ReportContext) -> list[TileView]:
    """The headline tiles of the context's viewer, each from its figure's own code through the viewer's gate,
    each linking to that figure on the Reports page with the period in the URL (docs/rules.md "Reports")."""
    page = reverse("reports:page")
    out = []
    for tile in tiles_for(ctx.kind):
        figure = figure_for(ctx.kind, tile.figure) if tile.figure else None
        if tile.value is not None:
            value = tile.value(ctx)
        elif figure is not None:
            value = figure.headline(ctx, ctx.period)
        else:  # a tile over a figure this kind of organisation has not: nothing to show
            continue
        if tile.link is not None:
            url = tile.link(ctx)
        else:
            url = list_url(page, ctx.period.as_params()) + f"#figure-{tile.figure}"
        out.append(TileView(key=tile.key, label=tile.label, value=value, url=url, note=tile.note))
    return out


def run_report(ctx: ReportContext) -> list[FigureResult]:
    return [compute(figure, ctx) for figure in figures_for(ctx.kind)]


def run_figure(ctx: ReportContext, key: str) -> FigureResult:
    """One figure; raises ReportInputError(hidden) for a figure this kind of organisation has not."""
    figure = figure_for(ctx.kind, key)
    if figure is None:
        raise ReportInputError("not_found", "No such report figure.", field="figure", hidden=True)
    return compute(figure, ctx)


def query_params(ctx: ReportContext) -> dict[str, str]:
    """The query string that gives this report back (period and filters), for links, CSV and bookmarks."""
    return {**ctx.period.as_params(), **{key: str(value) for key, value in ctx.filters.items()}}


def figure_csv(result: FigureResult, ctx: ReportContext) -> str:
    """The figure as CSV: its headline against the previous period, then every row of its breakdowns."""
    out = io.StringIO()
    writer = csv.writer(out)
    headline = result.headline
    writer.writerow(["section", "label", "value", "previous period"])
    writer.writerow(
        [
            "headline",
            f"{result.figure.title} ({ctx.period.start_on} to {ctx.period.end_on})",
            headline.value,
            headline.previous,
        ]
    )
    writer.writerow(["headline", f"count of {headline.unit}", headline.count, ""])
    for table in result.tables:
        writer.writerow([table.title, "", *table.columns])
        for row in table.csv_rows():
            # A label typed by a partner (an organisation name) must not be read as a spreadsheet formula.
            writer.writerow([_cell(cell) for cell in row])
    return out.getvalue()


def _cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
