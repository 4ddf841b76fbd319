"""`hub demo`'s wiring (hub/demo.py) stands beside the CLI, not on it: what both print is in
hub/summary.py."""

from __future__ import annotations

import ast

from hub.config import PROJECT_ROOT


def _imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_demo_does_not_import_the_cli():
    imported = _imported_modules(PROJECT_ROOT / "hub" / "demo.py")
    assert not {name for name in imported if name == "hub.cli" or name.startswith("hub.cli.")}
    assert "hub.summary.print_summary" in imported


def test_the_cli_prints_the_same_summary():
    import hub.cli
    import hub.summary

    assert hub.cli.print_summary is hub.summary.print_summary
