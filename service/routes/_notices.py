"""Pages for people who land where a program is expected: `/feeds/` opened in a browser without
a token, an item link that is forged or whose key was revoked. Same status as the JSON answer
(401, 403, 404), but a page saying what happened and what to do; programs keep their JSON."""

from __future__ import annotations

from html import escape

from fastapi import Request, Response

import feeds
from service.errors import DomainError
from service.http_errors import headers_of, status_of
from service.settings import Settings

HTML = "text/html; charset=utf-8"


def wants_html(request: Request) -> bool:
    """A browser (it asks for text/html); API clients ask for JSON or for anything (*/*)."""
    return "text/html" in request.headers.get("accept", "")


def token_help(settings: Settings, error: DomainError) -> Response:
    """`/feeds/` without a (valid) token, for a person: what a token is and how to use it."""
    base = settings.public_url.rstrip("/")
    example = escape(f"{base}/feeds/en.atom?token=YOUR_TOKEN")
    body = feeds.render_notice(
        f"{settings.feed_title} feeds need a partner token",
        [
            escape(error.message) + ".",
            "The feeds are for partner outlets. Each partner has a <strong>token</strong>, a "
            "secret string such as <code>kh_par_…</code> that the newsroom gives you; it says "
            "which languages and sections you may read. Keep it private.",
            "To see your feeds, open this page with your token: "
            f"<code>{escape(base)}/feeds/?token=YOUR_TOKEN</code>.",
            "To add a feed to a reader (newsboat, Thunderbird, Feedly…), subscribe to its URL "
            f"with the token at the end: <code>{example}</code>. Readers that can send "
            "headers may send <code>Authorization: Bearer YOUR_TOKEN</code> instead. The OPML "
            "file on your feeds page subscribes a reader to one feed per language at once.",
        ],
        home_url=base + "/",
    )
    return _page(body, error)


def refused_link(settings: Settings, error: DomainError) -> Response:
    """An item page that will not open (a forged or altered link, a revoked key, no such
    article for this key), for a person."""
    base = settings.public_url.rstrip("/")
    body = feeds.render_notice(
        "This article link does not open",
        [
            escape(error.message) + ".",
            "Article links in the feeds are signed for one partner key. A link that was "
            "altered, or whose key was revoked, no longer opens; take the article's link from "
            "your feed again, or ask the newsroom for a new key.",
        ],
        home_url=base + "/",
    )
    return _page(body, error)


def _page(body: bytes, error: DomainError) -> Response:
    return Response(
        body,
        status_code=status_of(error),
        media_type=HTML,
        headers={**(headers_of(error) or {}), "Vary": "Accept"},
    )
