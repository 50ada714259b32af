"""Writes for a distributor's orders and the units they register; the address rules shared with transfers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from husky_support.domain import FieldProblems, Invalid, NotAllowed, problems_from_validation
from husky_support.geo import single_timezone_for_country
from partners.kinds import OrgKind
from partners.models import Organisation, User
from partners.visibility import viewer_kind
from servicetags.models import Location, LocationSource, Order, Unit
from servicetags.validation import ADDRESS_FIELDS, UnitDefaults, parse_unit_rows


def raise_invalid(problems: FieldProblems, message: str | None = None) -> None:
    """Every field problem at once; the message names the fields unless the caller has a better one."""
    problems.raise_if_any(message or "Some fields are not valid: " + ", ".join(problems.fields))


def clean_address(address: Mapping[str, str]) -> dict[str, str]:
    """Trimmed address values; a one-zone country's zone is filled in (full_clean checks the rest)."""
    values = {name: (address.get(name) or "").strip() for name in ADDRESS_FIELDS}
    if not values["timezone"] and values["country"]:
        values["timezone"] = single_timezone_for_country(values["country"]) or ""
    return values


def due_dates(shipped_on: date) -> dict[str, date]:
    # docs/rules.md rule 6: "shipped more than N days ago" is due on the (N+1)th day after shipping.
    return {
        "transfer_reminder_due_on": shipped_on + timedelta(days=settings.TRANSFER_REMINDER_DAYS + 1),
        "transfer_assist_due_on": shipped_on + timedelta(days=settings.TRANSFER_ASSIST_DAYS + 1),
    }


def order_create(
    *,
    actor: User,
    reseller: Organisation | None,
    end_customer_name: str,
    shipped_on: date,
    address: Mapping[str, str],
    units: Sequence[Mapping[str, object]],
    defaults: UnitDefaults,
    store_reference: str = "",
    now: datetime,
) -> Order:
    """Create a distributor's order for one of its resellers with its units; the shipping address is each unit's
    first known location. Checks every field and every unit row first and writes nothing when any is bad.

    Raises NotAllowed (not a distributor), Invalid (fields and per-row `units` problems).
    """
    if viewer_kind(actor) != OrgKind.DISTRIBUTOR:
        raise NotAllowed("Only a distributor creates orders for its resellers.")
    invalid = FieldProblems()
    if reseller is None or reseller.kind != OrgKind.RESELLER or reseller.distributor_id != actor.organisation_id:
        invalid.add("reseller", "unknown_reseller", "Choose one of your resellers.")
    order = Order(
        distributor=actor.organisation,
        reseller=reseller if not invalid.has("reseller") else None,
        store_reference=(store_reference or "").strip(),
        end_customer_name=(end_customer_name or "").strip(),
        shipped_on=shipped_on,
        created_by=actor,
        **clean_address(address),
    )
    try:
        order.full_clean(exclude=["reseller"])
    except ValidationError as exc:
        invalid.merge(problems_from_validation(exc))
    rows, problems = parse_unit_rows(list(units), defaults)
    tags = [r.service_tag for r in rows]
    existing = set(Unit.objects.filter(service_tag__in=tags).values_list("service_tag", flat=True)) if tags else set()
    row_errors: list[dict[str, Any]] = [
        {"row": p.row, "service_tag": p.service_tag, "field": p.field, "code": p.code, "message": p.message}
        for p in problems
    ]
    for r in rows:
        if r.service_tag in existing:
            row_errors.append(
                {
                    "row": r.row,
                    "service_tag": r.service_tag,
                    "field": "service_tag",
                    "code": "duplicate_service_tag",
                    "message": f"{r.service_tag} is already registered to a unit.",
                }
            )
    if row_errors:
        row_errors.sort(key=lambda e: e["row"])
        invalid.fields["units"] = row_errors  # each row's problem also says its row, tag and column
    if invalid:
        bad_rows = len({e["row"] for e in row_errors})
        only_rows = row_errors and len(invalid.fields) == 1
        raise_invalid(invalid, f"{bad_rows} unit row(s) need fixing; nothing was saved." if only_rows else None)
    try:
        with transaction.atomic():
            order.save()
            created = Unit.objects.bulk_create(
                [
                    Unit(
                        **r.unit_values(),
                        reseller=reseller,
                        order=order,
                        end_customer_name=order.end_customer_name,
                        shipped_on=order.shipped_on,
                        **order.address_values(),
                        **due_dates(order.shipped_on),
                    )
                    for r in rows
                ]
            )
            if not created or created[0].pk is None:  # SQLite < 3.35 / some backends: re-read the ids
                created = list(Unit.objects.filter(order=order))
            Location.objects.bulk_create(
                [
                    Location(
                        unit=u,
                        source=LocationSource.ORDER,
                        confirmed=False,
                        recorded_at=now,
                        recorded_by=actor,
                        **order.address_values(),
                    )
                    for u in created
                ]
            )
    except IntegrityError as exc:
        # Another order registered one of these tags between our check and the insert.
        raise Invalid(
            "A service tag of this order was registered meanwhile; nothing was saved.",
            code="duplicate_service_tag",
            extra={
                "fields": {
                    "units": [
                        {
                            "row": 0,
                            "service_tag": "",
                            "field": "service_tag",
                            "code": "duplicate_service_tag",
                            "message": "A service tag of this order was registered meanwhile.",
                        }
                    ]
                }
            },
        ) from exc
    return order


def order_from_values(
    *, actor: User, values: Mapping[str, Any], units: Sequence[Mapping[str, object]], now: datetime
) -> Order:
    """`order_create` from what the order page or the API validated, by field name: the order's fields, its
    shipping address (ADDRESS_FIELDS) and the unit defaults. Raises as `order_create`."""
    return order_create(
        actor=actor,
        reseller=values["reseller"],
        store_reference=values["store_reference"],
        end_customer_name=values["end_customer_name"],
        shipped_on=values["shipped_on"],
        address=values,
        units=units,
        defaults=UnitDefaults.of(values),
        now=now,
    )
