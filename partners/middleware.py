from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from partners import twofactor


class ViewerTimezoneMiddleware:
    """Shows times in the viewer's zone (their own, else their organisation's: `User.viewer_timezone`, which the
    footer names); storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organisation_id:
            timezone.activate(ZoneInfo(user.viewer_timezone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# Reachable before the second factor: entering or setting it up, signing out, assets and the health check.
_OPEN_BEFORE_SECOND_FACTOR = ("/accounts/2fa/", "/accounts/logout/", "/accounts/login/", "/static/", "/healthz")


class SecondFactorMiddleware:
    """A signed-in session that still owes its second factor reaches only the 2FA pages: pages redirect there,
    the API (session auth) answers 403 `second_factor_required`. Token calls carry no session and pass; the
    token itself was created with the second factor (partners.twofactor.check_code)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_OPEN_BEFORE_SECOND_FACTOR):
            return self.get_response(request)
        standing = request.session.get(twofactor.SESSION_KEY)
        if standing is None:  # a session from before the check existed (or force_login in tests)
            standing = twofactor.standing_of(user)
            twofactor.mark_session(request, standing)
        if standing == twofactor.VERIFIED:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            message = (
                "Enter your two-factor code in the portal first."
                if standing == twofactor.PENDING
                else "Set up two-factor sign-in in the portal first; your role requires it."
            )
            return JsonResponse({"code": "second_factor_required", "message": message}, status=403)
        if request.headers.get("HX-Request"):
            # A fragment (the navigation's notification badge) gets nothing, not the 2FA page swapped into it.
            return HttpResponse(status=204)  # htmx swaps nothing on 204
        target = "two_factor_verify" if standing == twofactor.PENDING else "two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
