"""`OPTIONS` on every route, and a complete `Allow` header on every 405.

Starlette answers a method a path does not take with the methods of the *first* route whose
path matched, so a path served by several route declarations (`GET` and `PUT` and `DELETE` of
`/v1/articles/{id}`, each its own function) said `Allow: PUT` only, and `OPTIONS` was a 405
everywhere. Here the allowed methods are found by asking every route whether it fully matches
the path under each method (the routes' public `matches`, so it follows whatever the router
does, included routers too); `OPTIONS` answers 204 with them, and the 405 handler
(`service.http_errors`) uses the same list.
"""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: ASGIApp, scope: Scope) -> list[str]:
    """The methods some route of `app` takes at the scope's path (with OPTIONS when any)."""
    router = getattr(app, "router", None)
    routes = getattr(router, "routes", ())
    found = [
        method
        for method in METHODS
        if any(
            route.matches({**scope, "method": method})[0] == Match.FULL
            for route in routes
            if hasattr(route, "matches")
        )
    ]
    return [*found, "OPTIONS"] if found else []


class AllowOptions:
    """Answers `OPTIONS` itself: 204 and `Allow` listing what the path takes, 404 if nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        # Starlette puts the application itself (whose router knows the routes) in the scope.
        allowed = allowed_methods(scope.get("app", self.app), scope)
        if not allowed:
            await self.app(scope, receive, send)  # the router's own 404 (or 405)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"allow", ", ".join(allowed).encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})
