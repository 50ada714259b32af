"""Forms of the dispatch pages: the "what if" questions of the eligibility card."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db import models
from django.urls import reverse

from dispatch.eligibility import qualified_at_problem
from dispatch.workload import Waiting
from husky_support.calendar import CalendarError, site_zone
from husky_support.pages import PostedForm, VersionField
from husky_support.text import plain_number
from partners.models import OverrideKind
from partners.widgets import CountryField


@cache
def _zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class EligibilityForm(forms.Form):
    """Qualified-at is a datetime-local read in the viewer's zone (the active zone of the request)."""

    qualified_at = forms.DateTimeField(
        label="Qualified at (your time)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The moment MTS qualifies the incident, in your own time zone.",
    )
    site_country = CountryField(
        label="Site country (from the case)",
        empty_label=None,
        help_text="Where the case says the unit is; eligibility needs it to match the registered country.",
    )
    partner_timezone = forms.ChoiceField(label="Partner time zone", choices=())

    def __init__(self, *args, service_tag: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_timezone"].choices = _zone_choices()
        url = reverse("dispatch:unit_eligibility", args=[service_tag])
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = url
        self.helper.form_class = "mt-2"
        self.helper.attrs = {"hx-get": url, "hx-target": "#eligibility-card", "hx-swap": "outerHTML"}
        self.helper.layout = Layout(
            Row(
                Column("qualified_at", css_class="col-md-4"),
                Column("site_country", css_class="col-md-3"),
                Column("partner_timezone", css_class="col-md-3"),
                Column(
                    Submit("check", "Check eligibility", css_class="w-100 mt-md-4"),
                    css_class="col-md-2 d-flex align-items-start",
                ),
            )
        )

    def clean_qualified_at(self):
        moment = self.cleaned_data["qualified_at"]
        problem = qualified_at_problem(moment)
        if problem is not None:
            raise forms.ValidationError(problem, code="qualified_at_out_of_range")
        return moment


# The dispatch panel's forms on the case page. They read the posted values into types (a version, a site-time
# datetime, part ids) and leave every rule to the services, which answer page and API with the same codes.


class _PanelForm(forms.Form):
    version = VersionField()
    note = forms.CharField(required=False)


class _SiteFields(forms.Form):
    """The site's representative and security requirements (dispatch.services.SITE_FIELDS)."""

    representative_name = forms.CharField(required=False)
    representative_phone = forms.CharField(required=False)
    representative_email = forms.CharField(required=False)
    security_requirements = forms.CharField(required=False)


class EscalateForm(_PanelForm, _SiteFields):
    """MTS escalates a case to Dell: the dispatch request's kind, representative and site requirements."""

    kind = forms.CharField(required=False)

    def dispatch_request(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.fields if name not in {"version", "note"}}


def site_time(raw: str, site_timezone: str) -> datetime | None:
    """A `datetime-local` value read as a wall-clock time at the site; None for what is not a date and time
    (the service then says the visit needs one) or for a site zone no calendar knows."""
    try:
        naive = datetime.fromisoformat(raw.strip())
        return naive if naive.tzinfo is not None else naive.replace(tzinfo=site_zone(site_timezone))
    except (ValueError, CalendarError):
        return None


class SiteTimeField(forms.CharField):
    """A form's `datetime-local` box read by site_time, in the zone the form sets."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.site_timezone = "UTC"

    def clean(self, value: Any) -> datetime | None:  # type: ignore[override]
        return site_time(super().clean(value), self.site_timezone)


class IdsField(forms.Field):
    """Ticked ids; a value that is not an id becomes 0, which the service refuses as not on the dispatch."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[int]:
        return [plain_number(raw) or 0 for raw in value or [] if isinstance(raw, str)]


class DispatchStepForm(_PanelForm):
    """One step of the dispatch (accept, schedule, reschedule, the visit's outcome ...), by its `action`."""

    action = forms.CharField(required=False)
    dispatch_number = forms.CharField(required=False)
    visit_start = SiteTimeField()
    visit_end = SiteTimeField()
    accept_fee = forms.BooleanField(required=False)
    outcome = forms.CharField(required=False)
    past_target_reason = forms.CharField(required=False)
    fitted_parts = IdsField(required=False)

    def __init__(self, *args: Any, site_timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("visit_start", "visit_end"):
            self.fields[name].site_timezone = site_timezone  # type: ignore[attr-defined]

    def step(self) -> dict[str, Any]:
        """The service's arguments: the visit's window under its names."""
        data = dict(self.cleaned_data)
        data["visit_start_at"] = data.pop("visit_start")
        data["visit_end_at"] = data.pop("visit_end")
        return data


class ClearanceForm(_PanelForm):
    action = forms.CharField(required=False)


class SiteForm(PostedForm, _SiteFields):
    """The site's representative and security requirements; a field not sent is left as it is."""

    version = VersionField()


class FeeWaiveForm(forms.Form):
    reason = forms.CharField(required=False)


class DispatchNoteForm(forms.Form):
    body = forms.CharField(required=False)


class PartForm(forms.Form):
    """A replacement part, as the panel's form sends it (the service checks the rules)."""

    part_number = forms.CharField(max_length=40)
    description = forms.CharField(max_length=200)
    quantity = forms.IntegerField(min_value=1, max_value=20, initial=1)
    is_hard_drive = forms.BooleanField(required=False)
    faulty_ppid = forms.CharField(max_length=30, required=False)
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=60, required=False)


class PartUpdateForm(PostedForm):
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=60, required=False)
    shipped_on = forms.DateField(required=False)
    delivered_on = forms.DateField(required=False)
    returned_on = forms.DateField(required=False)


QUEUE_STATE_CHOICES = [
    ("requested", "Requested"),
    ("accepted", "Accepted"),
    ("denied", "Denied"),
    ("scheduled", "Scheduled"),
    ("parts_shipped", "Parts shipped"),
    ("delivered", "Delivered"),
    ("completed", "Completed"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
    ("voided", "Voided"),
]
QUEUE_SORT_CHOICES = [("nbd", "NBD target"), ("visit", "Visit"), ("newest", "Newest"), ("oldest", "Oldest")]


class DispatchQueueForm(forms.Form):
    """Dell's queue filters. Unknown values are refused with a message, not silently ignored."""

    state = forms.MultipleChoiceField(choices=QUEUE_STATE_CHOICES, required=False)
    country = CountryField(required=False, empty_label="Any country", help_text="")
    overdue = forms.BooleanField(required=False, label="Overdue only (NBD missed or part not returned)")
    sort = forms.ChoiceField(choices=QUEUE_SORT_CHOICES, required=False)
    waiting = forms.ChoiceField(choices=[("", "Anything"), *Waiting.choices], required=False, label="Waiting")


class ScheduleView(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"


class ScheduleForm(forms.Form):
    """The schedule page's choices: a day or the week around it, optionally one country."""

    view = forms.ChoiceField(choices=ScheduleView.choices, required=False)
    on = forms.DateField(
        required=False, label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    country = CountryField(required=False, empty_label="Any country", help_text="")


# --- The coverage page (MTS admins edit; forms check shape, the services decide) -------------------


def _compact(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select form-select-sm"
        else:
            field.widget.attrs["class"] = "form-control form-control-sm"


class CoverageForm(forms.Form):
    """One country's coverage as the page edits it: every field is sent, an unticked box is "no"."""

    onsite_available = forms.BooleanField(required=False, label="Onsite")
    nbd_available = forms.BooleanField(required=False, label="NBD")
    kyhd_available = forms.BooleanField(required=False, label="KYHD")
    cutoff = forms.TimeField(
        label="Cut-off",
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a site-local time as HH:MM, e.g. 17:00."},
    )
    notes = forms.CharField(required=False, max_length=2000, widget=forms.TextInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _compact(self)


class CoverageAddForm(CoverageForm):
    country = CountryField(help_text="")

    field_order = ["country", "onsite_available", "nbd_available", "kyhd_available", "cutoff", "notes"]


class HolidayOverrideForm(forms.Form):
    subdivision = forms.CharField(
        required=False, max_length=6, help_text="ISO 3166-2 such as US-CA; empty for the whole country."
    )
    applies_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(choices=OverrideKind.choices, label="The day is")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _compact(self)


class HolidayOverrideAddForm(HolidayOverrideForm):
    country = CountryField(help_text="")

    field_order = ["country", "subdivision", "applies_on", "kind", "note"]
