"""The site of a dispatch: its representative and security requirements, the clearance request, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from cases.models import CaseEvent
from dispatch import workflow as flow
from dispatch.models import Dispatch
from dispatch.services.base import full_clean_or_refuse, lock_dispatch, record_dispatch_event
from dispatch.services.nbd import announce_nbd, apply_nbd
from husky_support.domain import Conflict, DomainError, NotAllowed
from husky_support.text import TextProblem, required_text
from partners.kinds import PARTNER_KINDS, OrgKind
from partners.models import User

SITE_FIELDS = ("representative_name", "representative_phone", "representative_email", "security_requirements")


@transaction.atomic
def dispatch_site_update(
    *, actor: User, dispatch: Dispatch | int, version: int | None, values: dict[str, Any], now: datetime
) -> Dispatch:
    """Partners and MTS name the authorised representative and state the site's security requirements
    while the dispatch is open. A change to the requirements sends the clearance back to "stated"."""
    if actor.org_kind not in {OrgKind.MTS, *PARTNER_KINDS}:
        raise NotAllowed(
            "Only the partner or MTS names the representative and the site's requirements.", code="role_not_allowed"
        )
    locked = lock_dispatch(dispatch, version)
    if locked.is_finished:
        raise Conflict("The dispatch has ended.", code="dispatch_finished")
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    changes = {}
    for name, value in values.items():
        clean = str(value or "").strip()
        if getattr(locked, name) != clean:
            changes[name] = [getattr(locked, name), clean]
            setattr(locked, name, clean)
    if not changes:
        return locked
    if "security_requirements" in changes:
        stated = flow.Clearance.STATED if locked.security_requirements else flow.Clearance.NONE
        locked.clearance, locked.clearance_note = stated.value, ""
        locked.clearance_accepted_at = None
    if not locked.representative_named:
        locked.representative_named_at = None
    elif locked.representative_named_at is None:
        locked.representative_named_at = now
    decided = apply_nbd(locked, now)
    locked.version += 1
    locked.updated_at = now
    full_clean_or_refuse(locked)
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action="site_updated", changes=sorted(changes))
    announce_nbd(locked, decided, now)
    return locked


@transaction.atomic
def clearance_step(
    *, actor: User, dispatch: Dispatch | int, action: str, version: int | None, note: str, now: datetime
) -> Dispatch:
    """MTS sends the special security request to Dell (`request`); Dell `accept`s or `decline`s it."""
    locked = lock_dispatch(dispatch, version)
    if locked.is_finished:
        raise Conflict("The dispatch has ended.", code="dispatch_finished")
    to = flow.plan_clearance(
        locked.clearance_enum, action, actor.org_kind, note=note
    )  # DispatchRefused: nothing written
    data = {"from": locked.clearance, "to": to.value}
    locked.clearance = to.value
    if action != flow.ClearanceAction.REQUEST:
        locked.clearance_note = (note or "").strip()
    locked.clearance_accepted_at = now if to is flow.Clearance.ACCEPTED else None
    decided = apply_nbd(locked, now)
    locked.version += 1
    locked.updated_at = now
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action=f"clearance_{action}", note=(note or "").strip(), **data)
    announce_nbd(locked, decided, now)
    return locked


@transaction.atomic
def dispatch_note(*, actor: User, dispatch: Dispatch, body: str, now: datetime) -> CaseEvent:
    """A message on the dispatch thread, which the partner, MTS and Dell all read."""
    body = required_text(
        body,
        field="body",
        empty=TextProblem("note_empty", "Write something first."),
        too_long=(10_000, TextProblem("note_too_long", "A message is at most 10,000 characters.")),
    )
    return record_dispatch_event(dispatch, actor=actor, now=now, action="note", note=body)
