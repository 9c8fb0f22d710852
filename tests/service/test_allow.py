"""Issue 19 item 11: OPTIONS on every route answers 204 with a complete Allow header, and a
405 names every method the path takes (Starlette named only the first route's)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.fault


def _concrete(path: str) -> str:
    """A path of the OpenAPI document with its parameters filled in ({lang}.{fmt} too)."""
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_options_lists_every_operation_of_every_path(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    wrong = {}
    for path, operations in paths.items():
        wanted = {m.upper() for m in operations if m != "parameters"}
        answer = client.options(_concrete(path))
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")}
        if answer.status_code != 204 or not wanted | {"OPTIONS"} <= allowed:
            wrong[path] = (answer.status_code, answer.headers.get("allow"), sorted(wanted))
    assert not wrong, wrong


def test_a_wrong_method_names_every_allowed_one(client: TestClient) -> None:
    answer = client.patch("/v1/articles/a-1")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, PUT, DELETE, OPTIONS"
    assert answer.json()["error"]["code"] == "method_not_allowed"


def test_options_on_an_unknown_path_is_404(client: TestClient) -> None:
    assert client.options("/no/such/path").status_code == 404
