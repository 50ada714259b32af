"""Dashboard panels: each app contributes the panels of the home pages without partners knowing it.

An app registers a panel in its AppConfig.ready(); the home view renders every panel that fits the
viewer's organisation kind, in `order`. A panel's context function receives the user and returns
the template context, or None to hide the panel.
"""

from collections.abc import Callable
from dataclasses import dataclass

from partners.kinds import OrgKind


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    kinds: frozenset[OrgKind]
    context: Callable[..., dict | None]
    order: int = 100
    width: str = "col-lg-6"


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(user, kind: OrgKind | None) -> list[dict]:
    rendered = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if kind not in panel.kinds:
            continue
        context = panel.context(user)
        if context is not None:
            rendered.append({"template": panel.template, "width": panel.width, "ctx": context})
    return rendered
