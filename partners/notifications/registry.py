"""How each app's objects take part in notifications, registered from its AppConfig.ready() (this app names
no higher one). For an object_type: how to load it, who may see it (the visibility gate, as the objects a
user may see and as a condition on people), what each audience of the table means for it, its URL and its
label. Example, from cases/apps.py:

    register_kind(NoticeKind(object_type="case", load=..., visible_to=..., viewers_q=..., audiences={...},
                             url=..., label=...))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from partners.models import User


def _no_zone(obj: Any) -> str:
    return ""


def _no_details(obj: Any, recipient: User, now: datetime) -> list[str]:
    return []


@dataclass(frozen=True, kw_only=True)
class NoticeKind:
    object_type: str
    load: Callable[[int], Any]  # the object, or None when it is gone
    visible_to: Callable[[User], QuerySet[Any]]  # the visibility gate: what this person may see
    viewers_q: Callable[[Any], Q]  # the people who may see this object, as a condition on User
    audiences: Mapping[str, Callable[[Any, User | None], Q]]  # audience name -> people (the actor given)
    url: Callable[[Any], str]  # path of the object's page
    label: Callable[[Any], str]  # e.g. "Case C-2026-00012: Disk failure"
    site_timezone: Callable[[Any], str] = field(default=_no_zone)  # the site's zone, "" when none
    # Lines the email adds below its one line, computed when it is sent, for its recipient (through their
    # gate): the monthly report's figures.
    details: Callable[[Any, User, datetime], list[str]] = field(default=_no_details)


_KINDS: dict[str, NoticeKind] = {}
# The page where a person reads their notifications and sets their preferences (a higher app's page).
_PAGES: dict[str, Callable[[], str]] = {}


def register_preferences_page(url: Callable[[], str]) -> None:
    """Called from an AppConfig.ready(): the path of the notifications and preferences page."""
    _PAGES["preferences"] = url


def preferences_path() -> str:
    page = _PAGES.get("preferences")
    return page() if page is not None else "/"


def register_kind(kind: NoticeKind) -> None:
    """Called from an AppConfig.ready(); registering an object_type twice replaces the first entry."""
    _KINDS[kind.object_type] = kind


def kind_of(object_type: str) -> NoticeKind:
    try:
        return _KINDS[object_type]
    except KeyError:
        raise LookupError(f"{object_type!r} is not registered with partners.notifications") from None


def registered_types() -> frozenset[str]:
    return frozenset(_KINDS)


def may_see(user: User, object_type: str, object_id: int) -> bool:
    """The visibility gate, asked now (at send time and when reading)."""
    return kind_of(object_type).visible_to(user).filter(pk=object_id).exists()
