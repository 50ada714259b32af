"""The coverage page: Dell's coverage per country and the holiday overrides, with their change history.

Everyone signed in reads it (as the coverage API allows); only MTS admins see the forms, and a POST
from anyone else is 403. Writes go through the services the API uses, so both feed one history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import coverage, selectors
from dispatch.forms import CoverageAddForm, CoverageForm, HolidayOverrideAddForm, HolidayOverrideForm
from dispatch.models import Coverage
from husky_support.domain import DomainError
from husky_support.geo import countries_by_name, country_name
from husky_support.pages import show_on_form
from partners import reference
from partners.access import page_for
from partners.kinds import is_mts_admin
from partners.models import HolidayOverride

HISTORY_LIMIT = 50
FIELD_LABELS = {
    "onsite_available": "Onsite",
    "nbd_available": "NBD",
    "kyhd_available": "KYHD",
    "cutoff": "Cut-off",
    "notes": "Notes",
    "subdivision": "Subdivision",
    "applies_on": "Date",
    "kind": "The day is",
    "note": "Note",
}


_editors_only = page_for(
    mts_admins=True, whose="Only an admin of Milestone Technical Support may change coverage and overrides."
)


def _page(request: HttpRequest, *, status: int = 200, **bound: Any) -> HttpResponse:
    """The whole page; `bound` carries a form that failed (by its key) so it is shown with its errors."""
    editor = is_mts_admin(request.user)
    rows = list(selectors.coverage_list())
    overrides = list(selectors.holiday_overrides_list())
    for row in rows:
        row.name = country_name(row.country) or row.country
        row.open = f"coverage-{row.country}" in bound
        if editor:
            initial = {f: getattr(row, f) for f in coverage.COVERAGE_FIELDS} | {"cutoff": f"{row.cutoff:%H:%M}"}
            row.form = bound.get(f"coverage-{row.country}") or CoverageForm(initial=initial, prefix=f"c-{row.country}")
            row.boxes = [row.form[name] for name in ("onsite_available", "nbd_available", "kyhd_available")]
    for override in overrides:
        override.name = country_name(override.country) or override.country
        override.open = f"override-{override.pk}" in bound
        if editor:
            override.form = bound.get(f"override-{override.pk}") or HolidayOverrideForm(
                initial={f: getattr(override, f) for f in reference.OVERRIDE_FIELDS}, prefix=f"o-{override.pk}"
            )
    order = {code: i for i, (code, _name) in enumerate(countries_by_name())}
    rows.sort(key=lambda r: order.get(r.country, len(order)))  # by name, as every country picker
    history = selectors.reference_history(HISTORY_LIMIT)
    for change in history:
        change.field_label = FIELD_LABELS.get(change.field, change.field)
    context = {
        "rows": rows,
        "overrides": overrides,
        "history": history,
        "history_limit": HISTORY_LIMIT,
        "editor": editor,
        "open_form": next(iter(bound), ""),
        "add_form": bound.get("add-coverage")
        or (CoverageAddForm(prefix="add", initial={"cutoff": "17:00"}) if editor else None),
        "override_form": bound.get("add-override") or (HolidayOverrideAddForm(prefix="ov") if editor else None),
    }
    return render(request, "dispatch/coverage.html", context, status=status)


@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _submit(
    request: HttpRequest,
    form: forms.Form,
    key: str,
    write: Callable[[dict[str, Any]], Any],
    saying: Callable[[Any], str],
) -> HttpResponse:
    """One form's write through its service: saved, a message (`saying` what `write` returned) and back to
    the page; invalid or refused, the page again (400) with this form open (`key`) and its errors."""
    if form.is_valid():
        try:
            written = write(form.cleaned_data)
        except DomainError as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, saying(written))
            return redirect("dispatch:coverage")
    return _page(request, status=400, **{key: form})


@require_POST
@_editors_only
def coverage_add(request: HttpRequest) -> HttpResponse:
    form = CoverageAddForm(request.POST, prefix="add")
    if form.is_valid():
        name = country_name(form.cleaned_data["country"])
        if Coverage.objects.filter(country=form.cleaned_data["country"]).exists():
            form.add_error("country", f"{name} already has coverage; edit its row instead.")
    return _submit(
        request,
        form,
        "add-coverage",
        lambda data: coverage.coverage_put(actor=request.user, now=timezone.now(), **data),
        lambda _written: f"Coverage added for {name}.",
    )


@require_POST
@_editors_only
def coverage_edit(request: HttpRequest, country: str) -> HttpResponse:
    row = get_object_or_404(Coverage, country=country.strip().upper())
    return _submit(
        request,
        CoverageForm(request.POST, prefix=f"c-{row.country}"),
        f"coverage-{row.country}",
        lambda data: coverage.coverage_update(actor=request.user, coverage=row, now=timezone.now(), **data),
        lambda _written: f"Coverage of {country_name(row.country)} saved.",
    )


@require_POST
@_editors_only
def override_add(request: HttpRequest) -> HttpResponse:
    return _submit(
        request,
        HolidayOverrideAddForm(request.POST, prefix="ov"),
        "add-override",
        lambda data: reference.holiday_override_create(actor=request.user, now=timezone.now(), **data),
        lambda row: f"Override added: {row.subdivision or country_name(row.country)}, {row.applies_on:%d %b %Y}.",
    )


@require_POST
@_editors_only
def override_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(HolidayOverride, pk=pk)
    return _submit(
        request,
        HolidayOverrideForm(request.POST, prefix=f"o-{row.pk}"),
        f"override-{row.pk}",
        lambda data: reference.holiday_override_update(actor=request.user, override=row, now=timezone.now(), **data),
        lambda _written: "Override saved.",
    )


@require_POST
@_editors_only
def override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(HolidayOverride, pk=pk)
    reference.holiday_override_delete(actor=request.user, override=row, now=timezone.now())
    messages.success(
        request, f"Override of {row.subdivision or country_name(row.country)} on {row.applies_on:%d %b %Y} deleted."
    )
    return redirect("dispatch:coverage")
