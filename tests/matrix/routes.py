"""Every route of the URL configuration, with the HTTP methods it answers, read from the resolver itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

PAGE_METHODS = ("get", "post")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "cases:detail" or "case-transitions"
    pattern: str  # the route as written, for messages
    args: tuple[str, ...]  # the URL's keyword arguments
    api: bool
    methods: tuple[str, ...]  # API: what the view dispatches; pages: discovered by the matrix itself


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield prefix + str(pattern.pattern), name, pattern


def _api_methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(actions))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return ("get",)
    return tuple(sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)))


def all_routes() -> list[Route]:
    routes = []
    for pattern, name, url_pattern in _walk(get_resolver().url_patterns):
        api = pattern.startswith("api/") or pattern.startswith("^api/")
        args = tuple(_arg_names(pattern))
        methods = _api_methods(url_pattern.callback) if api else PAGE_METHODS
        routes.append(Route(name=name, pattern=pattern, args=args, api=api, methods=methods))
    return routes


def _arg_names(pattern: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", pattern) + re.findall(r"\(\?P<(\w+)>", pattern)
