from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Organisations and users"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.backends.signals import connection_created

        from husky_support import dbpool
        from husky_support.queue import register_redelivery
        from partners import (
            context_processors,
            schema,  # noqa: F401 - registers the OpenAPI authentication extension
            security,
            twofactor,
        )
        from partners.integrations import notices as integration_notices
        from partners.integrations import relay
        from partners.integrations.catalog import IntegrationEventType, register_event_types
        from partners.integrations.endpoints import ENDPOINT_OBJECT_KIND
        from partners.integrations.outbox import register_object_kind
        from partners.notifications import services as notification_services
        from partners.reports import filters as report_filters
        from partners.reports import home as report_home
        from partners.reports import monthly as monthly_report

        context_processors.register()
        register_object_kind(ENDPOINT_OBJECT_KIND)
        # The ping goes to the endpoint it was sent for, whoever owns it, and to no subscription.
        register_event_types(IntegrationEventType, dell_receives=True, subscribable=False)
        connection_created.connect(dbpool.install_check, dispatch_uid="husky-pool-check")
        # The relay claims due deliveries itself (under lease): one wake-up whatever number is due.
        register_redelivery(
            "webhook-deliveries", "partners.tasks.relay_webhooks_task", relay.due_deliveries, batched=True
        )
        integration_notices.register()
        # Notification emails that fell due and were not sent (a lost task, a digest's hour): queued as one
        # batch to the send task, which claims each row under its lock.
        register_redelivery(
            "notifications",
            notification_services.SEND_TASK,
            lambda now, limit: notification_services.unsent_notification_ids(now, limit=limit),
            as_list=True,
        )
        report_filters.register()
        report_home.register()
        monthly_report.register()
        user_logged_in.connect(twofactor.on_sign_in, dispatch_uid="partners-2fa-standing")
        user_logged_in.connect(security.on_signed_in, dispatch_uid="partners-security-signed-in")
        user_login_failed.connect(security.on_sign_in_failed, dispatch_uid="partners-security-failed")
        user_locked_out.connect(security.on_locked_out, dispatch_uid="partners-security-locked-out")
