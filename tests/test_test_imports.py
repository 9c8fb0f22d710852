"""Test files import shared helpers from helper modules (tests/fakes.py, tests/service/helpers.py,
tests/service/processes.py, tests/service/browser.py, the sample modules), never from another
test file: importing a test module runs its module-level code and collects its tests' names
into the importer, and a helper kept in a test file is found only by reading that file."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def test_no_test_file_imports_another() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_"):
                    offenders.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}: {name}")
    assert offenders == []
