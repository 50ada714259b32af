from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

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


class LazyOTPMiddleware(OTPMiddleware):
    """django-otp's middleware without its query on every request: `request.user.is_verified()` reads the
    session's device when it is first called, not when the user is first touched (every request).

    The portal's own gate is the session's standing (SecondFactorMiddleware, decided once at sign-in), so an
    ordinary page never asks; `user.otp_device` stays None until is_verified() has been called, which fails
    closed for code that would read it directly."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        if persistent_id:
            checked = []

            def is_verified() -> bool:
                if not checked:
                    device = self._device_from_persistent_id(persistent_id)
                    user.otp_device = self._finalize_device(request, user, device)
                    checked.append(True)
                return user.otp_device is not None

            user.is_verified = is_verified
        return user
