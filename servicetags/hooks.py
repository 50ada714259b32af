"""Where higher apps widen Dell's view of units without servicetags importing them (dependencies flow
servicetags ← cases ← dispatch). The dispatch app appends, from its AppConfig.ready(), a callable
`(user) -> Q` selecting the units with a dispatch sent to that Dell user's organisation."""

from collections.abc import Callable
from typing import Any

from django.db.models import Q

dell_unit_conditions: list[Callable[[Any], Q]] = []


def dell_unit_extra_q(user: Any) -> Q | None:
    """The OR of every registered condition for this Dell user, or None when no app registered one."""
    combined: Q | None = None
    for condition in dell_unit_conditions:
        q = condition(user)
        combined = q if combined is None else combined | q
    return combined
