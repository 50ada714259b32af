"""Where the dispatch app plugs into cases without cases importing it (dependencies flow cases ← dispatch).

The dispatch app registers, from its AppConfig.ready():
- `dispatch_facts(case, now, request) -> DispatchFacts`: what the escalate_to_dell / return_to_mts guards need
  (`request` is what MTS sent with escalate_to_dell, e.g. parts-only; None for other actions);
- `create_dispatch(case=, actor=, note=, now=, request=)`: called inside the transition's transaction by
  escalate_to_dell;
- `dell_visibility(user) -> Q`: which cases this Dell user may see (those with a dispatch sent to its
  organisation), for `cases_visible_to`;
- `case_panels`: callables `(request, case) -> str` rendering extra sections of the case page, and
  `panel_actions`: the case actions such a panel offers with its own form (left out of the action bar);
- `queue_annotations`: callables `(queryset) -> queryset` adding columns the triage queue needs (the open
  dispatch's id, `dispatch_open_id`), and `queue_row_details(cases, now) -> {pk: QueueDetails}`: what each L3
  row says of its dispatch (its NBD target, its state and age in words, "NBD missed" with the cause, "NBD at
  risk"), in a constant number of queries for the page.
- `case_todos`: callables `(request, case) -> list of {"label", "url"}`: what the viewer may do in a panel's
  own forms, listed under "What you can do" with a link to it.
- `backlog_on_parts(at, now) -> condition on Case rows`: of the cases at Dell at the instant `at`, those that
  wait on parts (the backlog figure's "Parts", docs/rules.md "Reports"), for the reports and their rollup.
- `case_changed`: callables `(case, fields)` run inside the transaction of a write that changed the case's
  `fields` (a checklist edit, a team move, the admin), for what a higher app keeps in step with the case (the dispatch's
  copies of its unit, component, team and arrival at MTS).
Until then Dell sees no case and escalate_to_dell is refused with `dispatch_unavailable`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q


@dataclass(frozen=True, kw_only=True)
class DispatchFacts:
    finished: bool = True  # the case's current dispatch is finished or cancelled (true when it has none)
    refusal_reasons: tuple[str, ...] = ()  # blocking eligibility reasons (dispatch.eligibility)
    parts_only: bool = False


_NO_FACTS = DispatchFacts()


@dataclass(frozen=True, kw_only=True)
class QueueDetails:
    """What a triage-queue row says of the case's open dispatch, in words."""

    dispatch_text: str = ""  # e.g. "Requested from Dell · 3 business days"
    nbd_flag: str = ""  # "missed", "at_risk", "waiting" (not accepted in time) or ""
    nbd_flag_text: str = ""  # e.g. "NBD missed: Dell had not accepted the dispatch by the target day"
    nbd_target_on: Any = None  # the dispatch's next-business-day target (a date), if it has one


@dataclass
class _Registry:
    dispatch_facts: Callable[[Any, Any, Any], DispatchFacts] | None = None
    create_dispatch: Callable[..., Any] | None = None
    dell_visibility: Callable[[Any], Q] | None = None
    # The Dell people who may see a case (its dispatch's Dell organisation), as a condition on User.
    dell_viewers: Callable[[Any], Q] | None = None
    case_panels: list[Callable[[Any, Any], str]] = field(default_factory=list)
    panel_actions: set[str] = field(default_factory=set)  # case actions a panel offers instead of the action bar
    # Annotate the triage queue's queryset (e.g. the dispatch's NBD target for L3 cases), in SQL, per page.
    queue_annotations: list[Callable[[Any], Any]] = field(default_factory=list)
    queue_row_details: Callable[[list[Any], Any], dict[int, QueueDetails]] | None = None
    # What the viewer may do in a panel's own forms: [{"label": ..., "url": ...}], for "What you can do".
    case_todos: list[Callable[[Any, Any], list[dict[str, str]]]] = field(default_factory=list)
    backlog_on_parts: Callable[[Any, Any], Any] | None = None
    case_changed: list[Callable[[Any, frozenset[str]], None]] = field(default_factory=list)


registry = _Registry()


def dispatch_facts(case: Any, now: Any, request: Any = None) -> DispatchFacts:
    return registry.dispatch_facts(case, now, request) if registry.dispatch_facts else _NO_FACTS


def dell_viewers(case: Any) -> Q:
    return registry.dell_viewers(case) if registry.dell_viewers else Q(pk__in=[])


def queue_row_details(cases: list[Any], now: Any) -> dict[int, QueueDetails]:
    return registry.queue_row_details(cases, now) if registry.queue_row_details else {}


def backlog_on_parts(at: Any, now: Any) -> Any:
    """A condition (a Q or a boolean expression) on cases at Dell at `at`: they wait on parts; None without a
    dispatch app (then no case waits on parts)."""
    return registry.backlog_on_parts(at, now) if registry.backlog_on_parts else None


def dell_visibility(user: Any) -> Q | None:
    return registry.dell_visibility(user) if registry.dell_visibility else None


def case_changed(case: Any, fields: frozenset[str]) -> None:
    """Tell the plugged-in apps that `fields` of `case` changed (inside the caller's transaction)."""
    for callback in registry.case_changed:
        callback(case, fields)
