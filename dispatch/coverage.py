"""Writes of the coverage table (MTS admins only), each with its rows in the reference change history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dispatch.eligibility import DEFAULT_CUTOFF
from dispatch.models import Coverage, validate_calendar_country
from husky_support.domain import FieldProblems
from partners.models import ChangeAction, ReferenceTable, User
from partners.reference import locked_with_changes, record_changes, require_mts_admin

__all__ = ["COVERAGE_EDITORS_ONLY", "coverage_put", "coverage_update", "record_coverage"]

COVERAGE_EDITORS_ONLY = "Only an admin of Milestone Technical Support may change the coverage table."
COVERAGE_FIELDS = ("onsite_available", "nbd_available", "kyhd_available", "cutoff", "notes")


def record_coverage(
    actor: User, row: Coverage, action: ChangeAction, changes: Sequence[tuple[str, object, object]], now: datetime
) -> None:
    """The history rows of one write of a country's coverage (the page's, the API's and the admin's)."""
    record_changes(
        actor=actor,
        table=ReferenceTable.COVERAGE,
        subject=row.country,
        country=row.country,
        action=action,
        changes=changes,
        now=now,
    )


def _record(actor: User, row: Coverage, action: ChangeAction, before: dict[str, object], now: datetime) -> None:
    record_coverage(actor, row, action, [(name, before.get(name), getattr(row, name)) for name in COVERAGE_FIELDS], now)


def _require_coverage_editor(actor: User) -> None:
    require_mts_admin(actor, COVERAGE_EDITORS_ONLY)


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
    now: datetime | None = None,
) -> tuple[Coverage, bool]:
    """Create or fully replace one country's coverage. Returns (row, created).

    Writes one history row when created, one per changed field otherwise (`now`, default the clock).
    Raises NotAllowed and django ValidationError (400, code unknown_country, ...);
    nothing is written on error.
    """
    _require_coverage_editor(actor)
    code = (country or "").strip().upper()
    try:
        validate_calendar_country(code)
    except ValidationError as exc:
        raise FieldProblems.one("country", "unknown_country", " ".join(exc.messages)).error() from exc
    row = Coverage.objects.select_for_update().filter(country=code).first()
    created = row is None
    before = {} if row is None else {name: getattr(row, name) for name in COVERAGE_FIELDS}
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
    _record(actor, row, ChangeAction.CREATED if created else ChangeAction.CHANGED, before, now or timezone.now())
    return row, created


@transaction.atomic
def coverage_update(*, actor: User, coverage: Coverage, now: datetime | None = None, **changes: Any) -> Coverage:
    """Change some fields of an existing coverage row (PATCH), one history row per changed field.

    Raises as `coverage_put`."""
    _require_coverage_editor(actor)
    row, before = locked_with_changes(coverage, COVERAGE_FIELDS, changes, actor=actor, what="coverage")
    row.full_clean(validate_unique=False)
    row.save(update_fields=[*changes, "updated_by", "updated_at"])
    _record(actor, row, ChangeAction.CHANGED, before, now or timezone.now())
    return row
