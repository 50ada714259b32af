from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Organisations and users"

    def ready(self) -> None:
        from partners import schema  # noqa: F401 - registers the OpenAPI authentication extension
