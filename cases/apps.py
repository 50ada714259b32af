from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from cases import dashboard, events, notices, reports

        dashboard.register()
        events.register()
        notices.register()
        reports.register()
