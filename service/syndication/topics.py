"""WebSub topics for private feeds: a per-key signed URL a hub can fetch without a token.

A hub holds no partner's token, so a key's feed gets a topic of its own whose path carries an
HMAC (over the key, language and format, with the service's link-signing secret) instead:
`/websub/{key_id}/{signature}/{lang}.{fmt}`. The URL is the credential, good for exactly that
feed of that key and nothing else, and stops working when the key is revoked. The push scan
pings the hubs with a key's topics of a language whenever it records a change there.
"""

from __future__ import annotations

import hashlib
import hmac

FORMATS = ("atom", "rss", "json")


def signature(secret: bytes, key_id: int, lang: str, fmt: str) -> str:
    message = f"websub-topic:{key_id}:{lang}:{fmt}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def topic_url(base: str, secret: bytes, key_id: int, lang: str, fmt: str) -> str:
    sig = signature(secret, key_id, lang, fmt)
    return f"{base.rstrip('/')}/websub/{key_id}/{sig}/{lang}.{fmt}"


def valid(secret: bytes, key_id: int, lang: str, fmt: str, given: str) -> bool:
    return hmac.compare_digest(signature(secret, key_id, lang, fmt), given)


def topics(base: str, secret: bytes, key_id: int, langs: list[str]) -> list[str]:
    return [topic_url(base, secret, key_id, lang, fmt) for lang in langs for fmt in FORMATS]
