"""`/api/v1/reports/`: the figures of the Reports page as JSON, with the same period, filters and visibility."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from husky_support.api.exceptions import DomainError
from husky_support.reports import Median, Ratio, ReportInputError
from partners.reports import service
from partners.reports.registry import FigureResult, ReportContext, registry


class _RowSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.IntegerField(), help_text="One number per column.")
    list_url = serializers.CharField(help_text="The list of the records this row counts (empty when none).")


# What a figure and each of its tables are known by (a comment: a docstring would enter the schema).
class _TitledSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()


class _TableSerializer(_TitledSerializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = _RowSerializer(many=True)


class FigureSerializer(_TitledSerializer):
    description = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["count", "ratio", "duration"],
        help_text="A count, a share in percent, or a median duration in business minutes.",
    )
    unit = serializers.CharField(help_text="What is counted.")
    value = serializers.FloatField(
        allow_null=True, help_text="The count, the percentage or the minutes (null: nothing due or measured)."
    )
    count = serializers.IntegerField(help_text="The records behind the figure (a ratio's denominator, a median's n).")
    met = serializers.IntegerField(allow_null=True, help_text="For a ratio, its numerator.")
    previous_value = serializers.FloatField(allow_null=True)
    previous_count = serializers.IntegerField()
    change = serializers.FloatField(allow_null=True, help_text="Against the previous period: a count or points.")
    list_url = serializers.CharField()
    ignored_filters = serializers.ListField(child=serializers.CharField())
    tables = _TableSerializer(many=True)


class _PeriodSerializer(serializers.Serializer):
    start_on = serializers.DateField()
    end_on = serializers.DateField()
    timezone = serializers.CharField()
    days = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    period = _PeriodSerializer()
    previous_period = _PeriodSerializer()
    filters = serializers.DictField(child=serializers.CharField())
    figures = FigureSerializer(many=True)


def _value(value: int | Ratio | Median) -> float | None:
    if isinstance(value, Ratio):
        return value.percent
    if isinstance(value, Median):
        return None if value.minutes is None else float(value.minutes)
    return float(value)


def _count(value: int | Ratio | Median) -> int:
    if isinstance(value, Ratio):
        return value.total
    return value.count if isinstance(value, Median) else value


def _kind(value: int | Ratio | Median) -> str:
    return "ratio" if isinstance(value, Ratio) else "duration" if isinstance(value, Median) else "count"


def figure_json(result: FigureResult) -> dict:
    h = result.headline
    return {
        "key": result.figure.key,
        "title": result.figure.title,
        "description": result.figure.description,
        "kind": _kind(h.value),
        "unit": h.unit,
        "value": _value(h.value),
        "count": h.count,
        "met": h.value.met if isinstance(h.value, Ratio) else None,
        "previous_value": _value(h.previous),
        "previous_count": _count(h.previous),
        "change": h.change,
        "list_url": result.link,
        "ignored_filters": list(result.ignored_filters),
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "columns": list(t.columns),
                "rows": [
                    {"label": label, "values": list(values), "list_url": t.row_link(i)}
                    for i, (label, values) in enumerate(t.rows)
                ],
            }
            for t in result.tables
        ],
    }


def _period_json(period) -> dict:
    return {"start_on": period.start_on, "end_on": period.end_on, "timezone": period.zone, "days": period.days}


def _envelope(ctx: ReportContext, results: list[FigureResult]) -> dict:
    return {
        "period": _period_json(ctx.period),
        "previous_period": _period_json(ctx.previous),
        "filters": {key: str(value) for key, value in ctx.filters.items()},
        "figures": [figure_json(r) for r in results],
    }


def _context(request: Request) -> ReportContext:
    try:
        return service.report_context(request.user, request.query_params, now=timezone.now())
    except ReportInputError as exc:
        raise _api_error(exc) from exc


def _api_error(exc: ReportInputError) -> Exception:
    if exc.hidden:
        return Http404()
    return DomainError(exc.message, code=exc.code, extra={"field": exc.field} if exc.field else None)


def _parameters() -> list[OpenApiParameter]:
    # Read when the URLconf is first loaded, after every AppConfig.ready() filled the registry: a filter an app
    # registers is documented without touching this module.
    period = [
        OpenApiParameter("period", str, enum=["7d", "30d", "90d", "quarter", "custom"], description="Default 30d."),
        OpenApiParameter("quarter", str, description="With period=quarter, e.g. 2026Q1."),
        OpenApiParameter("from", OpenApiTypes.DATE, description="With period=custom: the first day (viewer's zone)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="With period=custom: the last day, at most 2 years on."),
    ]
    filters = [
        OpenApiParameter(
            spec.key, str, description=f"{spec.label} (organisation kinds: {', '.join(sorted(spec.kinds))})."
        )
        for spec in sorted(registry.filters.values(), key=lambda s: (s.order, s.key))
    ]
    return period + filters


_EXAMPLE = OpenApiExample(
    "First responses in time",
    value={
        "period": {"start_on": "2026-03-01", "end_on": "2026-03-30", "timezone": "Europe/Copenhagen", "days": 30},
        "previous_period": {
            "start_on": "2026-01-30",
            "end_on": "2026-02-28",
            "timezone": "Europe/Copenhagen",
            "days": 30,
        },
        "filters": {"country": "DK"},
        "figures": [
            {
                "key": "sla",
                "title": "SLA attainment",
                "description": "First responses in time over those due in the period.",
                "kind": "ratio",
                "unit": "cases",
                "value": 87.5,
                "count": 8,
                "met": 7,
                "previous_value": 75.0,
                "previous_count": 4,
                "change": 12.5,
                "list_url": "/cases/queue/?country=DK",
                "ignored_filters": [],
                "tables": [
                    {
                        "key": "priority",
                        "title": "By priority",
                        "columns": ["Due", "Met"],
                        "rows": [
                            {"label": "P2 – High", "values": [8, 7], "list_url": "/cases/queue/?priority=p2_high"}
                        ],
                    }
                ],
            }
        ],
    },
    response_only=True,
)


class ReportView(APIView):
    """Every report figure this organisation has, for the period and filters."""

    @extend_schema(
        operation_id="reports_list", parameters=_parameters(), responses=ReportSerializer, examples=[_EXAMPLE]
    )
    def get(self, request: Request) -> Response:
        ctx = _context(request)
        return Response(_envelope(ctx, service.run_report(ctx)))


class ReportFigureView(APIView):
    """One report figure (404 for a figure this kind of organisation has not)."""

    @extend_schema(
        operation_id="reports_figure",
        parameters=[
            OpenApiParameter(
                "key", str, OpenApiParameter.PATH, description="A figure key: " + ", ".join(sorted(registry.figures))
            ),
            *_parameters(),
        ],
        responses=ReportSerializer,
        examples=[_EXAMPLE],
    )
    def get(self, request: Request, key: str) -> Response:
        ctx = _context(request)
        try:
            result = service.run_figure(ctx, key)
        except ReportInputError as exc:
            raise _api_error(exc) from exc
        return Response(_envelope(ctx, [result]))
