"""Dispatch pages: the eligibility card of a unit (an htmx partial of the unit page, also a page on its own)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch import selectors
from dispatch.forms import EligibilityForm
from husky_support.calendar import CalendarError
from husky_support.geo import country_name
from servicetags.models import Unit


@require_GET
def unit_eligibility(request: HttpRequest, service_tag: str) -> HttpResponse:
    """DESIGN rules 1-3 in words for one unit; 404 for a unit the viewer may not see."""
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
