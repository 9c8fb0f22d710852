"""The browser tests' shared parts: Debian's Chromium driven by Playwright (its own browser
builds are never downloaded), uvicorn serving the test runtime's app on a free port in a thread,
a watcher for uncaught errors and CSP violations, and signing in to the editor page. The test
modules import the fixtures by name, so pytest finds them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from service.runtime import Runtime
from service.web.app import create_app
from tests.service.conftest import auth

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


class Server:
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

    def __enter__(self) -> Server:
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
def server(runtime: Runtime) -> Iterator[Server]:
    with Server(create_app(runtime=runtime)) as running:
        yield running


@pytest.fixture
def api(server: Server, tokens: dict[str, str]) -> Iterator[httpx.Client]:
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


def sign_in(page: Page, server: Server, token: str) -> None:
    page.goto(f"{server.url}/editor/")
    page.fill("#token-input", token)
    page.click("#token-form button[type=submit]")


def signed_in(page: Page, server: Server, token: str) -> None:
    sign_in(page, server, token)
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#entries-body button.link").first).to_be_visible()
