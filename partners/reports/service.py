"""Run a report: the viewer's period and filters read once, every figure computed from them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from husky_support.reports import ReportInputError, parse_period
from partners.models import User
from partners.reports.registry import FigureResult, ReportContext, clean_filters, compute, figure_for, figures_for
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
