"""The home page's headline tiles (docs/rules.md "Reports"): a dashboard panel over the tile registry, so partners
names none of the apps whose figures the tiles read."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from partners.dashboard import Panel, register_panel
from partners.kinds import OrgKind
from partners.reports import service


def headline_panel(user: Any) -> dict[str, Any] | None:
    ctx = service.month_context(user, now=timezone.now())
    tiles = service.tiles_in(ctx) if ctx is not None else []
    if ctx is None or not tiles:
        return None
    return {"tiles": tiles, "period": ctx.period, "reports_url": reverse("reports:page")}


def register() -> None:
    register_panel(
        Panel(
            "reports_headlines",
            "partners/panels/report_tiles.html",
            frozenset(OrgKind),
            headline_panel,
            order=1,
            width="col-12",
        )
    )
