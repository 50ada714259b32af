"""Organisation kinds, membership roles and the predicates every layer asks of them: pure values,
importable from any layer. Each is declared here once."""

from typing import Any

from django.db.models import TextChoices


class OrgKind(TextChoices):
    RESELLER = "reseller", "Reseller partner"
    DISTRIBUTOR = "distributor", "Distributor partner"
    MTS = "mts", "Milestone Technical Support"
    DELL = "dell", "Dell Technologies"


class Role(TextChoices):
    AGENT = "agent", "Agent"
    ADMIN = "admin", "Organisation admin"


# The partners: they open cases and transfers, and a case waits on them when it is at first level or
# awaiting their information.
PARTNER_KINDS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})


def second_factor_required(kind: str | None, role: str | None, *, policy_on: bool) -> bool:
    """docs/rules.md "Sign-in": two-factor sign-in is required for MTS users and every organisation admin
    (when the deployment turns the policy on); optional for everyone else."""
    return policy_on and (kind == OrgKind.MTS or role == Role.ADMIN)


def is_mts_admin(user: Any) -> bool:
    """An active admin of an active MTS organisation: the one who edits coverage, holiday overrides, teams
    and SLA targets, and waives fees."""
    organisation = getattr(user, "organisation", None)
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_org_admin
        and organisation is not None
        and organisation.is_active
        and organisation.kind == OrgKind.MTS
    )
