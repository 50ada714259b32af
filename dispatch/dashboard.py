"""Home-page panels contributed by dispatch (registered in DispatchConfig.ready): what waits on Dell, and Dell's
tile on MTS's home. Each count links to Dell's queue filtered by the same condition (dispatch.workload)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, workload
from partners.dashboard import Panel, register_panel
from partners.kinds import OrgKind


def _tiles(user: Any, keys: tuple[workload.Waiting, ...]) -> dict[str, Any]:
    now = timezone.now()
    zone = user.viewer_timezone
    found = workload.counts(selectors.dispatches_visible_to(user), keys, now=now, viewer_zone=zone)
    queue = reverse("dispatch:queue")
    return {
        "tiles": [
            {
                "key": key.value,
                "label": key.label,
                "count": found[key.value],
                "url": f"{queue}?waiting={key.value}",
                "urgent": key in workload.URGENT and found[key.value] > 0,
            }
            for key in keys
        ],
        "schedule_url": reverse("dispatch:schedule"),
        "queue_url": queue,
    }


def dell_work(user: Any) -> dict[str, Any]:
    return _tiles(user, workload.DELL_TILES)


def mts_dell(user: Any) -> dict[str, Any]:
    return _tiles(user, workload.MTS_TILES)


def register() -> None:
    register_panel(
        Panel(
            "dispatch_dell_work",
            "dispatch/panels/tiles.html",
            frozenset({OrgKind.DELL}),
            dell_work,
            order=5,
            width="col-12",
        )
    )
    register_panel(
        Panel(
            "dispatch_mts_dell",
            "dispatch/panels/tiles.html",
            frozenset({OrgKind.MTS}),
            mts_dell,
            order=20,
            width="col-12",
        )
    )
