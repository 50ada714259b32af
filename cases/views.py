"""Case pages: the same selectors and services as the API. htmx requests get fragments, others full pages."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST, require_safe

from cases import activity, clocks, followers, hooks, notices, selectors, services
from cases.archives import AttachmentKind
from cases.checklist import (
    ITEM_LABELS,
    WARNING_LABELS,
    Category,
    HardwareComponent,
    derive_priority,
    missing_items,
    warning_items,
)
from cases.forms import CaseForm, QueueFilterForm, checklist_from_post
from cases.models import OPEN_STATE_VALUES, SITE_ADDRESS_FIELDS, Case
from cases.pagination import WindowPage
from cases.templatetags import cases_tags
from cases.views_common import available_actions_for, upload_too_large
from cases.workflow import NOTE_REQUIRED, Action, State
from husky_support.domain import DomainError
from husky_support.filtering import filters_applied
from husky_support.geo import country_name
from husky_support.markup import fill
from husky_support.pages import VersionField
from husky_support.text import plain_number
from partners.access import page_for
from partners.kinds import PARTNER_KINDS, OrgKind
from partners.visibility import organisations_visible_to, viewer_kind

PAGE_SIZE = 25


def _page(request: HttpRequest, qs, per_page: int = PAGE_SIZE) -> WindowPage:
    """A page of rows with their URLs; no total count (see cases.pagination.WindowPage)."""
    page = WindowPage(qs, request.GET.get("page"), per_page)
    prefix, units_prefix = reverse("cases:list"), reverse("servicetags:unit_list")
    for case in page.object_list:
        _set_urls(case, prefix, units_prefix)
    return page


def _set_urls(case: Case, prefix: str, units_prefix: str) -> Case:
    # One reverse() per page instead of several per row: a queue page has many rows.
    case.page_url = f"{prefix}{case.number}/"
    case.transition_url = f"{case.page_url}transition/"
    # servicetags' unit page: /units/<tag>/ (the unit list's URL + the tag), again without a reverse() per row.
    case.unit_url = f"{units_prefix}{case.unit.service_tag}/" if case.unit_id else ""
    case.assignee_name = (case.assignee.get_full_name() or case.assignee.username) if case.assignee_id else ""
    return case


def _due_text(moment, day_names: dict[int, str]) -> str:
    """date_format(localtime(moment), "D H:i"), the weekday's name formatted once per page and weekday."""
    local = timezone.localtime(moment)
    name = day_names.get(local.weekday())
    if name is None:
        name = day_names[local.weekday()] = date_format(local, "D")
    return f"{name} {local.hour:02d}:{local.minute:02d}"


# What a queue row shows, read with .values(): no model instances (a case and its reseller, unit, assignee and
# team: ~100 a page), the page's other annotations (the dispatch's, the new-activity flag) come along.
QUEUE_ROW_FIELDS = (
    "id",
    "number",
    "title",
    "version",
    "priority",
    "state",
    "site_country",
    "created_at",
    "team_id",
    "unit_id",
    "assignee_id",
    *clocks.CLOCK_FIELDS,
    "reseller__name",
    "unit__service_tag",
    "team__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


class QueueCase:
    """A queue row's values as attributes: what clocks.sla_display and the dispatch hook read of a case."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)
        self.pk = values["id"]


def _queue_values(qs) -> object:
    return qs.values(*QUEUE_ROW_FIELDS, *qs.query.annotations)


def _queue_row(
    case: QueueCase,
    *,
    viewer_id: int | None,
    hours: clocks.TeamHoursCache,
    now,
    prefixes: tuple[str, str],
    details: hooks.QueueDetails | None = None,
    day_names: dict[int, str] | None = None,
) -> dict:
    """One triage-queue row as a plain dict with everything it shows already rendered (badges, SLA, dates,
    age): the queue is the portal's busiest page, and its row is then only filled in. `prefixes` are the case
    list's and the unit list's URLs (one reverse() a page, not several a row)."""
    sla = clocks.sla_display(case, hours)  # reads only the clock columns and team_id of its case
    day_names = {} if day_names is None else day_names
    nbd_target_on = details.nbd_target_on if details else None
    page_url = f"{prefixes[0]}{case.number}/"
    assignee_name = ""
    if case.assignee_id:
        full = f"{case.assignee__first_name} {case.assignee__last_name}".strip()  # User.get_full_name()
        assignee_name = full or case.assignee__username
    return {
        "pk": case.pk,
        "number": case.number,
        "title": case.title,
        "page_url": page_url,
        "transition_url": f"{page_url}transition/",
        "version": case.version,
        "reseller_name": case.reseller__name,
        "service_tag": case.unit__service_tag if case.unit_id else "",
        "unit_url": f"{prefixes[1]}{case.unit__service_tag}/" if case.unit_id else "",
        "site_country": case.site_country,
        "assignee_id": case.assignee_id,
        "assignee_name": assignee_name,
        "mine": case.assignee_id is not None and case.assignee_id == viewer_id,
        "sla_html": cases_tags.sla_status(sla),
        "due_text": _due_text(sla["due_at"], day_names) if sla["due_at"] else "",
        "priority_html": cases_tags.priority_badge(case.priority),
        "state_html": cases_tags.state_badge(case.state),
        "team_name": (case.team__name or "") if case.team_id else "",
        "age": cases_tags.age(case.created_at, now),
        "nbd_text": date_format(nbd_target_on, "D j M") if nbd_target_on else "",
        "dispatch_text": details.dispatch_text if details else "",
        "nbd_flag": details.nbd_flag if details else "",
        "nbd_flag_text": details.nbd_flag_text if details else "",
        "new_activity": getattr(case, "new_activity", False),
    }


_NBD_FLAG_CLASS = {"missed": "text-bg-danger", "at_risk": "text-bg-warning", "waiting": "text-bg-warning"}


def _queue_row_html(row: dict, csrf: str, error: str = "") -> SafeString:
    """One queue row's <tr>, built here rather than by ~35 template variables a row (the queue's largest
    rendering cost): fill escapes every value as format_html does, the badges come already rendered (safe)."""
    new_dot = (
        mark_safe(  # noqa: S308 - constant markup
            ' <span class="new-activity-dot" title="New activity since you last opened it">'
            '<span class="visually-hidden">New activity</span></span>'
        )
        if row["new_activity"]
        else ""
    )
    due = ""
    if row["due_text"]:
        team = fill(" · {}", row["team_name"]) if row["team_name"] else ""
        due = fill('<div class="small text-body-secondary">due {}{}</div>', row["due_text"], team)
    tag_line = fill(' · <a class="font-monospace" href="{}">{}</a>', row["unit_url"], row["service_tag"])
    tag_block = fill('<div><a class="font-monospace" href="{}">{}</a></div>', row["unit_url"], row["service_tag"])
    state_extra = (
        fill('<div class="small mt-1 text-body-secondary">{}</div>', row["dispatch_text"])
        if row["dispatch_text"]
        else ""
    )
    if row["nbd_text"] or row["nbd_flag"]:
        nbd = fill('<span class="text-nowrap">NBD {}</span>', row["nbd_text"]) if row["nbd_text"] else ""
        flag = row["nbd_flag"]
        badge = (
            fill(' <span class="badge {} text-wrap">{}</span>', _NBD_FLAG_CLASS[flag], row["nbd_flag_text"])
            if flag in _NBD_FLAG_CLASS
            else ""
        )
        state_extra = fill('{}<div class="small mt-1">{}{}</div>', state_extra, nbd, badge)
    assignee = (
        row["assignee_name"] if row["assignee_id"] else mark_safe('<span class="text-body-secondary">unassigned</span>')  # noqa: S308 - constant markup
    )
    if row["mine"]:
        take = mark_safe(  # noqa: S308 - constant markup
            '<span class="badge text-bg-success"><i class="bi bi-person-check" aria-hidden="true"></i> yours</span>'
        )
    else:
        # Every queue state allows "take" to an MTS technician who is not already the assignee (workflow.TRANSITIONS).
        take = fill(
            '\n    <form method="post" action="{url}" hx-post="{url}" hx-target="#case-row-{pk}" hx-swap="outerHTML">'
            '\n      {csrf}<input type="hidden" name="action" value="take"><input type="hidden" name="version" '
            'value="{version}"><input type="hidden" name="from" value="queue">'
            '\n      <button class="btn btn-sm {style}" type="submit" data-take>{label}</button>\n    </form>\n    ',
            url=row["transition_url"],
            pk=row["pk"],
            csrf=csrf,
            version=row["version"],
            style="btn-outline-secondary" if row["assignee_id"] else "btn-primary",
            label="Take over" if row["assignee_id"] else "Take",
        )
    return fill(
        '<tr id="case-row-{pk}" data-href="{url}" tabindex="-1">'
        '\n  <td class="d-none d-md-table-cell sla-cell">{sla}{due}</td>'
        '\n  <td><a class="fw-semibold text-decoration-none" href="{url}">{number}</a>{new_dot}'
        '\n      <div class="small text-body-secondary text-truncate case-title">{title}</div>'
        '\n      <div class="d-md-none mt-1 d-flex flex-wrap gap-1 align-items-center">{priority} {state} {sla}</div>'
        '\n      <div class="d-xl-none small text-body-secondary">{reseller}{tag_line}{country_line} · {age}</div>'
        "\n      {error}</td>"
        '\n  <td class="d-none d-md-table-cell">{priority}</td>'
        '\n  <td class="d-none d-md-table-cell">{state}{state_extra}</td>'
        '\n  <td class="small d-none d-xl-table-cell">{reseller}{tag_block}</td>'
        '\n  <td class="small d-none d-xl-table-cell">{country}</td>'
        '\n  <td class="small d-none d-md-table-cell">{assignee}</td>'
        '\n  <td class="small text-nowrap d-none d-xl-table-cell">{age}</td>'
        '\n  <td class="text-end">{take}</td>\n</tr>\n',
        pk=row["pk"],
        url=row["page_url"],
        sla=row["sla_html"],
        due=due,
        number=row["number"],
        new_dot=new_dot,
        title=row["title"],
        priority=row["priority_html"],
        state=row["state_html"],
        reseller=row["reseller_name"],
        tag_line=tag_line if row["service_tag"] else "",
        country_line=fill(" · {}", row["site_country"]) if row["site_country"] else "",
        age=row["age"],
        error=fill('<div class="small text-danger" role="alert">{}</div>', error) if error else "",
        state_extra=state_extra,
        tag_block=tag_block if row["service_tag"] else "",
        country=row["site_country"] or "—",
        assignee=assignee,
        take=take,
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _get_case(request: HttpRequest, number: str) -> Case:
    return get_object_or_404(selectors.case_detail_queryset(request.user), number=number)


# --- Lists -----------------------------------------------------------------------------------------

LIST_VIEWS = {
    "open": ("Open", {"state__in": OPEN_STATE_VALUES}),
    "waiting": ("Waiting on us", {"state__in": [State.L1_RESELLER.value, State.AWAITING_PARTNER.value]}),
    "resolved": ("Resolved", {"state": State.RESOLVED.value}),
    "closed": ("Closed", {"state": State.CLOSED.value}),
    "all": ("All", {}),
}


@require_safe
def case_list(request: HttpRequest):
    """Partners' cases (a distributor sees its resellers'): open, waiting on them, finished; search."""
    kind = viewer_kind(request.user)
    view = request.GET.get("view", "open")
    if view not in LIST_VIEWS:
        view = "open"
    qs = activity.with_new_activity(selectors.case_list(request.user).filter(**LIST_VIEWS[view][1]), request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = selectors.search(qs, q)
    resellers = None
    if kind == OrgKind.DISTRIBUTOR or kind == OrgKind.MTS:
        resellers = organisations_visible_to(request.user).filter(kind=OrgKind.RESELLER).order_by("name")
        reseller = request.GET.get("reseller", "")
        if (reseller_id := plain_number(reseller)) is not None:
            qs = qs.filter(reseller_id=reseller_id)
    page = _page(request, qs)
    context = {
        "page": page,
        "view": view,
        "views": [(key, label) for key, (label, _f) in LIST_VIEWS.items()],
        "q": q,
        "resellers": resellers,
        "reseller": request.GET.get("reseller", ""),
        "querystring": _query_without_page(request),
        "can_open": kind in PARTNER_KINDS,
        "filtered": filters_applied(request.GET),
        "clear_url": f"{reverse('cases:list')}?view={view}",
        "kind": kind,
        "now": timezone.now(),
    }
    return render(request, "cases/list.html", context)


@require_safe
@page_for(OrgKind.MTS, whose="The triage queue is for Milestone Technical Support.")
def triage_queue(request: HttpRequest):
    """MTS: open MTS-side cases sorted by SLA due, filters, one-click take, keyboard navigation."""
    now = timezone.now()
    all_teams, own_team = selectors.queue_teams(request.user)
    form = QueueFilterForm(request.GET or None, teams=all_teams, own_team=own_team)
    valid = form.is_bound and form.is_valid()
    filters = form.cleaned_data if valid else {}
    # A filter that cannot match (an unknown country or priority) is said so, never shown as an empty queue.
    filter_errors = [] if valid or not form.is_bound else [e for errors in form.errors.values() for e in errors]
    # The viewer's own team unless another team (or all) is chosen.
    chosen_team = filters.get("team") or ""
    team_id = int(chosen_team) if chosen_team.isdigit() else (own_team.pk if own_team and not chosen_team else None)
    qs = selectors.triage_queue(
        request.user,
        now=now,
        states=filters.get("state") or [],
        priority=filters.get("priority") or "",
        country=filters.get("country") or "",
        assignee=filters.get("assignee") or "",
        older_than_days=filters.get("age") or "",
        q=filters.get("q") or "",
        sort=filters.get("sort") or "sla",
        team_id=team_id,
    )
    qs = activity.with_new_activity(qs, request.user)
    page = WindowPage(_queue_values(qs.none() if filter_errors else qs), request.GET.get("page"), PAGE_SIZE)
    cases = [QueueCase(values) for values in page.object_list]
    hours = clocks.TeamHoursCache(now)
    hours.add(all_teams)  # the rows' teams are among those already read for the filter
    details = hooks.queue_row_details(cases, now)
    csrf = csrf_input(request)  # one token for every row's take form
    day_names: dict[int, str] = {}
    viewer_id = request.user.pk
    prefixes = (reverse("cases:list"), reverse("servicetags:unit_list"))
    page.object_list = [
        _queue_row_html(
            _queue_row(
                case,
                viewer_id=viewer_id,
                hours=hours,
                now=now,
                prefixes=prefixes,
                details=details.get(case.pk),
                day_names=day_names,
            ),
            csrf,
        )
        for case in cases
    ]
    context = {
        "page": page,
        "now": now,
        "querystring": _query_without_page(request),
        "filter_errors": filter_errors,
        # Another team than the viewer's own is a filter too (its empty queue is not "the queue is clear").
        "filtered": filters_applied(request.GET, ignore=("team",)) or chosen_team.isdigit() or bool(filter_errors),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "cases/_queue_table.html", context)
    return render(request, "cases/queue.html", {**context, "filter_bar": _queue_filter_bar(form)})


_FILTER_BARS: dict[tuple, str] = {}
_FILTER_BARS_KEPT = 256


def _queue_filter_bar(form: QueueFilterForm) -> str:
    """The queue's filter bar, rendered once per language, set of filters and list of teams: it is the same
    for every technician asking the same thing, and drawing its ~270 options and checkboxes is a large part
    of the page. Bounded: the search box makes the keys unbounded."""
    data = sorted((name, tuple(values)) for name, values in form.data.lists() if name in form.fields)
    key = (get_language(), tuple(data) if form.is_bound else None, tuple(form.fields["team"].choices))
    html = _FILTER_BARS.get(key)
    if html is None:
        html = render_to_string("cases/_queue_filter_bar.html", {"form": form})
        if len(_FILTER_BARS) >= _FILTER_BARS_KEPT:
            _FILTER_BARS.clear()
        _FILTER_BARS[key] = html
    return html


# --- Open and edit -----------------------------------------------------------------------------------


def _resellers_for(user):
    if viewer_kind(user) != OrgKind.DISTRIBUTOR:
        return None
    return organisations_visible_to(user).filter(kind=OrgKind.RESELLER).order_by("name")


def _apply_domain_error(form: CaseForm, exc: DomainError) -> None:
    fields = exc.extra.get("fields") or {}
    placed = False
    for field, errors in fields.items():
        name = field if field in form.fields else ("attachment" if field == "file" else None)
        if name in form.fields:
            for error in errors:
                form.add_error(name, error if isinstance(error, str) else error.get("message", str(error)))
            placed = True
    if not placed:
        missing = exc.extra.get("missing") or []
        for key in missing:
            target = {"site_address_lines": "site_address_line1"}.get(key, key)
            if target in form.fields:
                form.add_error(target, f"Needed before MTS can take the case: {ITEM_LABELS.get(key, key)}.")
        form.add_error(None, exc.message)


def _resolve_unit(request: HttpRequest, form: CaseForm):
    tag = (form.cleaned_data.get("service_tag") or "").strip()
    if not tag:
        return None, True
    unit = selectors.unit_for_case(request.user, tag)
    if unit is None:
        form.add_error("service_tag", "No unit with this service tag is registered to you.")
        return None, False
    return unit, True


@page_for(*PARTNER_KINDS, whose="Cases are opened by reseller and distributor partners.")
def case_create(request: HttpRequest):
    """The open-case form: the checklist updates live; save as a draft (stays with you) or send to MTS."""
    resellers = _resellers_for(request.user)
    initial = {"category": Category.HARDWARE.value, "service_tag": request.GET.get("service_tag", "")}
    form = CaseForm(request.POST or None, request.FILES or None, resellers=resellers, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit, ok = _resolve_unit(request, form)
        if ok:
            escalate = request.POST.get("submit") == "escalate"
            upload = form.cleaned_data.get("attachment")
            try:
                with transaction.atomic():
                    now = timezone.now()
                    case, _created = services.case_create(
                        actor=request.user,
                        now=now,
                        values={**form.values(), "unit": unit},
                        reseller=form.cleaned_data.get("reseller"),
                        escalate=escalate,
                    )
                    if upload:
                        services.attachment_upload(actor=request.user, case=case, upload=upload, now=now)
            except DomainError as exc:
                _apply_domain_error(form, exc)
            else:
                if escalate:
                    messages.success(request, f"{case.number} was opened and sent to Milestone Technical Support.")
                else:
                    messages.success(request, f"{case.number} was saved as a draft at your level (L1).")
                return redirect("cases:detail", number=case.number)
    checklist = _checklist_context(checklist_from_post(request.POST) if request.method == "POST" else None, form)
    return render(
        request,
        "cases/form.html",
        {"form": form, "checklist": checklist, "case": None, "title": "Open a case"},
    )


def _posted_version(request: HttpRequest) -> int:
    """The version the page was loaded at; anything but a plain number counts as stale (-1, a conflict)."""
    return VersionField().clean(request.POST.get("version", ""))


@page_for(*services.CASE_EDITORS, whose="Only the partner and MTS edit a case.")
def case_edit(request: HttpRequest, number: str):
    case = _get_case(request, number)
    form = CaseForm(
        request.POST or None, initial=CaseForm.initial_from_case(case), resellers=None, with_attachment=False
    )
    if request.method == "POST" and form.is_valid():
        unit, ok = _resolve_unit(request, form)
        if ok:
            try:
                services.case_update(
                    actor=request.user,
                    case=case,
                    version=_posted_version(request),
                    values={**form.values(), "unit": unit},
                    now=timezone.now(),
                )
            except DomainError as exc:
                _apply_domain_error(form, exc)
            else:
                messages.success(request, f"{case.number} was updated.")
                return redirect("cases:detail", number=case.number)
    data = request.POST if request.method == "POST" else form.initial
    checklist = _checklist_context(checklist_from_post(data), form)
    return render(
        request, "cases/form.html", {"form": form, "checklist": checklist, "case": case, "title": "Edit case"}
    )


def _checklist_context(checklist, form=None) -> dict:
    if checklist is None:
        checklist = checklist_from_post({"category": Category.HARDWARE.value})
    missing = missing_items(checklist)
    warned = warning_items(checklist)
    not_applicable = set()  # shown only where the checklist asks for them
    if checklist.component is not HardwareComponent.HARD_DRIVE:
        not_applicable.add("ppids")
    if checklist.customer_available_for_diagnostics is not False:
        not_applicable.add("diagnostics_unavailable_reason")
    hardware = checklist.category is Category.HARDWARE
    relevant = [k for k in ITEM_LABELS if (hardware and k not in not_applicable) or k == "failure_description"]
    return {
        "items": [{"key": key, "label": ITEM_LABELS[key], "done": key not in missing} for key in relevant],
        "warnings": [
            {"key": key, "label": WARNING_LABELS[key], "done": key not in warned}
            for key in (WARNING_LABELS if hardware else ())
        ],
        "missing": missing,
        "complete": not missing,
        "priority": derive_priority(checklist.in_production, checklist.users_impacted),
        "category": checklist.category,
    }


@require_POST
def checklist_preview(request: HttpRequest):
    """htmx: the live checklist panel for the form's current values (nothing is saved)."""
    return render(
        request, "cases/_checklist.html", {"checklist": _checklist_context(checklist_from_post(request.POST))}
    )


@require_GET
def unit_lookup(request: HttpRequest):
    """JSON for the form: the unit's registered location to pre-fill the site address (visible units only)."""
    unit = selectors.unit_for_case(request.user, request.GET.get("service_tag", ""))
    if unit is None:
        return JsonResponse(
            {"code": "unknown_service_tag", "message": "No unit with this service tag is registered to you."},
            status=404,
        )
    return JsonResponse(
        {
            "service_tag": unit.service_tag,
            "model": unit.get_model_display(),
            "reseller": unit.reseller.name,
            "warranty_end_on": unit.warranty_end_on.isoformat(),
            "location_confirmed": unit.location_confirmed,
            "site": {name: getattr(unit, name.removeprefix("site_")) for name in SITE_ADDRESS_FIELDS},
            "country_name": country_name(unit.country) or unit.country,
        }
    )


# --- The case page ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, case: Case) -> dict:
    now = timezone.now()
    user = request.user
    kind = viewer_kind(user)
    attachments = list(selectors.attachments_visible(case, user))
    zipped = any(a.kind == AttachmentKind.ARCHIVE for a in attachments)
    editable = services.may_edit_case(kind, case.state)
    # The plugged-in panels and to-dos first: the dispatch app reads the case's dispatch there once for the
    # page, and the action guard below reuses it for MTS.
    # rendered by templates that escape:
    panels = [mark_safe(panel(request, case)) for panel in hooks.registry.case_panels]  # noqa: S308
    todos = [todo for source in hooks.registry.case_todos for todo in source(request, case)]
    # Actions a plugged-in panel offers with its own form (escalate_to_dell asks what Dell should send).
    actions = [a for a in available_actions_for(case, user, now=now) if a not in hooks.registry.panel_actions]
    return {
        "case": case,
        "now": now,
        "overdue": bool(case.sla_due_at and case.sla_due_at < now),
        "sla": clocks.sla_display(case, clocks.TeamHoursCache(now)),
        "actions": [
            {"action": a, "note_required": a in NOTE_REQUIRED, "primary": a in PRIMARY_ACTIONS} for a in actions
        ],
        "note_actions": ", ".join(a.label for a in actions if a in NOTE_REQUIRED),
        "events": selectors.events_visible(case, user),
        "attachments": attachments,
        "warnings": [WARNING_LABELS[k] for k in warning_items(case.checklist_input(supportassist_attached=zipped))]
        if case.is_open and kind in {OrgKind.MTS, *PARTNER_KINDS}
        else [],
        "sees_internal": selectors.sees_internal(user),
        "missing": [ITEM_LABELS[k] for k in case.checklist_missing()],
        "editable": editable,
        "can_comment": kind in {OrgKind.MTS, *PARTNER_KINDS},
        "can_upload": kind in {OrgKind.MTS, *PARTNER_KINDS} and case.is_open,
        "country_name": country_name(case.site_country) if case.site_country else "",
        "unit_country_name": country_name(case.unit.country) if case.unit_id else "",
        "panels": panels,
        "followers": (people := list(followers.followers_of(case))),
        "following": any(person.pk == user.pk for person in people),
        "todos": todos,
    }


PRIMARY_ACTIONS = frozenset({Action.ESCALATE_TO_MTS, Action.TAKE, Action.PROVIDE_INFO, Action.RESOLVE})


@require_safe
def case_detail(request: HttpRequest, number: str):
    queryset = activity.with_seen_at(selectors.case_detail_queryset(request.user), request.user)
    case = get_object_or_404(queryset, number=number)
    now = timezone.now()
    notices.mark_case_read(request.user, case, now=now)  # opening the case reads its news
    seen_before = activity.opened(request.user, case, now=now)
    return render(request, "cases/detail.html", {**_detail_context(request, case), "seen_before": seen_before})


@require_POST
def case_follow(request: HttpRequest, number: str):
    """The follow button: follow, or stop following (`unfollow`), then back to the case."""
    case = _get_case(request, number)
    if request.POST.get("unfollow"):
        followers.unfollow(actor=request.user, case=case.pk)
        messages.success(request, "You no longer follow this case.")
    else:
        followers.follow(actor=request.user, case=case.pk, now=timezone.now())
        messages.success(request, "You follow this case: you hear of its public replies and steps.")
    return redirect("cases:detail", number=number)


def _queue_row_response(request: HttpRequest, number: str, *, error: str = ""):
    """The refreshed queue row an htmx take swaps in."""
    one = selectors.case_detail_queryset(request.user).filter(number=number)
    values = _queue_values(selectors.with_queue_columns(activity.with_new_activity(one, request.user))).first()
    if values is None:
        raise Http404("No such case.")
    case = QueueCase(values)
    now = timezone.now()
    details = hooks.queue_row_details([case], now).get(case.pk)
    row = _queue_row(
        case,
        viewer_id=request.user.pk,
        hours=clocks.TeamHoursCache(now),
        now=now,
        prefixes=(reverse("cases:list"), reverse("servicetags:unit_list")),
        details=details,
    )
    context = {"rows": [_queue_row_html(row, csrf_input(request), error)], "now": now}
    return render(request, "cases/_queue_rows.html", context)


@require_POST
def case_transition(request: HttpRequest, number: str):
    """Take one action. From the queue (htmx) answers the refreshed row; otherwise back to the case page."""
    case = _get_case(request, number)
    action = request.POST.get("action", "")
    try:
        case = services.case_transition(
            actor=request.user,
            case=case,
            action=action,
            note=request.POST.get("note", ""),
            version=_posted_version(request),
            now=timezone.now(),
        )
    except DomainError as exc:
        if request.htmx and request.POST.get("from") == "queue":
            return _queue_row_response(request, number, error=exc.message)
        messages.error(request, exc.message)
        return redirect("cases:detail", number=number)
    if request.htmx and request.POST.get("from") == "queue":
        return _queue_row_response(request, number)
    try:
        label = Action(action).label
    except ValueError:
        label = action
    messages.success(request, f"{label}: done. The case is now “{case.state_enum.label}”.")
    if not selectors.cases_visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("cases:list")
    return redirect("cases:detail", number=number)


@require_POST
def case_comment(request: HttpRequest, number: str):
    case = _get_case(request, number)
    body, internal = request.POST.get("body", ""), request.POST.get("internal") == "1"
    try:
        services.comment_create(actor=request.user, case=case, body=body, internal=internal, now=timezone.now())
    except DomainError as exc:
        if request.htmx:
            return render(
                request, "cases/_timeline.html", {**_detail_context(request, case), "comment_error": exc.message}
            )
        messages.error(request, exc.message)
        return redirect("cases:detail", number=number)
    # Mentions that told nobody (an unknown or invisible person, a partner in an internal note): say so.
    not_told = notices.mention_sentences(notices.resolve_mentions(case, body, internal=internal))
    if request.htmx:
        return render(request, "cases/_timeline.html", {**_detail_context(request, case), "comment_notes": not_told})
    for line in not_told:
        messages.warning(request, line)
    return redirect(reverse("cases:detail", args=[number]) + "#timeline")


@require_POST
def attachment_upload(request: HttpRequest, number: str):
    case = _get_case(request, number)
    if (too_large := upload_too_large(request)) is not None:
        messages.error(request, too_large)
        return redirect("cases:detail", number=number)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a file to upload.")
        return redirect("cases:detail", number=number)
    try:
        attachment = services.attachment_upload(
            actor=request.user,
            case=case,
            upload=upload,
            internal=request.POST.get("internal") == "1",
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, f"The file was not attached: {exc.message}")
    else:
        messages.success(request, f"{attachment.filename} was attached.")
    return redirect(reverse("cases:detail", args=[number]) + "#attachments")


@require_GET
def attachment_download(request: HttpRequest, number: str, attachment_id: int):
    from cases.downloads import attachment_response

    case = _get_case(request, number)
    attachment = get_object_or_404(selectors.attachments_visible(case, request.user), pk=attachment_id)
    return attachment_response(attachment)
