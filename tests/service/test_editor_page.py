"""The editors' web page at /editor/: static assets, security headers and the ES module graph.
The page in a real browser is tested in test_editor_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.routes import editor
from service.runtime import Runtime

ASSET_DIR = Path(editor.__file__).resolve().parent.parent / "editor"
MODULES = sorted(n for n in editor.ASSETS if n.endswith(".js"))


@pytest.fixture
def page_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


# --- static serving ----------------------------------------------------------------------


def _path(name: str) -> str:
    return "/editor/" if name == "index.html" else f"/editor/{name}"


@pytest.mark.parametrize("name", sorted(editor.ASSETS))
def test_assets_are_served_with_media_types_and_security_headers(
    page_client: TestClient, name: str
) -> None:
    response = page_client.get(_path(name))  # no token: the page itself is public, the API not
    assert response.status_code == 200
    media_type, _, params = response.headers["content-type"].partition(";")
    expected = editor.ASSETS[name].partition(";")[0]
    assert media_type.strip() == expected
    if expected.startswith("text/"):
        assert "charset=utf-8" in params
    csp = response.headers["content-security-policy"]
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.content == (ASSET_DIR / name).read_bytes()


def test_favicon_is_served_not_404(page_client: TestClient) -> None:
    for path in ("/favicon.ico", "/editor/favicon.svg"):
        response = page_client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.content.startswith(b"<svg")


def test_only_whitelisted_files_are_served(page_client: TestClient) -> None:
    response = page_client.get("/editor", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "editor/"
    assert page_client.get("/editor").url.path == "/editor/"
    for path in (
        "/editor/secret.py",
        "/editor/editor.js",  # the old single script is gone
        "/editor/../app.py",
        "/editor/%2e%2e%2fapp.py",
        "/editor/..%2Froutes%2Feditor.py",
        "/editor/main.js.map",
    ):
        missing = page_client.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found"
    assert set(editor.ASSETS) == {p.name for p in ASSET_DIR.iterdir()}, "every shipped file"


class _Html(HTMLParser):
    """Every URL-bearing attribute, inline script/style, event handler and script tag."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []
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
        if tag == "script":
            self.scripts.append(values)
            if not values.get("src"):
                self.inline.append("script without src")

    def handle_data(self, data: str) -> None:
        if self._tag == "style" and data.strip():
            self.inline.append("style element")


def _parsed_index() -> _Html:
    parser = _Html()
    parser.feed((ASSET_DIR / "index.html").read_text(encoding="utf-8"))
    return parser


def test_index_loads_one_module_and_references_only_same_origin_assets() -> None:
    page = _parsed_index()
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not same-origin"
        assert url.startswith("#") or url in editor.ASSETS, f"{url} is not served"
    assert page.scripts == [{"type": "module", "src": "main.js"}]
    assert "editor.css" in page.urls and "favicon.svg" in page.urls
    assert page.inline == [], "inline code would be blocked by the CSP"


def _imports(name: str) -> list[str]:
    source = (ASSET_DIR / name).read_text(encoding="utf-8")
    return re.findall(r'^import [^;]*? from "([^"]+)";', source, flags=re.MULTILINE | re.DOTALL)


def test_module_graph_is_closed_over_the_whitelist() -> None:
    reached: set[str] = set()
    todo = ["main.js"]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        for target in _imports(name):
            assert target.startswith("./") and target.endswith(".js"), f"{name} imports {target}"
            assert target[2:] in editor.ASSETS, f"{name} imports {target}, which is not served"
            todo.append(target[2:])
    assert reached == set(MODULES), f"modules not reached from main.js: {set(MODULES) - reached}"
    for name in MODULES:
        lines = (ASSET_DIR / name).read_text(encoding="utf-8").count("\n")
        assert lines < 400, f"{name} has {lines} lines: split it further"


@pytest.mark.parametrize("name", MODULES)
def test_scripts_never_write_html_and_find_all_their_elements(name: str) -> None:
    script = (ASSET_DIR / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, f"{name} uses {sink}"
    assert "new Function" not in script
    # The token lives in sessionStorage only; localStorage keeps what must outlive the tab:
    # the chosen language (i18n.js) and unapproved corrections (review_detail.js's drafts).
    if name not in ("i18n.js", "review_detail.js"):
        assert "localStorage" not in script
    assert "TOKEN" not in script or "localStorage" not in script
    assert re.search(r"\?token=|token=\$\{|[\"']token[\"']", script) is None  # never in a URL
    ids = _parsed_index().ids
    referenced = set(re.findall(r'\$\("([A-Za-z0-9_-]+)"\)', script))
    referenced |= set(re.findall(r'(?:MSG = |, )"([a-z]+-msg)"', script))
    assert referenced <= ids, f"missing in index.html: {referenced - ids}"
    for url in re.findall(r'"(https?://[^"]*)"', script):
        pytest.fail(f"{name} references an absolute URL {url}")
