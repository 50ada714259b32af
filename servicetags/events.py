"""How transfers appear in partner events (partners.integrations.outbox): who receives them, what they show."""

from typing import Any

from django.db import models
from django.db.models import Q

from partners.integrations.catalog import register_event_types
from partners.integrations.outbox import ObjectKind, active_orgs, partner_audience_q, register_object_kind
from partners.kinds import OrgKind
from partners.models import Organisation
from servicetags.models import ServiceTagTransfer, TransferStatus


class TransferEventType(models.TextChoices):
    TRANSFER_SUBMITTED = "transfer.submitted", "A service-tag transfer was submitted to Dell"
    TRANSFER_CONFIRMED = "transfer.confirmed", "A service-tag transfer was confirmed"
    TRANSFER_REJECTED = "transfer.rejected", "A service-tag transfer was rejected"


def transfer_audience(transfer: ServiceTagTransfer) -> list[Organisation]:
    """As servicetags.selectors.transfers_visible_to: the unit's reseller, its distributor, MTS; Dell once
    the transfer was sent to it (any status but draft)."""
    condition = partner_audience_q(transfer.unit.reseller)
    if transfer.status != TransferStatus.DRAFT:
        condition |= Q(kind=OrgKind.DELL)
    return active_orgs(condition)


def transfer_payload(transfer: ServiceTagTransfer, kind: OrgKind) -> dict[str, Any]:
    from servicetags.api.serializers import TransferEventSerializer

    return dict(TransferEventSerializer(transfer).data)


def register() -> None:
    register_event_types(TransferEventType, dell_receives=True)  # Dell confirms or rejects transfers
    register_object_kind(
        ObjectKind(
            model=ServiceTagTransfer, object_type="transfer", audience=transfer_audience, payload=transfer_payload
        )
    )
