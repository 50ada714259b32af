"""Dispatch pages: the eligibility card of a unit, the dispatch panel's forms on the case page, Dell's queue."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from cases.pagination import WindowPage
from cases.selectors import cases_visible_to
from cases.services import case_transition
from cases.workflow import Action as CaseAction
from dispatch import selectors, services
from dispatch.forms import (
    ClearanceForm,
    DispatchNoteForm,
    DispatchQueueForm,
    DispatchStepForm,
    EligibilityForm,
    EscalateForm,
    FeeWaiveForm,
    PartForm,
    PartUpdateForm,
    ScheduleForm,
    ScheduleView,
    SiteForm,
)
from dispatch.models import Dispatch, Fee, Part
from dispatch.nbd import CUSTOMER_CAUSES
from dispatch.panels import TYPED_KEY
from dispatch.workload import Waiting
from husky_support.calendar import CalendarError, site_zone
from husky_support.domain import DomainError
from husky_support.filtering import filters_applied
from husky_support.geo import country_name
from husky_support.pages import errors_in_words, flash_refusal
from partners.access import page_for
from partners.kinds import OrgKind
from partners.visibility import viewer_kind
from servicetags.models import Unit


@require_GET
def unit_eligibility(request: HttpRequest, service_tag: str) -> HttpResponse:
    """docs/rules.md rules 1-3 in words for one unit; 404 for a unit the viewer may not see."""
    try:
        unit = selectors.unit_for_eligibility(request.user, service_tag)
    except Unit.DoesNotExist as exc:
        raise Http404 from exc
    viewer_zone = request.user.viewer_timezone
    asked = "qualified_at" in request.GET
    now = timezone.now().replace(second=0, microsecond=0)  # the edge reads the clock once
    form = EligibilityForm(
        request.GET if asked else None,
        service_tag=unit.service_tag,
        initial={
            "qualified_at": timezone.localtime(now),
            "site_country": unit.country,
            "partner_timezone": viewer_zone,
        },
    )
    answer = error = None
    if not asked or form.is_valid():
        data = form.cleaned_data if asked else form.initial
        qualified_at: datetime = data["qualified_at"]
        try:
            answer = selectors.eligibility_for_unit(
                unit,
                qualified_at=qualified_at,
                site_country=data["site_country"],
                partner_timezone=data["partner_timezone"],
            )
        except CalendarError as exc:  # the unit's stored place has no calendar: say so, don't crash
            error = str(exc)
    context = {
        "unit": unit,
        "form": form,
        "answer": answer,
        "error": error,
        "viewer_zone": viewer_zone,
        "registered_country_name": country_name(unit.country),
        "asked_now": not asked,
    }
    template = "dispatch/_eligibility_card.html" if request.htmx else "dispatch/unit_eligibility.html"
    return render(request, template, context)


# --- The dispatch panel's forms and Dell's queue ------------------------------------------------------


def _case_for(request: HttpRequest, number: str) -> Case:
    case = cases_visible_to(request.user).select_related("unit").filter(number=number).first()
    if case is None:
        raise Http404
    return case


def _dispatch_for(request: HttpRequest, pk: int) -> Dispatch:
    try:
        return selectors.dispatch_get(request.user, pk)
    except Dispatch.DoesNotExist as exc:
        raise Http404 from exc


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    if not cases_visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("cases:list")
    return redirect(reverse("cases:detail", args=[case.number]) + "#dispatch")


def _panel_step(
    request: HttpRequest,
    case: Case,
    form: forms.Form,
    run: Callable[[dict[str, Any]], str | None],
    *,
    refused: Callable[[HttpRequest, DomainError], None] = flash_refusal,
) -> HttpResponse:
    """One action of the dispatch panel: the posted form read, the service run, what happened flashed in words
    (a refusal by `refused`), and back to the case's dispatch panel."""
    if not form.is_valid():
        messages.error(request, "Not saved: " + errors_in_words(form))
        return _back(request, case)
    try:
        done = run(form.cleaned_data)
    except DomainError as exc:
        refused(request, exc)
    else:
        if done:
            messages.success(request, done)
    return _back(request, case)


@require_POST
def escalate(request: HttpRequest, number: str) -> HttpResponse:
    """MTS escalates the case to Dell with the dispatch's kind, representative and site requirements."""
    case = _case_for(request, number)
    form = EscalateForm(request.POST)

    def run(data: dict[str, Any]) -> str:
        case_transition(
            actor=request.user,
            case=case,
            action=CaseAction.ESCALATE_TO_DELL,
            note=data["note"],
            version=data["version"],
            now=timezone.now(),
            dispatch_request=form.dispatch_request(),
        )
        return "Escalated to Dell: the dispatch is requested."

    return _panel_step(request, case, form, run)


# What the page says when a schedule form is refused: which box to tick or fill (the API's message names fields).
PAGE_REFUSALS = {
    "late_reschedule_requires_fee_acceptance": "The visit is less than 8 days away at the site, so moving it now "
    "carries the rescheduling fee. Tick “The requester accepts the rescheduling fee” and send again: what you "
    "typed is kept.",
    "past_target_reason_required": "The visit is after the next-business-day target. Say why in “Why not by the "
    "target?” and send again: what you typed is kept.",
}


def _site_window(dispatch: Dispatch) -> str:
    if dispatch.visit_start_at is None:
        return ""
    zone = site_zone(dispatch.site_timezone)
    start = dispatch.visit_start_at.astimezone(zone)
    end = dispatch.visit_end_at.astimezone(zone) if dispatch.visit_end_at else None
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M}" + (f"–{end:%H:%M}" if end else "") + " (site time)"


def _done_message(dispatch: Dispatch, action: str, fee: bool) -> str:
    """What happened, in words, for the flash after a dispatch step."""
    outcome = dispatch.outcome
    if action == "outcome" and outcome == "completed":
        text = "Visit completed."
    elif action == "outcome" and outcome == "representative_absent":
        text = "Visit failed: representative absent. Fee recorded; book a new visit."
    elif action == "outcome" and outcome == "clearance_not_arranged":
        text = "Visit failed: the site's security clearance was not arranged. Fee recorded; book a new visit."
    elif action == "outcome":
        text = "Visit failed. The dispatch is closed as failed."
    elif action == "schedule":
        text = f"Visit booked for {_site_window(dispatch)}."
    elif action == "reschedule":
        text = f"Visit moved to {_site_window(dispatch)}." + (" Late rescheduling fee recorded." if fee else "")
    elif action == "accept":
        text = f"Accepted with Dell number {dispatch.dispatch_number}."
    else:
        text = f"Done: the dispatch is now “{dispatch.state_enum.label}”."
    if dispatch.nbd_verdict == "met" and action == "outcome":
        text += " Next-business-day target met."
    if action in {"schedule", "reschedule"}:
        text += "".join(f" {n.message}" for n in services.visit_notes(dispatch, dispatch.visit_start_at))
    return text


@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)
    form = DispatchStepForm(request.POST, site_timezone=dispatch.site_timezone)
    fees_before = dispatch.fees.count()

    def run(data: dict[str, Any]) -> str:
        done = services.dispatch_transition(actor=request.user, dispatch=dispatch, now=timezone.now(), **form.step())
        return _done_message(done, data["action"], done.fees.count() > fees_before)

    def refused(request: HttpRequest, exc: DomainError) -> None:
        if exc.code in PAGE_REFUSALS:
            messages.error(request, PAGE_REFUSALS[exc.code])
        else:
            flash_refusal(request, exc)
        if form.cleaned_data["action"] in {"schedule", "reschedule"}:  # kept for the form shown next
            kept = ("visit_start", "visit_end", "note", "past_target_reason", "accept_fee")
            request.session[TYPED_KEY] = {"dispatch": dispatch.pk, **{k: request.POST.get(k, "")[:2000] for k in kept}}

    return _panel_step(request, dispatch.case, form, run, refused=refused)


@require_GET
def visit_check(request: HttpRequest, pk: int) -> HttpResponse:
    """docs/rules.md rule 8 before submitting: the schedule form asks, as the start is typed, whether that day is
    a business day at the site and whether it is after the NBD target."""
    dispatch = _dispatch_for(request, pk)
    form = DispatchStepForm(request.GET, site_timezone=dispatch.site_timezone)
    notes = services.visit_notes(dispatch, form.cleaned_data["visit_start"] if form.is_valid() else None)
    return render(request, "dispatch/_visit_check.html", {"notes": notes})


@require_POST
def site(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)
    form = SiteForm(request.POST)

    def run(data: dict[str, Any]) -> str:
        values = form.posted()
        version = values.pop("version", -1)
        services.dispatch_site_update(
            actor=request.user, dispatch=dispatch, version=version, values=values, now=timezone.now()
        )
        return "Site details saved."

    return _panel_step(request, dispatch.case, form, run)


@require_POST
def clearance(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)

    def run(data: dict[str, Any]) -> str:
        services.clearance_step(actor=request.user, dispatch=dispatch, now=timezone.now(), **data)
        return "Clearance updated."

    return _panel_step(request, dispatch.case, ClearanceForm(request.POST), run)


@require_POST
def part_add(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)

    def run(data: dict[str, Any]) -> str:
        services.part_add(actor=request.user, dispatch=dispatch, values=data, now=timezone.now())
        return "Part added."

    return _panel_step(request, dispatch.case, PartForm(request.POST), run)


@require_POST
def part_update(request: HttpRequest, pk: int, part_id: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)
    part = get_object_or_404(Part, pk=part_id, dispatch=dispatch)
    form = PartUpdateForm(request.POST)

    def run(data: dict[str, Any]) -> str:
        values = form.posted()
        return _part_done(
            services.part_update(actor=request.user, part=part, values=values, now=timezone.now()), values
        )

    return _panel_step(request, dispatch.case, form, run)


def _part_done(part: Part, values: dict) -> str:
    """What the part step did, in words."""
    name = f"{part.part_number} ({part.description})"
    if values.get("returned_on"):
        return f"Faulty part of {name} picked up."
    if values.get("delivered_on"):
        due = (
            f"; the faulty part is due back by {date_format(part.return_due_on, 'D j M')}" if part.return_due_on else ""
        )
        return f"{name} delivered{due}."
    if values.get("shipped_on"):
        return f"{name} shipped."
    return "Part updated."


@require_POST
def fee_waive(request: HttpRequest, pk: int, fee_id: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)
    fee = get_object_or_404(Fee, pk=fee_id, dispatch=dispatch)

    def run(data: dict[str, Any]) -> str:
        services.fee_waive(actor=request.user, fee=fee, reason=data["reason"], now=timezone.now())
        return "Fee waived."

    return _panel_step(request, dispatch.case, FeeWaiveForm(request.POST), run)


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch_for(request, pk)

    def run(data: dict[str, Any]) -> None:
        services.dispatch_note(actor=request.user, dispatch=dispatch, body=data["body"], now=timezone.now())

    return _panel_step(request, dispatch.case, DispatchNoteForm(request.POST), run)


QUEUE_PAGE_SIZE = 50


_CUSTOMER_CAUSES = frozenset(cause.value for cause in CUSTOMER_CAUSES)

# The queue's flags, in the order they show; each is a constant badge.
_FLAGS = (
    # docs/rules.md rule 9: a miss on the customer's side (adjusted attainment leaves it out) reads differently.
    (
        lambda d: d.nbd_missed_at is not None and d.nbd_miss_cause in _CUSTOMER_CAUSES,
        '<span class="badge text-bg-warning">NBD missed: customer side</span> ',
    ),
    (
        lambda d: d.nbd_missed_at is not None and d.nbd_miss_cause not in _CUSTOMER_CAUSES,
        '<span class="badge text-bg-danger">NBD missed</span> ',
    ),
    (lambda d: d.has_overdue_part, '<span class="badge text-bg-danger">part overdue</span> '),
    (lambda d: d.schedule_frozen_at is not None, '<span class="badge text-bg-warning">frozen</span> '),
    (lambda d: d.clearance in ("requested", "stated"), '<span class="badge text-bg-warning">clearance</span>'),
)


def _queue_row(d: Dispatch, *, now: datetime, case_prefix: str, unit_prefix: str, fmt: Callable) -> dict:
    """One row of Dell's queue with what it shows already built: links without a reverse() per row, labels,
    and the site-local times (the template then only places strings, 50 rows a page). `fmt` is the page's
    memoised date_format: the rows share a few zones and target days."""
    try:
        zone = site_zone(d.site_timezone)
    except CalendarError:  # a stored zone no calendar knows: shown in UTC rather than failing the page
        zone = UTC
    case = d.case
    tag = case.unit.service_tag if case.unit_id and case.unit is not None else ""
    return {
        "nbd_text": fmt(d.nbd_target_on, "D j M") if d.nbd_target_on else "",
        "parts_only": d.kind == "parts_only",
        "case_url": f"{case_prefix}{case.number}/",
        "number": case.number,
        "title": case.title,
        "state": d.state,
        "state_label": d.state_enum.label,
        "dispatch_number": d.dispatch_number,
        "service_tag": tag,
        "unit_url": f"{unit_prefix}{tag}/" if tag else "",
        "component_label": case.get_component_display(),
        "site_city": case.site_city,
        "site_country": d.site_country,
        "local_now": fmt(now.astimezone(zone), "D H:i"),
        "visit_text": date_format(d.visit_start_at.astimezone(zone), "D j M H:i") if d.visit_start_at else "",
        "flags": mark_safe("".join(badge for applies, badge in _FLAGS if applies(d))),  # noqa: S308 - constants
    }


def _queue_row_html(row: dict) -> SafeString:
    """One row of Dell's queue as its <tr>, built here rather than by ~25 template variables a row (the page's
    largest rendering cost, 50 rows): format_html escapes every value; `flags` is constant markup."""
    if row["nbd_text"]:
        nbd = format_html("<strong>{}</strong>", row["nbd_text"])
    else:
        nbd = format_html(
            '<span class="text-body-secondary">{}</span>', "parts only" if row["parts_only"] else "best effort"
        )
    visit_line = format_html(" · visit {}", row["visit_text"]) if row["visit_text"] else ""
    number = format_html("<div><code>{}</code></div>", row["dispatch_number"]) if row["dispatch_number"] else ""
    unit = (
        format_html('<a class="font-monospace" href="{}">{}</a>', row["unit_url"], row["service_tag"])
        if row["service_tag"]
        else ""
    )
    visit = (
        conditional_escape(row["visit_text"])
        if row["visit_text"]
        else mark_safe('<span class="text-body-secondary">—</span>')  # noqa: S308 - constant markup
    )
    return format_html(
        '\n  <tr>\n    <td class="text-nowrap">{nbd}</td>'
        '\n    <td><a href="{case_url}#dispatch" class="fw-semibold">{number}</a>'
        '<div class="text-truncate case-title">{title}</div>'
        '\n      <div class="d-md-none mt-1"><strong>{state_label}</strong> · {city} {country}{visit_line}</div></td>'
        '\n    <td class="d-none d-md-table-cell"><span class="badge dispatch-state dispatch-state-{state}">'
        "{state_label}</span>{dispatch_number}</td>"
        '\n    <td class="d-none d-md-table-cell">{unit}<div class="text-body-secondary">{component}</div></td>'
        '\n    <td class="d-none d-md-table-cell">{city} {country}'
        '<div class="text-body-secondary">{local_now} local</div></td>'
        '\n    <td class="text-nowrap d-none d-md-table-cell">{visit}</td>'
        "\n    <td>{flags}</td>\n  </tr>",
        nbd=nbd,
        case_url=row["case_url"],
        number=row["number"],
        title=row["title"],
        state_label=row["state_label"],
        city=row["site_city"],
        country=row["site_country"],
        visit_line=visit_line,
        state=row["state"],
        dispatch_number=number,
        unit=unit,
        component=row["component_label"],
        local_now=row["local_now"],
        visit=visit,
        flags=row["flags"],
    )


@require_GET
@page_for(OrgKind.DELL, OrgKind.MTS, whose="The dispatch queue is Dell's and MTS's.")
def queue(request: HttpRequest) -> HttpResponse:
    """Dell's dispatch queue (MTS sees every dispatch here too): sorted by NBD target, filtered by state,
    country and overdue."""
    kind = viewer_kind(request.user)
    form = DispatchQueueForm(request.GET or None)
    filters = selectors.DispatchFilters(open_only=True)
    now = timezone.now()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.DispatchFilters(
            states=tuple(data["state"]) if data["state"] else (),
            open_only=not data["state"] and not data["waiting"],  # a tile's condition says which states
            country=data["country"] or "",
            overdue=bool(data["overdue"]),
            sort=data["sort"] or "nbd",
            waiting=data["waiting"] or "",
            now=now,
            viewer_zone=request.user.viewer_timezone,
        )
    qs = selectors.dispatch_list(request.user, filters)
    page = WindowPage(qs, request.GET.get("page"), QUEUE_PAGE_SIZE)
    case_prefix, unit_prefix = reverse("cases:list"), reverse("servicetags:unit_list")
    fmt = functools.cache(date_format)
    rows = [
        _queue_row_html(_queue_row(d, now=now, case_prefix=case_prefix, unit_prefix=unit_prefix, fmt=fmt))
        for d in page.object_list
    ]
    return render(
        request,
        "dispatch/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "now": now,
            "viewer_kind": kind,
            "filtered": filters_applied(request.GET),
            "waiting_label": Waiting(filters.waiting).label if filters.waiting else "",
        },
    )


def _visit_row(d: Dispatch, *, viewer: ZoneInfo, case_prefix: str) -> dict:
    """One visit of the schedule: its window in site time, and in the viewer's time beside it."""
    try:
        zone = site_zone(d.site_timezone)
    except CalendarError:
        zone = UTC
    start, end = d.visit_start_at.astimezone(zone), d.visit_end_at.astimezone(zone)
    mine_start, mine_end = d.visit_start_at.astimezone(viewer), d.visit_end_at.astimezone(viewer)
    same_time = start.utcoffset() == mine_start.utcoffset()
    mine_day = "" if mine_start.date() == start.date() else date_format(mine_start, "D j M ")
    return {
        "site_day": start.date(),
        "site_window": f"{start:%H:%M}–{end:%H:%M}",
        "viewer_window": "" if same_time else f"{mine_day}{mine_start:%H:%M}–{mine_end:%H:%M}",
        "zone": d.site_timezone,
        "case_url": f"{case_prefix}{d.case.number}/",
        "number": d.case.number,
        "title": d.case.title,
        "state": d.state,
        "state_label": d.state_enum.label,
        "dispatch_number": d.dispatch_number,
        "site_city": d.case.site_city,
        "site_country": d.site_country,
        "country_name": country_name(d.site_country),
        "nbd_text": date_format(d.nbd_target_on, "D j M") if d.nbd_target_on else "",
        "after_nbd": d.nbd_target_on is not None and start.date() > d.nbd_target_on,
    }


@require_GET
@page_for(OrgKind.DELL, OrgKind.MTS, whose="The visit schedule is Dell's and MTS's.")
def schedule(request: HttpRequest) -> HttpResponse:
    """Booked visits by day or by week, grouped by the site-local day, in site time with the viewer's time
    beside; Dell sees its own, MTS every one. Filter by country."""
    kind = viewer_kind(request.user)
    viewer_zone = request.user.viewer_timezone
    try:
        viewer = site_zone(viewer_zone)
    except CalendarError:
        viewer, viewer_zone = ZoneInfo("UTC"), "UTC"
    today = timezone.now().astimezone(viewer).date()
    form = ScheduleForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    view = data.get("view") or ScheduleView.WEEK.value
    on: date = data.get("on") or today
    country = data.get("country") or ""
    first = on - timedelta(days=on.weekday()) if view == ScheduleView.WEEK else on
    days = 7 if view == ScheduleView.WEEK else 1
    last = first + timedelta(days=days - 1)
    visits = selectors.visits_between(request.user, first, last, country=country)
    case_prefix = reverse("cases:list")
    rows = [_visit_row(d, viewer=viewer, case_prefix=case_prefix) for d in visits]
    by_day = [
        {"day": first + timedelta(days=n), "visits": [r for r in rows if r["site_day"] == first + timedelta(days=n)]}
        for n in range(days)
    ]
    base = reverse("dispatch:schedule")

    def link(day: date, span: str) -> str:
        return f"{base}?view={span}&on={day:%Y-%m-%d}" + (f"&country={country}" if country else "")

    step = timedelta(days=days)
    return render(
        request,
        "dispatch/schedule.html",
        {
            "form": form,
            "view": view,
            "days": by_day,
            "count": len(rows),
            "first": first,
            "last": last,
            "today": today,
            "viewer_zone": viewer_zone,
            "viewer_kind": kind,
            "country_name": country_name(country) if country else "",
            "previous_url": link(first - step, view),
            "next_url": link(first + step, view),
            "today_url": link(today, view),
            "day_url": link(on, ScheduleView.DAY.value),
            "week_url": link(on, ScheduleView.WEEK.value),
            "capped": len(rows) >= selectors.SCHEDULE_MAX_VISITS,
        },
    )
