"""Page forms: shape only (the services normalise and decide); each holds its crispy helper."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms

from cases.checklist import (
    MAX_USERS_IMPACTED,
    PPID_HELP,
    TITLE_ONE_LINE,
    USERS_IMPACTED_RANGE,
    Category,
    ChecklistInput,
    HardwareComponent,
    InvalidPpid,
    normalize_ppid,
)
from cases.selectors import AGE_FILTERS, QUEUE_SORTS
from cases.workflow import State
from husky_support.text import has_line_break
from partners.widgets import CountryField

YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]


def _tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _tri_initial(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]  # None maps to ""


class CaseForm(forms.Form):
    """The open-case / edit-case form with the MTS checklist; the page shows what is still missing live."""

    title = forms.CharField(max_length=200, help_text="One line MTS will recognise, e.g. “Recording stops on drive 3”.")
    category = forms.ChoiceField(choices=[(c.value, c.label) for c in Category], widget=forms.RadioSelect)
    component = forms.ChoiceField(
        choices=[("", "—"), *[(c.value, c.label) for c in HardwareComponent]],
        required=False,
        label="Hardware component",
    )
    service_tag = forms.CharField(
        max_length=20, required=False, help_text="5–7 letters and digits on the unit's label, e.g. 7XK2M93."
    )
    reseller = forms.ModelChoiceField(queryset=None, required=False, help_text="The reseller this case is for.")
    site_address_line1 = forms.CharField(max_length=200, required=False, label="Site street address")
    site_address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    site_city = forms.CharField(max_length=100, required=False, label="City")
    site_postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    site_country = CountryField(required=False, label="Country", help_text="")
    site_timezone = forms.CharField(max_length=64, required=False, label="Site time zone")
    ppids = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Hard drive PPID(s)", help_text=PPID_HELP
    )
    users_impacted = forms.IntegerField(
        required=False,
        label="Users impacted",
        min_value=0,
        max_value=MAX_USERS_IMPACTED,
        error_messages={"min_value": USERS_IMPACTED_RANGE, "max_value": USERS_IMPACTED_RANGE},
    )
    in_production = forms.ChoiceField(choices=YES_NO, required=False, label="System in production?")
    failure_description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="What is the failure?"
    )
    troubleshooting_done = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Troubleshooting done so far"
    )
    customer_available_for_diagnostics = forms.ChoiceField(
        choices=YES_NO, required=False, label="Is the customer available and able to run diagnostics?"
    )
    diagnostics_unavailable_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="If not, why not?"
    )
    supportassist_unavailable_reason = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="No SupportAssist collection (TSR/DSET)? Say why",
        help_text="Recommended for hardware faults: attach the collection, or say why it cannot be made. "
        "It does not hold up the escalation.",
    )
    attachment = forms.FileField(
        required=False,
        label="SupportAssist collection (TSR/DSET) or screenshot",
        help_text="Optional now; you can add files on the case page later.",
    )

    def __init__(self, *args, resellers=None, with_attachment=True, **kwargs):
        super().__init__(*args, **kwargs)
        if resellers is None:
            del self.fields["reseller"]
        else:
            self.fields["reseller"].queryset = resellers
        if not with_attachment:
            del self.fields["attachment"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                "The problem",
                "title",
                Div(Div("category", css_class="col-md-6"), Div("component", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("service_tag", css_class="col-md-6"),
                    *([Div("reseller", css_class="col-md-6")] if resellers is not None else []),
                    css_class="row",
                ),
                HTML('<div id="unit-info" class="mb-3" aria-live="polite"></div>'),
            ),
            Fieldset(
                "Where the unit is",
                HTML(
                    '<p class="small text-body-secondary">Pre-filled from the unit’s registered location; '
                    "change it if the unit stands somewhere else.</p>"
                ),
                "site_address_line1",
                "site_address_line2",
                Div(
                    Div("site_postal_code", css_class="col-md-3"),
                    Div("site_city", css_class="col-md-9"),
                    css_class="row",
                ),
                Div(
                    Div("site_country", css_class="col-md-6"),
                    Div("site_timezone", css_class="col-md-6"),
                    css_class="row align-items-end",
                ),
                HTML('<div id="country-flag" aria-live="polite"></div>'),
            ),
            Fieldset(
                "Impact and diagnosis",
                Div(
                    Div("users_impacted", css_class="col-md-6"),
                    Div("in_production", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(Field("ppids"), css_id="ppid-group"),
                "failure_description",
                "troubleshooting_done",
                "customer_available_for_diagnostics",
                "diagnostics_unavailable_reason",
                "supportassist_unavailable_reason",
            ),
            *([Fieldset("Logs", "attachment")] if with_attachment else []),
        )

    @classmethod
    def initial_from_case(cls, case) -> dict:
        return {
            "title": case.title,
            "category": case.category,
            "component": case.component,
            "service_tag": case.unit.service_tag if case.unit_id else "",
            **case.site_address(),
            "ppids": "\n".join(case.ppids or []),
            "users_impacted": case.users_impacted,
            "in_production": _tri_initial(case.in_production),
            "failure_description": case.failure_description,
            "troubleshooting_done": case.troubleshooting_done,
            "customer_available_for_diagnostics": _tri_initial(case.customer_available_for_diagnostics),
            "diagnostics_unavailable_reason": case.diagnostics_unavailable_reason,
            "supportassist_unavailable_reason": case.supportassist_unavailable_reason,
        }

    def clean_ppids(self) -> list[str]:
        raw = self.cleaned_data.get("ppids") or ""
        lines = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
        out = []
        for line in lines:
            try:
                out.append(normalize_ppid(line))
            except InvalidPpid as exc:
                # The field's help text already explains what a PPID looks like; say only what is wrong.
                raise forms.ValidationError(exc.message.removesuffix(PPID_HELP).strip(), code=exc.code) from None
        return out

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        if has_line_break(title):
            raise forms.ValidationError(TITLE_ONE_LINE, code="title_not_one_line")
        return title

    def values(self) -> dict:
        """The service's `values` (EDITABLE_FIELDS minus the unit, which the view resolves)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "category": data["category"],
            "component": data.get("component") or "",
            "site_address_line1": data.get("site_address_line1", ""),
            "site_address_line2": data.get("site_address_line2", ""),
            "site_city": data.get("site_city", ""),
            "site_postal_code": data.get("site_postal_code", ""),
            "site_country": data.get("site_country", ""),
            "site_timezone": data.get("site_timezone", ""),
            "ppids": data.get("ppids") or [],
            "users_impacted": data.get("users_impacted"),
            "in_production": _tri(data.get("in_production", "")),
            "failure_description": data.get("failure_description", ""),
            "troubleshooting_done": data.get("troubleshooting_done", ""),
            "customer_available_for_diagnostics": _tri(data.get("customer_available_for_diagnostics", "")),
            "diagnostics_unavailable_reason": data.get("diagnostics_unavailable_reason", ""),
            "supportassist_unavailable_reason": data.get("supportassist_unavailable_reason", ""),
        }


def checklist_from_post(data) -> ChecklistInput:
    """A lenient ChecklistInput from raw form data, for the live checklist (nothing is validated or saved)."""
    try:
        category = Category(data.get("category") or Category.HARDWARE)
    except ValueError:
        category = Category.HARDWARE
    try:
        component = HardwareComponent(data.get("component")) if data.get("component") else None
    except ValueError:
        component = None
    users = data.get("users_impacted")
    try:
        users_impacted = int(users) if users is not None and str(users).strip() != "" else None
    except (TypeError, ValueError):  # a half-typed number is "not given yet" for the live checklist
        users_impacted = None
    raw_ppids = (data.get("ppids") or "").replace(",", "\n").splitlines()
    return ChecklistInput(
        category=category,
        component=component,
        service_tag=(data.get("service_tag") or "").strip(),
        site_address_lines=(data.get("site_address_line1", ""), data.get("site_address_line2", "")),
        site_city=data.get("site_city", ""),
        site_postal_code=data.get("site_postal_code", ""),
        site_country=data.get("site_country", ""),
        ppids=tuple(p for p in raw_ppids if p.strip()),
        users_impacted=users_impacted if users_impacted is None or users_impacted >= 0 else None,
        in_production=_tri(data.get("in_production", "")),
        failure_description=data.get("failure_description", ""),
        troubleshooting_done=data.get("troubleshooting_done", ""),
        customer_available_for_diagnostics=_tri(data.get("customer_available_for_diagnostics", "")),
        diagnostics_unavailable_reason=data.get("diagnostics_unavailable_reason", ""),
        supportassist_unavailable_reason=data.get("supportassist_unavailable_reason", ""),
    )


class QueueFilterForm(forms.Form):
    """Triage queue filters (GET); every choice is an allow-list."""

    state = forms.MultipleChoiceField(
        required=False,
        choices=[
            (s.value, s.label)
            for s in (State.L2_MTS_QUEUE, State.L2_MTS_INVESTIGATING, State.AWAITING_PARTNER, State.L3_DELL)
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority")])
    country = CountryField(required=False, empty_label="Any country", help_text="")
    assignee = forms.ChoiceField(
        required=False, choices=[("", "Anyone"), ("me", "Assigned to me"), ("none", "Unassigned")]
    )
    age = forms.ChoiceField(
        required=False,
        choices=[("", "Any age"), *[(k, f"Older than {k} day{'s' if k != '1' else ''}") for k in AGE_FILTERS]],
    )
    q = forms.CharField(
        required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "Number, title or tag"})
    )
    sort = forms.ChoiceField(required=False, choices=list(QUEUE_SORTS.items()))
    team = forms.ChoiceField(required=False, choices=[("", "My team")])

    def __init__(self, *args, teams=(), own_team=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.checklist import Priority

        # "" is the viewer's own team (the default), "all" every team.
        first = [("", f"My team ({own_team.name})")] if own_team is not None else [("", "All teams")]
        self.fields["team"].choices = [
            *first,
            *([("all", "All teams")] if own_team is not None else []),
            *[(str(team.pk), team.name) for team in teams],
        ]

        self.fields["priority"].choices = [("", "Any priority"), *[(p.value, p.label) for p in Priority]]
        for name, field in self.fields.items():
            if name != "state":
                css = (
                    "form-select form-select-sm"
                    if isinstance(field, forms.ChoiceField)
                    else "form-control form-control-sm"
                )
                field.widget.attrs["class"] = css
