"""/feeds/{lang}.{fmt}: RSS 2.0, Atom and JSON Feed per language, scoped per partner key.

The endpoint mounted in front of this route (`service.web.routes.feed_endpoint`) parses the request,
authenticates it within the abuse limits and answers what the process holds (a current feed,
its 304, an unknown token's 401). What it cannot answer reaches `get_feed` with that work done:
the route reads the version from the database, looks in Redis, renders on a miss, and fills the
process's cache for the hot path.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

import feeds as feed_render
from service.errors import Unauthorized
from service.runtime import Runtime
from service.store.cache import CachedFeed
from service.store.db import session_scope
from service.syndication import query as feed_query
from service.syndication import versions as feed_versions
from service.syndication.query import FeedQuery
from service.web import feed_request
from service.web.deps import RuntimeDep
from service.web.feed_request import DEFAULT_LIMIT, MAX_CATEGORY, MAX_CURSOR, MAX_LIMIT
from service.web.routes.feed_endpoint import STATE_KEY, Resolved

router = APIRouter(tags=["feeds"])


@router.get(
    "/feeds/{lang}.{fmt}",
    responses={
        304: {"description": "not modified"},
        400: {"description": "a `before` cursor this service did not make"},
        429: {"description": "too many requests, or failed authentications from the address"},
        503: {"description": "the store is unavailable; try again after Retry-After"},
    },
    # The token is read by the shared parser (service.web.feed_request), not by a dependency:
    # declare here the two ways to send it, a Bearer header or ?token= for plain feed readers.
    openapi_extra={"security": [{"bearer": []}, {"token": []}]},
)
async def get_feed(
    request: Request,
    lang: str,
    fmt: str,
    runtime: RuntimeDep,
    # The bounds are enforced by service.web.feed_request.parse before this route is reached;
    # declared here (from the same constants) for the schema.
    category: Annotated[str | None, Query(max_length=MAX_CATEGORY)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    before: Annotated[str | None, Query(max_length=MAX_CURSOR)] = None,
) -> Response:
    """A feed of one language (`ja`: the originals) for a partner key, given as
    `Authorization: Bearer` or, for readers that cannot send headers, `?token=`."""
    return await run_in_threadpool(_serve, request, runtime, lang, fmt)


# HEAD answers what GET would (headers, no body); one operation in the schema, not two with
# the same operation id.
router.add_api_route("/feeds/{lang}.{fmt}", get_feed, methods=["HEAD"], include_in_schema=False)


def _resolve(request: Request, runtime: Runtime, lang: str, fmt: str) -> Resolved:
    """What the mounted endpoint resolved; the same steps when this route is reached alone
    (an app without the endpoint, e.g. a test's)."""
    resolved: Resolved | None = request.scope.get("state", {}).get(STATE_KEY)
    if resolved is not None:
        return resolved
    parsed = feed_request.parse(
        lang, fmt, request.query_params.multi_items(), request.headers.get("authorization")
    )
    principal = runtime.principals.get(parsed.token)
    if principal is None:
        raise Unauthorized(feed_request.UNKNOWN_TOKEN)
    query = feed_request.authorize(parsed, principal, runtime.settings.target_languages)
    return Resolved(parsed, principal, query, query.variant(principal))


def _serve(request: Request, runtime: Runtime, lang: str, fmt: str) -> Response:
    resolved = _resolve(request, runtime, lang, fmt)
    query, variant = resolved.query, resolved.variant
    with session_scope(runtime.sessions) as session:
        version = feed_versions.current(session, lang)
    feed = runtime.local_feeds.get(lang, variant, version)
    if feed is None:
        found = runtime.feed_cache.validators(lang, variant)
        body = runtime.feed_cache.body(found.key, version) if found else None
        if found is not None and found.version == version and body is not None:
            feed = CachedFeed(body, found.etag, found.last_modified)
        else:
            feed = _render(runtime, resolved, version)
        runtime.local_feeds.put(lang, variant, version, feed)
    headers = feed_request.headers(feed)
    not_modified = feed_request.not_modified(
        feed, request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    )
    runtime.usage.feed(resolved.principal.key_id, lang, query.fmt, feed, not_modified)
    if not_modified:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(feed.body))
    content = b"" if request.method == "HEAD" else feed.body
    return Response(content, media_type=feed_render.MEDIA_TYPES[query.fmt], headers=headers)


def _render(runtime: Runtime, resolved: Resolved, version: int) -> CachedFeed:
    """Build the feed from the database and cache it in Redis under `version` (read before
    this render began, so the cached body is never older than the version it claims)."""
    query: FeedQuery = resolved.query
    principal = resolved.principal
    with session_scope(runtime.sessions) as session:
        feed = feed_query.build_feed(
            session, runtime.settings, principal, query, runtime.link_signer(principal.key_id)
        )
    cached = feed_query.render_cached(feed_render.render(feed, query.fmt), feed.updated)
    runtime.feed_cache.put(query.lang, resolved.variant, version, cached)
    return cached
