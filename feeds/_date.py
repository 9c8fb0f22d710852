"""Datetime formats used by the feed formats, always written in UTC so output is stable."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

__all__ = ["rfc822", "rfc3339"]


def rfc3339(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix (Atom, JSON Feed, HTML ``<time>``), to the
    millisecond at most: HTML's valid global date and time string allows no more than three
    fraction digits (vnu refuses six), and one format everywhere keeps feeds and pages equal."""
    utc = value.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond else "seconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def rfc822(value: datetime) -> str:
    """RFC 822 / RFC 2822 in GMT (RSS 2.0)."""
    return format_datetime(value.astimezone(UTC), usegmt=True)
