from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from cases import dashboard, events, redelivery, reports
        from husky_support.queue import register_redelivery

        register_redelivery("case-emails", "cases.tasks.notify_case_transition_task", redelivery.due_event_emails)
        dashboard.register()
        events.register()
        reports.register()
