"""format_html for rows built in bulk: the same escaping in fewer calls (the busiest pages build hundreds of
fragments a request, and format_html's lazy-aware escape costs several calls a value)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString


def esc(value: object) -> str:
    """conditional_escape without its lazy wrapper: markup (anything with __html__) kept, the rest escaped."""
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def fill(template: str, /, *args: object, **values: object) -> SafeString:
    """format_html(template, *args, **values), byte for byte."""
    # SafeString, not mark_safe: the formatted text is a plain str, and mark_safe's lazy wrapper costs calls.
    return SafeString(template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in values.items()}))
