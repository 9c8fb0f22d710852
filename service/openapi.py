"""The OpenAPI document and the /docs page, both complete without a network.

/docs is Swagger UI 5 served from the files the `fastapi-offline` package ships (FastAPI's
default page loads it from a CDN, which is a blank page on an offline machine; the
`swagger-ui-bundle` package holds Swagger UI 4, which reads OpenAPI 3.0 only and shows "does not
specify a valid version field" for FastAPI's 3.1 schema). The notices kakehashi POSTs are in
the schema's `webhooks` section (`service.notice_schema`). The schema declares the bearer token
scheme, so "Try it out" can send a token, and lists on every operation the error statuses it
really answers; they follow from what the route takes:

- a token (any route depending on `deps.get_principal`, which declares the bearer scheme): 401,
  403 for the wrong role or scope, 429 over the abuse limits;
- a request body: 400 (malformed JSON), 408 (too slow), 413 (over KAKEHASHI_MAX_BODY_BYTES),
  422 (schema);
- path or query parameters: 422; path parameters: 404 (nothing by that id);
- anything a route declares itself with `responses=` (409, 412, 428, ...).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

from service.notice_schema import install_webhooks

DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
# An installed package's files are plain files on disk (no zip import here).
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
ERROR_DESCRIPTIONS = {
    400: "malformed request (e.g. invalid JSON)",
    401: "no token, or an unknown or revoked one",
    403: "the key's role or scope does not allow this",
    404: "no such resource",
    408: "the request body arrived too slowly",
    409: "conflicts with the current state",
    412: "If-Match does not match the current ETag",
    413: "request body too large",
    422: "request does not match the schema",
    428: "If-Match is required",
    429: "too many requests from this key or address (see Retry-After)",
    503: "not ready",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every error answer: `{"error": {"code", "message", "details"?}}`."""

    error: ErrorDetail


def _error_statuses(operation: dict[str, Any]) -> set[int]:
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403, 429}  # 429: the per-key and per-address abuse limits
    if "requestBody" in operation:
        statuses |= {400, 408, 413, 422}  # 408: a body that trickles in too slowly
    places = {p.get("in") for p in operation.get("parameters", [])}
    if "path" in places:
        statuses |= {404, 422}
    if "query" in places:
        statuses.add(422)
    return statuses


def build_schema(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["token"] = {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "The same token as a query parameter, for feed readers that cannot "
        "send headers (feeds only).",
    }
    definitions = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = components.setdefault("schemas", {})
    schemas.update(definitions.pop("$defs", {}))
    schemas["ErrorOut"] = definitions
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path_item in schema["paths"].values():  # webhooks are requests we send: no errors
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(_error_statuses(operation) | declared):
                entry = responses.setdefault(str(status), {})
                entry.setdefault("description", ERROR_DESCRIPTIONS.get(status, "error"))
                if status != 503:  # /readyz declares its own 503 body
                    entry["content"] = error_ref
    app.openapi_schema = schema
    return schema


def install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI from the installed package), the schema builder and the webhooks."""

    def openapi() -> dict[str, Any]:
        return build_schema(app)

    app.openapi = openapi  # type: ignore[method-assign]
    install_webhooks(app)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> FileResponse:
        media_type = DOCS_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404, f"no docs asset {name!r}")
        return FileResponse(
            ASSETS_DIR / name, media_type=media_type, headers={"Cache-Control": "max-age=86400"}
        )
