"""Read serializers and one small input serializer per action for units, orders and transfers."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rest_framework import serializers

from partners.api.serializers import OrgRefSerializer
from partners.models import Organisation
from partners.visibility import viewer_kind
from servicetags import transfers as flow
from servicetags.models import Location, Order, ServiceTagTransfer, Unit, UnitModel
from servicetags.validation import ADDRESS_FIELDS


class AddressSerializer(serializers.Serializer):
    address_line1 = serializers.CharField(read_only=True)
    address_line2 = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    postal_code = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    subdivision = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True)


class RegisteredLocationSerializer(AddressSerializer):
    confirmed = serializers.BooleanField(source="location_confirmed", read_only=True)
    confirmed_at = serializers.DateTimeField(source="location_confirmed_at", read_only=True)


class ServicesSerializer(serializers.Serializer):
    nbd_onsite = serializers.BooleanField(read_only=True)
    kyhd = serializers.BooleanField(read_only=True)
    extended_years = serializers.IntegerField(read_only=True)


class OpenTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="open_transfer_id", read_only=True)
    status = serializers.CharField(source="open_transfer_status", read_only=True)
    expected_confirmation_on = serializers.DateField(source="open_transfer_expected_on", read_only=True)


class UnitSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="get_model_display", read_only=True)
    services = ServicesSerializer(source="*", read_only=True)
    reseller = OrgRefSerializer(read_only=True)
    location = RegisteredLocationSerializer(source="*", read_only=True)
    location_registered = serializers.BooleanField(source="location_confirmed", read_only=True)
    open_transfer = serializers.SerializerMethodField()
    in_assistance_queue = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "service_tag",
            "model",
            "model_name",
            "warranty_start_on",
            "warranty_end_on",
            "services",
            "reseller",
            "order",
            "end_customer_name",
            "shipped_on",
            "location",
            "location_registered",
            "open_transfer",
            "in_assistance_queue",
        ]
        read_only_fields = fields

    def get_open_transfer(self, unit: Unit) -> dict | None:
        if getattr(unit, "open_transfer_id", None) is None:
            return None
        return OpenTransferSerializer(unit).data

    def get_in_assistance_queue(self, unit: Unit) -> bool:
        return unit.transfer_assist_sent_at is not None and not unit.location_confirmed


class LocationSerializer(serializers.ModelSerializer):
    transfer: serializers.PrimaryKeyRelatedField[ServiceTagTransfer] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = Location
        fields = [*ADDRESS_FIELDS, "source", "confirmed", "transfer", "recorded_at"]
        read_only_fields = fields


class UnitDetailSerializer(UnitSerializer):
    location_history = LocationSerializer(source="locations", many=True, read_only=True)

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "location_history"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    reseller = OrgRefSerializer(read_only=True)
    distributor = OrgRefSerializer(read_only=True)
    service_tags = serializers.SerializerMethodField()
    shipping_address = AddressSerializer(source="*", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "store_reference",
            "distributor",
            "reseller",
            "end_customer_name",
            "shipped_on",
            "shipping_address",
            "service_tags",
            "created_at",
        ]
        read_only_fields = fields

    def get_service_tags(self, order: Order) -> list[str]:
        return [u.service_tag for u in order.units.all()]


class UnitInputSerializer(serializers.Serializer):
    """One unit of an order; columns left out take the order-level defaults."""

    service_tag = serializers.CharField(allow_blank=True, trim_whitespace=False)
    model = serializers.CharField(required=False, allow_blank=True)
    warranty_start_on = serializers.CharField(required=False, allow_blank=True)
    warranty_end_on = serializers.CharField(required=False, allow_blank=True)
    nbd_onsite = serializers.CharField(required=False, allow_blank=True)
    kyhd = serializers.CharField(required=False, allow_blank=True)
    extended_years = serializers.CharField(required=False, allow_blank=True)


def _address_fields(required: bool) -> dict[str, serializers.Field]:
    return {
        "address_line1": serializers.CharField(required=required, allow_blank=True, max_length=200),
        "address_line2": serializers.CharField(required=False, allow_blank=True, max_length=200, default=""),
        "city": serializers.CharField(required=required, allow_blank=True, max_length=100),
        "postal_code": serializers.CharField(required=False, allow_blank=True, max_length=20, default=""),
        "country": serializers.CharField(required=required, allow_blank=True, max_length=10),
        "subdivision": serializers.CharField(required=False, allow_blank=True, max_length=10, default=""),
        "timezone": serializers.CharField(required=False, allow_blank=True, max_length=64, default=""),
    }


class OrderCreateSerializer(serializers.Serializer):
    reseller = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none())
    store_reference = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    end_customer_name = serializers.CharField(allow_blank=True, max_length=200)
    shipped_on = serializers.DateField()
    locals().update(_address_fields(required=True))
    model = serializers.ChoiceField(choices=UnitModel.choices, required=False, allow_blank=True, default="")
    warranty_start_on = serializers.DateField(required=False, allow_null=True, default=None)
    warranty_end_on = serializers.DateField(required=False, allow_null=True, default=None)
    nbd_onsite = serializers.BooleanField(required=False, default=False)
    kyhd = serializers.BooleanField(required=False, default=False)
    extended_years = serializers.IntegerField(required=False, min_value=0, max_value=5, default=0)
    units = UnitInputSerializer(many=True, required=False)
    units_csv = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Alternative to `units`: one service tag per line, or CSV with a header naming service_tag, "
        "model, warranty_start_on, warranty_end_on, nbd_onsite, kyhd, extended_years.",
    )

    def __init__(self, *args, resellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resellers is not None:
            self.fields["reseller"].queryset = resellers

    def validate(self, attrs):
        if not attrs.get("units") and not (attrs.get("units_csv") or "").strip():
            raise serializers.ValidationError({"units": ["Add at least one service tag."]}, code="no_units")
        return attrs


def _today_at(zone: str) -> datetime:
    return datetime.now(UTC).astimezone(ZoneInfo(zone))


class TransferSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="service_tag", read_only=True)
    destination = AddressSerializer(source="*", read_only=True)
    filed_by_org = OrgRefSerializer(read_only=True)
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = ServiceTagTransfer
        fields = [
            "id",
            "number",
            "unit",
            "status",
            "destination",
            "end_customer_name",
            "contact_name",
            "contact_email",
            "note",
            "filed_by_org",
            "created_at",
            "submitted_at",
            "cross_country",
            "expected_confirmation_on",
            "overdue",
            "decided_at",
            "dell_reference",
            "rejection_reason",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_overdue(self, transfer: ServiceTagTransfer) -> bool:
        if transfer.status != flow.TransferStatus.SUBMITTED:
            return False
        return flow.is_overdue(transfer.expected_confirmation_on, _today_at(transfer.timezone).date())

    def get_allowed_actions(self, transfer: ServiceTagTransfer) -> list[str]:
        request = self.context.get("request")
        kind = viewer_kind(request.user) if request else None
        return [a.value for a in flow.allowed_actions(flow.TransferStatus(transfer.status), kind)]


class TransferCreateSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="The unit's service tag.")
    locals().update(_address_fields(required=False))
    end_customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=False, help_text="Submit to Dell right away.")


class TransferUpdateSerializer(serializers.Serializer):
    locals().update(_address_fields(required=False))
    end_customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class TransferConfirmSerializer(serializers.Serializer):
    dell_reference = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class TransferRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True)


class TransferEventSerializer(TransferSerializer):
    """A transfer in a partner event: the API's shape without what depends on who is asking."""

    class Meta(TransferSerializer.Meta):
        fields = [f for f in TransferSerializer.Meta.fields if f != "allowed_actions"]
        read_only_fields = fields
