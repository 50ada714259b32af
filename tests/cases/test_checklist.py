"""The hardware-case checklist: PPIDs, missing items, users impacted and priority. Pure, no database."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.checklist import (
    ITEM_LABELS,
    Category,
    ChecklistInput,
    HardwareComponent,
    InvalidPpid,
    InvalidUsersImpacted,
    Priority,
    derive_priority,
    missing_items,
    normalize_ppid,
    validate_users_impacted,
)

PPID_20 = "CN0ABC12345678AB0123"
PPID_23 = PPID_20 + "A00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(PPID_20, PPID_20, id="20 plain"),
        pytest.param(PPID_23, PPID_23, id="23 plain"),
        pytest.param("cn-0abc12-34567-8ab-0123", PPID_20, id="20 dashed lowercase"),
        pytest.param("CN-0ABC12-34567-8AB-0123-A00", PPID_23, id="23 dashed"),
        pytest.param("  cn 0abc12 34567 8ab 0123\n", PPID_20, id="20 spaces and surrounding whitespace"),
        pytest.param("CN--0ABC12-34567-8AB-0123--", PPID_20, id="doubled and trailing dashes"),
    ],
)
def test_ppid_accepted(raw: str, expected: str) -> None:
    assert normalize_ppid(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(PPID_20[:19], id="19 chars"),
        pytest.param(PPID_20 + "A", id="21 chars"),
        pytest.param(PPID_20 + "AB", id="22 chars"),
        pytest.param(PPID_23 + "A", id="24 chars"),
        pytest.param("", id="empty"),
        pytest.param(" - ", id="only separators"),
        pytest.param(PPID_20[:19] + "_", id="underscore"),
        pytest.param(PPID_20[:19] + ".", id="dot"),
        pytest.param(PPID_20[:19] + "É", id="non-ASCII letter"),
        pytest.param(PPID_20[:19] + "٣", id="non-ASCII digit"),
    ],
)
def test_ppid_refused(raw: str) -> None:
    with pytest.raises(InvalidPpid) as refused:
        normalize_ppid(raw)
    assert refused.value.code == "invalid_ppid"
    assert "20 or 23" in refused.value.message


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=20, max_size=20), st.booleans())
def test_ppid_normalisation_is_idempotent(body: str, long: bool) -> None:
    ppid = body + ("X1Y" if long else "")
    dashed = "-".join(ppid[i : i + 4] for i in range(0, len(ppid), 4)).lower()
    assert normalize_ppid(dashed) == ppid
    assert normalize_ppid(normalize_ppid(dashed)) == ppid


COMPLETE_HARDWARE = ChecklistInput(
    category=Category.HARDWARE,
    component=HardwareComponent.POWER_SUPPLY,
    service_tag="ABC1234",
    site_address_lines=("Banemarksvej 50",),
    site_city="Brøndby",
    site_postal_code="2605",
    site_country="DK",
    users_impacted=3,
    in_production=True,
    failure_description="PSU 2 amber LED",
    troubleshooting_done="Reseated the PSU",
    customer_available_for_diagnostics=True,
)

ALL_HARDWARE_ITEMS = (
    "component",
    "service_tag",
    "site_address_lines",
    "site_city",
    "site_postal_code",
    "site_country",
    "users_impacted",
    "in_production",
    "failure_description",
    "troubleshooting_done",
    "customer_available_for_diagnostics",
)


@pytest.mark.parametrize(
    ("checklist", "expected"),
    [
        pytest.param(COMPLETE_HARDWARE, (), id="hardware complete"),
        pytest.param(ChecklistInput(category=Category.HARDWARE), ALL_HARDWARE_ITEMS, id="hardware empty"),
        pytest.param(
            replace(COMPLETE_HARDWARE, component=HardwareComponent.HARD_DRIVE),
            ("ppids",),
            id="hard drive without PPID",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, component=HardwareComponent.HARD_DRIVE, ppids=("CN-123",)),
            ("ppids",),
            id="hard drive with only an invalid PPID",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, component=HardwareComponent.HARD_DRIVE, ppids=("bad", PPID_20.lower())),
            (),
            id="hard drive with one valid PPID",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, customer_available_for_diagnostics=False),
            ("diagnostics_unavailable_reason",),
            id="customer cannot run diagnostics, no reason",
        ),
        pytest.param(
            replace(
                COMPLETE_HARDWARE,
                customer_available_for_diagnostics=False,
                diagnostics_unavailable_reason="Closed",
            ),
            (),
            id="customer cannot run diagnostics, reason given",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, site_address_lines=("  ", ""), service_tag=" ", failure_description="\t"),
            ("service_tag", "site_address_lines", "failure_description"),
            id="blank strings count as missing, in fixed order",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, users_impacted=0, in_production=False),
            (),
            id="zero users and out of production are answers",
        ),
        pytest.param(
            replace(COMPLETE_HARDWARE, site_country="AE", site_postal_code=""),
            (),
            id="no postal code where the country has none",
        ),
        pytest.param(ChecklistInput(category=Category.SOFTWARE), ("failure_description",), id="software empty"),
        pytest.param(
            ChecklistInput(category=Category.SOFTWARE, failure_description="Recording server stops"),
            (),
            id="software needs only a description",
        ),
    ],
)
def test_missing_items(checklist: ChecklistInput, expected: tuple[str, ...]) -> None:
    assert missing_items(checklist) == expected


def test_every_missing_key_has_a_label() -> None:
    # No single input misses everything (a PPID is asked only once the component is known), so take two.
    unknown_component = missing_items(ChecklistInput(category=Category.HARDWARE))
    broken_drive = missing_items(
        ChecklistInput(
            category=Category.HARDWARE,
            component=HardwareComponent.HARD_DRIVE,
            customer_available_for_diagnostics=False,
        )
    )
    assert set(unknown_component) | set(broken_drive) == set(ITEM_LABELS)
    assert broken_drive == tuple(key for key in ITEM_LABELS if key in broken_drive)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="not reported"),
        pytest.param(0, 0, id="zero"),
        pytest.param(250, 250, id="many"),
    ],
)
def test_users_impacted_accepted(value: int | None, expected: int | None) -> None:
    assert validate_users_impacted(value) == expected


@pytest.mark.parametrize("value", [pytest.param(-1, id="negative"), pytest.param(True, id="bool")])
def test_users_impacted_refused(value: int) -> None:
    with pytest.raises(InvalidUsersImpacted) as refused:
        validate_users_impacted(value)
    assert refused.value.code == "invalid_users_impacted"


@pytest.mark.parametrize(
    ("in_production", "users", "expected"),
    [
        pytest.param(True, 10, Priority.P1_CRITICAL, id="production, 10 users"),
        pytest.param(True, 500, Priority.P1_CRITICAL, id="production, 500 users"),
        pytest.param(True, 9, Priority.P2_HIGH, id="production, 9 users"),
        pytest.param(True, 0, Priority.P2_HIGH, id="production, no users"),
        pytest.param(True, None, Priority.P2_HIGH, id="production, users unknown"),
        pytest.param(False, 1, Priority.P3_NORMAL, id="out of production, 1 user"),
        pytest.param(False, 50, Priority.P3_NORMAL, id="out of production, 50 users"),
        pytest.param(False, 0, Priority.P4_LOW, id="out of production, no users"),
        pytest.param(False, None, Priority.P4_LOW, id="out of production, users unknown"),
        pytest.param(None, 100, Priority.P3_NORMAL, id="production unknown"),
        pytest.param(None, None, Priority.P3_NORMAL, id="nothing known"),
    ],
)
def test_priority_table(in_production: bool | None, users: int | None, expected: Priority) -> None:
    assert derive_priority(in_production, users) is expected


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_more_users_never_lowers_priority(fewer: int, extra: int) -> None:
    order = list(Priority)  # P1 first
    for in_production in (True, False, None):
        assert order.index(derive_priority(in_production, fewer + extra)) <= order.index(
            derive_priority(in_production, fewer)
        )
