"""The service-tag transfer lifecycle: states, actions, who may act, and Dell's confirmation deadline.

Pure: values in, values out. `plan()` decides and changes nothing; services apply its answer.
docs/rules.md "Service-tag transfer": draft → submitted → confirmed | rejected; Dell confirms in 7 business days in a
country and 10 across countries.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from django.db.models import TextChoices

from husky_support.domain import ErrorKind, Refused, field_problem
from partners.kinds import PARTNER_KINDS, OrgKind

__all__ = [
    "Action",
    "TransferRefused",
    "TransferStatus",
    "allowed_actions",
    "confirmation_business_days",
    "expected_confirmation_on",
    "is_overdue",
    "plan",
]


class TransferStatus(TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


State = TransferStatus  # the table below reads as a state machine


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    REJECT = "reject"


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.CONFIRM): State.CONFIRMED,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
}

CONFIRMERS = frozenset({OrgKind.MTS, OrgKind.DELL})

# The reseller files; its distributor may do it on the reseller's behalf; MTS or Dell decides.
WHO_MAY: dict[Action, frozenset[OrgKind]] = {
    Action.EDIT: PARTNER_KINDS,
    Action.SUBMIT: PARTNER_KINDS,
    Action.CONFIRM: CONFIRMERS,
    Action.REJECT: CONFIRMERS,
}

SAME_COUNTRY_BUSINESS_DAYS = 7
CROSS_COUNTRY_BUSINESS_DAYS = 10
_MAX_SCAN_DAYS = 366


class TransferRefused(Refused):
    """An action that may not happen now; `code` is stable: not_allowed (the actor's kind), invalid_transition
    (the transfer's status, as a problem of `status`), reason_required (a problem of `reason`)."""


def plan(state: State, action: Action, actor_kind: OrgKind | None, *, reason: str = "") -> State:
    """The state after `action`, or raise TransferRefused. Changes nothing."""
    if actor_kind not in WHO_MAY[action]:
        who = " or ".join(sorted(k.label for k in WHO_MAY[action]))
        raise TransferRefused(
            "not_allowed", f"Only {who} may {action.value} a service-tag transfer.", kind=ErrorKind.NOT_ALLOWED
        )
    target = TRANSITIONS.get((state, action))
    if target is None:
        message = f"A {state.value} transfer cannot be {_past(action)}; it must be {_needs(action)}."
        raise TransferRefused(
            "invalid_transition",
            message,
            kind=ErrorKind.INVALID,
            fields={"status": [field_problem("invalid_transition", message)]},
        )
    if action is Action.REJECT and not reason.strip():
        message = "Say why the transfer is rejected; the partner sees the reason."
        raise TransferRefused(
            "reason_required",
            message,
            kind=ErrorKind.INVALID,
            fields={"reason": [field_problem("reason_required", message)]},
        )
    return target


def allowed_actions(state: State, actor_kind: OrgKind | None) -> list[Action]:
    """The actions `actor_kind` may take on a transfer in `state` (reject needs a reason on top)."""
    return [a for a in Action if (state, a) in TRANSITIONS and actor_kind in WHO_MAY[a]]


def _past(action: Action) -> str:
    return {"edit": "edited", "submit": "submitted", "confirm": "confirmed", "reject": "rejected"}[action.value]


def _needs(action: Action) -> str:
    return "a draft" if action in (Action.EDIT, Action.SUBMIT) else "submitted first"


class Calendar(Protocol):
    def is_business_day(self, day: date) -> bool: ...


def confirmation_business_days(*, cross_country: bool) -> int:
    return CROSS_COUNTRY_BUSINESS_DAYS if cross_country else SAME_COUNTRY_BUSINESS_DAYS


def expected_confirmation_on(submitted_on: date, *, cross_country: bool, cal: Calendar) -> date:
    """The Nth business day of `cal` after `submitted_on` (N = 7 within a country, 10 across).

    `submitted_on` is the submit date in the destination's zone; the submit day itself never counts.
    """
    remaining = confirmation_business_days(cross_country=cross_country)
    day = submitted_on
    for _ in range(_MAX_SCAN_DAYS):
        day += timedelta(days=1)
        if cal.is_business_day(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise RuntimeError(f"No {remaining} business days within a year after {submitted_on}.")


def is_overdue(expected_on: date | None, today: date) -> bool:
    """A submitted transfer is late once `today` (a date in the destination's zone) is past its expected date."""
    return expected_on is not None and today > expected_on
