"""Pages people land on, in vnu (the Nu HTML Checker) and as a browser or a partner sees them
(issue 20, findings 12-13): item pages, the feeds directory with its previews, refusals."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import feedparser
import lxml.html
import pytest

from tests.conformance.clients import vnu
from tests.conformance.conftest import Service
from tests.conformance.corpus import LANGS, fetch

pytestmark = [pytest.mark.conformance, pytest.mark.slow]  # vnu starts a JVM per call
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def item_links(service: Service) -> list[str]:
    """The link of every item of the translated feeds (the signed page URLs)."""
    return [
        entry.link
        for lang in LANGS
        if lang != "ja"
        for entry in feedparser.parse(fetch(service, f"/feeds/{lang}.atom")).entries
    ]


def test_item_pages_pass_vnu_with_canonical_and_hreflang(service: Service, tmp_path: Path) -> None:
    """Finding 12: vnu finds no error (datetimes with at most three fraction digits); each
    page names itself canonical and lists itself and its other languages by hreflang."""
    links = item_links(service)
    assert links
    files = []
    for number, link in enumerate(links):
        response = service.http.get(_path(link))
        assert response.status_code == 200, (link, response.text)
        root = lxml.html.document_fromstring(response.content)
        assert root.xpath("//head/link[@rel='canonical']/@href") == [link]
        hreflangs = root.xpath("//head/link[@rel='alternate']/@hreflang")
        assert {root.get("lang"), "ja"} <= set(hreflangs), (link, hreflangs)
        assert set(hreflangs) == {"ja", "en", "fr"}, (link, hreflangs)
        files.append(tmp_path / f"item-{number}.html")
        files[-1].write_bytes(response.content)
    for article_id in ("c-table", "c-economy"):  # originals, opened with the token
        original = service.get(f"/articles/{article_id}/ja")
        assert original.status_code == 200, original.text
        files.append(tmp_path / f"original-{article_id}.html")
        files[-1].write_bytes(original.content)
    assert vnu(files) == []


def test_item_links_are_permanent_and_revoked_with_the_key(service: Service) -> None:
    """Finding 13: a link carries no expiry (partners keep them in archives); a forged one
    opens an HTML page saying so, as does an unknown key's."""
    link = item_links(service)[0]
    query = dict(parse_qsl(urlsplit(link).query))
    assert "exp" not in query, link
    forged = _path(link).replace(query["sig"], "0" * len(query["sig"]))
    refused = service.http.get(forged, headers={"Accept": BROWSER})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("text/html"), refused.text
    assert "link" in lxml.html.document_fromstring(refused.content).text_content()


def test_directory_without_a_token_explains_tokens_to_a_browser(
    service: Service, tmp_path: Path
) -> None:
    """Finding 13: /feeds/ opened by a person: still 401, but a page that says what a token
    is and how to add it to a reader; programs still get JSON."""
    page = service.http.get("/feeds/", headers={"Accept": BROWSER})
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html"), page.text
    text = lxml.html.document_fromstring(page.content).text_content()
    assert "token" in text and "?token=" in text
    program = service.http.get("/feeds/", headers={"Accept": "application/json"})
    assert program.status_code == 401
    assert program.json()["error"]["code"] == "unauthorized"
    file = tmp_path / "no-token.html"
    file.write_bytes(page.content)
    assert vnu([file]) == []


def test_directory_links_a_readable_preview_of_each_feed(service: Service, tmp_path: Path) -> None:
    """Finding 13: from the directory, every feed has an HTML preview rendered by the server
    (no XSLT): its items' titles and links, and the feed URLs to subscribe to."""
    token = service.corpus.tokens["partner"]
    directory = service.http.get("/feeds/", params={"token": token}, headers={"Accept": BROWSER})
    assert directory.status_code == 200
    root = lxml.html.document_fromstring(directory.content)
    previews = [href for href in root.xpath("//a/@href") if ".html" in href]
    assert len(previews) >= len(LANGS), previews
    files = [tmp_path / "directory.html"]
    files[0].write_bytes(directory.content)
    for number, href in enumerate(previews):
        page = service.http.get(_path(href) if href.startswith("http") else href)
        assert page.status_code == 200, (href, page.text)
        assert page.headers["content-type"].startswith("text/html")
        assert b"<?xml-stylesheet" not in page.content
        preview = lxml.html.document_fromstring(page.content)
        assert preview.xpath("//article//a[contains(@href, '/articles/')]") or "/ja." in href
        files.append(tmp_path / f"preview-{number}.html")
        files[-1].write_bytes(page.content)
    assert vnu(files) == []
