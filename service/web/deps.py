"""Every FastAPI dependency, as `Annotated` aliases; tests override these."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from service.access import signing
from service.access.api_keys import Principal, authenticate, hash_token
from service.errors import Forbidden, TooManyRequests, Unauthorized
from service.glossary.edits import Editing
from service.runtime import Runtime
from service.settings import Settings
from service.store import cache
from service.store.db import session_scope


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with session_scope(runtime.sessions) as session:
        yield session


# scope="function": the transaction commits (and its after-commit work runs) before the
# response is sent, so a client never reads back less than it was told was done.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def token_of(request: Request, *, query_token: bool = False) -> str | None:
    """The request's token: a Bearer header (any other scheme is refused), or ?token= where
    `query_token` (feeds and article pages, for readers that cannot send headers)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip()
    if "token" in request.query_params:
        if not query_token:
            # A token in a URL ends up in logs, histories and Referer headers: only feed readers,
            # which cannot send headers, may put it there.
            raise Unauthorized("?token= is accepted on feeds only; send 'Authorization: Bearer'")
        return request.query_params.get("token")
    return None


# Declares the bearer scheme in the OpenAPI schema of every route that needs a token, so /docs
# can send one. The header itself is read by `token_of` (which also takes ?token= for feeds).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key's token (`kakehashi keys create --role ...` prints it once).",
)


def principal_of(request: Request, runtime: Runtime, *, query_token: bool = False) -> Principal:
    """The key behind the request's token: a Bearer header, or ?token= where `query_token`
    (the feed and article-page routes, for readers that cannot send headers); within the abuse
    limits of its client address and its key."""
    address = request.client.host if request.client else "unknown"
    limits = runtime.rate_limits
    token = token_of(request, query_token=query_token)
    if not token:
        where = "Bearer header or ?token=" if query_token else "'Authorization: Bearer <token>'"
        raise Unauthorized(f"a token is required ({where})")
    blocked = limits.failed_recently(address)
    # Over its failed-attempt limit, an address is refused without a lookup, except with a
    # live key's token: others' failures behind one address never lock a valid key out.
    if blocked is not None and not runtime.known_keys.knows(hash_token(token)):
        raise TooManyRequests(
            f"too many failed authentications from this address; try again in {blocked} s",
            blocked,
        )
    with session_scope(runtime.sessions) as session:
        principal = authenticate(session, token)
    if principal is None:
        limits.failed_authentication(address)
        raise Unauthorized("unknown or revoked token")
    limits.request_from(address)
    limits.request_by_key(principal.key_id)
    return principal


def get_principal(
    request: Request,
    runtime: RuntimeDep,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Principal:
    """The key behind the request's Bearer token."""
    return principal_of(request, runtime)


def _a(phrase: str) -> str:
    """The phrase with its indefinite article: "an editor", "a partner"."""
    return f"{'an' if phrase[:1] in 'aeiou' else 'a'} {phrase}"


def require_role(principal: Principal, *roles: str) -> Principal:
    if principal.role != "admin" and principal.role not in roles:
        raise Forbidden(
            f"this needs {_a(' or '.join(roles))} key; yours is {_a(principal.role)} key"
        )
    return principal


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting the given roles (admin is always admitted)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return require_role(principal, *roles)

    return check


AnyPrincipal = Annotated[Principal, Depends(get_principal)]
Publisher = Annotated[Principal, Depends(require("publisher"))]
Partner = Annotated[Principal, Depends(require("partner"))]
Editor = Annotated[Principal, Depends(require("editor"))]
Reader = Annotated[Principal, Depends(require("publisher", "editor", "partner"))]
# Partners read no glossary data at all (usage quotes articles outside their scope, history
# names editors): reading glossaries is for the newsroom's own keys.
GlossaryReader = Annotated[Principal, Depends(require("publisher", "editor"))]

Admin = Annotated[Principal, Depends(require("admin"))]


async def check_signature(request: Request, runtime: RuntimeDep) -> None:
    """With KAKEHASHI_WEBHOOK_SECRET set, refuse article writes without a valid signature, and
    a signature seen before (a replay)."""
    secret = runtime.settings.webhook_secret
    if secret is None:
        return
    body = await request.body()

    def verify() -> None:  # in the thread pool: remembering the signature is a Redis call
        signing.verify(
            secret.get_secret_value(),
            request.headers.get(signing.HEADER),
            request.method,
            request.url.path,
            body,
            time.time(),
            first_seen=lambda digest: cache.first_sight(
                runtime.redis, digest, signing.REMEMBER_SECONDS
            ),
        )

    try:
        await run_in_threadpool(verify)
    except signing.SignatureError as exc:
        raise Unauthorized(str(exc), code=exc.code, challenge=None) from exc


Signed = Depends(check_signature)


def get_editing(runtime: RuntimeDep, editor: Editor) -> Editing:
    """An editor's change: its jobs are sent to the queue once the change is committed."""
    return Editing(
        actor=editor.name,
        targets=runtime.settings.target_languages,
        routes=runtime.engines.routes(runtime.settings.target_languages),
    )


EditingDep = Annotated[Editing, Depends(get_editing)]
