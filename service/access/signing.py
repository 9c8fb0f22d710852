"""HMAC signatures on the CMS's article calls (a webhook's proof of origin and freshness).

Header: `X-Kakehashi-Signature: t=<unix seconds>,v1=<hex>` where
`hex = HMAC-SHA256(secret, f"{t}.{METHOD}.{path}.".encode() + body)`. The method and path are
signed so a captured request cannot be replayed against another article or verb; the
timestamp bounds replays in time, and within that window each signature is accepted once:
its digest is a unique, unforgeable id of the request, which the caller remembers
(`first_seen`, a Redis SET NX in the service) for as long as the timestamp is acceptable.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

HEADER = "X-Kakehashi-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """Why a signature was refused, in words a CMS integrator can act on."""

    code = "bad_signature"


class ReplayedSignature(SignatureError):
    """A signature already used: the same request sent again (a replay, or a retry that was
    not signed anew)."""

    code = "replayed_signature"


REMEMBER_SECONDS = 2 * TOLERANCE_SECONDS + 60
"""How long a used signature is remembered: its timestamp is acceptable from 5 minutes before
to 5 minutes after it was made, plus a margin for clocks."""


def sign(secret: str, timestamp: int, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str,
    header: str | None,
    method: str,
    path: str,
    body: bytes,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
    first_seen: Callable[[str], bool] | None = None,
) -> None:
    """Raise SignatureError unless `header` signs this request within `tolerance` seconds;
    ReplayedSignature when `first_seen(digest)` says the signature was used before."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise SignatureError(f"{HEADER} needs t=<unix seconds>") from exc
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"signature timestamp is more than {tolerance} s from now")
    expected = sign(secret, timestamp, method, path, body).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureError("signature does not match the request")
    if first_seen is not None and not first_seen(expected):
        raise ReplayedSignature(
            "this signature was already used: sign every request anew (a fresh t=), retries "
            "included"
        )
