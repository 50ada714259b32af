"""Factories for units, orders, locations and service-tag transfers."""

import datetime as dt

import factory

from servicetags.models import Location, LocationSource, Order, ServiceTagTransfer, TransferStatus, Unit, UnitModel
from tests.partners.factories import ResellerFactory


def _tag(n: int) -> str:
    # Service tags are 5–7 characters A–Z/0–9: "TAG" + a zero-padded counter.
    return f"T{n:06d}"[-7:]


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    reseller = factory.SubFactory(ResellerFactory)
    distributor = factory.LazyAttribute(lambda o: o.reseller.distributor)
    end_customer_name = "Harbour Logistics A/S"
    shipped_on = dt.date(2026, 3, 2)
    address_line1 = "Havnegade 1"
    city = "Copenhagen"
    postal_code = "1058"
    country = "DK"
    timezone = "Europe/Copenhagen"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("service_tag",)

    service_tag = factory.Sequence(_tag)
    model = UnitModel.IVO_350R.value
    warranty_start_on = dt.date(2026, 1, 1)
    warranty_end_on = dt.date(2029, 12, 31)
    nbd_onsite = True
    kyhd = False
    extended_years = 0
    reseller = factory.SubFactory(ResellerFactory)
    end_customer_name = "Harbour Logistics A/S"
    shipped_on = dt.date(2026, 1, 5)
    address_line1 = "Havnegade 1"
    address_line2 = ""
    city = "Copenhagen"
    postal_code = "1058"
    country = "DK"
    subdivision = ""
    timezone = "Europe/Copenhagen"
    location_confirmed = False


class ConfirmedUnitFactory(UnitFactory):
    location_confirmed = True
    location_confirmed_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 20, 9, 0, tzinfo=dt.UTC))


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    unit = factory.SubFactory(UnitFactory)
    source = LocationSource.ORDER.value
    recorded_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    address_line1 = factory.SelfAttribute("unit.address_line1")
    city = factory.SelfAttribute("unit.city")
    postal_code = factory.SelfAttribute("unit.postal_code")
    country = factory.SelfAttribute("unit.country")
    timezone = factory.SelfAttribute("unit.timezone")


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTagTransfer

    unit = factory.SubFactory(UnitFactory)
    status = TransferStatus.DRAFT.value
    filed_by_org = factory.SelfAttribute("unit.reseller")
    address_line1 = "Strandvejen 100"
    city = "Hellerup"
    postal_code = "2900"
    country = "DK"
    timezone = "Europe/Copenhagen"
