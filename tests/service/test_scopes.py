"""Who may call what: every operation of the OpenAPI schema, walked with every kind of caller
against an explicit allow matrix, and the scope of a partner key (languages and sections)
enforced on articles, jobs, translations and glossaries (issue 11, rows 5 and 10)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service import logs
from service.access.api_keys import create_key, revoke_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

KEYS = ("publisher", "editor", "partner", "admin", "scoped")
CALLERS = (*KEYS, "anonymous", "revoked", "admin-in-query")
NEWSROOM = frozenset({"publisher", "editor", "admin"})
EDITORS = frozenset({"editor", "admin"})
PUBLISHERS = frozenset({"publisher", "admin"})
READERS = frozenset(KEYS)
PARTNERS = frozenset({"partner", "scoped", "admin"})
EVERYONE = frozenset(CALLERS)

# The allow matrix: which callers get past authentication and authorisation. A new operation
# without a row here fails `test_every_operation_against_the_allow_matrix`.
# Partners read no glossary data at all (README "HTTP API"); exports need an editor key;
# `?token=` is accepted on feeds and item pages only ("admin-in-query" sends an admin token
# that way).
ALLOWED: dict[str, frozenset[str]] = {
    "POST /v1/articles": PUBLISHERS,
    "PUT /v1/articles/{article_id}": PUBLISHERS,
    "DELETE /v1/articles/{article_id}": PUBLISHERS,
    "GET /v1/articles/{article_id}": READERS,
    "GET /v1/articles/{article_id}/translations/{lang}": READERS,
    "GET /v1/jobs/{job_id}": READERS,
    "GET /v1/glossaries": NEWSROOM,
    "POST /v1/glossaries": EDITORS,
    "GET /v1/glossaries/{name}": NEWSROOM,
    "PATCH /v1/glossaries/{name}": EDITORS,
    "DELETE /v1/glossaries/{name}": EDITORS,
    "GET /v1/glossaries/{name}/entries": NEWSROOM,
    "POST /v1/glossaries/{name}/entries": EDITORS,
    "GET /v1/glossaries/{name}/entries/{entry_id}": NEWSROOM,
    "PATCH /v1/glossaries/{name}/entries/{entry_id}": EDITORS,
    "DELETE /v1/glossaries/{name}/entries/{entry_id}": EDITORS,
    "GET /v1/glossaries/{name}/entries/{entry_id}/history": NEWSROOM,
    "GET /v1/glossaries/{name}/history": NEWSROOM,
    "GET /v1/glossaries/{name}/entries/{entry_id}/usage": NEWSROOM,
    "GET /v1/glossaries/{name}/suggestions": NEWSROOM,
    "POST /v1/glossaries/{name}/suggestions/accept": EDITORS,
    "POST /v1/glossaries/{name}/import": EDITORS,
    "GET /v1/glossaries/{name}/export": EDITORS,
    "POST /v1/glossaries/{name}/entries/{entry_id}/impact": EDITORS,
    "GET /v1/whoami": READERS,
    "POST /v1/translate": frozenset({"publisher", "editor", "admin"}),
    "GET /feeds/{lang}.{fmt}": PARTNERS | {"admin-in-query"},
    "GET /feeds/": PARTNERS | {"admin-in-query"},
    "GET /feeds/opml": PARTNERS | {"admin-in-query"},
    "GET /feeds/{lang}.html": PARTNERS | {"admin-in-query"},  # a feed's readable preview
    # An item's page: a signed link, or a partner's token (header or query, like its feed).
    "GET /articles/{article_id}/{lang}": PARTNERS | {"admin-in-query"},
    "GET /v1/articles": PUBLISHERS,
    "GET /v1/reviews": EDITORS,
    "POST /v1/reviews/{article_id}/{lang}/approve": EDITORS,
    "GET /v1/reviews/{article_id}/{lang}/history": EDITORS,
    "GET /v1/reviews/facets": EDITORS,
    "GET /v1/reviews/{article_id}/{lang}": EDITORS,
    "POST /v1/reviews/{article_id}/{lang}/reject": EDITORS,
    "POST /v1/reviews/{article_id}/{lang}/retranslate": EDITORS,
    "PATCH /v1/memory/{entry_id}": EDITORS,
    "DELETE /v1/memory/{entry_id}": EDITORS,
    "GET /v1/partner-view": frozenset({"admin"}),
    "GET /v1/partner-view/{key_id}/{lang}": frozenset({"admin"}),
    "GET /v1/memory": EDITORS,
    "GET /v1/memory/export": EDITORS,
    "POST /v1/memory/import": EDITORS,
    "GET /v1/deliveries": frozenset({"admin"}),
    "POST /v1/deliveries/resend": frozenset({"admin"}),
    "POST /v1/deliveries/{delivery_id}/resend": frozenset({"admin"}),
    "GET /v1/jobs": frozenset({"admin"}),
    "POST /v1/jobs/{job_id}/retry": frozenset({"admin"}),
    "GET /v1/items/{article_id}/{lang}.ninjs": READERS,
    "PUT /v1/push": PARTNERS,
    "GET /v1/push": PARTNERS,
    "DELETE /v1/push": PARTNERS,
    "GET /v1/push/deliveries": PARTNERS,
    "GET /v1/push/topics": PARTNERS,
    "GET /v1/usage": PARTNERS,
    # A hub's fetch: the signed path is the credential (a wrong one is a 404 for anyone).
    "GET /websub/{key_id}/{sig}/{lang}.{fmt}": EVERYONE,
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,
    "GET /metrics": EVERYONE,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This test sends hundreds of refused requests from one address on purpose: the abuse
    limits (tested in test_abuse_limits.py) must not answer them first."""
    return settings.model_copy(
        update={
            "rate_limit_failed_auth_per_ip": "100000/minute",
            "rate_limit_per_ip": "100000/minute",
            "rate_limit_per_key": "100000/minute",
        }
    )


@pytest.fixture
def world(client: TestClient, runtime: Runtime) -> Iterator[dict[str, Any]]:
    """Two articles (politics and security) translated into en, every kind of key, and the
    ids the routes need."""
    with session_scope(runtime.sessions) as session:
        tokens = {
            role: create_key(session, name=f"k {role}", role=role)[1]
            for role in ("publisher", "editor", "partner", "admin")
        }
        tokens["scoped"] = create_key(
            session, name="en politics", role="partner", languages=["en"], sections=["politics"]
        )[1]
        revoked_row, tokens["revoked"] = create_key(session, name="gone", role="admin")
        revoke_key(session, revoked_row.id)
    publisher = auth(tokens["publisher"])
    for article_id, section in (("pol", "politics"), ("sec", "security")):
        response = client.post(
            "/v1/articles", json=article(article_id, categories=[section]), headers=publisher
        )
        assert response.status_code == 202, response.text
        translate_directly(runtime, article_id, "en")
    jobs = {
        (article_id, job["lang"]): job["id"]
        for article_id in ("pol", "sec")
        for job in client.get(f"/v1/articles/{article_id}", headers=publisher).json()["jobs"]
    }
    entries = client.get(
        "/v1/glossaries/security/entries", params={"limit": 1}, headers=publisher
    ).json()
    yield {"tokens": tokens, "jobs": jobs, "entry": entries["items"][0]["id"]}


def _headers(caller: str, tokens: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query parameters) a caller sends."""
    if caller == "anonymous":
        return {}, {}
    if caller == "admin-in-query":
        return {}, {"token": tokens["admin"]}
    return auth(tokens[caller]), {}


def _call(client: TestClient, method: str, path: str, world: dict[str, Any], caller: str) -> int:
    values = {
        "article_id": "gone" if method == "DELETE" else "pol",
        "lang": "en",
        "fmt": "json",
        "job_id": world["jobs"][("pol", "en")],
        # Deleting a glossary that does not exist: an allowed caller gets 404, not a deletion.
        "name": "no-such-glossary" if path == "/v1/glossaries/{name}" else "security",
        "entry_id": world["entry"],
        "key_id": 1,
        "sig": "0" * 32,
        "delivery_id": 999,  # an allowed caller gets 404
    }
    url = path.format(**values)
    headers, params = _headers(caller, world["tokens"])
    kwargs: dict[str, Any] = {"headers": headers, "params": params}
    if method in ("POST", "PUT", "PATCH"):
        # Bodies that change nothing: {} fails validation (422) after authorisation, an empty
        # import file is refused (422), an empty impact is a dry run.
        if path.endswith("/import"):  # glossary and memory imports
            kwargs["content"] = b""
        else:
            kwargs["json"] = {}
    return client.request(method, url, **kwargs).status_code


def test_every_operation_against_the_allow_matrix(
    client: TestClient, world: dict[str, Any]
) -> None:
    schema = client.get("/openapi.json").json()
    operations = {
        f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item
    }
    assert operations == set(ALLOWED), "every operation needs a row in ALLOWED"
    wrong: list[str] = []
    for operation in sorted(operations):
        method, path = operation.split(" ", 1)
        for caller in CALLERS:
            status = _call(client, method, path, world, caller)
            if status >= 500 and status != 503:  # /readyz: 503 while models are missing
                wrong.append(f"{operation} as {caller}: {status}")
            elif caller in ALLOWED[operation]:
                if status in (401, 403):
                    wrong.append(f"{operation} as {caller}: refused with {status}")
            elif caller in ("anonymous", "revoked", "admin-in-query"):
                if status != 401:
                    wrong.append(f"{operation} as {caller}: {status}, expected 401")
            elif status != 403:
                wrong.append(f"{operation} as {caller}: {status}, expected 403")
    assert wrong == []


def test_scoped_partner_reads_only_its_languages_and_sections(
    client: TestClient, world: dict[str, Any]
) -> None:
    """Row 5: a key scoped to en/politics read other sections' articles (title, URL, every
    language's jobs) and other languages' jobs."""
    scoped = auth(world["tokens"]["scoped"])
    jobs = world["jobs"]
    mine = client.get("/v1/articles/pol", headers=scoped)
    assert mine.status_code == 200
    assert set(mine.json()["languages"]) == {"en"}
    assert [job["lang"] for job in mine.json()["jobs"]] == ["en"]
    assert client.get(f"/v1/jobs/{jobs[('pol', 'en')]}", headers=scoped).status_code == 200
    assert client.get("/v1/articles/pol/translations/en", headers=scoped).status_code == 200
    refused = {
        "/v1/articles/sec": "sections",
        "/v1/articles/sec/translations/en": "sections",
        "/v1/articles/pol/translations/fr": "language 'fr'",
        f"/v1/jobs/{jobs[('pol', 'fr')]}": "language 'fr'",
        f"/v1/jobs/{jobs[('sec', 'en')]}": "sections",
    }
    for url, why in refused.items():
        answer = client.get(url, headers=scoped)
        assert answer.status_code == 403, url
        assert why in answer.json()["error"]["message"], url
        assert "sec" not in answer.text.replace("sections", "")  # nothing of the article leaks
    # An unscoped key still sees every language.
    full = client.get("/v1/articles/sec", headers=auth(world["tokens"]["partner"])).json()
    assert set(full["languages"]) == {"en", "fr"}


def test_partners_read_no_glossary_data(client: TestClient, world: dict[str, Any]) -> None:
    """Row 5: usage (Japanese sentences of out-of-scope articles), history (editors' names),
    suggestions and exports were readable with a partner key."""
    entry = world["entry"]
    base = "/v1/glossaries/security"
    for partner in ("partner", "scoped"):
        for url in (
            "/v1/glossaries",
            base,
            f"{base}/entries",
            f"{base}/entries/{entry}",
            f"{base}/entries/{entry}/usage",
            f"{base}/entries/{entry}/history",
            f"{base}/history",
            f"{base}/suggestions",
            f"{base}/export",
        ):
            answer = client.get(url, headers=auth(world["tokens"][partner]))
            assert answer.status_code == 403, (partner, url)
            assert answer.json()["error"]["code"] == "forbidden"


def test_flagged_translations_only_for_partners_that_include_them(
    client: TestClient, runtime: Runtime, world: dict[str, Any]
) -> None:
    """Row 5: partners without include_needs_review read flagged translations through the API
    (their feeds already left them out)."""
    publisher = auth(world["tokens"]["publisher"])
    client.post("/v1/articles", json=article("flag", categories=["politics"]), headers=publisher)
    translate_directly(runtime, "flag", "en", needs_review=True)
    with session_scope(runtime.sessions) as session:
        reviewer = create_key(session, name="r", role="partner", include_needs_review=True)[1]
    url = "/v1/articles/flag/translations/en"
    for partner in ("partner", "scoped"):
        hidden = client.get(url, headers=auth(world["tokens"][partner]))
        assert hidden.status_code == 404, partner
        assert "flagged for review" in hidden.json()["error"]["message"]
    assert client.get(url, headers=auth(reviewer)).json()["needs_review"] is True
    assert client.get(url, headers=publisher).json()["needs_review"] is True


def test_query_token_only_on_feeds(client: TestClient, world: dict[str, Any]) -> None:
    """Row 10: `?token=` was accepted on every route, admin included, and `?%74oken=` too."""
    admin = world["tokens"]["admin"]
    partner = world["tokens"]["partner"]
    for url in ("/v1/whoami", "/v1/glossaries", "/v1/articles/pol"):
        answer = client.get(f"{url}?token={admin}")
        assert answer.status_code == 401, url
        assert "feeds only" in answer.json()["error"]["message"]
        assert client.get(f"{url}?%74oken={admin}").status_code == 401, url
    assert client.get(f"/feeds/en.json?token={partner}").status_code == 200
    assert client.get(f"/feeds/en.json?%74oken={partner}").status_code == 200


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1:5 - "GET /feeds/en.atom?token=SECRET&limit=5 HTTP/1.1" 200',
        '127.0.0.1:5 - "GET /feeds/en.atom?%74oken=SECRET HTTP/1.1" 200',
        '127.0.0.1:5 - "GET /feeds/en.atom?limit=5&%74%6F%6B%65%6E=SECRET HTTP/1.1" 200',
        '127.0.0.1:5 - "GET /feeds/en.atom?limit=5;TOKEN=SECRET HTTP/1.1" 200',
        '127.0.0.1:5 - "GET /feeds/en.atom?to+ken=x&tok%65n=SECRET#f HTTP/1.1" 200',
    ],
)
def test_log_redaction_works_on_the_decoded_query(line: str) -> None:
    """Row 10: `?%74oken=<T>` authenticated but escaped the log redaction."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, "%s", (line,), None)
    logs.RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "[redacted]" in record.getMessage()
    assert "/feeds/en.atom?" in record.getMessage()
