"""Model packages from the network: argos-compatible package indexes and plain URLs.

An argos index (``https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json``)
is a JSON list of package metadata objects::

    {"code": "translate-ja_en", "from_code": "ja", "to_code": "en", "package_version": "1.9",
     "argos_version": "1.0", "from_name": "Japanese", "to_name": "English",
     "links": ["https://.../translate-ja_en-1_9.argosmodel"], ...}

:func:`load_index` reads one (URL or local file), :func:`resolve` picks the newest package of a
pair, and :func:`download` fetches an archive to disk with a size limit, after which
:func:`translators.package.install` verifies and installs it. Errors are
:class:`~translators.package.PackageError` with a message for humans.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from translators.package import PackageError, _version_key

__all__ = [
    "ARGOS_INDEX_URL",
    "DEFAULT_MAX_BYTES",
    "IndexEntry",
    "check_public",
    "download",
    "load_index",
    "resolve",
]

ARGOS_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
DEFAULT_MAX_BYTES = 2 * 1024**3
_MAX_INDEX_BYTES = 16 * 1024**2
_CHUNK = 1 << 16
_USER_AGENT = "kakehashi-model-installer"

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class IndexEntry:
    """One package of an index."""

    code: str
    source: str
    target: str
    version: str
    links: tuple[str, ...]
    from_name: str = ""
    to_name: str = ""
    argos_version: str = ""
    size: int | None = None

    @property
    def pair(self) -> str:
        return f"{self.source}:{self.target}"


def _check_scheme(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise PackageError(f"{url}: only http(s) URLs are supported, not '{scheme or 'none'}'")


Resolver = Callable[[str], Iterable[str]]


def _resolve_host(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise PackageError(f"{host}: cannot resolve the host ({exc})") from exc
    return [str(info[4][0]) for info in infos]


def check_public(url: str, resolve_host: Resolver = _resolve_host) -> None:
    """Refuse a URL whose host is, or resolves to, an address that is not public: loopback,
    private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254), reserved,
    multicast or unspecified. Every address the name resolves to is checked, so a name with one
    public and one internal address is refused too.

    The check resolves the name itself and the download resolves it again; a DNS server that
    answers differently the second time (rebinding) is out of reach here, which is why operators
    who need internal mirrors say so with --allow-private instead of the check guessing."""
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        raise PackageError(f"{url}: no host in the URL")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve_host(host)]
    if not addresses:
        raise PackageError(f"{host}: the host has no address")
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            address = mapped
        if not address.is_global or address.is_multicast:
            raise PackageError(
                f"{url}: {host} is a {_kind(address)} address ({address}); model downloads go "
                "to public hosts only (allow internal ones with --allow-private or "
                "KAKEHASHI_MODELS_ALLOW_PRIVATE=true)"
            )


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-public"


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an http(s) URL that passes the same checks as the first."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        _check_url(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def _check_url(url: str, allow_private: bool) -> None:
    _check_scheme(url)
    if not allow_private:
        check_public(url)


def _open(url: str, timeout: float, allow_private: bool = False) -> urllib.request._UrlopenRet:
    _check_url(url, allow_private)
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    try:
        response = opener.open(request, timeout=timeout)
    except PackageError:
        raise
    except urllib.error.HTTPError as exc:
        raise PackageError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise PackageError(f"{url}: cannot connect ({exc.reason})") from exc
    except (TimeoutError, OSError) as exc:
        raise PackageError(f"{url}: {exc}") from exc
    final = response.geturl()
    if final != url:
        try:
            _check_scheme(final)  # a redirect must stay on http(s)
        except PackageError:
            response.close()
            raise
    return response


def _is_url(value: str) -> bool:
    return "://" in value


def parse_index(data: object, where: str = "index") -> list[IndexEntry]:
    """Entries of a parsed argos index; entries of another type or without links are skipped."""
    if isinstance(data, dict) and isinstance(data.get("packages"), list):
        data = data["packages"]
    if not isinstance(data, list):
        raise PackageError(f"{where}: an argos index is a JSON list of package objects")
    entries: list[IndexEntry] = []
    for item in data:
        if not isinstance(item, dict):
            continue
        kind = item.get("type") or item.get("package_type") or "translate"
        source, target = item.get("from_code"), item.get("to_code")
        links = item.get("links") or []
        if kind != "translate" or not isinstance(source, str) or not isinstance(target, str):
            continue
        if not isinstance(links, list):
            continue
        urls = tuple(str(link) for link in links if isinstance(link, str) and link)
        if not urls:
            continue
        size = item.get("size")
        entries.append(
            IndexEntry(
                code=str(item.get("code") or f"translate-{source}_{target}"),
                source=source,
                target=target,
                version=str(item.get("package_version") or "0"),
                links=urls,
                from_name=str(item.get("from_name") or ""),
                to_name=str(item.get("to_name") or ""),
                argos_version=str(item.get("argos_version") or ""),
                size=size if isinstance(size, int) else None,
            )
        )
    return entries


def load_index(
    url_or_path: str | Path, *, timeout: float = 30.0, allow_private: bool = False
) -> list[IndexEntry]:
    """The translate packages of an argos-format index, from an http(s) URL or a local file.
    A URL must be on a public host unless ``allow_private``."""
    where = str(url_or_path)
    if isinstance(url_or_path, str) and _is_url(url_or_path):
        with _open(url_or_path, timeout, allow_private) as response:
            raw = response.read(_MAX_INDEX_BYTES + 1)
        if len(raw) > _MAX_INDEX_BYTES:
            raise PackageError(f"{where}: index larger than {_MAX_INDEX_BYTES} bytes")
    else:
        try:
            raw = Path(url_or_path).read_bytes()
        except OSError as exc:
            raise PackageError(f"{where}: cannot read the index ({exc})") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{where}: the index is not valid JSON ({exc})") from exc
    return parse_index(data, where)


def resolve(entries: list[IndexEntry], source: str, target: str) -> IndexEntry:
    """The newest package of ``source``→``target``; PackageError naming what exists if none."""
    matching = [e for e in entries if e.source == source and e.target == target]
    if not matching:
        pairs = sorted({e.pair for e in entries if source in (e.source, e.target)})
        known = f"; pairs with '{source}': {', '.join(pairs)}" if pairs else ""
        raise PackageError(f"no {source}→{target} package in the index{known}")
    return max(matching, key=lambda e: _version_key(e.version))


def download(
    url: str,
    dest: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    timeout: float = 60.0,
    allow_private: bool = False,
) -> Path:
    """Fetch ``url`` to ``dest`` (a file path, or an existing directory to put the URL's file
    name in); return the file's path.

    Writes to a temporary file beside the destination and renames it when complete, so an
    interrupted or refused download leaves nothing. ``progress(done, total)`` is called after
    each chunk (``total`` is None when the server sends no Content-Length). Refuses non-http(s)
    URLs, HTTP errors, and bodies larger than ``max_bytes`` (announced or actual), and (unless
    ``allow_private``) hosts that are not public, before connecting and on every redirect.
    """
    _check_url(url, allow_private)
    dest = Path(dest)
    if dest.is_dir():
        name = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
        dest = dest / (name or "package.argosmodel")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _open(url, timeout, allow_private) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise PackageError(f"{url}: {total} bytes exceeds the {max_bytes}-byte limit")
        fd, partial = tempfile.mkstemp(prefix=".download-", dir=dest.parent)
        done = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except (TimeoutError, OSError) as exc:
                        raise PackageError(f"{url}: download interrupted ({exc})") from exc
                    if not chunk:
                        break
                    done += len(chunk)
                    if done > max_bytes:
                        raise PackageError(f"{url}: more than {max_bytes} bytes, refused")
                    out.write(chunk)
                    if progress is not None:
                        progress(done, total)
            if total is not None and done != total:
                raise PackageError(f"{url}: got {done} of {total} bytes")
            Path(partial).replace(dest)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return dest
