"""The SupportAssist collection (TSR/DSET) is an item of the hardware checklist, "attached, or why not": it warns
on the form and the case page but never blocks the escalation to MTS."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cases.checklist import Category, ChecklistInput, HardwareComponent, missing_items, warning_items
from tests.cases.factories import open_case

HARDWARE = ChecklistInput(category=Category.HARDWARE, component=HardwareComponent.POWER_SUPPLY)


@pytest.mark.parametrize(
    ("changes", "warned"),
    [
        pytest.param({}, ("supportassist",), id="neither attached nor explained"),
        pytest.param({"supportassist_attached": True}, (), id="a zip on the case"),
        pytest.param({"supportassist_unavailable_reason": "iDRAC unreachable"}, (), id="why not"),
        pytest.param({"supportassist_unavailable_reason": "   "}, ("supportassist",), id="blank reason"),
        pytest.param({"category": Category.SOFTWARE}, (), id="software cases are not asked"),
    ],
)
def test_the_collection_is_a_warning_item(changes: dict, warned: tuple[str, ...]) -> None:
    checklist = replace(HARDWARE, **changes)
    assert warning_items(checklist) == warned
    assert "supportassist" not in missing_items(checklist)  # never blocking


@pytest.mark.django_db
def test_the_case_page_warns_and_the_escalation_is_not_held_up(client, reseller_user, unit):
    case = open_case(reseller_user, unit)
    client.force_login(reseller_user)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "SupportAssist collection (TSR/DSET) attached, or why not" in page
    assert 'value="escalate_to_mts"' in page  # the checklist is complete: the escalation is offered
    form = client.get(f"/cases/{case.number}/edit/").content.decode()
    assert "(recommended; does not hold up the escalation)" in form
    case.supportassist_unavailable_reason = "The iDRAC is not cabled at this site"
    case.save(update_fields=["supportassist_unavailable_reason"])
    assert 'id="checklist-warnings"' not in client.get(f"/cases/{case.number}/").content.decode()
