"""Demo units in several countries and time zones, with orders and transfers in every state. Idempotent."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from partners.models import Organisation, User
from servicetags import services
from servicetags.models import Order, ServiceTagTransfer, Unit
from servicetags.validation import UnitDefaults

# tag, reseller, model, services (nbd, kyhd, years), shipped days ago, shipping address, final address, transfer state
# A transfer state of None leaves the unit at its shipping address without a registered final location.
SCENARIOS = [
    (
        "7XK2M93",
        "Copenhagen Vision Integrators",
        "IVO350R",
        (True, True, 2),
        120,
        ("Amager Strandvej 390", "Kastrup", "2770", "DK", "", ""),
        None,
        "confirmed",
    ),
    (
        "4HBQ7R2",
        "Copenhagen Vision Integrators",
        "IVO1000R",
        (True, False, 0),
        90,
        ("Havnegade 39", "Copenhagen", "1058", "DK", "", ""),
        ("King Fahd Road 4121", "Riyadh", "12214", "SA", "", "Asia/Riyadh"),
        "confirmed",
    ),
    (
        "9PLM3X1",
        "Copenhagen Vision Integrators",
        "IVO150D",
        (False, False, 0),
        5,
        ("Vesterbrogade 10", "Copenhagen", "1620", "DK", "", ""),
        None,
        None,
    ),
    (
        "2JDW8K5",
        "Copenhagen Vision Integrators",
        "IVO700R",
        (True, True, 1),
        9,
        ("Kalvebod Brygge 1", "Copenhagen", "1560", "DK", "", ""),
        ("Drottninggatan 5", "Stockholm", "111 51", "SE", "", "Europe/Stockholm"),
        "submitted",
    ),
    (
        "1EXP0D5",
        "Copenhagen Vision Integrators",
        "IVO350T",
        (True, False, 0),
        1500,
        ("Åboulevard 23", "Copenhagen", "1960", "DK", "", ""),
        None,
        "confirmed",
    ),
    (
        "C0PN8S2",
        "Copenhagen Vision Integrators",
        "IVO350R",
        (True, False, 0),
        20,
        ("Nørregade 7", "Odense", "5000", "DK", "", ""),
        None,
        None,
    ),
    (
        "5TQN6V8",
        "Pacific Watch Systems",
        "IVO1800R",
        (True, True, 3),
        200,
        ("600 Wilshire Blvd", "Los Angeles", "90017", "US", "US-CA", "America/Los_Angeles"),
        None,
        "confirmed",
    ),
    (
        "8RMC2Z4",
        "Pacific Watch Systems",
        "IVO700R",
        (True, False, 0),
        40,
        ("350 5th Ave", "New York", "10118", "US", "US-NY", "America/New_York"),
        ("1700 Lincoln St", "Denver", "80203", "US", "US-CO", "America/Denver"),
        "submitted-late",
    ),
    (
        "6KWP4D3",
        "Pacific Watch Systems",
        "IVO350R",
        (False, False, 0),
        2,
        ("1 Market St", "San Francisco", "94105", "US", "US-CA", "America/Los_Angeles"),
        None,
        "draft",
    ),
    (
        "3GHF9L7",
        "Pacific Watch Systems",
        "IVO1000R",
        (True, False, 1),
        60,
        ("600 Wilshire Blvd", "Los Angeles", "90017", "US", "US-CA", "America/Los_Angeles"),
        ("1 Macquarie St", "Sydney", "2000", "AU", "AU-NSW", "Australia/Sydney"),
        "rejected",
    ),
    (
        "HNL4K22",
        "Pacific Watch Systems",
        "IVO700R",
        (True, False, 1),
        150,
        ("1001 Bishop St", "Honolulu", "96813", "US", "US-HI", "Pacific/Honolulu"),
        None,
        "confirmed",
    ),
]
# End customers of units shipped straight to their final site, by city (default: by country).
END_CUSTOMERS_BY_CITY = {"Honolulu": "Aloha Harbor Terminals LLC"}

ADDRESS_KEYS = ("address_line1", "city", "postal_code", "country", "subdivision", "timezone")


def _address(values: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(ADDRESS_KEYS, values, strict=True))


def seed() -> str:
    """Create the demo orders, units and transfers that do not exist yet; returns a summary line."""
    # Demo decisions would email the demo users; nobody reads those, so they go nowhere.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _seed()


@transaction.atomic
def _seed() -> str:
    try:
        distributor_user = User.objects.get(username="distributor1")
        reseller_users = {
            "Copenhagen Vision Integrators": User.objects.get(username="reseller1"),
            "Pacific Watch Systems": User.objects.get(username="reseller2"),
        }
        mts_user = User.objects.get(username="mts1")
    except User.DoesNotExist:
        return "skipped (run the partners demo first)"
    now = timezone.now()
    today = now.date()
    created = 0
    for tag, reseller_name, model, (nbd, kyhd, years), days_ago, ship, final, state in SCENARIOS:
        if Unit.objects.filter(service_tag=tag).exists():
            continue
        shipped_on = today - timedelta(days=days_ago)
        start = shipped_on
        end = (
            date(start.year + 3 + years, start.month, min(start.day, 28))
            if tag != "1EXP0D5"
            else today - timedelta(days=200)
        )
        order_at = timezone.make_aware(datetime.combine(shipped_on, time(9, 0)))
        services.order_create(
            actor=distributor_user,
            reseller=Organisation.objects.get(name=reseller_name),
            store_reference=f"MS-{shipped_on:%Y%m}-{tag[:4]}",
            end_customer_name=END_CUSTOMERS_BY_CITY.get(ship[1])
            or {"DK": "Nordhavn Logistics A/S", "US": "Golden Gate Storage Inc."}[ship[3]]
            if final is None
            else {
                "SA": "Riyadh Metro Operations",
                "SE": "Stockholm City Parking AB",
                "US": "Rocky Mountain Rail",
                "AU": "Harbour Bridge Security Pty",
            }[final[3]],
            shipped_on=shipped_on,
            address=_address(ship),
            units=[{"service_tag": tag}],
            defaults=UnitDefaults(
                model=model,
                warranty_start_on=start,
                warranty_end_on=end,
                nbd_onsite=nbd,
                kyhd=kyhd,
                extended_years=years,
            ),
            now=order_at,
        )
        created += 1
        unit = Unit.objects.get(service_tag=tag)
        Order.objects.filter(pk=unit.order_id).update(created_at=order_at)
        if state is None:
            continue
        filer = reseller_users[reseller_name]
        target = _address(final) if final else unit.address_values()
        filed_at = order_at + timedelta(days=min(days_ago - 1, 4))
        transfer = services.transfer_create(
            actor=filer,
            unit=unit,
            address=target,
            contact_name="Site manager",
            note="Installed and running.",
            submit=state != "draft",
            now=filed_at,
        )
        # Demo history reads as if it happened then, not when the seed ran.
        ServiceTagTransfer.objects.filter(pk=transfer.pk).update(created_at=filed_at)
        if state == "confirmed":
            services.transfer_confirm(
                actor=mts_user, transfer=transfer, dell_reference=f"DT-{tag}", now=filed_at + timedelta(days=3)
            )
        elif state == "rejected":
            services.transfer_reject(
                actor=mts_user,
                transfer=transfer,
                now=filed_at + timedelta(days=2),
                reason="Dell needs the suite or floor number for a site in a shared building; "
                "please add it and file again.",
            )
        elif state == "submitted-late":
            # Filed long ago and still waiting: shows the overdue flag in the confirmation queue.
            ServiceTagTransfer.objects.filter(pk=transfer.pk).update(expected_confirmation_on=today - timedelta(days=6))
    # As the daily job would have done by now (without sending demo mail): remind and hand over lagging units.
    lagging = Unit.objects.filter(location_confirmed=False)
    lagging.filter(transfer_reminder_due_on__lte=today).update(
        transfer_reminder_due_on=None, transfer_reminder_sent_at=now
    )
    lagging.filter(transfer_assist_due_on__lte=today).update(transfer_assist_due_on=None, transfer_assist_sent_at=now)
    total = Unit.objects.count()
    return (
        f"{created} demo units created ({total} in all; DK, SA, SE, US incl. Hawaii, AU; "
        "9PLM3X1 and C0PN8S2 without a registered location)"
    )
