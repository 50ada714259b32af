"""Small presentation helpers for case pages: badge colours and SLA wording (all output is escaped)."""

import functools
from datetime import datetime

from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from cases.checklist import Priority
from cases.workflow import Action, State
from husky_support.markup import esc, fill

register = template.Library()

STATE_CLASS = {
    State.L1_RESELLER: "text-bg-secondary",
    State.L2_MTS_QUEUE: "text-bg-primary",
    State.L2_MTS_INVESTIGATING: "text-bg-info",
    State.AWAITING_PARTNER: "text-bg-warning",
    State.L3_DELL: "text-bg-dark",
    State.RESOLVED: "text-bg-success",
    State.CLOSED: "text-bg-light border",
}
PRIORITY_CLASS = {
    Priority.P1_CRITICAL: "text-bg-danger",
    Priority.P2_HIGH: "text-bg-warning",
    Priority.P3_NORMAL: "text-bg-secondary",
    Priority.P4_LOW: "text-bg-light border",
}


@register.simple_tag
@functools.cache  # a handful of states: each badge is built once per process, not once per row
def state_badge(state: str):
    s = State(state)
    return format_html('<span class="badge state-badge {}">{}</span>', STATE_CLASS[s], s.label)


@register.simple_tag
@functools.cache
def priority_badge(priority: str):
    p = Priority(priority)
    return format_html(
        '<span class="badge {}" title="{}" data-priority>{}</span>', PRIORITY_CLASS[p], p.label, p.label.split(" ")[0]
    )


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


@register.filter
def age(then: datetime, now: datetime) -> str:
    """Compact age (“5 h”, “3 d”): cheaper than |timesince, which translates every unit, on long lists."""
    return _span((now - then).total_seconds())


@register.simple_tag
def sla_badge(due: datetime | None, now: datetime):
    """“in 3 h” / “overdue 2 h” with colour; a dash when no MTS clock runs."""
    if due is None:
        return format_html('<span class="text-body-secondary small">{}</span>', "—")
    delta = due - now
    amount = _span(delta.total_seconds())
    if delta.total_seconds() < 0:
        return format_html('<span class="badge text-bg-danger">overdue {}</span>', amount)
    css = "text-bg-warning" if delta.total_seconds() < 3600 else "text-bg-light border"
    return format_html('<span class="badge {}">in {}</span>', css, amount)


@register.simple_tag
def sla_status(display: dict | None):
    """The SLA badge and the business time left in words ("2 h 10 min left"), coloured by sla_state."""
    if not display or display["state"] == "none":
        return fill('<span class="text-body-secondary small">{}</span>', "—")
    if display["state"] == "ok":
        return fill('<span class="badge {}" data-sla="ok">{}</span>', display["css"], display["words"])
    return fill(
        '<span class="badge {}" data-sla="{}">{}</span> <span class="small">{}</span>',
        display["css"],
        display["state"],
        display["label"].lower(),
        display["words"],
    )


@register.filter
def action_label(action: str) -> str:
    try:
        return Action(action).label
    except ValueError:
        return action


@register.filter
def filesize(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


@register.filter
def field_label(name: str) -> str:
    from cases.models import Case

    try:
        return str(Case._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown name shows as itself
        return name.replace("_", " ")


@register.simple_tag
def filter_control(field):
    """A filter form's <select> or text <input>, built directly. The triage queue draws its filter bar on
    every request, and Django's template-based widgets cost one template render per option: this is a
    fifth of the page's time at 25 rows. Every value is escaped by format_html."""
    widget = field.field.widget
    attrs = {"name": field.html_name, "id": field.auto_id, **widget.attrs}
    value = field.value()
    if isinstance(widget, forms.Select):
        return format_html("<select{}>{}</select>", flatatt(attrs), select_options(field))
    if value not in (None, ""):
        attrs["value"] = value
    return format_html("<input{}>", flatatt({"type": widget.input_type, **attrs}))


@register.simple_tag
def select_options(field):
    """A select's <option>s with the field's value chosen. The options are the same on every request (some 250
    countries): built once per list of choices and language, then the chosen one is marked. The cache key
    holds the labels as text, so each language is its own entry."""
    value = field.value()
    options = _options(tuple((str(choice), str(label)) for choice, label in field.field.choices))
    chosen = format_html('<option value="{}">', "" if value is None else str(value))
    if chosen not in options:
        return options
    return mark_safe(options.replace(chosen, chosen[:-1] + " selected>", 1))  # noqa: S308 - escaped by format_html


@functools.lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...]) -> str:
    return format_html_join("", '<option value="{}">{}</option>', choices)


@register.simple_tag
def is_new(event, seen_before, user) -> bool:
    """A timeline entry someone else added since the viewer last opened the case (never opened: none marked)."""
    if not isinstance(seen_before, datetime) or event.at <= seen_before:
        return False
    return event.actor_id != getattr(user, "pk", None)


def _key(data, name: str):
    # A template's `data.name` on a JSON value: a missing key (or a value that is not a mapping) is "".
    try:
        return data[name]
    except (KeyError, TypeError, IndexError):
        return ""


_NEW_BADGE = '<span class="badge text-bg-primary me-1">New</span>'
_INTERNAL_BADGE = '<span class="badge text-bg-warning ms-1">MTS internal</span>'
_ARROW = ' <i class="bi bi-arrow-right" aria-hidden="true"></i> '


def _event_body(e) -> str:
    """What the event did, as the timeline's old per-kind {% if %} chain wrote it (escaped)."""
    if e.kind == "transition":
        return fill(
            "\n      <div><strong>{}</strong>: {}{}{}</div>\n    ",
            action_label(e.action),
            state_badge(e.from_state),
            mark_safe(_ARROW),  # noqa: S308 - constant markup
            state_badge(e.to_state),
        )
    if e.kind == "created":
        return "<div><strong>Opened the case</strong></div>\n    "
    if e.kind == "attachment":
        return fill(
            '<div><i class="bi bi-paperclip" aria-hidden="true"></i> Attached <strong>{}</strong></div>\n    ',
            _key(e.data, "filename"),
        )
    if e.kind == "dispatch":
        return fill(
            '<div><i class="bi bi-truck" aria-hidden="true"></i> <strong>Dell dispatch</strong>: {}</div>\n    ',
            _key(e.data, "label") or e.action,
        )
    if e.kind == "field_change":
        changes = _key(e.data, "changes") or []
        return fill("<div>Changed {}</div>\n    ", mark_safe(", ".join(esc(field_label(f)) for f in changes)))  # noqa: S308
    return ""


@register.simple_tag
def timeline_items(events, case, seen_before, user):
    """The timeline's entries (<li>s), built here rather than by ~25 template nodes an entry: the case page's
    largest rendering cost. Every value is escaped as the template escaped it; tests hold it to the old markup."""
    from partners.templatetags.husky_time import dual_time

    parts = []
    zone = case.site_timezone
    for e in events:
        fresh = is_new(e, seen_before, user)
        actor = e.actor
        if actor:
            org = actor.organisation
            who = fill(
                '<strong class="text-body">{}</strong> <span class="org-{}">{}</span>',
                actor.get_full_name() or actor.username,
                org.kind if org is not None else "",
                org.name if org is not None else "",
            )
        else:
            who = '<strong class="text-body">Husky Support</strong> (automatic)'
        note = ""
        if e.note:
            css = ""
            if e.kind == "comment":
                css = " p-2 rounded bg-warning-subtle" if e.internal else " p-2 rounded bg-body-tertiary"
            note = fill('<div class="event-note mt-1{}">{}</div>', css, e.note)
        parts.append(
            '\n  \n  <li class="{}{}">\n    <div class="small text-body-secondary">\n      {}\n      {} ·\n      {}\n'
            "      {}\n    </div>\n    {}\n    {}\n  </li>\n  ".format(
                "internal" if e.internal else "",
                " new-since-seen" if fresh else "",
                _NEW_BADGE if fresh else "",
                dual_time(e.at, zone, "D j M, H:i", quiet_same=True),
                who,
                _INTERNAL_BADGE if e.internal else "",
                _event_body(e),
                note,
            )
        )
    if not parts:
        return mark_safe("<li>No activity yet.</li>\n  ")  # noqa: S308 - constant markup
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped or constant markup
