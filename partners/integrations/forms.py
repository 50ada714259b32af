"""Forms of the Integrations page: shape only; the webhook services check the values."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from partners.integrations.catalog import event_types, subscribable
from partners.integrations.models import DeliveryStatus


def _subscribable_choices() -> list[tuple[str, str]]:
    return [(t.value, f"{t.value} — {t.label}") for t in subscribable()]


def _event_type_filter_choices() -> list[tuple[str, str]]:
    return [("", "Any event type"), *[(t.value, t.value) for t in event_types()]]


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL", max_length=500, help_text="Your receiver, https://… Events are POSTed there as JSON."
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        choices=_subscribable_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type, including those added later.",
    )

    def __init__(self, *args, standalone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if standalone:
            self.helper.add_input(Submit("submit", "Add endpoint"))
        else:  # inside the page's own <form> with the version field and its own button
            self.helper.form_tag = False


class RedeliverForm(forms.Form):
    event_id = forms.CharField(label="Event id", max_length=40, required=False, help_text="evt_…")
    since = forms.DateTimeField(
        label="Or everything since",
        help_text="In your time zone.",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if bool(data.get("event_id")) == (data.get("since") is not None):
            raise forms.ValidationError("Give an event id or a time, not both.", code="event_or_since_required")
        return data


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *DeliveryStatus.choices], required=False)
    event_type = forms.ChoiceField(choices=_event_type_filter_choices, required=False)
    event_id = forms.CharField(max_length=40, required=False)
