"""The dependency rule (api → connectors → bot → nlu, with published/ beside nlu/), checked on
the import statements of every module."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "bot": {"connectors", "api", "kavshiri", "portal_sim"},
    "nlu": {"bot", "connectors", "api", "kavshiri", "portal_sim", "published"},
    "published": {"bot", "connectors", "api", "kavshiri", "portal_sim"},
    "connectors": {"api", "kavshiri"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_inwards(package: str):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in wrong.items() if names} == {}
