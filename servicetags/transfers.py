"""The service-tag transfer lifecycle: states, actions, who may act, and Dell's confirmation deadline.

Pure: values in, values out. `plan()` decides and changes nothing; services apply its answer.
docs/rules.md "Service-tag transfer": draft → submitted → confirmed | rejected; Dell confirms in 7 business days in a
country and 10 across countries.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from partners.kinds import OrgKind

__all__ = [
    "Action",
    "State",
    "TransferRefused",
    "allowed_actions",
    "confirmation_business_days",
    "expected_confirmation_on",
    "is_overdue",
    "plan",
]


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


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

PARTNERS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})
CONFIRMERS = frozenset({OrgKind.MTS, OrgKind.DELL})

# The reseller files; its distributor may do it on the reseller's behalf; MTS or Dell decides.
WHO_MAY: dict[Action, frozenset[OrgKind]] = {
    Action.EDIT: PARTNERS,
    Action.SUBMIT: PARTNERS,
    Action.CONFIRM: CONFIRMERS,
    Action.REJECT: CONFIRMERS,
}

SAME_COUNTRY_BUSINESS_DAYS = 7
CROSS_COUNTRY_BUSINESS_DAYS = 10
_MAX_SCAN_DAYS = 366


class TransferRefused(ValueError):
    """An action that may not happen now; `code` is stable: not_allowed, invalid_transition, reason_required."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def plan(state: State, action: Action, actor_kind: OrgKind | None, *, reason: str = "") -> State:
    """The state after `action`, or raise TransferRefused. Changes nothing."""
    if actor_kind not in WHO_MAY[action]:
        who = " or ".join(sorted(k.label for k in WHO_MAY[action]))
        raise TransferRefused("not_allowed", f"Only {who} may {action.value} a service-tag transfer.")
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise TransferRefused(
            "invalid_transition", f"A {state.value} transfer cannot be {_past(action)}; it must be {_needs(action)}."
        )
    if action is Action.REJECT and not reason.strip():
        raise TransferRefused("reason_required", "Say why the transfer is rejected; the partner sees the reason.")
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
