"""HTTP at the edge: every error becomes `{"error": {"code", "message", "details"}}`.

Domain errors (`service.errors`) are mapped to statuses here and nowhere else; `ApiError` is
for the few refusals that only exist in HTTP (a body too large, a missing static asset).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import db, errors
from service.allow import allowed_methods

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a client is told to wait when the database is locked or unreachable (503)."""


FULL_RETRY_AFTER_SECONDS = 60
"""A full disk needs an operator, not a moment: clients are told to wait longer."""

# SQLite's SQLITE_FULL message and PostgreSQL's disk_full SQLSTATE (class 53, insufficient
# resources; 53300, too many connections, is `db.unavailable`).
_FULL_MESSAGES = ("database or disk is full", "no space left on device")
_FULL_STATES = ("53100",)


def disk_full(exc: sa_exc.SQLAlchemyError) -> bool:
    """Whether a database error says its disk (or SQLite's page limit) is full."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None and str(state) in _FULL_STATES:
        return True
    return any(text in str(exc.orig).lower() for text in _FULL_MESSAGES)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = jsonable_encoder(details)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


# Most specific class first: the first `isinstance` match wins.
STATUSES: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.ModelMissing, 409),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Invalid, 422),
    (errors.Malformed, 400),
    (errors.TooLarge, 413),
    (errors.PreconditionRequired, 428),
    (errors.PreconditionFailed, 412),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.TooManyRequests, 429),
)


def status_of(exc: errors.DomainError) -> int:
    return next((status for cls, status in STATUSES if isinstance(exc, cls)), 500)


def headers_of(exc: errors.DomainError) -> dict[str, str] | None:
    if isinstance(exc, errors.PreconditionFailed):
        return {"ETag": exc.current}
    if isinstance(exc, errors.TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, errors.Unauthorized) and exc.challenge:
        return {"WWW-Authenticate": exc.challenge}
    return None


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def _domain_error(_request: Request, exc: errors.DomainError) -> JSONResponse:
        return error_response(status_of(exc), exc.code, exc.message, exc.details, headers_of(exc))

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "request body is not valid JSON", errors)
        return error_response(422, "invalid", "request does not match the schema", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        headers = exc.headers
        if exc.status_code == 405:  # Starlette names only the first matching route's methods
            allowed = allowed_methods(request.app, request.scope)
            headers = {**(headers or {}), "Allow": ", ".join(allowed)} if allowed else headers
        return error_response(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def _database(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
        # The session scope rolled back: a request answered with an error stored nothing.
        if disk_full(exc):
            log.error("database disk full on %s %s: %s", request.method, request.url.path, exc)
            return error_response(
                503,
                "storage_full",
                "the database's disk is full (SQLite: database or disk is full); nothing was "
                "stored: an operator must free space, then try again",
                headers={"Retry-After": str(FULL_RETRY_AFTER_SECONDS)},
            )
        if db.unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return error_response(
                503,
                "database_unavailable",
                "the database is busy or unreachable; nothing was stored, try again",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal", "internal error; it has been logged")
