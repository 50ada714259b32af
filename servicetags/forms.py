"""Forms of the service-tag pages: they check shape and hold the crispy helper; services decide the rest."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row, Submit
from django import forms

from partners.models import Organisation
from partners.widgets import CountryField, TimezoneField
from servicetags.models import UnitModel


def add_address_fields(form: forms.Form) -> None:
    form.fields["address_line1"] = forms.CharField(label="Address line 1", max_length=200)
    form.fields["address_line2"] = forms.CharField(label="Address line 2", max_length=200, required=False)
    form.fields["city"] = forms.CharField(max_length=100)
    form.fields["postal_code"] = forms.CharField(max_length=20, required=False)
    form.fields["country"] = CountryField()
    form.fields["subdivision"] = forms.CharField(
        max_length=10, required=False, label="State / region", help_text="ISO 3166-2, e.g. US-CA (optional)."
    )
    form.fields["timezone"] = TimezoneField(label="Time zone")


def address_layout(legend: str) -> Fieldset:
    return Fieldset(
        legend,
        "address_line1",
        "address_line2",
        Row(Column("postal_code", css_class="col-md-4"), Column("city", css_class="col-md-8")),
        Row(Column("country", css_class="col-md-6"), Column("subdivision", css_class="col-md-6")),
        "timezone",
    )


def apply_errors(form: forms.Form, fields: dict) -> None:
    """Show a service's field problems beside the matching fields (others on top)."""
    for name, items in fields.items():
        if name == "units":
            continue
        for item in items:
            form.add_error(
                name if name in form.fields else None, forms.ValidationError(item["message"], code=item["code"])
            )


class OrderForm(forms.Form):
    reseller = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label="Choose a reseller…")
    store_reference = forms.CharField(
        label="Milestone Store order number", max_length=40, required=False, help_text="Optional."
    )
    end_customer_name = forms.CharField(label="End customer", max_length=200)
    shipped_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    model = forms.ChoiceField(label="Model", choices=[("", "Choose a model…"), *UnitModel.choices], required=False)
    warranty_start_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    warranty_end_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    nbd_onsite = forms.BooleanField(label="NBD onsite", required=False)
    kyhd = forms.BooleanField(label="Keep Your Hard Drive (KYHD)", required=False)
    extended_years = forms.IntegerField(label="Extended warranty years", min_value=0, max_value=5, initial=0)
    units_text = forms.CharField(
        label="Service tags",
        widget=forms.Textarea(attrs={"rows": 7, "class": "font-monospace", "spellcheck": "false"}),
        required=False,
        help_text="One service tag per line (optionally “TAG, model”), or CSV with a header naming service_tag, "
        "model, warranty_start_on, warranty_end_on, nbd_onsite, kyhd, extended_years. "
        "Columns left out use the values above.",
    )
    units_file = forms.FileField(label="…or upload a CSV file", required=False)

    def __init__(self, *args, resellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_address_fields(self)
        if resellers is not None:
            self.fields["reseller"].queryset = resellers
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Order",
                Row(Column("reseller", css_class="col-md-6"), Column("store_reference", css_class="col-md-6")),
                Row(Column("end_customer_name", css_class="col-md-8"), Column("shipped_on", css_class="col-md-4")),
            ),
            address_layout("Initial shipping address (each unit's first known location)"),
            Fieldset(
                "Units and purchased services",
                Row(
                    Column("model", css_class="col-md-4"),
                    Column("warranty_start_on", css_class="col-md-4"),
                    Column("warranty_end_on", css_class="col-md-4"),
                ),
                Row(
                    Column("nbd_onsite", css_class="col-md-4 pt-md-4"),
                    Column("kyhd", css_class="col-md-4 pt-md-4"),
                    Column("extended_years", css_class="col-md-4"),
                ),
                "units_text",
                "units_file",
            ),
            Div(Submit("submit", "Create order", css_class="btn-primary"), css_class="mt-3"),
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("units_file")
        if upload:
            try:
                cleaned["units_text"] = upload.read(1_000_000).decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("units_file", forms.ValidationError("Upload a UTF-8 CSV file.", code="invalid_csv"))
        if not (cleaned.get("units_text") or "").strip() and "units_file" not in self.errors:
            self.add_error("units_text", forms.ValidationError("Add at least one service tag.", code="no_units"))
        return cleaned


class TransferForm(forms.Form):
    end_customer_name = forms.CharField(label="End customer", max_length=200, required=False)
    contact_name = forms.CharField(label="Site contact", max_length=200, required=False)
    contact_email = forms.EmailField(label="Site contact email", required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note for Dell")

    def __init__(self, *args, can_submit: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        add_address_fields(self)
        self.helper = FormHelper()
        buttons = [StrictButton("Save draft", type="submit", name="save", value="1", css_class="btn-outline-secondary")]
        if can_submit:
            buttons.insert(0, Submit("submit_to_dell", "Submit to Dell", css_class="btn-primary"))
        self.helper.layout = Layout(
            address_layout("Final location of the unit"),
            Fieldset(
                "Customer and contact",
                "end_customer_name",
                Row(Column("contact_name", css_class="col-md-6"), Column("contact_email", css_class="col-md-6")),
                "note",
            ),
            HTML(
                '<p class="small text-body-secondary">Dell confirms within 7 business days inside a country and '
                "10 across countries. Only a confirmed transfer changes the registered location.</p>"
            ),
            Div(*buttons, css_class="d-flex gap-2"),
        )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="The partner sees this reason.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ConfirmForm(forms.Form):
    dell_reference = forms.CharField(label="Dell reference", max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


REGISTERED_CHOICES = [("", "Any location status"), ("yes", "Final location registered"), ("no", "Not registered")]


class UnitFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Tag or customer"})
    )
    registered = forms.ChoiceField(choices=REGISTERED_CHOICES, required=False, label="Location")
    country = CountryField(required=False, empty_label="Any country", help_text="")
    reseller = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="All resellers")

    def __init__(self, *args, resellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resellers is not None:
            self.fields["reseller"].queryset = resellers
        else:
            del self.fields["reseller"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
