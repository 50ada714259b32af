"""docs/rules.md rule 9 as a pure function: every verdict, every cause and their precedence, in the site's zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.nbd import CUSTOMER_CAUSES, MissCause, Move, NbdFacts, NbdVerdict, Visit, target_day_ends_at, verdict

COPENHAGEN = "Europe/Copenhagen"
TARGET = date(2026, 3, 11)  # Wednesday
ENDS = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)  # midnight in Copenhagen (UTC+1)
QUALIFIED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
IN_TIME = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
LATE = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
AFTER = ENDS + timedelta(minutes=1)

# An onsite dispatch accepted at once, representative named at the request, no site requirements.
GOOD = NbdFacts(
    nbd_target_on=TARGET,
    site_timezone=COPENHAGEN,
    representative_named_at=QUALIFIED,
    accepted_at=QUALIFIED + timedelta(hours=1),
)


def test_the_target_day_ends_at_site_midnight() -> None:
    assert target_day_ends_at(TARGET, COPENHAGEN) == ENDS


@pytest.mark.parametrize(
    ("facts", "now", "expected", "cause"),
    [
        pytest.param(replace(GOOD, nbd_target_on=None), AFTER, NbdVerdict.NOT_APPLICABLE, None, id="no-target"),
        pytest.param(replace(GOOD, onsite=False), AFTER, NbdVerdict.NOT_APPLICABLE, None, id="parts-only"),
        pytest.param(
            replace(GOOD, cancelled_at=IN_TIME), AFTER, NbdVerdict.NOT_APPLICABLE, None, id="cancelled-before-the-end"
        ),
        pytest.param(GOOD, ENDS - timedelta(seconds=1), NbdVerdict.PENDING, None, id="pending-until-the-day-ends"),
        pytest.param(
            replace(GOOD, visits=(Visit(IN_TIME, IN_TIME + timedelta(hours=2)),)),
            IN_TIME + timedelta(hours=2),
            NbdVerdict.MET,
            None,
            id="met-on-the-day",
        ),
        pytest.param(
            replace(GOOD, visits=(Visit(ENDS - timedelta(minutes=30), AFTER + timedelta(hours=9)),)),
            AFTER + timedelta(hours=9),
            NbdVerdict.MET,
            None,
            id="visited-on-the-day-reported-next-morning",
        ),
        pytest.param(
            replace(GOOD, visits=(Visit(IN_TIME, None),)),
            AFTER,
            NbdVerdict.AWAITING_OUTCOME,
            None,
            id="awaiting-the-outcome",
        ),
        pytest.param(
            replace(GOOD, visits=(Visit(ENDS, None),)),
            AFTER,
            NbdVerdict.MISSED,
            MissCause.DELL_BOOKED_LATE,
            id="a-visit-at-midnight-is-the-next-day",
        ),
        pytest.param(
            replace(GOOD, visits=(Visit(IN_TIME, None),), cancelled_at=AFTER),
            AFTER,
            NbdVerdict.MISSED,
            MissCause.DELL_BOOKED_LATE,
            id="cancelled-after-the-day-with-no-report",
        ),
    ],
)
def test_verdicts(facts: NbdFacts, now: datetime, expected: NbdVerdict, cause: MissCause | None) -> None:
    answer = verdict(facts, now)
    assert (answer.verdict, answer.cause) == (expected, cause)
    assert answer.decided is (expected in {NbdVerdict.MET, NbdVerdict.MISSED, NbdVerdict.NOT_APPLICABLE})


CUSTOMER_MOVE = Move(QUALIFIED + timedelta(hours=3), IN_TIME, LATE, by_customer=True)

# Each row adds one more fact to the previous ones; the cause is always the first that applies (rule 9's order).
CAUSES = [
    ("dell_booked_late", replace(GOOD, visits=(Visit(LATE, None),)), MissCause.DELL_BOOKED_LATE),
    ("dell_never_booked", GOOD, MissCause.DELL_BOOKED_LATE),
    ("dell_not_accepted", replace(GOOD, accepted_at=AFTER), MissCause.DELL_NOT_ACCEPTED),
    ("dell_denied", replace(GOOD, accepted_at=None, first_denied_at=IN_TIME), MissCause.DELL_DENIED),
    (
        "representative_missing",
        replace(GOOD, accepted_at=None, first_denied_at=IN_TIME, representative_named_at=IN_TIME),
        MissCause.REPRESENTATIVE_MISSING,
    ),
    (
        "clearance_pending",
        replace(GOOD, accepted_at=None, representative_named_at=None, requirements_stated=True),
        MissCause.CLEARANCE_PENDING,
    ),
    (
        "clearance_accepted_after_the_day",
        replace(GOOD, accepted_at=None, requirements_stated=True, clearance_accepted_at=AFTER),
        MissCause.CLEARANCE_PENDING,
    ),
    (
        "customer_reschedule_beats_everything",
        replace(
            GOOD,
            accepted_at=None,
            representative_named_at=None,
            requirements_stated=True,
            moves=(CUSTOMER_MOVE,),
            visits=(Visit(LATE, None),),
        ),
        MissCause.CUSTOMER_RESCHEDULE,
    ),
    (
        "a_move_by_dell_is_not_the_customer",
        replace(GOOD, moves=(replace(CUSTOMER_MOVE, by_customer=False),), visits=(Visit(LATE, None),)),
        MissCause.DELL_BOOKED_LATE,
    ),
    (
        "a_customer_move_of_a_late_visit_is_not_the_cause",
        replace(GOOD, moves=(Move(QUALIFIED, LATE, LATE + timedelta(days=1), True),)),
        MissCause.DELL_BOOKED_LATE,
    ),
    (
        "requirements_accepted_in_time_are_no_cause",
        replace(GOOD, requirements_stated=True, clearance_accepted_at=IN_TIME),
        MissCause.DELL_BOOKED_LATE,
    ),
]


@pytest.mark.parametrize(("facts", "cause"), [pytest.param(f, c, id=name) for name, f, c in CAUSES])
def test_each_cause_in_its_precedence(facts: NbdFacts, cause: MissCause) -> None:
    answer = verdict(facts, AFTER)
    assert (answer.verdict, answer.cause) == (NbdVerdict.MISSED, cause)
    assert answer.text.startswith("NBD missed: ")
    assert "_" not in answer.text


def test_customer_side_causes_are_the_first_three() -> None:
    assert {
        MissCause.CUSTOMER_RESCHEDULE,
        MissCause.CLEARANCE_PENDING,
        MissCause.REPRESENTATIVE_MISSING,
    } == CUSTOMER_CAUSES
    assert [c for c in MissCause if c.customer_side] == list(MissCause)[:3]


def test_a_dst_night_the_target_day_has_23_hours() -> None:
    # Sunday 29 March 2026 in Copenhagen: clocks go 02:00 -> 03:00, the day ends at 22:00 UTC.
    facts = replace(GOOD, nbd_target_on=date(2026, 3, 29), visits=(Visit(datetime(2026, 3, 29, 21, 30, tzinfo=UTC)),))
    assert target_day_ends_at(date(2026, 3, 29), COPENHAGEN) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert verdict(facts, datetime(2026, 3, 29, 21, 59, tzinfo=UTC)).verdict is NbdVerdict.PENDING
    assert verdict(facts, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)).verdict is NbdVerdict.AWAITING_OUTCOME
    late = replace(facts, visits=(Visit(datetime(2026, 3, 29, 22, 30, tzinfo=UTC)),))  # 00:30 on Monday
    assert verdict(late, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)).verdict is NbdVerdict.MISSED


def test_a_friday_saturday_weekend_site_is_judged_on_its_own_day() -> None:
    # Riyadh: the target Sunday 13 Dec 2026 (after the Fri-Sat weekend) ends at 21:00 UTC.
    facts = NbdFacts(
        nbd_target_on=date(2026, 12, 13),
        site_timezone="Asia/Riyadh",
        representative_named_at=datetime(2026, 12, 10, 9, 0, tzinfo=UTC),
        accepted_at=datetime(2026, 12, 10, 10, 0, tzinfo=UTC),
        visits=(Visit(datetime(2026, 12, 13, 20, 30, tzinfo=UTC), datetime(2026, 12, 14, 6, 0, tzinfo=UTC)),),
    )
    assert verdict(facts, datetime(2026, 12, 14, 6, 0, tzinfo=UTC)).verdict is NbdVerdict.MET
    friday = replace(facts, visits=(Visit(datetime(2026, 12, 11, 10, 0, tzinfo=UTC), None),))
    # a visit on the weekend before the target is in time; it awaits its report
    assert verdict(friday, datetime(2026, 12, 13, 21, 0, tzinfo=UTC)).verdict is NbdVerdict.AWAITING_OUTCOME


def test_a_target_day_that_ends_before_the_partners_day_begins() -> None:
    # Auckland (UTC+13 in December): Tuesday 8 Dec ends at 11:00 UTC, while it is still Monday night in Los
    # Angeles. The site's day decides: a visit on Auckland's Wednesday is late whatever the partner's calendar says.
    facts = replace(
        GOOD,
        nbd_target_on=date(2026, 12, 8),
        site_timezone="Pacific/Auckland",
        representative_named_at=datetime(2026, 12, 6, 0, 0, tzinfo=UTC),
        accepted_at=datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
        visits=(Visit(datetime(2026, 12, 8, 11, 30, tzinfo=UTC), None),),  # Wed 00:30 in Auckland
    )
    ends = target_day_ends_at(date(2026, 12, 8), "Pacific/Auckland")
    assert ends == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # 03:00 on Tuesday in Los Angeles
    answer = verdict(facts, ends)
    assert (answer.verdict, answer.cause) == (NbdVerdict.MISSED, MissCause.DELL_BOOKED_LATE)


# --- properties -----------------------------------------------------------------------------------------

moments = st.integers(min_value=-72, max_value=96).map(lambda h: QUALIFIED + timedelta(hours=h))
maybe = st.one_of(st.none(), moments)
visits = st.lists(st.builds(Visit, moments, maybe), max_size=3).map(tuple)
moves = st.lists(st.builds(Move, moments, moments, moments, st.booleans()), max_size=3).map(tuple)
facts_strategy = st.builds(
    NbdFacts,
    nbd_target_on=st.just(TARGET),
    site_timezone=st.sampled_from([COPENHAGEN, "Asia/Riyadh", "Pacific/Auckland", "America/Los_Angeles"]),
    visits=visits,
    moves=moves,
    requirements_stated=st.booleans(),
    clearance_accepted_at=maybe,
    representative_named_at=maybe,
    first_denied_at=maybe,
    accepted_at=maybe,
    cancelled_at=st.none(),
)


@given(facts=facts_strategy, first=moments, later_hours=st.integers(min_value=0, max_value=200), more=visits)
def test_a_verdict_never_goes_back_from_met(facts: NbdFacts, first: datetime, later_hours: int, more) -> None:
    if verdict(facts, first).verdict is NbdVerdict.MET:
        grown = replace(facts, visits=facts.visits + more)  # history only grows
        assert verdict(grown, first + timedelta(hours=later_hours)).verdict is NbdVerdict.MET


@given(facts=facts_strategy, move=st.builds(Move, moments, moments, moments, st.just(True)), now=moments)
def test_a_customer_reschedule_never_turns_a_miss_into_dells_fault(facts: NbdFacts, move: Move, now: datetime) -> None:
    before = verdict(facts, now)
    after = verdict(replace(facts, moves=(*facts.moves, move)), now)
    if after.cause is not None and not after.cause.customer_side:
        assert before.cause is not None
        assert not before.cause.customer_side
    if before.cause is not None and before.cause.customer_side:
        assert after.cause is not None
        assert after.cause.customer_side
