"""Demo cases for both demo resellers, driven through the real services (so timelines, SLA clocks and
numbers are what the portal would produce). Idempotent: a scenario already present (same reseller and
title) is left alone. The cases go no further than MTS: the dispatch app's demo takes the ones MTS
sends to Dell (DELL_BOUND) on from here, so this module knows nothing of dispatches."""

from datetime import datetime, timedelta

from django.utils import timezone

from cases import clocks, services
from cases.models import Case, SlaPolicy, Team, TeamCountry
from cases.workflow import Action
from husky_support.business_hours import business_time_between
from partners.models import Organisation, User

PPIDS = ["CN-0ABC12-34567-8AB-0123", "TW0XJ4K2123456780042"]
# Investigated by MTS and left there: dispatch.demo escalates them to Dell through the real services.
DELL_BOUND = "Motherboard fault: unit does not power on"

# (title, category, component, checklist overrides, actions [(who, action, note, hours after opening)], days ago)
SCENARIOS = [
    (
        "Power supply 2 amber light after storm",
        "hardware",
        "power_supply",
        {"troubleshooting_done": ""},
        [],
        0.2,
    ),
    (
        "Recording server drops drive 3 from the array",
        "hardware",
        "hard_drive",
        {"ppids": PPIDS[:1], "users_impacted": 25, "in_production": True},
        [("partner", Action.ESCALATE_TO_MTS, "", 1)],
        0.3,
    ),
    (
        "Memory errors in the iDRAC log after reboot",
        "hardware",
        "memory",
        {"users_impacted": 4, "in_production": True},
        [("partner", Action.ESCALATE_TO_MTS, "", 1), ("mts", Action.TAKE, "", 2)],
        1,
    ),
    (
        "Smart Client cannot connect to the recording server",
        "software",
        "",
        {"users_impacted": 12, "in_production": True},
        [
            ("partner", Action.ESCALATE_TO_MTS, "", 1),
            ("mts", Action.TAKE, "", 3),
            ("mts", Action.REQUEST_INFO, "Please send the Management Server log and the exact error text.", 5),
        ],
        2,
    ),
    (
        DELL_BOUND,
        "hardware",
        "motherboard",
        {"users_impacted": 40, "in_production": True},
        [
            ("partner", Action.ESCALATE_TO_MTS, "", 1),
            ("mts", Action.TAKE, "", 2),
        ],
        3,
    ),
    (
        "Network port 2 link flapping",
        "hardware",
        "network",
        {"users_impacted": 2, "in_production": False},
        [
            ("partner", Action.ESCALATE_TO_MTS, "", 1),
            ("mts", Action.TAKE, "", 4),
            ("mts", Action.RESOLVE, "Replaced the patch cable and pinned the NIC speed; link stable for 24 h.", 30),
        ],
        4,
    ),
    (
        "Licence activation fails after upgrade",
        "software",
        "",
        {"users_impacted": 0, "in_production": False},
        [
            ("partner", Action.ESCALATE_TO_MTS, "", 1),
            ("mts", Action.TAKE, "", 2),
            ("mts", Action.RESOLVE, "Re-activated online with the new SLC; confirmed by the partner.", 20),
            ("system", Action.CLOSE, "", 24 * 15),
        ],
        20,
    ),
]


def _values(title, category, component, overrides, unit) -> dict:
    values = {
        "title": title,
        "category": category,
        "component": component,
        "users_impacted": 3,
        "in_production": True,
        "failure_description": f"{title}. Noticed by the customer's operator this morning.",
        "troubleshooting_done": "Checked the iDRAC event log, reseated cables, rebooted once.",
        "customer_available_for_diagnostics": True,
        "unit": unit,
    }
    values.update(overrides)
    return values


WEEKDAYS_8_17 = {day: [["08:00", "12:00"], ["12:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
TEAMS = [
    # name, zone, holiday country, countries served, default
    ("EMEA", "Europe/Copenhagen", "DK", ["DK", "SE", "NO", "DE", "GB", "FR", "NL", "AE"], True),
    ("Americas", "America/New_York", "US", ["US", "CA", "BR", "MX"], False),
    ("APAC", "Asia/Singapore", "SG", ["SG", "AU", "JP", "IN"], False),
]
# Business minutes: first response, next update.
POLICY = {"p1_critical": (120, 240), "p2_high": (240, 480), "p3_normal": (480, 960), "p4_low": (960, 2400)}


def _seed_sla() -> None:
    mts_users = list(User.objects.filter(organisation__kind="mts").order_by("username"))
    for name, zone, holidays, countries, default in TEAMS:
        team, made = Team.objects.get_or_create(
            name=name,
            defaults={
                "timezone": zone,
                "holiday_country": holidays,
                "weekly_hours": WEEKDAYS_8_17,
                "is_default": default,
            },
        )
        if made:
            TeamCountry.objects.bulk_create(
                [TeamCountry(team=team, country=c) for c in countries], ignore_conflicts=True
            )
            if mts_users:
                team.lead = mts_users[-1]
                team.save(update_fields=["lead"])
                team.members.set(mts_users if name == "EMEA" else mts_users[-1:])
    for priority, (first, update) in POLICY.items():
        SlaPolicy.objects.get_or_create(
            priority=priority, defaults={"first_response_minutes": first, "next_update_minutes": update}
        )


def _opened_for_share(team: Team | None, target: timedelta, share: float, now: datetime) -> datetime:
    """When a case must have reached MTS so that `share` of its business-time target has passed at `now`
    (bisection: the business time up to now only grows as the opening moves back)."""
    hours = clocks.team_hours(team, now=now)
    early, late = now - timedelta(days=21), now
    for _ in range(40):
        middle = early + (late - early) / 2
        if business_time_between(middle, now, hours) > target * share:
            early = middle
        else:
            late = middle
    return late


def _seed_sla_cases(reseller: Organisation, partner: User, now: datetime) -> int:
    """A near-breach and a breached case (the paused one is the request-info scenario)."""
    made = 0
    for title, share in (("Camera stream stutters on all recorders", 0.9), ("Archive job fails every night", 3.0)):
        if Case.objects.filter(reseller=reseller, title=title).exists():
            continue
        overrides = {"users_impacted": 30, "in_production": True, "site_country": reseller.country}
        values = _values(title, "software", "", overrides, None)
        team = clocks.team_for_country(reseller.country)
        opened_at = _opened_for_share(team, clocks.targets_for("p1_critical").first_response, share, now)
        services.case_create(actor=partner, now=opened_at, values=values, escalate=True)
        made += 1
    return made


def seed() -> str:
    now = timezone.now()
    _seed_sla()
    mts = User.objects.filter(username="mts1").first()
    created = 0
    for org_name, partner_username in (
        ("Copenhagen Vision Integrators", "reseller1"),
        ("Pacific Watch Systems", "reseller2"),
    ):
        reseller = Organisation.objects.filter(name=org_name).first()
        partner = User.objects.filter(username=partner_username).first()
        if reseller is None or partner is None or mts is None:
            continue
        from servicetags.models import Unit

        units = list(Unit.objects.filter(reseller=reseller).order_by("service_tag")[: len(SCENARIOS)])
        for index, (title, category, component, overrides, steps, days_ago) in enumerate(SCENARIOS):
            if Case.objects.filter(reseller=reseller, title=title).exists():
                continue
            unit = units[index % len(units)] if units else None
            if unit is None and category == "hardware":
                category, component = "software", ""
            opened_at = now - timedelta(days=days_ago)
            case, _ = services.case_create(
                actor=partner, now=opened_at, values=_values(title, category, component, overrides, unit)
            )
            for who, action, note, hours in steps:
                at = min(opened_at + timedelta(hours=hours), now)
                actor = {"partner": partner, "mts": mts, "system": None}[who]
                case = services.case_transition(
                    actor=actor,
                    case=case.pk,
                    action=action,
                    note=note,
                    now=at,
                    expected_state=case.state if actor is None else None,
                )
            if index == 1:
                services.comment_create(
                    actor=partner, case=case, body="Customer says the drive LED blinks amber.", now=opened_at
                )
            if index == 2:
                services.comment_create(
                    actor=mts,
                    case=case,
                    body="Internal: same DIMM slot failed on two units of this batch; check the lot number.",
                    internal=True,
                    now=opened_at + timedelta(hours=3),
                )
            created += 1
        created += _seed_sla_cases(reseller, partner, now)
    total = Case.objects.count()
    return f"{created} demo cases created ({total} in total, every state up to MTS for both resellers)."
