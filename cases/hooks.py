"""Where the dispatch app plugs into cases without cases importing it (dependencies flow cases ← dispatch).

The dispatch issue registers, from its AppConfig.ready():
- `dispatch_facts(case, now) -> DispatchFacts`: what the escalate_to_dell / return_to_mts guards need;
- `create_dispatch(case=, actor=, note=, now=)`: called inside the transition's transaction by escalate_to_dell;
- `dell_visibility() -> Q`: which cases Dell may see (those with a dispatch), for `cases_visible_to`.
Until then Dell sees no case and escalate_to_dell is refused with `dispatch_unavailable`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True, kw_only=True)
class DispatchFacts:
    finished: bool = False  # the case's current dispatch is finished or cancelled
    refusal_reasons: tuple[str, ...] = ()  # blocking eligibility reasons (dispatch.eligibility)
    parts_only: bool = False


_NO_FACTS = DispatchFacts()


@dataclass
class _Registry:
    dispatch_facts: Callable[[Any, Any], DispatchFacts] | None = None
    create_dispatch: Callable[..., Any] | None = None
    dell_visibility: Callable[[], Q] | None = None


registry = _Registry()


def dispatch_facts(case: Any, now: Any) -> DispatchFacts:
    return registry.dispatch_facts(case, now) if registry.dispatch_facts else _NO_FACTS


def dell_visibility() -> Q | None:
    return registry.dell_visibility() if registry.dell_visibility else None
