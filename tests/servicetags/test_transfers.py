"""The transfer transition table and Dell's confirmation deadline (pure)."""

from datetime import date

import pytest

from husky_support.calendar import business_calendar
from partners.kinds import OrgKind
from servicetags.transfers import (
    Action,
    State,
    TransferRefused,
    allowed_actions,
    expected_confirmation_on,
    is_overdue,
    plan,
)


@pytest.mark.parametrize(
    ("state", "action", "kind", "target"),
    [
        (State.DRAFT, Action.SUBMIT, OrgKind.RESELLER, State.SUBMITTED),
        (State.DRAFT, Action.SUBMIT, OrgKind.DISTRIBUTOR, State.SUBMITTED),
        (State.SUBMITTED, Action.CONFIRM, OrgKind.MTS, State.CONFIRMED),
        (State.SUBMITTED, Action.CONFIRM, OrgKind.DELL, State.CONFIRMED),
        (State.DRAFT, Action.EDIT, OrgKind.RESELLER, State.DRAFT),
    ],
    ids=["reseller-submits", "distributor-on-behalf", "mts-confirms", "dell-confirms", "reseller-edits-draft"],
)
def test_allowed_steps(state, action, kind, target):
    assert plan(state, action, kind) is target


def test_reject_needs_a_reason():
    with pytest.raises(TransferRefused) as exc:
        plan(State.SUBMITTED, Action.REJECT, OrgKind.DELL, reason="  ")
    assert exc.value.code == "reason_required"
    assert plan(State.SUBMITTED, Action.REJECT, OrgKind.DELL, reason="Wrong floor") is State.REJECTED


@pytest.mark.parametrize(
    ("state", "action", "kind", "code"),
    [
        (State.DRAFT, Action.CONFIRM, OrgKind.MTS, "invalid_transition"),
        (State.CONFIRMED, Action.REJECT, OrgKind.MTS, "invalid_transition"),
        (State.SUBMITTED, Action.SUBMIT, OrgKind.RESELLER, "invalid_transition"),
        (State.SUBMITTED, Action.CONFIRM, OrgKind.RESELLER, "not_allowed"),
        (State.DRAFT, Action.SUBMIT, OrgKind.MTS, "not_allowed"),
        (State.DRAFT, Action.SUBMIT, None, "not_allowed"),
    ],
    ids=["confirm-draft", "reject-confirmed", "resubmit", "reseller-confirms", "mts-files", "no-org"],
)
def test_refused_steps(state, action, kind, code):
    with pytest.raises(TransferRefused) as exc:
        plan(state, action, kind, reason="x")
    assert exc.value.code == code


def test_allowed_actions_come_from_the_same_table():
    assert allowed_actions(State.SUBMITTED, OrgKind.DELL) == [Action.CONFIRM, Action.REJECT]
    assert allowed_actions(State.DRAFT, OrgKind.RESELLER) == [Action.EDIT, Action.SUBMIT]
    assert allowed_actions(State.CONFIRMED, OrgKind.MTS) == []


def test_seven_business_days_within_a_country_skip_weekend_and_holidays():
    # Submitted Wed 1 Apr 2026 in Denmark: Easter (Thu 2 – Mon 6 Apr) and the weekend do not count.
    cal = business_calendar("DK")
    assert expected_confirmation_on(date(2026, 4, 1), cross_country=False, cal=cal) == date(2026, 4, 15)


def test_ten_business_days_across_countries_in_a_fri_sat_weekend_country():
    # Saudi Arabia rests Friday and Saturday: from Sun 1 Mar 2026, Sundays count and Fridays do not.
    cal = business_calendar("SA")
    result = expected_confirmation_on(date(2026, 3, 1), cross_country=True, cal=cal)
    days = [date(2026, 3, d) for d in range(2, result.day + 1) if cal.is_business_day(date(2026, 3, d))]
    assert len(days) == 10
    assert all(d.weekday() not in (4, 5) for d in days)


def test_overdue_only_after_the_expected_day():
    assert not is_overdue(date(2026, 4, 15), date(2026, 4, 15))
    assert is_overdue(date(2026, 4, 15), date(2026, 4, 16))
    assert not is_overdue(None, date(2026, 4, 16))
