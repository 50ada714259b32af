"""Writes of the coverage table (MTS admins only)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dispatch.eligibility import DEFAULT_CUTOFF
from dispatch.models import Coverage, validate_calendar_country
from husky_support.api.exceptions import DomainError
from partners.kinds import OrgKind
from partners.models import User

__all__ = ["CoverageWriteNotAllowed", "coverage_put", "coverage_update", "may_edit_coverage"]

COVERAGE_FIELDS = ("onsite_available", "nbd_available", "kyhd_available", "cutoff", "notes")


class CoverageWriteNotAllowed(DomainError):
    status_code = 403
    code = "mts_admin_required"


def may_edit_coverage(user: User) -> bool:
    """DESIGN "Coverage": editable by MTS admins only."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_org_admin
        and user.organisation is not None
        and user.organisation.is_active
        and user.organisation.kind == OrgKind.MTS
    )


def _require_coverage_editor(actor: User) -> None:
    if not may_edit_coverage(actor):
        raise CoverageWriteNotAllowed("Only an admin of Milestone Technical Support may change the coverage table.")


@transaction.atomic
def coverage_put(
    *,
    actor: User,
    country: str,
    onsite_available: bool,
    nbd_available: bool,
    kyhd_available: bool,
    cutoff: time = DEFAULT_CUTOFF,
    notes: str = "",
) -> tuple[Coverage, bool]:
    """Create or fully replace one country's coverage. Returns (row, created).

    Raises CoverageWriteNotAllowed (403) and django ValidationError (400, code unknown_country, ...);
    nothing is written on error.
    """
    _require_coverage_editor(actor)
    code = (country or "").strip().upper()
    try:
        validate_calendar_country(code)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        raise DomainError(
            message,
            code="unknown_country",
            extra={"fields": {"country": [{"code": "unknown_country", "message": message}]}},
        ) from exc
    row = Coverage.objects.select_for_update().filter(country=code).first()
    created = row is None
    row = row or Coverage(country=code)
    row.onsite_available = onsite_available
    row.nbd_available = nbd_available
    row.kyhd_available = kyhd_available
    row.cutoff = cutoff
    row.notes = notes.strip()
    row.updated_by = actor
    # validate_unique would report an existing primary key as a duplicate; the lookup above decided.
    row.full_clean(validate_unique=False)
    row.save(force_insert=created)
    return row, created


@transaction.atomic
def coverage_update(*, actor: User, coverage: Coverage, **changes: Any) -> Coverage:
    """Change some fields of an existing coverage row (PATCH). Raises as `coverage_put`."""
    _require_coverage_editor(actor)
    unknown = set(changes) - set(COVERAGE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown coverage fields: {', '.join(sorted(unknown))}.", code="invalid")
    row = Coverage.objects.select_for_update().get(pk=coverage.pk)
    for name, value in changes.items():
        setattr(row, name, value.strip() if name == "notes" else value)
    row.updated_by = actor
    row.full_clean(validate_unique=False)
    row.save(update_fields=[*changes, "updated_by", "updated_at"])
    return row
