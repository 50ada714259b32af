"""The dispatch panel of the case page, plugged in through cases.hooks (the case page does not import us)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from cases.checklist import Category
from cases.hooks import QueueDetails
from cases.workflow import State as CaseState
from dispatch import nbd, selectors, services
from dispatch import workflow as flow
from dispatch.eligibility import REASON_TEXT, Reason
from dispatch.forms import site_time
from dispatch.models import Dispatch, ScheduleChange
from dispatch.rescheduling import reschedule_terms
from dispatch.todos import current_dispatch
from husky_support.calendar import CalendarError, business_calendar, business_days_between, site_zone
from partners.kinds import OrgKind
from partners.visibility import viewer_kind

PARTNER_KINDS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})


def reasons_in_words(codes: list[str], *, clearance_settled: bool = False) -> list[dict[str, str]]:
    """The eligibility reasons in words (codes stay in the API). Once Dell accepted the site's requirements, or
    none are stated any more, the clearance reason no longer applies and is left out."""
    out = []
    for code in codes:
        if clearance_settled and code == Reason.SECURITY_CLEARANCE_PENDING.value:
            continue
        try:
            out.append({"code": code, "text": REASON_TEXT[Reason(code)]})
        except ValueError:
            out.append({"code": code, "text": code.replace("_", " ")})
    return out


def _site(moment: datetime, zone: str, *, time: bool = True) -> str:
    local = moment.astimezone(site_zone(zone))
    return f"{local:%a} {local.day} {local:%b}" + (f" {local:%H:%M}" if time else "")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _window(start: datetime, end: datetime | None, zone: str) -> str:
    text = _site(start, zone)
    if end is not None:
        text += f"–{end.astimezone(site_zone(zone)):%H:%M}"
    return text + " (site)"


def _how_booked(change: ScheduleChange, zone: str) -> str:
    """How the current visit came to be where it is, in words."""
    when = _site(change.agreed_at, zone, time=False)
    if change.previous_start_at is None:
        who = change.changed_by.organisation.name if change.changed_by and change.changed_by.organisation else ""
        text = f"booked {'by ' + who + ' ' if who else ''}on {when}"
        return text + (f" ({change.past_target_reason})" if change.past_target_reason else "")
    if change.by_customer:
        text = f"moved at the customer's request on {when}"
    else:
        who = change.changed_by.organisation.name if change.changed_by and change.changed_by.organisation else "Dell"
        text = f"moved by {who} on {when}"
    return text + (", late, fee recorded" if change.late else "")


def nbd_story(dispatch: Dispatch, history: list[ScheduleChange]) -> dict[str, Any]:
    """docs/rules.md rule 9 for the panel, the same words to the partner, MTS and Dell: the verdict badge (with the
    cause of a miss) and what happened to the visit against the target."""
    verdict = dispatch.nbd_verdict_enum
    cause = dispatch.nbd_miss_cause_enum
    target = dispatch.nbd_target_on
    zone = dispatch.site_timezone
    badge = {
        nbd.NbdVerdict.MET: "text-bg-success",
        nbd.NbdVerdict.MISSED: "text-bg-danger",
        nbd.NbdVerdict.AWAITING_OUTCOME: "text-bg-info",
    }.get(verdict, "")
    label = f"NBD missed: {cause.label}" if cause is not None else str(verdict.label)
    sentences: list[str] = []
    if target is not None and dispatch.kind == flow.DispatchKind.ONSITE:
        reported = [h for h in history if h.outcome_reported_at is not None]
        if verdict is nbd.NbdVerdict.MET and reported:
            first = min(reported, key=lambda h: h.visit_start_at)
            sentences.append(
                f"NBD met: the technician came on {_window(first.visit_start_at, first.visit_end_at, zone)}, by the "
                f"end of the target day {_day(target)}."
            )
        if verdict is nbd.NbdVerdict.MISSED and cause is not None:
            side = "the customer's side" if cause.customer_side else "Dell's side"
            sentences.append(f"NBD {_day(target)} missed: {cause.label} ({side}).")
        if verdict is nbd.NbdVerdict.AWAITING_OUTCOME and dispatch.visit_start_at is not None:
            sentences.append(
                f"The visit of {_window(dispatch.visit_start_at, dispatch.visit_end_at, zone)} started in time: its "
                "outcome decides the NBD target."
            )
        start = dispatch.visit_start_at
        late = start is not None and start.astimezone(site_zone(zone)).date() > target
        if start is not None and late and not dispatch.is_finished and history:
            sentences.append(
                f"Visit {_window(start, dispatch.visit_end_at, zone)} is after the NBD target {_day(target)}: "
                f"{_how_booked(history[-1], zone)}."
            )
    return {"verdict": verdict, "cause": cause, "badge": badge, "label": label, "sentences": sentences}


def _escalation_context(request: HttpRequest, case: Any, now: datetime) -> dict[str, Any]:
    user = request.user
    may = (
        viewer_kind(user) == OrgKind.MTS
        and case.state == CaseState.L2_MTS_INVESTIGATING
        and case.category == Category.HARDWARE
        and case.assignee_id == user.pk
    )
    preview, error = None, ""
    if may and case.unit is not None:
        try:
            preview = selectors.eligibility_for_unit(case.unit, qualified_at=now, site_country=case.site_country)
        except (CalendarError, ValueError) as exc:
            error = str(exc)
    return {"can_escalate": may, "preview": preview, "preview_error": error}


def panel_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    user = request.user
    kind = viewer_kind(user)
    now = timezone.now()
    dispatch = current_dispatch(request, case)
    context: dict[str, Any] = {"case": case, "dispatch": dispatch, "now": now, "viewer_kind": kind}
    context["viewer_zone"] = getattr(user, "viewer_timezone", "UTC")
    if dispatch is None:
        return {**context, **_escalation_context(request, case, now)}
    facts = services.dispatch_facts(dispatch, now=now, parts_count=len(dispatch.parts.all()))
    actions = flow.available_actions(dispatch.kind, dispatch.state, kind, facts)
    terms = None
    if dispatch.visit_start_at is not None and dispatch.visit_start_at > now and not dispatch.is_finished:
        terms = reschedule_terms(dispatch.visit_start_at, now, dispatch.site_timezone)
    parts = list(dispatch.parts.all())
    snapshot = dispatch.eligibility or {}
    history = list(dispatch.schedule_changes.all())  # prefetched with who changed it
    typed = _typed_back(request, dispatch)
    proposed = typed.get("visit_start_at")
    settled = not dispatch.clearance_enum.pending
    rescheduling = flow.Action.RESCHEDULE in actions
    return {
        **context,
        # what the template asks more than once, decided here (each {% if %} of a lookup costs a dozen calls)
        "parts_only": dispatch.kind == flow.DispatchKind.PARTS_ONLY,
        "onsite": dispatch.kind == flow.DispatchKind.ONSITE,
        "finished": dispatch.is_finished,
        "rescheduling": rescheduling,
        "schedule_action": "reschedule" if rescheduling else ("schedule" if flow.Action.SCHEDULE in actions else ""),
        "actions": set(actions),
        "action_buttons": [
            a
            for a in actions
            if a
            in {
                flow.Action.RESUBMIT,
                flow.Action.SHIP_PARTS,
                flow.Action.CONFIRM_DELIVERY,
                flow.Action.COMPLETE,
                flow.Action.CANCEL,
            }
        ],
        "reasons": reasons_in_words(snapshot.get("reasons", []), clearance_settled=settled),
        "nbd_now_guaranteed": bool(dispatch.nbd_target_on) and settled and not snapshot.get("nbd_eligible"),
        "nbd": nbd_story(dispatch, history),
        "typed": typed,
        "visit_notes": services.visit_notes(dispatch, proposed) if proposed else [],
        "current_visit_notes": services.visit_notes(dispatch, dispatch.visit_start_at)
        if dispatch.visit_start_at is not None and not dispatch.is_finished
        else [],
        "asks_reason": kind == OrgKind.DELL and not history and dispatch.nbd_target_on is not None,
        "snapshot": snapshot,
        "clearance_pending": dispatch.clearance_enum.pending,
        "clearance_actions": flow.available_clearance_actions(dispatch.clearance_enum, kind),
        "can_edit_site": kind in {OrgKind.MTS, *PARTNER_KINDS} and not dispatch.is_finished,
        "can_add_part": kind in {OrgKind.DELL, OrgKind.MTS}
        and not dispatch.is_finished
        and len(parts) < services.MAX_PARTS,
        "can_update_parts": kind in {OrgKind.DELL, OrgKind.MTS},
        "may_waive": services.may_waive_fees(user),
        "parts": parts,
        "fees": list(dispatch.fees.all()),
        "history": history,
        "terms": terms,
        "outcomes": list(flow.Outcome),
        "max_parts": services.MAX_PARTS,
    }


TYPED_KEY = "dispatch_typed"


def _typed_back(request: HttpRequest, dispatch: Dispatch) -> dict[str, Any]:
    """What a refused schedule/reschedule form held, kept for one showing of the panel (views.transition)."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    typed = session.pop(TYPED_KEY, None)
    if not isinstance(typed, dict) or typed.get("dispatch") != dispatch.pk:
        return {}
    out: dict[str, Any] = {k: str(v) for k, v in typed.items() if k != "dispatch"}
    start = site_time(out.get("visit_start", ""), dispatch.site_timezone)
    if start is not None:
        out["visit_start_at"] = start
    return out


def dispatch_panel(request: HttpRequest, case: Any) -> str:
    """The dispatch section of the case page for MTS, the partner and Dell."""
    return render_to_string("dispatch/_panel.html", panel_context(request, case), request=request)


def eligibility_panel(request: HttpRequest, case: Any) -> str:
    """The unit's Dell onsite eligibility and NBD target for a case qualified now (site-local), with a link to the
    full card; nothing for a case without a unit. A place the rules cannot evaluate says so instead of failing."""
    unit = getattr(case, "unit", None)
    if unit is None:
        return ""
    if current_dispatch(request, case) is not None:  # read once for the page: the dispatch panel reuses it
        return ""  # the dispatch panel shows the eligibility frozen at qualification; "if qualified now" would confuse
    now = timezone.now()
    answer, error = None, ""
    try:
        answer = selectors.eligibility_for_unit(unit, qualified_at=now, site_country=case.site_country or None)
    except (CalendarError, ValueError) as exc:
        error = str(exc)
    return render_to_string(
        "dispatch/_case_eligibility.html",
        {"case": case, "unit": unit, "answer": answer, "error": error, "now": now},
        request=request,
    )


def _business_days_since(moment: datetime, now: datetime, country: str, zone: str) -> int | None:
    """Whole business days at the site from the day `moment` fell on to today (the package calendar, no query)."""
    try:
        calendar = business_calendar(country)
        start = moment.astimezone(site_zone(zone)).date()
        today = now.astimezone(site_zone(zone)).date()
    except (CalendarError, ValueError):
        return None
    return sum(1 for _ in business_days_between(start, today + timedelta(days=1), calendar))


def queue_details(cases: list[Any], now: datetime) -> dict[int, QueueDetails]:
    """The cases.hooks seam for the triage queue: each L3 row's dispatch in words, from the open dispatch
    annotate_queue named (one query for the page): its state and age in business days, "NBD missed" with the
    cause, "NBD at risk" when the target day has come at the site with nothing decided, and a request Dell
    has not accepted within a business day."""
    ids = [pk for case in cases if (pk := getattr(case, "dispatch_open_id", None)) is not None]
    if not ids:
        return {}
    dispatches = selectors.queue_dispatches(ids)
    out: dict[int, QueueDetails] = {}
    for case in cases:
        dispatch = dispatches.get(getattr(case, "dispatch_open_id", None))
        if dispatch is None:
            continue
        state = dispatch["state"]
        zone = dispatch["site_timezone"]
        age = _business_days_since(dispatch["created_at"], now, dispatch["site_country"], zone)
        state_label = flow.State(state).label
        text = state_label if age is None else f"{state_label} · {age} business day{'s' if age != 1 else ''}"
        verdict = nbd.NbdVerdict(dispatch["nbd_verdict"] or nbd.NbdVerdict.PENDING)
        target = dispatch["nbd_target_on"]
        flag, flag_text = "", ""
        if verdict is nbd.NbdVerdict.MISSED:
            cause = nbd.MissCause(dispatch["nbd_miss_cause"]) if dispatch["nbd_miss_cause"] else None
            flag, flag_text = "missed", f"NBD missed: {cause.label}" if cause else "NBD missed"
        elif verdict is nbd.NbdVerdict.AWAITING_OUTCOME:
            flag, flag_text = "at_risk", "NBD at risk: the visit's outcome is not reported"
        elif verdict is nbd.NbdVerdict.PENDING and target is not None:
            today = now.astimezone(site_zone(zone)).date()
            if today >= target:
                flag, flag_text = "at_risk", "NBD at risk: the target day has come at the site"
        if not flag and state == flow.State.REQUESTED and age is not None and age >= 1:
            flag, flag_text = "waiting", f"Not accepted by Dell for {text.split(' · ')[-1]}"
        out[case.pk] = QueueDetails(dispatch_text=text, nbd_flag=flag, nbd_flag_text=flag_text, nbd_target_on=target)
    return out
