"""The SLA breach sweep (docs/rules.md rule 7): near-breaches and breaches recorded once on the timeline, and the
assignee and the team lead notified once each. Reads only what is due through the partial indexes on
sla_near_at and sla_due_at, never every open case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from cases import clocks, notices, sla
from cases.models import Case, EventKind
from cases.services.base import record_case_event


def due_near_breach(now: datetime, limit: int) -> list[int]:
    """Cases whose running target crossed its near-breach moment and was not warned about (index scan)."""
    return list(
        Case.objects.filter(sla_alerted=sla.Alerted.NOTHING, sla_near_at__lte=now)
        .order_by("sla_near_at")
        .values_list("pk", flat=True)[:limit]
    )


def due_breach(now: datetime, limit: int) -> list[int]:
    """Cases whose running target is past due and not yet recorded as breached (index scan)."""
    return list(
        Case.objects.filter(sla_alerted__lt=sla.Alerted.BREACHED, sla_due_at__lte=now)
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def record_sla_alert(case_id: int, *, now: datetime) -> sla.Alerted | None:
    """Under the row lock: record what the clock reached at `now` (near breach or breach) unless already
    recorded, with one internal timeline row and notifications to the assignee or, unassigned, the team. Returns
    what it recorded, or None when the case moved on meanwhile (nothing written)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("team", "assignee").get(pk=case_id)
    clock = clocks.clock_of(case)
    reached = {
        sla.SlaState.BREACHED: sla.Alerted.BREACHED,
        sla.SlaState.NEAR_BREACH: sla.Alerted.NEAR_BREACH,
    }.get(sla.sla_state(clock, now))
    if reached is None or reached <= clock.alerted:
        return None
    kind = EventKind.SLA_BREACHED if reached is sla.Alerted.BREACHED else EventKind.SLA_NEAR_BREACH
    event = record_case_event(
        case,
        kind=kind,
        actor=None,
        now=now,
        internal=True,  # MTS-internal: how MTS keeps its own targets is not the partner's timeline
        data={"target": clock.target.value, "due_at": case.sla_due_at.isoformat() if case.sla_due_at else None},
    )
    case.sla_alerted = int(reached)
    case.save(update_fields=["sla_alerted"])
    notices.notify_sla(event, now=now)  # the assignee or, unassigned, the case's team
    return reached
