"""The monthly report (docs/rules.md "Reports"): an organisation whose admin switched it on gets, on the first
business day of each month in its own zone and calendar, last month's headline figures by email, through the one
notification path. The beat job writes one MonthlyReport row per organisation and month with its notifications in
one transaction (the unique row makes a second run, or a second beat, send nothing), and a run on any later day
of the month sends what a downtime missed. The figures are computed when each email is sent, for its recipient,
through the recipient's own gate: a reseller's email never counts another reseller's cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from husky_support.localtime import site_zone_or_none
from husky_support.reports import month_period, month_to_report
from partners.calendars import calendars_or_weekdays
from partners.models import Organisation, User
from partners.notifications.registry import NoticeKind, register_kind
from partners.notifications.services import notify
from partners.reports.models import MonthlyReport
from partners.reports.registry import ReportContext, figures_for, headline_of, list_url
from partners.visibility import viewer_kind

EVENT = "report.monthly"
OBJECT_TYPE = "monthly_report"


def _zone(org: Organisation) -> ZoneInfo:
    return site_zone_or_none(org.timezone) or ZoneInfo("UTC")


def due_months(orgs: list[Organisation], *, now: datetime) -> dict[int, date]:
    """For each organisation, the month whose report is due at `now` in its zone and calendar (with the admin
    holiday overrides: one query), if any."""
    if not orgs:
        return {}
    today = {org.pk: now.astimezone(_zone(org)).date() for org in orgs}
    first, last = min(today.values()).replace(day=1), max(today.values()) + timedelta(days=1)
    calendars = calendars_or_weekdays({(org.country, "") for org in orgs}, first=first, last=last)
    due = {}
    for org in orgs:
        calendar = calendars[(org.country, "")]
        month = month_to_report(today[org.pk], calendar.is_business_day)
        if month is not None:
            due[org.pk] = month
    return due


def send_monthly_reports(*, now: datetime) -> int:
    """Write the monthly reports due at `now` that were not written yet, each with its notifications in one
    transaction. Idempotent: returns how many were written now (0 on a second run)."""
    orgs = list(Organisation.objects.filter(is_active=True, monthly_report=True).order_by("pk"))
    due = due_months(orgs, now=now)
    if not due:
        return 0
    done = set(
        MonthlyReport.objects.filter(organisation_id__in=list(due), month__in=set(due.values())).values_list(
            "organisation_id", "month"
        )
    )
    written = 0
    for org in orgs:
        month = due.get(org.pk)
        if month is None or (org.pk, month) in done:
            continue
        with transaction.atomic():
            report, created = MonthlyReport.objects.get_or_create(
                organisation=org, month=month, defaults={"created_at": now}
            )
            if not created:  # another beat wrote it since
                continue
            notify(
                EVENT,
                report,
                actor=None,
                now=now,
                event_key=f"{OBJECT_TYPE}:{report.pk}",
                text=f"Your monthly report for {month:%B %Y}",
            )
        written += 1
    return written


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def report_lines(report: MonthlyReport, recipient: User, now: datetime) -> list[str]:
    """The month's headline figures for `recipient`, through their own gate, in their zone, each beside the
    month before."""
    kind = viewer_kind(recipient)
    if kind is None:
        return []
    zone = recipient.viewer_timezone
    period = month_period(report.month, zone)
    previous = month_period(_previous_month(report.month), zone)
    ctx = ReportContext(user=recipient, kind=kind, period=period, previous=previous, filters={}, now=now)
    lines = []
    for figure in figures_for(kind):
        headline = headline_of(figure, ctx)
        lines.append(
            f"{figure.title}: {headline.value} ({headline.count} {headline.unit}); "
            f"{previous.start_on:%B}: {headline.previous} ({headline.change_text})"
        )
    return lines


def report_url(report: MonthlyReport) -> str:
    period = month_period(report.month, "UTC")
    return list_url(reverse("reports:page"), period.as_params())


def _visible_to(user: User) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.filter(organisation_id=user.organisation_id, organisation__isnull=False)


def register() -> None:
    register_kind(
        NoticeKind(
            object_type=OBJECT_TYPE,
            load=lambda pk: MonthlyReport.objects.select_related("organisation").filter(pk=pk).first(),
            visible_to=_visible_to,
            viewers_q=lambda report: Q(organisation_id=report.organisation_id),
            audiences={"org_members": lambda report, _actor: Q(organisation_id=report.organisation_id)},
            url=report_url,
            label=lambda report: f"Monthly report of {report.organisation.name}, {report.month:%B %Y}",
            details=report_lines,
        )
    )
