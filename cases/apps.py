from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from cases import dashboard, events, reports

        dashboard.register()
        events.register()
        reports.register()
