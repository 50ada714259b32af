"""Navigation that fits each organisation kind. Each app contributes its own pages from its AppConfig.ready()
through `register_nav`, so this lowest app names none of the pages above it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from partners.kinds import OrgKind
from partners.visibility import viewer_kind

EVERYONE = frozenset(OrgKind)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    kinds: frozenset[OrgKind]  # the organisation kinds that see it
    order: int  # left to right


_NAVIGATION: dict[str, NavItem] = {}


def register_nav(label: str, url_name: str, kinds: frozenset[OrgKind] = EVERYONE, *, order: int) -> None:
    """Add a page to the navigation; registering the same url name again replaces it (ready() may rerun)."""
    _NAVIGATION[url_name] = NavItem(label=label, url_name=url_name, kinds=frozenset(kinds), order=order)


def registered_nav() -> list[NavItem]:
    return sorted(_NAVIGATION.values(), key=lambda item: (item.order, item.label))


def register() -> None:
    register_nav("Dashboard", "home", order=0)
    register_nav("Reports", "reports:page", order=90)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    kind = viewer_kind(user)
    items = []
    for item in registered_nav():
        if kind not in item.kinds:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "active": request.path == url})
    return {"nav_items": items, "viewer_kind": kind}
