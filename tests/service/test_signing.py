"""HMAC-signed article writes when a webhook secret is configured."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service import signing
from service.api_keys import create_key
from service.app import create_app
from service.db import session_scope
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import article, auth

SECRET = "s" * 40


@pytest.fixture
def signed_client(settings: Settings) -> Iterator[tuple[TestClient, str]]:
    rt = Runtime.start(settings.model_copy(update={"webhook_secret": SecretStr(SECRET)}))
    with session_scope(rt.sessions) as session:
        token = create_key(session, name="cms", role="publisher")[1]
    with TestClient(create_app(runtime=rt)) as client:
        yield client, token
    rt.close()


def _headers(
    token: str, method: str, path: str, body: bytes, when: float | None = None, secret: str = SECRET
) -> dict[str, str]:
    stamp = int(when if when is not None else time.time())
    return {
        **auth(token),
        "content-type": "application/json",
        signing.HEADER: signing.sign(secret, stamp, method, path, body),
    }


def test_signed_writes_pass_and_unsigned_ones_do_not(signed_client: tuple[TestClient, str]) -> None:
    client, token = signed_client
    body = json.dumps(article()).encode()
    unsigned = client.post(
        "/v1/articles", content=body, headers={**auth(token), "content-type": "application/json"}
    )
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "bad_signature"
    assert "www-authenticate" not in unsigned.headers  # no Bearer challenge for a signature
    wrong = client.post(
        "/v1/articles",
        content=body,
        headers=_headers(token, "POST", "/v1/articles", body, secret="x" * 40),
    )
    assert wrong.status_code == 401
    stale = client.post(
        "/v1/articles",
        content=body,
        headers=_headers(token, "POST", "/v1/articles", body, when=time.time() - 3600),
    )
    assert stale.status_code == 401 and "timestamp" in stale.json()["error"]["message"]
    tampered = client.post(
        "/v1/articles",
        content=body.replace(b"a-1", b"a-2"),
        headers=_headers(token, "POST", "/v1/articles", body),
    )
    assert tampered.status_code == 401
    good = client.post(
        "/v1/articles", content=body, headers=_headers(token, "POST", "/v1/articles", body)
    )
    assert good.status_code == 202, good.text
    # A signature for another verb or article cannot be replayed.
    replay = client.delete(
        "/v1/articles/a-1", headers=_headers(token, "POST", "/v1/articles", body)
    )
    assert replay.status_code == 401
    deleted = client.delete(
        "/v1/articles/a-1", headers=_headers(token, "DELETE", "/v1/articles/a-1", b"")
    )
    assert deleted.status_code == 200


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 characters"):
        Settings(webhook_secret="short", _env_file=None)  # type: ignore[call-arg, arg-type]
