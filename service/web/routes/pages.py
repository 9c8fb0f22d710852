"""Pages people open: `/` (what this is), `/feeds/` (the feeds a key may read, HTML or JSON, and
`/feeds/opml` for feed readers), and `/articles/{id}/{lang}`, the page an item's link opens."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

import feeds
from service.errors import Forbidden, NotFound, Unauthorized
from service.runtime import Runtime
from service.schemas import ARTICLE_ID_PATTERN
from service.settings import LANGUAGE_PATTERN
from service.store.db import session_scope
from service.syndication import directory as feed_directory
from service.syndication import page_links
from service.syndication import query as feed_query
from service.web.deps import RuntimeDep, principal_of, require_role
from service.web.routes import _notices as page_notices

router = APIRouter(tags=["pages"])
HTML = "text/html; charset=utf-8"


@router.get("/", response_class=Response, include_in_schema=False)
def landing(runtime: RuntimeDep) -> Response:
    """What the service is, and the way to its feeds, its API documentation and its editor."""
    title = runtime.settings.feed_title
    body = feeds.render_landing(
        title,
        "Japanese journalism translated offline, with the newsroom's terminology kept exact, "
        "served to partner outlets as RSS, Atom and JSON Feed per language.",
        [
            ("Feeds (needs a partner key)", "/feeds/"),
            ("HTTP API documentation", "/docs"),
            ("Glossary editor", "/editor/"),
        ],
    )
    return Response(body, media_type=HTML)


def _query_token(request: Request) -> str | None:
    return None if request.headers.get("authorization") else request.query_params.get("token")


@router.get(
    "/feeds/",
    response_model=list[dict[str, str | None]],
    openapi_extra={"security": [{"bearer": []}, {"token": []}]},
)
def directory(request: Request, runtime: RuntimeDep) -> Response:
    """The feeds this key may read, per language, format and category: HTML for people, JSON
    for programs (`Accept: application/json`). Opened in a browser without a valid token: a
    401 page that says what a token is and how to add a feed to a reader."""
    try:
        principal = principal_of(request, runtime, query_token=True)
    except Unauthorized as refused:
        if page_notices.wants_html(request):
            return page_notices.token_help(runtime.settings, refused)
        raise
    require_role(principal, "partner")
    with session_scope(runtime.sessions) as session:
        links = feed_directory.feed_links(
            session, runtime.settings, principal, _query_token(request)
        )
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse(
            [{"lang": x.lang, "format": x.fmt, "category": x.category, "url": x.url} for x in links]
        )
    token = _query_token(request)
    opml = "/feeds/opml" + (f"?token={token}" if token else "")
    body = feeds.render_directory(f"{runtime.settings.feed_title} feeds", links, opml_url=opml)
    return Response(body, media_type=HTML, headers={"Vary": "Accept, Authorization"})


@router.get(
    "/feeds/opml",
    response_class=Response,
    openapi_extra={"security": [{"bearer": []}, {"token": []}]},
)
def opml(
    request: Request,
    runtime: RuntimeDep,
    categories: Annotated[
        bool, Query(description="Also subscribe to every category feed (one per language else)")
    ] = False,
) -> Response:
    """An OPML file for a feed reader to subscribe to this key's feeds at once: one Atom feed
    per language, and with `categories=true` each category's feed too."""
    principal = require_role(principal_of(request, runtime, query_token=True), "partner")
    with session_scope(runtime.sessions) as session:
        links = feed_directory.feed_links(
            session, runtime.settings, principal, _query_token(request)
        )
    links = feed_directory.opml_links(links, categories=categories)
    body = feeds.render_opml(f"{runtime.settings.feed_title} feeds", links)
    return Response(
        body,
        media_type="text/x-opml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kakehashi.opml"'},
    )


@router.get(
    "/feeds/{lang}.html",
    response_class=Response,
    openapi_extra={"security": [{"bearer": []}, {"token": []}]},
)
def preview(
    request: Request,
    runtime: RuntimeDep,
    lang: Annotated[str, Path(pattern=LANGUAGE_PATTERN)],
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """A feed as a readable page for people (the directory links one per feed): the newest
    items with their page links, and the feed's URLs to subscribe to. Rendered here, not by an
    XSLT stylesheet (browsers are removing XSLT); the same items and rules as the feed."""
    try:
        principal = principal_of(request, runtime, query_token=True)
    except Unauthorized as refused:
        if page_notices.wants_html(request):
            return page_notices.token_help(runtime.settings, refused)
        raise
    require_role(principal, "partner")
    if lang != "ja" and lang not in runtime.settings.target_languages:
        raise NotFound(f"no feed for language {lang!r}")
    if not principal.may_read_language(lang):
        raise Forbidden(f"this key does not cover language {lang!r}")
    if category is not None and not principal.may_read_section(category):
        raise Forbidden(f"this key does not cover section {category!r}")
    query = feed_query.FeedQuery(lang=lang, fmt="html", category=category, limit=50, before=None)
    with session_scope(runtime.sessions) as session:
        feed = feed_query.build_feed(
            session, runtime.settings, principal, query, runtime.link_signer(principal.key_id)
        )
    params = {"category": category} if category else {}
    token = _query_token(request)
    if token is not None:
        params["token"] = token
    suffix = f"?{urlencode(params)}" if params else ""
    base = runtime.settings.public_url.rstrip("/")
    subscribe = [
        (label, f"{base}/feeds/{lang}.{fmt}{suffix}")
        for label, fmt in (("Atom", "atom"), ("RSS", "rss"), ("JSON Feed", "json"))
    ]
    return Response(
        feeds.render_preview(feed, subscribe),
        media_type=HTML,
        headers={"Cache-Control": "private, max-age=60", "Referrer-Policy": "no-referrer"},
    )


@router.get(
    "/articles/{article_id}/{lang}",
    response_class=Response,
    # Opened with the signed link of a feed item, or a partner's token (header or ?token=).
    openapi_extra={"security": [{}, {"bearer": []}, {"token": []}]},
)
def article_page(
    request: Request,
    runtime: RuntimeDep,
    article_id: Annotated[str, Path(pattern=ARTICLE_ID_PATTERN)],
    lang: Annotated[str, Path(pattern=LANGUAGE_PATTERN)],
    key: Annotated[int | None, Query()] = None,
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query(pattern=r"^[0-9a-f]{1,64}$")] = None,
) -> Response:
    """An article in one language as a web page (the link of a feed item): opened with the
    signed link from the feed (`?key=&sig=`) or with a partner token. The key's own rules
    apply: its languages, its sections, whether it sees translations needing review. A refusal
    is a page for a browser, JSON for programs."""
    try:
        return _article_page(request, runtime, article_id, lang, (key, exp, sig))
    except (Unauthorized, Forbidden, NotFound) as refused:
        if page_notices.wants_html(request):
            return page_notices.refused_link(runtime.settings, refused)
        raise


def _article_page(
    request: Request,
    runtime: Runtime,
    article_id: str,
    lang: str,
    link: tuple[int | None, int | None, str | None],
) -> Response:
    key, exp, sig = link
    with session_scope(runtime.sessions) as session:
        if sig is not None or key is not None or exp is not None:
            principal = page_links.link_principal(
                session, runtime.link_secret, article_id, lang, (key, exp, sig), time.time()
            )
        else:
            principal = principal_of(request, runtime, query_token=True)
        require_role(principal, "partner")
        if lang != "ja" and lang not in runtime.settings.target_languages:
            raise NotFound(f"no pages in language {lang!r}")
        if not principal.may_read_language(lang):
            raise Forbidden(f"this key does not cover language {lang!r}")
        item = feed_query.item_page_item(
            session,
            runtime.settings,
            principal,
            article_id,
            lang,
            runtime.link_signer(principal.key_id),
        )
    if item is None:
        raise NotFound(f"no article {article_id} in {lang!r} for this key")
    runtime.usage.page(principal.key_id, article_id, lang)
    home = runtime.settings.public_url.rstrip("/") + "/"
    return Response(
        feeds.render_item_page(item, home_url=home),
        media_type=HTML,
        headers={"Cache-Control": "private, max-age=60", "Referrer-Policy": "no-referrer"},
    )
