"""The reports' hand-built data set: a few cases and dispatches whose figures are known by hand.

Copenhagen (the MTS team's zone and calendar). March 2026: Friday 6, Monday 9, Tuesday 10.

- A: reseller (Copenhagen) on unit ABC1234, opened and escalated Friday 6 March 10:00 UTC, never answered:
  open at MTS over the weekend, 2 business days old on Tuesday 10 (Monday, Tuesday); first response missed.
- B: reseller on ABC1234 again, Monday 9 March 08:00 UTC, taken and information requested (the SLA clock
  paused): waits on the partner, 1 business day old; first response in time. ABC1234 is a repeat unit.
- C: the sibling reseller (same distributor), Monday 2 March, never escalated: waits on the reseller, 6
  business days old.
- D: the reseller under another distributor (Los Angeles), 3 March, escalated, answered and resolved on
  4 March: outflow, not backlog.
- E: reseller on unit DEF5678, escalated to Dell on Tuesday 3 March 12:00 UTC: the dispatch is denied once,
  resubmitted, accepted, visited and completed on Thursday 5 March; the case stays with Dell (l3_dell).
- F: reseller on DEF5678 again (hard drive), opened on Sunday 8 March, not escalated: E's fix did not hold
  (no first-time fix) and DEF5678 is a second repeat unit; 2 business days old on Tuesday (Monday, Tuesday).

The report period is 1-10 March 2026 (custom), its previous period 19-28 February (empty).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cases import services as case_services
from cases.models import Case
from cases.workflow import Action
from dispatch import services as dispatch_services
from dispatch.models import Dispatch
from tests.cases.factories import TeamFactory, open_case
from tests.dispatch.factories import dispatch_for
from tests.servicetags.factories import UnitFactory

PERIOD = "period=custom&from=2026-03-01&to=2026-03-10"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


@dataclass
class Data:
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case
    f: Case
    dispatch: Dispatch


def _move(case: Case, actor, action: Action, when: datetime, note: str = "") -> Case:
    case.refresh_from_db()
    return case_services.case_transition(
        actor=actor, case=case, action=action, version=case.version, now=when, note=note
    )


def _dispatch_step(dispatch: Dispatch, actor, action: str, when: datetime, **kwargs) -> Dispatch:
    dispatch.refresh_from_db()
    return dispatch_services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=when, **kwargs
    )


def build(*, reseller_user, sibling_user, other_user, mts_user, dell_user, unit, sibling_unit, other_unit) -> Data:
    TeamFactory(name="Nordics", countries=["DK", "US"])
    a = open_case(reseller_user, unit, now=at(6), escalate=True, title="A weekend at MTS")
    b = open_case(reseller_user, unit, now=at(9, 8), escalate=True, title="B paused")
    b = _move(b, mts_user, Action.TAKE, at(9, 9))
    b = _move(b, mts_user, Action.REQUEST_INFO, at(9, 10), note="Send the iDRAC log, please.")
    c = open_case(sibling_user, sibling_unit, now=at(2), title="C at the reseller")
    d = open_case(other_user, other_unit, now=at(3, 15), escalate=True, title="D resolved")
    d = _move(d, mts_user, Action.TAKE, at(3, 16))
    d = _move(d, mts_user, Action.RESOLVE, at(4, 16), note="Firmware updated.")
    e_unit = UnitFactory(service_tag="DEF5678", reseller=unit.reseller)
    dispatch = dispatch_for(reseller_user, mts_user, e_unit, now=at(3, 12), title="E with Dell")
    dispatch = _dispatch_step(dispatch, dell_user, "deny", at(3, 13), note="Service tag not found")
    dispatch = _dispatch_step(dispatch, mts_user, "resubmit", at(3, 14), note="Tag corrected")
    dispatch = _dispatch_step(dispatch, dell_user, "accept", at(3, 15), dispatch_number="DSP-1")
    start = at(5, 8)
    dispatch = _dispatch_step(
        dispatch,
        dell_user,
        "schedule",
        at(3, 16),
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=3),
        past_target_reason="The customer asked for a later day",
    )
    dispatch = _dispatch_step(dispatch, dell_user, "outcome", at(5, 10), outcome="completed", note="Drive replaced")
    f = open_case(reseller_user, e_unit, now=at(8, 12), title="F the drive again")
    return Data(a=a, b=b, c=c, d=d, e=dispatch.case, f=f, dispatch=dispatch)
