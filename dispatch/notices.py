"""Dispatches on the one notification path (partners.notifications): the "dispatch" object kind (registered
from DispatchConfig.ready()), what the table's audiences mean for a dispatch, and `notify_step`, which the
dispatch services and sweeps call in their transactions right after the step's timeline row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse

from cases import hooks as case_hooks
from cases import notices as case_notices
from cases.models import CaseEvent
from dispatch import workflow as flow
from dispatch.models import Dispatch
from dispatch.selectors import dispatches_visible_to
from partners.kinds import OrgKind
from partners.models import User
from partners.notifications.registry import NoticeKind, register_kind
from partners.notifications.services import Notified, notify

# A step of the timeline (dispatch.services.base event actions) -> the table's event kind.
STEP_KINDS: dict[str, str] = {
    "requested": "dispatch.requested",
    "note": "dispatch.message",
    flow.Action.ACCEPT.value: "dispatch.accepted",
    flow.Action.DENY.value: "dispatch.denied",
    flow.Action.RESUBMIT.value: "dispatch.resubmitted",
    flow.Action.SCHEDULE.value: "dispatch.visit_booked",
    flow.Action.RESCHEDULE.value: "dispatch.visit_moved",
    flow.Action.OUTCOME.value: "dispatch.outcome",
    flow.Action.SHIP_PARTS.value: "dispatch.part_shipped",
    flow.Action.CONFIRM_DELIVERY.value: "dispatch.part_delivered",
    flow.Action.COMPLETE.value: "dispatch.completed",
    flow.Action.CANCEL.value: "dispatch.cancelled",
    "fee_waived": "dispatch.fee_waived",
    "reschedule_window_ending": "dispatch.reschedule_window_ending",
    "nbd_missed": "dispatch.nbd_missed",
    "part_return_due_soon": "dispatch.part_due_back",
    "part_return_overdue": "dispatch.part_overdue",
}


def viewers_q(dispatch: Dispatch) -> Q:
    """Who may see the dispatch: the case's partner side and MTS, and the Dell organisation it was sent to."""
    case_side = case_notices.viewers_q(dispatch.case) & ~Q(organisation__kind=OrgKind.DELL)
    return case_side | Q(organisation__kind=OrgKind.DELL, organisation_id=dispatch.dell_org_id)


def dell_q(dispatch: Dispatch, actor: User | None = None) -> Q:
    return Q(organisation_id=dispatch.dell_org_id)


def dell_viewers_of_case(case: Any) -> Q:
    """The cases.hooks seam: the Dell people who may see a case are those of its dispatches' organisations."""
    return Q(organisation_id__in=Dispatch.objects.filter(case_id=case.pk).values("dell_org_id"))


def _on_case(audience: Any) -> Any:
    return lambda dispatch, actor: audience(dispatch.case, actor)


def _load(pk: int) -> Dispatch | None:
    return Dispatch.objects.select_related("case").filter(pk=pk).first()


def register() -> None:
    case_hooks.registry.dell_viewers = dell_viewers_of_case
    register_kind(
        NoticeKind(
            object_type="dispatch",
            load=_load,
            visible_to=dispatches_visible_to,
            viewers_q=viewers_q,
            audiences={
                "partner": _on_case(case_notices.partner_q),
                "mts": _on_case(case_notices.mts_q),
                "followers": _on_case(case_notices.followers_q),
                "dell": dell_q,
            },
            url=lambda dispatch: reverse("cases:detail", args=[dispatch.case.number]),
            label=lambda dispatch: f"Dell dispatch on case {dispatch.case.number}: {dispatch.case.title}",
            site_timezone=lambda dispatch: dispatch.site_timezone or "",
        )
    )


def notify_requested(dispatch: Dispatch, *, actor: User | None, now: datetime) -> Notified:
    """The request to Dell has no timeline row of its own (the escalation's row is the one entry of it):
    the parties hear of the dispatch itself."""
    key = f"dispatch:{dispatch.pk}:requested"
    return _notify("dispatch.requested", dispatch, actor=actor, now=now, event_key=key, line=flow.State.REQUESTED.label)


def _notify(
    kind: str, dispatch: Dispatch, *, actor: User | None, now: datetime, event_key: str, line: str, **data: Any
) -> Notified:
    """One notification about the dispatch: its line after the case's number, with the case's facts and `data`."""
    case = dispatch.case
    facts = {**case_notices.case_facts(case), **data}
    return notify(kind, dispatch, actor=actor, now=now, event_key=event_key, text=f"{case.number}: {line}", data=facts)


def notify_step(dispatch: Dispatch, event: CaseEvent, *, now: datetime) -> Notified:
    """Tell the parties of one dispatch step (the table), in the caller's transaction; a fee the step
    recorded is its own notification. The line is the timeline's label; a visit's window is kept to be
    written in each reader's zone and the site's."""
    kind = STEP_KINDS.get(event.action)
    if kind is None:
        return Notified(0, 0)
    label = str(event.data.get("label") or event.action)
    label = label[:1].upper() + label[1:]
    data: dict[str, Any] = {}
    if event.data.get("visit_start_at") and event.data.get("visit_end_at"):
        data["window"] = [event.data["visit_start_at"], event.data["visit_end_at"]]
    if event.note and event.action in {"note", flow.Action.DENY.value, "fee_waived"}:
        data["note"] = event.note[:2000]
    actor = event.actor
    sent = _notify(kind, dispatch, actor=actor, now=now, event_key=f"case_event:{event.pk}", line=label, **data)
    if event.data.get("fee"):
        fee = _notify(
            "dispatch.fee_recorded",
            dispatch,
            actor=actor,
            now=now,
            event_key=f"case_event:{event.pk}:fee",
            line="a fee was recorded on the Dell dispatch",
        )
        sent = Notified(sent.in_app + fee.in_app, sent.email + fee.email)
    return sent
