"""The dispatch panel of the case page, plugged in through cases.hooks (the case page does not import us)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from cases.checklist import Category
from cases.workflow import State as CaseState
from dispatch import selectors, services
from dispatch import workflow as flow
from dispatch.eligibility import REASON_TEXT, Reason
from dispatch.models import Dispatch
from dispatch.rescheduling import reschedule_terms
from dispatch.todos import current_dispatch
from husky_support.calendar import CalendarError
from partners.kinds import OrgKind
from partners.visibility import viewer_kind

PARTNER_KINDS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})


def reasons_in_words(codes: list[str]) -> list[dict[str, str]]:
    out = []
    for code in codes:
        try:
            out.append({"code": code, "text": REASON_TEXT[Reason(code)]})
        except ValueError:
            out.append({"code": code, "text": code})
    return out


def _clearance_actions(dispatch: Dispatch, kind: OrgKind | None) -> list[flow.ClearanceAction]:
    actions = []
    for action in flow.ClearanceAction:
        try:
            flow.plan_clearance(dispatch.clearance_enum, action, kind, note="reason")
        except flow.DispatchRefused:
            continue
        actions.append(action)
    return actions


def _escalation_context(request: HttpRequest, case: Any, now: datetime) -> dict[str, Any]:
    user = request.user
    may = (
        viewer_kind(user) == OrgKind.MTS
        and case.state == CaseState.L2_MTS_INVESTIGATING
        and case.category == Category.HARDWARE
        and case.assignee_id == user.pk
    )
    preview, error = None, ""
    if may and case.unit is not None:
        try:
            preview = selectors.eligibility_for_unit(case.unit, qualified_at=now, site_country=case.site_country)
        except (CalendarError, ValueError) as exc:
            error = str(exc)
    return {"can_escalate": may, "preview": preview, "preview_error": error}


def panel_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    user = request.user
    kind = viewer_kind(user)
    now = timezone.now()
    dispatch = current_dispatch(request, case)
    context: dict[str, Any] = {"case": case, "dispatch": dispatch, "now": now, "viewer_kind": kind}
    context["viewer_zone"] = getattr(user, "viewer_timezone", "UTC")
    if dispatch is None:
        return {**context, **_escalation_context(request, case, now)}
    facts = services.dispatch_facts(dispatch, now=now, parts_count=len(dispatch.parts.all()))
    actions = flow.available_actions(dispatch.kind, dispatch.state, kind, facts)
    terms = None
    if dispatch.visit_start_at is not None and dispatch.visit_start_at > now:
        terms = reschedule_terms(dispatch.visit_start_at, now, dispatch.site_timezone)
    parts = list(dispatch.parts.all())
    snapshot = dispatch.eligibility or {}
    return {
        **context,
        "actions": set(actions),
        "action_buttons": [
            a
            for a in actions
            if a
            in {
                flow.Action.RESUBMIT,
                flow.Action.SHIP_PARTS,
                flow.Action.CONFIRM_DELIVERY,
                flow.Action.COMPLETE,
                flow.Action.CANCEL,
            }
        ],
        "reasons": reasons_in_words(snapshot.get("reasons", [])),
        "snapshot": snapshot,
        "clearance_pending": dispatch.clearance_enum.pending,
        "clearance_actions": _clearance_actions(dispatch, kind),
        "can_edit_site": kind in {OrgKind.MTS, *PARTNER_KINDS} and not dispatch.is_finished,
        "can_add_part": kind in {OrgKind.DELL, OrgKind.MTS}
        and not dispatch.is_finished
        and len(parts) < services.MAX_PARTS,
        "can_update_parts": kind in {OrgKind.DELL, OrgKind.MTS},
        "may_waive": services.may_waive_fees(user),
        "parts": parts,
        "fees": list(dispatch.fees.all()),
        "history": list(dispatch.schedule_changes.all()),
        "terms": terms,
        "outcomes": list(flow.Outcome),
        "max_parts": services.MAX_PARTS,
    }


def dispatch_panel(request: HttpRequest, case: Any) -> str:
    """The dispatch section of the case page for MTS, the partner and Dell."""
    return render_to_string("dispatch/_panel.html", panel_context(request, case), request=request)


def eligibility_panel(request: HttpRequest, case: Any) -> str:
    """The unit's Dell onsite eligibility and NBD target for a case qualified now (site-local), with a link to the
    full card; nothing for a case without a unit. A place the rules cannot evaluate says so instead of failing."""
    unit = getattr(case, "unit", None)
    if unit is None:
        return ""
    now = timezone.now()
    answer, error = None, ""
    try:
        answer = selectors.eligibility_for_unit(unit, qualified_at=now, site_country=case.site_country or None)
    except (CalendarError, ValueError) as exc:
        error = str(exc)
    return render_to_string(
        "dispatch/_case_eligibility.html",
        {"case": case, "unit": unit, "answer": answer, "error": error, "now": now},
        request=request,
    )
