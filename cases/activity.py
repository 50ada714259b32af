"""What is new on a case for one person since they last opened it: the "new activity" dot of the case list
and the queue (one subquery per list, no query per row) and the timeline's "new" marks."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cases.models import Case, CaseEvent, CaseView
from partners.kinds import OrgKind
from partners.models import User

NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def _events_by_others(user: User) -> QuerySet[CaseEvent]:
    events = CaseEvent.objects.exclude(actor_id=user.pk)
    return events if user.org_kind == OrgKind.MTS else events.filter(internal=False)


def with_new_activity(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    """Annotate `new_activity`: someone else added to the case's timeline (as this person may see it) since
    they last opened it, or ever when they never did."""
    seen = CaseView.objects.filter(case=OuterRef("pk"), user_id=user.pk).values("seen_at")[:1]
    qs = qs.annotate(last_seen_at=Coalesce(Subquery(seen), Value(NEVER)))
    newer = _events_by_others(user).filter(case=OuterRef("pk"), at__gt=OuterRef("last_seen_at"))
    return qs.annotate(new_activity=Exists(newer))


def with_seen_at(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    """Annotate `viewer_seen_at`: when this person last opened the case (None: never), read with the case
    itself so that opened() needs no query of its own for it."""
    seen = CaseView.objects.filter(case=OuterRef("pk"), user_id=user.pk).values("seen_at")[:1]
    return qs.annotate(viewer_seen_at=Subquery(seen))


def opened(user: User, case: Case, *, now: datetime) -> datetime | None:
    """Record that `user` opened `case` now; returns when they had opened it before (None: never). One query
    when the case was read through with_seen_at (its update, or the first row: a second tab's insert at once
    is ignored), else two."""
    if not user.is_authenticated:
        return None
    if hasattr(case, "viewer_seen_at"):
        before = case.viewer_seen_at
    else:
        before = CaseView.objects.filter(case=case, user=user).values_list("seen_at", flat=True).first()
    if before is None:
        CaseView.objects.bulk_create([CaseView(case=case, user=user, seen_at=now)], ignore_conflicts=True)
    else:
        CaseView.objects.filter(case=case, user=user).update(seen_at=now)
    return before
