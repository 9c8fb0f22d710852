"""/feeds/{lang}.{format}: RSS 2.0, Atom and JSON Feed per language, scoped per partner key.

Two ways in. `FeedHotPath`, a raw ASGI layer in front of the app, answers what it can from the
process alone (see `service.feed_serving`): a cached feed whose version is current, a 304, an
unknown token's 401. Everything else reaches `get_feed`, the regular route, which looks in Redis,
renders on a miss, and fills the process's cache for the hot path.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

import feeds as feed_render
from service import feed_query
from service.api_keys import Principal
from service.cache import CachedFeed
from service.db import session_scope
from service.deps import RuntimeDep, require_role, token_of
from service.errors import Forbidden, Malformed, NotFound, Unauthorized
from service.feed_query import FeedQuery
from service.feed_serving import PRINCIPAL_TTL
from service.runtime import Runtime

router = APIRouter(tags=["feeds"])
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
UNKNOWN_TOKEN = "unknown or revoked token"


@router.get(
    "/feeds/{lang}.{fmt}",
    responses={
        304: {"description": "not modified"},
        400: {"description": "a `before` cursor this service did not make"},
    },
    # The token is read inside `_serve` (one thread-pool trip), not by a dependency: declare
    # here the two ways to send it, a Bearer header or ?token= for plain feed readers.
    openapi_extra={"security": [{"bearer": []}, {"token": []}]},
)
async def get_feed(
    request: Request,
    lang: str,
    fmt: str,
    runtime: RuntimeDep,
    category: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    before: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """A feed of one language (`ja`: the originals) for a partner key, given as
    `Authorization: Bearer` or, for readers that cannot send headers, `?token=`."""
    return await run_in_threadpool(_serve, request, runtime, lang, fmt, category, limit, before)


# HEAD answers what GET would (headers, no body); one operation in the schema, not two with
# the same operation id.
router.add_api_route("/feeds/{lang}.{fmt}", get_feed, methods=["HEAD"], include_in_schema=False)


def _principal(runtime: Runtime, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("a token is required (Bearer header or ?token=)")
    principal = runtime.principals.get(token)
    if principal is None:
        raise Unauthorized(UNKNOWN_TOKEN)
    return principal


def _query(
    runtime: Runtime,
    principal: Principal,
    lang: str,
    fmt: str,
    category: str | None,
    limit: int,
    before: str | None,
    query_token: str | None,
) -> FeedQuery:
    """The query, once the key may read it; raises the precise refusal otherwise."""
    require_role(principal, "partner")
    if fmt not in feed_render.FORMATS:
        raise NotFound(f"no feed format {fmt!r}; use rss, atom, json, ninjs or ninjs2")
    if lang != "ja" and lang not in runtime.settings.target_languages:
        raise NotFound(f"no feed for language {lang!r}")
    if not principal.may_read_language(lang):
        raise Forbidden(f"this key does not cover language {lang!r}")
    if category is not None and not principal.may_read_section(category):
        raise Forbidden(f"this key does not cover section {category!r}")
    return FeedQuery(
        lang=lang,
        fmt=fmt,
        category=category,
        limit=limit,
        before=feed_query.decode_cursor(before) if before else None,
        query_token=query_token,
    )


def _headers(feed: CachedFeed) -> dict[str, str]:
    return {
        "ETag": feed.etag,
        "Last-Modified": feed.last_modified,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization",
    }


def _serve(
    request: Request,
    runtime: Runtime,
    lang: str,
    fmt: str,
    category: str | None,
    limit: int,
    before: str | None,
) -> Response:
    token = token_of(request, query_token=True)
    query_token = None if request.headers.get("authorization") else token
    principal = _principal(runtime, token)
    query = _query(runtime, principal, lang, fmt, category, limit, before, query_token)
    variant = query.variant(principal)
    version = runtime.feed_versions.current(lang)
    feed = runtime.local_feeds.get(lang, variant, version)
    if feed is None:
        found = runtime.feed_cache.validators(lang, variant)
        body = runtime.feed_cache.body(found.key, version) if found else None
        if found is not None and found.version == version and body is not None:
            feed = CachedFeed(body, found.etag, found.last_modified)
        else:
            feed = _render(runtime, principal, query, variant, version)
        runtime.local_feeds.put(lang, variant, version, feed)
    headers = _headers(feed)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        if _etag_matches(inm, feed.etag):
            runtime.usage.feed(principal.key_id, lang, fmt, feed, True)
            return Response(status_code=304, headers=headers)
    elif _not_modified_since(request.headers.get("if-modified-since"), feed.last_modified):
        runtime.usage.feed(principal.key_id, lang, fmt, feed, True)
        return Response(status_code=304, headers=headers)
    runtime.usage.feed(principal.key_id, lang, fmt, feed, False)
    headers["Content-Length"] = str(len(feed.body))
    content = b"" if request.method == "HEAD" else feed.body
    return Response(content, media_type=feed_render.MEDIA_TYPES[fmt], headers=headers)


def _render(
    runtime: Runtime, principal: Principal, query: FeedQuery, variant: str, version: int
) -> CachedFeed:
    """Build the feed from the database and cache it in Redis under `version` (read before
    this render began, so the cached body is never older than the version it claims)."""
    with session_scope(runtime.sessions) as session:
        feed = feed_query.build_feed(
            session, runtime.settings, principal, query, runtime.link_signer(principal.key_id)
        )
    cached = feed_query.render_cached(feed_render.render(feed, query.fmt), feed.updated)
    runtime.feed_cache.put(query.lang, variant, version, cached)
    return cached


def _etag_matches(header: str, etag: str) -> bool:
    return header.strip() == "*" or etag in [tag.strip() for tag in header.split(",")]


def _not_modified_since(header: str | None, last_modified: str) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        return False
    return modified <= since


_FEED_PATH = re.compile(r"/feeds/([A-Za-z0-9-]{1,35})\.([a-z0-9]{1,8})")
_UNKNOWN_TOKEN_BODY = json.dumps(
    {"error": {"code": Unauthorized.code, "message": UNKNOWN_TOKEN}}
).encode()
_Headers = list[tuple[bytes, bytes]]
_UNKNOWN_TOKEN_HEADERS: _Headers = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_UNKNOWN_TOKEN_BODY)).encode()),
    (b"www-authenticate", b"Bearer"),
]
MAX_RESOLVED = 10_000


@dataclass(frozen=True)
class _Resolved:
    """What a request's path, query and credential resolve to, for as long as the key may be
    trusted (PRINCIPAL_TTL after it was read): None for an unknown token."""

    until: float
    lang: str
    fmt: str
    variant: str | None
    key_id: int = 0


class FeedHotPath:
    """Raw ASGI in front of the app for GET/HEAD /feeds/{lang}.{fmt}: a feed in the process's
    cache at the current version, its 304, or an unknown token's 401, without the framework
    (routing, dependencies, the thread pool). Hand-written because the framework path itself
    was the cost (issue 10: ~950 req/s even for /healthz); anything it cannot answer, or any
    doubt, goes on to the app unchanged.

    Per request it reads the feed version from the database; the rest (who the token is, the
    variant its query selects, the encoded headers of a held feed) is remembered, the first
    for at most PRINCIPAL_TTL seconds after the key was read.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._resolved: dict[tuple[str, bytes, bytes | None], _Resolved] = {}
        self._encoded: dict[tuple[str, str], tuple[_Headers, _Headers]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            runtime = getattr(scope["app"].state, "runtime", None)
            if (
                path.startswith("/feeds/")
                and runtime is not None
                and await self._answer(runtime, path, scope, send)
            ):
                return
        await self.app(scope, receive, send)

    def _resolve(
        self, runtime: Runtime, path: str, scope: Scope, authorization: bytes | None
    ) -> _Resolved | None:
        match = _FEED_PATH.fullmatch(path)
        if match is None:
            return None
        params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        token: str | None
        query_token: str | None
        if authorization is not None:
            scheme, _, value = authorization.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return None
            token, query_token = value.strip(), None
        else:
            token = query_token = params.get("token")
        if not token:
            return None
        principal, read_at = runtime.principals.get_with_time(token)
        lang, fmt = match.group(1), match.group(2)
        until = read_at + PRINCIPAL_TTL
        if principal is None:
            return _Resolved(until, lang, fmt, None)
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
            if not 1 <= limit <= MAX_LIMIT or len(params.get("category", "")) > 100:
                return None
            query = _query(
                runtime,
                principal,
                lang,
                fmt,
                params.get("category"),
                limit,
                params.get("before"),
                query_token,
            )
        except (ValueError, Forbidden, NotFound, Malformed):
            return None  # the route gives the precise answer
        return _Resolved(until, lang, fmt, query.variant(principal), principal.key_id)

    async def _answer(self, runtime: Runtime, path: str, scope: Scope, send: Send) -> bool:
        headers = dict(scope["headers"])
        authorization = headers.get(b"authorization")
        key = (path, scope["query_string"], authorization)
        resolved = self._resolved.get(key)
        if resolved is None or resolved.until <= time.monotonic():
            resolved = self._resolve(runtime, path, scope, authorization)
            if resolved is None:
                return False
            if len(self._resolved) >= MAX_RESOLVED:
                self._resolved.clear()  # simple and bounded; rebuilt within a request each
            self._resolved[key] = resolved
        if resolved.variant is None:
            await _send(send, 401, _UNKNOWN_TOKEN_HEADERS, _UNKNOWN_TOKEN_BODY)
            return True
        version = runtime.feed_versions.current(resolved.lang)
        feed = runtime.local_feeds.get(resolved.lang, resolved.variant, version)
        if feed is None:
            return False
        inm = headers.get(b"if-none-match")
        if inm is None and b"if-modified-since" in headers:
            return False
        plain, full = self._headers(feed, resolved.fmt)
        if inm is not None and _etag_matches(inm.decode("latin-1"), feed.etag):
            runtime.usage.feed(resolved.key_id, resolved.lang, resolved.fmt, feed, True)
            await _send(send, 304, plain, b"")
            return True
        runtime.usage.feed(resolved.key_id, resolved.lang, resolved.fmt, feed, False)
        await _send(send, 200, full, b"" if scope["method"] == "HEAD" else feed.body)
        return True

    def _headers(self, feed: CachedFeed, fmt: str) -> tuple[_Headers, _Headers]:
        """(304 headers, 200 headers) of a held feed, encoded once."""
        found = self._encoded.get((feed.etag, fmt))
        if found is None:
            plain = [(k.lower().encode(), v.encode()) for k, v in _headers(feed).items()]
            full = [
                *plain,
                (b"content-type", feed_render.MEDIA_TYPES[fmt].encode()),
                (b"content-length", str(len(feed.body)).encode()),
            ]
            if len(self._encoded) >= MAX_RESOLVED:
                self._encoded.clear()
            found = self._encoded[(feed.etag, fmt)] = (plain, full)
        return found


async def _send(send: Send, status: int, headers: _Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
