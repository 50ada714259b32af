"""The unit page's onsite-eligibility card, plugged into servicetags through its hooks (servicetags names no
page of ours)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from servicetags.hooks import UnitCard


def eligibility_card(unit: Any) -> UnitCard:
    return UnitCard(
        url=reverse("dispatch:unit_eligibility", args=[unit.service_tag]),
        waiting="Checking Dell onsite eligibility…",
    )
