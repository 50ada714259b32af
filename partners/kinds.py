"""Organisation kinds and membership roles: pure values, importable from any layer."""

from enum import StrEnum


class OrgKind(StrEnum):
    RESELLER = "reseller"
    DISTRIBUTOR = "distributor"
    MTS = "mts"
    DELL = "dell"

    @property
    def label(self) -> str:
        return {
            OrgKind.RESELLER: "Reseller partner",
            OrgKind.DISTRIBUTOR: "Distributor partner",
            OrgKind.MTS: "Milestone Technical Support",
            OrgKind.DELL: "Dell Technologies",
        }[self]


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


def second_factor_required(kind: str | None, role: str | None, *, policy_on: bool) -> bool:
    """docs/rules.md "Sign-in": two-factor sign-in is required for MTS users and every organisation admin (when the
    deployment turns the policy on); optional for everyone else."""
    return policy_on and (kind == OrgKind.MTS or role == Role.ADMIN)
