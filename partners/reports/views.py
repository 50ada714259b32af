"""The Reports page: period and filters in the URL (a GET form), htmx swaps the figures in place; CSV per
figure. The figures come from the registry, each through its own app's visibility gate."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from husky_support.reports import PRESETS, ReportInputError, bar_keys, bars, columns
from partners.reports import service
from partners.reports.registry import FigureResult, ReportContext, filters_for, list_url
from partners.visibility import viewer_kind


def _chart(table):
    if table.chart == "bar":
        return {"kind": "bar", "bars": bars(table)}
    if table.chart == "columns":
        return {"kind": "columns", "data": columns(table)}
    return None


def _figure_view(result: FigureResult, ctx: ReportContext) -> dict:
    params = service.query_params(ctx)
    return {
        "result": result,
        "headline": result.headline,
        "tables": [{"table": t, "chart": _chart(t), "rows": _rows(t), "headers": _headers(t)} for t in result.tables],
        # A figure with many breakdowns, a chart per day or a wide table spans the page; others go two a row.
        "wide": len(result.tables) > 3 or any(t.chart == "columns" or len(t.columns) > 3 for t in result.tables),
        "csv_url": list_url(reverse("reports:csv", args=[result.figure.key]), params),
    }


def _headers(table) -> list[tuple[str, str]]:
    """Each column's name and, over a bar chart's table, the colour it has in the bars ("" when none)."""
    keys = bar_keys(table) if table.chart == "bar" else ("",) * len(table.columns)
    return list(zip(table.columns, keys, strict=True))


def _rows(table) -> list[dict]:
    return [
        {"label": label, "values": values, "link": table.row_link(index)}
        for index, (label, values) in enumerate(table.rows)
    ]


def _form(request: HttpRequest, kind) -> dict:
    """The filter controls this viewer has, with the values it may pick (and what is chosen now)."""
    return {
        "presets": [(key, f"Last {days} days") for key, days in PRESETS.items()],
        "filters": [
            {
                "key": spec.key,
                "label": spec.label,
                "choices": spec.choices(request.user),
                "value": request.GET.get(spec.key, ""),
            }
            for spec in filters_for(kind)
        ],
        "values": request.GET,
    }


@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    """docs/rules.md "Reports" for the viewer's organisation; a bad period or filter is a 400 with the reason, a
    reseller (or team) the viewer may not see a 404."""
    kind = viewer_kind(request.user)
    now = timezone.now()  # the edge reads the clock once
    partial = bool(request.htmx) and not request.htmx.boosted
    context: dict = {"form": _form(request, kind), "kind": kind}
    status = 200
    try:
        ctx = service.report_context(request.user, request.GET, now=now)
    except ReportInputError as exc:
        if exc.hidden:
            raise Http404 from exc
        context["error"] = exc
        status = 400
    else:
        context.update(
            ctx=ctx,
            figures=[_figure_view(result, ctx) for result in service.run_report(ctx)],
            previous=ctx.previous,
        )
    template = "partners/reports/_body.html" if partial else "partners/reports/page.html"
    return render(request, template, context, status=status)


@require_GET
def report_csv(request: HttpRequest, key: str) -> HttpResponse:
    """One figure as CSV, with the page's period and filters (and the same visibility)."""
    try:
        ctx = service.report_context(request.user, request.GET, now=timezone.now())
        result = service.run_figure(ctx, key)
    except ReportInputError as exc:
        if exc.hidden:
            raise Http404 from exc
        return HttpResponse(f"{exc.code}: {exc.message}\n", status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(service.figure_csv(result, ctx), content_type="text/csv; charset=utf-8")
    name = f"{key}-{ctx.period.start_on}-{ctx.period.end_on}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
