"""/docs works without a network, and the OpenAPI schema says how to authenticate and which
errors each operation answers."""

from __future__ import annotations

import re
import warnings

from fastapi.testclient import TestClient


def test_docs_page_loads_its_assets_from_the_service(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    urls += re.findall(r"""url: ?['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 100, url
    assert client.get("/docs/assets/../../settings.py").status_code == 404
    assert client.get("/docs/assets/swagger-ui.js.map").status_code == 404


def test_schema_declares_the_token_and_the_errors(client: TestClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Duplicate Operation ID" for GET+HEAD routes
        schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    paths = schema["paths"]
    post = paths["/v1/articles"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert {"400", "401", "403", "409", "413", "422"} <= set(post["responses"])
    patch = paths["/v1/glossaries/{name}/entries/{entry_id}"]["patch"]
    assert {"404", "409", "412", "428"} <= set(patch["responses"])
    assert paths["/feeds/{lang}.{fmt}"]["get"]["security"] == [{"bearer": []}, {"token": []}]
    assert "head" not in paths["/feeds/{lang}.{fmt}"]
    assert "security" not in paths["/healthz"]["get"]
    for path, item in paths.items():
        for method, operation in item.items():
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)
            error = operation["responses"].get("404")
            if error is not None:
                ref = error["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorOut"


def test_head_of_a_feed_still_answers(client: TestClient, tokens: dict[str, str]) -> None:
    head = client.head("/feeds/en.json", params={"token": tokens["partner"]})
    get = client.get("/feeds/en.json", params={"token": tokens["partner"]})
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["etag"] == get.headers["etag"]


def test_schema_lists_the_notices_as_webhooks(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    hooks = schema["webhooks"]
    assert set(hooks) == {"needs_review", "done", "failed"}
    body = hooks["needs_review"]["post"]["requestBody"]["content"]["application/json"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][ref]["properties"]
    assert {"delivery_id", "target", "event", "article_id", "lang", "revision", "reasons"} <= set(
        fields
    )
