"""Pages that only some kinds of organisation, or only their admins, may open: one gate for every app's
pages. A refused viewer gets the portal's 403 page (templates/403.html) saying whose page it is."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from partners.kinds import OrgKind, is_mts_admin
from partners.visibility import viewer_kind

View = Callable[..., HttpResponse]

ADMINS_ONLY = "This page is for organisation admins. Ask an admin of your organisation."


def page_for(
    *kinds: OrgKind, admins: bool = False, mts_admins: bool = False, whose: str = ADMINS_ONLY
) -> Callable[[View], View]:
    """Let through a viewer whose organisation is one of `kinds` (any kind when none is named) and, with
    `admins`, who is its admin, or with `mts_admins`, an admin of MTS; refuse everyone else with `whose`."""

    def allowed(request: HttpRequest) -> bool:
        user = request.user
        if kinds and viewer_kind(user) not in kinds:
            return False
        if admins and not getattr(user, "is_org_admin", False):
            return False
        return not mts_admins or is_mts_admin(user)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request):
                raise PermissionDenied(whose)
            return view(request, *args, **kwargs)

        return gated

    return decorate
