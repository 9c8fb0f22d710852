"""The editor page in Debian's real Chromium, driven by Playwright (no browser download), against
a real server: uvicorn on a free port in a thread over the test runtime (real Redis, real
database, the real tiny CTranslate2 model for en).

Set KAKEHASHI_SCREENSHOT_DIR (e.g. to bench/screens) to save the main views as PNGs.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from service.app import create_app
from service.runtime import Runtime
from tests.service.conftest import article, auth

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium (apt-get install -y chromium, "
        "as .ci/run does): the browser tests of the editor page are skipped",
    ),
]

if CHROMIUM.exists():  # Playwright drives that binary; its own browser builds are never fetched
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Page,
        Playwright,
        expect,
        sync_playwright,
    )
    from playwright.sync_api import Error as PlaywrightError


class _Server:
    """uvicorn serving the app on a free port of 127.0.0.1 in a thread, as `kakehashi serve`."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[_Server]:
    with _Server(create_app(runtime=runtime)) as running:
        yield running


@pytest.fixture
def api(server: _Server, tokens: dict[str, str]) -> Iterator[httpx.Client]:
    """The editor's own API client, to set things up and check what the page did."""
    with httpx.Client(base_url=server.url, headers=auth(tokens["editor"]), timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    made = chromium.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    made.set_default_timeout(20_000)
    yield made
    made.close()


class Problems:
    """Uncaught exceptions and CSP violations seen by the pages of a test: there must be none."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.seen.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                self.seen.append(f"console: {message.text}")
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        return page


@pytest.fixture
def problems() -> Iterator[Problems]:
    watcher = Problems()
    yield watcher
    assert watcher.seen == []


@pytest.fixture
def page(context: BrowserContext, problems: Problems) -> Page:
    return problems.watch(context.new_page())


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("KAKEHASHI_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def sign_in(page: Page, server: _Server, token: str) -> None:
    page.goto(f"{server.url}/editor/")
    page.fill("#token-input", token)
    page.click("#token-form button[type=submit]")


def signed_in(page: Page, server: _Server, token: str) -> None:
    sign_in(page, server, token)
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#entries-body button.link").first).to_be_visible()


def open_entry(page: Page, query: str, source: str) -> None:
    page.fill("#search-q", query)
    page.click("#search-form button[type=submit]")
    page.locator("#entries-body button.link", has_text=source).first.click()
    expect(page.locator("#f-source")).to_have_value(source)


def version(api: httpx.Client) -> int:
    listed = api.get("/v1/glossaries").json()
    found: int = next(g for g in listed if g["name"] == "security")["version"]
    return found


# --- 1. sign-in checks the role ------------------------------------------------------------


def test_sign_in_refuses_partner_and_publisher_keys_and_admits_editors(
    server: _Server, page: Page, tokens: dict[str, str]
) -> None:
    for role in ("partner", "publisher"):
        sign_in(page, server, tokens[role])
        message = page.locator("#login-msg")
        expect(message).to_contain_text(f"is a {role} key")
        expect(message).to_contain_text("needs an editor key")
        expect(page.locator("#live-alert")).to_contain_text(f"is a {role} key")
        expect(page.locator("#app")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") is None
        if role == "partner":
            screenshot(page, "1-sign-in-refused")

    sign_in(page, server, "not-a-token")
    expect(page.locator("#login-msg")).to_contain_text("unknown or revoked token")
    expect(page.locator("#app")).to_be_hidden()

    signed_in(page, server, tokens["editor"])
    expect(page.locator("#who")).to_have_text("test editor (editor)")
    expect(page.locator("#login-msg")).to_be_empty()
    assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") == tokens["editor"]
    assert tokens["editor"] not in page.url
    # An admin key may edit too.
    page.click("#sign-out")
    signed_in(page, server, tokens["admin"])
    expect(page.locator("#who")).to_have_text("test admin (admin)")
    # The favicon is there (no 404 in the browser's console).
    assert page.request.get(f"{server.url}/favicon.ico").status == 200
    # A revoked token kept in the tab: the page says so and shows the sign-in form again.
    page.evaluate("sessionStorage.setItem('kakehashi.editor.token', 'wrong')")
    page.reload()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#login-msg")).to_contain_text("unknown or revoked")
    assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") is None
