from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Organisations and users"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from partners import (
            schema,  # noqa: F401 - registers the OpenAPI authentication extension
            twofactor,
        )

        user_logged_in.connect(twofactor.on_sign_in, dispatch_uid="partners-2fa-standing")
