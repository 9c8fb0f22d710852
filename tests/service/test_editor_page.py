"""The editors' web page at /editor/: static assets, security headers, and (when Chromium is
installed) the page driven in a real headless browser against a real server."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.routes import editor
from service.runtime import Runtime
from tests.service.conftest import auth

ASSET_DIR = Path(editor.__file__).resolve().parent.parent / "editor"
MEDIA_TYPES = {
    "/editor/": "text/html",
    "/editor/editor.js": "text/javascript",
    "/editor/editor.css": "text/css",
}


def _app(runtime: Runtime) -> FastAPI:
    app = create_app(runtime=runtime)
    app.include_router(editor.router)
    return app


@pytest.fixture
def page_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(_app(runtime)) as test_client:
        yield test_client


# --- static serving ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(MEDIA_TYPES))
def test_assets_are_served_with_media_types_and_security_headers(
    page_client: TestClient, path: str
) -> None:
    response = page_client.get(path)  # no token: the page itself is public, the API is not
    assert response.status_code == 200
    media_type, _, params = response.headers["content-type"].partition(";")
    assert media_type.strip() == MEDIA_TYPES[path]
    assert "charset=utf-8" in params
    csp = response.headers["content-security-policy"]
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    name = "index.html" if path.endswith("/") else path.rsplit("/", 1)[1]
    assert response.content == (ASSET_DIR / name).read_bytes()


def test_editor_without_slash_redirects_and_unknown_assets_are_404(
    page_client: TestClient,
) -> None:
    response = page_client.get("/editor", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "editor/"
    assert page_client.get("/editor").url.path == "/editor/"
    missing = page_client.get("/editor/secret.py")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert page_client.get("/editor/../app.py").status_code == 404


class _Html(HTMLParser):
    """Every URL-bearing attribute, inline script/style and event handler in a document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self.ids: set[str] = set()
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        values = dict(attrs)
        element_id = values.get("id")
        if element_id:
            self.ids.add(element_id)
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "poster", "data") and value:
                self.urls.append(value)
            if name.startswith("on") or name == "style":
                self.inline.append(f"{tag} {name}")
        if tag == "script" and not values.get("src"):
            self.inline.append("script without src")

    def handle_data(self, data: str) -> None:
        if self._tag == "style" and data.strip():
            self.inline.append("style element")


def _parsed_index() -> _Html:
    parser = _Html()
    parser.feed((ASSET_DIR / "index.html").read_text(encoding="utf-8"))
    return parser


def test_index_references_only_same_origin_assets_and_no_inline_code() -> None:
    page = _parsed_index()
    assert page.urls, "index.html should reference its script and stylesheet"
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not same-origin"
    assert "editor.js" in page.urls and "editor.css" in page.urls
    assert page.inline == [], "inline code would be blocked by the CSP"


def test_script_never_writes_html_and_finds_all_its_elements() -> None:
    script = (ASSET_DIR / "editor.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, f"editor.js uses {sink}"
    assert "new Function" not in script
    assert "localStorage" not in script  # the token lives in sessionStorage only
    assert re.search(r"\?token=|token=\$\{", script) is None
    ids = _parsed_index().ids
    referenced = set(re.findall(r'\$\("([A-Za-z0-9_-]+)"\)', script))
    assert referenced and referenced <= ids, f"missing in index.html: {referenced - ids}"
    for url in re.findall(r'"(https?://[^"]*)"', script):
        pytest.fail(f"editor.js references an absolute URL {url}")


# --- a real browser ------------------------------------------------------------------------

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium); browser tests skipped",
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1440,1000",
)


class _Server:
    """uvicorn serving the app on 127.0.0.1 in a thread, as `kakehashi serve` does."""

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
    with _Server(_app(runtime)) as running:
        yield running


def _profile_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="kh-chromium-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _WebSocket:
    """Just enough of RFC 6455 to talk to Chromium's DevTools endpoint (no extra dependency)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.decode(errors="replace"))

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(
            bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        )

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._exact(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the websocket")
            if opcode in (0x9, 0xA):  # ping / pong: not used by DevTools
                continue
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Browser:
    """A headless Chromium page driven over the DevTools protocol."""

    def __init__(self, profile: str) -> None:
        assert CHROMIUM is not None
        self.process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, "--remote-debugging-port=0", f"--user-data-dir={profile}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().split("\n")[0].strip()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = _WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.console: list[str] = []
        self.call("Runtime.enable")
        self.call("Page.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("method") == "Runtime.exceptionThrown":
                self.console.append(json.dumps(message["params"]["exceptionDetails"]))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    def js(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} threw {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(AssertionError):  # e.g. the page is being (re)loaded
                value = self.js(expression)
                if value:
                    return value
            if time.monotonic() > deadline:
                alert = self.js(
                    "[document.getElementById('alert')?.textContent,"
                    " document.getElementById('status')?.textContent]"
                )
                raise AssertionError(f"timed out waiting for {expression!r}; alert: {alert!r}")
            time.sleep(0.1)

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def screenshot(self, name: str) -> None:
        """Saved where KAKEHASHI_SCREENSHOT_DIR says, for a person to look at."""
        folder = os.environ.get("KAKEHASHI_SCREENSHOT_DIR")
        if folder:
            data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{name}.png").write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def browser() -> Iterator[Browser]:
    for profile in _profile_dir():
        try:
            driven = Browser(profile)
        except (RuntimeError, OSError) as exc:
            pytest.skip(f"Chromium is installed but could not be started headless: {exc}")
        try:
            yield driven
        finally:
            driven.close()


def _set(field: str, value: str) -> str:
    """JS setting a form field's value (as typing would)."""
    return (
        f"(() => {{ const f = document.getElementById({json.dumps(field)}); "
        f"f.value = {json.dumps(value)}; f.dispatchEvent(new Event('input')); return true; }})()"
    )


def _click(selector: str) -> str:
    return f"(() => {{ document.querySelector({json.dumps(selector)}).click(); return true; }})()"


@pytest.mark.slow
@needs_chromium
def test_dump_dom_shows_the_token_form(server: _Server) -> None:
    assert CHROMIUM is not None
    for profile in _profile_dir():
        try:
            done = subprocess.run(
                [
                    CHROMIUM,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    "--virtual-time-budget=5000",
                    "--dump-dom",
                    f"{server.url}/editor/",
                ],
                capture_output=True,
                text=True,
                timeout=90,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("Chromium did not finish --dump-dom in 90 s")
        if done.returncode != 0 and "<html" not in done.stdout:
            pytest.skip(f"Chromium could not run headless: {done.stderr[-500:]}")
        dom = done.stdout
        assert '<form id="token-form"' in dom
        assert '<label for="token-input">Editor token</label>' in dom
        # The script ran: with no token in this tab the sign-in form shows and the app does not.
        login = re.search(r'<section id="login"[^>]*>', dom)
        assert login is not None and "hidden" not in login.group(0)
        assert re.search(r'<div id="app" hidden', dom) is not None


@pytest.mark.slow
@needs_chromium
def test_editor_workflow_in_a_real_browser(
    server: _Server, browser: Browser, tokens: dict[str, str], installed_en: None
) -> None:
    editor_token = tokens["editor"]
    api = httpx.Client(base_url=server.url, headers=auth(editor_token), timeout=30)

    # A rendering with markup in it must show as text, never become an element.
    hostile = '<img src=x onerror="window.__pwned=1">'
    created = api.post(
        "/v1/glossaries/security/entries",
        json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship", "fr": hostile}},
    )
    assert created.status_code == 201, created.text

    browser.goto(f"{server.url}/editor/")
    assert browser.js("!document.getElementById('login').hidden")
    assert browser.js("document.getElementById('app').hidden")
    browser.screenshot("1-sign-in")

    # Sign in: the token goes to sessionStorage, never into the URL.
    browser.js("window.confirm = () => true")
    browser.js(_set("token-input", editor_token))
    browser.js("document.getElementById('token-form').requestSubmit(); true")
    browser.wait("document.querySelectorAll('#entries-body button.link').length > 0")
    assert browser.js("sessionStorage.getItem('kakehashi.editor.token')") == editor_token
    assert editor_token not in browser.js("location.href")
    assert browser.js("document.getElementById('glossary-select').value") == "security"
    assert "1–25 of" in browser.js("document.getElementById('page-info').textContent")

    # Paging.
    browser.js(_click("#next-page"))
    browser.wait("document.getElementById('page-info').textContent.startsWith('26–50 of')")
    browser.js(_click("#prev-page"))
    browser.wait("document.getElementById('page-info').textContent.startsWith('1–25 of')")

    # Search and open the hostile entry: the markup is text.
    browser.js(_set("search-q", "瀬戸際外交"))
    browser.js("document.getElementById('search-form').requestSubmit(); true")
    browser.wait("document.querySelectorAll('#entries-body button.link').length === 1")
    browser.js(_click("#entries-body button.link"))
    browser.wait("document.getElementById('f-source').value === '瀬戸際外交'")
    assert browser.js("document.getElementById('f-t-fr').value") == hostile
    assert hostile in browser.js("document.getElementById('entries-body').textContent")
    browser.wait("document.querySelectorAll('#history li').length === 1")
    assert browser.js("document.querySelectorAll('img').length") == 0
    assert browser.js("window.__pwned") is None

    # Save with If-Match; the history shows who changed what.
    browser.js(_set("f-t-fr", "politique du bord du gouffre"))
    browser.js(_set("f-aliases", "瀬戸際政策"))
    browser.js(_click("#save"))
    browser.wait("document.getElementById('status').textContent.includes('Saved')")
    browser.wait("document.querySelectorAll('#history li').length === 2")
    history = browser.js("document.getElementById('history').textContent")
    assert "test editor" in history and "politique du bord du gouffre" in history
    entry_id = created.json()["entry"]["id"]
    url = f"/v1/glossaries/security/entries/{entry_id}"
    assert api.get(url).json()["aliases"] == ["瀬戸際政策"]

    # Someone else changes the entry; this editor's save meets 412 and re-applies the edit.
    current = api.get(url).json()
    theirs = api.patch(url, json={"note": "their note"}, headers={"If-Match": current["etag"]})
    assert theirs.status_code == 200, theirs.text
    browser.js(_set("f-t-en", "brinksmanship"))
    browser.js(_click("#save"))
    browser.wait("!document.getElementById('conflict').hidden")
    conflict = browser.js("document.getElementById('conflict').textContent")
    assert "Someone else changed this entry" in conflict
    assert "their note" in conflict and "brinksmanship" in conflict
    browser.screenshot("3-conflict")
    browser.js(_click("#conflict button"))
    browser.wait("document.getElementById('conflict').hidden")
    assert browser.js("document.getElementById('f-note').value") == "their note"
    assert browser.js("document.getElementById('f-t-en').value") == "brinksmanship"
    browser.js(_click("#save"))
    browser.wait("document.getElementById('status').textContent.includes('Saved')")
    merged = api.get(url).json()
    assert merged["note"] == "their note" and merged["targets"]["en"] == "brinksmanship"

    # API errors are shown with their message: a duplicate term.
    browser.wait("!document.getElementById('save').disabled")
    browser.js(_click("#new-entry"))
    browser.js(_set("f-source", "瀬戸際外交"))
    browser.js(_set("f-t-en", "again"))
    browser.js(_click("#save"))
    browser.wait("!document.getElementById('alert').hidden")
    assert "duplicate_term" in browser.js("document.getElementById('alert').textContent")

    # Create and delete an entry.
    browser.js(_set("f-source", "架け橋外交"))
    browser.js(_set("f-t-en", "bridge diplomacy"))
    browser.js(_click("#save"))
    browser.wait("document.getElementById('status').textContent.includes('Created')")
    assert browser.js("document.getElementById('alert').hidden")
    made = api.get("/v1/glossaries/security/entries", params={"q": "架け橋外交"}).json()
    assert made["total"] == 1
    browser.wait("!document.getElementById('save').disabled")
    browser.js(_click("#delete"))
    browser.wait("document.getElementById('status').textContent.includes('Deleted')")
    made = api.get("/v1/glossaries/security/entries", params={"q": "架け橋外交"}).json()
    assert made["total"] == 0

    # Open an entry for the screenshot of the editing view.
    browser.js(_set("search-q", "maskirovka"))
    browser.js("document.getElementById('search-form').requestSubmit(); true")
    browser.wait("document.getElementById('entries-body').textContent.includes('マスカロフカ')")
    browser.js(_click("#entries-body button.link"))
    browser.wait("document.getElementById('f-source').value === 'マスカロフカ'")
    browser.wait("document.getElementById('history').textContent.includes('kakehashi (shipped)')")
    assert browser.js("document.getElementById('alert').hidden")
    browser.screenshot("2-entry")

    # Preview: segments side by side with their term reports and the plain translation.
    browser.js(_click('.tab[data-tab="preview"]'))
    browser.wait("document.getElementById('p-target').options.length > 0")
    browser.js("document.getElementById('p-target').value = 'en'; true")
    browser.js(_set("p-text", "瀬戸際外交が続いた。\n\nマスカロフカは古くからの戦術である。"))
    browser.js(_click("#p-submit"))
    browser.wait("document.querySelectorAll('table.preview tbody tr').length === 2", timeout=60)
    terms = browser.js("document.querySelector('table.preview').textContent")
    assert "brinksmanship" in terms and "maskirovka" in terms.lower()
    assert browser.js("document.querySelectorAll('ul.terms li').length") >= 2
    assert browser.js("document.querySelectorAll('table.preview td.plain').length") == 2
    # The random-weight model's output is cut at its cap: the preview says why it needs review.
    summary = browser.js("document.querySelector('p.summary').textContent")
    assert "needs review: truncated" in summary
    browser.screenshot("4-preview")

    # Suggestions tab loads (and says so when there are none).
    browser.js(_click('.tab[data-tab="suggestions"]'))
    browser.wait("document.getElementById('suggestions').textContent.includes('No suggestions')")

    # A revoked or wrong token: the message is shown and the sign-in form comes back.
    browser.js("sessionStorage.setItem('kakehashi.editor.token', 'wrong'); location.reload(); true")
    browser.wait("document.readyState === 'complete' && !document.getElementById('login').hidden")
    browser.wait("document.getElementById('alert').textContent.includes('unknown or revoked')")
    assert browser.js("sessionStorage.getItem('kakehashi.editor.token')") is None
    assert browser.console == []
    api.close()
