"""Navigation that fits each organisation kind. Later apps add their pages here."""

from django.urls import NoReverseMatch, reverse

from partners.kinds import OrgKind
from partners.visibility import viewer_kind

# (label, url name, kinds that see it). A url name that is not installed yet is skipped.
NAVIGATION: list[tuple[str, str, frozenset[OrgKind]]] = [
    ("Dashboard", "home", frozenset(OrgKind)),
    ("Cases", "cases:list", frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS})),
    ("Triage queue", "cases:queue", frozenset({OrgKind.MTS})),
    ("Units", "servicetags:unit_list", frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS})),
    ("Orders", "servicetags:order_list", frozenset({OrgKind.DISTRIBUTOR, OrgKind.MTS})),
    ("Transfers", "servicetags:transfer_queue", frozenset(OrgKind)),
    ("Dispatches", "dispatch:queue", frozenset({OrgKind.MTS, OrgKind.DELL})),
    ("Coverage", "dispatch:coverage", frozenset({OrgKind.MTS})),
    ("Reports", "reports:page", frozenset(OrgKind)),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    kind = viewer_kind(user)
    items = []
    for label, url_name, kinds in NAVIGATION:
        if kind not in kinds:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {"nav_items": items, "viewer_kind": kind}
