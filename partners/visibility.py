"""The visibility gate: which records a user may see. Every list, detail, API view and task starts here.

docs/rules.md "Who uses it": reseller = own records; distributor = own + its resellers'; MTS = all;
Dell = only dispatched work. What a user may not see answers 404, so callers fetch objects through
these querysets and never check permissions after the fact.
"""

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from partners.kinds import OrgKind
from partners.models import Organisation, User

_M = TypeVar("_M", bound=Model)


def _active_org(user: User | AnonymousUser) -> Organisation | None:
    if not user.is_authenticated or not user.is_active:
        return None
    org = user.organisation if user.organisation_id else None
    if org is None or not org.is_active:
        return None
    return org


def scope_to_viewer(
    queryset: QuerySet[_M],
    user: User | AnonymousUser,
    *,
    reseller_field: str,
    distributor_field: str | None = None,
    dell_q: Q | None = None,
) -> QuerySet[_M]:
    """Filter `queryset` to what `user` may see.

    `reseller_field` is the path to the owning reseller organisation (e.g. "reseller" or
    "unit__reseller"); `distributor_field` an optional direct path to a distributor (orders);
    `dell_q` what Dell may see (dispatched work), or None when Dell sees none of it.
    """
    org = _active_org(user)
    if org is None:
        return queryset.none()
    kind = org.org_kind
    if kind == OrgKind.MTS:
        return queryset
    if kind == OrgKind.RESELLER:
        return queryset.filter(**{reseller_field: org})
    if kind == OrgKind.DISTRIBUTOR:
        condition = Q(**{f"{reseller_field}__distributor": org})
        if distributor_field:
            condition |= Q(**{distributor_field: org})
        return queryset.filter(condition)
    if kind == OrgKind.DELL and dell_q is not None:
        return queryset.filter(dell_q)
    return queryset.none()


def organisations_visible_to(user: User | AnonymousUser) -> QuerySet[Organisation]:
    """Own organisation; a distributor also its resellers; MTS every organisation."""
    org = _active_org(user)
    if org is None:
        return Organisation.objects.none()
    kind = org.org_kind
    if kind == OrgKind.MTS:
        return Organisation.objects.all()
    if kind == OrgKind.DISTRIBUTOR:
        return Organisation.objects.filter(Q(pk=org.pk) | Q(distributor=org))
    return Organisation.objects.filter(pk=org.pk)


def users_visible_to(user: User | AnonymousUser) -> QuerySet[User]:
    """Users of the organisations this user may see (names show on timelines and assignments)."""
    return User.objects.filter(organisation__in=organisations_visible_to(user)).select_related("organisation")


def users_manageable_by(user: User | AnonymousUser) -> QuerySet[User]:
    """Org admins manage the users of their own organisation, and nobody else's."""
    org = _active_org(user)
    if org is None or not user.is_authenticated or not user.is_org_admin:
        return User.objects.none()
    return User.objects.filter(organisation=org).select_related("organisation")


def token_owners_for(user: User) -> QuerySet[User]:
    """Whose API tokens `user` may see, issue and revoke: an org admin its organisation's users, anyone
    else only themselves."""
    if user.is_org_admin:
        return users_manageable_by(user)
    return User.objects.filter(pk=user.pk)


def active_organisation(user: User | AnonymousUser) -> Organisation | None:
    """The user's organisation while both are active; None otherwise."""
    return _active_org(user)


def viewer_kind(user: User | AnonymousUser) -> OrgKind | None:
    org = _active_org(user)
    return org.org_kind if org else None
