"""Organisations (reseller, distributor, MTS, Dell), their users and their API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from knox.models import AbstractAuthToken

from partners.kinds import OrgKind, Role
from partners.validators import validate_country, validate_timezone

ORG_KIND_CHOICES = [(kind.value, kind.label) for kind in OrgKind]
ROLE_CHOICES = [(Role.AGENT.value, "Agent"), (Role.ADMIN.value, "Organisation admin")]


class Organisation(models.Model):
    """A company in the support chain; every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=ORG_KIND_CHOICES)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, validators=[validate_timezone], help_text="IANA time zone")
    distributor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resellers",
        limit_choices_to={"kind": OrgKind.DISTRIBUTOR.value},
        help_text="The distributor a reseller buys through (resellers only).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]
        constraints = [
            models.CheckConstraint(
                name="org_kind_valid",
                condition=Q(kind__in=[kind.value for kind in OrgKind]),
            ),
            # A reseller always sits under a distributor; nobody else does.
            models.CheckConstraint(
                name="org_reseller_has_distributor",
                condition=(
                    Q(kind=OrgKind.RESELLER.value, distributor__isnull=False)
                    | (~Q(kind=OrgKind.RESELLER.value) & Q(distributor__isnull=True))
                ),
                violation_error_message="A reseller must have a distributor, and only a reseller has one.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from dispatch.geo import timezone_fits_country

        errors: dict[str, str] = {}
        if self.country:
            self.country = self.country.strip().upper()
        if (
            self.kind == OrgKind.RESELLER
            and self.distributor_id
            and self.distributor is not None
            and self.distributor.kind != OrgKind.DISTRIBUTOR
        ):
            errors["distributor"] = "A reseller's distributor must be an organisation of kind distributor."
        if self.kind == OrgKind.RESELLER and not self.distributor_id:
            errors["distributor"] = "A reseller must belong to a distributor."
        if self.kind != OrgKind.RESELLER and self.distributor_id:
            errors["distributor"] = "Only a reseller belongs to a distributor."
        if self.country and self.timezone and not timezone_fits_country(self.timezone, self.country):
            errors["timezone"] = f"{self.timezone} is not a time zone of {self.country}."
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person; belongs to one organisation as agent or admin (platform superusers may have none)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=10, choices=ROLE_CHOICES, default=Role.AGENT.value)

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(name="user_role_valid", condition=Q(role__in=[r.value for r in Role])),
        ]

    @property
    def org_kind(self) -> OrgKind | None:
        if self.organisation_id is None or self.organisation is None:
            return None
        return OrgKind(self.organisation.kind)

    @property
    def is_org_admin(self) -> bool:
        return self.organisation_id is not None and self.role == Role.ADMIN

    @property
    def viewer_timezone(self) -> str:
        return self.organisation.timezone if self.organisation_id and self.organisation is not None else "UTC"


class ApiToken(AbstractAuthToken):
    """An API token; only its SHA-512 digest is stored, the key is shown once at creation."""

    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP integration'.")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
