"""The units, orders and transfers API: visibility per organisation kind, bad input, the lifecycle."""

from datetime import date

import pytest

from servicetags.models import Location, Order, ServiceTagTransfer, TransferStatus, Unit
from tests.servicetags.factories import TransferFactory, UnitFactory

pytestmark = pytest.mark.django_db

ORDER = {
    "end_customer_name": "Harbour Logistics",
    "shipped_on": "2026-03-02",
    "address_line1": "Havnegade 1",
    "city": "Copenhagen",
    "postal_code": "1058",
    "country": "DK",
    "model": "IVO350R",
    "warranty_start_on": "2026-03-01",
    "warranty_end_on": "2029-02-28",
    "nbd_onsite": True,
}


def tags(response):
    return [row["service_tag"] for row in response.json()["results"]]


class TestUnitVisibility:
    @pytest.fixture
    def units(self, reseller_org, sibling_reseller_org, other_reseller_org):
        return {
            "own": UnitFactory(service_tag="OWN0001", reseller=reseller_org),
            "sibling": UnitFactory(service_tag="SIB0001", reseller=sibling_reseller_org),
            "other": UnitFactory(service_tag="OTH0001", reseller=other_reseller_org),
        }

    @pytest.mark.parametrize(
        ("user_fixture", "expected"),
        [
            ("reseller_user", ["OWN0001"]),
            ("distributor_user", ["OWN0001", "SIB0001"]),
            ("mts_user", ["OTH0001", "OWN0001", "SIB0001"]),
            ("dell_user", []),
        ],
        ids=["reseller-own", "distributor-its-resellers", "mts-all", "dell-none-without-pending-transfer"],
    )
    def test_list(self, request, api_as, units, user_fixture, expected):
        client = api_as(request.getfixturevalue(user_fixture))
        assert tags(client.get("/api/v1/units/")) == expected

    def test_another_organisations_unit_is_404(self, api_as, reseller_user, units):
        client = api_as(reseller_user)
        assert client.get("/api/v1/units/own0001/").status_code == 200  # any case
        response = client.get("/api/v1/units/SIB0001/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_dell_sees_a_unit_while_its_transfer_awaits_confirmation(self, api_as, dell_user, units):
        TransferFactory(unit=units["other"], status=TransferStatus.SUBMITTED)
        client = api_as(dell_user)
        assert tags(client.get("/api/v1/units/")) == ["OTH0001"]
        assert client.get("/api/v1/units/OWN0001/").status_code == 404

    def test_filters(self, api_as, mts_user, units):
        Unit.objects.filter(pk=units["sibling"].pk).update(location_confirmed=True)
        Unit.objects.filter(pk=units["other"].pk).update(country="US", timezone="America/Chicago")
        client = api_as(mts_user)
        assert tags(client.get("/api/v1/units/?location_registered=true")) == ["SIB0001"]
        assert tags(client.get("/api/v1/units/?location_registered=false")) == ["OTH0001", "OWN0001"]
        assert tags(client.get("/api/v1/units/?country=us")) == ["OTH0001"]
        assert tags(client.get(f"/api/v1/units/?reseller={units['own'].reseller_id}")) == ["OWN0001"]

    def test_detail_shows_location_status_services_and_history(self, api_as, reseller_user, units):
        Location.objects.create(
            unit=units["own"], source="order", recorded_at="2026-01-05T09:00Z", **units["own"].address_values()
        )
        body = api_as(reseller_user).get("/api/v1/units/OWN0001/").json()
        assert body["location_registered"] is False
        assert body["location"]["timezone"] == "Europe/Copenhagen"
        assert body["services"] == {"nbd_onsite": True, "kyhd": False, "extended_years": 0}
        assert [h["source"] for h in body["location_history"]] == ["order"]

    def test_unit_list_query_count_does_not_grow(self, api_as, mts_user, reseller_org, django_assert_num_queries):
        client = api_as(mts_user)
        UnitFactory.create_batch(5, reseller=reseller_org)
        with django_assert_num_queries(3) as ctx:  # the token (user and organisation joined), count, page
            client.get("/api/v1/units/")
        small = len(ctx.captured_queries)
        UnitFactory.create_batch(45, reseller=reseller_org)
        with django_assert_num_queries(small):
            client.get("/api/v1/units/")


class TestOrdersApi:
    def test_distributor_creates_an_order_and_the_reseller_sees_the_units(
        self, api_as, distributor_user, reseller_user, reseller_org
    ):
        response = api_as(distributor_user).post(
            "/api/v1/orders/",
            {
                **ORDER,
                "reseller": reseller_org.pk,
                "units": [{"service_tag": "abcd12"}, {"service_tag": "EFGH34", "kyhd": "yes"}],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["service_tags"] == ["ABCD12", "EFGH34"]
        assert tags(api_as(reseller_user).get("/api/v1/units/")) == ["ABCD12", "EFGH34"]
        assert [o["number"] for o in api_as(reseller_user).get("/api/v1/orders/").json()["results"]] == [
            response.json()["number"]
        ]

    def test_csv_rows_with_per_row_errors_write_nothing(self, api_as, distributor_user, reseller_org):
        UnitFactory(service_tag="TAKEN1")
        csv = "service_tag,model\nGOOD12,700R\ntaken1,350R\nBAD!,350R\nGOOD12,350R\nOKAY99,Husky 9000\n"
        response = api_as(distributor_user).post(
            "/api/v1/orders/", {**ORDER, "reseller": reseller_org.pk, "units_csv": csv}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "duplicate_service_tag"  # the first bad row's code
        assert [(r["row"], r["field"], r["code"]) for r in body["fields"]["units"]] == [
            (2, "service_tag", "duplicate_service_tag"),
            (3, "service_tag", "invalid_service_tag"),
            (4, "service_tag", "duplicate_service_tag"),
            (5, "model", "unknown_model"),
        ]
        assert Order.objects.count() == 0
        assert Unit.objects.count() == 1

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"country": "ZZ"}, "country", "unknown_country"),
            ({"country": "US"}, "timezone", "timezone_required"),
            ({"country": "US", "timezone": "America/Atlantis"}, "timezone", "unknown_timezone"),
            ({"timezone": "Asia/Tokyo"}, "timezone", "timezone_country_mismatch"),
            ({"address_line1": ""}, "address_line1", "blank"),
        ],
        ids=["unknown-country", "zone-required", "zone-does-not-exist", "zone-not-of-country", "no-address-line"],
    )
    def test_bad_shipping_address_is_400_with_field_and_code(
        self, api_as, distributor_user, reseller_org, change, field, code
    ):
        body = {**ORDER, "reseller": reseller_org.pk, "units": [{"service_tag": "GOOD12"}], **change}
        response = api_as(distributor_user).post("/api/v1/orders/", body, format="json")
        assert response.status_code == 400
        assert response.json()["fields"][field][0]["code"] == code
        assert Unit.objects.count() == 0

    def test_order_for_another_distributors_reseller_is_400(self, api_as, distributor_user, other_reseller_org):
        response = api_as(distributor_user).post(
            "/api/v1/orders/",
            {**ORDER, "reseller": other_reseller_org.pk, "units": [{"service_tag": "GOOD12"}]},
            format="json",
        )
        assert response.status_code == 400
        assert "reseller" in response.json()["fields"]

    def test_a_reseller_cannot_create_orders(self, api_as, reseller_user, reseller_org):
        response = api_as(reseller_user).post(
            "/api/v1/orders/",
            {**ORDER, "reseller": reseller_org.pk, "units": [{"service_tag": "GOOD12"}]},
            format="json",
        )
        assert response.status_code == 400  # the reseller list offered to a reseller is empty
        assert Unit.objects.count() == 0


class TestTransfersApi:
    NEW_HOME = {"address_line1": "Drottninggatan 5", "city": "Stockholm", "postal_code": "11151", "country": "SE"}

    def test_lifecycle_reseller_files_mts_confirms(self, api_as, reseller_user, mts_user, unit):
        reseller, mts = api_as(reseller_user), api_as(mts_user)
        created = reseller.post("/api/v1/transfers/", {"unit": "abc1234", **self.NEW_HOME}, format="json")
        assert created.status_code == 201, created.json()
        transfer_id = created.json()["id"]
        assert created.json()["allowed_actions"] == ["edit", "submit"]
        seen_by_mts = mts.get(f"/api/v1/transfers/{transfer_id}/")
        assert seen_by_mts.status_code == 200  # MTS sees every record, but a draft is not for it to decide
        assert seen_by_mts.json()["allowed_actions"] == []

        submitted = reseller.post(f"/api/v1/transfers/{transfer_id}/submit/")
        assert submitted.status_code == 200
        assert submitted.json()["status"] == "submitted"
        assert submitted.json()["cross_country"] is True
        assert submitted.json()["expected_confirmation_on"] is not None

        refused = reseller.post(f"/api/v1/transfers/{transfer_id}/confirm/")
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_allowed"

        confirmed = mts.post(f"/api/v1/transfers/{transfer_id}/confirm/", {"dell_reference": "DT-1"}, format="json")
        assert confirmed.status_code == 200
        unit_body = reseller.get("/api/v1/units/ABC1234/").json()
        assert unit_body["location_registered"] is True
        assert unit_body["location"]["city"] == "Stockholm"
        assert unit_body["location_history"][0]["confirmed"] is True

    def test_without_address_it_registers_the_current_location(self, api_as, distributor_user, unit):
        response = api_as(distributor_user).post(
            "/api/v1/transfers/", {"unit": unit.service_tag, "submit": True}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["destination"]["city"] == "Copenhagen"
        assert response.json()["filed_by_org"]["kind"] == "distributor"

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"country": "QQ"}, "country", "unknown_country"),
            ({"country": "US", "timezone": ""}, "timezone", "timezone_required"),
            ({"timezone": "Europe/Nowhere"}, "timezone", "unknown_timezone"),
            ({"timezone": "America/New_York"}, "timezone", "timezone_country_mismatch"),
            ({"address_line1": ""}, "address_line1", "blank"),
        ],
        ids=["unknown-country", "zone-required", "zone-does-not-exist", "zone-not-of-country", "no-address-line"],
    )
    def test_bad_destination_is_400_and_writes_nothing(self, api_as, reseller_user, unit, change, field, code):
        response = api_as(reseller_user).post(
            "/api/v1/transfers/", {"unit": unit.service_tag, **self.NEW_HOME, **change}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == code
        assert response.json()["fields"][field][0]["code"] == code
        assert ServiceTagTransfer.objects.count() == 0

    def test_transfer_for_a_unit_the_user_may_not_see_is_404(self, api_as, reseller_user, other_unit):
        response = api_as(reseller_user).post("/api/v1/transfers/", {"unit": other_unit.service_tag}, format="json")
        assert response.status_code == 404
        assert response.json()["fields"]["unit"][0]["code"] == "not_found"
        assert ServiceTagTransfer.objects.count() == 0

    def test_malformed_service_tag_is_400(self, api_as, reseller_user, unit):
        response = api_as(reseller_user).post("/api/v1/transfers/", {"unit": "no!"}, format="json")
        assert response.status_code == 400
        assert response.json()["fields"]["unit"][0]["code"] == "invalid_service_tag"

    def test_confirm_on_a_draft_is_400_and_changes_nothing(self, api_as, mts_user, unit):
        draft = TransferFactory(unit=unit)
        locations_before = list(unit.locations.values_list("pk", flat=True))
        response = api_as(mts_user).post(f"/api/v1/transfers/{draft.pk}/confirm/")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_transition"
        draft.refresh_from_db()
        assert draft.status == TransferStatus.DRAFT
        assert list(unit.locations.values_list("pk", flat=True)) == locations_before

    def test_dell_does_not_see_drafts(self, api_as, dell_user, unit):
        draft = TransferFactory(unit=unit)
        assert api_as(dell_user).post(f"/api/v1/transfers/{draft.pk}/confirm/").status_code == 404

    def test_submitting_twice_is_400(self, api_as, reseller_user, unit):
        draft = TransferFactory(unit=unit)
        client = api_as(reseller_user)
        assert client.post(f"/api/v1/transfers/{draft.pk}/submit/").status_code == 200
        again = client.post(f"/api/v1/transfers/{draft.pk}/submit/")
        assert again.status_code == 400
        assert again.json()["code"] == "invalid_transition"

    def test_reject_requires_a_reason(self, api_as, dell_user, unit):
        submitted = TransferFactory(
            unit=unit, status=TransferStatus.SUBMITTED, expected_confirmation_on=date(2026, 3, 11)
        )
        client = api_as(dell_user)
        response = client.post(f"/api/v1/transfers/{submitted.pk}/reject/", {"reason": ""}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "reason_required"
        assert response.json()["fields"]["reason"][0]["code"] == "reason_required"
        ok = client.post(f"/api/v1/transfers/{submitted.pk}/reject/", {"reason": "No such street"}, format="json")
        assert ok.json()["status"] == "rejected"
        assert ok.json()["rejection_reason"] == "No such street"

    @pytest.mark.parametrize(
        ("user_fixture", "expected"),
        [
            ("reseller_user", {"draft-own", "submitted-own"}),
            ("other_reseller_user", {"submitted-other"}),
            ("distributor_user", {"draft-own", "submitted-own"}),
            ("mts_user", {"draft-own", "submitted-own", "submitted-other"}),
            ("dell_user", {"submitted-own", "submitted-other"}),
        ],
        ids=["reseller", "other-reseller", "distributor", "mts-all", "dell-no-drafts"],
    )
    def test_transfer_visibility(self, request, api_as, unit, other_unit, user_fixture, expected):
        rows = {
            "draft-own": TransferFactory(unit=UnitFactory(service_tag="DRAFT01", reseller=unit.reseller)),
            "submitted-own": TransferFactory(unit=unit, status=TransferStatus.SUBMITTED),
            "submitted-other": TransferFactory(unit=other_unit, status=TransferStatus.SUBMITTED),
        }
        names = {v.pk: k for k, v in rows.items()}
        body = api_as(request.getfixturevalue(user_fixture)).get("/api/v1/transfers/").json()
        assert {names[r["id"]] for r in body["results"]} == expected

    def test_overdue_flag_and_filter(self, api_as, mts_user, unit):
        late = TransferFactory(unit=unit, status=TransferStatus.SUBMITTED, expected_confirmation_on=date(2020, 1, 2))
        body = api_as(mts_user).get("/api/v1/transfers/?overdue=true").json()
        assert [(r["id"], r["overdue"]) for r in body["results"]] == [(late.pk, True)]


# --- Probes that answered 500 (issue 9) --------------------------------------------------------------


def test_a_transfer_with_a_partial_address_names_every_missing_field(api_as, reseller_user, unit):
    response = api_as(reseller_user).post("/api/v1/transfers/", {"unit": unit.service_tag, "city": "Aarhus"})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"address_line1", "country"} <= set(fields)
    assert all(isinstance(e, dict) and e["code"] and e["message"] for errors in fields.values() for e in errors)
    assert not ServiceTagTransfer.objects.exists()


def test_an_order_whose_csv_has_a_huge_cell_is_a_400_and_writes_nothing(api_as, distributor_user, reseller_org):
    units_csv = "service_tag,model\nABC12," + "x" * 140_000
    response = api_as(distributor_user).post(
        "/api/v1/orders/", {**ORDER, "reseller": reseller_org.pk, "units_csv": units_csv}
    )
    assert response.status_code == 400
    assert response.json()["fields"]["units_csv"][0]["code"] == "invalid_csv"
    assert not Order.objects.exists()


def test_an_unknown_unit_is_reported_with_the_other_field_errors(api_as, reseller_user, unit):
    response = api_as(reseller_user).post(
        "/api/v1/transfers/", {"unit": "NOPE999", "city": "Aarhus", "postal_code": "9" * 500}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["unit"][0]["code"] == "not_found"
    assert fields["postal_code"][0]["code"] == "max_length"
    assert not ServiceTagTransfer.objects.exists()


def test_an_order_reports_bad_csv_with_the_other_field_errors(api_as, distributor_user, reseller_org):
    units_csv = "service_tag,model\nABC12," + "x" * 140_000
    body = {**ORDER, "reseller": reseller_org.pk, "units_csv": units_csv, "model": "bogus", "postal_code": "9" * 500}
    response = api_as(distributor_user).post("/api/v1/orders/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"units_csv", "model", "postal_code"} <= set(fields)
    assert not Order.objects.exists()


def test_a_form_encoded_write_is_415_and_changes_nothing(api_as, reseller_user, unit):
    response = api_as(reseller_user).post(
        "/api/v1/transfers/", {"unit": unit.service_tag, "submit": "true"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not ServiceTagTransfer.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/units/?country=zz", "/api/v1/transfers/?country=ZZ"])
def test_an_unknown_country_filter_is_a_400(api_as, mts_user, url):
    response = api_as(mts_user).get(url)
    assert response.status_code == 400
    assert response.json()["fields"]["country"][0]["code"] == "unknown_country"
