"""Writes of the reference data MTS admins keep (holiday overrides here; coverage in dispatch/coverage.py)
and the change history both write, one `ReferenceChange` row per changed field in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from husky_support.domain import Invalid, NotAllowed, problems_from_validation
from partners.kinds import is_mts_admin
from partners.models import ChangeAction, HolidayOverride, OverrideKind, ReferenceChange, ReferenceTable, User

__all__ = [
    "OVERRIDE_FIELDS",
    "holiday_override_create",
    "holiday_override_delete",
    "holiday_override_update",
    "locked_with_changes",
    "override_subject",
    "override_values",
    "record_override",
    "require_mts_admin",
    "record_changes",
    "shown",
]

OVERRIDE_FIELDS = ("subdivision", "applies_on", "kind", "note")
# How a created or deleted row's values read in its one history row ("date 2026-12-24, day closed").
SUMMARY_LABELS = {
    "onsite_available": "onsite",
    "nbd_available": "NBD",
    "kyhd_available": "KYHD",
    "cutoff": "cut-off",
    "applies_on": "date",
    "kind": "day",
}


def require_mts_admin(actor: User, message: str, *, code: str = "mts_admin_required") -> None:
    """docs/rules.md "Coverage": coverage, holiday overrides, teams and SLA targets are edited by MTS admins
    only; raises NotAllowed."""
    if not is_mts_admin(actor):
        raise NotAllowed(message, code=code)


def _require_editor(actor: User) -> None:
    require_mts_admin(actor, "Only an admin of Milestone Technical Support may change holiday overrides.")


def shown(value: object) -> str:
    """A value as the history shows it: yes/no, HH:MM, ISO dates, choice values as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def record_changes(
    *,
    actor: User | None,
    table: ReferenceTable,
    subject: str,
    country: str,
    action: ChangeAction,
    changes: Sequence[tuple[str, object, object]],
    now: datetime,
) -> list[ReferenceChange]:
    """One history row per (field, old, new) whose values differ; for created/deleted, one summary row."""
    common = {"table": table, "subject": subject, "country": country, "changed_at": now, "changed_by": actor}
    if action == ChangeAction.CHANGED:
        rows = [
            ReferenceChange(
                action=action, field=name, old_value=shown(old)[:2000], new_value=shown(new)[:2000], **common
            )
            for name, old, new in changes
            if shown(old) != shown(new)
        ]
    else:
        summary = ", ".join(
            f"{SUMMARY_LABELS.get(name, name)} {shown(value)}" for name, _old, value in changes if shown(value)
        )
        before, after = (summary, "") if action == ChangeAction.DELETED else ("", summary)
        rows = [ReferenceChange(action=action, old_value=before[:2000], new_value=after[:2000], **common)]
    return ReferenceChange.objects.bulk_create(rows)


class _EditedRow(Protocol):
    pk: Any
    updated_by: Any


R = TypeVar("R", bound=_EditedRow)


def locked_with_changes(
    row: R, fields: Sequence[str], changes: Mapping[str, Any], *, actor: User, what: str
) -> tuple[R, dict[str, object]]:
    """A partial edit of a reference row (PATCH): the row locked afresh with `changes` set (text stripped) and
    `actor` as its editor, and the values of `fields` it had before, for the history. Raises Invalid for a
    field that is not one of `fields`; saves nothing."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise Invalid(f"Unknown {what} fields: {', '.join(sorted(unknown))}.", code="invalid")
    model: type[models.Model] = type(row)  # type: ignore[assignment]
    locked: R = model._default_manager.select_for_update().get(pk=row.pk)  # type: ignore[assignment]
    before = {name: getattr(locked, name) for name in fields}
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.updated_by = actor
    return locked, before


def override_subject(row: HolidayOverride) -> str:
    """How the history names an override: its place and date ("US-CA 2026-12-24")."""
    return f"{row.subdivision or row.country} {row.applies_on.isoformat()}"


def override_values(row: HolidayOverride) -> list[tuple[str, object, object]]:
    """An override's values as the history takes a created or deleted row."""
    return [(name, None, getattr(row, name)) for name in OVERRIDE_FIELDS]


def _save_checked(row: HolidayOverride, **save: Any) -> None:
    try:
        row.full_clean()
    except ValidationError as exc:
        raise problems_from_validation(exc).error() from exc
    row.save(**save)


def record_override(
    actor: User,
    row: HolidayOverride,
    action: ChangeAction,
    changes: Sequence[tuple[str, object, object]],
    now: datetime,
) -> None:
    """The history rows of one write of an override (the pages', the API's and the admin's)."""
    record_changes(
        actor=actor,
        table=ReferenceTable.HOLIDAY_OVERRIDE,
        subject=override_subject(row),
        country=row.country,
        action=action,
        changes=changes,
        now=now,
    )


@transaction.atomic
def holiday_override_create(
    *,
    actor: User,
    country: str,
    applies_on: date,
    kind: str = OverrideKind.CLOSED,
    subdivision: str = "",
    note: str = "",
    now: datetime,
) -> HolidayOverride:
    """Add an override and its history row. Raises NotAllowed or Invalid (
    unknown_country, an unknown subdivision, a date that already has one); nothing is written on error."""
    _require_editor(actor)
    row = HolidayOverride(
        country=country, subdivision=subdivision, applies_on=applies_on, kind=kind, note=note.strip(), updated_by=actor
    )
    _save_checked(row)
    record_override(actor, row, ChangeAction.CREATED, override_values(row), now)
    return row


@transaction.atomic
def holiday_override_update(
    *, actor: User, override: HolidayOverride, now: datetime, **changes: Any
) -> HolidayOverride:
    """Change some of OVERRIDE_FIELDS, one history row per field that changed. Raises as the create."""
    _require_editor(actor)
    row, before = locked_with_changes(override, OVERRIDE_FIELDS, changes, actor=actor, what="holiday override")
    _save_checked(row)
    record_override(
        actor, row, ChangeAction.CHANGED, [(name, before[name], getattr(row, name)) for name in OVERRIDE_FIELDS], now
    )
    return row


@transaction.atomic
def holiday_override_delete(*, actor: User, override: HolidayOverride, now: datetime) -> None:
    """Delete an override; the history keeps what it was. Raises NotAllowed."""
    _require_editor(actor)
    row = HolidayOverride.objects.select_for_update().filter(pk=override.pk).first()
    if row is None:  # already gone: deleting twice records nothing twice
        return
    record_override(actor, row, ChangeAction.DELETED, override_values(row), now)
    row.delete()
