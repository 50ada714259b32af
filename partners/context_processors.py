"""Navigation that fits each organisation kind. Each app contributes its own pages from its AppConfig.ready()
through `register_nav`, so this lowest app names none of the pages above it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

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
# Each kind's (label, url) links, reversed once per URL configuration rather than on every page (and twice on a
# page whose panels render templates of their own).
_LINKS: dict[tuple[object, ...], tuple[tuple[str, str], ...]] = {}


def register_nav(label: str, url_name: str, kinds: frozenset[OrgKind] = EVERYONE, *, order: int) -> None:
    """Add a page to the navigation; registering the same url name again replaces it (ready() may rerun)."""
    _NAVIGATION[url_name] = NavItem(label=label, url_name=url_name, kinds=frozenset(kinds), order=order)
    _LINKS.clear()


def registered_nav() -> list[NavItem]:
    return sorted(_NAVIGATION.values(), key=lambda item: (item.order, item.label))


def register() -> None:
    register_nav("Dashboard", "home", order=0)
    register_nav("Reports", "reports:page", order=90)


def _links(kind: OrgKind | None) -> tuple[tuple[str, str], ...]:
    key = (kind, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    links = _LINKS.get(key)
    if links is None:
        found = []
        for item in registered_nav():
            if kind not in item.kinds:
                continue
            try:
                found.append((item.label, reverse(item.url_name)))
            except NoReverseMatch:
                continue
        links = _LINKS[key] = tuple(found)
    return links


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    kind = viewer_kind(user)
    items = [{"label": label, "url": url, "active": request.path == url} for label, url in _links(kind)]
    return {"nav_items": items, "viewer_kind": kind}
