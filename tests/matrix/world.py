"""Two worlds for the permission matrix, made through the real services: world A is the test's own reseller's
chain (a hardware case escalated to Dell with a part, a fee and an attachment, a unit, an order, a submitted
transfer, a webhook endpoint, an API token); world B is the same kind of records of a reseller under another
distributor, dispatched to another Dell organisation. Every role of the matrix is a member of world A."""

from __future__ import annotations

import importlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.apps import apps as django_apps

from cases import services as case_services
from cases.models import SlaPolicy
from dispatch import services as dispatch_services
from dispatch.models import Dispatch
from dispatch.services.fees import record_fee
from dispatch.workflow import FeeKind
from partners.integrations.models import WebhookEndpoint
from partners.kinds import Role
from partners.models import HolidayOverride
from partners.services import token_create
from tests.cases.factories import TeamFactory
from tests.dispatch.factories import dispatch_for
from tests.partners.factories import DellFactory, DistributorFactory, MtsFactory, ResellerFactory, UserFactory
from tests.servicetags.factories import OrderFactory, TransferFactory, UnitFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ROLES = ("anonymous", "reseller_admin", "reseller_agent", "distributor", "mts", "mts_admin", "dell")


@dataclass
class Side:
    """The records of one world, by the names the routes' URL arguments use."""

    case: object = None
    dispatch: object = None
    unit: object = None
    spare_unit: object = None  # a unit with no open transfer
    order: object = None
    transfer: object = None
    user: object = None
    organisation: object = None
    token_key: str = ""
    endpoint: object = None
    attachment: object = None
    part: object = None
    fee: object = None


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    own: Side = field(default_factory=Side)
    other: Side = field(default_factory=Side)
    team: object = None
    sla_policy: object = None
    override: object = None


def _zip() -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tsr/report.xml", "<report/>")
    buffer.seek(0)
    return buffer


def _side(*, reseller_admin, mts, dell_org, unit, distributor, now) -> Side:
    side = Side(unit=unit, organisation=reseller_admin.organisation)
    side.spare_unit = UnitFactory(reseller=reseller_admin.organisation, country=unit.country, timezone=unit.timezone)
    dispatch = dispatch_for(reseller_admin, mts, unit, now=now)
    if dispatch.dell_org_id != dell_org.pk:
        Dispatch.objects.filter(pk=dispatch.pk).update(dell_org=dell_org)
        dispatch.refresh_from_db()
    side.dispatch = dispatch
    side.case = dispatch.case
    side.part = dispatch_services.part_add(
        actor=mts,
        dispatch=dispatch,
        values={"part_number": "0F9NY0", "description": "1.2 TB SAS drive", "is_hard_drive": True},
        now=now,
    )
    side.fee = record_fee(
        dispatch, FeeKind.LATE_RESCHEDULE, actor=mts, now=now, reason="Moved two days before the visit."
    )
    buffer = _zip()
    side.attachment = case_services.attachment_create(
        actor=reseller_admin,
        case=side.case,
        name="tsr.zip",
        size=len(buffer.getvalue()),
        fileobj=buffer,
        now=now,
    )
    side.order = OrderFactory(reseller=reseller_admin.organisation, distributor=distributor)
    side.transfer = TransferFactory(unit=unit, status="submitted", submitted_at=now)
    side.user = UserFactory(username=f"{reseller_admin.username}-colleague", organisation=reseller_admin.organisation)
    token, _key = token_create(actor=reseller_admin, user=side.user, name="integration")
    side.token_key = token.token_key
    side.endpoint = WebhookEndpoint.objects.create(
        organisation=reseller_admin.organisation,
        url="https://hooks.example.com/husky",
        secret="whsec_" + "a" * 32,
        created_by=reseller_admin,
        created_at=now,
        updated_at=now,
    )
    return side


def build_world() -> World:
    """Both worlds, with every role's user and API token. Coverage is reseeded: a transactional test
    before this one may have flushed the migration's rows."""
    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(django_apps, None)
    now = NOW
    world = World()
    distributor = DistributorFactory(name="Nordic Distribution", country="DK", timezone="Europe/Copenhagen")
    reseller = ResellerFactory(name="Copenhagen Reseller", distributor=distributor)
    mts_org = MtsFactory()
    dell_org = DellFactory(name="Dell EMEA")
    users = {
        "reseller_admin": UserFactory(username="reseller", organisation=reseller, role=Role.ADMIN.value),
        "reseller_agent": UserFactory(username="reseller-agent", organisation=reseller),
        "distributor": UserFactory(username="distributor", organisation=distributor, role=Role.ADMIN.value),
        "mts": UserFactory(username="mts", organisation=mts_org),
        "mts_admin": UserFactory(username="mtsadmin", organisation=mts_org, role=Role.ADMIN.value, is_staff=True),
        "dell": UserFactory(username="dell", organisation=dell_org),
    }
    world.users = users
    world.team = TeamFactory()
    world.sla_policy, _ = SlaPolicy.objects.get_or_create(
        priority="p2_high", defaults={"first_response_minutes": 240, "next_update_minutes": 480}
    )
    world.override = HolidayOverride.objects.create(country="DK", applies_on=date(2026, 12, 28), note="Closed")
    unit = UnitFactory(service_tag="ABC1234", reseller=reseller)
    world.own = _side(
        reseller_admin=users["reseller_admin"],
        mts=users["mts"],
        dell_org=dell_org,
        unit=unit,
        distributor=distributor,
        now=now,
    )
    other_distributor = DistributorFactory(name="Other Distribution", country="US", timezone="America/New_York")
    other_reseller = ResellerFactory(
        name="Los Angeles Reseller", distributor=other_distributor, country="US", timezone="America/Los_Angeles"
    )
    other_admin = UserFactory(username="other-reseller", organisation=other_reseller, role=Role.ADMIN.value)
    other_unit = UnitFactory(
        service_tag="ZZZ9999",
        reseller=other_reseller,
        address_line1="600 Wilshire Blvd",
        city="Los Angeles",
        postal_code="90017",
        country="US",
        subdivision="US-CA",
        timezone="America/Los_Angeles",
    )
    world.other = _side(
        reseller_admin=other_admin,
        mts=users["mts"],
        dell_org=DellFactory(name="Dell Americas"),
        unit=other_unit,
        distributor=other_distributor,
        now=now + timedelta(minutes=5),
    )
    for role, user in users.items():
        _token, world.tokens[role] = token_create(actor=user, user=user, name="matrix")
    return world
