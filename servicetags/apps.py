from django.apps import AppConfig


class ServicetagsConfig(AppConfig):
    name = "servicetags"
    verbose_name = "Units and service tags"

    def ready(self) -> None:
        from partners.dashboard import Panel, register_panel
        from partners.kinds import OrgKind
        from servicetags import events, notices, reports

        events.register()
        notices.register()
        reports.register()

        def context(user):
            from servicetags.views import panel_context

            return panel_context(user)

        register_panel(
            Panel(
                key="servicetags-transfers",
                template="servicetags/panel.html",
                kinds=frozenset({OrgKind.DISTRIBUTOR, OrgKind.MTS, OrgKind.DELL}),
                context=context,
                order=30,
            )
        )
