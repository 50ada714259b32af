"""Pages: the in-app notification list with mark-all-read and the preferences form, and the navigation
badge fragment htmx refreshes every minute. The same functions as the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from cases import preferences
from partners.notifications import services as notifications
from partners.notifications.models import Mode, Topic


class PreferencesForm(forms.Form):
    timezone = forms.CharField(
        required=False, max_length=64, help_text="IANA zone, e.g. Europe/Copenhagen; empty = your organisation's."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for topic, label in Topic.choices:
            self.fields[f"topic_{topic}"] = forms.ChoiceField(label=label, choices=Mode.choices)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"


@require_safe
def notification_badge(request: HttpRequest) -> HttpResponse:
    count = notifications.unread_count(request.user)
    if not count:
        return HttpResponse("")
    return HttpResponse(
        format_html(
            '<span class="badge rounded-pill text-bg-danger ms-1">{}'
            '<span class="visually-hidden"> unread</span></span>',
            count if count < 100 else "99+",
        )
    )


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = preferences.preferences_of(user)
    initial = {"timezone": current["timezone"], **{f"topic_{t}": m for t, m in current["topics"].items()}}
    form = PreferencesForm(initial=initial)
    if request.method == "POST":
        if "mark_all_read" in request.POST:
            notifications.mark_read(user, now=timezone.now())
            return redirect("cases:notifications")
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                preferences.preferences_save(
                    actor=user,
                    timezone=data["timezone"].strip(),
                    topics={t: data[f"topic_{t}"] for t in Topic.values},
                )
            except forms.ValidationError as refused:
                for field, errors in refused.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Your preferences are saved.")
                return redirect("cases:notifications")
    topic = request.GET.get("topic", "")
    if topic not in Topic.values:
        topic = ""
    rows = list(notifications.notifications_for(user, topic=topic or None)[:100])
    groups = group_by_object(rows, zone=user.viewer_timezone)
    topics = [{"value": value, "label": label.split(":")[0]} for value, label in Topic.choices]
    return render(
        request,
        "cases/notifications.html",
        {"groups": groups, "form": form, "current": current, "topic": topic, "topics": topics},
    )


def group_by_object(rows: list, *, zone: str) -> list[dict]:
    """The rows grouped by what they are about (a case with its dispatch, or the object), the group with
    the newest row first."""
    groups: dict[tuple[str, object], dict] = {}
    for row in rows:  # newest first
        key = ("case", row.data["case_number"]) if row.data.get("case_number") else (row.object_type, row.object_id)
        group = groups.setdefault(
            key,
            {
                "label": row.data.get("group_label") or row.data.get("label", ""),
                "url": row.data.get("group_url") or row.data.get("url", ""),
                "service_tag": row.data.get("service_tag", ""),
                "items": [],
                "unread": 0,
            },
        )
        site_zone = row.data.get("site_zone", "")
        text = notifications.describe(row, zone=zone, site_zone=site_zone)
        if key[0] == "case" and text.startswith(f"{key[1]}: "):
            text = text[len(key[1]) + 2 :]  # the group's heading names the case
        group["items"].append({"row": row, "text": text[:1].upper() + text[1:]})
        group["unread"] += row.read_at is None
    return list(groups.values())
