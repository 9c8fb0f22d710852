"""Entity tags for rendered feed bodies."""

from __future__ import annotations

import hashlib

__all__ = ["compute_etag"]


def compute_etag(body: bytes) -> str:
    """A strong, quoted ETag: the first 32 hex digits of the body's SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
