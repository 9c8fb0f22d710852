"""The feed hot path: GET/HEAD /feeds/{lang}.{fmt} answered from the process, in front of the
app's middleware stack (`service.web.app.App` asks `takes`, then `answer`), and mounted as the
first route of that path too, in front of the feed route (`service.web.routes.feeds`), with
which it shares one request parser (`service.web.feed_request`) and to which it hands what it
cannot answer from the process (a feed not held: the route renders it, through the stack).

Nothing here blocks the event loop: the feed version is pushed into the process
(`service.syndication.version_watch`), a token's key is looked up in the thread pool and
remembered, an unknown one included (`service.syndication.serving.PrincipalCache`), and the
abuse limits are counted in memory (`service.access.auth_guard`). Per request, in order:

1. the request parsed once (a bad limit, category or credential: the precise 4xx);
2. the key: from memory, else looked up in the thread pool — unless the address is over its
   failed-authentication limit and the token is no live key's, then 429 without a lookup (a
   token no live key has is looked up one at a time per process);
3. an unknown token: counted against its address, 401; a known key: its per-key and
   per-address limits (429 with Retry-After), then what it may read (403/404); a 429 for
   failed authentications is held in the tarpit first (`service.access.auth_guard.Tarpit`);
4. a feed held at the current version: 200 or 304; otherwise the route renders it (in the
   thread pool) and fills the process's cache.

Hand-written ASGI rather than a FastAPI route because the framework path itself (dependency
resolution, the thread-pool trip) was the cost of a cached answer (issue 10), and in front of
the stack because its layers (error and exception middleware, FastAPI's exit stack and
telemetry check, the body limit, routing) were most of what was left (issue 18). Nothing the
stack does applies to a bodiless GET of a feed; a request with a body goes the long way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match, Route, compile_path
from starlette.types import Receive, Scope, Send

import feeds as feed_render
from service.access.api_keys import Principal, hash_token
from service.access.auth_guard import Tarpit
from service.errors import TooManyRequests, Unauthorized
from service.runtime import Runtime
from service.store.cache import CachedFeed
from service.syndication.query import FeedQuery
from service.web import feed_request
from service.web.feed_request import FeedRequest

log = logging.getLogger(__name__)

PATH = "/feeds/{lang}.{fmt}"
STATE_KEY = "kakehashi.feed"  # what the endpoint resolved, for the route it hands over to
MAX_MEMO = 10_000
DOUBTFUL_LOOKUPS = 1  # lookups at once of tokens that are no live key's (see _principal)

_Headers = list[tuple[bytes, bytes]]
_UNKNOWN_BODY = json.dumps(
    {"error": {"code": Unauthorized.code, "message": feed_request.UNKNOWN_TOKEN}}
).encode()
_UNKNOWN_HEADERS: _Headers = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_UNKNOWN_BODY)).encode()),
    (b"www-authenticate", b"Bearer"),
]


@dataclass(frozen=True)
class Resolved:
    """A request the key may make: what the route needs to render it."""

    request: FeedRequest
    principal: Principal
    query: FeedQuery
    variant: str


@dataclass
class _Memo:
    """One (path, query, credential): parsed once; its key's answer per principal read."""

    request: FeedRequest
    token_hash: str
    read_at: float = float("-inf")
    resolved: Resolved | None = None


class FeedEndpoint:
    def __init__(self, routes: dict[str, BaseRoute]) -> None:
        self._routes = routes  # method -> the route of the same path, for what we cannot answer
        self._path = compile_path(PATH)[0]  # as the mounted route matches it
        self._memo: dict[tuple[str, bytes, bytes | None], _Memo] = {}
        self._encoded: dict[tuple[str, str], tuple[_Headers, _Headers]] = {}
        self._validated: dict[tuple[str, str, bytes | None, bytes | None], bool] = {}
        self._doubtful = asyncio.Semaphore(DOUBTFUL_LOOKUPS)
        self._reads: dict[str, asyncio.Future[tuple[float, Principal | None]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The mounted route: what the front door (`answer`) left to the app's stack."""
        if STATE_KEY not in scope.get("state", {}) and await self.answer(scope, send):
            return
        await self._routes[scope["method"]].handle(scope, receive, send)

    def takes(self, scope: Scope) -> dict[str, str] | None:
        """The request's path parameters when it is the hot path's (GET or HEAD of a feed
        format, as the mounted route matches it, with no body), else None: the front door of
        `service.web.app.App` answers these before the app's middleware stack."""
        if scope["type"] != "http" or scope["method"] not in self._routes or scope.get("root_path"):
            return None
        found = self._path.match(scope["path"])
        if found is None or found["fmt"] not in feed_render.FORMATS:
            return None
        for name, value in scope["headers"]:
            if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                return None  # a body: the stack's limits apply (service.web.middleware)
        return found.groupdict()

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer from the process (200/304 of a held feed, 401, 429) and say so; False when
        the route must render the feed (what was resolved is left in the scope's state)."""
        try:
            return await self._answer(scope, send)
        except TooManyRequests as exc:  # raised before anything was sent (see _answer)
            # Answered here, not by the app's handlers: a flood is mostly these, and the
            # exception-to-JSON path costs several times the refusal itself.
            body = json.dumps({"error": {"code": exc.code, "message": exc.message}}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(exc.retry_after).encode()),
            ]
            if isinstance(exc, FailedAuthLimit):
                # The flooder waits, asleep, not the partners: its connections are held
                # (service.access.auth_guard.Tarpit); a full tarpit closes the connection.
                tarpit: Tarpit = scope["app"].state.runtime.local_limits.tarpit
                if not await tarpit.hold():
                    headers.append((b"connection", b"close"))
            await _send(send, 429, headers, body)
            return True

    async def _answer(self, scope: Scope, send: Send) -> bool:
        runtime: Runtime = scope["app"].state.runtime
        found: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in (b"authorization", b"if-none-match", b"if-modified-since"):
                found[name] = value
        memo = self._parsed(scope, found.get(b"authorization"))
        address = scope["client"][0] if scope.get("client") else "unknown"
        principal, read_at = await self._principal(runtime, memo, address)
        if principal is None:
            blocked = runtime.local_limits.failed_auth.hit(address)
            if blocked is not None:  # a remembered bad token is a failed attempt too
                raise _too_many_failures(blocked)
            await _send(send, 401, _UNKNOWN_HEADERS, _UNKNOWN_BODY)
            return True
        limits = runtime.local_limits
        wait = limits.per_address.hit(address) or limits.per_key.hit(str(principal.key_id))
        if wait is not None:
            raise TooManyRequests(f"too many requests; try again in {wait} s", wait)
        resolved = self._resolved(runtime, memo, principal, read_at)
        version = runtime.feed_versions.current(resolved.query.lang)
        feed = (
            None
            if version is None
            else runtime.local_feeds.get(resolved.query.lang, resolved.variant, version)
        )
        if feed is None:  # cold, or the version not known fresh: the route reads the database
            scope.setdefault("state", {})[STATE_KEY] = resolved
            return False
        plain, full = self._headers(feed, resolved.query.fmt)
        not_modified = self._not_modified(
            feed, found.get(b"if-none-match"), found.get(b"if-modified-since")
        )
        query = resolved.query
        runtime.usage.feed(principal.key_id, query.lang, query.fmt, feed, not_modified)
        if not_modified:
            await _send(send, 304, plain, b"")
        else:
            await _send(send, 200, full, b"" if scope["method"] == "HEAD" else feed.body)
        return True

    def _parsed(self, scope: Scope, authorization: bytes | None) -> _Memo:
        key = (scope["path"], scope["query_string"], authorization)
        memo = self._memo.get(key)
        if memo is None:
            params = scope["path_params"]
            request = feed_request.parse(
                params["lang"],
                params["fmt"],
                parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True),
                authorization.decode("latin-1") if authorization is not None else None,
            )
            if len(self._memo) >= MAX_MEMO:
                self._memo.clear()  # simple and bounded; rebuilt at one parse a request
            memo = self._memo[key] = _Memo(request, hash_token(request.token))
        return memo

    async def _principal(
        self, runtime: Runtime, memo: _Memo, address: str
    ) -> tuple[Principal | None, float]:
        hit = runtime.principals.cached(memo.token_hash)
        if hit is not None:
            if runtime.principals.due(hit) and memo.token_hash not in self._reads:
                self._read(runtime, memo)  # read again behind it: not waited for
        else:
            maybe_valid = await _may_be_valid(runtime, memo.token_hash)
            blocked = runtime.local_limits.failed_auth.retry_after(address)
            if blocked is not None and not maybe_valid:
                raise _too_many_failures(blocked)
            if maybe_valid:  # (read by another request while this one checked the snapshot?)
                hit = runtime.principals.cached(memo.token_hash) or await self._read(runtime, memo)
            else:
                # A token no live key had a moment ago (a new key may be younger than the
                # snapshot, so it is still looked up): a flood's first attempts, up to its
                # limit, would each take a thread at once, and threads contending for the GIL
                # starve the event loop (p99 spikes of ~100 ms at a flood's start). One such
                # lookup at a time per process; the flooder waits, the partners do not.
                async with self._doubtful:
                    blocked = runtime.local_limits.failed_auth.retry_after(address)
                    if blocked is not None:  # reached while this one waited its turn
                        raise _too_many_failures(blocked)
                    # The same token's turn before this one remembered it (as unknown).
                    hit = runtime.principals.cached(memo.token_hash) or await self._read(
                        runtime, memo
                    )
        read_at, principal = hit
        return principal, read_at

    def _read(
        self, runtime: Runtime, memo: _Memo
    ) -> asyncio.Future[tuple[float, Principal | None]]:
        """The token's key read in the thread pool, once at a time per token: the requests
        that miss together wait for one read (32 connections of one partner each took a
        thread and a query once a second, a p99 stall of tens of ms)."""
        token_hash = memo.token_hash
        pending = self._reads.get(token_hash)
        if pending is None:
            pending = asyncio.ensure_future(
                run_in_threadpool(runtime.principals.read, memo.request.token, token_hash)
            )
            self._reads[token_hash] = pending
            pending.add_done_callback(lambda done: self._read_done(token_hash, done))
        return asyncio.shield(pending)  # a waiter that is cancelled does not cancel the read

    def _read_done(self, token_hash: str, done: asyncio.Future[Any]) -> None:
        self._reads.pop(token_hash, None)
        if not done.cancelled() and done.exception() is not None:
            # Seen by whoever awaited it; a read behind a trusted entry has no one: logged.
            log.warning("reading the key of a feed request failed: %r", done.exception())

    def _resolved(
        self, runtime: Runtime, memo: _Memo, principal: Principal, read_at: float
    ) -> Resolved:
        """What the key may read of this request (raises the precise 403/404 otherwise),
        worked out again whenever the key was read again."""
        if memo.resolved is None or memo.read_at != read_at:
            query = feed_request.authorize(
                memo.request, principal, runtime.settings.target_languages
            )
            memo.resolved = Resolved(memo.request, principal, query, query.variant(principal))
            memo.read_at = read_at
        return memo.resolved

    def _not_modified(self, feed: CachedFeed, inm: bytes | None, ims: bytes | None) -> bool:
        """`feed_request.not_modified`, remembered per (ETag, validators): the partners of a
        feed poll with the few validators it gave them."""
        if inm is None and ims is None:
            return False
        key = (feed.etag, feed.last_modified, inm, ims)
        found = self._validated.get(key)
        if found is None:
            found = feed_request.not_modified(
                feed,
                None if inm is None else inm.decode("latin-1"),
                None if ims is None else ims.decode("latin-1"),
            )
            if len(self._validated) >= MAX_MEMO:
                self._validated.clear()
            self._validated[key] = found
        return found

    def _headers(self, feed: CachedFeed, fmt: str) -> tuple[_Headers, _Headers]:
        """(304 headers, 200 headers) of a held feed, encoded once."""
        found = self._encoded.get((feed.etag, fmt))
        if found is None:
            plain = [
                (k.lower().encode(), v.encode()) for k, v in feed_request.headers(feed).items()
            ]
            full = [
                *plain,
                (b"content-type", feed_render.MEDIA_TYPES[fmt].encode()),
                (b"content-length", str(len(feed.body)).encode()),
            ]
            if len(self._encoded) >= MAX_MEMO:
                self._encoded.clear()
            found = self._encoded[(feed.etag, fmt)] = (plain, full)
        return found


class FailedAuthLimit(TooManyRequests):
    """The address is over its failed-authentication limit (a 429 the tarpit holds)."""


def _too_many_failures(retry_after: int) -> FailedAuthLimit:
    return FailedAuthLimit(
        f"too many failed authentications from this address; try again in {retry_after} s",
        retry_after,
    )


async def _may_be_valid(runtime: Runtime, token_hash: str) -> bool:
    known = runtime.known_keys
    if known.fresh():
        return known.knows(token_hash)
    return await run_in_threadpool(known.knows, token_hash)


async def _send(send: Send, status: int, headers: _Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _FeedRoute(Route):
    """Matches feed formats only: `/feeds/{lang}.html` (a feed's preview for people) and any
    other suffix fall through to the app's routes."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and child["path_params"].get("fmt") not in feed_render.FORMATS:
            return Match.NONE, {}
        return match, child


def mount(app: FastAPI, feed_routes: APIRouter) -> FeedEndpoint:
    """Put the endpoint in front of the feed route (first in the app's router, so it matches
    first); `feed_routes` is the router holding the route, whose GET and HEAD it hands to."""
    routes = {
        method: route
        for route in feed_routes.routes
        if getattr(route, "path", None) == PATH
        for method in getattr(route, "methods", ()) or ()
    }
    endpoint = FeedEndpoint(routes)
    app.router.routes.insert(
        0, _FeedRoute(PATH, endpoint, methods=sorted(routes), include_in_schema=False)
    )
    return endpoint
