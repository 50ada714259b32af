"""The event types a partner system can subscribe to: one list, shared by the outbox, the API and the pages."""

from django.db import models

from partners.kinds import OrgKind


class EventType(models.TextChoices):
    CASE_CREATED = "case.created", "A case was opened"
    CASE_TRANSITIONED = "case.transitioned", "A case moved along the escalation chain"
    CASE_COMMENT_ADDED = "case.comment_added", "A partner-visible comment was added to a case"
    CASE_ATTACHMENT_ADDED = "case.attachment_added", "A file was attached to a case"
    DISPATCH_REQUESTED = "dispatch.requested", "A Dell dispatch was requested"
    DISPATCH_ACCEPTED = "dispatch.accepted", "Dell accepted a dispatch"
    DISPATCH_DENIED = "dispatch.denied", "Dell denied a dispatch"
    DISPATCH_SCHEDULED = "dispatch.scheduled", "A technician visit was scheduled"
    DISPATCH_RESCHEDULED = "dispatch.rescheduled", "A technician visit was rescheduled"
    DISPATCH_COMPLETED = "dispatch.completed", "A dispatch was completed"
    DISPATCH_FAILED = "dispatch.failed", "A technician visit failed"
    DISPATCH_NBD_MET = "dispatch.nbd_met", "A dispatch met its next-business-day target"
    DISPATCH_NBD_MISSED = "dispatch.nbd_missed", "A dispatch missed its next-business-day target (with the cause)"
    FEE_RECORDED = "fee.recorded", "A fee was recorded on a dispatch"
    TRANSFER_SUBMITTED = "transfer.submitted", "A service-tag transfer was submitted to Dell"
    TRANSFER_CONFIRMED = "transfer.confirmed", "A service-tag transfer was confirmed"
    TRANSFER_REJECTED = "transfer.rejected", "A service-tag transfer was rejected"
    WEBHOOK_PING = "webhook.ping", "A test event sent on request"


# What an endpoint may subscribe to; the ping always goes to the endpoint it was sent for.
SUBSCRIBABLE = tuple(t for t in EventType if t is not EventType.WEBHOOK_PING)


# The event types an organisation kind may receive of the objects it sees; a kind not listed receives every
# type its objects' audience gives it. Dell sees a dispatched case, but of its timeline only the dispatch's
# own rows (cases.selectors.events_visible): the case's opening, transitions (their notes), comments and files
# are the partner's thread with MTS. So Dell's feed and webhooks carry the dispatch, its fees and the transfers
# sent to it, and nothing else; an event type added later reaches Dell only once it is listed here.
RECEIVABLE: dict[OrgKind, frozenset[EventType]] = {
    OrgKind.DELL: frozenset(
        {t for t in EventType if t.value.startswith(("dispatch.", "fee.", "transfer."))} | {EventType.WEBHOOK_PING}
    ),
}


def may_receive(event_type: EventType, kind: OrgKind) -> bool:
    """Whether an organisation of `kind` that sees an event's object may receive an event of `event_type`."""
    allowed = RECEIVABLE.get(kind)
    return allowed is None or event_type in allowed
