"""The README's limits are the service's: the 5 MB glossary import gets its own body limit,
every other body KAKEHASHI_MAX_BODY_BYTES; /metrics takes an optional token (issue 11,
row 13)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.runtime import Runtime
from service.settings import Settings
from service.web.app import create_app
from tests.service.conftest import auth

MB = 1_000_000


def _import(client: TestClient, token: str, raw: bytes, multipart: bool) -> int:
    url = "/v1/glossaries/security/import"
    params = {"format": "deepl-tsv", "target_lang": "en", "dry_run": "true"}
    if multipart:
        files = {"file": ("big.tsv", raw, "text/tab-separated-values")}
        return client.post(url, params=params, files=files, headers=auth(token)).status_code
    return client.post(url, params=params, content=raw, headers=auth(token)).status_code


@pytest.mark.parametrize("multipart", [False, True], ids=["raw-body", "multipart"])
def test_a_4_mb_import_reaches_the_importer(
    client: TestClient, tokens: dict[str, str], multipart: bool
) -> None:
    """Row 13: every body was capped at 1 MB, so the README's 5 MB import could not happen.
    One line of 4 MB with no tab: the importer itself answers (422, naming line 1)."""
    raw = b"x" * (4 * MB)
    assert _import(client, tokens["editor"], raw, multipart) == 422


@pytest.mark.parametrize("multipart", [False, True], ids=["raw-body", "multipart"])
def test_imports_over_5_mb_get_413(
    client: TestClient, tokens: dict[str, str], multipart: bool
) -> None:
    raw = b"x" * (5 * MB + 1)
    assert _import(client, tokens["editor"], raw, multipart) == 413
    assert _import(client, tokens["editor"], b"x" * (6 * MB), multipart) == 413


def test_other_bodies_keep_the_1_mb_limit(client: TestClient, tokens: dict[str, str]) -> None:
    big = b'{"text": "' + b"a" * (2 * MB) + b'", "to": "en"}'
    answer = client.post(
        "/v1/translate",
        content=big,
        headers={**auth(tokens["editor"]), "content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert "1000000-byte limit" in answer.json()["error"]["message"]
    entries = client.post(
        "/v1/glossaries/security/entries",
        content=big,
        headers={**auth(tokens["editor"]), "content-type": "application/json"},
    )
    assert entries.status_code == 413


METRICS_TOKEN = "m" * 24


@pytest.fixture
def metrics_client(settings: Settings) -> Iterator[TestClient]:
    rt = Runtime.start(settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)}))
    with TestClient(create_app(runtime=rt)) as client:
        yield client
    rt.close()


def test_metrics_token(metrics_client: TestClient, tokens: dict[str, str]) -> None:
    """Row 13: /metrics needed no token. With KAKEHASHI_METRICS_TOKEN set it needs that one
    (not an API key, not in the query)."""
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-of-some-length"},
        auth(tokens["admin"]),
        {"Authorization": f"Basic {METRICS_TOKEN}"},
    ):
        refused = metrics_client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert "kakehashi_jobs" not in refused.text
    assert metrics_client.get(f"/metrics?token={METRICS_TOKEN}").status_code == 401
    ok = metrics_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and "kakehashi_jobs" in ok.text


def test_metrics_open_without_a_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200


def test_metrics_token_must_be_long() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        Settings(metrics_token="short", _env_file=None)  # type: ignore[call-arg, arg-type]
