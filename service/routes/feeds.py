"""/feeds/{lang}.{format}: RSS 2.0, Atom and JSON Feed per language, scoped per partner key.

The hot path (a cached feed, or a 304) makes one trip to the thread pool, reads the validators
first and the body only when it is needed, and opens a database session only on a cache miss.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

import feeds as feed_render
from service import feed_query, feed_versions
from service.api_keys import Principal
from service.db import session_scope
from service.deps import RuntimeDep, get_principal, require_role
from service.errors import Forbidden, NotFound
from service.feed_query import FeedQuery
from service.runtime import Runtime

router = APIRouter(tags=["feeds"])
MAX_LIMIT = 200


@router.get(
    "/feeds/{lang}.{fmt}",
    responses={304: {"description": "not modified"}},
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
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    before: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """A feed of one language (`ja`: the originals) for a partner key, given as
    `Authorization: Bearer` or, for readers that cannot send headers, `?token=`."""
    return await run_in_threadpool(_serve, request, runtime, lang, fmt, category, limit, before)


# HEAD answers what GET would (headers, no body); one operation in the schema, not two with
# the same operation id.
router.add_api_route("/feeds/{lang}.{fmt}", get_feed, methods=["HEAD"], include_in_schema=False)


def _serve(
    request: Request,
    runtime: Runtime,
    lang: str,
    fmt: str,
    category: str | None,
    limit: int,
    before: str | None,
) -> Response:
    principal = require_role(get_principal(request, runtime), "partner")
    if fmt not in feed_render.FORMATS:
        raise NotFound(f"no feed format {fmt!r}; use rss, atom or json")
    if lang != "ja" and lang not in runtime.settings.target_languages:
        raise NotFound(f"no feed for language {lang!r}")
    if not principal.may_read_language(lang):
        raise Forbidden(f"this key does not cover language {lang!r}")
    if category is not None and not principal.may_read_section(category):
        raise Forbidden(f"this key does not cover section {category!r}")
    query = FeedQuery(
        lang=lang,
        fmt=fmt,
        category=category,
        limit=limit,
        before=feed_query.decode_cursor(before) if before else None,
        query_token=(
            None if request.headers.get("authorization") else request.query_params.get("token")
        ),
    )
    variant = query.variant(principal)
    with runtime.db_engine.connect() as connection:
        version = feed_versions.current(connection, lang)
    body: bytes | None = None
    found = runtime.feed_cache.validators(lang, variant)
    if found is not None and found.version == version:
        key, etag, last_modified = found.key, found.etag, found.last_modified
    else:
        key = ""
        body, etag, last_modified = _render(runtime, principal, query, variant, version)
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization",
    }
    inm = request.headers.get("if-none-match")
    if inm is not None:
        if etag in [tag.strip() for tag in inm.split(",")] or inm.strip() == "*":
            return Response(status_code=304, headers=headers)
    elif _not_modified_since(request.headers.get("if-modified-since"), last_modified):
        return Response(status_code=304, headers=headers)
    if body is None:
        body = runtime.feed_cache.body(key, version)
        if body is None:  # replaced between the two reads: render again, with its validators
            body, headers["ETag"], headers["Last-Modified"] = _render(
                runtime, principal, query, variant, version
            )
    headers["Content-Length"] = str(len(body))
    content = b"" if request.method == "HEAD" else body
    return Response(content, media_type=feed_render.MEDIA_TYPES[fmt], headers=headers)


def _render(
    runtime: Runtime, principal: Principal, query: FeedQuery, variant: str, version: int
) -> tuple[bytes, str, str]:
    """Build the feed from the database, cache it under `version` (read before this render
    began, so the cached body is never older than the version it claims), and return
    (body, etag, last_modified)."""
    with session_scope(runtime.sessions) as session:
        feed = feed_query.build_feed(
            session, runtime.settings, principal, query, runtime.link_signer(principal.key_id)
        )
    cached = feed_query.render_cached(feed_render.render(feed, query.fmt), feed.updated)
    runtime.feed_cache.put(query.lang, variant, version, cached)
    return cached.body, cached.etag, cached.last_modified


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
