import factory

from partners.kinds import OrgKind, Role
from partners.models import Organisation, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrgKind.MTS.value
    country = "DK"
    timezone = "Europe/Copenhagen"


class DistributorFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Distributor {n}")
    kind = OrgKind.DISTRIBUTOR.value


class ResellerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Reseller {n}")
    kind = OrgKind.RESELLER.value
    distributor = factory.SubFactory(DistributorFactory)


class MtsFactory(OrganisationFactory):
    name = "Milestone Technical Support"
    kind = OrgKind.MTS.value


class DellFactory(OrganisationFactory):
    name = "Dell Technologies"
    kind = OrgKind.DELL.value
    country = "US"
    timezone = "America/Chicago"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    organisation = factory.SubFactory(MtsFactory)
    role = Role.AGENT.value
    password = factory.django.Password("correct-horse-battery")
