"""Who follows a case (docs/rules.md "Notifications"): anyone who may see it, by the button, and
automatically the opener, the assignee and whoever comments; an organisation's admin can make its people
follow all its cases from their opening."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from cases.models import Case, CaseFollower
from cases.selectors import cases_visible_to
from husky_support.domain import NotFound
from partners.models import User


def visible_case(user: User, number_or_pk: str | int) -> Case:
    """The case as `user` may see it; one they may not see is NotFound (404), nothing written."""
    qs = cases_visible_to(user)
    lookup = {"pk": number_or_pk} if isinstance(number_or_pk, int) else {"number": number_or_pk}
    case = qs.filter(**lookup).first()
    if case is None:
        raise NotFound("No such case.", code="not_found")
    return case


def add_followers(case: Case, users: Iterable[User | None], *, now: datetime) -> None:
    """Make these people follow `case` (those who do already are left as they are). One insert."""
    rows = [CaseFollower(case=case, user=user, created_at=now) for user in users if user is not None and user.is_active]
    if rows:
        CaseFollower.objects.bulk_create(rows, ignore_conflicts=True)


def follow_on_open(case: Case, *, now: datetime) -> None:
    """The opener follows; so does everyone of an organisation that follows all its cases."""
    people: list[User | None] = [case.opened_by]
    if case.reseller.follow_all_cases:  # the owning organisation, read with the request
        people += list(User.objects.filter(organisation_id=case.reseller_id, is_active=True))
    add_followers(case, people, now=now)


@transaction.atomic
def follow(*, actor: User, case: str | int, now: datetime) -> Case:
    found = visible_case(actor, case)
    add_followers(found, [actor], now=now)
    return found


@transaction.atomic
def unfollow(*, actor: User, case: str | int) -> Case:
    found = visible_case(actor, case)
    CaseFollower.objects.filter(case=found, user=actor).delete()
    return found


def followers_of(case: Case) -> QuerySet[User]:
    """The people following `case`, in name order (seen by anyone who may see the case)."""
    return (
        User.objects.filter(followed_cases__case=case, is_active=True)
        .select_related("organisation")
        .order_by("first_name", "last_name", "username")
    )


def is_following(user: User, case: Case) -> bool:
    return CaseFollower.objects.filter(case=case, user=user).exists()
