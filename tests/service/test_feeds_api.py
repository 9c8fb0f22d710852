"""Partner feeds through the service: hostile articles, scoping, review state, paging,
tombstones, alternates and conditional requests."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import feedparser
import lxml.html
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from service.access.api_keys import create_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

SHARED = Path(os.environ.get("KAKEHASHI_SHARED_DIR", Path(__file__).parents[3] / "shared"))
SCHEMA = SHARED / "eval/jsonfeed/jsonfeed-schema/schema-v1.1.json"


def assert_inert(html: str) -> None:
    """No element or attribute of the article's own markup survives as markup."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert root.xpath("//script|//img|//iframe") == []
    for element in root.iter():
        assert not any(name.startswith("on") for name in element.attrib)
        assert not element.get("href", "").startswith("javascript:")


HOSTILE_TITLE = "<script>alert('t')</script> 速報 🇯🇵 עברית ]]> العربية"
HOSTILE_BODY = (
    "本文<img src=x onerror=alert(1)>です。\x00\x07\x1b ]]> 🇯🇵\n\n"
    "<a href='javascript:alert(2)'>リンク</a> مرحبا" + "長い文。" * 5000
)


def test_hostile_articles_render_valid_feeds_in_every_format(
    client: TestClient, tokens: dict[str, str]
) -> None:
    posted = client.post(
        "/v1/articles",
        headers=auth(tokens["publisher"]),
        json=article(
            "hostile",
            title=HOSTILE_TITLE,
            body=HOSTILE_BODY,
            author="<b>Evil</b> & Co",
            categories=["<script>x</script>", "security"],
        ),
    )
    assert posted.status_code == 202, posted.text
    partner = tokens["partner"]
    json_feed = client.get("/feeds/ja.json", params={"token": partner})
    document = json.loads(json_feed.content)
    item = document["items"][0]
    assert item["title"] == HOSTILE_TITLE.strip()
    assert_inert(item["content_html"])
    assert "\x00" not in json_feed.text and "\x1b" not in json_feed.text
    assert "🇯🇵" in item["content_html"] and "مرحبا" in item["content_html"]
    if SCHEMA.is_file():
        import jsonschema

        jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    for fmt in ("atom", "rss"):
        response = client.get(f"/feeds/ja.{fmt}", params={"token": partner})
        etree.fromstring(response.content)  # well-formed XML
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.bozo_exception
        entry = parsed.entries[0]
        assert entry.title == HOSTILE_TITLE.strip()
        content = entry.content[0].value
        assert_inert(content)
        text = lxml.html.fragment_fromstring(content, create_parent="div").text_content()
        assert "]]>" in text and "🇯🇵" in text and "مرحبا" in text


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"JSON Feed schema absent ({SCHEMA})")
def test_translated_feed_validates_against_the_json_feed_schema(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    import jsonschema

    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    translate_directly(runtime, "a-1", "fr")
    document = json.loads(client.get("/feeds/en.json", params={"token": tokens["partner"]}).content)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    item = document["items"][0]
    assert item["language"] == "en" and item["_kakehashi"]["needs_review"] is False
    assert item["external_url"] == article()["url"]


def test_alternates_link_every_language_and_the_original(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    translate_directly(runtime, "a-1", "fr")
    parsed = feedparser.parse(
        client.get("/feeds/en.atom", params={"token": tokens["partner"]}).content
    )
    links = {
        (link.get("hreflang"), link.href)
        for link in parsed.entries[0].links
        if link.rel == "alternate"
    }
    assert ("ja", article()["url"]) in links
    assert {lang for lang, _ in links} == {"ja", "en", "fr"}
    pages = {lang: href for lang, href in links if lang != "ja"}
    assert pages["fr"].startswith("http://localhost:8000/articles/a-1/fr?")
    assert pages["en"].startswith("http://localhost:8000/articles/a-1/en?")  # its own page
    fr = client.get("/v1/articles/a-1/translations/fr", headers=auth(tokens["partner"]))
    assert fr.status_code == 200 and fr.json()["title"].startswith("[fr]")
    assert (
        client.get(
            "/v1/articles/a-1/translations/fr", headers=auth(tokens["partner-fr"])
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/v1/articles/a-1/translations/en", headers=auth(tokens["partner-fr"])
        ).status_code
        == 403
    )
    assert (
        client.get("/v1/articles/a-1/translations/de", headers=auth(tokens["partner"])).status_code
        == 404
    )


def test_scopes_sections_and_review_state(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    publisher = auth(tokens["publisher"])
    client.post("/v1/articles", json=article("sec", categories=["security"]), headers=publisher)
    client.post("/v1/articles", json=article("eco", categories=["economy"]), headers=publisher)
    client.post("/v1/articles", json=article("rev", categories=["economy"]), headers=publisher)
    translate_directly(runtime, "sec", "en")
    translate_directly(runtime, "eco", "en")
    translate_directly(runtime, "rev", "en", needs_review=True)
    with session_scope(runtime.sessions) as session:
        economy = create_key(session, name="eco desk", role="partner", sections=["economy"])[1]
        reviewer = create_key(session, name="sees all", role="partner", include_needs_review=True)[
            1
        ]

    def ids(token: str, **params: str) -> set[str]:
        response = client.get("/feeds/en.json", params={"token": token, **params})
        assert response.status_code == 200, response.text
        return {item["id"].split(":")[3] for item in json.loads(response.content)["items"]}

    assert ids(tokens["partner"]) == {"sec", "eco"}  # needs-review excluded by default
    assert ids(reviewer) == {"sec", "eco", "rev"}
    assert ids(economy) == {"eco"}
    assert ids(tokens["partner"], category="security") == {"sec"}
    assert client.get("/v1/articles/eco/translations/en", headers=auth(economy)).status_code == 200
    assert client.get("/v1/articles/sec/translations/en", headers=auth(economy)).status_code == 403
    assert (
        client.get("/feeds/en.json", params={"token": economy, "category": "security"}).status_code
        == 403
    )


def test_paging_is_stable_while_items_arrive(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    for i in range(7):
        client.post("/v1/articles", json=article(f"p{i}"), headers=auth(tokens["publisher"]))
        translate_directly(runtime, f"p{i}", "en", age=timedelta(minutes=10 - i))
    seen: list[str] = []
    url: str | None = "/feeds/en.json?limit=3"
    pages = 0
    while url:
        path, _, query = url.replace("http://localhost:8000", "").partition("?")
        params = dict(parse_qsl(query))
        response = client.get(path, params={**params, "token": tokens["partner"]})
        document = json.loads(response.content)
        seen += [item["id"] for item in document["items"]]
        url = document.get("next_url")
        pages += 1
        if pages == 1:  # a new item arrives between two page fetches
            client.post("/v1/articles", json=article("late"), headers=auth(tokens["publisher"]))
            translate_directly(runtime, "late", "en")
    assert pages == 3
    assert seen == [f"urn:kakehashi:article:p{i}:en" for i in range(6, -1, -1)]
    atom = feedparser.parse(
        client.get("/feeds/en.atom", params={"token": tokens["partner"], "limit": 3}).content
    )
    assert any(link.rel == "next" for link in atom.feed.links)


def test_retraction_leaves_a_tombstone(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    client.delete("/v1/articles/a-1", headers=auth(tokens["publisher"]))
    atom = client.get("/feeds/en.atom", params={"token": tokens["partner"]}).content
    root = etree.fromstring(atom)
    ns = {"at": "http://purl.org/atompub/tombstones/1.0", "a": "http://www.w3.org/2005/Atom"}
    assert root.xpath("a:entry", namespaces=ns) == []
    assert root.xpath("at:deleted-entry/@ref", namespaces=ns) == ["urn:kakehashi:article:a-1:en"]
    document = json.loads(client.get("/feeds/en.json", params={"token": tokens["partner"]}).content)
    assert document["items"] == []
    assert [d["id"] for d in document["_kakehashi"]["deleted"]] == ["urn:kakehashi:article:a-1:en"]


def test_conditional_requests(client: TestClient, tokens: dict[str, str], runtime: Runtime) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    translate_directly(runtime, "a-1", "fr")  # the item's fr alternate exists from the start
    params = {"token": tokens["partner"]}
    first = client.get("/feeds/en.rss", params=params)
    assert first.status_code == 200 and first.headers["cache-control"]
    assert first.headers["etag"].startswith('"')
    since = client.get(
        "/feeds/en.rss",
        params=params,
        headers={"If-Modified-Since": first.headers["last-modified"]},
    )
    assert since.status_code == 304 and since.content == b""
    stale = client.get(
        "/feeds/en.rss", params=params, headers={"If-None-Match": '"something-else"'}
    )
    assert stale.status_code == 200
    # A new French text changes the fr feed only: en stays cached and equal.
    translate_directly(runtime, "a-1", "fr", title="[fr] autre")
    assert client.get("/feeds/en.rss", params=params).headers["etag"] == first.headers["etag"]
    client.put(
        "/v1/articles/a-1",
        headers=auth(tokens["publisher"]),
        json={k: v for k, v in article(title="訂正").items() if k != "id"},
    )
    translate_directly(runtime, "a-1", "en", title="corrected")
    after = client.get(
        "/feeds/en.rss", params=params, headers={"If-None-Match": first.headers["etag"]}
    )
    assert after.status_code == 200 and b"corrected" in after.content


def test_feed_changes_ping_the_websub_hubs(settings: Settings) -> None:
    """A real local HTTP server acts as hub; a publish pings it with the feeds' URLs, and the
    feeds advertise it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    from service.web.app import create_app

    received: list[dict[str, list[str]]] = []

    class Hub(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(parse_qs(self.rfile.read(length).decode()))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hub = f"http://127.0.0.1:{server.server_address[1]}/hub"
    rt = Runtime.start(settings.model_copy(update={"websub_hubs": (hub,)}))
    try:
        with session_scope(rt.sessions) as session:
            publisher = create_key(session, name="cms", role="publisher")[1]
            partner = create_key(session, name="outlet", role="partner")[1]
        # A worker thread runs the deliver actor: the pings are outbox rows written with each
        # change, relayed to it after the commit.
        with TestClient(create_app(runtime=rt, worker_threads=1)) as client:
            client.post("/v1/articles", json=article(), headers=auth(publisher))
            translate_directly(rt, "a-1", "en")
            wanted = {f"http://localhost:8000/feeds/{lang}.atom" for lang in ("ja", "en")}
            deadline = time.monotonic() + 30
            while not wanted <= {form["hub.url"][0] for form in list(received)}:
                assert time.monotonic() < deadline, "the hub was not pinged"
                time.sleep(0.05)
            document = json.loads(client.get("/feeds/en.json", params={"token": partner}).content)
            assert document["hubs"] == [{"type": "WebSub", "url": hub}]
    finally:
        rt.close()
        server.shutdown()
    topics = {form["hub.url"][0] for form in received}
    assert all(form["hub.mode"] == ["publish"] for form in received)
    assert {
        "http://localhost:8000/feeds/ja.atom",
        "http://localhost:8000/feeds/en.json",
        "http://localhost:8000/feeds/en.rss",
    } <= topics
    assert not any("token" in topic for topic in topics)
