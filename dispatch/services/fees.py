"""Fees a dispatch records (late reschedule, representative absent, clearance not arranged) and their waiver."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from dispatch import workflow as flow
from dispatch.models import Dispatch, Fee
from dispatch.rescheduling import FREE_RESCHEDULE_DAYS
from dispatch.services.base import full_clean_or_refuse, record_dispatch_event
from husky_support.domain import Conflict, NotAllowed
from husky_support.text import TextProblem, required_text
from partners.kinds import is_mts_admin
from partners.models import User


def _fee_terms(kind: flow.FeeKind) -> tuple[Decimal | None, str]:
    """The configured amount of a fee, or (None, "") for "per contract"."""
    configured = settings.DISPATCH_FEES.get(kind.value)
    if not configured:
        return None, ""
    amount, currency = configured
    return Decimal(str(amount)), currency


FEE_REASONS: dict[flow.FeeKind, str] = {
    flow.FeeKind.LATE_RESCHEDULE: (
        "The visit was rescheduled {days} site-local day(s) before it was due to start; changes are free only "
        f"when agreed at least {FREE_RESCHEDULE_DAYS} days before. The requester accepted the fee."
    ),
    flow.FeeKind.REPRESENTATIVE_ABSENT: (
        "No authorised customer representative was at the site when the technician arrived; a follow-up "
        "visit is needed."
    ),
    flow.FeeKind.SECURITY_CLEARANCE_NOT_ARRANGED: (
        "The site's security or clearance requirements were not arranged with Dell beforehand."
    ),
}


def record_fee(dispatch: Dispatch, kind: flow.FeeKind, *, actor: User | None, now: datetime, reason: str) -> Fee:
    amount, currency = _fee_terms(kind)
    fee = Fee(
        dispatch=dispatch,
        kind=kind.value,
        amount=amount,
        currency=currency,
        reason=reason,
        recorded_at=now,
        recorded_by=actor,
    )
    full_clean_or_refuse(fee)
    fee.save()
    return fee


def may_waive_fees(user: User) -> bool:
    return is_mts_admin(user)


@transaction.atomic
def fee_waive(*, actor: User, fee: Fee, reason: str, now: datetime) -> Fee:
    """An MTS admin waives a fee with a reason; the fee and the waiver both stay on record."""
    if not may_waive_fees(actor):
        raise NotAllowed("Only an MTS admin may waive a fee.", code="mts_admin_required")
    row = Fee.objects.select_for_update().select_related("dispatch", "dispatch__case").get(pk=fee.pk)
    if row.waived_at is not None:
        raise Conflict("This fee was already waived.", code="fee_already_waived")
    reason = required_text(reason, field="reason", empty=TextProblem("reason_required", "Say why the fee is waived."))
    row.waived_at, row.waived_by, row.waiver_reason = now, actor, reason
    row.save(update_fields=["waived_at", "waived_by", "waiver_reason"])
    record_dispatch_event(
        row.dispatch, actor=actor, now=now, action="fee_waived", note=reason, fee=row.pk, kind=row.kind
    )
    return row
