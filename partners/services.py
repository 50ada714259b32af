"""Writes for organisations, users and tokens. Callers pass only objects they may see."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from husky_support.domain import DomainError, NotAllowed
from partners.kinds import Role
from partners.models import ApiToken, Organisation, SecurityEventKind, User
from partners.security import security_event_record


def _require_org_admin(actor: User, organisation: Organisation | None) -> None:
    if organisation is None or not (actor.is_org_admin and actor.organisation_id == organisation.pk):
        raise NotAllowed("Only an admin of this organisation may manage its users and tokens.")


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = Role.AGENT,
    password: str | None = None,
) -> User:
    """Create a user in the actor's own organisation; without a password they set one by email."""
    organisation = actor.organisation
    _require_org_admin(actor, organisation)
    user = User(
        username=username.strip(),
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        organisation=organisation,
    )
    # Without a password the member chooses one through the emailed reset link; until then the
    # account holds a random one nobody knows (an unusable password would block the reset email).
    user.set_password(password or secrets.token_urlsafe(32))
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, role: str | None = None, is_active: bool | None = None) -> User:
    """Change a member's role or deactivate them; an admin cannot lock themselves out."""
    _require_org_admin(actor, user.organisation)
    if user.pk == actor.pk and (role == Role.AGENT or is_active is False):
        raise DomainError("You cannot demote or deactivate yourself; ask another admin.", code="self_lockout")
    changed = []
    if role is not None and role != user.role:
        user.role = role
        changed.append("role")
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        changed.append("is_active")
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
        if "is_active" in changed and not user.is_active:
            ApiToken.objects.filter(user=user).delete()
    return user


@transaction.atomic
def token_create(*, actor: User, user: User, name: str, expires_in: timedelta | None = None) -> tuple[ApiToken, str]:
    """Issue a token for `user`. Returns the row and the key, which is never retrievable again."""
    if user.pk != actor.pk:
        _require_org_admin(actor, user.organisation)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Say what the token is for, e.g. 'ERP integration'."})
    kwargs = {"expiry": expires_in} if expires_in is not None else {}
    # The user's expired tokens go now (partners.auth does not sweep them on every API call).
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    # knox's AuthTokenManager.create is unannotated; it returns (instance, key).
    created: tuple[ApiToken, str] = ApiToken.objects.create(user=user, name=name[:100], created_by=actor, **kwargs)
    security_event_record(kind=SecurityEventKind.TOKEN_CREATED, user=user, detail=f"“{name[:100]}” by {actor.username}")
    return created


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        _require_org_admin(actor, token.user.organisation)
    security_event_record(
        kind=SecurityEventKind.TOKEN_REVOKED, user=token.user, detail=f"“{token.name}” by {actor.username}"
    )
    token.delete()


@transaction.atomic
def organisation_monthly_report(*, actor: User, organisation: Organisation, on: bool) -> Organisation:
    """An organisation's admin switches its monthly report email on or off (docs/rules.md "Reports")."""
    _require_org_admin(actor, organisation)
    organisation.monthly_report = on
    organisation.save(update_fields=["monthly_report"])
    return organisation


@transaction.atomic
def organisation_follow_all_cases(*, actor: User, follow: bool) -> Organisation:
    """An organisation's admin chooses whether its people follow all its cases from their opening
    (docs/rules.md "Notifications")."""
    organisation = actor.organisation
    _require_org_admin(actor, organisation)
    assert organisation is not None  # checked above
    organisation.follow_all_cases = follow
    organisation.save(update_fields=["follow_all_cases"])
    return organisation
