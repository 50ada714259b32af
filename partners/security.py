"""The security log: one row per sign-in, failure, lockout, two-factor, token or password change.

Written from the sign-in signals and the services that change credentials; read by organisation admins
(`security_events_for`). A successful sign-in from an address the user never signed in from before emails
the user (not on their very first sign-in).
"""

from __future__ import annotations

from datetime import datetime

from axes.helpers import get_client_ip_address
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from partners.models import SecurityEvent, SecurityEventKind, User

MAX_SHOWN = 200


def client_address(request) -> str | None:
    if request is None:
        return None
    return get_client_ip_address(request) or None


def security_event_record(
    *,
    kind: SecurityEventKind,
    user: User | None,
    username: str = "",
    ip_address: str | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> SecurityEvent:
    """Append one row; for a sign-in from a new address, email the user once the row is committed."""
    at = now or timezone.now()
    if kind == SecurityEventKind.SIGNED_IN and user is not None and user.email and ip_address:
        earlier = SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGNED_IN)
        if earlier.exists() and not earlier.filter(ip_address=ip_address).exists():
            address, when = ip_address, at
            transaction.on_commit(
                lambda: send_mail(
                    "[Husky Support] Sign-in from a new address",
                    f"Your account {user.username} signed in from {address} at {when:%Y-%m-%d %H:%M} UTC.\n"
                    "If this was not you, change your password and tell your organisation admin.",
                    None,
                    [user.email],
                    fail_silently=True,
                )
            )
    return SecurityEvent.objects.create(
        organisation_id=user.organisation_id if user is not None else None,
        user=user,
        username=(user.username if user is not None else username)[:150],
        kind=kind,
        at=at,
        ip_address=ip_address,
        detail=detail[:200],
    )


def security_events_for(admin: User) -> QuerySet[SecurityEvent]:
    """The admin's organisation's log, newest first (nothing for a non-admin)."""
    if not admin.is_org_admin or admin.organisation_id is None:
        return SecurityEvent.objects.none()
    return SecurityEvent.objects.filter(organisation_id=admin.organisation_id).order_by("-at", "-id")[:MAX_SHOWN]


# --- Signal receivers: they only record; the sign-in itself is Django's and django-axes' -------------


def on_signed_in(sender, request, user, **kwargs) -> None:
    security_event_record(kind=SecurityEventKind.SIGNED_IN, user=user, ip_address=client_address(request))


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))
    user = User.objects.filter(username=username).first()
    security_event_record(
        kind=SecurityEventKind.SIGN_IN_FAILED, user=user, username=username, ip_address=client_address(request)
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    user = User.objects.filter(username=username).first()
    security_event_record(kind=SecurityEventKind.LOCKED_OUT, user=user, username=username or "", ip_address=ip_address)
