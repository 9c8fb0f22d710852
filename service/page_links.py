"""Signed links to translation pages: a feed's items point at pages its partner can open.

A feed reader that shows an item's link cannot send the partner's token, and a token in a page
URL leaks into histories and Referer headers. So each link carries the key id and an
HMAC-SHA256 of it with the page, under a secret the service makes once and keeps in the
database (all processes share it): `?key=<id>&sig=<hex>`. The page checks the signature and
that the key is still valid and covers the page, then applies the key's own visibility rules.

Links are permanent: partners keep them in their archives, so a link lives as long as its key
and no longer (revoking the key refuses every link made for it). Links made before that carried
an expiry (`&exp=<unix seconds>`, signed with it); those still open until it passes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.api_keys import Principal, principal_by_id
from service.errors import Unauthorized
from service.tables import ServiceSecret

SECRET_NAME = "page-links"


def load_secret(session: Session) -> bytes:
    """The link-signing secret, made on first use (two processes racing make it once)."""
    found = session.scalar(select(ServiceSecret.value).where(ServiceSecret.name == SECRET_NAME))
    if found is None:
        try:
            with session.begin_nested():
                session.add(ServiceSecret(name=SECRET_NAME, value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another process made it first: read theirs
        found = session.scalars(
            select(ServiceSecret.value).where(ServiceSecret.name == SECRET_NAME)
        ).one()
    return bytes.fromhex(found)


def _digest(secret: bytes, key_id: int, article_id: str, lang: str, expires: int | None) -> str:
    # A permanent link's message ends in "permanent", an old link's in its expiry: neither
    # signature can be passed off as the other.
    ending = "permanent" if expires is None else str(expires)
    message = f"{key_id}\n{article_id}\n{lang}\n{ending}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class LinkSigner:
    """Makes signed page URLs for one key."""

    secret: bytes
    base_url: str
    key_id: int

    def url(self, article_id: str, lang: str) -> str:
        query = urlencode(
            {"key": self.key_id, "sig": _digest(self.secret, self.key_id, article_id, lang, None)}
        )
        return f"{self.base_url}/articles/{quote(article_id, safe='')}/{lang}?{query}"


def check(
    secret: bytes,
    key_id: int,
    article_id: str,
    lang: str,
    expires: int | None,
    sig: str,
    now: float,
) -> None:
    """Raise Unauthorized unless `sig` signs this page for this key (and, for an old link with
    an expiry, that has not passed)."""
    expected = _digest(secret, key_id, article_id, lang, expires)
    # Bytes: compare_digest refuses non-ASCII str, and a forged link may carry any text.
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        raise Unauthorized(
            "the link's signature does not match this page", code="bad_link", challenge=None
        )
    if expires is not None and expires <= now:
        raise Unauthorized(
            "the link has expired; take a fresh one from the feed", code="bad_link", challenge=None
        )


def link_principal(
    session: Session,
    secret: bytes,
    article_id: str,
    lang: str,
    link: tuple[int | None, int | None, str | None],
    now: float,
) -> Principal:
    """The key a signed page link (key, exp or None, sig) was made for, once it is checked."""
    key_id, expires, sig = link
    if key_id is None or sig is None:
        raise Unauthorized("a page link needs key and sig", code="bad_link", challenge=None)
    check(secret, key_id, article_id, lang, expires, sig, now)
    principal = principal_by_id(session, key_id)
    if principal is None:
        raise Unauthorized(
            "the key this link was made for is revoked", code="bad_link", challenge=None
        )
    return principal
