"""format_html for rows built in bulk: the same escaping in fewer calls (the busiest pages build hundreds of
fragments a request, and format_html's lazy-aware escape costs several calls a value)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe


def esc(value: object) -> str:
    """conditional_escape without its lazy wrapper: markup (anything with __html__) kept, the rest escaped."""
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def fill(template: str, /, *args: object, **values: object) -> SafeString:
    """format_html(template, *args, **values), byte for byte."""
    return mark_safe(  # noqa: S308 - every value is escaped unless it is markup already
        template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in values.items()})
    )
