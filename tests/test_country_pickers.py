"""Every country picker is the one shared field: ISO codes as values, names from django-countries, sorted by name."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cases.forms import CaseForm, QueueFilterForm
from dispatch.forms import DispatchQueueForm, EligibilityForm
from partners.widgets import CountryField, CountrySelect
from servicetags.forms import OrderForm, TransferForm, UnitFilterForm

PICKERS = [
    pytest.param(lambda: OrderForm(), "country", id="order form"),
    pytest.param(lambda: TransferForm(), "country", id="transfer form"),
    pytest.param(lambda: UnitFilterForm(), "country", id="unit list filter"),
    pytest.param(lambda: CaseForm(), "site_country", id="case form"),
    pytest.param(lambda: QueueFilterForm(), "country", id="triage queue filter"),
    pytest.param(lambda: EligibilityForm(service_tag="7XK2M93"), "site_country", id="eligibility card"),
    pytest.param(lambda: DispatchQueueForm(), "country", id="dispatch queue filter"),
]


def _names(field) -> list[str]:
    return [label for value, label in field.choices if value]


@pytest.mark.parametrize(("make", "name"), PICKERS)
def test_every_country_picker_is_the_shared_field_and_widget(make, name) -> None:
    field = make().fields[name]
    assert type(field) is CountryField
    assert type(field.widget) is CountrySelect


@pytest.mark.parametrize(("make", "name"), PICKERS)
def test_every_country_picker_lists_proper_names_sorted_by_name(make, name) -> None:
    names = _names(make().fields[name])
    assert len(names) == 249
    assert "United Kingdom (GB)" in names
    assert "American Samoa (AS)" in names
    assert not any("Britain (UK)" in n or "Samoa (American)" in n for n in names)
    assert names.index("Afghanistan (AF)") < names.index("Åland Islands (AX)") < names.index("Albania (AL)")
    assert names.index("Denmark (DK)") < names.index("Germany (DE)") < names.index("United Kingdom (GB)")
    assert names[-1] == "Zimbabwe (ZW)"


@pytest.mark.parametrize(
    ("raw", "cleaned"), [pytest.param("dk", "DK", id="lower case"), pytest.param(" gb ", "GB", id="spaces")]
)
def test_a_country_code_in_any_case_is_accepted(raw: str, cleaned: str) -> None:
    form = DispatchQueueForm({"country": raw})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == cleaned


@pytest.mark.parametrize("raw", ["ZZ", "DNK", "\ud800", "x" * 5000])
def test_an_unknown_country_keeps_the_code_unknown_country(raw: str) -> None:
    form = QueueFilterForm({"country": raw})
    assert not form.is_valid()
    error = form.errors.as_data()["country"][0]
    assert error.code == "unknown_country"
    assert "is not a country code" in " ".join(form.errors["country"])


@pytest.mark.django_db
def test_the_unit_list_filter_offers_countries_by_name(reseller_user) -> None:
    client = Client()
    client.force_login(reseller_user)
    html = client.get("/units/?country=gb").content.decode()
    select = re.search(r'<select[^>]*name="country".*?</select>', html, re.S)
    assert select is not None
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
    assert labels[0] == "Any country"
    assert labels[1:4] == ["Afghanistan (AF)", "Åland Islands (AX)", "Albania (AL)"]
    assert '<option value="GB" selected>United Kingdom (GB)</option>' in select.group(0)
