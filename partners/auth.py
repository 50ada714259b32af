"""API token authentication and the brute-force lockout answer."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication

from husky_support.errors import CSRF_MESSAGE


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`; refuses tokens of deactivated users or organisations."""

    def validate_user(self, auth_token):
        user = auth_token.user
        if not user.is_active or (user.organisation_id and not user.organisation.is_active):
            raise exceptions.AuthenticationFailed("This account is deactivated.", code="account_inactive")
        return user, auth_token

    def authenticate_credentials(self, token):
        try:
            return super().authenticate_credentials(token)
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from exc


class CsrfFailed(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "csrf_failed"


class SessionAuthentication(DrfSessionAuthentication):
    """The portal's own pages calling the API with their session. Listed after the token, so a request that
    carries a token is never judged by its cookies; a session without its CSRF token is a 403 with the code
    `csrf_failed` (DRF's own says `permission_denied`, which a client cannot tell from a missing right)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refused:
            raise CsrfFailed(f"{CSRF_MESSAGE} ({refused.detail})") from None


def lockout_response(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """Axes calls this once a username/address pair has failed too often."""
    message = "Too many failed sign-in attempts. Try again in 15 minutes or reset your password."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "too_many_attempts", "message": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
