"""service/ is built in floors: a module imports only from its own floor or the ones below it,
type-only imports included, so the packages read as the data flow and nothing runs back up.

    0 settings, errors, logs      what everything may use
    1 store                       the store of record and its caches
    2 access, schemas             who may do what; the API's shapes
    3 articles, glossary, jobs,   the domain
      review, syndication
    4 runtime, migrate            a process's resources, put together
    5 web, cli, probe             the ways in
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).parents[2] / "service"
FLOORS = {
    "settings": 0,
    "errors": 0,
    "logs": 0,
    "store": 1,
    "access": 2,
    "schemas": 2,
    "articles": 3,
    "glossary": 3,
    "jobs": 3,
    "review": 3,
    "syndication": 3,
    "runtime": 4,
    "migrate": 4,
    "web": 5,
    "cli": 5,
    "probe": 5,
}


# Arrows that still run up, each to be cut by giving the domain code what it uses instead of
# the whole Runtime (issue 17, item 4). The list may only shrink: a new arrow fails, and so
# does an entry that no longer exists (delete it when you cut it).
# Issue 17.4 cut the last arrows running up to `service.runtime`: domain code takes what it
# uses (a JobContext, a PushContext, sessions and settings), so both sets are empty and stay so.
KNOWN_UPWARD: set[str] = set()
KNOWN_CYCLES: set[str] = set()


def _area(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("service.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "service":
                found |= {f"service.{a.name}" for a in node.names}
            elif node.module.startswith("service."):
                found.add(node.module)
    return found


def _modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(SERVICE.parent).with_suffix("").parts): p
        for p in SERVICE.rglob("*.py")
        if "migrations" not in p.parts
    }


def test_every_area_has_a_floor() -> None:
    areas = {_area(m) for m in _modules()} - {"", "__init__"}
    assert areas == set(FLOORS), "give each new package of service/ a floor here"


def test_no_import_runs_up_a_floor() -> None:
    upward = []
    for module, path in _modules().items():
        if module == "service.__init__" or not _area(module):
            continue
        mine = FLOORS[_area(module)]
        for target in _imports(path):
            theirs = FLOORS[_area(target)]
            if theirs > mine:
                upward.append(f"{module} -> {target}")
    assert set(upward) == KNOWN_UPWARD


def test_no_import_cycle_between_modules() -> None:
    modules = _modules()
    graph = {m: {t for t in _imports(p) if t in modules and t != m} for m, p in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    named = {", ".join(sorted(c[:-1])) for c in cycles}  # the modules on each cycle
    assert named == KNOWN_CYCLES


def test_after_commit_work_is_only_run_by_the_unit_of_work() -> None:
    """Issue 17.2: what must follow a commit is said where the change is made (an effect
    recorded in the transaction) and run by `service.store.unit_of_work` alone; nobody pairs
    a write with its follow-up by hand."""
    runners = {"service/store/db.py", "service/store/unit_of_work.py"}
    found = []
    for path in sorted(SERVICE.rglob("*.py")):
        relative = path.relative_to(SERVICE.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative not in runners and ("after_commit(" in text or "before_commit(" in text):
            found.append(relative)
    assert found == []
