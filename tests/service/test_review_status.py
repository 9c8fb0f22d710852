"""Issue 10 item 3: review status partners can rely on. While a new translation awaits review,
keys without `include_needs_review` keep the last good one (or nothing if there never was
one), in feeds and in GET /v1/articles/{id}/translations/{lang}; keys with it see the new one,
marked in all three formats. Retraction removes the snapshot and leaves a tombstone."""

from __future__ import annotations

import json

import feedparser
from fastapi.testclient import TestClient

from service.runtime import Runtime
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

SCHEME = "urn:kakehashi:review"


def test_last_good_translation_stays_while_a_new_one_awaits_review(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    publisher = auth(tokens["publisher"])
    default, reviewing = tokens["partner"], tokens["partner-review"]
    client.post("/v1/articles", json=article("a-1"), headers=publisher)
    translate_directly(runtime, "a-1", "en", title="good one")
    client.put("/v1/articles/a-1", json=article("a-1", title="改訂版"), headers=publisher)
    translate_directly(runtime, "a-1", "en", title="flagged two", needs_review=True)

    def json_items(token: str) -> list[dict[str, object]]:
        response = client.get("/feeds/en.json", params={"token": token})
        items: list[dict[str, object]] = json.loads(response.content)["items"]
        return items

    [old] = json_items(default)
    assert old["title"] == "good one"
    assert old["_kakehashi"] == {**old["_kakehashi"], "needs_review": False, "revision": 1}  # type: ignore[dict-item]
    [new] = json_items(reviewing)
    assert new["title"] == "flagged two"
    assert new["_kakehashi"]["needs_review"] is True  # type: ignore[index]

    for token, title, marked in ((default, "good one", False), (reviewing, "flagged two", True)):
        atom = feedparser.parse(client.get("/feeds/en.atom", params={"token": token}).content)
        rss = feedparser.parse(client.get("/feeds/en.rss", params={"token": token}).content)
        for parsed in (atom, rss):
            [entry] = parsed.entries
            assert entry.title == title
            terms = [t["term"] for t in entry.get("tags", [])]
            assert ("needs-review" in terms) is marked
        got = client.get("/v1/articles/a-1/translations/en", headers=auth(token)).json()
        assert (got["title"], got["needs_review"]) == (title, marked)

    # Retracted: the snapshot goes, a tombstone says so, the translation is gone for everyone.
    client.delete("/v1/articles/a-1", headers=publisher)
    assert json_items(default) == [] and json_items(reviewing) == []
    gone = json.loads(client.get("/feeds/en.json", params={"token": default}).content)
    assert [t["id"] for t in gone["_kakehashi"]["deleted"]] == ["urn:kakehashi:article:a-1:en"]
    for token in (default, reviewing):
        missing = client.get("/v1/articles/a-1/translations/en", headers=auth(token))
        assert missing.status_code == 404


def test_nothing_for_default_partners_when_there_never_was_a_good_translation(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article("b-1"), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "b-1", "en", needs_review=True)
    default = client.get("/feeds/en.json", params={"token": tokens["partner"]})
    assert json.loads(default.content)["items"] == []
    missing = client.get("/v1/articles/b-1/translations/en", headers=auth(tokens["partner"]))
    assert missing.status_code == 404
    seen = client.get("/v1/articles/b-1/translations/en", headers=auth(tokens["partner-review"]))
    assert seen.status_code == 200 and seen.json()["needs_review"] is True


def test_put_accepts_posts_body_with_the_paths_id_and_refuses_another(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    publisher = auth(tokens["publisher"])
    same = client.put("/v1/articles/put-1", json=article("put-1"), headers=publisher)
    assert same.status_code == 202 and same.json()["article"]["id"] == "put-1"
    other = client.put("/v1/articles/put-2", json=article("put-1", title="別物"), headers=publisher)
    assert other.status_code == 422 and other.json()["error"]["code"] == "id_mismatch"
    assert client.get("/v1/articles/put-2", headers=publisher).status_code == 404
    bare = {k: v for k, v in article("put-3").items() if k != "id"}
    assert client.put("/v1/articles/put-3", json=bare, headers=publisher).status_code == 202
