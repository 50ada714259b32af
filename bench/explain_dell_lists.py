"""EXPLAIN ANALYZE of Dell's two lists (GET /api/v1/dispatches/ and the queue page), as they were before issue 21
(Count("parts") over a join, grouping every matching dispatch before the sort) and as they are now, on a
database bench/bench_load.py loaded. Prints Markdown for bench/RESULTS.md.

    DJANGO_SETTINGS_MODULE=bench.load_settings DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        SECRET_KEY=<50+ chars> REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/explain_dell_lists.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Exists, OuterRef

    from dispatch import selectors
    from dispatch.models import OPEN_STATE_VALUES, Dispatch, Part
    from partners.models import User

    dell = User.objects.get(username="dell-agent")

    def before(filters: selectors.DispatchFilters):
        """The list's queryset as it was (main 53dd18d): the part count grouped over a join of every row."""
        qs = selectors.dispatches_visible_to(dell)
        if filters.open_only:
            qs = qs.filter(state__in=OPEN_STATE_VALUES)
        overdue = Part.objects.filter(dispatch=OuterRef("pk"), return_flagged_at__isnull=False, returned_on=None)
        qs = qs.annotate(has_overdue_part=Exists(overdue), part_count=Count("parts", distinct=True))
        return qs.select_related("case", "case__unit", "case__reseller", "dell_org").order_by(
            *selectors.DISPATCH_ORDERS["nbd"]
        )

    lists = [
        ("GET /api/v1/dispatches/ (every state, 50 a page)", selectors.DispatchFilters(), 50),
        ("Dell's queue page (open ones, 50 a page)", selectors.DispatchFilters(open_only=True), 50),
    ]
    print(f"{Dispatch.objects.filter(dell_org=dell.organisation).count():,} dispatches sent to Dell\n")
    for label, filters, size in lists:
        for when, qs in (("before", before(filters)), ("after", selectors.dispatch_list(dell, filters))):
            sql, params = qs[: size + 1].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)  # warm the cache as a busy server has it
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"**{label}, {when}** ({total}):\n\n```\n" + "\n".join(plan) + "\n```\n")


if __name__ == "__main__":
    main()
