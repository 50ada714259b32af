from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Organisations and users"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from partners import (
            schema,  # noqa: F401 - registers the OpenAPI authentication extension
            security,
            twofactor,
        )
        from partners.integrations import notices as integration_notices
        from partners.integrations.endpoints import ENDPOINT_OBJECT_KIND
        from partners.integrations.outbox import register_object_kind
        from partners.reports import filters as report_filters

        register_object_kind(ENDPOINT_OBJECT_KIND)
        integration_notices.register()
        report_filters.register()
        user_logged_in.connect(twofactor.on_sign_in, dispatch_uid="partners-2fa-standing")
        user_logged_in.connect(security.on_signed_in, dispatch_uid="partners-security-signed-in")
        user_login_failed.connect(security.on_sign_in_failed, dispatch_uid="partners-security-failed")
        user_locked_out.connect(security.on_locked_out, dispatch_uid="partners-security-locked-out")
