"""Two-factor sign-in on django-otp: one TOTP authenticator per user plus single-use recovery codes.

Writes are services (a transaction each); the session keeps where its user stands (`SESSION_KEY`), decided
once at sign-in, so pages do not ask the database about devices on every request. Raises DomainError
(`invalid_code`, `second_factor_required`) with a stable code.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from husky_support.domain import DomainError
from partners.kinds import second_factor_required
from partners.models import SecurityEventKind
from partners.security import client_address, security_event_record

SESSION_KEY = "husky_2fa"
# Where a signed-in session stands: verified (or needs no factor), must enter a code, or must enrol first.
VERIFIED, PENDING, ENROL = "verified", "pending", "enrol"
RECOVERY_CODES = 10


def must_use_second_factor(user) -> bool:
    return second_factor_required(
        getattr(user, "org_kind", None), getattr(user, "role", None), policy_on=settings.HUSKY_REQUIRE_2FA
    )


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def standing_of(user) -> str:
    """VERIFIED for a user who needs no code, PENDING for one with an authenticator, ENROL for one who must
    set one up first."""
    if has_second_factor(user):
        return PENDING
    return ENROL if must_use_second_factor(user) else VERIFIED


def mark_session(request, standing: str) -> None:
    request.session[SESSION_KEY] = standing


def on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: a password alone leaves the session owing its second factor, if it has one."""
    if request is not None and hasattr(request, "session"):
        mark_session(request, standing_of(user))


def totp_start(user) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (an earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212529", light="#ffffff")


@transaction.atomic
def recovery_codes_regenerate(user, *, ip_address: str | None = None) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new single-use ones and return them (shown once)."""
    codes = _new_recovery_codes(user)
    security_event_record(kind=SecurityEventKind.RECOVERY_CODES, user=user, ip_address=ip_address)
    return codes


def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_confirm(request, *, device: TOTPDevice, code: str) -> list[str]:
    """Confirm an authenticator with a code from it; mark the session verified; return new recovery codes."""
    if not device.verify_token((code or "").replace(" ", "")):
        raise DomainError("That code is not right; check the clock of your phone and try again.", code="invalid_code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    codes = _new_recovery_codes(device.user)
    security_event_record(kind=SecurityEventKind.TWO_FACTOR_ON, user=device.user, ip_address=client_address(request))
    otp_login(request, device)
    mark_session(request, VERIFIED)
    return codes


def _matching_device(user, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `code`: six digits go to the authenticator, anything else is a recovery code.

    Each device is asked alone, so a wrong authenticator code does not also throttle the recovery codes."""
    code = (code or "").replace(" ", "").strip()
    if not code:
        return None
    model = TOTPDevice if code.isascii() and code.isdigit() and len(code) == 6 else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    return device if device is not None and device.verify_token(code) else None


def verify(request, code: str) -> None:
    """Accept a code from the authenticator or an unused recovery code (which is then used up)."""
    device = _matching_device(request.user, code)
    if device is None:
        raise DomainError("That code is not right, or the recovery code was already used.", code="invalid_code")
    otp_login(request, device)
    mark_session(request, VERIFIED)


def check_code(user, code: str) -> None:
    """For machine sign-in (POST auth/token/): the user's second factor when they have one."""
    if has_second_factor(user):
        if not code:
            raise DomainError("Send the 6-digit code of your authenticator as `otp`.", code="otp_required")
        if _matching_device(user, code) is None:
            raise DomainError("That code is not right, or the recovery code was already used.", code="invalid_otp")
    elif must_use_second_factor(user):
        raise DomainError(
            "Set up two-factor sign-in in the portal before creating API tokens.", code="second_factor_required"
        )


@transaction.atomic
def second_factor_disable(request) -> None:
    user = request.user
    if must_use_second_factor(user):
        raise DomainError("Your role requires two-factor sign-in; it cannot be turned off.", code="2fa_required")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    security_event_record(kind=SecurityEventKind.TWO_FACTOR_OFF, user=user, ip_address=client_address(request))
    mark_session(request, VERIFIED)
