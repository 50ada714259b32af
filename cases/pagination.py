"""Pagination whose total is counted exactly only up to a cap (settings.CASES_LIST_COUNT_CAP).

An exact COUNT(*) on every page costs a scan of every matching row, which grows with the open set and the
archive of closed cases; past the cap nobody pages by number anyway (they filter or search). Counting a
LIMITed id subquery keeps each page's cost bounded: pages beyond the cap window answer "not found".
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from husky_support.api.pagination import StandardPagination


class CappedPaginator(Paginator):
    capped = False

    @cached_property
    def count(self) -> int:
        cap = settings.CASES_LIST_COUNT_CAP
        qs = self.object_list
        if not hasattr(qs, "values"):
            return len(qs)
        counted = qs.order_by().values("pk")[: cap + 1].count()
        self.capped = counted > cap
        return min(counted, cap)


MAX_OFFSET = 10**9


class WindowPage:
    """A page without a total: it reads one row more than it shows to know whether a next page exists.
    The pages use it, so a page's cost does not grow with the number of matching cases."""

    def __init__(self, queryset, number: str | int | None, per_page: int) -> None:
        try:
            self.number = max(1, int(number or 1))
        except (TypeError, ValueError):
            self.number = 1
        offset = (self.number - 1) * per_page
        # A page number typed into the address bar can exceed what a database OFFSET holds; nothing lives
        # that far out, so such a page is simply empty.
        rows = list(queryset[offset : offset + per_page + 1]) if offset <= MAX_OFFSET else []
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.has_previous = self.number > 1
        self.start_index = offset + 1 if self.object_list else 0
        self.end_index = offset + len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class CappedCountPagination(StandardPagination):
    """The API's page-number pagination with `count` capped and `count_capped` saying so."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "True when there are more rows than `count` (the count stops at a cap).",
        }
        return result
