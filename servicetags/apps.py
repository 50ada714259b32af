from django.apps import AppConfig


class ServicetagsConfig(AppConfig):
    name = "servicetags"
    verbose_name = "Units and service tags"

    def ready(self) -> None:
        from partners.context_processors import register_nav
        from partners.dashboard import Panel, register_panel
        from partners.kinds import OrgKind
        from servicetags import events, notices, reports

        partners_and_mts = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS})
        register_nav("Units", "servicetags:unit_list", partners_and_mts, order=30)
        register_nav("Orders", "servicetags:order_list", frozenset({OrgKind.DISTRIBUTOR, OrgKind.MTS}), order=40)
        register_nav("Transfers", "servicetags:transfer_queue", order=50)

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
