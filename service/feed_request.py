"""What a feed request asks for, read once: the one parser of `/feeds/{lang}.{fmt}` that the
hot path (`service.routes.feed_endpoint`) and the route (`service.routes.feeds`) share, so the
two can never disagree on a token, a limit or a category bound; and the validators a feed
answer carries.

No database, no Redis, no I/O. Refusals are domain errors with their precise status
(`service.http_errors`): 401 for a missing or badly sent token, 422 for a bound broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import feeds as feed_render
from service import feed_query
from service.api_keys import Principal
from service.cache import CachedFeed
from service.deps import require_role
from service.errors import Forbidden, Invalid, NotFound, Unauthorized
from service.feed_query import FeedQuery

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CATEGORY = 100
MAX_CURSOR = 500
NO_TOKEN = "a token is required (Bearer header or ?token=)"
UNKNOWN_TOKEN = "unknown or revoked token"


@dataclass(frozen=True)
class FeedRequest:
    """A feed request, parsed and within bounds; `query_token` is the token when it came as
    ?token= (kept in the page's next links), None when it came as a Bearer header."""

    lang: str
    fmt: str
    token: str
    query_token: str | None
    category: str | None
    limit: int
    before: str | None


def _one(params: Sequence[tuple[str, str]], name: str) -> str | None:
    # The last value wins, as Starlette's QueryParams.get (the route's former reading) did.
    found = None
    for key, value in params:
        if key == name:
            found = value
    return found


def _invalid(name: str, message: str) -> Invalid:
    return Invalid(
        "request does not match the schema",
        details=[{"loc": ["query", name], "msg": message, "type": "value_error"}],
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise _invalid("limit", "Input should be a valid integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid("limit", f"Input should be from 1 to {MAX_LIMIT}")
    return limit


def token_from(authorization: str | None, params: Sequence[tuple[str, str]]) -> tuple[str, bool]:
    """(token, whether it came as ?token=); a Bearer header wins, any other scheme is refused."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip(), False
    token = _one(params, "token")
    if not token:
        raise Unauthorized(NO_TOKEN)
    return token, True


def parse(
    lang: str, fmt: str, params: Sequence[tuple[str, str]], authorization: str | None
) -> FeedRequest:
    """The request of a path's `lang` and `fmt`, its query's pairs and its Authorization
    header; raises the precise refusal when it is not one this service answers."""
    token, in_query = token_from(authorization, params)
    category = _one(params, "category")
    if category is not None and len(category) > MAX_CATEGORY:
        raise _invalid("category", f"String should have at most {MAX_CATEGORY} characters")
    before = _one(params, "before")
    if before is not None and len(before) > MAX_CURSOR:
        raise _invalid("before", f"String should have at most {MAX_CURSOR} characters")
    return FeedRequest(
        lang=lang,
        fmt=fmt,
        token=token,
        query_token=token if in_query else None,
        category=category,
        limit=_limit(_one(params, "limit")),
        before=before,
    )


def authorize(request: FeedRequest, principal: Principal, targets: Sequence[str]) -> FeedQuery:
    """The query, once the key may read it; raises the precise refusal otherwise."""
    require_role(principal, "partner")
    if request.fmt not in feed_render.FORMATS:
        raise NotFound(f"no feed format {request.fmt!r}; use rss, atom or json")
    if request.lang != "ja" and request.lang not in targets:
        raise NotFound(f"no feed for language {request.lang!r}")
    if not principal.may_read_language(request.lang):
        raise Forbidden(f"this key does not cover language {request.lang!r}")
    if request.category is not None and not principal.may_read_section(request.category):
        raise Forbidden(f"this key does not cover section {request.category!r}")
    return FeedQuery(
        lang=request.lang,
        fmt=request.fmt,
        category=request.category,
        limit=request.limit,
        before=feed_query.decode_cursor(request.before) if request.before else None,
        query_token=request.query_token,
    )


def headers(feed: CachedFeed) -> dict[str, str]:
    """The headers of a feed answer, 200 or 304 alike."""
    return {
        "ETag": feed.etag,
        "Last-Modified": feed.last_modified,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization",
    }


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag[:2] in ("W/", "w/") else tag


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; a proxy that
    gzips (nginx) weakens the ETag it passes on, and every poll would be a full download."""
    if header.strip() == "*":
        return True
    ours = _opaque(etag)
    return any(_opaque(tag) == ours for tag in header.split(","))


def not_modified_since(header: str | None, last_modified: str) -> bool:
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


def not_modified(
    feed: CachedFeed, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether the client's copy is current (If-None-Match, when sent, decides alone)."""
    if if_none_match is not None:
        return etag_matches(if_none_match, feed.etag)
    return not_modified_since(if_modified_since, feed.last_modified)
