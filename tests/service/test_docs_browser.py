"""/docs in Debian's real Chromium (Playwright drives /usr/bin/chromium; no browser download,
no network): Swagger UI reads the OpenAPI 3.1 schema and shows every operation and every
webhook. Swagger UI 4 answered "Unable to render this definition" here (issue 20.1).

The screenshot goes to bench/screens/docs.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# The server fixture comes from tests/service/browser.py (imported by name, so pytest finds it).
from tests.service.browser import CHROMIUM, CHROMIUM_ARGS, Server, server  # noqa: F401

SCREENS = Path(__file__).resolve().parents[2] / "bench" / "screens"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
pytestmark = [
    pytest.mark.slow,
    pytest.mark.conformance,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium (apt-get install -y chromium): "
        "the /docs browser check is skipped",
    ),
]


def test_docs_shows_every_operation_and_webhook_offline(server: Server) -> None:  # noqa: F811
    import httpx
    from playwright.sync_api import sync_playwright

    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    wanted = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }
    hooks = {(m.upper(), name) for name, item in schema.get("webhooks", {}).items() for m in item}
    outside: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # Offline means offline: any request that leaves the service fails the test.
            page.on(
                "request",
                lambda r: None if r.url.startswith(server.url) else outside.append(r.url),
            )
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server.url}/docs")
            page.wait_for_selector(".opblock, .errors-wrapper", timeout=30_000)
            # Swagger UI 4 showed "Unable to render this definition" for OpenAPI 3.1.
            assert page.locator(".errors-wrapper").count() == 0, page.inner_text("body")[:500]
            shown = page.eval_on_selector_all(
                ".opblock .opblock-summary",
                """els => els.map(e => [
                    e.querySelector('.opblock-summary-method').textContent.trim(),
                    (e.querySelector('.opblock-summary-path') || e).getAttribute('data-path')
                     || e.querySelector('.opblock-summary-path').textContent.trim()])""",
            )
            page.wait_for_timeout(300)
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / "docs.png"))
        finally:
            browser.close()
    seen = {(method, path.replace("\u200b", "")) for method, path in shown}
    assert wanted <= seen, sorted(wanted - seen)
    assert hooks <= seen, sorted(hooks - seen)
    assert {name for _, name in hooks} == {"needs_review", "done", "failed"}
    assert errors == []
    assert outside == []
