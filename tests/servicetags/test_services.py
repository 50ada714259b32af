"""Orders, the transfer lifecycle with location history, and the daily reminder sweep."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from husky_support.domain import DomainError, NotAllowed, NotFound
from partners.models import HolidayOverride
from servicetags import services
from servicetags.models import Location, LocationSource, Order, ServiceTagTransfer, TransferStatus, Unit
from servicetags.tasks import send_transfer_reminders_task
from servicetags.validation import UnitDefaults
from tests.partners.factories import UserFactory
from tests.servicetags.factories import UnitFactory

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DEFAULTS = UnitDefaults(model="IVO350R", warranty_start_on=date(2026, 3, 1), warranty_end_on=date(2029, 2, 28))
SHIP_TO = {"address_line1": "Havnegade 1", "city": "Copenhagen", "postal_code": "1058", "country": "dk"}


def _order(actor, reseller, units, **overrides):
    kwargs = {
        "actor": actor,
        "reseller": reseller,
        "end_customer_name": "Harbour Logistics",
        "shipped_on": date(2026, 3, 2),
        "address": SHIP_TO,
        "units": units,
        "defaults": DEFAULTS,
        "now": NOW,
    }
    kwargs.update(overrides)
    return services.order_create(**kwargs)


@pytest.mark.django_db
class TestOrders:
    def test_order_creates_units_at_the_shipping_address_as_first_location(self, distributor_user, reseller_org):
        order = _order(
            distributor_user, reseller_org, [{"service_tag": " abcd1 "}, {"service_tag": "EFGH2", "kyhd": "y"}]
        )
        units = list(order.units.order_by("service_tag"))
        assert [u.service_tag for u in units] == ["ABCD1", "EFGH2"]
        assert [u.kyhd for u in units] == [False, True]
        first = units[0]
        assert (first.country, first.timezone, first.location_confirmed) == ("DK", "Europe/Copenhagen", False)
        history = list(first.locations.all())
        assert [(h.source, h.city, h.confirmed) for h in history] == [(LocationSource.ORDER, "Copenhagen", False)]
        # docs/rules.md rule 6 due dates: reminder after 3 days, assistance after 10 (settings).
        assert first.transfer_reminder_due_on == date(2026, 3, 6)
        assert first.transfer_assist_due_on == date(2026, 3, 13)

    def test_one_bad_row_writes_nothing_and_names_every_bad_row(self, distributor_user, reseller_org):
        UnitFactory(service_tag="TAKEN1")
        with pytest.raises(DomainError) as exc:
            _order(
                distributor_user,
                reseller_org,
                [{"service_tag": "GOOD1"}, {"service_tag": "taken1"}, {"service_tag": "x!"}, {"service_tag": "good1"}],
            )
        rows = exc.value.fields["units"]
        assert [(r["row"], r["code"]) for r in rows] == [
            (2, "duplicate_service_tag"),
            (3, "invalid_service_tag"),
            (4, "duplicate_service_tag"),
        ]
        assert Order.objects.count() == 0
        assert not Unit.objects.filter(service_tag="GOOD1").exists()

    @pytest.mark.parametrize(
        ("address", "field", "code"),
        [
            ({**SHIP_TO, "country": "XX"}, "country", "unknown_country"),
            ({**SHIP_TO, "timezone": "Europe/Nowhere"}, "timezone", "unknown_timezone"),
            ({**SHIP_TO, "timezone": "America/Chicago"}, "timezone", "timezone_country_mismatch"),
            ({**SHIP_TO, "country": "US"}, "timezone", "timezone_required"),
            ({**SHIP_TO, "address_line1": "  "}, "address_line1", "blank"),
        ],
        ids=["unknown-country", "zone-missing-in-tzdb", "zone-of-other-country", "multi-zone-needs-zone", "no-line-1"],
    )
    def test_bad_shipping_address_names_the_field(self, distributor_user, reseller_org, address, field, code):
        with pytest.raises(DomainError) as exc:
            _order(distributor_user, reseller_org, [{"service_tag": "GOOD1"}], address=address)
        assert exc.value.fields[field][0]["code"] == code
        assert Unit.objects.count() == 0

    def test_only_a_distributor_orders_and_only_for_its_resellers(
        self, distributor_user, reseller_user, other_reseller_org
    ):
        with pytest.raises(NotAllowed):
            _order(reseller_user, reseller_user.organisation, [{"service_tag": "GOOD1"}])
        with pytest.raises(DomainError) as exc:
            _order(distributor_user, other_reseller_org, [{"service_tag": "GOOD1"}])
        assert exc.value.fields["reseller"][0]["code"] == "unknown_reseller"


@pytest.mark.django_db
class TestTransferLifecycle:
    def test_reseller_files_mts_confirms_and_the_location_changes_with_history(self, unit, reseller_user, mts_user):
        transfer = services.transfer_create(
            actor=reseller_user,
            unit=unit,
            address={"address_line1": "Drottninggatan 5", "city": "Stockholm", "postal_code": "11151", "country": "SE"},
            now=NOW,
        )
        assert transfer.status == TransferStatus.DRAFT
        transfer = services.transfer_submit(actor=reseller_user, transfer=transfer, now=NOW)
        assert transfer.cross_country is True
        # 10 Swedish business days after Monday 2 March 2026.
        assert transfer.expected_confirmation_on == date(2026, 3, 16)
        unit.refresh_from_db()
        assert unit.city == "Copenhagen"  # only a confirmed transfer changes the registered location

        services.transfer_confirm(actor=mts_user, transfer=transfer, now=NOW + timedelta(days=2))
        unit.refresh_from_db()
        assert (unit.city, unit.country, unit.timezone) == ("Stockholm", "SE", "Europe/Stockholm")
        assert unit.location_confirmed is True
        assert unit.registered_location.confirmed is True
        assert unit.transfer_reminder_due_on is None
        assert unit.transfer_assist_due_on is None
        latest = Location.objects.filter(unit=unit).order_by("-recorded_at").first()
        assert (latest.city, latest.confirmed, latest.transfer_id) == ("Stockholm", True, transfer.pk)

    def test_same_country_takes_seven_business_days(self, unit, reseller_user):
        transfer = services.transfer_create(
            actor=reseller_user,
            unit=unit,
            address={"address_line1": "Strandvejen 100", "city": "Hellerup", "country": "DK"},
            submit=True,
            now=datetime(2026, 4, 1, 10, 0, tzinfo=UTC),
        )
        assert transfer.cross_country is False
        assert transfer.expected_confirmation_on == date(2026, 4, 15)  # Easter in between

    def test_an_admin_holiday_override_moves_the_deadline(self, unit, reseller_user):
        HolidayOverride.objects.create(country="DK", applies_on=date(2026, 4, 8), note="Dell Denmark closed")
        transfer = services.transfer_create(
            actor=reseller_user,
            unit=unit,
            address={"address_line1": "Strandvejen 100", "city": "Hellerup", "country": "DK"},
            submit=True,
            now=datetime(2026, 4, 1, 10, 0, tzinfo=UTC),
        )
        assert transfer.expected_confirmation_on == date(2026, 4, 16)  # one business day later

    def test_distributor_files_on_behalf_of_its_reseller(self, unit, distributor_user):
        transfer = services.transfer_create(
            actor=distributor_user, unit=unit, address=unit.address_values(), submit=True, now=NOW
        )
        assert transfer.filed_by_org == distributor_user.organisation
        assert transfer.status == TransferStatus.SUBMITTED

    def test_reject_keeps_the_location_and_needs_a_reason(
        self, unit, reseller_user, dell_user, celery_eager, django_capture_on_commit_callbacks
    ):
        transfer = services.transfer_create(
            actor=reseller_user,
            unit=unit,
            address={"address_line1": "Strandvejen 100", "city": "Hellerup", "country": "DK"},
            submit=True,
            now=NOW,
        )
        with pytest.raises(DomainError) as exc:
            services.transfer_reject(actor=dell_user, transfer=transfer, reason=" ", now=NOW)
        assert exc.value.code == "reason_required"
        with django_capture_on_commit_callbacks(execute=True):
            services.transfer_reject(actor=dell_user, transfer=transfer, reason="Unknown street", now=NOW)
        unit.refresh_from_db()
        assert (unit.city, unit.location_confirmed) == ("Copenhagen", False)
        assert Location.objects.filter(unit=unit).count() == 0
        # The reseller hears about it, with the reason.
        assert [m.to for m in mail.outbox] == [[reseller_user.email]]
        assert "Unknown street" in mail.outbox[0].body

    def test_confirm_on_a_draft_and_a_second_confirm_are_refused(self, unit, reseller_user, mts_user):
        transfer = services.transfer_create(actor=reseller_user, unit=unit, address=unit.address_values(), now=NOW)
        with pytest.raises(DomainError) as exc:
            services.transfer_confirm(actor=mts_user, transfer=transfer, now=NOW)
        assert exc.value.code == "invalid_transition"
        services.transfer_submit(actor=reseller_user, transfer=transfer, now=NOW)
        services.transfer_confirm(actor=mts_user, transfer=transfer, now=NOW)
        # The stale object still says "submitted"; the locked re-read refuses a double apply.
        with pytest.raises(DomainError) as exc:
            services.transfer_confirm(actor=mts_user, transfer=transfer, now=NOW)
        assert exc.value.code == "invalid_transition"
        assert Location.objects.filter(unit=unit, source=LocationSource.TRANSFER).count() == 1

    def test_one_open_transfer_per_unit(self, unit, reseller_user):
        services.transfer_create(actor=reseller_user, unit=unit, address=unit.address_values(), now=NOW)
        with pytest.raises(DomainError) as exc:
            services.transfer_create(actor=reseller_user, unit=unit, address=unit.address_values(), now=NOW)
        assert exc.value.code == "open_transfer_exists"
        assert ServiceTagTransfer.objects.count() == 1

    def test_invisible_unit_is_not_found(self, other_unit, reseller_user):
        with pytest.raises(NotFound):
            services.transfer_create(actor=reseller_user, unit=other_unit, address=other_unit.address_values(), now=NOW)


@pytest.mark.django_db
class TestReminderSweep:
    @pytest.fixture
    def shipped(self, distributor_user, reseller_org):
        UserFactory(username="reseller-mail", organisation=reseller_org, email="r@example.test")
        return _order(distributor_user, reseller_org, [{"service_tag": "LATE1"}, {"service_tag": "LATE2"}])

    @pytest.fixture(autouse=True)
    def _send_on_commit(self, celery_eager, django_capture_on_commit_callbacks):
        """The sweep stores the notifications; the send task emails them once the sweep's transaction commits."""

        def sweep():
            with django_capture_on_commit_callbacks(execute=True):
                return send_transfer_reminders_task()

        self.sweep = sweep

    def test_reminds_after_three_days_then_hands_to_the_distributor_once(self, shipped, reseller_org, distributor_user):
        # Shipped Mon 2 March. Thu 5 March: only 3 days ago, nothing is due.
        with time_machine.travel(datetime(2026, 3, 5, 6, 0, tzinfo=UTC), tick=False):
            assert self.sweep() == {
                "reminded_units": 0,
                "reminder_emails": 0,
                "assisted_units": 0,
                "assist_emails": 0,
            }
        assert mail.outbox == []
        # Fri 6 March: more than 3 days ago: one email to the reseller listing both units.
        with time_machine.travel(datetime(2026, 3, 6, 6, 0, tzinfo=UTC), tick=False):
            self.sweep()
            self.sweep()  # idempotent: a second run sends nothing
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["r@example.test"]
        assert "LATE1" in mail.outbox[0].body
        assert "LATE2" in mail.outbox[0].body
        # Fri 13 March: past 10 days: the distributor is asked to assist, once.
        with time_machine.travel(datetime(2026, 3, 13, 6, 0, tzinfo=UTC), tick=False):
            result = self.sweep()
            self.sweep()
        assert result["assisted_units"] == 2
        assert len(mail.outbox) == 2
        assert mail.outbox[1].to == [distributor_user.email]
        assert set(
            Unit.objects.filter(transfer_assist_sent_at__isnull=False).values_list("service_tag", flat=True)
        ) == {
            "LATE1",
            "LATE2",
        }
        # Weeks later nothing is sent again.
        with time_machine.travel(datetime(2026, 4, 30, 6, 0, tzinfo=UTC), tick=False):
            self.sweep()
        assert len(mail.outbox) == 2

    def test_a_confirmed_unit_is_not_reminded(
        self, shipped, reseller_user, mts_user, django_capture_on_commit_callbacks
    ):
        unit = Unit.objects.get(service_tag="LATE1")
        transfer = services.transfer_create(
            actor=reseller_user, unit=unit, address=unit.address_values(), submit=True, now=NOW
        )
        services.transfer_confirm(actor=mts_user, transfer=transfer, now=NOW)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = services.transfer_reminder_sweep(now=datetime(2026, 3, 20, 6, 0, tzinfo=UTC))
        assert (result.reminded_units, result.assisted_units) == (1, 1)
        assert "LATE1" not in mail.outbox[0].body

    def test_the_sweep_reads_only_due_rows(self, shipped, django_assert_max_num_queries):
        UnitFactory.create_batch(30, shipped_on=date(2026, 3, 1))  # no due dates stored: never selected
        with django_assert_max_num_queries(2):
            result = services.transfer_reminder_sweep(now=datetime(2026, 3, 3, 6, 0, tzinfo=UTC))
        assert result.reminded_units == 0
