"""How dispatches and their fees appear in partner events (partners.integrations.outbox)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from dispatch import workflow as flow
from dispatch.models import Dispatch, Fee
from partners.integrations.catalog import register_event_types
from partners.integrations.outbox import ObjectKind, active_orgs, partner_audience_q, register_object_kind
from partners.kinds import OrgKind
from partners.models import Organisation


class DispatchEventType(models.TextChoices):
    DISPATCH_REQUESTED = "dispatch.requested", "A Dell dispatch was requested"
    DISPATCH_ACCEPTED = "dispatch.accepted", "Dell accepted a dispatch"
    DISPATCH_DENIED = "dispatch.denied", "Dell denied a dispatch"
    DISPATCH_SCHEDULED = "dispatch.scheduled", "A technician visit was scheduled"
    DISPATCH_RESCHEDULED = "dispatch.rescheduled", "A technician visit was rescheduled"
    DISPATCH_COMPLETED = "dispatch.completed", "A dispatch was completed"
    DISPATCH_FAILED = "dispatch.failed", "A technician visit failed"
    DISPATCH_NBD_MET = "dispatch.nbd_met", "A dispatch met its next-business-day target"
    DISPATCH_NBD_MISSED = "dispatch.nbd_missed", "A dispatch missed its next-business-day target (with the cause)"
    FEE_RECORDED = "fee.recorded", "A fee was recorded on a dispatch"


def dispatch_audience(dispatch: Dispatch) -> list[Organisation]:
    """As dispatch.selectors.dispatches_visible_to: the case's partner side, MTS, and the Dell team it was
    sent to (never another Dell team)."""
    return active_orgs(partner_audience_q(dispatch.case.reseller) | Q(pk=dispatch.dell_org_id))


def fee_audience(fee: Fee) -> list[Organisation]:
    """docs/rules.md "Dispatch": Dell charges the fees, so MTS, the partner and the Dell team of the dispatch all see
    them, in events as in the pages and the API (the dispatch's fees/ list)."""
    return active_orgs(partner_audience_q(fee.dispatch.case.reseller) | Q(pk=fee.dispatch.dell_org_id))


def dispatch_payload(dispatch: Dispatch, kind: OrgKind) -> dict[str, Any]:
    from dispatch.api.dispatch_serializers import DispatchSerializer

    return dict(DispatchSerializer(dispatch).data)


def fee_payload(fee: Fee, kind: OrgKind) -> dict[str, Any]:
    from dispatch.api.dispatch_serializers import FeeSerializer

    return {**FeeSerializer(fee).data, "dispatch": fee.dispatch_id, "case": fee.dispatch.case.number}


# The partner event each dispatch step is (steps not listed here send none).
STEP_EVENTS: dict[flow.Action, DispatchEventType] = {
    flow.Action.ACCEPT: DispatchEventType.DISPATCH_ACCEPTED,
    flow.Action.DENY: DispatchEventType.DISPATCH_DENIED,
    flow.Action.RESUBMIT: DispatchEventType.DISPATCH_REQUESTED,
    flow.Action.SCHEDULE: DispatchEventType.DISPATCH_SCHEDULED,
    flow.Action.RESCHEDULE: DispatchEventType.DISPATCH_RESCHEDULED,
    flow.Action.COMPLETE: DispatchEventType.DISPATCH_COMPLETED,
}


def event_for_step(action: flow.Action, to_state: flow.State) -> DispatchEventType | None:
    if action is flow.Action.OUTCOME:
        return (
            DispatchEventType.DISPATCH_COMPLETED
            if to_state is flow.State.COMPLETED
            else DispatchEventType.DISPATCH_FAILED
        )
    return STEP_EVENTS.get(action)


def register() -> None:
    register_event_types(DispatchEventType, dell_receives=True)  # Dell's own dispatches and the fees it charges
    register_object_kind(
        ObjectKind(model=Dispatch, object_type="dispatch", audience=dispatch_audience, payload=dispatch_payload)
    )
    register_object_kind(ObjectKind(model=Fee, object_type="fee", audience=fee_audience, payload=fee_payload))
