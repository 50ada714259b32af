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
