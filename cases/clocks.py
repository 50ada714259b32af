"""The SLA clock of a case row: read it for cases.sla, store what cases.sla decided, and the context it runs
in (the case's team hours and its priority's targets). Called by cases.services inside their transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from cases import sla
from cases.checklist import Priority
from cases.models import Case, SlaPolicy, Team, TeamCountry
from husky_support.business_hours import WEEKDAYS, BusinessHours, BusinessTimeline, Calendar, parse_weekly_hours
from husky_support.calendar import OverriddenCalendar
from partners.calendars import calendar_for, calendars_for

CLOCK_FIELDS = [
    "sla_due_at",
    "sla_near_at",
    "sla_paused_remaining",
    "first_response_due_at",
    "next_update_due_at",
    "first_responded_at",
    "sla_alerted",
]


class _AlwaysOpen:
    def is_business_day(self, day: date) -> bool:
        return True


# Before MTS has set up any team the clock is the wall clock: round the clock, every day.
_NO_TEAM_HOURS = BusinessHours(
    zone=ZoneInfo("UTC"),
    weekly=parse_weekly_hours({day: [["00:00", "24:00"]] for day in WEEKDAYS}),
    calendar=_AlwaysOpen(),
)


# The holiday overrides read around `now`: far more than any SLA target spans in business time.
_WINDOW_BEFORE, _WINDOW_AFTER = timedelta(days=7), timedelta(days=120)


@dataclass(frozen=True, slots=True)
class _HolidaysOnly:
    """The team's public holidays and admin overrides without the country's weekend: the team's weekly hours
    say which weekdays it works (a follow-the-sun team may work Saturdays), its calendar which dates close."""

    base: Calendar

    def is_business_day(self, day: date) -> bool:
        calendar = self.base
        if isinstance(calendar, OverriddenCalendar):
            if day in calendar.closed_on:
                return False
            if day in calendar.open_on:
                return True
            calendar = calendar.base
        if calendar.is_business_day(day):
            return True
        names = getattr(calendar, "holiday_names", None)
        return names is not None and not names(day)


def team_hours(team: Team | None, *, now: datetime) -> BusinessHours:
    """The team's BusinessHours: zone, weekly hours, the public holidays of its country and subdivision and
    the admin overrides (partners.calendars, the one calendar reader)."""
    if team is None:
        return _NO_TEAM_HOURS
    today = now.date()
    calendar = calendar_for(
        team.holiday_country,
        team.holiday_subdivision,
        first=today - _WINDOW_BEFORE,
        last=today + _WINDOW_AFTER,
    )
    return BusinessHours(
        zone=ZoneInfo(team.timezone),
        weekly=parse_weekly_hours(team.weekly_hours),
        calendar=_HolidaysOnly(calendar),
    )


def teams_hours(*, first: date, last: date) -> dict[int | None, BusinessHours]:
    """Every team's BusinessHours for the dates `first`..`last` (overrides read for them), plus the round-the-clock
    hours of a case without a team under None: two queries, whatever the number of teams (the reports)."""
    teams = list(Team.objects.only("pk", "timezone", "weekly_hours", "holiday_country", "holiday_subdivision"))
    calendars = calendars_for({(t.holiday_country, t.holiday_subdivision) for t in teams}, first=first, last=last)
    hours: dict[int | None, BusinessHours] = {
        team.pk: BusinessHours(
            zone=ZoneInfo(team.timezone),
            weekly=parse_weekly_hours(team.weekly_hours),
            calendar=_HolidaysOnly(calendars[(team.holiday_country, team.holiday_subdivision)]),
        )
        for team in teams
    }
    hours[None] = _NO_TEAM_HOURS
    return hours


def targets_for(priority: Priority | str) -> sla.Targets:
    """The stored policy of the priority, or the settings' defaults until MTS admins store one."""
    key = Priority(priority).value
    policy = SlaPolicy.objects.filter(priority=key).first()
    if policy is not None:
        return sla.Targets(
            first_response=timedelta(minutes=policy.first_response_minutes),
            next_update=timedelta(minutes=policy.next_update_minutes),
        )
    return sla.Targets(
        first_response=timedelta(hours=settings.CASES_SLA_TARGET_HOURS[key]),
        next_update=timedelta(hours=settings.CASES_SLA_NEXT_UPDATE_HOURS[key]),
    )


def context_for(
    case: Case, *, now: datetime, priority: Priority | str | None = None, team: Team | None = None
) -> sla.Context:
    return sla.Context(
        targets=targets_for(priority or case.priority),
        hours=team_hours(team if team is not None else case.team, now=now),
        near_ratio=settings.CASES_SLA_NEAR_BREACH_RATIO,
    )


def team_for_country(country: str) -> Team | None:
    """The team serving `country`, else the default team, else None (no team set up yet)."""
    if country:
        served = TeamCountry.objects.filter(country=country.upper()).select_related("team").first()
        if served is not None:
            return served.team
    return Team.objects.filter(is_default=True).first()


def clock_of(case: Case) -> sla.SlaClock:
    return sla.SlaClock(
        due_at=case.sla_due_at,
        near_at=case.sla_near_at,
        paused_remaining=case.sla_paused_remaining,
        responded_at=case.first_responded_at,
        alerted=sla.Alerted(case.sla_alerted),
    )


def clock_of_values(row: dict[str, Any]) -> sla.SlaClock:
    """clock_of for a row read with `.values()` (the API's list)."""
    return sla.SlaClock(
        due_at=row["sla_due_at"],
        near_at=row["sla_near_at"],
        paused_remaining=row["sla_paused_remaining"],
        responded_at=row["first_responded_at"],
        alerted=sla.Alerted(row["sla_alerted"]),
    )


def store(case: Case, clock: sla.SlaClock) -> list[str]:
    """Set the clock's columns on `case` (not saved); returns them for update_fields."""
    case.sla_due_at = clock.due_at
    case.sla_near_at = clock.near_at
    case.sla_paused_remaining = clock.paused_remaining
    case.first_responded_at = clock.responded_at
    case.sla_alerted = int(clock.alerted)
    first = clock.target is sla.Target.FIRST_RESPONSE
    case.first_response_due_at = clock.due_at if first else None
    case.next_update_due_at = None if first else clock.due_at
    return list(CLOCK_FIELDS)


def sla_state_of(case: Case, now: datetime) -> sla.SlaState:
    return sla.sla_state(clock_of(case), now)


class TeamHoursCache:
    """The BusinessHours of each team a page needs, built once per request: one query for the teams and
    one calendar read per distinct team, whatever the number of rows."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._teams: dict[int, Team] = {}
        self._hours: dict[int | None, BusinessHours] = {}
        self._timelines: dict[int | None, BusinessTimeline] = {}

    def add(self, teams: list[Team]) -> None:
        """Teams the caller already read (the queue's filter lists them all): no query for those."""
        self._teams.update({team.pk: team for team in teams})

    def load(self, team_ids: set[int]) -> None:
        missing = team_ids - set(self._teams)
        if missing:
            self._teams.update(Team.objects.in_bulk(list(missing)))

    def hours(self, team_id: int | None) -> BusinessHours:
        if team_id not in self._hours:
            if team_id is not None:
                self.load({team_id})
            team = self._teams.get(team_id) if team_id is not None else None
            self._hours[team_id] = team_hours(team, now=self.now)
        return self._hours[team_id]

    def timeline(self, team_id: int | None) -> BusinessTimeline:
        """The team's hours walked once for every row of the page (the rows' time left in words)."""
        if team_id not in self._timelines:
            self._timelines[team_id] = BusinessTimeline(self.hours(team_id))
        return self._timelines[team_id]


_BADGES = {
    sla.SlaState.OK: "text-bg-light border",
    sla.SlaState.NEAR_BREACH: "text-bg-warning",
    sla.SlaState.BREACHED: "text-bg-danger",
    sla.SlaState.PAUSED: "text-bg-secondary",
    sla.SlaState.NONE: "",
}


def sla_display(case: Case, cache: TeamHoursCache) -> dict[str, object]:
    """What the queue and the case page show: state, badge colour, time left in business hours in words."""
    clock = clock_of(case)
    state = sla.sla_state(clock, cache.now)
    words = (
        sla.time_left_words(clock, cache.now, cache.timeline(case.team_id)) if state is not sla.SlaState.NONE else ""
    )
    return {"state": state.value, "label": state.label, "css": _BADGES[state], "words": words, "due_at": clock.due_at}
