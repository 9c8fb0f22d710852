"""Issue 19 item 11: control and bidi characters in titles and bodies no longer vanish
silently: they are stripped (feeds cannot carry them) and the response says which, per field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import article, auth

pytestmark = pytest.mark.fault


def test_stripped_characters_are_named_in_the_response(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = article("c-1", title="見出し\u202eevil\u202c", body="本\x00文\x1b。", summary="要\x0b約")
    answer = client.post("/v1/articles", json=body, headers=auth(tokens["publisher"]))
    assert answer.status_code == 202, answer.text
    removed = {r["field"]: r["characters"] for r in answer.json()["removed"]}
    assert removed == {
        "title": ["U+202C", "U+202E"],
        "body": ["U+0000", "U+001B"],
        "summary": ["U+000B"],
    }
    stored = client.get("/v1/articles/c-1", headers=auth(tokens["publisher"])).json()
    assert stored["title"] == "見出しevil"


def test_clean_text_reports_nothing(client: TestClient, tokens: dict[str, str]) -> None:
    answer = client.put("/v1/articles/c-2", json=article("c-2"), headers=auth(tokens["publisher"]))
    assert answer.status_code in (200, 201, 202), answer.text
    assert answer.json()["removed"] == []
