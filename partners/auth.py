"""API token authentication and the brute-force lockout answer."""

import binascii
from hmac import compare_digest

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
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

    def _cleanup_token(self, auth_token) -> bool:
        """True (and the token deleted) when the presented token has expired. knox also reads every other
        token of the user here, on every call, to delete their expired ones: a query per API request for
        housekeeping. That is done when a token is created instead (partners.services.token_create)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate_credentials(self, token):
        """knox's own loop, with the user's organisation joined into the token query: every API call reads
        it (validate_user, the visibility gates), which was a query of its own on each request."""
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from exc
        candidates = get_token_model().objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user", "user__organisation"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(key)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed("Invalid token.")


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
