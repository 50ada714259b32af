"""Demo organisations and users. Idempotent: running it again updates, never duplicates."""

from django.conf import settings
from django.db import transaction

from partners.kinds import OrgKind, Role
from partners.models import Organisation, User

ORGANISATIONS = [
    # name, kind, country, zone, distributor name
    ("Nordic Secure Distribution", OrgKind.DISTRIBUTOR, "DK", "Europe/Copenhagen", None),
    ("Copenhagen Vision Integrators", OrgKind.RESELLER, "DK", "Europe/Copenhagen", "Nordic Secure Distribution"),
    ("Pacific Watch Systems", OrgKind.RESELLER, "US", "America/Los_Angeles", "Nordic Secure Distribution"),
    ("Milestone Technical Support", OrgKind.MTS, "DK", "Europe/Copenhagen", None),
    ("Dell Technologies Onsite Services", OrgKind.DELL, "US", "America/Chicago", None),
]

USERS = [
    # username, organisation, role, first, last, is_staff
    ("distributor1", "Nordic Secure Distribution", Role.ADMIN, "Dana", "Distributor", False),
    ("reseller1", "Copenhagen Vision Integrators", Role.ADMIN, "Rasmus", "Reseller", False),
    ("reseller2", "Pacific Watch Systems", Role.ADMIN, "Riley", "Reseller", False),
    ("mts1", "Milestone Technical Support", Role.AGENT, "Mette", "Technician", False),
    ("mtsadmin", "Milestone Technical Support", Role.ADMIN, "Morten", "Admin", True),
    ("dell1", "Dell Technologies Onsite Services", Role.AGENT, "Dylan", "Dispatcher", False),
]


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create or update the demo organisations and users; returns (username, description) rows."""
    orgs: dict[str, Organisation] = {}
    for name, kind, country, zone, distributor in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind.value,
                "country": country,
                "timezone": zone,
                "distributor": orgs[distributor] if distributor else None,
            },
        )
        org.full_clean()
        orgs[name] = org
    logins = []
    for username, org_name, role, first, last, is_staff in USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.organisation = orgs[org_name]
        user.role = role.value
        user.first_name, user.last_name = first, last
        user.email = f"{username}@demo.husky.invalid"
        user.is_staff = is_staff
        user.is_superuser = is_staff
        user.set_password(settings.HUSKY_DEMO_PASSWORD)
        user.save()
        logins.append((username, f"{role.value} at {org_name} ({orgs[org_name].get_kind_display()})"))
    return logins
