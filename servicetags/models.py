"""Units (Husky IVO appliances by Dell service tag), their orders, locations and service-tag transfers."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from partners.validators import validate_country, validate_timezone
from servicetags.transfers import TransferStatus
from servicetags.validation import ADDRESS_FIELDS, InvalidInput, RegisteredLocation, check_place, normalise_service_tag

SERVICE_TAG_PATTERN = r"^[A-Z0-9]{5,7}$"

validate_service_tag_shape = RegexValidator(
    SERVICE_TAG_PATTERN,
    message="A service tag is 5 to 7 characters A–Z or 0–9 (for example 7XK2M93).",
    code="invalid_service_tag",
)


class UnitModel(models.TextChoices):
    IVO_150D = "IVO150D", "Husky IVO 150D"
    IVO_350T = "IVO350T", "Husky IVO 350T"
    IVO_350R = "IVO350R", "Husky IVO 350R"
    IVO_700R = "IVO700R", "Husky IVO 700R"
    IVO_1000R = "IVO1000R", "Husky IVO 1000R"
    IVO_1800R = "IVO1800R", "Husky IVO 1800R"


class LocationSource(models.TextChoices):
    ORDER = "order", "Order shipping address"
    TRANSFER = "transfer", "Confirmed service-tag transfer"
    ADMIN = "admin", "Corrected by an administrator"


class AddressFields(models.Model):
    """A postal address with country (ISO 3166-1 alpha-2), optional subdivision (ISO 3166-2) and IANA zone."""

    address_line1 = models.CharField("address line 1", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(max_length=6, blank=True, help_text="ISO 3166-2, e.g. US-CA (optional)")
    timezone = models.CharField(max_length=64, validators=[validate_timezone], help_text="IANA time zone")

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        # The place is checked as a whole in clean() (zone derived, zone fits country), once per field.
        super().clean_fields(exclude={*(exclude or ()), "country", "subdivision", "timezone"})

    def clean(self) -> None:
        """Normalise the place (derive the zone of a one-zone country) and refuse a bad one, per field."""
        super().clean()
        for name in ("address_line1", "address_line2", "city", "postal_code"):
            setattr(self, name, (getattr(self, name) or "").strip())
        try:
            place = check_place(self.country, self.subdivision, self.timezone)
        except InvalidInput as exc:
            raise ValidationError(
                {f: [ValidationError(m, code=c) for c, m in problems] for f, problems in exc.as_dict().items()}
            ) from exc
        self.country, self.subdivision, self.timezone = place.country, place.subdivision, place.timezone

    def address_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}

    @property
    def address_one_line(self) -> str:
        parts = [self.address_line1, self.address_line2, f"{self.postal_code} {self.city}".strip(), self.country]
        return ", ".join(p for p in parts if p)


class Order(AddressFields):
    """A Milestone Store order a distributor placed for one of its resellers; its address is where units shipped."""

    distributor = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="orders_placed")
    reseller = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="orders")
    store_reference = models.CharField(
        "Milestone Store order number", max_length=40, blank=True, help_text="Optional, as printed on the order."
    )
    end_customer_name = models.CharField(max_length=200)
    shipped_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["distributor", "-created_at"]),
            models.Index(fields=["reseller", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"ORD-{self.pk:06d}" if self.pk else "ORD-new"


class Unit(AddressFields):
    """One Husky IVO appliance, identified by its Dell service tag; the address fields are its registered location."""

    service_tag = models.CharField(max_length=7, unique=True, validators=[validate_service_tag_shape])
    model = models.CharField(max_length=12, choices=UnitModel.choices)
    warranty_start_on = models.DateField()
    warranty_end_on = models.DateField()
    # Support services purchased on the tag.
    nbd_onsite = models.BooleanField("NBD onsite", default=False)
    kyhd = models.BooleanField("Keep Your Hard Drive", default=False)
    extended_years = models.PositiveSmallIntegerField(
        "extended warranty years", default=0, validators=[MaxValueValidator(5)]
    )
    reseller = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="units")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    end_customer_name = models.CharField(max_length=200)
    shipped_on = models.DateField(null=True, blank=True)
    # The registered location is final only once a confirmed transfer registered it with Dell.
    location_confirmed = models.BooleanField(default=False)
    location_confirmed_at = models.DateTimeField(null=True, blank=True)
    # docs/rules.md rule 6: due dates of the reminder sweep, stored and indexed; cleared once sent or confirmed.
    transfer_reminder_due_on = models.DateField(null=True, blank=True)
    transfer_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    transfer_assist_due_on = models.DateField(null=True, blank=True)
    transfer_assist_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_tag"]
        indexes = [
            models.Index(fields=["reseller", "service_tag"]),
            models.Index(fields=["country"]),
            models.Index(
                fields=["transfer_reminder_due_on"],
                name="unit_reminder_due_idx",
                condition=Q(transfer_reminder_due_on__isnull=False),
            ),
            models.Index(
                fields=["transfer_assist_due_on"],
                name="unit_assist_due_idx",
                condition=Q(transfer_assist_due_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="unit_warranty_order",
                condition=Q(warranty_end_on__gte=models.F("warranty_start_on")),
                violation_error_message="The warranty must end on or after its start.",
            ),
        ]

    def __str__(self) -> str:
        return self.service_tag

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            self.service_tag = normalise_service_tag(self.service_tag)
        except InvalidInput as exc:
            errors["service_tag"] = [ValidationError(p.message, code=p.code) for p in exc.problems]
        if self.warranty_start_on and self.warranty_end_on and self.warranty_end_on < self.warranty_start_on:
            errors["warranty_end_on"] = [
                ValidationError("The warranty must end on or after its start.", code="warranty_end_before_start")
            ]
        try:
            super().clean()
        except ValidationError as exc:
            for name, items in exc.error_dict.items():
                errors.setdefault(name, []).extend(items)
        if errors:
            raise ValidationError(errors)

    @property
    def registered_location(self) -> RegisteredLocation:
        """The registered location as a frozen value (for eligibility and the case form)."""
        return RegisteredLocation(**self.address_values(), confirmed=self.location_confirmed)

    def warranty_active(self, on: date) -> bool:
        return self.warranty_start_on <= on <= self.warranty_end_on

    @property
    def purchased_services(self) -> list[str]:
        services = []
        if self.nbd_onsite:
            services.append("NBD onsite")
        if self.kyhd:
            services.append("Keep Your Hard Drive")
        if self.extended_years:
            services.append(f"Extended warranty +{self.extended_years}y")
        return services


class Location(AddressFields):
    """One known location of a unit (append-only history); the newest is the unit's registered location."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="locations")
    source = models.CharField(max_length=10, choices=LocationSource.choices)
    confirmed = models.BooleanField(default=False, help_text="Registered with Dell by a confirmed transfer.")
    transfer = models.OneToOneField(
        "ServiceTagTransfer", on_delete=models.PROTECT, null=True, blank=True, related_name="location"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["unit", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.address_one_line}"


class ServiceTagTransfer(AddressFields):
    """A request to register a unit's final location with Dell; the address fields are the destination."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="transfers")
    status = models.CharField(max_length=10, choices=TransferStatus.choices, default=TransferStatus.DRAFT)
    end_customer_name = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    note = models.TextField(blank=True)
    filed_by_org = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The reseller, or the distributor acting on its behalf.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set at submit: Dell's 7 (same country) or 10 (across countries) business days, in the destination country.
    cross_country = models.BooleanField(default=False)
    expected_confirmation_on = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dell_reference = models.CharField(max_length=40, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expected_confirmation_on"]),
            models.Index(fields=["unit", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="transfer_status_valid", condition=Q(status__in=["draft", "submitted", "confirmed", "rejected"])
            ),
            # One open transfer per unit at a time: a second draft would race the first.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["draft", "submitted"]),
                name="transfer_one_open_per_unit",
                violation_error_message="This unit already has an open transfer.",
            ),
            models.CheckConstraint(
                name="transfer_rejection_has_reason",
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                violation_error_message="A rejection needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"TR-{self.pk:06d}" if self.pk else "TR-new"

    @property
    def number(self) -> str:
        return str(self)
