"""The hardware-case checklist MTS needs before it takes a case, and the priority rule.

Pure: values and frozen dataclasses in, values out; no ORM, no clock, no settings.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import TextChoices

from husky_support.domain import InputRefused


class Category(TextChoices):
    SOFTWARE = "software", "Software"
    HARDWARE = "hardware", "Hardware"


class HardwareComponent(TextChoices):
    HARD_DRIVE = "hard_drive", "Hard drive"
    POWER_SUPPLY = "power_supply", "Power supply"
    MEMORY = "memory", "Memory"
    MOTHERBOARD = "motherboard", "Motherboard"
    NETWORK = "network", "Network"
    OTHER = "other", "Other"


class Priority(TextChoices):
    P1_CRITICAL = "p1_critical", "P1 – Critical"
    P2_HIGH = "p2_high", "P2 – High"
    P3_NORMAL = "p3_normal", "P3 – Normal"
    P4_LOW = "p4_low", "P4 – Low"


class ChecklistError(InputRefused):
    """Bad checklist input; `code` is stable (for the API), `message` is for people."""

    code = "invalid_checklist"


class InvalidPpid(ChecklistError):
    code = "invalid_ppid"


class InvalidUsersImpacted(ChecklistError):
    code = "invalid_users_impacted"


# Dell PPID: country (2) + part number (6) + manufacturer (5) + date code (3) + sequence (4) = 20,
# optionally followed by a 3-character revision = 23. Only ASCII letters and digits; we do not use
# str.isalnum(), which would accept non-ASCII letters and digits.
PPID_LENGTHS = (20, 23)
_PPID_RE = re.compile(r"[A-Z0-9]+")
_PPID_SEPARATORS_RE = re.compile(r"[\s-]+")
PPID_HELP = (
    "A PPID is the code on the drive's sticker: 20 or 23 letters A–Z and digits 0–9, "
    "e.g. CN-0ABC12-34567-8AB-0123 (dashes and spaces are optional)."
)


def normalize_ppid(raw: str) -> str:
    """Return the PPID upper-cased without dashes or whitespace; raise InvalidPpid (`invalid_ppid`)."""
    ppid = _PPID_SEPARATORS_RE.sub("", raw.strip()).upper()
    if not ppid:
        raise InvalidPpid(f"The PPID is empty. {PPID_HELP}")
    if not _PPID_RE.fullmatch(ppid):
        raise InvalidPpid(f"The PPID may contain only letters A–Z and digits 0–9. {PPID_HELP}")
    if len(ppid) not in PPID_LENGTHS:
        raise InvalidPpid(f"The PPID has {len(ppid)} characters, not 20 or 23. {PPID_HELP}")
    return ppid


MAX_USERS_IMPACTED = 1_000_000
USERS_IMPACTED_RANGE = f"The number of users impacted must be a whole number from 0 to {MAX_USERS_IMPACTED:,}."
# Titles go into email subjects and list rows, where a line break cannot go.
TITLE_ONE_LINE = "The title must be one line; put the details in the failure description."


def validate_users_impacted(value: int | None) -> int | None:
    """Return the count unchanged (None = not reported); raise InvalidUsersImpacted outside 0..MAX_USERS_IMPACTED."""
    # bool is an int subclass: True would silently mean "1 user".
    if isinstance(value, bool) or (value is not None and not 0 <= value <= MAX_USERS_IMPACTED):
        raise InvalidUsersImpacted(USERS_IMPACTED_RANGE)
    return value


# Countries with no postal-code system: a site there cannot give one, so it is not "missing".
COUNTRIES_WITHOUT_POSTAL_CODES = frozenset({"AE", "HK", "MO", "QA"})


@dataclass(frozen=True, kw_only=True)
class ChecklistInput:
    """What the partner filled in on the case (seed: "Information ... required when opening a Husky IVO
    case for hardware issues"). Blank strings and None mean "not given"."""

    category: Category
    component: HardwareComponent | None = None
    service_tag: str = ""
    site_address_lines: tuple[str, ...] = ()
    site_city: str = ""
    site_postal_code: str = ""
    site_country: str = ""  # ISO 3166-1 alpha-2
    ppids: tuple[str, ...] = ()  # raw or normalised; only needed for hard-drive faults
    users_impacted: int | None = None
    in_production: bool | None = None
    failure_description: str = ""
    troubleshooting_done: str = ""
    customer_available_for_diagnostics: bool | None = None
    diagnostics_unavailable_reason: str = ""
    supportassist_attached: bool = False  # a log archive (zip) is on the case
    supportassist_unavailable_reason: str = ""  # why no SupportAssist collection can be attached


# Keys are the ChecklistInput field names (so a form can attach each to its field), in the order the
# seed lists them; missing_items() reports them in exactly this order.
ITEM_LABELS: dict[str, str] = {
    "component": "hardware component",
    "service_tag": "service tag",
    "site_address_lines": "site street address",
    "site_city": "site city",
    "site_postal_code": "site postal code",
    "site_country": "site country",
    "ppids": "hard drive PPID",
    "users_impacted": "number of users impacted",
    "in_production": "in or out of production",
    "failure_description": "description of the failure",
    "troubleshooting_done": "troubleshooting done",
    "customer_available_for_diagnostics": "whether the customer can run diagnostics",
    "diagnostics_unavailable_reason": "why the customer cannot run diagnostics",
}


# Items the seed asks for "if possible": they warn, never block an escalation. Keys as ITEM_LABELS'.
WARNING_LABELS: dict[str, str] = {
    "supportassist": "SupportAssist collection (TSR/DSET) attached, or why not",
}


def _blank(value: str) -> bool:
    return not value.strip()


def _has_valid_ppid(ppids: Iterable[str]) -> bool:
    for raw in ppids:
        try:
            normalize_ppid(raw)
        except InvalidPpid:
            continue
        return True
    return False


def missing_items(checklist: ChecklistInput) -> tuple[str, ...]:
    """Return the keys of ITEM_LABELS still missing, in ITEM_LABELS order; () means complete.

    A software case needs only the failure description; a hardware case needs the seed's list, the
    PPID only for hard-drive faults and the reason only when the customer cannot run diagnostics.
    """
    c = checklist
    if c.category is Category.SOFTWARE:
        return ("failure_description",) if _blank(c.failure_description) else ()
    missing = {
        "component": c.component is None,
        "service_tag": _blank(c.service_tag),
        "site_address_lines": not any(line.strip() for line in c.site_address_lines),
        "site_city": _blank(c.site_city),
        "site_postal_code": _blank(c.site_postal_code)
        and c.site_country.strip().upper() not in COUNTRIES_WITHOUT_POSTAL_CODES,
        "site_country": _blank(c.site_country),
        # An unreadable PPID is as good as none: Dell cannot match the drive.
        "ppids": c.component is HardwareComponent.HARD_DRIVE and not _has_valid_ppid(c.ppids),
        "users_impacted": c.users_impacted is None,
        "in_production": c.in_production is None,
        "failure_description": _blank(c.failure_description),
        "troubleshooting_done": _blank(c.troubleshooting_done),
        "customer_available_for_diagnostics": c.customer_available_for_diagnostics is None,
        "diagnostics_unavailable_reason": c.customer_available_for_diagnostics is False
        and _blank(c.diagnostics_unavailable_reason),
    }
    return tuple(key for key in ITEM_LABELS if missing[key])


def warning_items(checklist: ChecklistInput) -> tuple[str, ...]:
    """The keys of WARNING_LABELS not yet answered, in order; they never make a case incomplete. A hardware
    case should carry the SupportAssist collection (TSR/DSET), or say why it cannot."""
    c = checklist
    if c.category is not Category.HARDWARE:
        return ()
    missing = {"supportassist": not c.supportassist_attached and _blank(c.supportassist_unavailable_reason)}
    return tuple(key for key in WARNING_LABELS if missing[key])


# At or above this many impacted users a production outage is critical.
CRITICAL_USERS_THRESHOLD = 10


def derive_priority(in_production: bool | None, users_impacted: int | None) -> Priority:
    """Priority from production status and users impacted (unknown users count as 0).

    A system in production with 10 or more users impacted is P1 critical; any other system in
    production is P2 high, because recording may be at risk even when no one is watching; a system
    out of production with at least one user impacted is P3 normal, and with none P4 low. Until the
    partner says whether the system is in production the case is P3 normal (the hardware checklist
    requires the answer before MTS sees the case, so this applies to software cases).
    """
    users = users_impacted or 0
    if in_production is None:
        return Priority.P3_NORMAL
    if in_production:
        return Priority.P1_CRITICAL if users >= CRITICAL_USERS_THRESHOLD else Priority.P2_HIGH
    return Priority.P3_NORMAL if users >= 1 else Priority.P4_LOW
