"""Discovery: the landing page, the feed directory (HTML and JSON), OPML and category feeds."""

from __future__ import annotations

from urllib.parse import urlsplit

import feedparser
import lxml.html
from fastapi.testclient import TestClient
from lxml import etree

from service.access.api_keys import create_key
from service.runtime import Runtime
from service.store.db import session_scope
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly


def test_the_landing_page_says_what_this_is_and_where_to_go(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    hrefs = {a.get("href") for a in lxml.html.document_fromstring(page.content).iter("a")}
    assert hrefs == {"/feeds/", "/docs", "/editor/"}
    for href in hrefs:
        assert client.get(href).status_code in (200, 401)  # /feeds/ asks for a key


def test_the_directory_lists_the_feeds_a_key_may_read(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    client.post(
        "/v1/articles",
        json=article("e-1", categories=["economy"]),
        headers=auth(tokens["publisher"]),
    )
    translate_directly(runtime, "a-1", "en")
    with session_scope(runtime.sessions) as session:
        scoped = create_key(
            session, name="econ fr", role="partner", languages=["fr"], sections=["economy"]
        )[1]
    assert client.get("/feeds/").status_code == 401
    assert client.get("/feeds/", headers=auth(tokens["publisher"])).status_code == 403

    listed = client.get(
        "/feeds/", headers={**auth(tokens["partner"]), "Accept": "application/json"}
    ).json()
    pairs = {(x["lang"], x["format"], x["category"]) for x in listed}
    for lang in ("ja", "en", "fr"):
        for fmt in ("atom", "rss", "json"):
            assert {(lang, fmt, None), (lang, fmt, "security"), (lang, fmt, "economy")} <= pairs
    assert all("token=" not in x["url"] for x in listed)  # asked with a header
    for x in listed:  # every listed URL answers
        parts = urlsplit(x["url"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert client.get(path, headers=auth(tokens["partner"])).status_code == 200, x

    narrow = client.get("/feeds/", params={"token": scoped}, headers={"Accept": "application/json"})
    assert {(x["lang"], x["category"]) for x in narrow.json()} == {("fr", None), ("fr", "economy")}
    assert all(f"token={scoped}" in x["url"] for x in narrow.json())  # asked with ?token=

    html = client.get("/feeds/", params={"token": tokens["partner"]})
    assert html.headers["content-type"].startswith("text/html")
    root = lxml.html.document_fromstring(html.content)
    assert root.xpath("//a[contains(@href, '/feeds/en.atom?category=security')]")
    assert root.xpath("//a[starts-with(@href, '/feeds/opml')]")

    opml = client.get("/feeds/opml", params={"token": tokens["partner"]})
    assert opml.status_code == 200 and opml.headers["content-type"].startswith("text/x-opml")
    outlines = etree.fromstring(opml.content).findall(".//outline")
    # One Atom feed per language (issue 20, finding 10); the categories on request.
    languages = {x["lang"] for x in listed}
    assert len(outlines) == len(languages)
    assert all(o.get("xmlUrl").split("?")[0].endswith(".atom") for o in outlines)
    everything = client.get("/feeds/opml", params={"token": tokens["partner"], "categories": 1})
    every = etree.fromstring(everything.content).findall(".//outline")
    assert len(every) == len([x for x in listed if x["format"] == "atom"])
    en_atom = next(
        o.get("xmlUrl") for o in outlines if o.get("xmlUrl").split("?")[0].endswith("/en.atom")
    )
    parts = urlsplit(en_atom)
    feed = feedparser.parse(client.get(f"{parts.path}?{parts.query}").content)
    assert feed.entries and not feed.bozo
