"""Embargoes (issue 23): copy under embargo reaches no partner surface, cached and 304 paths
included, and is everywhere within a second after it ends; the release is a durable row."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from service.runtime import Runtime
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

FORMATS = ("json", "atom", "rss")
ITEM = "urn:kakehashi:article:{}:{}"


def _stamp(delta: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=delta)).isoformat()


def _surfaces(client: TestClient, token: str, article_id: str) -> dict[str, bool]:
    """Where a partner finds the article: each feed, its page, the /v1 reads, the directory."""
    found = {}
    for lang in ("ja", "en"):
        for fmt in FORMATS:
            body = client.get(f"/feeds/{lang}.{fmt}", params={"token": token}).text
            found[f"{lang}.{fmt}"] = article_id in body
        page = client.get(f"/articles/{article_id}/{lang}", params={"token": token})
        found[f"page {lang}"] = page.status_code == 200
    found["v1 article"] = client.get(f"/v1/articles/{article_id}", headers=auth(token)).is_success
    found["v1 translation"] = client.get(
        f"/v1/articles/{article_id}/translations/en", headers=auth(token)
    ).is_success
    directory = client.get("/feeds/", headers={**auth(token), "Accept": "application/json"})
    found["directory"] = any(x["category"] == "scoop" for x in directory.json())
    return found


def test_an_embargoed_article_is_nowhere_until_its_time_then_everywhere_within_a_second(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    runtime.releaser.start()
    partner = tokens["partner"]
    client.post("/v1/articles", json=article("old"), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "old", "en")
    warm = client.get("/feeds/en.json", params={"token": partner})
    etag = warm.headers["etag"]
    until = datetime.now(UTC) + timedelta(seconds=3)
    posted = client.post(
        "/v1/articles",
        json=article("scoop", categories=["scoop"], embargoed_until=until.isoformat()),
        headers=auth(tokens["publisher"]),
    )
    assert posted.status_code == 202, posted.text
    assert posted.json()["article"]["embargo"] == "withheld"
    assert posted.json()["article"]["jobs"]  # translation starts at once
    translate_directly(runtime, "scoop", "en")
    assert not any(_surfaces(client, partner, "scoop").values())
    # The cached feed's validator still holds: nothing a partner may see changed.
    again = client.get("/feeds/en.json", params={"token": partner}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    # Editors and the CMS see it and its state.
    seen = client.get("/v1/articles/scoop", headers=auth(tokens["editor"])).json()
    assert seen["embargo"] == "withheld"
    assert datetime.fromisoformat(seen["embargoed_until"]) == until

    while datetime.now(UTC) < until:
        time.sleep(0.02)
    while True:
        response = client.get(
            "/feeds/en.json", params={"token": partner}, headers={"If-None-Match": etag}
        )
        if response.status_code == 200 and ITEM.format("scoop", "en") in response.text:
            break
        assert datetime.now(UTC) - until < timedelta(seconds=1), "not released within a second"
        time.sleep(0.02)
    assert datetime.now(UTC) - until < timedelta(seconds=1)
    assert all(_surfaces(client, partner, "scoop").values())
    items = response.json()["items"]
    assert items[0]["id"] == ITEM.format("scoop", "en")  # released copy is the newest
    released = client.get("/v1/articles/scoop", headers=auth(tokens["publisher"])).json()
    assert released["embargo"] == "released"


def test_a_release_is_a_durable_row_done_by_the_next_releaser(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    """No releaser runs while the embargo ends (every process was down): the feed stays as it
    was cached until one starts, which releases it at once."""
    partner = tokens["partner"]
    client.post(
        "/v1/articles",
        json=article("later", embargoed_until=_stamp(2)),
        headers=auth(tokens["publisher"]),
    )
    first = client.get("/feeds/ja.json", params={"token": partner})
    assert "later" not in first.text
    time.sleep(2.1)
    cached = client.get(
        "/feeds/ja.json",
        params={"token": partner},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert cached.status_code == 304
    assert runtime.releaser.release_now() == ["later"]
    assert runtime.releaser.release_now() == []  # once
    fresh = client.get(
        "/feeds/ja.json",
        params={"token": partner},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert fresh.status_code == 200
    assert ITEM.format("later", "ja") in fresh.text


def test_a_retraction_before_release_leaves_no_tombstone(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    publisher = auth(tokens["publisher"])
    client.post(
        "/v1/articles", json=article("pulled", embargoed_until=_stamp(60)), headers=publisher
    )
    client.post("/v1/articles", json=article("ran"), headers=publisher)
    assert client.delete("/v1/articles/pulled", headers=publisher).status_code == 200
    assert client.delete("/v1/articles/ran", headers=publisher).status_code == 200
    atom = client.get("/feeds/ja.atom", params={"token": tokens["partner"]}).text
    assert ITEM.format("ran", "ja") in atom  # a tombstone for what partners saw
    assert "pulled" not in atom
    json_feed = client.get("/feeds/ja.json", params={"token": tokens["partner"]}).text
    assert "pulled" not in json_feed


def test_put_moves_keeps_and_lifts_an_embargo(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    publisher = auth(tokens["publisher"])
    partner = tokens["partner"]
    body = article("moving", embargoed_until=_stamp(60))
    assert client.post("/v1/articles", json=body, headers=publisher).status_code == 202
    later = _stamp(120)
    moved = client.put(
        "/v1/articles/moving", json={**body, "embargoed_until": later}, headers=publisher
    )
    assert moved.status_code == 200  # same content: no new revision, the embargo moved
    assert datetime.fromisoformat(moved.json()["article"]["embargoed_until"]) == (
        datetime.fromisoformat(later)
    )
    kept = dict(body, title="新しい見出し")
    del kept["embargoed_until"]
    revised = client.put("/v1/articles/moving", json=kept, headers=publisher).json()
    assert revised["article"]["embargo"] == "withheld"  # left out: the embargo stays
    assert "moving" not in client.get("/feeds/ja.json", params={"token": partner}).text
    lifted = client.put(
        "/v1/articles/moving", json={**kept, "embargoed_until": None}, headers=publisher
    )
    assert lifted.json()["article"]["embargo"] is None
    assert "moving" in client.get("/feeds/ja.json", params={"token": partner}).text
    again = client.put(
        "/v1/articles/moving", json={**kept, "embargoed_until": _stamp(60)}, headers=publisher
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_released"


def test_a_naive_or_numeric_embargo_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    publisher = auth(tokens["publisher"])
    for bad in ("2030-01-01T00:00:00", 1900000000, "tomorrow"):
        response = client.post(
            "/v1/articles", json=article("bad", embargoed_until=bad), headers=publisher
        )
        assert response.status_code == 422, bad
