""" "What you can do" on the case page, for the dispatch (plugged in through cases.hooks.case_todos): the
dispatch actions open to the viewer, in words, each a link to its form in the dispatch panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from dispatch import selectors, services
from dispatch import workflow as flow
from dispatch.models import Dispatch
from dispatch.services.requests import NEWEST_DISPATCH
from partners.kinds import OrgKind
from partners.visibility import viewer_kind

_CACHE = "_dispatch_current_by_case"

TODO_LABELS: dict[flow.Action, tuple[str, str]] = {
    flow.Action.ACCEPT: ("Accept the Dell dispatch (with Dell's number) or deny it", "#dispatch"),
    flow.Action.RESUBMIT: ("Correct and resubmit the dispatch Dell denied", "#dispatch"),
    flow.Action.SCHEDULE: ("Schedule the visit", "#schedule-form"),
    flow.Action.RESCHEDULE: ("Reschedule the visit, if the site asks", "#schedule-form"),
    flow.Action.OUTCOME: ("Report how the visit went", "#dispatch"),
    flow.Action.SHIP_PARTS: ("Ship the parts", "#dispatch"),
    flow.Action.CONFIRM_DELIVERY: ("Confirm the parts' delivery", "#dispatch"),
    flow.Action.COMPLETE: ("Complete the dispatch", "#dispatch"),
}
CLEARANCE_LABELS: dict[flow.ClearanceAction, str] = {
    flow.ClearanceAction.REQUEST: "Send the site's security requirements to Dell",
    flow.ClearanceAction.ACCEPT: "Accept or decline the site's security requirements",
}


def current_dispatch(request: HttpRequest, case: Any) -> Dispatch | None:
    """The case's current dispatch for this viewer, read once per request (the panel and the todos share it)."""
    cache: dict[int, Dispatch | None] = request.__dict__.setdefault(_CACHE, {})
    if case.pk not in cache:
        cache[case.pk] = selectors.current_dispatch_for_case(request.user, case)
        if viewer_kind(request.user) == OrgKind.MTS:
            # MTS sees every dispatch, so this is also the case's newest dispatch, which the page's action
            # guard (services.dispatch_facts_for_case) would otherwise read again.
            case.__dict__[NEWEST_DISPATCH] = cache[case.pk]
    return cache[case.pk]


def case_todos(request: HttpRequest, case: Any) -> list[dict[str, str]]:
    dispatch = current_dispatch(request, case)
    if dispatch is None:
        return []
    kind = viewer_kind(request.user)
    now = timezone.now()
    parts = list(dispatch.parts.all())
    facts = services.dispatch_facts(dispatch, now=now, parts_count=len(parts))
    actions = flow.available_actions(dispatch.kind, dispatch.state, kind, facts)
    todos = [{"label": TODO_LABELS[a][0], "url": TODO_LABELS[a][1]} for a in TODO_LABELS if a in actions]
    open_now = flow.available_clearance_actions(dispatch.clearance_enum, kind)
    todos += [{"label": label, "url": "#dispatch"} for action, label in CLEARANCE_LABELS.items() if action in open_now]
    partner_or_mts = kind in {OrgKind.MTS, OrgKind.RESELLER, OrgKind.DISTRIBUTOR}
    if partner_or_mts and not dispatch.is_finished and not dispatch.representative_named:
        todos.append({"label": "Name the site's authorised representative", "url": "#dispatch"})
    if kind in {OrgKind.DELL, OrgKind.MTS} and dispatch.kind == flow.DispatchKind.ONSITE:
        if any(p.shipped_on is None or p.delivered_on is None for p in parts) and not dispatch.is_finished:
            todos.append({"label": "Record the parts shipped or delivered", "url": "#part-steps"})
        if any(p.delivered_on and not p.returned_on and not p.keep_faulty for p in parts):
            todos.append({"label": "Record the faulty part's pickup", "url": "#dispatch"})
    return todos
