"""Malformed, oversized or hostile input: a precise 4xx, a JSON error body, nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.tables import Article, Job, Revision
from tests.service.conftest import article, auth


def _nothing_stored(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        for table in (Article, Revision, Job):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def _error(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == code  # type: ignore[attr-defined]


def test_malformed_json_is_400(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    response = client.post(
        "/v1/articles",
        content=b'{"id": "a-1", "title": ',
        headers={**auth(tokens["publisher"]), "content-type": "application/json"},
    )
    _error(response, 400, "malformed_json")
    _nothing_stored(runtime)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"body": 42}, "body"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"published_at": "2026-01-27T06:00:00"}, "published_at"),  # naive: refused
        ({"published_at": "yesterday"}, "published_at"),
        ({"format": "markdown"}, "format"),
        ({"categories": "security"}, "categories"),
        ({"categories": ["x" * 101]}, "categories"),
        ({"id": "../../etc/passwd"}, "id"),
        ({"id": ""}, "id"),
        ({"unexpected": "field"}, "unexpected"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    change: dict[str, object],
    field: str,
) -> None:
    response = client.post(
        "/v1/articles", json={**article(), **change}, headers=auth(tokens["publisher"])
    )
    _error(response, 422, "invalid")
    assert any(field in detail["loc"] for detail in response.json()["error"]["details"])
    _nothing_stored(runtime)


def test_missing_field_is_422(client: TestClient, tokens: dict[str, str], runtime: Runtime) -> None:
    body = article()
    del body["published_at"]
    _error(
        client.post("/v1/articles", json=body, headers=auth(tokens["publisher"])), 422, "invalid"
    )
    _nothing_stored(runtime)


def test_oversized_body_is_413(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    limit = runtime.settings.max_body_bytes
    body = article(body="あ" * (limit // 3 + 10))
    _error(
        client.post("/v1/articles", json=body, headers=auth(tokens["publisher"])), 413, "too_large"
    )
    _nothing_stored(runtime)


def test_oversized_body_without_content_length_is_413(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    limit = runtime.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    response = client.post(
        "/v1/articles",
        content=chunks(),
        headers={**auth(tokens["publisher"]), "content-type": "application/json"},
    )
    _error(response, 413, "too_large")
    _nothing_stored(runtime)


def test_tokens_and_roles(client: TestClient, tokens: dict[str, str], runtime: Runtime) -> None:
    anonymous = client.post("/v1/articles", json=article())
    _error(anonymous, 401, "unauthorized")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    _error(
        client.post("/v1/articles", json=article(), headers=auth("kh_pub_forged")),
        401,
        "unauthorized",
    )
    _error(
        client.post("/v1/articles", json=article(), headers={"Authorization": "Basic eA=="}),
        401,
        "unauthorized",
    )
    _error(
        client.post("/v1/articles", json=article(), headers=auth(tokens["partner"])),
        403,
        "forbidden",
    )
    _error(
        client.post("/v1/articles", json=article(), headers=auth(tokens["editor"])),
        403,
        "forbidden",
    )
    _nothing_stored(runtime)
    assert (
        client.post("/v1/articles", json=article(), headers=auth(tokens["admin"])).status_code
        == 202
    )


def test_revoked_token_stops_working(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    from service.api_keys import authenticate, revoke_key
    from service.db import session_scope

    with session_scope(runtime.sessions) as session:
        principal = authenticate(session, tokens["publisher"])
        assert principal is not None
        revoke_key(session, principal.key_id)
    _error(
        client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"])),
        401,
        "unauthorized",
    )


def test_feed_requests_out_of_bounds(client: TestClient, tokens: dict[str, str]) -> None:
    partner = tokens["partner"]
    _error(client.get("/feeds/xx.json", params={"token": partner}), 404, "not_found")
    _error(client.get("/feeds/en.xml", params={"token": partner}), 404, "not_found")
    _error(client.get("/feeds/xx.html", params={"token": partner}), 404, "not_found")
    _error(client.get("/feeds/en.json"), 401, "unauthorized")
    _error(client.get("/feeds/en.json", params={"token": "nope"}), 401, "unauthorized")
    _error(client.get("/feeds/en.json", params={"token": tokens["partner-fr"]}), 403, "forbidden")
    _error(client.get("/feeds/en.json", params={"token": partner, "limit": 0}), 422, "invalid")
    _error(
        client.get("/feeds/en.json", params={"token": partner, "before": "%%%"}), 400, "bad_cursor"
    )
    _error(client.get("/feeds/en.json", params={"token": tokens["publisher"]}), 403, "forbidden")


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    _error(client.get("/v1/nothing-here"), 404, "not_found")
    _error(client.patch("/v1/articles"), 405, "method_not_allowed")


def test_translate_rejects_unknown_language(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/v1/translate", json={"text": "こんにちは", "to": "xx"}, headers=auth(tokens["editor"])
    )
    _error(response, 422, "unknown_language")
    response = client.post(
        "/v1/translate", json={"text": "こんにちは", "to": "EN!"}, headers=auth(tokens["editor"])
    )
    _error(response, 422, "invalid")
