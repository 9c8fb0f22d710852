"""Every feed of the seeded service in the clients partners run: feedparser, newsboat, jing with
RFC 4287's grammar, the JSON Feed schema (issue 20, findings 8-11)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import feedparser
import pytest
from lxml import etree

from tests.conformance.clients import jing, newsboat, newsboat_import
from tests.conformance.conftest import Service
from tests.conformance.corpus import ARTICLES, LANGS, fetch, get
from tests.feeds.feed_samples import json_feed_validator

pytestmark = pytest.mark.conformance

FORMATS = ("atom", "rss", "json")
CATEGORIES = sorted({c for a in ARTICLES.values() for c in a.get("categories", ["security"])})
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"


def feed_paths(fmt: str) -> list[str]:
    """Every feed of one format: per language, unfiltered and per category."""
    return [
        f"/feeds/{lang}.{fmt}" + (f"?{urlencode({'category': c})}" if c else "")
        for lang in LANGS
        for c in (None, *CATEGORIES)
    ]


def parse(service: Service, path: str) -> feedparser.FeedParserDict:
    """feedparser on a feed with its response headers, as a reader fetching it has them (it
    needs the media type to read JSON Feed)."""
    response = get(service, path)
    return feedparser.parse(response.content, response_headers=dict(response.headers))


def expected_articles(path: str) -> set[str]:
    """The live articles a feed (of the unscoped partner) must carry."""
    category = dict(parse_qsl(urlsplit(path).query)).get("category")
    return {
        article_id
        for article_id, fields in ARTICLES.items()
        if article_id != "c-retracted"
        and (category is None or category in fields.get("categories", ["security"]))
    }


def test_feedparser_reads_every_feed(service: Service) -> None:
    # feedparser 6.0 reads no JSON Feed: those are checked by the schema test below.
    for fmt in ("atom", "rss"):
        for path in feed_paths(fmt):
            parsed = parse(service, path)
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            seen = {entry.link.split("/articles/")[-1].split("/")[0] for entry in parsed.entries}
            if path.startswith("/feeds/ja."):  # originals link to the newsroom's pages
                seen = {entry.link.rsplit("/", 1)[-1] for entry in parsed.entries}
            assert seen == expected_articles(path), path
            assert len({entry.id for entry in parsed.entries}) == len(parsed.entries), path


def test_category_feeds_have_their_own_identity(service: Service) -> None:
    """Finding 9: a category feed says which it is (id, title, self link), in every format."""
    for fmt in FORMATS:
        identities = []
        for path in feed_paths(fmt):
            if fmt == "json":  # feedparser 6.0 reads no JSON Feed
                document = json.loads(fetch(service, path))
                self_url, title, feed_id = document["feed_url"], document["title"], None
            else:
                feed = parse(service, path).feed
                [self_url] = [link.href for link in feed.get("links", []) if link.rel == "self"]
                title, feed_id = feed.title, feed.get("id")
            assert self_url == service.url + path, (path, self_url)  # the query, no token
            category = dict(parse_qsl(urlsplit(path).query)).get("category")
            if category:
                assert category in title, (path, title)
            identities.append((feed_id or self_url, title))
        assert len({i for i, _ in identities}) == len(identities), identities
        assert len({t for _, t in identities}) == len(identities), identities


def test_atom_feeds_pass_rfc4287_relax_ng(service: Service, tmp_path: Path) -> None:
    """Finding 8: jing with RFC 4287's grammar, tombstones included (they precede entries)."""
    files = []
    for number, path in enumerate(feed_paths("atom")):
        for token in ("partner", "partner-security"):
            if token == "partner-security" and "category=" in path:
                continue
            file = tmp_path / f"feed-{number}-{token}.atom"
            file.write_bytes(fetch(service, path, token))
            files.append(file)
    assert jing(files) == []


def _tombstones(body: bytes) -> set[str]:
    return {e.get("ref", "") for e in etree.fromstring(body).iter(TOMBSTONE)}


def test_tombstones_only_where_the_item_could_have_been(service: Service) -> None:
    """Finding 8: the retracted economy article leaves a tombstone in the feeds that could
    carry it, and none in the security feed or the security-only partner's feed."""
    retracted = "urn:kakehashi:article:c-retracted:en"
    assert retracted in _tombstones(fetch(service, "/feeds/en.atom"))
    economy = _tombstones(fetch(service, "/feeds/en.atom?category=economy"))
    assert len(economy) == 1 and "c-retracted" in next(iter(economy))
    assert _tombstones(fetch(service, "/feeds/en.atom?category=security")) == set()
    assert _tombstones(fetch(service, "/feeds/en.atom", "partner-security")) == set()
    deleted = json.loads(fetch(service, "/feeds/en.json", "partner-security"))["_kakehashi"]
    assert deleted.get("deleted", []) == []


def test_json_feeds_pass_the_json_feed_schema(service: Service) -> None:
    validator = json_feed_validator()
    for path in feed_paths("json"):
        errors = [e.message for e in validator.iter_errors(json.loads(fetch(service, path)))]
        assert errors == [], (path, errors)


def test_tables_and_lead_images_reach_every_format(service: Service) -> None:
    """Finding 11: the table survives in every language and format; the lead image is an
    enclosure (Atom), media content (RSS) and `image` (JSON Feed), with its size kept."""
    for lang in LANGS:
        atom = feedparser.parse(fetch(service, f"/feeds/{lang}.atom?category=budget"))
        rss = feedparser.parse(fetch(service, f"/feeds/{lang}.rss?category=budget"))
        document = json.loads(fetch(service, f"/feeds/{lang}.json?category=budget"))
        [entry] = atom.entries
        [item] = rss.entries
        [json_item] = document["items"]
        for html in (entry.content[0].value, item.content[0].value, json_item["content_html"]):
            assert "<table>" in html and "<caption>" in html, (lang, html)
            assert 'colspan="2"' in html and 'width="640"' in html, (lang, html)
        image = "https://img.example.jp/budget.png"
        assert [link.href for link in entry.links if link.rel == "enclosure"] == [image]
        assert [m["url"] for m in item.get("media_content", [])] == [image]
        assert json_item["image"] == image


def test_newsboat_reads_the_opml_one_feed_per_language(service: Service, tmp_path: Path) -> None:
    """Finding 10: the OPML holds one feed per language, in a format newsboat reads; every
    article shows once per language, in the feed of its language."""
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(fetch(service, "/feeds/opml"))
    urls = newsboat_import(opml, tmp_path / "import")
    assert len(urls) == len(LANGS), urls
    assert not any(".json" in url for url in urls), urls
    loaded = newsboat(urls, tmp_path / "default")
    for url, feed in loaded.items():
        assert feed.title, f"newsboat read nothing from {url}"
        assert len(feed.guids) == len(expected_articles("/feeds/en.atom")), (url, feed)
    guids = Counter(g for feed in loaded.values() for g in feed.guids)
    assert [g for g, n in guids.items() if n > 1] == []


def test_newsboat_keeps_overlapping_category_feeds_apart(service: Service, tmp_path: Path) -> None:
    """Finding 10: with the categories asked for, newsboat subscribed to every outline keeps
    each feed whole (an item shared by two feeds is not taken from one by the other)."""
    opml = tmp_path / "categories.opml"
    response = service.http.get(
        "/feeds/opml", params={"token": service.corpus.tokens["partner"], "categories": "true"}
    )
    assert response.status_code == 200, response.text
    opml.write_bytes(response.content)
    urls = newsboat_import(opml, tmp_path / "import")
    assert len(urls) == len(LANGS) * (1 + len(CATEGORIES)), urls
    loaded = newsboat(urls, tmp_path / "categories")
    for url, feed in loaded.items():
        path = urlsplit(url).path + "?" + urlsplit(url).query
        category = dict(parse_qsl(urlsplit(url).query)).get("category")
        wanted = expected_articles(
            urlsplit(url).path + (f"?category={category}" if category else "")
        )
        assert feed.title, f"newsboat read nothing from {path}"
        assert len(feed.guids) == len(wanted), (path, feed.title, feed.guids)
    titles = [feed.title for feed in loaded.values()]
    assert len(set(titles)) == len(titles), titles
