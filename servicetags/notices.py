"""Service-tag transfers and the transfer reminders on the one notification path (partners.notifications):
the "transfer" and "unit_reminder" object kinds, registered from ServicetagsConfig.ready(), and the writers
the transfer services and the reminder sweep call in their transactions."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from partners.kinds import OrgKind
from partners.models import Organisation, User
from partners.notifications.registry import NoticeKind, register_kind
from partners.notifications.services import Notified, notify
from partners.visibility import organisations_visible_to
from servicetags.models import ServiceTagTransfer, TransferStatus
from servicetags.selectors import transfers_visible_to


def transfer_viewers_q(transfer: ServiceTagTransfer) -> Q:
    """Who may see a transfer: MTS, the unit's reseller and its distributor, Dell once it is submitted."""
    reseller_id = transfer.unit.reseller_id
    distributor = Organisation.objects.filter(pk=reseller_id).values("distributor_id")
    q = Q(organisation__kind=OrgKind.MTS) | Q(organisation_id=reseller_id)
    q |= Q(organisation__kind=OrgKind.DISTRIBUTOR, organisation_id__in=distributor)
    if transfer.status != TransferStatus.DRAFT:
        q |= Q(organisation__kind=OrgKind.DELL)
    return q


def _reseller_of_transfer(transfer: ServiceTagTransfer, actor: User | None = None) -> Q:
    return Q(organisation_id=transfer.unit.reseller_id)


def _filer(transfer: ServiceTagTransfer, actor: User | None = None) -> Q:
    return Q(organisation_id=transfer.filed_by_org_id)


def _the_organisation(org: Organisation, actor: User | None = None) -> Q:
    return Q(organisation_id=org.pk)


def register() -> None:
    register_kind(
        NoticeKind(
            object_type="transfer",
            load=lambda pk: ServiceTagTransfer.objects.select_related("unit").filter(pk=pk).first(),
            visible_to=transfers_visible_to,
            viewers_q=transfer_viewers_q,
            audiences={"reseller": _reseller_of_transfer, "filer": _filer},
            url=lambda transfer: reverse("servicetags:transfer_detail", args=[transfer.pk]),
            label=lambda transfer: f"Transfer {transfer.number} for {transfer.unit.service_tag}",
        )
    )
    # A reminder is about the organisation's units awaiting a confirmed location (its transfer queue).
    register_kind(
        NoticeKind(
            object_type="unit_reminder",
            load=lambda pk: Organisation.objects.filter(pk=pk).first(),
            visible_to=organisations_visible_to,
            viewers_q=lambda org: Q(organisation_id=org.pk),
            audiences={"reseller": _the_organisation, "distributor": _the_organisation},
            url=lambda org: reverse("servicetags:transfer_queue"),
            label=lambda org: f"Units of {org.name} awaiting their final location",
        )
    )


def notify_transfer(transfer: ServiceTagTransfer, kind: str, *, actor: User | None, now: datetime) -> Notified:
    verb = {
        "transfer.submitted": "submitted to Dell",
        "transfer.confirmed": "confirmed",
        "transfer.rejected": "rejected",
    }
    text = f"Service-tag transfer {transfer.number} for {transfer.unit.service_tag} {verb[kind]}"
    data = {"note": transfer.rejection_reason} if kind == "transfer.rejected" and transfer.rejection_reason else {}
    return notify(kind, transfer, actor=actor, now=now, event_key=f"{kind}:{transfer.pk}", text=text, data=data)


def notify_reminder(kind: str, org: Organisation, *, service_tags: list[str], today: str, now: datetime) -> Notified:
    units = len(service_tags)
    if kind == "transfer.reminder":
        text = f"Register the final location of {units} Husky IVO unit(s) with Dell"
        days = settings.TRANSFER_REMINDER_DAYS
    else:
        text = f"{units} unit(s) of your resellers need help with their service-tag transfer"
        days = settings.TRANSFER_ASSIST_DAYS
    note = f"Shipped more than {days} days ago without a confirmed final location: {', '.join(service_tags)}."
    return notify(kind, org, actor=None, now=now, event_key=f"{kind}:{org.pk}:{today}", text=text, data={"note": note})
