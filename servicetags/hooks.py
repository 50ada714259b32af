"""Where higher apps plug into units without servicetags importing them (dependencies flow
servicetags ← cases ← dispatch), from their AppConfig.ready():

- `dell_unit_conditions`: a callable `(user) -> Q` selecting the units with a dispatch sent to that Dell user's
  organisation (the dispatch app);
- `unit_cards`: a callable `(unit) -> UnitCard` for a card of the unit page that loads itself (the dispatch app's
  onsite eligibility)."""

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class UnitCard:
    url: str  # fetched by the page when it loads
    waiting: str  # shown until it answers, e.g. "Checking Dell onsite eligibility…"


unit_cards: list[Callable[[Any], UnitCard]] = []


def cards_for(unit: Any) -> list[UnitCard]:
    return [card(unit) for card in unit_cards]
