from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from translators.package import PackageError, install
from translators.package_index import IndexEntry, check_public, download, load_index, resolve


class _Server:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                if self.path == "/lying":  # no Content-Length: the limit applies while reading
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"x" * 5000)
                    return
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture(scope="module")
def server(tiny_package_zip: Path) -> Iterator[_Server]:
    srv = _Server({})
    archive = tiny_package_zip.read_bytes()
    index = [
        {
            "code": "translate-ja_en",
            "from_code": "ja",
            "to_code": "en",
            "from_name": "Japanese",
            "to_name": "English",
            "package_version": "0.9",
            "argos_version": "1.0",
            "links": [f"{srv.url}/old.argosmodel"],
        },
        {
            "code": "translate-ja_en",
            "from_code": "ja",
            "to_code": "en",
            "package_version": "1.10",
            "argos_version": "1.9",
            "links": [f"{srv.url}/models/translate-ja_en-1_10.argosmodel"],
        },
        {"from_code": "en", "to_code": "fr", "package_version": "1.0", "links": []},
        {"type": "sbd", "from_code": "ja", "to_code": "ja", "links": ["http://x/y"]},
        "junk",
    ]
    srv.files.update(
        {
            "/index.json": json.dumps(index).encode(),
            "/models/translate-ja_en-1_10.argosmodel": archive,
            "/big.bin": b"0" * 10_000,
            "/bad.json": b"{not json",
        }
    )
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def test_index_resolve_download_install(server: _Server, tmp_path: Path) -> None:
    entries = load_index(f"{server.url}/index.json", allow_private=True)
    assert [(e.pair, e.version) for e in entries] == [("ja:en", "0.9"), ("ja:en", "1.10")]
    chosen = resolve(entries, "ja", "en")
    assert chosen.version == "1.10"  # numeric, not string order
    seen: list[tuple[int, int | None]] = []
    (tmp_path / "dl").mkdir()
    path = download(
        chosen.links[0],
        tmp_path / "dl",
        max_bytes=10**8,
        progress=lambda done, total: seen.append((done, total)),
        allow_private=True,
    )
    assert path.name == "translate-ja_en-1_10.argosmodel"
    assert seen and seen[-1][0] == seen[-1][1] == path.stat().st_size
    installed = install(path, tmp_path / "models")
    assert installed.pair == "ja:en"
    assert [p.name for p in (tmp_path / "dl").iterdir()] == [path.name]


def test_index_from_file_and_errors(server: _Server, tmp_path: Path) -> None:
    local = tmp_path / "index.json"
    local.write_text(json.dumps([{"from_code": "ja", "to_code": "ko", "links": ["http://h/p"]}]))
    [entry] = load_index(local)
    assert entry == IndexEntry("translate-ja_ko", "ja", "ko", "0", ("http://h/p",))
    with pytest.raises(PackageError, match="no ja→de package in the index; pairs with 'ja': ja:ko"):
        resolve([entry], "ja", "de")
    with pytest.raises(PackageError, match="HTTP 404"):
        load_index(f"{server.url}/missing.json", allow_private=True)
    with pytest.raises(PackageError, match="not valid JSON"):
        load_index(f"{server.url}/bad.json", allow_private=True)
    with pytest.raises(PackageError, match="cannot read"):
        load_index(tmp_path / "absent.json")


def test_download_refusals_leave_nothing(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "dl"
    dest.mkdir()
    with pytest.raises(PackageError, match="HTTP 404"):
        download(f"{server.url}/nothing.argosmodel", dest, max_bytes=100, allow_private=True)
    with pytest.raises(PackageError, match="exceeds the 1000-byte limit"):
        download(f"{server.url}/big.bin", dest, max_bytes=1000, allow_private=True)
    with pytest.raises(PackageError, match="more than 1000 bytes"):
        download(f"{server.url}/lying", dest, max_bytes=1000, allow_private=True)
    with pytest.raises(PackageError, match="only http"):
        download("file:///etc/passwd", dest, max_bytes=1000)
    with pytest.raises(PackageError, match="cannot connect"):
        download("http://127.0.0.1:9/x", dest, max_bytes=1000, timeout=2, allow_private=True)
    assert list(dest.iterdir()) == []


# Issue 11, row 2: `models install URL` fetched loopback and internal addresses.
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x.argosmodel",
        "http://localhost/x.argosmodel",
        "http://[::1]/x",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://172.16.5.5/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/x",
        "http://[fd00::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://100.64.0.1/x",
        "http://224.0.0.1/x",
    ],
)
def test_internal_hosts_refused_before_connecting(
    server: _Server, tmp_path: Path, url: str
) -> None:
    before = len(server.requests)
    with pytest.raises(PackageError, match="public hosts only"):
        download(url, tmp_path, max_bytes=1000, timeout=2)
    with pytest.raises(PackageError, match="public hosts only"):
        load_index(url, timeout=2)
    assert list(tmp_path.iterdir()) == []
    assert len(server.requests) == before


def test_the_local_test_server_itself_is_refused(server: _Server, tmp_path: Path) -> None:
    before = len(server.requests)
    with pytest.raises(PackageError, match="loopback address"):
        download(f"{server.url}/models/translate-ja_en-1_10.argosmodel", tmp_path)
    assert len(server.requests) == before  # never connected


def test_every_resolved_address_is_checked() -> None:
    def two_faced(host: str) -> list[str]:
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(PackageError, match=r"private address \(10\.0\.0\.7\)"):
        check_public("https://mirror.example/x", two_faced)
    check_public("https://mirror.example/x", lambda host: ["93.184.215.14", "2606:4700::1"])


def test_a_redirect_to_an_internal_host_is_refused() -> None:
    """urllib follows redirects by itself: our handler checks every hop like the first URL."""
    import urllib.request

    from translators.package_index import _CheckedRedirects

    request = urllib.request.Request("https://mirror.example/x")
    handler = _CheckedRedirects(allow_private=False)
    for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/"):
        with pytest.raises(PackageError, match="public hosts only"):
            handler.redirect_request(request, None, 302, "Found", {}, target)
    with pytest.raises(PackageError, match="only http"):
        handler.redirect_request(request, None, 302, "Found", {}, "file:///etc/passwd")
    allowed = _CheckedRedirects(allow_private=True).redirect_request(
        request, None, 302, "Found", {}, "http://10.0.0.5/x"
    )
    assert allowed is not None and allowed.full_url == "http://10.0.0.5/x"
