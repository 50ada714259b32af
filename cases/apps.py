from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from cases import dashboard, events, redelivery, reports
        from husky_support.queue import register_redelivery
        from partners.context_processors import register_nav
        from partners.kinds import OrgKind

        register_nav("Cases", "cases:list", frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS}), order=10)
        register_nav("Triage queue", "cases:queue", frozenset({OrgKind.MTS}), order=20)
        register_redelivery("case-emails", "cases.tasks.notify_case_transition_task", redelivery.due_event_emails)
        dashboard.register()
        events.register()
        reports.register()
