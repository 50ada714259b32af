"""The apps depend on each other in one direction only: partners <- servicetags <- cases <- dispatch.

A lower app reaches a higher one only through a registry the higher app fills in its AppConfig.ready()
(cases/hooks.py), so no module of a lower app imports a higher app, not even lazily inside a function.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["partners", "servicetags", "cases", "dispatch"]


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_a_lower_app_never_imports_a_higher_one(app: str) -> None:
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path) & higher)
        for path in (ROOT / app).rglob("*.py")
        if _imported_apps(path) & higher
    }
    assert offenders == {}


def test_the_shared_pure_modules_import_no_app() -> None:
    for name in ("calendar.py", "geo.py", "localtime.py", "filtering.py", "business_hours.py", "reports.py"):
        assert _imported_apps(ROOT / "husky_support" / name) == set()


# The project's wiring, which names every app by design: the URL configuration, settings, the entry points.
WIRING = {"urls.py", "settings", "wsgi.py", "asgi.py", "celery.py"}


def test_modules_of_husky_support_import_no_app_outside_the_wiring() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path))
        for path in (ROOT / "husky_support").rglob("*.py")
        if not WIRING & set(path.relative_to(ROOT / "husky_support").parts) and _imported_apps(path)
    }
    assert offenders == {}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _app_modules() -> list[Path]:
    return [
        path
        for app in [*LAYERS, "husky_support"]
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_module_imports_a_tasks_module() -> None:
    """Services queue work by name through husky_support.queue; only the worker imports tasks, so a service
    and its app's tasks never import each other in a circle."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[-1] == "tasks")
        for path in _app_modules()
    }
    assert {path: found for path, found in offenders.items() if found} == {}


# Where HTTP lives: the API packages and the few adapters DRF or the schema generator call into.
HTTP_EDGES = {"api", "api.py", "auth.py", "schema.py", "urls.py", "settings"}


def test_no_domain_module_imports_drf() -> None:
    offenders = {
        str(path.relative_to(ROOT))
        for path in _app_modules()
        if not HTTP_EDGES & set(path.relative_to(ROOT).parts)
        and any(m.split(".")[0] in {"rest_framework", "drf_spectacular"} for m in _imported_modules(path))
    }
    assert offenders == set()


# Where each seam call names its task: queued after commit, published now, or registered for redelivery.
SEAM_TASK_ARGUMENT = {"enqueue_after_commit": 0, "publish": 0, "register_redelivery": 1}


def test_every_task_queued_through_the_seam_is_registered() -> None:
    """A misspelt task name fails here, not in a worker's log at run time."""
    from husky_support.queue import registered_task_names

    queued = set()
    for path in _app_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            position = SEAM_TASK_ARGUMENT.get(getattr(node.func, "id", getattr(node.func, "attr", "")))
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
                queued.add(node.args[position].value)
    assert queued  # the scan found the seam's callers
    assert queued - registered_task_names() == set()


# Templates and static files belong to the app of their folder (templates/<app>/, static/<kind>/<app>.*); the
# project's own static files (app.js, pickers.js) sit below every app. The URL namespaces of each app:
NAMESPACE_APP = {
    "partners": "partners",
    "reports": "partners",
    "servicetags": "servicetags",
    "cases": "cases",
    "dispatch": "dispatch",
}
URL_NAME = re.compile(r"""{%\s*url\s+['"](?:(?P<ns>[a-z_]+):)?[\w-]+['"]""")
TEMPLATE_NAME = re.compile(r"""{%\s*(?:include|extends)\s+['"](?P<app>[a-z_]+)/""")
STATIC_NAME = re.compile(r"""{%\s*static\s+['"](?:css|js)/(?P<name>[a-z_]+)\.(?:css|js)['"]""")


def _template_app(path: Path) -> str:
    """The site's skeleton (base.html, the sign-in pages) sits with partners, whose accounts it serves."""
    relative = path.relative_to(ROOT / "templates")
    return relative.parts[0] if len(relative.parts) > 1 and relative.parts[0] in LAYERS else "partners"


def _named_apps(text: str) -> set[str]:
    apps = {NAMESPACE_APP[m["ns"]] for m in URL_NAME.finditer(text) if m["ns"] in NAMESPACE_APP}
    apps |= {m["app"] for m in TEMPLATE_NAME.finditer(text) if m["app"] in LAYERS}
    apps |= {m["name"] for m in STATIC_NAME.finditer(text) if m["name"] in LAYERS}
    return apps


# The navigation bar's bell is the one upward link left in the project's base template: it moves when the
# notification path does (issue 17).
KNOWN_UPWARD = {"base.html": {"cases"}}


def test_templates_name_no_page_template_or_static_file_of_a_higher_app() -> None:
    offenders = {}
    for path in (ROOT / "templates").rglob("*.html"):
        app = _template_app(path)
        below = set(LAYERS[: LAYERS.index(app) + 1])
        higher = _named_apps(path.read_text(encoding="utf-8")) - below
        higher -= KNOWN_UPWARD.get(str(path.relative_to(ROOT / "templates")), set())
        if higher:
            offenders[str(path.relative_to(ROOT))] = sorted(higher)
    assert offenders == {}


def test_python_of_a_lower_app_names_no_url_of_a_higher_one() -> None:
    """reverse("dispatch:queue") in partners would be the same coupling as an import."""
    literal = re.compile(r"""['"](?P<ns>[a-z_]+):[\w-]+['"]""")
    offenders = {}
    for app in LAYERS[:-1]:
        higher = set(LAYERS[LAYERS.index(app) + 1 :])
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            named = {NAMESPACE_APP[m["ns"]] for m in literal.finditer(text) if m["ns"] in NAMESPACE_APP}
            if named & higher:
                offenders[str(path.relative_to(ROOT))] = sorted(named & higher)
    assert offenders == {}


def test_the_layer_checks_see_an_upward_name() -> None:
    assert _named_apps("{% url 'dispatch:queue' %} {% include 'cases/_x.html' %}") == {"dispatch", "cases"}
    assert _named_apps("{% static 'js/servicetags.js' %}") == {"servicetags"}


def test_every_redelivery_names_a_registered_task_and_a_typo_fails_at_start_up(monkeypatch) -> None:
    """The redelivery registry (filled in AppConfig.ready()) names only registered tasks; a typo is a
    system-check error, so `manage.py check`, the web process and the worker refuse to start."""
    from django.core import checks

    from husky_support import queue

    entries = {entry.name: entry.task_name for entry in queue.redeliveries()}
    assert {"notifications", "webhook-deliveries"} <= set(entries)
    assert set(entries.values()) - queue.registered_task_names() == set()
    assert [m for m in checks.run_checks() if m.id == "husky_support.E001"] == []

    typo = queue.Redelivery("typo", "cases.tasks.no_such_task", lambda now, limit: [])
    monkeypatch.setitem(queue._REDELIVERIES, "typo", typo)
    errors = [m for m in checks.run_checks() if m.id == "husky_support.E001"]
    assert [m.msg for m in errors] == [
        "Redelivery 'typo' names the task 'cases.tasks.no_such_task', which no app registers."
    ]
