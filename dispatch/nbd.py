"""docs/rules.md rule 9: whether an onsite dispatch kept its next-business-day target, and why not.

Pure: no database, no clock. The caller reads the dispatch's history into NbdFacts and passes `now`;
verdict() answers one of NbdVerdict with, for a miss, the one MissCause that applies first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import TextChoices

from husky_support.calendar import require_aware, site_zone

__all__ = [
    "CUSTOMER_CAUSES",
    "MissCause",
    "Move",
    "NbdFacts",
    "NbdVerdict",
    "Verdict",
    "Visit",
    "target_day_ends_at",
    "verdict",
]


class NbdVerdict(TextChoices):
    PENDING = "pending", "NBD pending"
    MET = "met", "NBD met"
    MISSED = "missed", "NBD missed"
    AWAITING_OUTCOME = "awaiting_outcome", "NBD awaits the visit's outcome"
    NOT_APPLICABLE = "not_applicable", "No NBD target"


class MissCause(TextChoices):
    """Why a target was missed, in the precedence of docs/rules.md rule 9 (the first that applies)."""

    CUSTOMER_RESCHEDULE = "customer_reschedule", "the visit was moved past the target at the customer's request"
    CLEARANCE_PENDING = "clearance_pending", "the site's security requirements were not accepted by Dell in time"
    REPRESENTATIVE_MISSING = "representative_missing", "no authorised representative was named in time to book"
    DELL_DENIED = "dell_denied", "Dell denied the dispatch and had not accepted it by the target day"
    DELL_NOT_ACCEPTED = "dell_not_accepted", "Dell had not accepted the dispatch by the target day"
    DELL_BOOKED_LATE = "dell_booked_late", "Dell booked the visit after the target"

    @property
    def customer_side(self) -> bool:
        return self in CUSTOMER_CAUSES


# docs/rules.md rule 9: adjusted attainment leaves these out.
CUSTOMER_CAUSES: frozenset[MissCause] = frozenset(
    {MissCause.CUSTOMER_RESCHEDULE, MissCause.CLEARANCE_PENDING, MissCause.REPRESENTATIVE_MISSING}
)


@dataclass(frozen=True, slots=True)
class Visit:
    """A booked visit window and, once the technician reported, when (any outcome counts)."""

    start_at: datetime
    reported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """A change of a booked visit: from one start to another, agreed at a moment, by the customer's side or not."""

    agreed_at: datetime
    from_start_at: datetime
    to_start_at: datetime
    by_customer: bool


@dataclass(frozen=True, kw_only=True)
class NbdFacts:
    """What rule 9 reads, as the dispatch's history. Moments are aware; `nbd_target_on` is a site-local date."""

    nbd_target_on: date | None
    site_timezone: str
    onsite: bool = True
    visits: tuple[Visit, ...] = ()  # every booking that ended in a reported outcome, and the current one
    moves: tuple[Move, ...] = ()
    requirements_stated: bool = False  # the site has security requirements
    clearance_accepted_at: datetime | None = None
    representative_named_at: datetime | None = None
    first_denied_at: datetime | None = None
    accepted_at: datetime | None = None
    cancelled_at: datetime | None = None  # MTS cancelled the dispatch (not a void after denials)


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: NbdVerdict
    cause: MissCause | None = None
    decided: bool = False  # met or missed: final

    @property
    def text(self) -> str:
        if self.cause is not None:
            return f"{self.verdict.label}: {self.cause.label}"
        return str(self.verdict.label)


def target_day_ends_at(target_on: date, site_timezone: str) -> datetime:
    """The UTC instant the site-local target date ends (the first instant of the next date, DST-safe)."""
    return datetime.combine(target_on + timedelta(days=1), time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)


def target_day_starts_at(target_on: date, site_timezone: str) -> datetime:
    return datetime.combine(target_on, time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)


def _before(moment: datetime | None, limit: datetime) -> bool:
    return moment is not None and moment < limit


def _cause(facts: NbdFacts, ends: datetime, starts: datetime) -> MissCause:
    # docs/rules.md rule 9, in its order: the first that applies.
    for move in facts.moves:
        if move.by_customer and move.agreed_at < ends and move.from_start_at < ends <= move.to_start_at:
            return MissCause.CUSTOMER_RESCHEDULE
    if facts.requirements_stated and not _before(facts.clearance_accepted_at, ends):
        return MissCause.CLEARANCE_PENDING
    if not _before(facts.representative_named_at, starts):
        return MissCause.REPRESENTATIVE_MISSING
    accepted = _before(facts.accepted_at, ends)
    if _before(facts.first_denied_at, ends) and not accepted:
        return MissCause.DELL_DENIED
    if not accepted:
        return MissCause.DELL_NOT_ACCEPTED
    return MissCause.DELL_BOOKED_LATE


def verdict(facts: NbdFacts, now: datetime) -> Verdict:
    """docs/rules.md rule 9 at `now`. Met once a reported visit started by the end of the site-local target day;
    missed when that day ended with none, unless a visit that started in time awaits its outcome."""
    require_aware(now, "now")
    if not facts.onsite or facts.nbd_target_on is None:
        return Verdict(NbdVerdict.NOT_APPLICABLE, decided=True)
    ends = target_day_ends_at(facts.nbd_target_on, facts.site_timezone)
    starts = target_day_starts_at(facts.nbd_target_on, facts.site_timezone)
    if any(v.reported_at is not None and v.start_at < ends for v in facts.visits):
        return Verdict(NbdVerdict.MET, decided=True)
    if facts.cancelled_at is not None and facts.cancelled_at < ends:
        return Verdict(NbdVerdict.NOT_APPLICABLE, decided=True)
    if now < ends:
        return Verdict(NbdVerdict.PENDING)
    if facts.cancelled_at is None and any(v.reported_at is None and v.start_at < ends for v in facts.visits):
        return Verdict(NbdVerdict.AWAITING_OUTCOME)
    return Verdict(NbdVerdict.MISSED, _cause(facts, ends, starts), decided=True)
