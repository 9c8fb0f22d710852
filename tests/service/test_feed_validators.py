"""Feed validators as HTTP clients use them (issue 20, items 6 and 7): a retraction moves
`Last-Modified`, RSS `lastBuildDate` and Atom `<updated>` (a poller sending only
If-Modified-Since must see the removal), and `If-None-Match` compares weakly (RFC 9110
§13.1.2), so a weakened ETag (nginx weakens them when it gzips) still gets its 304."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
from fastapi.testclient import TestClient
from lxml import etree

from service.runtime import Runtime
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_a_retraction_moves_every_date_a_poller_reads(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    for n in (1, 2):
        client.post("/v1/articles", json=article(f"a-{n}"), headers=auth(tokens["publisher"]))
        translate_directly(runtime, f"a-{n}", "en", age=timedelta(minutes=10))
    params = {"token": tokens["partner"]}
    rss = client.get("/feeds/en.rss", params=params)
    atom = client.get("/feeds/en.atom", params=params)
    before = parsedate_to_datetime(rss.headers["last-modified"])

    assert client.delete("/v1/articles/a-2", headers=auth(tokens["publisher"])).status_code == 200

    since = {"If-Modified-Since": rss.headers["last-modified"]}
    after = client.get("/feeds/en.rss", params=params, headers=since)
    assert after.status_code == 200, "a poller sending If-Modified-Since never sees the removal"
    assert parsedate_to_datetime(after.headers["last-modified"]) > before
    channel = feedparser.parse(after.content).feed
    assert parsedate_to_datetime(channel.updated) > before  # lastBuildDate
    atom_after = client.get("/feeds/en.atom", params=params)
    updated = etree.fromstring(atom_after.content).findtext("a:updated", namespaces=ATOM)
    assert updated != etree.fromstring(atom.content).findtext("a:updated", namespaces=ATOM)
    assert atom_after.headers["last-modified"] == after.headers["last-modified"]


def test_if_none_match_compares_weakly(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    params = {"token": tokens["partner"]}
    etag = client.get("/feeds/en.json", params=params).headers["etag"]
    assert etag.startswith('"')
    for header in (f"W/{etag}", f'"other", W/{etag}', etag):
        for _ in range(2):  # the route, then the hot path
            again = client.get("/feeds/en.json", params=params, headers={"If-None-Match": header})
            assert again.status_code == 304, header
    other = client.get("/feeds/en.json", params=params, headers={"If-None-Match": 'W/"other"'})
    assert other.status_code == 200
