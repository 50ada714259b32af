"""Reads of units, orders and transfers. Every query starts from the visibility gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from partners.kinds import OrgKind
from partners.models import Organisation, User
from partners.visibility import organisations_visible_to, scope_to_viewer, viewer_kind
from servicetags import hooks
from servicetags.models import Order, ServiceTagTransfer, TransferStatus, Unit
from servicetags.validation import InvalidInput, RegisteredLocation, normalise_service_tag

__all__ = [
    "assistance_queue",
    "confirmation_queue",
    "dell_unit_q",
    "orders_visible_to",
    "registered_location",
    "resellers_for_orders",
    "transfers_visible_to",
    "unit_get",
    "unit_list",
    "units_visible_to",
]


def dell_unit_q(user: User) -> Q:
    """What Dell may see of units: those with a transfer awaiting its confirmation, widened by the higher
    apps through servicetags.hooks (the dispatch app: units with a dispatch sent to the user's organisation)."""
    condition = Q(Exists(ServiceTagTransfer.objects.filter(unit=OuterRef("pk"), status=TransferStatus.SUBMITTED)))
    extra = hooks.dell_unit_extra_q(user)
    return condition if extra is None else condition | extra


def units_visible_to(user: User) -> QuerySet[Unit]:
    """Units `user` may see: own (reseller), its resellers' (distributor), all (MTS), Dell's share."""
    return scope_to_viewer(Unit.objects.all(), user, reseller_field="reseller", dell_q=dell_unit_q(user))


def open_transfer_subquery() -> QuerySet[ServiceTagTransfer]:
    return ServiceTagTransfer.objects.filter(
        unit=OuterRef("pk"), status__in=[TransferStatus.DRAFT, TransferStatus.SUBMITTED]
    )


@dataclass(frozen=True)
class UnitFilters:
    location_registered: bool | None = None
    country: str = ""
    reseller_id: int | None = None
    search: str = ""
    needs_assistance: bool = False


def unit_list(user: User, filters: UnitFilters | None = None) -> QuerySet[Unit]:
    """The unit list: visible units, filtered, with what the list shows joined in (constant query count)."""
    f = filters or UnitFilters()
    qs = units_visible_to(user)
    if f.location_registered is not None:
        qs = qs.filter(location_confirmed=f.location_registered)
    if f.country:
        qs = qs.filter(country=f.country.strip().upper())
    if f.reseller_id:
        qs = qs.filter(reseller_id=f.reseller_id)
    if f.search:
        qs = qs.filter(Q(service_tag__icontains=f.search.strip()) | Q(end_customer_name__icontains=f.search.strip()))
    if f.needs_assistance:
        qs = qs.filter(transfer_assist_sent_at__isnull=False, location_confirmed=False)
    open_transfers = open_transfer_subquery()
    return (
        qs.select_related("reseller", "reseller__distributor")
        .annotate(
            open_transfer_status=open_transfers.values("status")[:1],
            open_transfer_id=open_transfers.values("pk")[:1],
            open_transfer_expected_on=open_transfers.values("expected_confirmation_on")[:1],
        )
        .order_by("service_tag")
    )


def unit_get(user: User, service_tag: str) -> Unit:
    """One visible unit by service tag (any case); raises Unit.DoesNotExist for an unknown or invisible tag."""
    try:
        tag = normalise_service_tag(service_tag)
    except InvalidInput as exc:
        raise Unit.DoesNotExist from exc
    return units_visible_to(user).select_related("reseller", "reseller__distributor", "order").get(service_tag=tag)


def registered_location(unit: Unit) -> RegisteredLocation:
    """The unit's registered location as a small frozen value (used by cases and dispatch)."""
    return unit.registered_location


def orders_visible_to(user: User) -> QuerySet[Order]:
    return scope_to_viewer(
        Order.objects.all(), user, reseller_field="reseller", distributor_field="distributor"
    ).select_related("reseller", "distributor", "created_by")


def resellers_for_orders(user: User) -> QuerySet[Organisation]:
    """The resellers `user` may place an order for: a distributor's own resellers."""
    if viewer_kind(user) != OrgKind.DISTRIBUTOR:
        return Organisation.objects.none()
    return organisations_visible_to(user).filter(
        kind=OrgKind.RESELLER, distributor=user.organisation_id, is_active=True
    )


def transfers_visible_to(user: User) -> QuerySet[ServiceTagTransfer]:
    """Partners see their own transfers, MTS every one (drafts too: docs/rules.md "Who uses it"); Dell only
    those sent to it, submitted or decided."""
    not_draft = ~Q(status=TransferStatus.DRAFT)
    qs = scope_to_viewer(ServiceTagTransfer.objects.all(), user, reseller_field="unit__reseller", dell_q=not_draft)
    return qs.select_related("unit", "unit__reseller", "filed_by_org", "created_by", "submitted_by", "decided_by")


def confirmation_queue(user: User) -> QuerySet[ServiceTagTransfer]:
    """Submitted transfers awaiting MTS or Dell, oldest expected confirmation first."""
    return transfers_visible_to(user).filter(status=TransferStatus.SUBMITTED).order_by("expected_confirmation_on", "pk")


def assistance_queue(user: User) -> QuerySet[Unit]:
    """Units whose transfer lags past TRANSFER_ASSIST_DAYS, handed to their distributor (docs/rules.md rule 6)."""
    return unit_list(user, UnitFilters(needs_assistance=True)).order_by("transfer_assist_sent_at", "service_tag")


def units_at_risk(user: User, *, today: date) -> QuerySet[Unit]:
    """Visible shipped units without a registered final location whose reminder is due or already sent."""
    return (
        unit_list(user, UnitFilters(location_registered=False))
        .filter(Q(transfer_reminder_sent_at__isnull=False) | Q(transfer_reminder_due_on__lte=today))
        .order_by("shipped_on", "service_tag")
    )
