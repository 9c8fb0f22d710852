"""Links that open: item links and alternates lead to pages a partner's browser can open (signed
per key, no token in them), the home link exists, and next pages keep the query token."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import feedparser
import lxml.html
from fastapi.testclient import TestClient

from service.access.api_keys import revoke_key
from service.runtime import Runtime
from service.store.db import session_scope
from service.syndication import page_links
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_link_of_a_feed_opens_a_page_in_its_language(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post(
        "/v1/articles",
        json=article(
            body="<p>本文。</p><p><img src='https://img.example.jp/a.jpg' alt='写真'></p>",
            format="html",
        ),
        headers=auth(tokens["publisher"]),
    )
    translate_directly(runtime, "a-1", "en")
    translate_directly(runtime, "a-1", "fr")
    token = tokens["partner"]
    parsed = feedparser.parse(client.get("/feeds/en.atom", params={"token": token}).content)
    entry = parsed.entries[0]
    alternates = {
        link.get("hreflang"): link.href for link in entry.links if link.rel == "alternate"
    }
    assert alternates["ja"] == "https://news.example.jp/articles/a-1"  # the newsroom's page
    for lang in ("en", "fr"):
        href = alternates[lang]
        assert token not in href  # signed for the key: no token leaks into pages
        page = client.get(_path(href))  # as a browser would: no header, no token
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        root = lxml.html.document_fromstring(page.content)
        assert root.get("lang") == lang
        hreflangs = {e.get("hreflang") for e in root.xpath("//head/link[@rel='alternate']")}
        assert hreflangs == {"ja", "en", "fr"}  # itself included
        assert "Machine-translated from Japanese" in page.text
        assert root.xpath("//script") == []
    original = lxml.html.document_fromstring(
        client.get("/articles/a-1/ja", params={"token": token}).content
    )
    assert original.get("lang") == "ja"
    assert [img.get("alt") for img in original.xpath("//img")] == ["写真"]
    # The feed's home link is a page that exists.
    home = next(link.href for link in parsed.feed.links if link.rel == "alternate")
    assert client.get(_path(home)).status_code == 200

    # A forged or altered link, or one of a revoked key, opens nothing.
    forged = alternates["fr"].replace("/a-1/fr?", "/a-1/en?")
    assert client.get(_path(forged)).status_code == 401
    query = dict(parse_qsl(urlsplit(alternates["fr"]).query))
    assert "exp" not in query  # permanent: partners keep these links (issue 20, finding 13)
    # Links made before carried an expiry, signed with it: they open until it passes.
    key_id = int(query["key"])
    for expires, status in ((1000, 401), (4_000_000_000, 200)):
        sig = page_links._digest(runtime.link_secret, key_id, "a-1", "fr", expires)
        old = client.get(f"/articles/a-1/fr?key={key_id}&exp={expires}&sig={sig}")
        assert old.status_code == status
    # A permanent link's signature is no expiring link's, and the other way round.
    assert (
        client.get(f"/articles/a-1/fr?key={key_id}&exp=4000000000&sig={query['sig']}").status_code
        == 401
    )
    assert client.get("/articles/a-1/fr?key=1").status_code == 401
    assert client.get("/articles/a-1/fr", params={"token": token}).status_code == 200
    with session_scope(runtime.sessions) as session:
        revoke_key(session, int(query["key"]))
    assert client.get(_path(alternates["fr"])).status_code == 401


def test_a_key_sees_on_pages_what_it_sees_in_feeds(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en", needs_review=True)
    assert client.get("/articles/a-1/en", params={"token": tokens["partner"]}).status_code == 404
    assert client.get("/articles/a-1/en", params={"token": tokens["partner-fr"]}).status_code == 403
    assert client.get("/articles/a-1/ja", params={"token": tokens["partner"]}).status_code == 200
    assert client.get("/articles/nope/ja", params={"token": tokens["partner"]}).status_code == 404
    assert client.get("/articles/a-1/xx", params={"token": tokens["partner"]}).status_code == 404
    assert client.get("/articles/a-1/en").status_code == 401


def test_next_pages_keep_the_credential_the_request_used(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    for n in range(3):
        client.post("/v1/articles", json=article(f"p-{n}"), headers=auth(tokens["publisher"]))
        translate_directly(runtime, f"p-{n}", "en")
    token = tokens["partner"]
    first = client.get("/feeds/en.json", params={"token": token, "limit": 2}).json()
    second = client.get(_path(first["next_url"]))  # a reader follows it as given
    assert second.status_code == 200
    assert [i["id"] for i in second.json()["items"]] == ["urn:kakehashi:article:p-0:en"]
    atom = feedparser.parse(
        client.get("/feeds/en.atom", params={"token": token, "limit": 2}).content
    )
    following = next(link.href for link in atom.feed.links if link.rel == "next")
    assert client.get(_path(following)).status_code == 200
    by_header = client.get("/feeds/en.json", params={"limit": 2}, headers=auth(token)).json()
    assert "token=" not in by_header["next_url"]  # a Bearer token stays out of the body
    assert json.loads(client.get(_path(by_header["next_url"]), headers=auth(token)).content)
