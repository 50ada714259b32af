from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from cases import dashboard, events, notices, reports
        from partners.context_processors import register_nav
        from partners.kinds import OrgKind

        register_nav("Cases", "cases:list", frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS}), order=10)
        register_nav("Triage queue", "cases:queue", frozenset({OrgKind.MTS}), order=20)
        dashboard.register()
        events.register()
        notices.register()
        reports.register()
