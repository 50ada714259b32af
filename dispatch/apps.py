from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "Dell dispatch and coverage"

    def ready(self) -> None:
        # Plug into the lower apps through their registries (dependencies flow servicetags ← cases ← dispatch).
        from cases import hooks as case_hooks
        from dispatch import dashboard, events, notices, panels, reports, selectors, services, todos, unit_cards
        from partners.context_processors import register_nav
        from partners.kinds import OrgKind
        from servicetags import hooks as unit_hooks

        case_hooks.registry.dispatch_facts = services.dispatch_facts_for_case
        case_hooks.registry.create_dispatch = services.create_dispatch
        case_hooks.registry.dell_visibility = selectors.dell_case_q
        case_hooks.registry.backlog_on_parts = selectors.backlog_on_parts
        case_hooks.registry.queue_row_details = panels.queue_details
        if panels.eligibility_panel not in case_hooks.registry.case_panels:
            case_hooks.registry.case_panels.insert(0, panels.eligibility_panel)  # above the dispatch panel
        if panels.dispatch_panel not in case_hooks.registry.case_panels:
            case_hooks.registry.case_panels.append(panels.dispatch_panel)
        events.register()
        notices.register()
        dashboard.register()
        reports.register()
        register_nav("Dispatches", "dispatch:queue", frozenset({OrgKind.MTS, OrgKind.DELL}), order=60)
        register_nav("Schedule", "dispatch:schedule", frozenset({OrgKind.MTS, OrgKind.DELL}), order=65)
        register_nav("Coverage", "dispatch:coverage", frozenset({OrgKind.MTS}), order=70)
        case_hooks.registry.panel_actions.add("escalate_to_dell")
        if services.follow_case not in case_hooks.registry.case_changed:
            case_hooks.registry.case_changed.append(services.follow_case)
        if todos.case_todos not in case_hooks.registry.case_todos:
            case_hooks.registry.case_todos.append(todos.case_todos)
        if selectors.annotate_queue not in case_hooks.registry.queue_annotations:
            case_hooks.registry.queue_annotations.append(selectors.annotate_queue)
        if unit_cards.eligibility_card not in unit_hooks.unit_cards:
            unit_hooks.unit_cards.append(unit_cards.eligibility_card)
        if selectors.dell_unit_q not in unit_hooks.dell_unit_conditions:
            unit_hooks.dell_unit_conditions.append(selectors.dell_unit_q)
