"""The one notification path (docs/rules.md "Notifications"): `notify` writes, in the caller's transaction,
one in-app row per person who hears of the event (partners.notifications.table) and one email row as each
prefers; `send_notifications` is what the one send task runs: it claims each due email row under its lock,
checks the visibility gate again, sends, and marks it sent in the same transaction, so a task run twice or
redelivered sends nothing twice. Each email carries a Message-ID made of the notification's id, so a
resend after a worker died between sending and marking folds into the first in the reader's mail client."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import dateformat

from husky_support.domain import Invalid, NotFound
from husky_support.localtime import site_zone_or_none
from husky_support.queue import enqueue_after_commit
from husky_support.text import one_line
from partners.kinds import OrgKind
from partners.models import User
from partners.notifications.models import Channel, Mode, Notification, NotificationPreference, Topic
from partners.notifications.registry import kind_of, may_see, preferences_path
from partners.notifications.table import EVENTS, spec_of

logger = logging.getLogger(__name__)

SEND_TASK = "partners.tasks.send_notifications_task"
DIGEST_HOUR = 8  # the daily digest is due at 08:00 in each recipient's own zone
# An immediate email still unsent this long after it fell due lost its task (broker down, worker killed).
UNSENT_GRACE = timedelta(minutes=2)

__all__ = [
    "DIGEST_HOUR",
    "SEND_TASK",
    "describe",
    "mark_read_where",
    "mark_read",
    "message_id",
    "notifications_for",
    "notify",
    "send_notifications",
    "unread_count",
    "unsent_notification_ids",
]


def next_digest_at(now: datetime, zone: str) -> datetime:
    """The next 08:00 in `zone` at or after `now`."""
    tz = ZoneInfo(zone or "UTC")
    here = now.astimezone(tz)
    due = datetime.combine(here.date(), time(DIGEST_HOUR), tzinfo=tz)
    if due < here:
        due = datetime.combine(here.date() + timedelta(days=1), time(DIGEST_HOUR), tzinfo=tz)
    return due


@dataclass(frozen=True)
class Notified:
    in_app: int
    email: int


def notify(
    kind: str,
    obj: Any,
    *,
    actor: User | None,
    now: datetime,
    event_key: str,
    text: str,
    data: Mapping[str, Any] | None = None,
    mentions: Iterable[User] = (),
) -> Notified:
    """Write the notifications of one event about `obj` in the caller's transaction: the people of the
    table's audiences (and `mentions`) who may see `obj` and are active, MTS only for an internal event,
    never the actor. In-app for each unless their mode for the topic is off; email at once or in the
    digest as they prefer. A constant number of queries whatever the number of recipients: one for the
    people with their mode, one bulk insert. The immediate emails are queued after commit."""
    spec = spec_of(kind)
    object_kind = kind_of(spec.object_type)
    who = Q(pk__in=[])
    for audience in spec.audiences:
        who |= object_kind.audiences[audience](obj, actor)
    mentioned = sorted({user.pk for user in mentions})
    if mentioned:
        who |= Q(pk__in=mentioned)
    people = (
        User.objects.filter(who, is_active=True, organisation__is_active=True)
        .filter(object_kind.viewers_q(obj))
        .select_related("organisation")
        .annotate(
            notify_mode=Subquery(
                NotificationPreference.objects.filter(user=OuterRef("pk"), topic=spec.topic).values("mode")[:1]
            )
        )
        .order_by("pk")
    )
    if spec.internal:
        people = people.filter(organisation__kind=OrgKind.MTS)
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    line = one_line(text, max_length=300)
    rows: list[Notification] = []
    common = {
        "object_type": spec.object_type,
        "object_id": obj.pk,
        "topic": spec.topic,
        "kind": kind,
        "event_key": event_key,
        "text": line,
        "data": {
            "url": object_kind.url(obj),
            "label": object_kind.label(obj),
            "site_zone": object_kind.site_timezone(obj),
            **(data or {}),
        },
        "internal": spec.internal,
        "actor": actor,
        "created_at": now,
    }
    for person in people:
        mode = person.notify_mode or Mode.IMMEDIATELY
        if mode == Mode.OFF:
            continue
        rows.append(Notification(recipient=person, channel=Channel.IN_APP, **common))
        if person.email and mode in (Mode.IMMEDIATELY, Mode.DIGEST):
            digest = mode == Mode.DIGEST
            due = next_digest_at(now, person.viewer_timezone) if digest else now
            rows.append(
                Notification(
                    recipient=person, address=person.email, channel=Channel.EMAIL, digest=digest, due_at=due, **common
                )
            )
    if not rows:
        return Notified(0, 0)
    Notification.objects.bulk_create(rows)
    immediate = [row.pk for row in rows if row.channel == Channel.EMAIL and not row.digest]
    if immediate:
        enqueue_after_commit(SEND_TASK, immediate)
    emails = sum(1 for row in rows if row.channel == Channel.EMAIL)
    return Notified(len(rows) - emails, emails)


def unsent_notification_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """The email rows that should have been sent by `now` and were not (the partial index on unsent
    emails' due time), oldest first, at most `limit`: what a redelivery sweep queues again with
    SEND_TASK. Immediate ones after a grace (their own task may still be on its way); digests at their hour."""
    due = Q(digest=True, due_at__lte=now) | Q(digest=False, due_at__lte=now - UNSENT_GRACE)
    return list(
        Notification.objects.filter(due, channel=Channel.EMAIL, sent_at__isnull=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def message_id(notification_id: int, *, prefix: str = "notification") -> str:
    """A Message-ID fixed per notification: a resend is the same message to the reader's mail client.
    (email.utils.make_msgid adds the time and a random part, so it would differ on each try.)"""
    domain = getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "") or urlsplit(settings.SITE_URL).hostname
    return f"<husky-{prefix}-{notification_id}@{domain or 'husky.invalid'}>"


def _claim(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.select_for_update()


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(site_zone_or_none(zone) or ZoneInfo("UTC"))


def _context(row: Notification, recipient: User, now: datetime) -> dict[str, Any]:
    object_kind = kind_of(row.object_type)
    obj = object_kind.load(row.object_id)
    zone = recipient.viewer_timezone
    site_zone = object_kind.site_timezone(obj) if obj is not None else ""
    return {
        "row": row,
        "text": describe(row, zone=zone, site_zone=site_zone),
        "label": object_kind.label(obj) if obj is not None else "",
        "url": settings.SITE_URL + object_kind.url(obj) if obj is not None else settings.SITE_URL,
        "at": dateformat.format(local(row.created_at, zone), "D j M Y H:i"),
        "at_site": dateformat.format(local(row.created_at, site_zone), "D j M H:i")
        if site_zone and site_zone != zone
        else "",
        "recipient_zone": zone,
        "site_zone": site_zone,
        "details": object_kind.details(obj, recipient, now) if obj is not None else [],
    }


def _deliverable(row: Notification) -> bool:
    recipient = row.recipient
    if recipient is None:
        return bool(row.address)  # a shared mailbox of older rows: no gate to ask
    if not (recipient.is_active and recipient.email):
        return False
    if row.internal and recipient.org_kind != OrgKind.MTS:
        return False
    return may_see(recipient, row.object_type, row.object_id)


def _send(message: EmailMultiAlternatives) -> None:
    message.send()


def _send_one(row: Notification, *, now: datetime, mail: Any) -> bool:
    if not _deliverable(row):
        row.withheld, row.sent_at = True, now
        row.save(update_fields=["withheld", "sent_at"])
        return False
    recipient = row.recipient
    context = _context(row, recipient, now) if recipient is not None else {"row": row, "text": row.text, "url": ""}
    label = context.get("label") or "Husky Support"
    subject = one_line(f"{context['text']} | {label}", max_length=200)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("partners/email/notification.txt", context),
        to=[row.address],
        connection=mail,
        headers={"Message-ID": message_id(row.pk)},
    )
    message.attach_alternative(render_to_string("partners/email/notification.html", context), "text/html")
    _send(message)
    row.sent_at = now
    row.save(update_fields=["sent_at"])
    return True


def _send_digest(first: Notification, *, now: datetime, mail: Any) -> int:
    """One email with every due digest row of `first`'s recipient, all claimed under their locks."""
    recipient = first.recipient
    rows = list(
        _claim(
            Notification.objects.filter(
                recipient=recipient, channel=Channel.EMAIL, digest=True, sent_at__isnull=True, due_at__lte=now
            )
        ).order_by("created_at", "pk")
    )
    if first.pk not in {row.pk for row in rows}:
        rows.append(first)
    keep = [row for row in rows if _deliverable(row)]
    withheld = [row.pk for row in rows if row not in keep]
    if withheld:
        Notification.objects.filter(pk__in=withheld).update(withheld=True, sent_at=now)
    if not keep or recipient is None:
        return 0
    items = [_context(row, recipient, now) for row in keep]
    context = {"user": recipient, "items": items, "preferences_url": settings.SITE_URL + preferences_path()}
    message = EmailMultiAlternatives(
        subject=f"Husky Support: your daily digest ({len(keep)})",
        body=render_to_string("partners/email/digest.txt", context),
        to=[first.address],
        connection=mail,
        headers={"Message-ID": message_id(min(row.pk for row in keep), prefix="digest")},
    )
    message.attach_alternative(render_to_string("partners/email/digest.html", context), "text/html")
    _send(message)
    Notification.objects.filter(pk__in=[row.pk for row in keep]).update(sent_at=now)
    return 1


def send_notifications(ids: Iterable[int], *, now: datetime) -> int:
    """Send the due, unsent email rows among `ids`: each claimed under its row lock (a row another worker
    holds is skipped), checked against the visibility gate, sent and marked sent in one transaction; a
    digest row sends its recipient's whole due digest. Returns the emails sent now. A database or mail
    error propagates (the task retries it); the rows sent before it stay marked."""
    sent = 0
    with get_connection() as mail:
        for pk in sorted(set(ids)):
            with transaction.atomic():
                due = Q(digest=False) | Q(due_at__lte=now)  # a digest row waits for its hour
                row = (
                    _claim(Notification.objects.filter(due, pk=pk, channel=Channel.EMAIL, sent_at__isnull=True))
                    .select_related("recipient__organisation")
                    .first()
                )
                if row is None:  # sent already, not due yet, or another worker holds it
                    continue
                if row.digest:
                    sent += _send_digest(row, now=now, mail=mail)
                elif _send_one(row, now=now, mail=mail):
                    sent += 1
    return sent


# Reading --------------------------------------------------------------------------------------------------


def notifications_for(
    user: User, *, topic: str | None = None, object_type: str | None = None, object_id: int | None = None
) -> QuerySet[Notification]:
    """The in-app list of `user`, newest first; internal events only for MTS users."""
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
    if user.org_kind != OrgKind.MTS:
        qs = qs.filter(internal=False)
    if topic:
        qs = qs.filter(topic=topic)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id is not None:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def check_filters(*, topic: str | None, object_type: str | None) -> None:
    """Unknown topic or object type in a filter: Invalid with a code (nothing read)."""
    if topic and topic not in Topic.values:
        raise Invalid(f"Unknown topic {topic!r}.", code="unknown_topic")
    if object_type and object_type not in {spec.object_type for spec in EVENTS.values()}:
        raise Invalid(f"Unknown object type {object_type!r}.", code="unknown_object_type")


@transaction.atomic
def mark_read(
    user: User,
    *,
    now: datetime,
    ids: list[int] | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> int:
    """Mark the user's in-app notifications read: these `ids` (any id that is not one of theirs: NotFound,
    nothing written), those about one object, or all. Returns how many changed."""
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP)
    if ids is not None:
        wanted = set(ids)
        mine = set(qs.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - mine:
            raise NotFound("No such notification.", code="notification_not_found")
        qs = qs.filter(pk__in=wanted)
    if object_type is not None:
        qs = qs.filter(object_type=object_type)
    if object_id is not None:
        qs = qs.filter(object_id=object_id)
    return qs.filter(read_at__isnull=True).update(read_at=now)


def mark_read_where(user: User, about: Q, *, now: datetime) -> int:
    """Opening an object's page reads its unread notifications (`about` names them; one UPDATE through the
    partial index on the recipient's unread rows)."""
    return Notification.objects.filter(about, recipient=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now
    )


def _when(value: str, zone: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{dateformat.format(local(moment, zone), 'D j M H:i')} ({zone})"


def describe(row: Notification, *, zone: str = "UTC", site_zone: str = "") -> str:
    """The one line of what changed, with a visit window in the reader's zone and the site's beside it."""
    text = row.text
    window = (row.data or {}).get("window")
    if isinstance(window, list) and len(window) == 2:
        start, end = (str(part) for part in window)
        text += f"; {_when(start, zone)} to {_when(end, zone)}"
        if site_zone and site_zone != zone:
            text += f", site time {_when(start, site_zone)} to {_when(end, site_zone)}"
    return text
