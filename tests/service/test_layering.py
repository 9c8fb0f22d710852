"""HTTP stays at the edge: only the app factory, the dependencies, the error mapping, the
middleware, the OpenAPI builder and the routes import FastAPI or Starlette; domain modules raise
the status-free errors of service.errors. And no import cycle runs through service/."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).parents[2] / "service"
EDGE = {"allow.py", "app.py", "deps.py", "http_errors.py", "middleware.py", "openapi.py"}


def _imports(path: Path) -> set[str]:
    """Modules imported anywhere in the file (function-local imports too), except under
    `if TYPE_CHECKING:`, which never runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for inner in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_the_edge_speaks_http() -> None:
    offenders = []
    for path in sorted(SERVICE.glob("*.py")):
        if path.name in EDGE:
            continue
        http = {m for m in _imports(path) if m.split(".")[0] in ("fastapi", "starlette")}
        if http:
            offenders.append(f"{path.name}: {sorted(http)}")
    assert offenders == []


def test_no_import_cycle_in_service() -> None:
    graph: dict[str, set[str]] = {}
    for path in SERVICE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(SERVICE.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        graph[name] = {m for m in _imports(path) if m.startswith("service.")}
    for node in graph:
        edges = {m if m in graph else m.rsplit(".", 1)[0] for m in graph[node]} & set(graph)
        graph[node] = edges - {node}  # `from pkg import submodule` inside pkg is no cycle

    seen: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycle = [*stack[stack.index(node) :], node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in seen:
            return
        for child in sorted(graph[node]):
            visit(child, [*stack, node])
        seen.add(node)

    for node in sorted(graph):
        visit(node, [])
