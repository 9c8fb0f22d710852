"""Every FastAPI dependency, as `Annotated` aliases; tests override these."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from service import outbox, signing
from service.api_keys import Principal, authenticate
from service.db import session_scope
from service.errors import Forbidden, Unauthorized
from service.glossary_edits import Editing
from service.runtime import Runtime
from service.settings import Settings


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


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip()
    return request.query_params.get("token")


# Declares the bearer scheme in the OpenAPI schema of every route that needs a token, so /docs
# can send one. The header itself is read by `_token` (which also takes ?token= for feeds).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key's token (`kakehashi keys create --role ...` prints it once).",
)


def get_principal(
    request: Request,
    runtime: RuntimeDep,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Principal:
    """The key behind the request's token (Bearer header, or ?token= for feed readers)."""
    token = _token(request)
    if not token:
        raise Unauthorized("a token is required (Bearer header or ?token=)")
    with session_scope(runtime.sessions) as session:
        principal = authenticate(session, token)
    if principal is None:
        raise Unauthorized("unknown or revoked token")
    return principal


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
Admin = Annotated[Principal, Depends(require("admin"))]


async def check_signature(request: Request, runtime: RuntimeDep) -> None:
    """With KAKEHASHI_WEBHOOK_SECRET set, refuse article writes without a valid signature."""
    secret = runtime.settings.webhook_secret
    if secret is None:
        return
    body = await request.body()
    try:
        signing.verify(
            secret.get_secret_value(),
            request.headers.get(signing.HEADER),
            request.method,
            request.url.path,
            body,
            time.time(),
        )
    except signing.SignatureError as exc:
        raise Unauthorized(str(exc), code="bad_signature", challenge=None) from exc


Signed = Depends(check_signature)


def get_editing(runtime: RuntimeDep, editor: Editor) -> Editing:
    """An editor's change: its jobs are sent to the queue once the change is committed."""
    return Editing(
        actor=editor.name,
        targets=runtime.settings.target_languages,
        send=lambda job_ids: outbox.dispatch(runtime, job_ids),
    )


EditingDep = Annotated[Editing, Depends(get_editing)]
