"""/feeds/{lang}.{format}: RSS 2.0, Atom and JSON Feed per language, scoped per partner key."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

import feeds as feed_render
from service import syndication
from service.deps import Partner, RuntimeDep, SessionDep
from service.errors import ApiError
from service.syndication import FeedQuery

router = APIRouter(tags=["feeds"])
MAX_LIMIT = 200


@router.api_route(
    "/feeds/{lang}.{fmt}", methods=["GET", "HEAD"], responses={304: {"description": "not modified"}}
)
def get_feed(
    request: Request,
    lang: str,
    fmt: str,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Partner,
    category: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    before: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """A feed of one language; `?token=` works where a reader cannot send headers."""
    if fmt not in feed_render.FORMATS:
        raise ApiError(404, "not_found", f"no feed format {fmt!r}; use rss, atom or json")
    if lang != "ja" and lang not in runtime.settings.target_languages:
        raise ApiError(404, "not_found", f"no feed for language {lang!r}")
    if not principal.may_read_language(lang):
        raise ApiError(403, "forbidden", f"this key does not cover language {lang!r}")
    if category is not None and not principal.may_read_section(category):
        raise ApiError(403, "forbidden", f"this key does not cover section {category!r}")
    query = FeedQuery(
        lang=lang,
        fmt=fmt,
        category=category,
        limit=limit,
        before=syndication.decode_cursor(before) if before else None,
    )
    variant = query.variant(principal)
    cached = runtime.feed_cache.get(lang, variant)
    if cached is None:
        feed = syndication.build_feed(session, runtime.settings, principal, query)
        cached = syndication.render_cached(feed_render.render(feed, fmt), feed.updated)
        runtime.feed_cache.put(lang, variant, cached)
    headers = {
        "ETag": cached.etag,
        "Last-Modified": cached.last_modified,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization",
    }
    inm = request.headers.get("if-none-match")
    if inm is not None:
        if cached.etag in [tag.strip() for tag in inm.split(",")] or inm.strip() == "*":
            return Response(status_code=304, headers=headers)
    elif _not_modified_since(request.headers.get("if-modified-since"), cached.last_modified):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else cached.body
    headers["Content-Length"] = str(len(cached.body))
    return Response(body, media_type=feed_render.MEDIA_TYPES[fmt], headers=headers)


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
