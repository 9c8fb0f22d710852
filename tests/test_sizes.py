"""No module of the code over about 450 lines and no function over about 60 (issue 17): past
that a reader no longer holds a module or a function in their head, and a long one is usually
several ideas that want names of their own. Split along a seam, never to meet the count.

Alembic migrations (service/store/migrations/versions/) are exempt: each is a frozen record of
one schema change, written once and never edited, and splitting one would only scatter it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("service", "translators", "feeds", "glossaries")
MIGRATIONS = ROOT / "service" / "store" / "migrations" / "versions"
# "About" 450: service/store/tables.py (458) is one declarative schema whose tables reference
# each other; cutting it in two to win eight lines would be a split made for the count.
MODULE_LINES = 460
FUNCTION_LINES = 60
# Functions over the limit that their owner is rewriting now; the list may only shrink (an entry
# that is no longer long fails too, so delete it when you split the function).
KNOWN_LONG: set[str] = set()  # none left; a new entry needs a reason beside it


def _sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if MIGRATIONS not in path.parents
    )


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _functions(path: Path) -> list[tuple[str, int]]:
    """(name, lines from `def` to the last line of the body) of every function and method;
    decorators are not counted (a route's OpenAPI decorator is declaration, not logic)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.name, (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_module_is_too_long() -> None:
    offenders = []
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES:
            offenders.append(f"{_name(path)}: {lines} lines")
    assert offenders == [], f"modules over {MODULE_LINES} lines:\n" + "\n".join(offenders)


def test_no_function_is_too_long() -> None:
    offenders: list[str] = []
    known: set[str] = set()
    for path in _sources():
        for name, lines in _functions(path):
            if lines <= FUNCTION_LINES:
                continue
            where = f"{_name(path)}:{name}"
            if where in KNOWN_LONG:
                known.add(where)
            else:
                offenders.append(f"{where}: {lines} lines")
    assert offenders == [], f"functions over {FUNCTION_LINES} lines:\n" + "\n".join(offenders)
    assert known == KNOWN_LONG, f"no longer long, delete from KNOWN_LONG: {KNOWN_LONG - known}"


def test_the_sources_are_found() -> None:
    """The limits above checked something: a wrong root would pass them vacuously."""
    names = {_name(path) for path in _sources()}
    assert {"service/web/app.py", "translators/pipeline.py", "feeds/render.py"} <= names
    assert not any(name.startswith("service/store/migrations/versions/") for name in names)
