"""The apps depend on each other in one direction only: partners <- servicetags <- cases <- dispatch.

A lower app reaches a higher one only through a registry the higher app fills in its AppConfig.ready()
(cases/hooks.py), so no module of a lower app imports a higher app, not even lazily inside a function.
"""

import ast
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
