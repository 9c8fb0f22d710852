"""HMAC-signed article writes when a webhook secret is configured."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.access import signing
from service.access.api_keys import create_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.web.app import create_app
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


def test_a_captured_request_cannot_be_replayed(
    signed_client: tuple[TestClient, str], runtime: Runtime
) -> None:
    """Issue 11, row 12: a captured signed PUT replayed 30 s later reverted a correction and
    re-published a retracted article."""
    client, token = signed_client
    path = "/v1/articles/a-1"

    def put(title: str) -> tuple[bytes, dict[str, str]]:
        body = article(title=title)
        body.pop("id")
        raw = json.dumps(body).encode()
        return raw, _headers(token, "PUT", path, raw)

    first, first_headers = put("最初の見出し")
    assert client.put(path, content=first, headers=first_headers).status_code == 202
    correction, correction_headers = put("訂正後の見出し")
    assert client.put(path, content=correction, headers=correction_headers).status_code == 202
    replay = client.put(path, content=first, headers=first_headers)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "replayed_signature"
    assert "sign every request anew" in replay.json()["error"]["message"]
    shown = client.get(path, headers=auth(token)).json()
    assert shown["title"] == "訂正後の見出し" and shown["revision"] == 2
    retract = _headers(token, "DELETE", path, b"")
    assert client.delete(path, headers=retract).status_code == 200
    assert client.delete(path, headers=retract).json()["error"]["code"] == "replayed_signature"
    again = client.put(path, content=correction, headers=correction_headers)
    assert again.status_code == 401
    assert client.get(path, headers=auth(token)).json()["status"] == "retracted"
    # The signature is remembered in Redis for the replay window, no longer.
    keys = runtime.redis.keys("kakehashi:sigseen:*")
    assert len(keys) == 3  # the two PUTs and the DELETE
    assert all(0 < runtime.redis.ttl(key) <= signing.REMEMBER_SECONDS for key in keys)


def test_one_replay_raced_from_many_threads_passes_once(
    signed_client: tuple[TestClient, str],
) -> None:
    """SET NX decides: of the same signed request sent at once, exactly one is accepted."""
    from concurrent.futures import ThreadPoolExecutor

    client, token = signed_client
    body = json.dumps(article("race")).encode()
    headers = _headers(token, "POST", "/v1/articles", body)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: client.post("/v1/articles", content=body, headers=headers).status_code,
                range(8),
            )
        )
    assert sorted(statuses) == [202] + [401] * 7


def test_verify_calls_first_seen_only_for_a_good_signature() -> None:
    seen: list[str] = []

    def first_seen(digest: str) -> bool:
        seen.append(digest)
        return len(seen) == 1

    path = "/v1/articles/x"
    header = signing.sign(SECRET, 1000, "PUT", path, b"{}")
    with pytest.raises(signing.SignatureError):
        signing.verify("y" * 40, header, "PUT", path, b"{}", 1000, first_seen=first_seen)
    assert seen == []
    signing.verify(SECRET, header, "PUT", path, b"{}", 1000, first_seen=first_seen)
    with pytest.raises(signing.ReplayedSignature):
        signing.verify(SECRET, header, "PUT", path, b"{}", 1001, first_seen=first_seen)
    assert seen == [header.split("v1=")[1]] * 2
