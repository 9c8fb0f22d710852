"""/editor/: the editors' web page (static HTML, JS, CSS and message catalogues shipped in
`service/editor/`).

The page talks to the JSON API with the editor's token; these routes only serve its files (a
whitelist: the HTML, the stylesheet, the icon and one ES module per view), with a strict
Content-Security-Policy (same-origin scripts and styles, no inline code, no framing) so that
glossary text can never run as code in an editor's browser.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from service.http_errors import ApiError

router = APIRouter(tags=["editor"], include_in_schema=False)

_JS = "text/javascript; charset=utf-8"
_JSON = "application/json; charset=utf-8"
# The only files served: a whitelist, so no request can name any other file of the package.
ASSETS: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "editor.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    # ES modules (main.js imports the others), one per view of the page.
    "main.js": _JS,
    "api.js": _JS,
    "messages.js": _JS,
    "signin.js": _JS,
    "list.js": _JS,
    "entry.js": _JS,
    "conflict.js": _JS,
    "history.js": _JS,
    "suggestions.js": _JS,
    "transfer.js": _JS,
    "preview.js": _JS,
    "review.js": _JS,
    "review_detail.js": _JS,
    "reasons.js": _JS,
    "memory.js": _JS,
    "deliveries.js": _JS,
    "partner.js": _JS,
    "i18n.js": _JS,
    # The message catalogues (i18n.js): every string of the page, in Japanese and English.
    "messages-en.json": _JSON,
    "messages-ja.json": _JSON,
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def _asset(name: str) -> Response:
    media_type = ASSETS[name]
    try:
        data = resources.files("service").joinpath("editor", name).read_bytes()
    except FileNotFoundError as exc:  # a broken install: say which file is missing
        raise ApiError(500, "asset_missing", f"editor asset {name} is not installed") from exc
    return Response(data, media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/editor", response_class=RedirectResponse)
def editor_redirect() -> RedirectResponse:
    # Relative, so that it also works behind a proxy that mounts the service under a prefix.
    return RedirectResponse("editor/", status_code=308, headers=SECURITY_HEADERS)


@router.get("/editor/", response_class=Response)
def editor_page() -> Response:
    return _asset("index.html")


@router.get("/favicon.ico", response_class=Response)
def favicon() -> Response:
    # Browsers ask for /favicon.ico on their own; an SVG answers them (Chromium and Firefox
    # render it), so the service needs no binary icon file.
    return _asset("favicon.svg")


@router.get("/editor/{name}", response_class=Response)
def editor_asset(name: str) -> Response:
    """One of the page's files, by name from the whitelist (anything else is a 404)."""
    if name not in ASSETS:
        raise ApiError(404, "not_found", f"no editor file {name!r}")
    return _asset(name)
